//! The CCCD card's QR payload (what a code reader types at the desk): parse never panics,
//! and what it accepts carries an identity number of digits only (12, or 9 for an old CMND).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    if let Ok(card) = motcua::domain::citizen::parse_cccd_qr(&s) {
        let n = &card.id.number;
        assert!(matches!(n.len(), 9 | 12), "{n:?}");
        assert!(n.bytes().all(|b| b.is_ascii_digit()), "{n:?}");
    }
});
