//! Reports: the dossier report (Biểu 06 columns, rates A/B/C, Decision 766 indexes, the
//! counting conventions), its day aggregates, and the queue's ticket figures.

mod dossiers;

pub use dossiers::*;

pub mod aggregates;
pub mod queue;
