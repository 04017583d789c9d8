//! Dossier codes `<agency>-<YYMMDD>-<NNNN>`.

use chrono::NaiveDate;

use super::*;

// Dossier code `<agency>-<YYMMDD>-<NNNN>` (Circular 01/2018 Art. 19; agency part assigned by
// the province per QCVN 102:2016).

/// Sequence width used unless configured otherwise (one sync uses 5, ministries 6–7).
pub const DEFAULT_CODE_WIDTH: u8 = 4;

/// Check an agency identifier: upper-case letters, digits and dots, no empty segment
/// (`H56.14`, `000.00.14.H56`). Run it when the identifier is configured, so that every
/// code [`dossier_code`] makes parses back.
pub fn validate_agency(agency: &str) -> Result<(), DossierError> {
    let ok = !agency.is_empty()
        && agency.len() <= 64
        && agency.split('.').all(|seg| {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        });
    if ok {
        Ok(())
    } else {
        Err(DossierError::InvalidAgency(agency.to_string()))
    }
}

/// `<agency>-<YYMMDD>-<seq zero-padded to width>`; `day` is the local receipt day. Width
/// is clamped to 1–9; a sequence wider than the width is written in full rather than
/// truncated (a longer code beats a duplicate one). The agency must have passed
/// [`validate_agency`].
pub fn dossier_code(agency: &str, day: NaiveDate, seq: u32, width: u8) -> String {
    let w = usize::from(width.clamp(1, 9));
    format!("{agency}-{}-{seq:0w$}", day.format("%y%m%d"))
}

/// Split a dossier code into agency, receipt day (20YY) and sequence. Surrounding spaces
/// are ignored and letters upper-cased, since codes are also typed by hand.
pub fn parse_dossier_code(s: &str) -> Result<(String, NaiveDate, u32), DossierError> {
    let code = s.trim().to_ascii_uppercase();
    let bad = |reason: &'static str| DossierError::InvalidDossierCode {
        code: code.clone(),
        reason,
    };
    let mut parts = code.rsplitn(3, '-');
    let (Some(seq), Some(date), Some(agency)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad("cần dạng <mã cơ quan>-<YYMMDD>-<số thứ tự>"));
    };
    validate_agency(agency)
        .map_err(|_| bad("mã cơ quan chỉ gồm chữ in hoa, chữ số và dấu chấm"))?;
    if date.len() != 6 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("ngày phải có 6 chữ số YYMMDD"));
    }
    let num = |r: std::ops::Range<usize>| date[r].parse::<u32>().ok();
    let day = match (num(0..2), num(2..4), num(4..6)) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(2000 + y as i32, m, d),
        _ => None,
    }
    .ok_or_else(|| bad("ngày không có thật"))?;
    if seq.is_empty() || seq.len() > 10 || !seq.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad("số thứ tự phải gồm 1–10 chữ số"));
    }
    let n: u32 = seq.parse().map_err(|_| bad("số thứ tự quá lớn"))?;
    if n == 0 {
        return Err(bad("số thứ tự bắt đầu từ 1"));
    }
    Ok((agency.to_string(), day, n))
}
