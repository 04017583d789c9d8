//! Digitized papers of a dossier: which papers (and the result) have a file, what counts
//! as "digitized" for Decision 766 index 4.2, and the history row each file leaves. The
//! bytes live in the content-addressed file store; a dossier holds only their SHA-256.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::dossier::{Dossier, EventKind, HistoryEntry, Status};

/// Most pages one paper may have (a land-use file with annexes stays far below).
pub const MAX_PAGES: usize = 300;

/// A stored blob: its SHA-256 (hex) and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobRef {
    pub sha256: String,
    pub size: u64,
}

/// Which paper a file is: one of the papers handed in, or the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Slot {
    Paper { index: u32 },
    Result,
}

impl Slot {
    /// `paper-0`, `paper-1`, …, `result`: used in URLs and forms.
    pub fn key(self) -> String {
        match self {
            Slot::Paper { index } => format!("paper-{index}"),
            Slot::Result => "result".into(),
        }
    }
    pub fn parse(s: &str) -> Option<Slot> {
        let s = s.trim();
        if s == "result" {
            return Some(Slot::Result);
        }
        let i = s.strip_prefix("paper-")?.parse::<u32>().ok()?;
        (i < 1000).then_some(Slot::Paper { index: i })
    }
}

/// Where a file came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Origin {
    Scan {
        scanner: String,
    },
    Upload {
        filename: String,
    },
    /// Handed in with an online filing (the file name the portal gave).
    Online {
        filename: String,
    },
}

/// One digitized paper: a PDF, and for scans the page images it was built from (so a
/// later scan of more pages appends instead of starting over).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigitalFile {
    pub slot: Slot,
    /// The paper's name when the file was made.
    pub name: String,
    pub pdf: BlobRef,
    #[serde(default)]
    pub pages: Vec<BlobRef>,
    pub page_count: u32,
    pub origin: Origin,
    pub at: DateTime<Utc>,
    pub by: String,
    /// Its digital signatures as last verified here, in words ("Hợp lệ — Nguyễn Văn An
    /// (UBND xã Tân Phú)"): set when the result is signed here or a signed file is
    /// uploaded; empty for an unsigned paper.
    #[serde(default)]
    pub signatures: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigitizeError {
    #[error("Hồ sơ không có giấy tờ số {0}")]
    NoSuchPaper(u32),
    #[error("Chỉ số hoá kết quả khi hồ sơ đã có kết quả hoặc đang giải quyết")]
    ResultNotYet,
    #[error("Hồ sơ đã kết thúc (trả lại, dừng hoặc rút); không thay đổi giấy tờ số")]
    Closed,
    #[error("Một giấy tờ tối đa {MAX_PAGES} trang")]
    TooManyPages,
    #[error("Giấy tờ này chưa có tệp")]
    NoFile,
}

/// The papers a dossier can hold files for: the papers ticked at the desk (or, for a
/// dossier without that list, the procedure's), then the result.
pub fn slots(d: &Dossier) -> Vec<(Slot, String)> {
    let papers = if d.papers.is_empty() {
        &d.procedure.papers
    } else {
        &d.papers
    };
    let mut v: Vec<(Slot, String)> = papers
        .iter()
        .enumerate()
        .map(|(i, p)| (Slot::Paper { index: i as u32 }, p.name.clone()))
        .collect();
    v.push((Slot::Result, "Kết quả giải quyết".into()));
    v
}

pub fn slot_name(d: &Dossier, slot: Slot) -> Option<String> {
    slots(d)
        .into_iter()
        .find(|(s, _)| *s == slot)
        .map(|(_, n)| n)
}

pub fn file_for(d: &Dossier, slot: Slot) -> Option<&DigitalFile> {
    d.files.iter().find(|f| f.slot == slot)
}

/// The result is expected once the office has produced one.
fn result_expected(status: Status) -> bool {
    matches!(status, Status::Resolved | Status::Returned)
}

/// Index 4.2 counts a dossier as digitized when every paper handed in has a file and,
/// once there is a result, the result has one too. A dossier with no papers on record
/// is digitized only through its result.
pub fn is_digitized(d: &Dossier) -> bool {
    let all = slots(d);
    let papers: Vec<_> = all.iter().filter(|(s, _)| *s != Slot::Result).collect();
    let papers_ok = papers.iter().all(|(s, _)| file_for(d, *s).is_some());
    let result_ok = !result_expected(d.status()) || file_for(d, Slot::Result).is_some();
    let anything_required = !papers.is_empty() || result_expected(d.status());
    anything_required && papers_ok && result_ok
}

/// Names of the papers still without a file (the result only once it is expected).
pub fn missing(d: &Dossier) -> Vec<String> {
    slots(d)
        .into_iter()
        .filter(|(s, _)| *s != Slot::Result || result_expected(d.status()))
        .filter(|(s, _)| file_for(d, *s).is_none())
        .map(|(_, n)| n)
        .collect()
}

/// Whether a file may be (re)placed in `slot` now.
pub fn check_slot(d: &Dossier, slot: Slot) -> Result<String, DigitizeError> {
    if matches!(
        d.status(),
        Status::Withdrawn | Status::Stopped | Status::Refused
    ) {
        return Err(DigitizeError::Closed);
    }
    match slot {
        Slot::Paper { index } => slot_name(d, slot).ok_or(DigitizeError::NoSuchPaper(index + 1)),
        Slot::Result => {
            if matches!(d.status(), Status::New | Status::SupplementRequested) {
                return Err(DigitizeError::ResultNotYet);
            }
            Ok("Kết quả giải quyết".into())
        }
    }
}

/// Puts `file` in its slot (replacing what was there) and returns the history row that
/// records it with the PDF's hash. The status does not change.
pub fn attach(d: &mut Dossier, file: DigitalFile) -> Result<HistoryEntry, DigitizeError> {
    let name = check_slot(d, file.slot)?;
    if file.page_count as usize > MAX_PAGES || file.pages.len() > MAX_PAGES {
        return Err(DigitizeError::TooManyPages);
    }
    let how = match &file.origin {
        Origin::Scan { scanner } => format!("quét từ {scanner}"),
        Origin::Upload { filename } => format!("tải lên tệp {filename}"),
        Origin::Online { filename } => format!("nộp trực tuyến kèm tệp {filename}"),
    };
    let row = HistoryEntry {
        at: file.at,
        actor: file.by.clone(),
        event: EventKind::Digitized,
        from: Some(d.status()),
        to: d.status(),
        note: format!(
            "Số hoá «{name}»: {} trang, {how}; SHA-256 {}",
            file.page_count, file.pdf.sha256
        ),
        due: None,
    };
    d.files.retain(|f| f.slot != file.slot);
    d.files.push(file);
    d.files.sort_by_key(|f| match f.slot {
        Slot::Paper { index } => index as i64,
        Slot::Result => i64::MAX,
    });
    d.history.push(row.clone());
    d.state.last_event_at = d.state.last_event_at.max(row.at);
    Ok(row)
}

/// Removes the file of `slot` (a wrong scan), leaving a history row.
pub fn detach(
    d: &mut Dossier,
    slot: Slot,
    by: &str,
    now: DateTime<Utc>,
) -> Result<HistoryEntry, DigitizeError> {
    let name = check_slot(d, slot)?;
    let old = file_for(d, slot)
        .ok_or(DigitizeError::NoFile)?
        .pdf
        .sha256
        .clone();
    d.files.retain(|f| f.slot != slot);
    let row = HistoryEntry {
        at: now,
        actor: by.into(),
        event: EventKind::Digitized,
        from: Some(d.status()),
        to: d.status(),
        note: format!("Xoá bản số hoá «{name}» (SHA-256 {old})"),
        due: None,
    };
    d.history.push(row.clone());
    Ok(row)
}

/// The result a citizen may download and the province may link to: the dossier is ready
/// (9) or handed over (10) and its result file is signed, every signature valid when it
/// was last checked. An unsigned scan stays at the desk.
pub fn signed_result(d: &Dossier) -> Option<&DigitalFile> {
    if !matches!(d.status(), Status::Resolved | Status::Returned) {
        return None;
    }
    d.files.iter().find(|f| {
        f.slot == Slot::Result
            && !f.signatures.is_empty()
            && f.signatures.iter().all(|s| s.starts_with("Hợp lệ"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::tests_support::sample_dossier;

    fn file(slot: Slot, sha: &str) -> DigitalFile {
        DigitalFile {
            slot,
            name: String::new(),
            pdf: BlobRef {
                sha256: sha.into(),
                size: 10,
            },
            pages: vec![],
            page_count: 1,
            origin: Origin::Upload {
                filename: "a.pdf".into(),
            },
            at: chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap(),
            by: "canbo1".into(),
            signatures: Vec::new(),
        }
    }

    #[test]
    fn slots_keys_round_trip() {
        for s in [
            Slot::Paper { index: 0 },
            Slot::Paper { index: 12 },
            Slot::Result,
        ] {
            assert_eq!(Slot::parse(&s.key()), Some(s));
        }
        assert_eq!(Slot::parse("paper-x"), None);
        assert_eq!(Slot::parse("paper-5000"), None);
        assert_eq!(Slot::parse(""), None);
    }

    #[test]
    fn digitized_needs_every_paper_then_the_result() {
        let mut d = sample_dossier(Status::InProgress);
        let n = slots(&d).len() - 1;
        assert!(n >= 1);
        assert!(!is_digitized(&d));
        for i in 0..n {
            attach(&mut d, file(Slot::Paper { index: i as u32 }, "aa")).unwrap();
        }
        assert!(is_digitized(&d));
        assert!(missing(&d).is_empty());
        d.state.status = Status::Resolved;
        assert!(!is_digitized(&d));
        assert_eq!(missing(&d), vec!["Kết quả giải quyết".to_string()]);
        attach(&mut d, file(Slot::Result, "bb")).unwrap();
        assert!(is_digitized(&d));
        // Replacing keeps one file per slot; every change is in the history.
        let before = d.history.len();
        attach(&mut d, file(Slot::Result, "cc")).unwrap();
        assert_eq!(d.files.iter().filter(|f| f.slot == Slot::Result).count(), 1);
        assert_eq!(d.history.len(), before + 1);
        assert!(d.history.last().unwrap().note.contains("SHA-256 cc"));
        let now = d.state.last_event_at;
        detach(&mut d, Slot::Result, "canbo1", now).unwrap();
        assert!(!is_digitized(&d));
        assert_eq!(
            detach(&mut d, Slot::Result, "x", now),
            Err(DigitizeError::NoFile)
        );
    }

    #[test]
    fn refusals() {
        let mut d = sample_dossier(Status::SupplementRequested);
        assert_eq!(
            attach(&mut d, file(Slot::Result, "a")),
            Err(DigitizeError::ResultNotYet)
        );
        assert_eq!(
            attach(&mut d, file(Slot::Paper { index: 99 }, "a")),
            Err(DigitizeError::NoSuchPaper(100))
        );
        let mut f = file(Slot::Paper { index: 0 }, "a");
        f.page_count = MAX_PAGES as u32 + 1;
        assert_eq!(attach(&mut d, f), Err(DigitizeError::TooManyPages));
        d.state.status = Status::Withdrawn;
        assert_eq!(
            attach(&mut d, file(Slot::Paper { index: 0 }, "a")),
            Err(DigitizeError::Closed)
        );
        assert!(d.files.is_empty());
    }
}
