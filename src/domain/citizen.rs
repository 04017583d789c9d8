//! Citizen identity: CCCD/CMND numbers, the chip card's QR code, and masking (DOMAIN.md §9).
//!
//! Everything that touches an ID number is written so it cannot leak: errors never echo
//! the payload or the number, and the parsed structs print masked in `Debug`, so a stray
//! `{:?}` in a log line stays within Decree 13/2023 and Law 91/2025.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

/// Sex as printed on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub fn label_vi(self) -> &'static str {
        match self {
            Sex::Male => "Nam",
            Sex::Female => "Nữ",
        }
    }

    /// `Nam` / `Nữ` in any case and any Unicode normal form (keyboard-wedge scanners may
    /// deliver NFD).
    pub fn parse_vi(s: &str) -> Option<Sex> {
        let norm: String = s.trim().nfc().collect::<String>().to_lowercase();
        match norm.as_str() {
            "nam" => Some(Sex::Male),
            "nữ" => Some(Sex::Female),
            _ => None,
        }
    }
}

/// Kind of personal ID: the national `LoaiDinhDanh`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// 12-digit personal identification number (CCCD / thẻ căn cước).
    Cccd,
    /// Old 9-digit people's ID card.
    Cmnd,
}

impl IdKind {
    /// `LoaiDinhDanh`: 1 = CCCD, 2 = CMND.
    pub fn loai_dinh_danh(self) -> u8 {
        match self {
            IdKind::Cccd => 1,
            IdKind::Cmnd => 2,
        }
    }
}

/// Province codes of birth registration, digits 1–3 of a CCCD: Annex I of Circular
/// 07/2016/TT-BCA (the old 63 provinces; numbers are permanent and did not change with
/// the 2025 merger). Checked against two published copies of the annex.
const PROVINCES: [(u16, &str); 63] = [
    (1, "Hà Nội"),
    (2, "Hà Giang"),
    (4, "Cao Bằng"),
    (6, "Bắc Kạn"),
    (8, "Tuyên Quang"),
    (10, "Lào Cai"),
    (11, "Điện Biên"),
    (12, "Lai Châu"),
    (14, "Sơn La"),
    (15, "Yên Bái"),
    (17, "Hòa Bình"),
    (19, "Thái Nguyên"),
    (20, "Lạng Sơn"),
    (22, "Quảng Ninh"),
    (24, "Bắc Giang"),
    (25, "Phú Thọ"),
    (26, "Vĩnh Phúc"),
    (27, "Bắc Ninh"),
    (30, "Hải Dương"),
    (31, "Hải Phòng"),
    (33, "Hưng Yên"),
    (34, "Thái Bình"),
    (35, "Hà Nam"),
    (36, "Nam Định"),
    (37, "Ninh Bình"),
    (38, "Thanh Hóa"),
    (40, "Nghệ An"),
    (42, "Hà Tĩnh"),
    (44, "Quảng Bình"),
    (45, "Quảng Trị"),
    (46, "Thừa Thiên Huế"),
    (48, "Đà Nẵng"),
    (49, "Quảng Nam"),
    (51, "Quảng Ngãi"),
    (52, "Bình Định"),
    (54, "Phú Yên"),
    (56, "Khánh Hòa"),
    (58, "Ninh Thuận"),
    (60, "Bình Thuận"),
    (62, "Kon Tum"),
    (64, "Gia Lai"),
    (66, "Đắk Lắk"),
    (67, "Đắk Nông"),
    (68, "Lâm Đồng"),
    (70, "Bình Phước"),
    (72, "Tây Ninh"),
    (74, "Bình Dương"),
    (75, "Đồng Nai"),
    (77, "Bà Rịa - Vũng Tàu"),
    (79, "Thành phố Hồ Chí Minh"),
    (80, "Long An"),
    (82, "Tiền Giang"),
    (83, "Bến Tre"),
    (84, "Trà Vinh"),
    (86, "Vĩnh Long"),
    (87, "Đồng Tháp"),
    (89, "An Giang"),
    (91, "Kiên Giang"),
    (92, "Cần Thơ"),
    (93, "Hậu Giang"),
    (94, "Sóc Trăng"),
    (95, "Bạc Liêu"),
    (96, "Cà Mau"),
];

/// Name of the (old) province of birth registration for a 3-digit code.
pub fn province_name(code: u16) -> Option<&'static str> {
    PROVINCES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, name)| *name)
}

/// A validated ID number and what its digits say.
#[derive(Clone, PartialEq, Eq)]
pub struct CccdInfo {
    pub kind: IdKind,
    /// The digits, whitespace removed. Never print it: use [`mask_id`] or [`last4`].
    pub number: String,
    /// For a CCCD: province code of birth registration and its (old) name.
    pub province_code: Option<u16>,
    pub province: Option<&'static str>,
    /// For a CCCD: from digit 4.
    pub sex: Option<Sex>,
    /// For a CCCD: century from digit 4 plus digits 5–6.
    pub birth_year: Option<i32>,
}

impl fmt::Debug for CccdInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CccdInfo")
            .field("kind", &self.kind)
            .field("number", &mask_id(&self.number))
            .field("province", &self.province)
            .field("sex", &self.sex)
            .field("birth_year", &self.birth_year)
            .finish()
    }
}

/// The card QR fields, in their order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QrField {
    Cccd,
    OldId,
    FullName,
    BirthDate,
    Sex,
    Address,
    IssueDate,
}

impl QrField {
    const ORDER: [QrField; 7] = [
        QrField::Cccd,
        QrField::OldId,
        QrField::FullName,
        QrField::BirthDate,
        QrField::Sex,
        QrField::Address,
        QrField::IssueDate,
    ];

    pub fn label_vi(self) -> &'static str {
        match self {
            QrField::Cccd => "số CCCD",
            QrField::OldId => "số CMND cũ",
            QrField::FullName => "họ và tên",
            QrField::BirthDate => "ngày sinh",
            QrField::Sex => "giới tính",
            QrField::Address => "nơi thường trú",
            QrField::IssueDate => "ngày cấp",
        }
    }
}

/// What is wrong with an ID or a card QR. Messages are shown to officers and citizens;
/// none of them contains the payload or an ID number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CitizenError {
    #[error("Số giấy tờ tùy thân chỉ được gồm chữ số")]
    NotDigits,
    #[error(
        "Số giấy tờ tùy thân phải có 12 chữ số (CCCD) hoặc 9 chữ số (CMND), nhận được {0} ký tự"
    )]
    WrongLength(usize),
    #[error("Mã tỉnh nơi đăng ký khai sinh (3 chữ số đầu của số CCCD) không hợp lệ")]
    UnknownProvince,
    #[error("Năm sinh không khớp với số CCCD (chữ số thứ 4–6)")]
    BirthYearMismatch,
    #[error("Giới tính không khớp với số CCCD (chữ số thứ 4)")]
    SexMismatch,
    #[error("Mã QR trên thẻ thiếu {}", .0.label_vi())]
    MissingField(QrField),
    #[error("Mã QR trên thẻ: {} không hợp lệ ({reason})", field.label_vi())]
    InvalidField {
        field: QrField,
        reason: &'static str,
    },
    #[error("Mã QR trên thẻ: ngày sinh sau ngày cấp")]
    BirthAfterIssue,
}

impl CitizenError {
    /// Stable machine code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            CitizenError::NotDigits => "id_not_digits",
            CitizenError::WrongLength(_) => "id_wrong_length",
            CitizenError::UnknownProvince => "id_unknown_province",
            CitizenError::BirthYearMismatch => "id_birth_year_mismatch",
            CitizenError::SexMismatch => "id_sex_mismatch",
            CitizenError::MissingField(_) => "qr_missing_field",
            CitizenError::InvalidField { .. } => "qr_invalid_field",
            CitizenError::BirthAfterIssue => "qr_birth_after_issue",
        }
    }
}

/// Validate a CCCD (12 digits) or old CMND (9 digits, format only). For a CCCD the
/// structure of Circular 07/2016 Art. 7 is checked: digits 1–3 a known province of birth
/// registration, digit 4 century and sex (0/1 1900s male/female, 2/3 2000s, 4/5 2100s,
/// 6/7 2200s, 8/9 2300s), digits 5–6 the last two digits of the birth year; a given birth
/// date and sex must agree with them.
pub fn validate_cccd(
    number: &str,
    birth_date: Option<NaiveDate>,
    sex: Option<Sex>,
) -> Result<CccdInfo, CitizenError> {
    let n = number.trim();
    if !n.chars().all(|c| c.is_ascii_digit()) {
        return Err(CitizenError::NotDigits);
    }
    match n.len() {
        9 => {
            return Ok(CccdInfo {
                kind: IdKind::Cmnd,
                number: n.to_string(),
                province_code: None,
                province: None,
                sex: None,
                birth_year: None,
            })
        }
        12 => {}
        len => return Err(CitizenError::WrongLength(len)),
    }
    // All ASCII digits (checked above), so byte slicing and digit arithmetic are exact.
    let d = n.as_bytes();
    let digit = |i: usize| u16::from(d[i] - b'0');
    let province_code = digit(0) * 100 + digit(1) * 10 + digit(2);
    let province = province_name(province_code).ok_or(CitizenError::UnknownProvince)?;
    // Digit 4: even = male, odd = female; each pair of values is one century from 1900.
    let d4 = digit(3);
    let card_sex = if d4 % 2 == 0 { Sex::Male } else { Sex::Female };
    let century = 1900 + 100 * i32::from(d4 / 2);
    let birth_year = century + i32::from(digit(4) * 10 + digit(5));
    if let Some(b) = birth_date {
        if b.year() != birth_year {
            return Err(CitizenError::BirthYearMismatch);
        }
    }
    if let Some(s) = sex {
        if s != card_sex {
            return Err(CitizenError::SexMismatch);
        }
    }
    Ok(CccdInfo {
        kind: IdKind::Cccd,
        number: n.to_string(),
        province_code: Some(province_code),
        province: Some(province),
        sex: Some(card_sex),
        birth_year: Some(birth_year),
    })
}

/// The data read from a CCCD chip card's QR code.
#[derive(Clone, PartialEq, Eq)]
pub struct CardQr {
    pub id: CccdInfo,
    /// Old CMND number printed in the QR, if any.
    pub old_id: Option<String>,
    /// NFC, single-spaced.
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// NFC, single-spaced.
    pub address: String,
    pub issue_date: NaiveDate,
    /// Fields after the seventh (newer cards may add some); their content is dropped, so
    /// no unknown personal data is retained.
    pub extra_fields: usize,
}

impl fmt::Debug for CardQr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardQr")
            .field("id", &self.id)
            .field("old_id", &self.old_id.as_deref().map(mask_id))
            .field("full_name", &mask_name(&self.full_name))
            .field("birth_year", &self.birth_date.year())
            .field("sex", &self.sex)
            .field("address", &"<ẩn>")
            .field("issue_date", &self.issue_date)
            .field("extra_fields", &self.extra_fields)
            .finish()
    }
}

/// Cards were first issued under the 2014 Law on Citizen Identification (in force
/// 1/1/2016); an earlier issue date is a misread.
const FIRST_ISSUE_YEAR: i32 = 2016;

/// NFC-normalise, trim, and collapse runs of whitespace.
fn clean(field: &str) -> String {
    field
        .nfc()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ddmmyyyy` → a real date.
fn parse_ddmmyyyy(s: &str, field: QrField) -> Result<NaiveDate, CitizenError> {
    if s.is_empty() {
        return Err(CitizenError::MissingField(field));
    }
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CitizenError::InvalidField {
            field,
            reason: "cần 8 chữ số ddmmyyyy",
        });
    }
    let num = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    match (num(0..2), num(2..4), num(4..8)) {
        (Some(d), Some(m), Some(y)) => NaiveDate::from_ymd_opt(y as i32, m, d),
        _ => None,
    }
    .ok_or(CitizenError::InvalidField {
        field,
        reason: "ngày không có thật",
    })
}

/// Parse the card QR `CCCD|old CMND|name|ddmmyyyy|Nam/Nữ|address|ddmmyyyy`, as typed by a
/// keyboard-wedge scanner: surrounding whitespace and CR/LF are ignored, every text field
/// is NFC-normalised and trimmed, fields after the seventh are ignored. The CCCD must be
/// 12 digits and agree with the birth date and sex.
pub fn parse_cccd_qr(payload: &str) -> Result<CardQr, CitizenError> {
    let payload = payload.trim_start_matches('\u{feff}').trim();
    if payload.is_empty() {
        return Err(CitizenError::MissingField(QrField::Cccd));
    }
    let raw: Vec<&str> = payload.split('|').collect();
    if let Some(missing) = QrField::ORDER.get(raw.len()) {
        return Err(CitizenError::MissingField(*missing));
    }
    let f: Vec<String> = raw.iter().map(|s| clean(s)).collect();
    // At least 7 fields: checked just above.
    let (cccd, old, name, dob, sex, address, issued) =
        (&f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6]);

    if cccd.is_empty() {
        return Err(CitizenError::MissingField(QrField::Cccd));
    }
    // Format first, cross-checks after the other fields parsed.
    let id_format = validate_cccd(cccd, None, None).map_err(|e| match e {
        CitizenError::UnknownProvince => e,
        _ => CitizenError::InvalidField {
            field: QrField::Cccd,
            reason: "cần 12 chữ số",
        },
    })?;
    if id_format.kind != IdKind::Cccd {
        return Err(CitizenError::InvalidField {
            field: QrField::Cccd,
            reason: "cần 12 chữ số",
        });
    }

    let old_id = if old.is_empty() {
        None
    } else if old.chars().all(|c| c.is_ascii_digit()) && matches!(old.len(), 9 | 12) {
        Some(old.clone())
    } else {
        return Err(CitizenError::InvalidField {
            field: QrField::OldId,
            reason: "cần 9 hoặc 12 chữ số",
        });
    };

    if name.is_empty() {
        return Err(CitizenError::MissingField(QrField::FullName));
    }
    let name_ok = name.chars().any(char::is_alphabetic)
        && name
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || is_combining_mark(c));
    if !name_ok {
        return Err(CitizenError::InvalidField {
            field: QrField::FullName,
            reason: "chỉ gồm chữ cái và khoảng trắng",
        });
    }

    let birth_date = parse_ddmmyyyy(dob, QrField::BirthDate)?;
    if sex.is_empty() {
        return Err(CitizenError::MissingField(QrField::Sex));
    }
    let sex = Sex::parse_vi(sex).ok_or(CitizenError::InvalidField {
        field: QrField::Sex,
        reason: "cần \"Nam\" hoặc \"Nữ\"",
    })?;
    if address.is_empty() {
        return Err(CitizenError::MissingField(QrField::Address));
    }
    let issue_date = parse_ddmmyyyy(issued, QrField::IssueDate)?;
    if issue_date.year() < FIRST_ISSUE_YEAR {
        return Err(CitizenError::InvalidField {
            field: QrField::IssueDate,
            reason: "trước năm bắt đầu cấp thẻ CCCD",
        });
    }
    if birth_date > issue_date {
        return Err(CitizenError::BirthAfterIssue);
    }
    let id = validate_cccd(cccd, Some(birth_date), Some(sex))?;

    Ok(CardQr {
        id,
        old_id,
        full_name: name.clone(),
        birth_date,
        sex,
        address: address.clone(),
        issue_date,
        extra_fields: raw.len() - QrField::ORDER.len(),
    })
}

/// Combining diacritics that survive NFC (rare, but a name must not be refused for one).
fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

/// First letter of a word, with any combining marks that follow it (NFC composes all
/// Vietnamese letters, but a mark NFC cannot compose must not be split from its base).
fn initial(word: &str) -> String {
    let mut chars = word.chars();
    let mut out: String = chars.next().into_iter().collect();
    out.extend(chars.take_while(|c| is_combining_mark(*c)));
    out
}

/// A name fit for a public page: the family name kept, the other names as initials
/// joined by dots, the way Vietnamese newspapers shield a person (`Nguyễn Văn Ân` →
/// `Nguyễn V.Â.`). The citizen recognizes it; a passer-by learns little, since the family
/// name is shared by millions. A one-word name shows only its initial (`H.`), since
/// showing it whole would show everything. (An earlier `Nguyễn V*** Â` read as noise.)
pub fn mask_name(full: &str) -> String {
    let norm: String = full.nfc().collect();
    let words: Vec<&str> = norm.split_whitespace().collect();
    match words.as_slice() {
        [] => String::new(),
        [only] => format!("{}.", initial(only)),
        [family, rest @ ..] => {
            let initials: String = rest.iter().map(|w| format!("{}.", initial(w))).collect();
            format!("{family} {initials}")
        }
    }
}

/// An ID number with all but its last 4 characters masked (`********1234`); a number of
/// 4 characters or fewer is masked whole.
pub fn mask_id(number: &str) -> String {
    let chars: Vec<char> = number.trim().chars().collect();
    if chars.len() <= 4 {
        return "*".repeat(chars.len());
    }
    let keep = chars.len() - 4;
    let mut out = "*".repeat(keep);
    out.extend(&chars[keep..]);
    out
}

/// The last (up to) 4 characters: the most a ticket may print (§9).
pub fn last4(s: &str) -> String {
    let chars: Vec<char> = s.trim().chars().collect();
    let start = chars.len().saturating_sub(4);
    chars[start..].iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    // Made-up numbers with valid structure (random part 012345 etc.), not real people.
    const HN_MALE_1999: &str = "001099012345";
    const HCM_FEMALE_2001: &str = "079301067890";

    fn qr(fields: &[&str]) -> String {
        fields.join("|")
    }

    fn good_fields() -> Vec<&'static str> {
        vec![
            HN_MALE_1999,
            "",
            "Nguyễn Văn An",
            "15031999",
            "Nam",
            "Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội",
            "10052021",
        ]
    }

    #[test]
    fn province_table_is_the_63_old_provinces() {
        assert_eq!(PROVINCES.len(), 63);
        let mut codes: Vec<u16> = PROVINCES.iter().map(|(c, _)| *c).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 63);
        assert_eq!(codes.first(), Some(&1));
        assert_eq!(codes.last(), Some(&96));
        assert_eq!(province_name(1), Some("Hà Nội"));
        assert_eq!(province_name(79), Some("Thành phố Hồ Chí Minh"));
        assert_eq!(province_name(3), None);
    }

    #[test]
    fn valid_cccd() {
        let i = validate_cccd(HN_MALE_1999, Some(date(1999, 3, 15)), Some(Sex::Male)).unwrap();
        assert_eq!(i.kind, IdKind::Cccd);
        assert_eq!(i.province, Some("Hà Nội"));
        assert_eq!(i.sex, Some(Sex::Male));
        assert_eq!(i.birth_year, Some(1999));
        let j = validate_cccd(HCM_FEMALE_2001, None, None).unwrap();
        assert_eq!(j.sex, Some(Sex::Female));
        assert_eq!(j.birth_year, Some(2001));
        assert_eq!(j.province_code, Some(79));
        assert_eq!(j.kind.loai_dinh_danh(), 1);
        // Whitespace around is tolerated.
        assert!(validate_cccd(" 001099012345\n", None, None).is_ok());
    }

    #[test]
    fn century_and_sex_digit() {
        for (d4, year, sex) in [
            ('0', 1999, Sex::Male),
            ('1', 1999, Sex::Female),
            ('2', 2099, Sex::Male),
            ('3', 2099, Sex::Female),
            ('4', 2199, Sex::Male),
            ('5', 2199, Sex::Female),
            ('6', 2299, Sex::Male),
            ('7', 2299, Sex::Female),
            ('8', 2399, Sex::Male),
            ('9', 2399, Sex::Female),
        ] {
            let n = format!("001{d4}99000001");
            let i = validate_cccd(&n, None, None).unwrap();
            assert_eq!((i.birth_year, i.sex), (Some(year), Some(sex)), "{d4}");
        }
    }

    #[test]
    fn cccd_mismatches_and_format_errors() {
        assert_eq!(
            validate_cccd(HN_MALE_1999, Some(date(1998, 3, 15)), None).unwrap_err(),
            CitizenError::BirthYearMismatch
        );
        // Right last two digits, wrong century.
        assert_eq!(
            validate_cccd(HN_MALE_1999, Some(date(2099, 1, 1)), None).unwrap_err(),
            CitizenError::BirthYearMismatch
        );
        assert_eq!(
            validate_cccd(HN_MALE_1999, None, Some(Sex::Female)).unwrap_err(),
            CitizenError::SexMismatch
        );
        assert_eq!(
            validate_cccd("00109901234", None, None).unwrap_err(),
            CitizenError::WrongLength(11)
        );
        assert_eq!(
            validate_cccd("0010990123456", None, None).unwrap_err(),
            CitizenError::WrongLength(13)
        );
        assert_eq!(
            validate_cccd("00109901234a", None, None).unwrap_err(),
            CitizenError::NotDigits
        );
        assert_eq!(
            validate_cccd("001 099 012345", None, None).unwrap_err(),
            CitizenError::NotDigits
        );
        assert_eq!(
            validate_cccd("", None, None).unwrap_err(),
            CitizenError::WrongLength(0)
        );
        for bad_province in [
            "000099012345",
            "003099012345",
            "097099012345",
            "999099012345",
        ] {
            assert_eq!(
                validate_cccd(bad_province, None, None).unwrap_err(),
                CitizenError::UnknownProvince
            );
        }
    }

    #[test]
    fn old_cmnd_format_only() {
        let i = validate_cccd("123456789", Some(date(1970, 1, 1)), Some(Sex::Female)).unwrap();
        assert_eq!(i.kind, IdKind::Cmnd);
        assert_eq!(i.kind.loai_dinh_danh(), 2);
        assert_eq!(i.birth_year, None);
        assert_eq!(
            validate_cccd("12345678", None, None).unwrap_err().code(),
            "id_wrong_length"
        );
    }

    #[test]
    fn parses_a_good_qr() {
        let q = parse_cccd_qr(&qr(&good_fields())).unwrap();
        assert_eq!(q.id.number, HN_MALE_1999);
        assert_eq!(q.old_id, None);
        assert_eq!(q.full_name, "Nguyễn Văn An");
        assert_eq!(q.birth_date, date(1999, 3, 15));
        assert_eq!(q.sex, Sex::Male);
        assert_eq!(q.issue_date, date(2021, 5, 10));
        assert_eq!(q.extra_fields, 0);
    }

    #[test]
    fn qr_with_old_id_trailing_fields_and_line_endings() {
        let mut f = good_fields();
        f[1] = "012345678";
        let p = format!("{}|extra|more\r\n", qr(&f));
        let q = parse_cccd_qr(&p).unwrap();
        assert_eq!(q.old_id.as_deref(), Some("012345678"));
        assert_eq!(q.extra_fields, 2);
        // A trailing separator (empty eighth field) is fine too.
        let q2 = parse_cccd_qr(&format!("{}|\n", qr(&good_fields()))).unwrap();
        assert_eq!(q2.extra_fields, 1);
        // Spaces inside fields are collapsed.
        let mut g = good_fields();
        g[2] = "  Nguyễn   Văn  An ";
        assert_eq!(parse_cccd_qr(&qr(&g)).unwrap().full_name, "Nguyễn Văn An");
    }

    #[test]
    fn nfd_and_nfc_give_identical_results() {
        let nfc = qr(&good_fields());
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd, "the test needs a real decomposition");
        let a = parse_cccd_qr(&nfc).unwrap();
        let b = parse_cccd_qr(&nfd).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            mask_name("Nguyễn Văn An"),
            mask_name(&"Nguyễn Văn An".nfd().collect::<String>())
        );
        // Female, NFD "Nữ" and case variants.
        let mut f = good_fields();
        f[0] = HCM_FEMALE_2001;
        f[3] = "01012001";
        for sex in ["Nữ", "NỮ", "nữ", " Nữ "] {
            let nfd_sex: String = sex.nfd().collect();
            for s in [sex.to_string(), nfd_sex] {
                let g: Vec<&str> = f
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if i == 4 { s.as_str() } else { *v })
                    .collect();
                assert_eq!(parse_cccd_qr(&qr(&g)).unwrap().sex, Sex::Female, "{s:?}");
            }
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let f = good_fields();
        for n in 1..7 {
            let p = qr(&f[..n]);
            assert_eq!(
                parse_cccd_qr(&p).unwrap_err(),
                CitizenError::MissingField(QrField::ORDER[n]),
                "{n} fields"
            );
        }
        for empty in ["", " \r\n"] {
            assert_eq!(
                parse_cccd_qr(empty).unwrap_err(),
                CitizenError::MissingField(QrField::Cccd)
            );
        }
        for (i, field) in [
            (0, QrField::Cccd),
            (2, QrField::FullName),
            (3, QrField::BirthDate),
            (4, QrField::Sex),
            (5, QrField::Address),
            (6, QrField::IssueDate),
        ] {
            let mut g = f.clone();
            g[i] = " ";
            assert_eq!(
                parse_cccd_qr(&qr(&g)).unwrap_err(),
                CitizenError::MissingField(field),
                "{field:?}"
            );
        }
    }

    #[test]
    fn bad_fields_are_named() {
        let cases: Vec<(usize, &str, QrField)> = vec![
            (0, "00109901234", QrField::Cccd),
            (0, "0010990123456", QrField::Cccd),
            (0, "123456789", QrField::Cccd),
            (0, "00109901234X", QrField::Cccd),
            (1, "12345", QrField::OldId),
            (2, "Nguyễn V4n An", QrField::FullName),
            (3, "31022000", QrField::BirthDate),
            (3, "1503199", QrField::BirthDate),
            (3, "15-03-1999", QrField::BirthDate),
            (3, "15131999", QrField::BirthDate),
            (4, "Male", QrField::Sex),
            (4, "Nu", QrField::Sex),
            (6, "30022021", QrField::IssueDate),
            (6, "10052015", QrField::IssueDate),
        ];
        for (i, value, field) in cases {
            let mut g = good_fields();
            g[i] = value;
            match parse_cccd_qr(&qr(&g)).unwrap_err() {
                CitizenError::InvalidField { field: got, .. } => assert_eq!(got, field, "{value}"),
                other => panic!("{value}: {other:?}"),
            }
        }
    }

    #[test]
    fn qr_cross_checks() {
        // Sex field disagrees with digit 4.
        let mut g = good_fields();
        g[4] = "Nữ";
        assert_eq!(
            parse_cccd_qr(&qr(&g)).unwrap_err(),
            CitizenError::SexMismatch
        );
        // Birth year disagrees with digits 5–6.
        let mut g = good_fields();
        g[3] = "15031998";
        assert_eq!(
            parse_cccd_qr(&qr(&g)).unwrap_err(),
            CitizenError::BirthYearMismatch
        );
        // Born after issue.
        let mut g = good_fields();
        g[0] = "001217012345"; // male, born 2017
        g[3] = "01062017";
        g[6] = "01012017";
        assert_eq!(
            parse_cccd_qr(&qr(&g)).unwrap_err(),
            CitizenError::BirthAfterIssue
        );
        // Unknown province in the QR.
        let mut g = good_fields();
        g[0] = "003099012345";
        assert_eq!(
            parse_cccd_qr(&qr(&g)).unwrap_err(),
            CitizenError::UnknownProvince
        );
    }

    #[test]
    fn errors_and_debug_never_leak_the_number_or_payload() {
        let mut bad = good_fields();
        bad[4] = "Nữ";
        let payload = qr(&bad);
        let err = parse_cccd_qr(&payload).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(HN_MALE_1999));
        assert!(!shown.contains("Tràng Tiền"));
        assert!(!shown.contains("Nguyễn"));

        let q = parse_cccd_qr(&qr(&good_fields())).unwrap();
        let dbg = format!("{q:?} {:?}", q.id);
        assert!(!dbg.contains(HN_MALE_1999), "{dbg}");
        assert!(dbg.contains("********2345"));
        assert!(dbg.contains("Nguyễn V.A."));
        assert!(!dbg.contains("Tràng Tiền"));
        assert!(!dbg.contains("15031999") && !dbg.contains("1999-03-15"));
        let mut f = good_fields();
        f[1] = "012345678";
        let q = parse_cccd_qr(&qr(&f)).unwrap();
        assert!(!format!("{q:?}").contains("012345678"));

        // Every error message, for every kind of bad field: no 12-digit run.
        for i in 0..7 {
            let mut g = good_fields();
            g[i] = "xx";
            if let Err(e) = parse_cccd_qr(&qr(&g)) {
                assert!(!e.to_string().contains(HN_MALE_1999));
            }
        }
    }

    #[test]
    fn name_masking() {
        assert_eq!(mask_name("Nguyễn Văn An"), "Nguyễn V.A.");
        assert_eq!(mask_name("Nguyễn Thị Minh Khai"), "Nguyễn T.M.K.");
        assert_eq!(mask_name("Trần Bình"), "Trần B.");
        assert_eq!(mask_name("Hùng"), "H.");
        assert_eq!(mask_name("   Lê    Ánh   Dương  "), "Lê Á.D.");
        assert_eq!(mask_name(""), "");
        assert_eq!(mask_name("   "), "");
        assert_eq!(mask_name("ĐẶNG ƯNG ỐC"), "ĐẶNG Ư.Ố.");
        let nfd: String = "Đặng Ưng Ốc".nfd().collect();
        assert_eq!(mask_name(&nfd), "Đặng Ư.Ố.");
    }

    #[test]
    fn id_masking_and_last4() {
        assert_eq!(mask_id("001099011234"), "********1234");
        assert_eq!(mask_id("123456789"), "*****6789");
        assert_eq!(mask_id(" 001099011234 "), "********1234");
        assert_eq!(mask_id("1234"), "****");
        assert_eq!(mask_id(""), "");
        assert_eq!(last4("001099011234"), "1234");
        assert_eq!(last4("12"), "12");
        assert_eq!(last4(""), "");
    }

    #[test]
    fn error_codes_are_stable() {
        assert_eq!(
            CitizenError::MissingField(QrField::Sex).code(),
            "qr_missing_field"
        );
        assert_eq!(
            CitizenError::MissingField(QrField::Sex).to_string(),
            "Mã QR trên thẻ thiếu giới tính"
        );
        assert_eq!(
            CitizenError::InvalidField {
                field: QrField::BirthDate,
                reason: "ngày không có thật"
            }
            .to_string(),
            "Mã QR trên thẻ: ngày sinh không hợp lệ (ngày không có thật)"
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn valid_card() -> impl Strategy<Value = (String, NaiveDate, Sex, String, String)> {
            (
                prop::sample::select(vec![1u16, 79, 8, 40, 92]),
                1940i32..2015,
                1u32..=12,
                1u32..=28,
                any::<bool>(),
                0u32..1_000_000,
                "[a-zA-ZăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]{1,8}( [a-zA-ZăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]{1,8}){1,3}",
                "[a-zA-ZăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ0-9,.][a-zA-ZăâđêôơưĂÂĐÊÔƠƯáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ0-9,. ]{0,39}",
            )
                .prop_map(|(prov, y, m, d, male, rest, name, addr)| {
                    let sex = if male { Sex::Male } else { Sex::Female };
                    let d4 = 2 * ((y - 1900) / 100) as u32 + u32::from(!male);
                    let number = format!("{prov:03}{d4}{:02}{rest:06}", y % 100);
                    (number, date(y, m, d), sex, name, addr)
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            /// Any text a code reader can type: parsed or refused, never a panic, and
            /// what is accepted carries an identity number of digits only.
            #[test]
            fn any_payload_is_parsed_or_refused(s in "\\PC{0,200}|[0-9|]{0,60}") {
                if let Ok(card) = parse_cccd_qr(&s) {
                    prop_assert!(card.id.number.bytes().all(|b| b.is_ascii_digit()));
                    prop_assert!(matches!(card.id.number.len(), 9 | 12));
                }
            }

            /// A well-formed card reads back exactly (names NFC and single-spaced).
            #[test]
            fn a_valid_card_reads_back((number, birth, sex, name, addr) in valid_card()) {
                let payload = qr(&[
                    &number,
                    "",
                    &name,
                    &birth.format("%d%m%Y").to_string(),
                    sex.label_vi(),
                    &addr,
                    "10052021",
                ]);
                let card = parse_cccd_qr(&payload).unwrap();
                prop_assert_eq!(&card.id.number, &number);
                prop_assert_eq!(card.birth_date, birth);
                prop_assert_eq!(card.sex, sex);
                prop_assert_eq!(card.full_name, name.split_whitespace().collect::<Vec<_>>().join(" "));
            }

            /// Cutting a valid payload anywhere (a reader that drops the tail) never panics.
            #[test]
            fn a_truncated_card_never_panics((number, birth, sex, name, addr) in valid_card(), cut in 0usize..200) {
                let payload = qr(&[&number, "", &name, &birth.format("%d%m%Y").to_string(), sex.label_vi(), &addr, "10052021"]);
                let cut: String = payload.chars().take(cut).collect();
                let _ = parse_cccd_qr(&cut);
            }
        }
    }
}
