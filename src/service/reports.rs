//! Reports: the dossier report (Biểu 06 with the three on-time rates) per area, procedure
//! or officer, over any period, with the period's ratings beside it.
//!
//! Computed from the aggregates the store keeps in the same transaction as every dossier
//! write (see `domain::report::aggregates`): a year's report reads days × areas, not dossiers, so
//! it costs the same at any volume.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use super::{Result, ServiceError, Services};
use crate::domain::rating::RatingSummary;
use crate::domain::report::aggregates;
use crate::domain::report::{self, GroupBy, Rates, Row};

#[derive(Debug, Clone, Serialize)]
pub struct ReportRow {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub row: Row,
    pub rates: Rates,
}

/// The dossier report as the API returns it: the total's columns at the top level.
#[derive(Debug, Clone, Serialize)]
pub struct DossierReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group: GroupBy,
    pub area: Option<u32>,
    #[serde(flatten)]
    pub total: Row,
    pub rates: Rates,
    pub rows: Vec<ReportRow>,
    pub ratings: RatingSummary,
    /// The same ratings per officer and per counter (the center head's view of who and
    /// where citizens are unhappy).
    pub ratings_by_officer: Vec<RatingGroup>,
    pub ratings_by_counter: Vec<RatingGroup>,
    /// The Decision 766 indexes computable here (whole center, or the chosen area).
    pub decision_766: Vec<report::Index766>,
    /// The nine legal indicators recorded in the period: how many dossiers, and each
    /// indicator's mean score.
    pub indicators: IndicatorSummary,
    /// How this report counted.
    pub conventions: report::Conventions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RatingGroup {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub summary: RatingSummary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorSummary {
    pub recorded: u64,
    pub items: Vec<IndicatorMean>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorMean {
    pub number: u8,
    pub name: &'static str,
    pub sum: u64,
    /// Mean score (0–2) with two decimals, half up, written `1,85`; `None` when none.
    pub mean: Option<String>,
}

fn indicator_summary((recorded, sums): (u64, [u64; 9])) -> IndicatorSummary {
    IndicatorSummary {
        recorded,
        items: crate::domain::dossier::indicators::INDICATORS
            .iter()
            .zip(sums)
            .map(|(i, sum)| IndicatorMean {
                number: i.number,
                name: i.name,
                sum,
                // sum ÷ recorded = (sum ÷ (recorded × 100)) × 100, the percent helper's form.
                mean: crate::domain::rating::percent(sum, recorded * 100),
            })
            .collect(),
    }
}

impl Services {
    pub fn dossier_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        area: Option<u32>,
        group: GroupBy,
    ) -> Result<DossierReport> {
        if to < from {
            return Err(ServiceError::Invalid(
                "Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu".into(),
            ));
        }
        if (to - from).num_days() > 3700 {
            return Err(ServiceError::Invalid("Kỳ báo cáo dài quá 10 năm".into()));
        }
        let (start, end) = (aggregates::day_number(from), aggregates::day_number(to) + 1);
        // Sums of the aggregates kept with the records: the total from days × areas,
        // the rows from the table of the grouping.
        let rx = self.store.read()?;
        let rx_conventions = rx.report_conventions()?;
        let mut total = aggregates::Fold::new(start, end);
        rx.report_rows(GroupBy::Area, end, |day, a, _, c| {
            if area.is_none_or(|x| x == a) {
                total.push(day, c);
            }
        })?;
        let mut rows: BTreeMap<String, aggregates::Fold> = BTreeMap::new();
        rx.report_rows(group, end, |day, a, key, c| {
            if area.is_none_or(|x| x == a) {
                let key = match group {
                    GroupBy::Area => format!("{a:06}"),
                    _ => key.to_string(),
                };
                rows.entry(key)
                    .or_insert_with(|| aggregates::Fold::new(start, end))
                    .push(day, c);
            }
        })?;
        drop(rx);
        let totals = total.totals();
        let conventions = rx_conventions;
        let digitized = (
            totals.digitized,
            totals.row.received.online + totals.row.received.direct,
        );
        let rep = report::Report {
            total: totals.row.clone(),
            rows: rows
                .into_iter()
                .map(|(k, f)| (k, f.totals().row))
                .filter(|(_, r)| *r != Row::default())
                .collect(),
        };
        let labels: HashMap<String, String> = match group {
            GroupBy::Area => self
                .services()?
                .into_iter()
                .map(|a| (format!("{:06}", a.id), a.name))
                .collect(),
            GroupBy::Procedure => self
                .catalogue()?
                .procedures
                .into_iter()
                .map(|p| (p.code, p.name))
                .collect(),
            GroupBy::Officer => self
                .users()?
                .into_iter()
                .map(|u| (u.username, u.display_name))
                .collect(),
        };
        let (ratings, list) = self.ratings_between(from, to)?;
        // An area report rates that area's tickets only.
        let list: Vec<_> = list
            .into_iter()
            .filter(|x| area.is_none_or(|a| x.service == a))
            .collect();
        let ratings = if area.is_some() {
            crate::domain::rating::summarize(&list)
        } else {
            ratings
        };
        let people: std::collections::HashMap<String, String> = self
            .users()?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let ratings_by_officer = crate::domain::rating::summarize_by(&list, |x| x.officer.clone())
            .into_iter()
            .map(|(key, summary)| RatingGroup {
                label: people.get(&key).cloned().unwrap_or_else(|| key.clone()),
                key,
                summary,
            })
            .collect();
        let counter_numbers: std::collections::HashMap<u32, u32> = self
            .counters()?
            .into_iter()
            .map(|c| (c.id, c.number))
            .collect();
        let ratings_by_counter = crate::domain::rating::summarize_by(&list, |x| {
            x.counter
                .map(|c| counter_numbers.get(&c).copied().unwrap_or(c))
        })
        .into_iter()
        .map(|(n, summary)| RatingGroup {
            key: n.to_string(),
            label: format!("Quầy {n}"),
            summary,
        })
        .collect();
        let cat = self.catalogue()?;
        let in_scope: Vec<_> = cat
            .procedures
            .iter()
            .filter(|p| area.is_none_or(|a| p.area == a))
            .collect();
        let online = in_scope
            .iter()
            .filter(|p| p.online_level != crate::domain::dossier::OnlineLevel::InfoOnly)
            .count() as u64;
        let sync = self.sync_counts(from, to, area, digitized.1)?;
        let signing = self.signing_counts(from, to, area, rep.total.resolved.total)?;
        let decision_766 = report::decision_766(
            &rep.total,
            online,
            in_scope.len() as u64,
            u64::from(ratings.total),
            u64::from(ratings.dislike),
            digitized,
            sync,
            signing,
        );
        Ok(DossierReport {
            indicators: indicator_summary(totals.indicators),
            conventions,
            decision_766,
            from,
            to,
            group,
            area,
            rates: rep.total.rates(),
            total: rep.total,
            rows: rep
                .rows
                .into_iter()
                .map(|(key, row)| ReportRow {
                    label: labels.get(&key).cloned().unwrap_or_else(|| {
                        if key.is_empty() {
                            "(chưa phân công)".into()
                        } else {
                            key.trim_start_matches('0').to_string()
                        }
                    }),
                    key: key.trim_start_matches('0').to_string(),
                    rates: row.rates(),
                    row,
                })
                .collect(),
            ratings,
            ratings_by_officer,
            ratings_by_counter,
        })
    }
}

impl Services {
    /// Index 1.4's parts: of the `received` dossiers received in the period (and area),
    /// those still in the outbox are waiting or refused; the others the province has.
    /// Results signed here and certified e-copies decided in `[from, to]`. E-copies count
    /// in the area of their procedure in the catalogue (Tư pháp – Hộ tịch – Chứng thực).
    fn signing_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        area: Option<u32>,
        resolved: u64,
    ) -> Result<report::SigningCounts> {
        use crate::domain::ecopy::CopyState;
        use crate::domain::report::aggregates::day_number;
        let results_signed =
            self.store
                .read()?
                .signed_results(day_number(from), day_number(to), area)?;
        let mut c = report::SigningCounts {
            results_signed,
            resolved,
            ..Default::default()
        };
        let copy_area = self
            .catalogue()?
            .procedures
            .iter()
            .find(|p| p.code == crate::service::ecopies::PROCEDURE)
            .map(|p| p.area);
        if area.is_none() || area == copy_area {
            for r in self.ecopies()? {
                let Some(at) = r.decided_at else { continue };
                let day = crate::domain::time::local_day(at);
                if day < from || day > to {
                    continue;
                }
                c.copies_decided += 1;
                if r.state == CopyState::Issued {
                    c.copies_issued += 1;
                    c.copies += u64::from(r.copies);
                    c.fee_vnd += r.fee_vnd;
                }
            }
        }
        Ok(c)
    }

    fn sync_counts(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        area: Option<u32>,
        received: u64,
    ) -> Result<report::SyncCounts> {
        let rx = self.store.read()?;
        let (mut pending, mut rejected) = (0u64, 0u64);
        for row in rx.sync_rows()? {
            let Some(d) = rx.dossier(&row.code)? else {
                continue;
            };
            let Some(at) = d.state.received_at.or(d.state.registered_at) else {
                continue;
            };
            let day = crate::domain::time::local_day(at);
            if day < from || day > to || area.is_some_and(|a| d.procedure.area != a) {
                continue;
            }
            match row.state {
                crate::store::SyncState::Pending => pending += 1,
                crate::store::SyncState::Rejected => rejected += 1,
            }
        }
        Ok(report::SyncCounts {
            should: received,
            synced: received.saturating_sub(pending + rejected),
            pending,
            rejected,
        })
    }
}

/// What `POST /api/v1/reports/reindex` answers.
#[derive(Debug, Clone, Serialize)]
pub struct Reindexed {
    pub dossiers: u64,
    pub rows: usize,
    /// The sums kept live equalled the ones recomputed from the records.
    pub identical: bool,
}

impl Services {
    pub fn report_conventions(&self) -> Result<report::Conventions> {
        Ok(self.store.read()?.report_conventions()?)
    }

    /// Saves the counting conventions and recomputes the aggregates under them, in one
    /// command: the report never mixes the old and new ways of counting.
    pub fn set_report_conventions(
        &self,
        actor: &crate::events::Actor,
        c: report::Conventions,
    ) -> Result<report::Conventions> {
        self.run(actor, |tx, _| {
            if tx.report_conventions()? != c {
                tx.set_report_conventions(&c)?;
                tx.emit(crate::events::EventKind::SettingsChanged {
                    what: format!(
                        "report conventions: {}",
                        serde_json::to_string(&c).unwrap_or_default()
                    ),
                });
            }
            Ok(c)
        })
    }

    /// Recomputes the aggregates from the records and says whether the live sums agreed.
    pub fn reindex_reports(&self) -> Result<Reindexed> {
        let live = self.store.read()?.report_tables()?;
        let dossiers = self.store.rebuild_reports()?;
        let rebuilt = self.store.read()?.report_tables()?;
        Ok(Reindexed {
            dossiers,
            rows: rebuilt.iter().map(Vec::len).sum(),
            identical: live == rebuilt,
        })
    }
}

/// `85,50` (the report's rounded percent) as the fraction 0.855.
fn percent_value(p: &str) -> Option<f64> {
    // Hundredths of a percent as an integer, then one division: 66,67 → 0.6667 exactly as
    // printed, not 0.6667000000000001.
    let (whole, frac) = p.split_once(',').unwrap_or((p, "0"));
    let hundredths =
        whole.parse::<u64>().ok()? * 100 + format!("{frac:0<2}")[..2].parse::<u64>().ok()?;
    Some(hundredths as f64 / 10_000.0)
}

/// The report as CSV with the columns of Biểu 06 (Vietnamese headers), then the rates.
pub fn report_csv(r: &DossierReport) -> String {
    let mut out = String::from(
        "STT,Lĩnh vực / nội dung,Tổng số tiếp nhận,Trực tuyến,Trực tiếp và bưu chính,Kỳ trước chuyển qua,Đã giải quyết,Trước hạn,Đúng hạn,Quá hạn,Đang giải quyết,Trong hạn,Quá hạn (đang giải quyết),Từ chối/rút/dừng,Tỷ lệ A (%),Tỷ lệ B - QĐ 766 (%),Tỷ lệ C (%)\n",
    );
    let esc = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let line = |stt: &str, label: &str, row: &Row, rates: &Rates| {
        format!(
            "{stt},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            esc(label),
            row.received.total,
            row.received.online,
            row.received.direct,
            row.received.carried_over,
            row.resolved.total,
            row.resolved.early,
            row.resolved.on_time,
            row.resolved.late,
            row.in_progress.total,
            row.in_progress.within_deadline,
            row.in_progress.overdue,
            row.closed_other,
            esc(rates.resolved_on_time.percent.as_deref().unwrap_or("")),
            esc(rates.decision_766.percent.as_deref().unwrap_or("")),
            esc(rates.due_on_time.percent.as_deref().unwrap_or("")),
        )
    };
    for (i, row) in r.rows.iter().enumerate() {
        out.push_str(&line(
            &(i + 1).to_string(),
            &row.label,
            &row.row,
            &row.rates,
        ));
    }
    out.push_str(&line("", "Tổng cộng", &r.total, &r.rates));
    out
}

impl Services {
    /// The queue report of local days `from..=to`, groups labelled with names.
    pub fn queue_report(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        target_wait_minutes: u32,
    ) -> Result<crate::domain::report::queue::QueueReport> {
        if to < from {
            return Err(ServiceError::Invalid(
                "Ngày kết thúc kỳ báo cáo phải sau ngày bắt đầu".into(),
            ));
        }
        let tickets = self.store.read()?.tickets_on_days(from, to)?;
        let mut r =
            crate::domain::report::queue::build(&tickets, target_wait_minutes.clamp(1, 240));
        let areas: HashMap<String, String> = self
            .services()?
            .into_iter()
            .map(|a| (a.id.to_string(), a.name))
            .collect();
        let counters: HashMap<String, String> = self
            .counters()?
            .into_iter()
            .map(|c| (c.id.to_string(), format!("Quầy {} — {}", c.number, c.name)))
            .collect();
        let names: HashMap<String, String> = self
            .users()?
            .into_iter()
            .map(|u| (u.username, u.display_name))
            .collect();
        let label = |groups: &mut Vec<crate::domain::report::queue::Group>,
                     m: &HashMap<String, String>| {
            for g in groups.iter_mut() {
                if let Some(n) = m.get(&g.key) {
                    g.key = format!("{} ({})", n, g.key);
                }
            }
        };
        label(&mut r.by_area, &areas);
        label(&mut r.by_counter, &counters);
        label(&mut r.by_officer, &names);
        Ok(r)
    }
}

/// The formats both report workbooks use: title, italic subtitle, header cells, cells.
struct SheetFormats {
    title: rust_xlsxwriter::Format,
    italic: rust_xlsxwriter::Format,
    head: rust_xlsxwriter::Format,
    cell: rust_xlsxwriter::Format,
}

fn sheet_formats() -> SheetFormats {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder};
    SheetFormats {
        title: Format::new()
            .set_bold()
            .set_font_size(14)
            .set_align(FormatAlign::Center),
        italic: Format::new().set_italic().set_align(FormatAlign::Center),
        head: Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap(),
        cell: Format::new().set_border(FormatBorder::Thin),
    }
}

/// The report as a real `.xlsx`, laid out like Biểu 06 (two-level headers with merged
/// cells, column numbers, a total row) with the three rates below it.
pub fn report_xlsx(r: &DossierReport, agency: &str) -> std::result::Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, FormatBorder, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Biểu 06").map_err(e)?;
    let SheetFormats {
        title,
        italic,
        head,
        cell,
    } = sheet_formats();
    let bold_cell = Format::new().set_border(FormatBorder::Thin).set_bold();
    ws.set_column_width(0, 6).map_err(e)?;
    ws.set_column_width(1, 34).map_err(e)?;
    for c in 2..=13u16 {
        ws.set_column_width(c, 11).map_err(e)?;
    }
    ws.write_with_format(0, 0, agency, &Format::new().set_bold())
        .map_err(e)?;
    ws.merge_range(
        1,
        0,
        1,
        13,
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        &title,
    )
    .map_err(e)?;
    let period = format!(
        "Kỳ báo cáo: từ ngày {} đến ngày {}",
        r.from.format("%d/%m/%Y"),
        r.to.format("%d/%m/%Y")
    );
    ws.merge_range(2, 0, 2, 13, &period, &italic).map_err(e)?;
    // Header rows 4–6 (0-based 4..=6), column numbers on row 7.
    let (h1, h2, h3) = (4u32, 5u32, 6u32);
    ws.merge_range(h1, 0, h3, 0, "STT", &head).map_err(e)?;
    let what = match r.group {
        GroupBy::Area => "Lĩnh vực",
        GroupBy::Procedure => "Thủ tục",
        GroupBy::Officer => "Cán bộ",
    };
    ws.merge_range(h1, 1, h3, 1, what, &head).map_err(e)?;
    ws.merge_range(h1, 2, h1, 5, "Số hồ sơ nhận giải quyết", &head)
        .map_err(e)?;
    ws.merge_range(h1, 6, h1, 9, "Số hồ sơ đã giải quyết", &head)
        .map_err(e)?;
    ws.merge_range(h1, 10, h1, 12, "Số hồ sơ đang giải quyết", &head)
        .map_err(e)?;
    ws.merge_range(h1, 13, h3, 13, "Từ chối, rút, dừng", &head)
        .map_err(e)?;
    ws.merge_range(h2, 2, h3, 2, "Tổng số", &head).map_err(e)?;
    ws.merge_range(h2, 3, h2, 4, "Trong kỳ", &head).map_err(e)?;
    ws.write_with_format(h3, 3, "Trực tuyến", &head)
        .map_err(e)?;
    ws.write_with_format(h3, 4, "Trực tiếp, bưu chính", &head)
        .map_err(e)?;
    ws.merge_range(h2, 5, h3, 5, "Từ kỳ trước", &head)
        .map_err(e)?;
    for (c, label) in [
        (6u16, "Tổng số"),
        (7, "Trước hạn"),
        (8, "Đúng hạn"),
        (9, "Quá hạn"),
        (10, "Tổng số"),
        (11, "Trong hạn"),
        (12, "Quá hạn"),
    ] {
        ws.merge_range(h2, c, h3, c, label, &head).map_err(e)?;
    }
    for c in 0..13u16 {
        ws.write_with_format(h3 + 1, c, format!("({})", c + 1), &head)
            .map_err(e)?;
    }
    let mut row = h3 + 2;
    let mut put = |ws: &mut rust_xlsxwriter::Worksheet,
                   stt: &str,
                   label: &str,
                   x: &Row,
                   f: &Format|
     -> std::result::Result<(), String> {
        ws.write_with_format(row, 0, stt, f).map_err(e)?;
        ws.write_with_format(row, 1, label, f).map_err(e)?;
        let nums = [
            x.received.total,
            x.received.online,
            x.received.direct,
            x.received.carried_over,
            x.resolved.total,
            x.resolved.early,
            x.resolved.on_time,
            x.resolved.late,
            x.in_progress.total,
            x.in_progress.within_deadline,
            x.in_progress.overdue,
            x.closed_other,
        ];
        for (i, n) in nums.iter().enumerate() {
            ws.write_with_format(row, 2 + i as u16, *n as f64, f)
                .map_err(e)?;
        }
        row += 1;
        Ok(())
    };
    for (i, x) in r.rows.iter().enumerate() {
        put(ws, &(i + 1).to_string(), &x.label, &x.row, &cell)?;
    }
    put(ws, "", "Tổng cộng", &r.total, &bold_cell)?;
    let mut at = row + 1;
    for (name, formula, rate) in [
        (
            "A. Theo biểu báo cáo",
            "(trước hạn + đúng hạn) ÷ đã giải quyết",
            &r.rates.resolved_on_time,
        ),
        (
            "B. Quyết định 766, chỉ số 2.1",
            "(kết thúc đúng hạn + đang giải quyết trong hạn) ÷ tổng số nhận giải quyết",
            &r.rates.decision_766,
        ),
        (
            "C. Trên số đến hạn",
            "(trước hạn + đúng hạn) ÷ (đã giải quyết + đang giải quyết quá hạn)",
            &r.rates.due_on_time,
        ),
    ] {
        ws.write_with_format(at, 1, name, &Format::new().set_bold())
            .map_err(e)?;
        ws.write(at, 2, formula).map_err(e)?;
        ws.write(at, 10, format!("{} / {}", rate.numerator, rate.denominator))
            .map_err(e)?;
        // A number Excel can compute with (0.8550 shown as 85,50 %), rounded as the
        // report rounds it; empty when there is nothing to divide by.
        if let Some(v) = rate.percent.as_deref().and_then(percent_value) {
            ws.write_number_with_format(at, 12, v, &Format::new().set_num_format("0.00%"))
                .map_err(e)?;
        }
        at += 1;
    }
    ws.write(
        at + 1,
        1,
        format!(
            "Cách đếm: so với ngày hẹn {}; hồ sơ từ chối, rút, dừng {}.",
            match r.conventions.comparison {
                crate::domain::dossier::Comparison::CalendarDay => "theo ngày",
                crate::domain::dossier::Comparison::Timestamp => "theo giờ, phút",
            },
            match r.conventions.other_closures {
                report::OtherClosures::Count => "được tính (cột riêng)",
                report::OtherClosures::Exclude => "không tính",
            }
        ),
    )
    .map_err(e)?;

    // The Decision 766 indexes the center can compute, with their formulas' parts.
    let ws = wb.add_worksheet();
    ws.set_name("Chỉ số 766").map_err(e)?;
    ws.set_column_width(1, 52).map_err(e)?;
    ws.set_column_width(6, 60).map_err(e)?;
    ws.write_with_format(0, 0, "CHỈ SỐ THEO QUYẾT ĐỊNH 766/QĐ-TTg", &title)
        .map_err(e)?;
    ws.write_with_format(1, 0, &period, &italic).map_err(e)?;
    for (c, h) in [
        "Chỉ số",
        "Nội dung",
        "Tử số",
        "Mẫu số",
        "Tỷ lệ (%)",
        "Điểm",
        "Ghi chú",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(3, c as u16, *h, &head).map_err(e)?;
    }
    for (i, x) in r.decision_766.iter().enumerate() {
        let row = 4 + i as u32;
        ws.write_with_format(row, 0, x.code, &cell).map_err(e)?;
        ws.write_with_format(row, 1, x.name, &cell).map_err(e)?;
        ws.write_with_format(row, 2, x.rate.numerator as f64, &cell)
            .map_err(e)?;
        ws.write_with_format(row, 3, x.rate.denominator as f64, &cell)
            .map_err(e)?;
        ws.write_with_format(row, 4, x.rate.percent.as_deref().unwrap_or(""), &cell)
            .map_err(e)?;
        let points = match (&x.points, x.max_points) {
            (Some(p), Some(m)) => format!("{p} / {m}"),
            _ => String::new(),
        };
        ws.write_with_format(row, 5, points, &cell).map_err(e)?;
        ws.write_with_format(row, 6, x.note.as_str(), &cell)
            .map_err(e)?;
    }

    // The nine legal indicators recorded in the period.
    let ws = wb.add_worksheet();
    ws.set_name("9 tiêu chí").map_err(e)?;
    ws.set_column_width(1, 48).map_err(e)?;
    ws.write_with_format(
        0,
        0,
        "ĐÁNH GIÁ THEO 9 TIÊU CHÍ (Nghị định 61/2018/NĐ-CP, Điều 31)",
        &title,
    )
    .map_err(e)?;
    ws.write_with_format(1, 0, &period, &italic).map_err(e)?;
    ws.write(
        2,
        0,
        format!("Số hồ sơ được đánh giá: {}", r.indicators.recorded),
    )
    .map_err(e)?;
    for (c, h) in ["STT", "Tiêu chí", "Tổng điểm", "Điểm trung bình (tối đa 2)"]
        .iter()
        .enumerate()
    {
        ws.write_with_format(4, c as u16, *h, &head).map_err(e)?;
    }
    for (i, x) in r.indicators.items.iter().enumerate() {
        let row = 5 + i as u32;
        ws.write_with_format(row, 0, f64::from(x.number), &cell)
            .map_err(e)?;
        ws.write_with_format(row, 1, x.name, &cell).map_err(e)?;
        ws.write_with_format(row, 2, x.sum as f64, &cell)
            .map_err(e)?;
        ws.write_with_format(row, 3, x.mean.as_deref().unwrap_or(""), &cell)
            .map_err(e)?;
    }

    // Satisfaction: the center, then per officer and per counter.
    let ws = wb.add_worksheet();
    ws.set_name("Hài lòng").map_err(e)?;
    ws.set_column_width(0, 30).map_err(e)?;
    ws.set_column_width(7, 60).map_err(e)?;
    ws.write_with_format(0, 0, "MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN", &title)
        .map_err(e)?;
    ws.write_with_format(1, 0, &period, &italic).map_err(e)?;
    for (c, h) in [
        "",
        "Lượt đánh giá",
        "Rất hài lòng",
        "Hài lòng",
        "Bình thường",
        "Không hài lòng",
        "Tỷ lệ hài lòng",
        "Lý do không hài lòng",
    ]
    .iter()
    .enumerate()
    {
        ws.write_with_format(3, c as u16, *h, &head).map_err(e)?;
    }
    let pct = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("0.00%");
    let mut row = 4u32;
    let mut put = |ws: &mut rust_xlsxwriter::Worksheet,
                   label: &str,
                   x: Option<&RatingSummary>,
                   f: &Format|
     -> std::result::Result<(), String> {
        ws.write_with_format(row, 0, label, f).map_err(e)?;
        let Some(x) = x else {
            // A group's heading: its name alone.
            row += 1;
            return Ok(());
        };
        for (c, n) in [
            x.total,
            x.by_level[4],
            x.by_level[3],
            x.by_level[2],
            x.dislike,
        ]
        .iter()
        .enumerate()
        {
            ws.write_with_format(row, 1 + c as u16, f64::from(*n), f)
                .map_err(e)?;
        }
        match x.satisfied_percent.as_deref().and_then(percent_value) {
            Some(v) => ws.write_number_with_format(row, 6, v, &pct).map_err(e)?,
            None => ws.write_with_format(row, 6, "", f).map_err(e)?,
        };
        let why: Vec<String> = x
            .reasons
            .iter()
            .map(|c| format!("{} ({})", c.reason, c.count))
            .collect();
        ws.write_with_format(row, 7, why.join("; "), f).map_err(e)?;
        row += 1;
        Ok(())
    };
    put(ws, "Toàn trung tâm", Some(&r.ratings), &bold_cell)?;
    for (heading, groups) in [
        ("Theo cán bộ", &r.ratings_by_officer),
        ("Theo quầy", &r.ratings_by_counter),
    ] {
        if groups.is_empty() {
            continue;
        }
        put(ws, heading, None, &Format::new().set_bold())?;
        for g in groups.iter() {
            put(ws, &g.label, Some(&g.summary), &cell)?;
        }
    }
    wb.save_to_buffer().map_err(e)
}

/// The queue report as CSV: one line per group (center, areas, counters, officers, hours),
/// times in seconds.
pub fn queue_csv(r: &crate::domain::report::queue::QueueReport) -> String {
    let mut out = String::from(
        "Nhóm,Tên,Phiếu cấp,Đã phục vụ,Vắng mặt,Đã hủy,Chờ TB (giây),Chờ trung vị (giây),Chờ p90 (giây),Đi tới quầy TB (giây),Phục vụ TB (giây),Tổng TB (giây),Được gọi trong hạn,Tỷ lệ (%)\n",
    );
    let n = |v: Option<u64>| v.map(|x| x.to_string()).unwrap_or_default();
    let mut line = |kind: &str, g: &crate::domain::report::queue::Group| {
        out.push_str(&format!(
            "{kind},\"{}\",{},{},{},{},{},{},{},{},{},{},{},\"{}\"\n",
            g.key.replace('"', "\"\""),
            g.issued,
            g.served,
            g.no_show,
            g.cancelled,
            n(g.wait.mean_secs),
            n(g.wait.median_secs),
            n(g.wait.p90_secs),
            n(g.walk.mean_secs),
            n(g.service.mean_secs),
            n(g.total.mean_secs),
            g.within_target,
            g.service_level.as_deref().unwrap_or(""),
        ));
    };
    line("Trung tâm", &r.all);
    for g in &r.by_area {
        line("Lĩnh vực", g);
    }
    for g in &r.by_counter {
        line("Quầy", g);
    }
    for g in &r.by_officer {
        line("Cán bộ", g);
    }
    for g in &r.by_hour {
        line("Giờ", g);
    }
    out
}

/// The queue report as an Excel workbook: one sheet "Xếp hàng", the center's row then
/// areas, counters, officers and hours; times in seconds as numbers, so the center can
/// compute with them.
pub fn queue_xlsx(
    r: &crate::domain::report::queue::QueueReport,
    center: &str,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> std::result::Result<Vec<u8>, String> {
    use rust_xlsxwriter::{Format, Workbook};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Xếp hàng").map_err(e)?;
    let SheetFormats {
        title,
        italic,
        head,
        cell,
    } = sheet_formats();
    let headers = [
        "Nhóm",
        "Tên",
        "Phiếu cấp",
        "Đã phục vụ",
        "Vắng mặt",
        "Đã hủy",
        "Chờ TB (giây)",
        "Chờ trung vị (giây)",
        "Chờ p90 (giây)",
        "Đi tới quầy TB (giây)",
        "Phục vụ TB (giây)",
        "Tổng TB (giây)",
        "Được gọi trong hạn",
        "Tỷ lệ (%)",
    ];
    let last_col = headers.len() as u16 - 1;
    ws.write_with_format(0, 0, center, &Format::new().set_bold())
        .map_err(e)?;
    ws.merge_range(1, 0, 1, last_col, "BÁO CÁO XẾP HÀNG, GỌI SỐ", &title)
        .map_err(e)?;
    let period = format!(
        "Từ ngày {} đến ngày {} · gọi trong hạn: chờ không quá {} phút",
        from.format("%d/%m/%Y"),
        to.format("%d/%m/%Y"),
        r.target_wait_minutes
    );
    ws.merge_range(2, 0, 2, last_col, &period, &italic)
        .map_err(e)?;
    ws.set_column_width(0, 10).map_err(e)?;
    ws.set_column_width(1, 30).map_err(e)?;
    for c in 2..=last_col {
        ws.set_column_width(c, 12).map_err(e)?;
    }
    for (c, h) in headers.iter().enumerate() {
        ws.write_with_format(4, c as u16, *h, &head).map_err(e)?;
    }
    let mut row = 5u32;
    let groups = std::iter::once(("Trung tâm", &r.all))
        .chain(r.by_area.iter().map(|g| ("Lĩnh vực", g)))
        .chain(r.by_counter.iter().map(|g| ("Quầy", g)))
        .chain(r.by_officer.iter().map(|g| ("Cán bộ", g)))
        .chain(r.by_hour.iter().map(|g| ("Giờ", g)));
    for (kind, g) in groups {
        ws.write_with_format(row, 0, kind, &cell).map_err(e)?;
        ws.write_with_format(row, 1, &g.key, &cell).map_err(e)?;
        let nums = [
            Some(u64::from(g.issued)),
            Some(u64::from(g.served)),
            Some(u64::from(g.no_show)),
            Some(u64::from(g.cancelled)),
            g.wait.mean_secs,
            g.wait.median_secs,
            g.wait.p90_secs,
            g.walk.mean_secs,
            g.service.mean_secs,
            g.total.mean_secs,
            Some(u64::from(g.within_target)),
        ];
        for (i, v) in nums.iter().enumerate() {
            let c = 2 + i as u16;
            match v {
                Some(v) => ws.write_with_format(row, c, *v as f64, &cell).map_err(e)?,
                None => ws.write_with_format(row, c, "", &cell).map_err(e)?,
            };
        }
        ws.write_with_format(
            row,
            last_col,
            g.service_level.as_deref().unwrap_or(""),
            &cell,
        )
        .map_err(e)?;
        row += 1;
    }
    wb.save_to_buffer().map_err(e)
}

#[cfg(test)]
mod percent_tests {
    use super::percent_value;

    /// The workbook's rate cells are the report's own rounded percents, as numbers.
    #[test]
    fn rounded_percents_become_exact_fractions() {
        assert_eq!(percent_value("66,67"), Some(0.6667));
        assert_eq!(percent_value("100,00"), Some(1.0));
        assert_eq!(percent_value("0,05"), Some(0.0005));
        assert_eq!(percent_value("80"), Some(0.8));
        assert_eq!(percent_value("x"), None);
    }
}
