//! Certified electronic copies (chứng thực bản sao điện tử từ bản chính), as pure rules:
//! the electronic certification book (its own yearly sequence, apart from the paper book,
//! numbers never reused), the fee by page count on the legal scale, and the words of the
//! certification (lời chứng) the copy carries on its last page.
//!
//! SIGNING.md §3: `Chứng thực bản sao đúng với bản chính` / `Số chứng thực {n} Quyển số
//! {q}-SCTĐT/BS` / `Ngày {dd} tháng {mm} năm {yyyy}` / `Người thực hiện chứng thực`; copies
//! of one original at one time share one number. DOMAIN.md §(fees): 2,000 đồng a page for
//! pages 1–2, 1,000 đồng a page after, at most 200,000 đồng a copy (Circular 226/2016).

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// The legal fee scale of a copy, by page (a catalogue setting; the default is Circular
/// 226/2016/TT-BTC's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PageFee {
    /// Pages charged at `first_rate`.
    pub first_pages: u32,
    pub first_rate_vnd: u64,
    pub rest_rate_vnd: u64,
    /// At most this much a copy (0 = no cap).
    pub cap_per_copy_vnd: u64,
}

impl Default for PageFee {
    fn default() -> Self {
        PageFee {
            first_pages: 2,
            first_rate_vnd: 2_000,
            rest_rate_vnd: 1_000,
            cap_per_copy_vnd: 200_000,
        }
    }
}

impl PageFee {
    /// The fee for `copies` copies of a `pages`-page original.
    pub fn fee_vnd(&self, pages: u32, copies: u32) -> u64 {
        let first = pages.min(self.first_pages) as u64;
        let rest = pages.saturating_sub(self.first_pages) as u64;
        let mut one = first * self.first_rate_vnd + rest * self.rest_rate_vnd;
        if self.cap_per_copy_vnd > 0 {
            one = one.min(self.cap_per_copy_vnd);
        }
        one * copies as u64
    }
}

/// The electronic certification book's state: one book (quyển) a year, numbers from 1.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertBook {
    pub year: i32,
    /// The last number given this year (0 = none yet).
    pub last: u32,
    /// Numbers taken for a copy that was never issued (its remote signature was refused,
    /// lapsed or cancelled): kept in the book as unused, never given again.
    #[serde(default)]
    pub voided: Vec<Voided>,
}

/// A number of the book that stays unused, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Voided {
    pub number: CertNumber,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// One entry's number in the book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertNumber {
    pub number: u32,
    pub year: i32,
}

impl CertNumber {
    /// `01/2026-SCTĐT/BS`: the electronic book of that year (the paper one is `-SCT/BS`).
    pub fn book(&self) -> String {
        format!("01/{}-SCTĐT/BS", self.year)
    }

    /// `Số chứng thực 12 Quyển số 01/2026-SCTĐT/BS`.
    pub fn label(&self) -> String {
        format!("Số chứng thực {} Quyển số {}", self.number, self.book())
    }
}

impl CertBook {
    /// Records `number` as unused (its copy was not issued).
    pub fn void(&mut self, number: CertNumber, reason: &str, at: DateTime<Utc>) {
        if !self.voided.iter().any(|v| v.number == number) {
            self.voided.push(Voided {
                number,
                reason: reason.to_string(),
                at,
            });
        }
    }

    /// The next number on `day` (a new year opens a new book at 1). Taken numbers are
    /// never given again, even when the copy they were for is withdrawn later.
    pub fn take(&mut self, day: NaiveDate) -> CertNumber {
        if day.year() != self.year {
            self.year = day.year();
            self.last = 0;
        }
        self.last += 1;
        CertNumber {
            number: self.last,
            year: self.year,
        }
    }
}

/// The lời chứng, line by line, as printed on the copy's last page.
pub fn attestation(number: &CertNumber, day: NaiveDate, signer: &str, title: &str) -> Vec<String> {
    vec![
        "Chứng thực bản sao đúng với bản chính".to_string(),
        number.label(),
        format!(
            "Ngày {:02} tháng {:02} năm {}",
            day.day(),
            day.month(),
            day.year()
        ),
        "Người thực hiện chứng thực".to_string(),
        title.to_string(),
        signer.to_string(),
    ]
}

/// Where a request for a certified copy stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    /// The officer checked the original against the scan; waits for the signer.
    Pending,
    /// A remote signer was asked (its number taken, the copy laid out): waits for the
    /// approval on the phone, then the seal.
    Signing,
    /// Signed, numbered in the book, fee set: the copy exists.
    Issued,
    /// The signer declined (the reason is kept); no number was taken.
    Refused,
}

impl CopyState {
    pub fn label(self) -> &'static str {
        match self {
            CopyState::Pending => "Chờ ký",
            CopyState::Signing => "Chờ xác nhận ký trên điện thoại",
            CopyState::Issued => "Đã cấp",
            CopyState::Refused => "Không chứng thực",
        }
    }
}

/// One request for certified electronic copies of one original (copies made at one time
/// share one number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CopyRecord {
    /// Its place in the appliance (the request's number, shown at the desk).
    pub id: u64,
    /// The public verification page's key (`/xac-thuc/{token}`, in the copy's QR): random,
    /// so the address of one copy says nothing of another.
    pub token: String,
    /// Who asked (the citizen, as on their ID).
    pub citizen: String,
    /// What the original is ("Giấy khai sinh số 12, UBND xã Tân Phú cấp 2001").
    pub document: String,
    pub copies: u32,
    /// Pages of the original (the fee counts them).
    pub pages: u32,
    pub original_sha256: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub state: CopyState,
    #[serde(default)]
    pub number: Option<CertNumber>,
    #[serde(default)]
    pub fee_vnd: u64,
    #[serde(default)]
    pub signer: Option<String>,
    #[serde(default)]
    pub signer_title: Option<String>,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub copy_sha256: Option<String>,
    #[serde(default)]
    pub copy_pages: u32,
    #[serde(default)]
    pub refused_reason: Option<String>,
    /// The one-stop dossier it was received under (procedure 2.000815), when it was: the
    /// issued copy becomes that dossier's result.
    #[serde(default)]
    pub dossier: Option<String>,
}

/// What an officer types for a request, checked before anything is stored.
pub fn check_request(citizen: &str, document: &str, copies: u32) -> Result<(), Vec<String>> {
    let mut e = Vec::new();
    if citizen.trim().chars().count() < 2 {
        e.push("Chưa nhập họ tên người yêu cầu".to_string());
    }
    if document.trim().chars().count() < 3 {
        e.push("Chưa ghi bản chính là giấy tờ gì".to_string());
    }
    if !(1..=50).contains(&copies) {
        e.push("Số bản sao phải từ 1 đến 50".to_string());
    }
    if e.is_empty() {
        Ok(())
    } else {
        Err(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_follows_the_page_scale_and_its_cap() {
        let f = PageFee::default();
        assert_eq!(f.fee_vnd(1, 1), 2_000);
        assert_eq!(f.fee_vnd(2, 1), 4_000);
        assert_eq!(f.fee_vnd(5, 1), 7_000);
        assert_eq!(f.fee_vnd(5, 3), 21_000, "per copy");
        assert_eq!(f.fee_vnd(500, 1), 200_000, "at most 200,000 đồng a copy");
        assert_eq!(f.fee_vnd(0, 1), 0);
    }

    #[test]
    fn the_book_numbers_from_one_each_year_and_never_reuses() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap();
        let mut b = CertBook::default();
        assert_eq!(b.take(d(2026, 12, 30)).number, 1);
        assert_eq!(b.take(d(2026, 12, 31)).number, 2);
        let n = b.take(d(2027, 1, 2));
        assert_eq!((n.number, n.year), (1, 2027));
        assert_eq!(n.label(), "Số chứng thực 1 Quyển số 01/2027-SCTĐT/BS");
        assert_eq!(b.take(d(2027, 1, 2)).number, 2);
    }

    #[test]
    fn the_attestation_reads_as_the_form_says() {
        let n = CertNumber {
            number: 12,
            year: 2026,
        };
        let day = NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        let lines = attestation(&n, day, "Nguyễn Văn An", "PHÓ CHỦ TỊCH");
        assert_eq!(lines[0], "Chứng thực bản sao đúng với bản chính");
        assert_eq!(lines[1], "Số chứng thực 12 Quyển số 01/2026-SCTĐT/BS");
        assert_eq!(lines[2], "Ngày 05 tháng 03 năm 2026");
    }

    #[test]
    fn a_request_names_who_asks_what_the_original_is_and_how_many() {
        assert!(check_request("Lê Văn Cường", "Giấy khai sinh", 2).is_ok());
        let e = check_request(" ", "", 0).unwrap_err();
        assert_eq!(e.len(), 3, "every problem at once: {e:?}");
        assert!(check_request("Lê Văn Cường", "Giấy khai sinh", 51).is_err());
    }
}
