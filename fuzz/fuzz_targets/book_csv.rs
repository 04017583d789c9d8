//! The tracking-book CSV import: any file is either every row accepted or every bad row
//! listed; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use motcua::domain::calendar::WorkingCalendar;
use motcua::domain::catalogue::{demo_catalogue, Catalogue};

fn fixtures() -> &'static (Catalogue, WorkingCalendar) {
    static F: OnceLock<(Catalogue, WorkingCalendar)> = OnceLock::new();
    F.get_or_init(|| {
        (
            Catalogue {
                version: 1,
                updated_at: None,
                procedures: demo_catalogue(&[1, 2, 3, 4]),
            },
            motcua::service::dossiers::default_calendar(),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (cat, cal) = fixtures();
    match motcua::domain::book_import::parse_book(data, cat, cal) {
        Ok(_) => {}
        Err(errors) => assert!(!errors.is_empty(), "a refusal names its rows"),
    }
});
