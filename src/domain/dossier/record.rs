//! The stored dossier: the lifecycle state plus what the receipt and the book print.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::*;

// The stored dossier: the lifecycle state plus what the receipt and the book print.

/// The person who filed the dossier (`người nộp hồ sơ`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Applicant {
    pub name: String,
    /// CCCD (12 digits) or old CMND (9); empty when the citizen did not give one.
    pub id_number: String,
    pub phone: String,
    pub address: String,
    pub email: String,
}

/// One dossier as stored: identity, the frozen procedure, the applicant, what was handed
/// in, and the lifecycle with its full history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dossier {
    pub code: String,
    pub procedure: ProcedureSnapshot,
    pub applicant: Applicant,
    /// Papers ticked as received at the desk (item 1 of Mẫu 01).
    pub papers: Vec<Paper>,
    /// Number of sets (`số lượng hồ sơ`, item 2).
    pub sets: u32,
    /// The queue ticket the citizen was served under, when received at a counter.
    pub ticket: Option<u64>,
    /// Where the result is collected (item 6).
    pub pickup: String,
    pub note: String,
    pub state: DossierState,
    pub history: Vec<HistoryEntry>,
    /// The unguessable part of the receipt's QR link (`/tra-cuu/{token}`).
    pub lookup_token: String,
    /// Version of the working calendar that computed the promised date.
    pub calendar_version: String,
    /// Set when the dossier came from a historical tracking book import.
    #[serde(default)]
    pub imported: bool,
    /// Digitized papers and result (PDFs in the file store), one per slot.
    #[serde(default)]
    pub files: Vec<crate::domain::dossier::digitize::DigitalFile>,
    /// The national code of a dossier filed online (DVCQG / the provincial portal): the
    /// province knows it under that code, so the sync sends it as `MaHoSo`.
    #[serde(default)]
    pub national_code: Option<String>,
}

impl Dossier {
    /// The national status code.
    pub fn status(&self) -> Status {
        self.state.status
    }

    /// Still being worked on by the office: counts toward "in progress" and can be late.
    pub fn is_open(&self) -> bool {
        matches!(
            self.state.status,
            Status::New
                | Status::Accepted
                | Status::InProgress
                | Status::SupplementRequested
                | Status::FeesDue
        )
    }

    /// Waiting for the citizen's papers or fees since then, after the reception: the
    /// statutory clock stands still (DOMAIN.md §5–6).
    pub fn waiting_since(&self) -> Option<DateTime<Utc>> {
        self.state
            .paused_since
            .filter(|_| self.status().is_paused() && self.state.paused_from != Some(Status::New))
    }

    /// Open and waiting for the citizen since a time within `due` (by `by`): not overdue
    /// while it waits.
    pub fn waits_in_time(&self, due: DateTime<Utc>, by: Comparison) -> bool {
        self.is_open() && waited_in_time(self.waiting_since(), due, by)
    }

    /// Open, its promise passed before `now`, and not excused by a wait for the citizen
    /// (the overdue list, its badges and the `/metrics` gauge).
    pub fn is_overdue_at(&self, now: DateTime<Utc>) -> bool {
        self.state.due_at.is_some_and(|due| {
            self.is_open() && due < now && !self.waits_in_time(due, Comparison::Timestamp)
        })
    }

    /// The lookup's second factor: the last 4 digits of the phone or of the ID number.
    pub fn second_factor_matches(&self, last4: &str) -> bool {
        let last4 = last4.trim();
        if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
            return false;
        }
        let tail = |s: &str| {
            let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
            (digits.len() >= 4).then(|| digits[digits.len() - 4..].to_string())
        };
        [&self.applicant.phone, &self.applicant.id_number]
            .into_iter()
            .filter_map(|s| tail(s))
            .any(|t| t == last4)
    }
}
