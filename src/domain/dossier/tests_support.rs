//! Builders shared by the unit tests of modules that work on dossiers.

use super::*;
use chrono::{DateTime, Utc};

/// Resolves `d` (`NgayKetThucXuLy` = `at`) by `by`; panics on an illegal transition.
pub fn resolve(d: &mut Dossier, by: &str, at: DateTime<Utc>) {
    apply(
        &mut d.state,
        &Action::Resolve {
            note: String::new(),
        },
        by,
        at,
    )
    .unwrap();
}

/// A dossier of the demo's first procedure (it has papers), received on
/// 2026-06-01 and then put in `status` by hand.
pub fn sample_dossier(status: Status) -> Dossier {
    let at = DateTime::from_timestamp(1_780_300_000, 0).unwrap();
    let procedure = crate::domain::catalogue::demo_catalogue(&[1, 2, 3, 4])
        .into_iter()
        .find(|p| !p.papers.is_empty())
        .unwrap();
    let (mut state, row) = DossierState::receive(
        Channel::Direct,
        "canbo1",
        at,
        at + chrono::Duration::days(5),
    )
    .unwrap();
    state.status = status;
    Dossier {
        code: "000.00.00.H00-260601-0001".into(),
        papers: procedure.papers.clone(),
        procedure,
        applicant: Applicant {
            name: "Nguyễn Văn An".into(),
            ..Default::default()
        },
        sets: 1,
        ticket: None,
        pickup: String::new(),
        note: String::new(),
        state,
        history: vec![row],
        lookup_token: "t".into(),
        calendar_version: "test".into(),
        national_code: None,
        imported: false,
        files: Vec::new(),
    }
}
