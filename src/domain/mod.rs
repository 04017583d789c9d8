//! Pure rules of the center. Nothing here does I/O, reads the wall clock, or knows
//! HTTP, redb, USB or async: every time is a parameter, so every rule a regulation or an
//! officer can name is unit-tested here.

pub mod account;
pub mod book_import;
pub mod calendar;
pub mod catalogue;
pub mod center;
pub mod citizen;
pub mod dossier;
pub mod ecopy;
pub mod printing;
pub mod queue;
pub mod rating;
pub mod report;
pub mod search;
pub mod signer;
pub mod speech;
pub mod sync;
pub mod sync_profile;
pub mod throttle;
pub mod time;
pub mod update;
