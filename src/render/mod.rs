//! Rendering of printed and spoken output.
//!
//! * [`bitmap`]: 1-bit bitmaps, embedded fonts, text/QR/logo layout, PNG export.
//! * [`ticket`]: the queue ticket layout ([`ticket::render_ticket`]).
//! * [`wav`]: audio for announcements; [`voice`]: the clip bank that assembles one WAV
//!   per call.
//! * [`pdf`]: one PDF per digitized paper, from scanned or uploaded JPEG pages.

pub mod bitmap;
pub mod pdf;
pub mod ticket;
pub mod voice;
pub mod wav;
