//! The working calendar and deadline arithmetic (DOMAIN.md §4, §5).
//!
//! Three layers, all pure (no I/O, no wall clock — every instant is a parameter):
//!
//! 1. **The Vietnamese lunar calendar** ([`solar_to_lunar`], [`lunar_to_solar`], [`tet`],
//!    [`gio_to`]). Two of the eleven statutory holidays are lunar (Tết Nguyên đán around
//!    lunar 1/1, Giỗ Tổ Hùng Vương on lunar 10/3), so default holidays need it. It is
//!    computed astronomically at **UTC+7**: the Chinese calendar uses UTC+8 and differs
//!    whenever a new moon or a solar term falls between 16:00 and 17:00 UT, e.g. Tết 1985 (VN 21/1, CN
//!    20/2), 2007 (VN 17/2, CN 18/2) and 2030 (VN 2/2, CN 3/2) — so a Chinese-calendar
//!    crate would be wrong for Vietnam.
//! 2. **Calendar data** ([`WorkingCalendar`]): hours, weekend and dated entries (holidays,
//!    compensatory days, extra days off, swapped working Saturdays). The calendar is data:
//!    the Prime Minister picks the Tết days and bridging days every year, so the computed
//!    defaults are marked `pending_notice` and an admin replaces them by the published
//!    notice (JSON import/export through serde).
//! 3. **Deadline arithmetic** ([`WorkingCalendar::due`] and friends). Whether a dossier
//!    met its promise is one rule, in `domain::dossier` (`classify_finished`,
//!    `classify_open`), not here.
//!
//! Local time only: callers convert UTC ↔ UTC+7 (see `domain::time`) at the edges.

mod deadline;
mod lunar;
mod working;

pub use deadline::*;
pub use lunar::*;
pub use working::*;

#[cfg(test)]
mod tests;
