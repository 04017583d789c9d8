//! Rendering of printed and spoken output.
//!
//! * [`bitmap`]: 1-bit bitmaps, embedded fonts, text/QR/logo layout, PNG export.
//! * [`ticket`]: the queue ticket layout ([`ticket::render_ticket`]).
//! * [`wav`]: audio for announcements.

pub mod bitmap;
pub mod ticket;
pub mod wav;
