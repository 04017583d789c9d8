//! The provincial sync, as pure rules: the packets a dossier becomes (HoSo and its
//! QuaTrinhXuLy steps, INTEGRATION.md §2), how a province's replies are read (a table per
//! profile: done / exists / unknown / retry / reject — an unknown reply is never success),
//! and when to try again (capped exponential backoff with full jitter).
//!
//! Every value the province reads is a string, dates are `yyyyMMddHHmmss` in
//! Asia/Ho_Chi_Minh whatever the host's zone, and a dossier is always sent whole (the
//! full HoSo and every step numbered per dossier): duplicates and reorders are harmless,
//! and a lost packet is healed by the next.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::dossier::{Dossier, EventKind, Status};

/// `yyyyMMddHHmmss` in Vietnam's time, the format every provincial system reads.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    super::time::local(t).format("%Y%m%d%H%M%S").to_string()
}

fn opt_time(t: Option<DateTime<Utc>>) -> String {
    t.map(fmt_time).unwrap_or_default()
}

/// One identity paper of the applicant (`DinhDanhCHS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DinhDanh {
    /// "1" = 12-digit CCCD, "2" = 9-digit CMND.
    pub loai_dinh_danh: String,
    pub so_dinh_danh: String,
}

/// A paper handed in (`TaiLieuNop`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaiLieu {
    pub ten_tep_dinh_kem: String,
    pub ma_thanh_phan_ho_so: String,
    pub duong_dan_tai_tep_tin: String,
    /// "1" when the paper was digitized here.
    pub duoc_so_hoa: String,
}

/// A result document (`DanhSachGiayToKetQua`): where the signed result can be fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GiayToKetQua {
    pub duong_dan_tep_tin_ket_qua: String,
    pub ma_giay_to_ket_qua: String,
}

/// The dossier packet (`HoSo`), every field a string as the provinces expect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HoSo {
    pub ma_ho_so: String,
    #[serde(rename = "MaTTHC")]
    pub ma_tthc: String,
    #[serde(rename = "TenTTHC")]
    pub ten_tthc: String,
    pub ma_linh_vuc: String,
    pub ten_linh_vuc: String,
    pub kenh_thuc_hien: String,
    pub chu_ho_so: String,
    pub loai_doi_tuong: String,
    pub so_giay_to_chu_ho_so: String,
    #[serde(rename = "DinhDanhCHS")]
    pub dinh_danh_chs: Vec<DinhDanh>,
    pub email: String,
    pub so_dien_thoai: String,
    pub trich_yeu_ho_so: String,
    pub ngay_nop_ho_so: String,
    pub ngay_tiep_nhan: String,
    pub ngay_hen_tra: String,
    pub trang_thai_ho_so: String,
    pub ngay_tra: String,
    pub ngay_ket_thuc_xu_ly: String,
    pub ngay_tu_choi: String,
    pub don_vi_xu_ly: String,
    pub tai_lieu_nop: Vec<TaiLieu>,
    pub ho_so_co_thanh_phan_so_hoa: String,
    /// The signed result's link, once there is one and the center has a public address.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub danh_sach_giay_to_ket_qua: Vec<GiayToKetQua>,
}

/// One processing step (`QuaTrinhXuLy`), numbered per dossier (`SoThuTu` "1", "2", …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct QuaTrinhXuLy {
    pub ma_ho_so: String,
    pub so_thu_tu: String,
    pub nguoi_xu_ly: String,
    pub chuc_danh: String,
    pub thoi_diem_xu_ly: String,
    pub phong_ban_xu_ly: String,
    pub noi_dung_xu_ly: String,
    pub trang_thai: String,
    pub ngay_bat_dau: String,
    pub ngay_ket_thuc_theo_quy_dinh: String,
}

/// What the packet builder needs that the dossier does not hold.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Area id → name (`TenLinhVuc`).
    pub areas: HashMap<u32, String>,
    /// Username → display name (`NguoiXuLy`).
    pub people: HashMap<String, String>,
    /// The unit (`DonViXuLy`), e.g. "ỦY BAN NHÂN DÂN XÃ TÂN PHÚ".
    pub unit_name: String,
    /// The center's public address (`https://…`), for the signed result's link; empty:
    /// no link is sent (a LAN-only address would mean nothing to the portal).
    pub public_base: String,
}

/// The words of a history row (`NoiDungXuLy`).
pub fn step_label(e: EventKind) -> &'static str {
    match e {
        EventKind::Registered => "Nộp hồ sơ trực tuyến",
        EventKind::Received => "Tiếp nhận hồ sơ",
        EventKind::Refused => "Từ chối tiếp nhận",
        EventKind::SupplementRequested => "Yêu cầu bổ sung giấy tờ",
        EventKind::Resumed => "Nhận bổ sung, tiếp tục xử lý",
        EventKind::Assigned => "Phân công xử lý",
        EventKind::HandedOver => "Chuyển bước xử lý",
        EventKind::FeesRequested => "Yêu cầu thực hiện nghĩa vụ tài chính",
        EventKind::FeesPaid => "Đã thực hiện nghĩa vụ tài chính",
        EventKind::Resolved => "Hoàn thành xử lý",
        EventKind::Returned => "Trả kết quả",
        EventKind::Withdrawn => "Công dân rút hồ sơ",
        EventKind::Stopped => "Dừng xử lý",
        EventKind::Apologized => "Xin lỗi, hẹn lại ngày trả",
        EventKind::StepClosed => "Kết thúc bước xử lý",
        EventKind::Digitized => "Số hoá giấy tờ",
        EventKind::Assessed => "Đánh giá theo 9 tiêu chí",
    }
}

/// The code the province knows the dossier by: the national one of an online filing,
/// else the local one.
pub fn province_code(d: &Dossier) -> String {
    d.national_code.clone().unwrap_or_else(|| d.code.clone())
}

/// `yyyyMMddHHmmss` read as Vietnam time.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y%m%d%H%M%S").ok()?;
    Some(super::time::from_local_naive(t))
}

/// A dossier filed online, as the province hands it down (`ChiTiet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Online {
    pub national_code: String,
    pub procedure_code: String,
    pub applicant: super::dossier::Applicant,
    pub filed_at: DateTime<Utc>,
    /// The papers' names (`TaiLieuNop[].TenTepDinhKem`).
    pub papers: Vec<String>,
    /// Where each paper's file is, in the order of `papers`.
    pub attachments: Vec<Attachment>,
    pub summary: String,
}

/// Where an online paper's file comes from (INTEGRATION.md §3, §4: inline or a link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// `Base64` in the packet (the text as sent; decoded by the caller).
    Inline(String),
    /// `DuongDanTaiTepTin`: fetched from the province.
    Url(String),
    /// The paper was declared without a file.
    Missing,
}

/// An online paper's file after the fetch (made before the dossier's commit, so the file
/// is in the file store before any row names it): stored, or why not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineFile {
    /// The paper's position in `TaiLieuNop` (and in the dossier's papers).
    pub index: u32,
    pub filename: String,
    pub outcome: Result<StoredPdf, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPdf {
    pub pdf: super::dossier::digitize::BlobRef,
    pub pages: Vec<super::dossier::digitize::BlobRef>,
    pub page_count: u32,
}

/// Attaches the fetched files to the dossier made from an online filing, each as the
/// digitized copy of its paper; returns, in Vietnamese, every paper whose file did not
/// come (broken base64, a link that failed, too many pages): the dossier is kept all the
/// same and the officer asks the citizen for those.
pub fn attach_online(d: &mut Dossier, files: &[OnlineFile], at: DateTime<Utc>) -> Vec<String> {
    use super::dossier::digitize::{attach, DigitalFile, Origin, Slot};
    let mut missing = Vec::new();
    for f in files {
        let paper = d
            .papers
            .get(f.index as usize)
            .map(|p| p.name.clone())
            .unwrap_or_else(|| f.filename.clone());
        let stored = match &f.outcome {
            Ok(s) => s,
            Err(why) => {
                missing.push(format!("«{paper}»: {why}"));
                continue;
            }
        };
        let file = DigitalFile {
            slot: Slot::Paper { index: f.index },
            name: paper.clone(),
            pdf: stored.pdf.clone(),
            pages: stored.pages.clone(),
            page_count: stored.page_count,
            origin: Origin::Online {
                filename: f.filename.clone(),
            },
            at,
            by: ONLINE_ACTOR.into(),
            signatures: Vec::new(),
        };
        match attach(d, file) {
            Ok(_) => {}
            Err(e) => missing.push(format!("«{paper}»: {e}")),
        }
    }
    missing
}

/// Who the history names for what came with an online filing.
pub const ONLINE_ACTOR: &str = "Cổng Dịch vụ công";

/// Decodes an inline attachment, tolerating line breaks and a `data:` prefix; `None`
/// when the text is not base64 (the caller records "tệp hỏng").
pub fn decode_inline(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let body = match text.find(";base64,") {
        Some(i) if text.starts_with("data:") => &text[i + 8..],
        _ => text,
    };
    let clean: String = body.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.is_empty() {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(clean.as_bytes())
        .ok()
}

/// The packet as kept in the inbox: inline files replaced by their size (the files
/// themselves go to the file store, never into the database row).
pub fn without_inline_files(v: &serde_json::Value) -> serde_json::Value {
    let mut v = v.clone();
    if let Some(list) = v["TaiLieuNop"].as_array_mut() {
        for p in list {
            if let Some(b) = p.get("Base64").and_then(|b| b.as_str()).map(str::len) {
                p["Base64"] = serde_json::Value::String(format!("<{b} ký tự base64>"));
            }
        }
    }
    v
}

/// Reads an online dossier's detail; every problem is named (the caller keeps the raw
/// packet in the inbox instead of dropping it).
pub fn read_online(v: &serde_json::Value) -> Result<Online, String> {
    let s = |k: &str| v[k].as_str().unwrap_or("").trim().to_string();
    let national_code = s("MaHoSo");
    if national_code.is_empty() {
        return Err("thiếu MaHoSo".into());
    }
    let filed = s("NgayNopHoSo");
    let filed_at =
        parse_time(&filed).ok_or_else(|| format!("NgayNopHoSo \"{filed}\" sai định dạng"))?;
    let mut papers = Vec::new();
    let mut attachments = Vec::new();
    for p in v["TaiLieuNop"].as_array().into_iter().flatten() {
        let name = p["TenTepDinhKem"].as_str().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        papers.push(name.to_string());
        let url = p["DuongDanTaiTepTin"].as_str().unwrap_or("").trim();
        attachments.push(match p["Base64"].as_str() {
            Some(b) if !b.trim().is_empty() => Attachment::Inline(b.to_string()),
            _ if !url.is_empty() => Attachment::Url(url.to_string()),
            _ => Attachment::Missing,
        });
    }
    Ok(Online {
        national_code,
        procedure_code: s("MaTTHC"),
        applicant: super::dossier::Applicant {
            name: s("ChuHoSo"),
            id_number: s("SoGiayToChuHoSo"),
            phone: s("SoDienThoai"),
            address: s("DiaChiChuHoSo"),
            email: s("Email"),
        },
        filed_at,
        papers,
        attachments,
        summary: s("TrichYeuHoSo"),
    })
}

/// The whole dossier as the province receives it.
pub fn hoso(d: &Dossier, cx: &Context) -> HoSo {
    let id = d.applicant.id_number.trim();
    let dinh_danh = match id.len() {
        12 => vec![DinhDanh {
            loai_dinh_danh: "1".into(),
            so_dinh_danh: id.into(),
        }],
        9 => vec![DinhDanh {
            loai_dinh_danh: "2".into(),
            so_dinh_danh: id.into(),
        }],
        _ => vec![],
    };
    let digitized = |i: usize| {
        d.files
            .iter()
            .any(|f| f.slot == super::dossier::digitize::Slot::Paper { index: i as u32 })
    };
    HoSo {
        ma_ho_so: province_code(d),
        ma_tthc: d.procedure.code.clone(),
        ten_tthc: d.procedure.name.clone(),
        ma_linh_vuc: d.procedure.area.to_string(),
        ten_linh_vuc: cx.areas.get(&d.procedure.area).cloned().unwrap_or_default(),
        kenh_thuc_hien: d.state.channel.code().to_string(),
        chu_ho_so: d.applicant.name.clone(),
        loai_doi_tuong: "1".into(),
        so_giay_to_chu_ho_so: id.into(),
        dinh_danh_chs: dinh_danh,
        email: d.applicant.email.clone(),
        so_dien_thoai: d.applicant.phone.clone(),
        trich_yeu_ho_so: if d.note.trim().is_empty() {
            d.procedure.name.clone()
        } else {
            format!("{}: {}", d.procedure.name, d.note.trim())
        },
        ngay_nop_ho_so: opt_time(d.state.registered_at.or(d.state.received_at)),
        ngay_tiep_nhan: opt_time(d.state.received_at),
        ngay_hen_tra: opt_time(d.state.due_at),
        trang_thai_ho_so: d.status().code().to_string(),
        ngay_tra: opt_time(d.state.returned_at),
        ngay_ket_thuc_xu_ly: opt_time(d.state.resolved_at),
        ngay_tu_choi: if d.status() == Status::Refused {
            opt_time(d.state.closed_at)
        } else {
            String::new()
        },
        don_vi_xu_ly: cx.unit_name.clone(),
        tai_lieu_nop: d
            .papers
            .iter()
            .enumerate()
            .map(|(i, p)| TaiLieu {
                ten_tep_dinh_kem: p.name.clone(),
                ma_thanh_phan_ho_so: (i + 1).to_string(),
                duong_dan_tai_tep_tin: String::new(),
                duoc_so_hoa: if digitized(i) { "1" } else { "0" }.into(),
            })
            .collect(),
        ho_so_co_thanh_phan_so_hoa: if d.files.is_empty() { "0" } else { "1" }.into(),
        danh_sach_giay_to_ket_qua: match super::dossier::digitize::signed_result(d) {
            Some(_) if !cx.public_base.is_empty() => vec![GiayToKetQua {
                duong_dan_tep_tin_ket_qua: format!(
                    "{}/tra-cuu/{}/ket-qua.pdf",
                    cx.public_base.trim_end_matches('/'),
                    d.lookup_token
                ),
                ma_giay_to_ket_qua: format!("{}-KQ", d.code),
            }],
            _ => Vec::new(),
        },
    }
}

/// Every step of the dossier, numbered from 1 in the order they happened.
pub fn steps(d: &Dossier, cx: &Context) -> Vec<QuaTrinhXuLy> {
    d.history
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let label = step_label(h.event);
            QuaTrinhXuLy {
                ma_ho_so: province_code(d),
                so_thu_tu: (i + 1).to_string(),
                nguoi_xu_ly: cx
                    .people
                    .get(&h.actor)
                    .cloned()
                    .unwrap_or_else(|| h.actor.clone()),
                chuc_danh: String::new(),
                thoi_diem_xu_ly: fmt_time(h.at),
                phong_ban_xu_ly: String::new(),
                noi_dung_xu_ly: if h.note.trim().is_empty() {
                    label.to_string()
                } else {
                    format!("{label}: {}", h.note.trim())
                },
                trang_thai: h.to.code().to_string(),
                ngay_bat_dau: fmt_time(h.at),
                ngay_ket_thuc_theo_quy_dinh: opt_time(h.due),
            }
        })
        .collect()
}

/// How one reply is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Applied.
    Done,
    /// An add found the dossier already there: send the same body as an update.
    Exists,
    /// An update found no such dossier: add it.
    Unknown,
    /// Try again later (5xx, timeout, 401, a reply not in the table).
    Retry(String),
    /// The province refuses it for good: only a person's fix and a replay moves it.
    Reject(String),
}

/// A profile's reply table: which `error_code` and which words mean what. Data, not
/// code: a province that answers differently gets different rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTable {
    /// (error_code, words the message contains) meaning applied.
    pub ok: Vec<(String, String)>,
    pub exists: Vec<(String, String)>,
    pub unknown: Vec<(String, String)>,
    pub reject: Vec<(String, String)>,
    /// Words of a plain-text progress reply meaning applied.
    pub progress_ok: Vec<String>,
}

impl ReplyTable {
    /// The reference profile of INTEGRATION.md §4 (what `motcua sim province` speaks).
    pub fn reference() -> Self {
        let p = |c: &str, w: &str| (c.to_string(), w.to_string());
        ReplyTable {
            ok: vec![p("0", "thành công")],
            exists: vec![p("-1", "đã tồn tại")],
            unknown: vec![p("-1", "không tồn tại")],
            reject: vec![p("-2", "logic xử lý không hợp lệ")],
            progress_ok: vec!["đồng bộ thành công".into()],
        }
    }

    /// A JSON reply (`{error_code, message}`) with its HTTP status.
    pub fn read_json(&self, http: u16, body: &str) -> Verdict {
        if http == 401 || http == 403 {
            return Verdict::Retry(format!("tỉnh từ chối khóa kết nối (HTTP {http})"));
        }
        if http >= 500 {
            return Verdict::Retry(format!("tỉnh lỗi máy chủ (HTTP {http})"));
        }
        #[derive(Deserialize)]
        struct Reply {
            #[serde(default)]
            error_code: serde_json::Value,
            #[serde(default)]
            message: String,
        }
        let Ok(r) = serde_json::from_str::<Reply>(body) else {
            return Verdict::Retry(format!("trả lời không phải JSON: {}", clip(body)));
        };
        let code = match &r.error_code {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            _ => String::new(),
        };
        let msg = r.message.to_lowercase();
        let hit = |rows: &[(String, String)]| {
            rows.iter()
                .any(|(c, w)| *c == code && msg.contains(&w.to_lowercase()))
        };
        // Rejection first: a refusal that happens to contain "thành công" is still one.
        if hit(&self.reject) {
            Verdict::Reject(r.message)
        } else if hit(&self.exists) {
            Verdict::Exists
        } else if hit(&self.unknown) {
            Verdict::Unknown
        } else if hit(&self.ok) && (200..300).contains(&http) {
            Verdict::Done
        } else {
            Verdict::Retry(format!("trả lời không rõ (HTTP {http}): {}", clip(body)))
        }
    }

    /// A plain-text progress reply.
    pub fn read_progress(&self, http: u16, body: &str) -> Verdict {
        let text = body.trim().to_lowercase();
        if (200..300).contains(&http) && self.progress_ok.iter().any(|w| text == w.to_lowercase()) {
            return Verdict::Done;
        }
        // Some answer progress in JSON too.
        match self.read_json(http, body) {
            Verdict::Done | Verdict::Exists | Verdict::Unknown => {
                Verdict::Retry(format!("trả lời tiến trình không rõ: {}", clip(body)))
            }
            v => v,
        }
    }
}

/// A reply shortened for the operator view and the log (never the request: it may hold
/// personal data; replies do not carry secrets).
fn clip(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Seconds to wait before attempt `attempts + 1`: uniform in [0, min(cap, base·2ⁿ)]
/// ("full jitter"), `u` in [0, 1) from the caller's random source, so a province back
/// after hours is not hit by every commune at the same second. At least 1 s.
pub fn backoff_secs(attempts: u32, base: u64, cap: u64, u: f64) -> u64 {
    let ceiling = base.saturating_mul(1u64 << attempts.min(30)).min(cap);
    ((ceiling as f64 * u.clamp(0.0, 1.0)) as u64).max(1)
}

/// Steps are sent in calls of at most this many (the reference profile's limit).
pub const STEPS_PER_CALL: usize = 10;

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dates_are_vietnam_time_without_offset() {
        let t = Utc.with_ymd_and_hms(2026, 3, 5, 17, 30, 5).unwrap();
        assert_eq!(fmt_time(t), "20260306003005");
    }

    #[test]
    fn the_reference_table_reads_every_reply_and_never_guesses_success() {
        let t = ReplyTable::reference();
        let j = |c: &str, m: &str| format!(r#"{{"error_code":"{c}","message":"{m}"}}"#);
        assert_eq!(
            t.read_json(200, &j("0", "Thêm mới thành công")),
            Verdict::Done
        );
        assert_eq!(
            t.read_json(200, &j("-1", "Hồ sơ X đã tồn tại")),
            Verdict::Exists
        );
        assert_eq!(
            t.read_json(200, &j("-1", "Hồ sơ X không tồn tại")),
            Verdict::Unknown
        );
        assert!(matches!(
            t.read_json(200, &j("-2", "Logic xử lý không hợp lệ: sai MaTTHC")),
            Verdict::Reject(m) if m.contains("sai MaTTHC")
        ));
        // A 200 with an error code, a code without the words, HTML, a 5xx, a 401: retry.
        for (http, body) in [
            (200, j("-9", "Lỗi không xác định")),
            (200, j("0", "Đã nhận")),
            (200, "<html>Bad gateway</html>".to_string()),
            (502, j("0", "Thêm mới thành công")),
            (401, j("-302", "Sai khóa kết nối")),
            (200, String::new()),
        ] {
            assert!(
                matches!(t.read_json(http, &body), Verdict::Retry(_)),
                "{http} {body}"
            );
        }
        // A numeric error_code is read like a string.
        assert_eq!(
            t.read_json(200, r#"{"error_code":0,"message":"Cập nhật thành công"}"#),
            Verdict::Done
        );
        assert_eq!(t.read_progress(200, "Đồng bộ thành công"), Verdict::Done);
        assert!(matches!(t.read_progress(200, "OK"), Verdict::Retry(_)));
        assert!(matches!(
            t.read_progress(200, &j("-2", "Logic xử lý không hợp lệ: SoThuTu")),
            Verdict::Reject(_)
        ));
    }

    #[test]
    fn an_online_dossier_is_read_with_its_time_in_vietnam() {
        let v = serde_json::json!({"MaHoSo": "000.00.00.H40-260305-0007", "MaTTHC": "1.004873",
            "ChuHoSo": "Phạm Thị Hoa", "SoDienThoai": "0912000111", "NgayNopHoSo": "20260305213000",
            "TaiLieuNop": [{"TenTepDinhKem": "Tờ khai", "Base64": "JVBERi0="}]});
        let o = read_online(&v).unwrap();
        assert_eq!(
            o.filed_at,
            Utc.with_ymd_and_hms(2026, 3, 5, 14, 30, 0).unwrap()
        );
        assert_eq!(o.papers, ["Tờ khai"]);
        assert!(
            read_online(&serde_json::json!({"MaHoSo": "X", "NgayNopHoSo": "05/03/2026"}))
                .unwrap_err()
                .contains("NgayNopHoSo")
        );
        assert!(read_online(&serde_json::json!({"NgayNopHoSo": "20260305213000"})).is_err());
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        assert_eq!(backoff_secs(0, 30, 3600, 0.5), 15);
        assert_eq!(backoff_secs(3, 30, 3600, 0.999_999), 239);
        assert_eq!(backoff_secs(20, 30, 3600, 0.999_999), 3599);
        assert_eq!(backoff_secs(63, 30, 3600, 0.0), 1);
    }
}
