//! Reading a center's existing tracking book (`sổ theo dõi hồ sơ`) from CSV, so its
//! history counts in motcua's lists and reports from day one.
//!
//! UTF-8 CSV (commas, or semicolons as a Vietnamese Excel writes them), columns matched by
//! header name (any order, extra columns ignored): required `procedure_code,
//! applicant_name, channel, received_at, status`; optional `code, applicant_id, phone,
//! due_at, resolved_at, returned_at` — or their Vietnamese titles (`Mã thủ tục`, `Họ tên
//! người nộp`, `Kênh`, `Ngày tiếp nhận`, `Trạng thái`, `Mã hồ sơ`, …). Times are
//! `YYYY-MM-DD HH:MM` local time. Every row is checked before anything is written: the
//! caller imports all rows or none. Pure: the caller passes the catalogue and calendar
//! and assigns codes and tokens.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use sha2::{Digest, Sha256};

use super::calendar::WorkingCalendar;
use super::catalogue::Catalogue;
use super::citizen::validate_cccd;
use super::dossier::{
    parse_dossier_code, Applicant, Channel, Dossier, DossierState, EventKind, HistoryEntry, Status,
};
use super::time::{from_local_naive, local_naive};

/// One refused row: its line in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub reason: String,
}

/// A row ready to store: the dossier (its `code` empty when the file gave none) and the
/// key that recognises the row when the same file is imported again.
#[derive(Debug, Clone)]
pub struct BookRow {
    pub line: usize,
    pub dossier: Dossier,
    pub key: String,
}

const REQUIRED: [&str; 5] = [
    "procedure_code",
    "applicant_name",
    "channel",
    "received_at",
    "status",
];
const OPTIONAL: [&str; 6] = [
    "code",
    "applicant_id",
    "phone",
    "due_at",
    "resolved_at",
    "returned_at",
];

/// The Vietnamese column titles a center's own spreadsheet uses (folded: no diacritics,
/// lower case), for each column: a commune exports its book from Excel with its own
/// headings, not ours.
const VIETNAMESE_HEADERS: [(&str, &[&str]); 11] = [
    ("procedure_code", &["ma thu tuc", "ma thu tuc hanh chinh"]),
    (
        "applicant_name",
        &[
            "ho ten nguoi nop",
            "nguoi nop",
            "ho va ten",
            "ten nguoi nop",
        ],
    ),
    ("channel", &["kenh", "kenh nop", "hinh thuc nop"]),
    (
        "received_at",
        &["ngay tiep nhan", "thoi gian tiep nhan", "ngay nhan"],
    ),
    ("status", &["trang thai"]),
    ("code", &["ma ho so", "so ho so"]),
    (
        "applicant_id",
        &["so dinh danh", "cccd", "so cccd", "so can cuoc"],
    ),
    ("phone", &["so dien thoai", "dien thoai"]),
    (
        "due_at",
        &["ngay hen tra", "hen tra", "ngay hen tra ket qua"],
    ),
    (
        "resolved_at",
        &[
            "ngay giai quyet xong",
            "ngay co ket qua",
            "ngay ket thuc xu ly",
        ],
    ),
    ("returned_at", &["ngay tra ket qua", "ngay tra"]),
];

/// The column a header names: ours (`received_at`) or a Vietnamese title ("Ngày tiếp
/// nhận"); anything else is kept as written (and ignored).
fn column_of(header: &str) -> String {
    let h = header.trim().to_lowercase();
    let folded = super::search::fold(&h);
    VIETNAMESE_HEADERS
        .iter()
        .find(|(_, names)| names.contains(&folded.as_str()))
        .map(|(c, _)| c.to_string())
        .unwrap_or(h)
}

/// Who the history rows of imported dossiers name.
pub const IMPORT_ACTOR: &str = "nhập sổ";

fn parse_time(v: &str) -> Result<Option<DateTime<Utc>>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M")
        .map(|t| Some(from_local_naive(t)))
        .map_err(|_| format!("thời gian \"{v}\" cần dạng YYYY-MM-DD HH:MM"))
}

/// Parses and checks the whole file. `Err` lists every bad row (and a missing column as
/// line 1); `Ok` has every row in file order.
pub fn parse_book(
    data: &[u8],
    catalogue: &Catalogue,
    calendar: &WorkingCalendar,
) -> Result<Vec<BookRow>, Vec<RowError>> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    // Excel on a Vietnamese Windows saves "CSV" with semicolons: read what the first
    // line uses.
    let first_line = data.split(|b| *b == b'\n').next().unwrap_or_default();
    let semis = first_line.iter().filter(|b| **b == b';').count();
    let commas = first_line.iter().filter(|b| **b == b',').count();
    let delimiter = if semis > commas { b';' } else { b',' };
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let headers = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            return Err(vec![RowError {
                line: 1,
                reason: format!("không đọc được dòng tiêu đề: {e}"),
            }])
        }
    };
    let cols: HashMap<String, usize> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| (column_of(h), i))
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !cols.contains_key(*c))
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowError {
            line: 1,
            reason: format!("thiếu cột bắt buộc: {}", missing.join(", ")),
        }]);
    }
    let _ = OPTIONAL;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut codes_seen: HashMap<String, usize> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    line,
                    reason: format!("dòng CSV hỏng: {e}"),
                });
                continue;
            }
        };
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |c: &str| {
            cols.get(c)
                .and_then(|i| rec.get(*i))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        match parse_row(&get, catalogue, calendar) {
            Ok(mut row) => {
                row.line = line;
                if !row.dossier.code.is_empty() {
                    if let Some(first) = codes_seen.insert(row.dossier.code.clone(), line) {
                        errors.push(RowError {
                            line,
                            reason: format!("mã hồ sơ {} trùng với dòng {first}", row.dossier.code),
                        });
                        continue;
                    }
                }
                rows.push(row);
            }
            Err(reasons) => {
                errors.extend(reasons.into_iter().map(|reason| RowError { line, reason }))
            }
        }
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

fn parse_row(
    get: &dyn Fn(&str) -> String,
    catalogue: &Catalogue,
    calendar: &WorkingCalendar,
) -> Result<BookRow, Vec<String>> {
    let mut bad = Vec::new();
    let mut check = |r: Result<(), String>| {
        if let Err(e) = r {
            bad.push(e);
        }
    };
    let code = get("code").to_ascii_uppercase();
    if !code.is_empty() {
        check(
            parse_dossier_code(&code)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        );
    }
    let proc_code = get("procedure_code");
    let procedure = catalogue.get(&proc_code).cloned();
    if procedure.is_none() {
        check(Err(format!(
            "mã thủ tục \"{proc_code}\" không có trong danh mục"
        )));
    }
    let name = get("applicant_name");
    if name.is_empty() {
        check(Err("thiếu tên người nộp".into()));
    }
    let id = get("applicant_id");
    if !id.is_empty() {
        check(
            validate_cccd(&id, None, None)
                .map(|_| ())
                .map_err(|e| format!("số định danh: {e}")),
        );
    }
    let channel = get("channel")
        .parse::<u8>()
        .ok()
        .and_then(Channel::from_code);
    if channel.is_none() {
        check(Err(format!(
            "kênh \"{}\" phải là 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (bưu chính)",
            get("channel")
        )));
    }
    let status = get("status").parse::<u8>().ok().and_then(Status::from_code);
    if status.is_none() {
        check(Err(format!(
            "trạng thái \"{}\" phải là mã 1–10",
            get("status")
        )));
    }
    let mut time = |c: &str| match parse_time(&get(c)) {
        Ok(t) => t,
        Err(e) => {
            bad.push(format!("{c}: {e}"));
            None
        }
    };
    let received = time("received_at");
    let due_given = time("due_at");
    let resolved_given = time("resolved_at");
    let returned = time("returned_at");
    if get("received_at").is_empty() {
        bad.push("thiếu thời gian tiếp nhận (received_at)".into());
    }
    let (Some(procedure), Some(channel), Some(status), Some(received)) =
        (procedure, channel, status, received)
    else {
        return Err(bad);
    };
    if !bad.is_empty() {
        return Err(bad);
    }
    // Consistency of the dates with the status.
    let resolved = resolved_given.or(if status == Status::Returned {
        returned
    } else {
        None
    });
    if status == Status::Resolved && resolved.is_none() {
        bad.push("trạng thái 9 cần thời gian có kết quả (resolved_at)".into());
    }
    if status == Status::Returned && returned.is_none() {
        bad.push("trạng thái 10 cần thời gian trả kết quả (returned_at)".into());
    }
    if resolved.is_some_and(|r| r < received) {
        bad.push("thời gian có kết quả sớm hơn thời gian tiếp nhận".into());
    }
    if let (Some(r), Some(t)) = (resolved, returned) {
        if t < r {
            bad.push("thời gian trả kết quả sớm hơn thời gian có kết quả".into());
        }
    }
    if due_given.is_some_and(|d| d < received) {
        bad.push("ngày hẹn trả sớm hơn thời gian tiếp nhận".into());
    }
    if status == Status::New && channel != Channel::Online {
        bad.push("trạng thái 1 (mới đăng ký) chỉ có ở hồ sơ trực tuyến".into());
    }
    if !bad.is_empty() {
        return Err(bad);
    }
    let due = due_given.unwrap_or_else(|| {
        from_local_naive(calendar.due(local_naive(received), &procedure.duration.as_duration()))
    });

    let entry = |at, event, from, to, due| HistoryEntry {
        at,
        actor: IMPORT_ACTOR.into(),
        event,
        from,
        to,
        note: "Nhập từ sổ theo dõi hồ sơ".into(),
        due,
    };
    let (mut state, first) = if status == Status::New {
        // Unreachable errors: the actor is a constant and no due date is involved.
        let (s, e) = DossierState::register_online(IMPORT_ACTOR, received)
            .map_err(|e| vec![e.to_string()])?;
        (s, e)
    } else {
        DossierState::receive(channel, IMPORT_ACTOR, received, due)
            .map_err(|e| vec![e.to_string()])?
    };
    let mut history = vec![HistoryEntry {
        note: "Nhập từ sổ theo dõi hồ sơ".into(),
        actor: IMPORT_ACTOR.into(),
        ..first
    }];
    state.current_officer = None;
    let mut last = received;
    let mut from = state.status;
    if let Some(r) = resolved.filter(|_| matches!(status, Status::Resolved | Status::Returned)) {
        state.resolved_at = Some(r);
        history.push(entry(
            r,
            EventKind::Resolved,
            Some(from),
            Status::Resolved,
            None,
        ));
        from = Status::Resolved;
        last = r;
    }
    if let (Status::Returned, Some(t)) = (status, returned) {
        state.returned_at = Some(t);
        history.push(entry(
            t,
            EventKind::Returned,
            Some(from),
            Status::Returned,
            None,
        ));
        last = t;
    }
    let closing = match status {
        Status::Refused => Some(EventKind::Refused),
        Status::Withdrawn => Some(EventKind::Withdrawn),
        Status::Stopped => Some(EventKind::Stopped),
        Status::InProgress => Some(EventKind::Assigned),
        Status::SupplementRequested => Some(EventKind::SupplementRequested),
        Status::FeesDue => Some(EventKind::FeesRequested),
        _ => None,
    };
    if let Some(ev) = closing {
        let at = resolved.unwrap_or(received);
        if matches!(
            status,
            Status::Refused | Status::Withdrawn | Status::Stopped
        ) {
            state.closed_at = Some(at);
            state.closing_reason = Some("Theo sổ theo dõi hồ sơ".into());
        }
        if matches!(status, Status::SupplementRequested | Status::FeesDue) {
            state.paused_since = Some(at);
            state.paused_from = Some(Status::InProgress);
        }
        history.push(entry(at, ev, Some(from), status, None));
        last = last.max(at);
    }
    state.status = status;
    state.last_event_at = last;

    let applicant = Applicant {
        name,
        id_number: id,
        phone: get("phone"),
        ..Default::default()
    };
    let mut h = Sha256::new();
    for part in [
        proc_code.as_str(),
        applicant.name.as_str(),
        applicant.id_number.as_str(),
        applicant.phone.as_str(),
        &channel.code().to_string(),
        &received.to_rfc3339(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let key = format!("row:{}", hex::encode(h.finalize()));
    Ok(BookRow {
        line: 0,
        key,
        dossier: Dossier {
            code,
            procedure,
            applicant,
            papers: Vec::new(),
            sets: 1,
            ticket: None,
            pickup: String::new(),
            note: String::new(),
            state,
            history,
            lookup_token: String::new(),
            calendar_version: calendar.version.clone(),
            national_code: None,
            imported: true,
            files: Vec::new(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::{OnlineLevel, ProcedureSnapshot, StatutoryTime, TimeUnit};

    fn cat() -> Catalogue {
        Catalogue {
            version: 1,
            updated_at: None,
            procedures: vec![ProcedureSnapshot {
                code: "1.004873".into(),
                name: "Xác nhận tình trạng hôn nhân".into(),
                area: 1,
                duration: StatutoryTime {
                    amount: 3,
                    unit: TimeUnit::WorkingDays,
                    extra_working_days: 0,
                },
                fee_vnd: None,
                fee_note: String::new(),
                papers: vec![],
                result_type: "Giấy xác nhận".into(),
                online_level: OnlineLevel::Full,
                legal_basis: String::new(),
                portal_url: String::new(),
                page_fee: None,
                version: 1,
            }],
        }
    }

    fn cal() -> WorkingCalendar {
        WorkingCalendar::with_official_2026()
    }

    #[test]
    fn good_rows_become_dossiers_with_computed_deadlines() {
        let csv = "\u{feff}status,received_at,procedure_code,applicant_name,channel,code,resolved_at,returned_at,due_at,extra\n\
                   10,2026-03-02 08:00,1.004873,Lê Thị Cúc,1,H40.14-260302-0001,2026-03-04 10:00,2026-03-05 09:00,,x\n\
                   4,2026-03-05 16:00,1.004873,Phạm Văn Dũng,2,,,,2026-03-12 17:00,\n\
                   1,2026-03-06 20:00,1.004873,Hồ Thị Em,2,,,,,\n\
                   \n";
        let rows = parse_book(csv.as_bytes(), &cat(), &cal()).unwrap();
        assert_eq!(rows.len(), 3);
        let a = &rows[0].dossier;
        assert_eq!(a.status(), Status::Returned);
        assert_eq!(a.code, "H40.14-260302-0001");
        // Due computed: Monday 08:00 + 3 working days = Thursday 08:00 (01:00 UTC).
        assert_eq!(
            a.state.due_at.unwrap().to_rfc3339(),
            "2026-03-05T01:00:00+00:00"
        );
        assert!(a.state.resolved_at.is_some() && a.state.returned_at.is_some());
        assert_eq!(a.history.len(), 3);
        let b = &rows[1].dossier;
        assert_eq!(b.code, "");
        assert_eq!(b.state.channel, Channel::Online);
        assert_eq!(
            b.state.due_at.unwrap().to_rfc3339(),
            "2026-03-12T10:00:00+00:00"
        );
        let c = &rows[2].dossier;
        assert_eq!(c.status(), Status::New);
        assert!(c.state.received_at.is_none() && c.state.registered_at.is_some());
        assert_ne!(rows[1].key, rows[2].key);
        assert_eq!(rows[1].line, 3);
    }

    #[test]
    fn a_vietnamese_excel_sheet_with_its_own_headings_and_semicolons_is_read() {
        let csv =
            "\u{feff}Mã thủ tục;Họ tên người nộp;Kênh;Ngày tiếp nhận;Trạng thái;Số điện thoại\n\
                   1.004873;Nguyễn Văn An;1;2026-03-02 08:00;2;0912345678\n";
        let rows = parse_book(csv.as_bytes(), &cat(), &cal()).unwrap();
        assert_eq!(rows.len(), 1);
        let d = &rows[0].dossier;
        assert_eq!(
            (d.applicant.name.as_str(), d.applicant.phone.as_str()),
            ("Nguyễn Văn An", "0912345678")
        );
        assert_eq!(d.procedure.code, "1.004873");
        assert_eq!(column_of("  NGÀY HẸN TRẢ "), "due_at");
        assert_eq!(column_of("Ghi chú"), "ghi chú");
    }

    #[test]
    fn every_bad_row_is_listed() {
        let csv = "procedure_code,applicant_name,channel,received_at,status,code,applicant_id,resolved_at,returned_at\n\
                   9.999,An,1,2026-03-02 08:00,2,,,,\n\
                   1.004873,,4,2026-03-02,11,,,,\n\
                   1.004873,Bình,1,2026-03-02 08:00,9,,,,\n\
                   1.004873,Chi,1,2026-03-02 08:00,10,,,2026-03-01 08:00,2026-03-03 08:00\n\
                   1.004873,Dung,1,2026-03-02 08:00,2,BAD,123,,\n\
                   1.004873,Em,1,2026-03-02 08:00,2,H40.14-260302-0001,,,\n\
                   1.004873,Em,1,2026-03-02 08:00,2,h40.14-260302-0001,,,\n\
                   1.004873,Gia,1,2026-03-02 08:00,1,,,,\n";
        let errs = parse_book(csv.as_bytes(), &cat(), &cal()).unwrap_err();
        let lines: Vec<usize> = errs.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 3, 3, 3, 4, 5, 6, 6, 8, 9], "{errs:#?}");
        assert!(errs[0].reason.contains("9.999"));
        assert!(errs[5].reason.contains("resolved_at"));
        assert!(errs[9].reason.contains("trùng với dòng 7"));
        assert!(errs[10].reason.contains("trực tuyến"));
    }

    #[test]
    fn missing_columns_are_named() {
        let errs = parse_book(b"procedure_code,status\n", &cat(), &cal()).unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 1);
        assert!(errs[0]
            .reason
            .contains("applicant_name, channel, received_at"));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn good_row() -> impl Strategy<Value = String> {
            (
                1u32..28,
                8u32..17,
                1u32..6,
                prop::sample::select(vec!["1", "2"]),
                "[A-Za-zăâđêôơưáàảãạ ]{1,20}",
            )
                .prop_map(|(d, h, days, ch, name)| {
                    format!(
                        ",1.004873,Người {},{ch},2026-03-{d:02} {h:02}:00,2026-04-{:02} 17:00,,,4",
                        name.trim().replace(' ', "_"),
                        d.min(28 - days) + days
                    )
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// Any bytes: every row accepted, or a non-empty list of the bad ones.
            #[test]
            fn any_file(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
                if let Err(e) = parse_book(&bytes, &cat(), &cal()) {
                    prop_assert!(!e.is_empty());
                }
            }

            /// Files of good rows are read whole, in order; one bad row anywhere refuses
            /// the whole file and names that row.
            #[test]
            fn good_rows_and_one_bad(rows in prop::collection::vec(good_row(), 1..12), bad_at in any::<prop::sample::Index>()) {
                let head = "code,procedure_code,applicant_name,channel,received_at,due_at,resolved_at,returned_at,status\n";
                let file = format!("{head}{}\n", rows.join("\n"));
                let parsed = parse_book(file.as_bytes(), &cat(), &cal());
                prop_assert!(parsed.is_ok(), "{:?}", parsed.err());
                prop_assert_eq!(parsed.unwrap().len(), rows.len());
                let mut broken = rows.clone();
                let i = bad_at.index(rows.len());
                broken[i] = broken[i].replacen("1.004873", "9.999999", 1);
                let file = format!("{head}{}\n", broken.join("\n"));
                let errors = parse_book(file.as_bytes(), &cat(), &cal()).unwrap_err();
                prop_assert!(errors.iter().any(|e| e.line == i + 2), "{:?}", errors);
            }
        }
    }
}
