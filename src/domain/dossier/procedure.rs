//! The procedure snapshot a dossier is received under (frozen at reception).

use serde::{Deserialize, Serialize};

use super::*;

// Procedure snapshot: what the dossier was received under. Catalogue edits never touch it
// (§3 snapshot rule), so a receipt, a report or a dispute years later shows the rules that
// applied on the day.

/// The unit of a statutory processing time (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeUnit {
    /// `ngày làm việc`, the usual unit.
    WorkingDays,
    /// `ngày`: calendar days (the deadline still never ends on a day off).
    CalendarDays,
    /// `giờ` within working hours.
    WorkingHours,
    /// `hộ tịch` / `chứng thực`: same day, or the next working day when received after
    /// 15:00 and not done at once. `amount` is not used.
    SameDay15h,
}

/// A procedure's statutory processing time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatutoryTime {
    pub amount: u32,
    pub unit: TimeUnit,
    /// The most working days the office may add for large jobs (`chứng thực`: ≤ 2), to be
    /// written on the slip when used. 0 for most procedures.
    #[serde(default)]
    pub extra_working_days: u32,
}

impl StatutoryTime {
    /// The same time as the calendar's deadline arithmetic takes it.
    pub fn as_duration(&self) -> crate::domain::calendar::Duration {
        use crate::domain::calendar::Duration as D;
        match self.unit {
            TimeUnit::WorkingDays => D::WorkingDays(self.amount),
            TimeUnit::CalendarDays => D::CalendarDays(self.amount),
            TimeUnit::WorkingHours => D::WorkingHours(self.amount),
            TimeUnit::SameDay15h => D::SameDay15h {
                extra_working_days: 0,
            },
        }
    }

    /// Item (3) of Mẫu 01, e.g. `05 ngày làm việc`.
    pub fn label_vi(&self) -> String {
        let base = match self.unit {
            TimeUnit::WorkingDays => format!("{:02} ngày làm việc", self.amount),
            TimeUnit::CalendarDays => format!("{:02} ngày", self.amount),
            TimeUnit::WorkingHours => format!("{:02} giờ làm việc", self.amount),
            TimeUnit::SameDay15h => {
                "Trong ngày (nhận sau 15 giờ: ngày làm việc tiếp theo)".to_string()
            }
        };
        if self.extra_working_days > 0 {
            format!(
                "{base}; có thể kéo dài thêm tối đa {:02} ngày làm việc",
                self.extra_working_days
            )
        } else {
            base
        }
    }
}

/// Form of a document: the counts on Mẫu 01/02 are per form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperKind {
    Original,
    Copy,
    CertifiedCopy,
}

impl PaperKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            PaperKind::Original => "Bản chính",
            PaperKind::Copy => "Bản sao",
            PaperKind::CertifiedCopy => "Bản sao chứng thực",
        }
    }
}

/// One line of a document list (required papers, submitted papers, missing papers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paper {
    pub name: String,
    pub kind: PaperKind,
    pub count: u32,
}

impl Paper {
    pub(super) fn is_valid(&self) -> bool {
        !self.name.trim().is_empty() && self.count >= 1
    }
}

/// Online service level (Decree 42/2022): one production enum calls it `MucDo` 4/3/2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnlineLevel {
    /// `toàn trình` (formerly level 4).
    Full,
    /// `một phần` (formerly level 3).
    Partial,
    /// Information only.
    InfoOnly,
}

impl OnlineLevel {
    /// The `MucDo` number used by provincial systems.
    pub fn muc_do(self) -> u8 {
        match self {
            OnlineLevel::Full => 4,
            OnlineLevel::Partial => 3,
            OnlineLevel::InfoOnly => 2,
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            OnlineLevel::Full => "Toàn trình",
            OnlineLevel::Partial => "Một phần",
            OnlineLevel::InfoOnly => "Cung cấp thông tin",
        }
    }
}

/// The procedure as it stood when the dossier was received; never updated afterwards.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureSnapshot {
    /// National code, e.g. `1.001193`, possibly with a provincial suffix
    /// (`1.004873.000.00.00.H01`).
    pub code: String,
    pub name: String,
    /// The center's area (lĩnh vực) id.
    pub area: u32,
    pub duration: StatutoryTime,
    /// `None` = no fee; `Some(0)` = explicitly free (exempt).
    pub fee_vnd: Option<u64>,
    /// Free text for fee schedules that do not fit one number (per copy, per page…).
    #[serde(default)]
    pub fee_note: String,
    pub papers: Vec<Paper>,
    pub result_type: String,
    pub online_level: OnlineLevel,
    pub legal_basis: String,
    /// The procedure's page on the national public service portal (province data; the
    /// public listing shows it as a QR code when present).
    #[serde(default)]
    pub portal_url: String,
    /// A fee by page (certified copies: Circular 226/2016's scale), counted on the
    /// original's pages and the number of copies; `fee_vnd` then shows the first page's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_fee: Option<crate::domain::ecopy::PageFee>,
    /// Catalogue version this snapshot was taken from (assigned on import).
    #[serde(default)]
    pub version: u32,
}

/// `8000` → `8.000` (Vietnamese thousands separator).
pub fn format_vnd(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

impl ProcedureSnapshot {
    /// The fee as forms and the public listing write it: `Miễn phí`, `2.000 đồng (…)`,
    /// the note alone when the amount varies, `Không` when nothing is known.
    pub fn fee_label_vi(&self) -> String {
        let base = match self.fee_vnd {
            Some(0) => "Miễn phí".to_string(),
            Some(v) => format!("{} đồng", format_vnd(v)),
            None => String::new(),
        };
        match (base.is_empty(), self.fee_note.trim().is_empty()) {
            (true, true) => "Không".into(),
            (false, true) => base,
            (true, false) => self.fee_note.clone(),
            (false, false) => format!("{base} ({})", self.fee_note),
        }
    }

    /// Catches catalogue entries that would print a broken receipt.
    pub fn validate(&self) -> Result<(), DossierError> {
        // National codes (`1.001193`, `1.004873.000.00.00.H01`) or, until the province
        // publishes one, a local code in capitals (`DP.KD.01`): dot-separated segments of
        // digits and capital letters.
        let code_ok = self.code.len() <= 64
            && self.code.split('.').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
            });
        if !code_ok {
            return Err(DossierError::InvalidSnapshot("mã thủ tục"));
        }
        if self.name.trim().is_empty() {
            return Err(DossierError::InvalidSnapshot("tên thủ tục"));
        }
        if self.duration.unit != TimeUnit::SameDay15h && self.duration.amount == 0 {
            return Err(DossierError::InvalidSnapshot("thời hạn giải quyết"));
        }
        if !self.papers.iter().all(Paper::is_valid) {
            return Err(DossierError::InvalidSnapshot("thành phần hồ sơ"));
        }
        if self.version == 0 {
            return Err(DossierError::InvalidSnapshot("phiên bản"));
        }
        Ok(())
    }
}
