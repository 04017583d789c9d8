//! Dossiers (`hồ sơ`): their code, the procedure snapshot frozen at reception, and the
//! lifecycle over the national status codes (`TrangThaiHoSo` 1–10, DOMAIN.md §3).
//!
//! Everything here is pure: the caller passes the actor and the instant of every action,
//! and gets back the history rows to store (they feed `QuaTrinhXuLy` in the sync and the
//! Mẫu 06/07 books). Deadlines in working days need the holiday calendar, which this module
//! does not know: it only records promised dates the caller computed, and keeps the
//! bookkeeping (paused seconds, the one apology) the calendar-aware code needs.

pub mod digitize;
pub mod indicators;
pub mod reception;
pub mod return_visit;

mod code;
mod error;
mod lifecycle;
mod procedure;
mod record;
mod status;
mod timeliness;

pub use code::*;
pub use error::*;
pub use lifecycle::*;
pub use procedure::*;
pub use record::*;
pub use status::*;
pub use timeliness::*;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub mod tests_support;
