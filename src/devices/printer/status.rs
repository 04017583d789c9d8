//! Real-time status (`DLE EOT n` = `10 04 n`), HARDWARE.md §3.
//!
//! Each reply is one byte with fixed bits: bit1 = 1, bit4 = 1, bit0 = bit7 =
//! 0, i.e. `b & 0x93 == 0x12`.
//!
//! | n | 0x04 | 0x08 | 0x20 | 0x40 |
//! |---|---|---|---|---|
//! | 1 printer | drawer pin 3 | offline | waiting recovery | feed button |
//! | 2 offline cause | cover open | fed by button | paper-end stop | error |
//! | 3 error cause | recoverable | autocutter | unrecoverable | auto-recoverable |
//! | 4 roll sensor | near end (0C) | ″ | paper end (60) | ″ |

use serde::{Deserialize, Serialize};

/// The queries we send, in order: printer, offline cause, roll sensor.
pub const STATUS_QUERIES: [u8; 3] = [1, 2, 4];

/// Mask/value of the fixed bits of every reply byte.
pub const FIXED_MASK: u8 = 0x93;
pub const FIXED_VALUE: u8 = 0x12;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error(
        "DLE EOT {n}: reply byte {byte:#04x} does not have the fixed bits (b & 0x93 must be 0x12)"
    )]
    InvalidByte { n: u8, byte: u8 },
    #[error("DLE EOT {0} is not a status query we understand")]
    UnsupportedQuery(u8),
}

/// Paper roll state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum PaperState {
    Ok,
    NearEnd,
    Out,
    /// Not reported (one-way printer, no roll sensor reply).
    #[default]
    Unknown,
}

/// One decoded reply byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusReply {
    /// n = 1.
    Printer {
        drawer_pin3: bool,
        offline: bool,
        waiting_recovery: bool,
        feed_button: bool,
    },
    /// n = 2.
    OfflineCause {
        cover_open: bool,
        fed_by_button: bool,
        paper_end_stop: bool,
        error: bool,
    },
    /// n = 3.
    ErrorCause {
        recoverable: bool,
        autocutter: bool,
        unrecoverable: bool,
        auto_recoverable: bool,
    },
    /// n = 4.
    RollSensor { near_end: bool, paper_end: bool },
}

/// Combined printer status; `None` = not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrinterStatus {
    pub online: Option<bool>,
    pub paper: PaperState,
    pub cover_open: Option<bool>,
    pub error: Option<bool>,
}

/// Validates and decodes the reply `byte` to `DLE EOT n`.
pub fn parse_status(n: u8, byte: u8) -> Result<StatusReply, StatusError> {
    if !(1..=4).contains(&n) {
        return Err(StatusError::UnsupportedQuery(n));
    }
    if byte & FIXED_MASK != FIXED_VALUE {
        return Err(StatusError::InvalidByte { n, byte });
    }
    let bit = |m: u8| byte & m != 0;
    Ok(match n {
        1 => StatusReply::Printer {
            drawer_pin3: bit(0x04),
            offline: bit(0x08),
            waiting_recovery: bit(0x20),
            feed_button: bit(0x40),
        },
        2 => StatusReply::OfflineCause {
            cover_open: bit(0x04),
            fed_by_button: bit(0x08),
            paper_end_stop: bit(0x20),
            error: bit(0x40),
        },
        3 => StatusReply::ErrorCause {
            recoverable: bit(0x04),
            autocutter: bit(0x08),
            unrecoverable: bit(0x20),
            auto_recoverable: bit(0x40),
        },
        // n == 4 (range checked above)
        _ => StatusReply::RollSensor {
            near_end: byte & 0x0C != 0,
            paper_end: byte & 0x60 != 0,
        },
    })
}

impl PrinterStatus {
    /// Nothing known.
    pub fn unknown() -> Self {
        PrinterStatus::default()
    }

    /// Merges one reply into the status.
    pub fn apply(&mut self, reply: StatusReply) {
        match reply {
            StatusReply::Printer { offline, .. } => self.online = Some(!offline),
            StatusReply::OfflineCause {
                cover_open,
                paper_end_stop,
                error,
                ..
            } => {
                self.cover_open = Some(cover_open);
                self.error = Some(self.error.unwrap_or(false) || error);
                if paper_end_stop {
                    self.paper = PaperState::Out;
                }
            }
            StatusReply::ErrorCause {
                recoverable,
                autocutter,
                unrecoverable,
                auto_recoverable,
            } => {
                let any = recoverable || autocutter || unrecoverable || auto_recoverable;
                self.error = Some(self.error.unwrap_or(false) || any);
            }
            StatusReply::RollSensor {
                near_end,
                paper_end,
            } => {
                self.paper = if paper_end || self.paper == PaperState::Out {
                    PaperState::Out
                } else if near_end {
                    PaperState::NearEnd
                } else {
                    PaperState::Ok
                };
            }
        }
    }

    /// Combines the replies to n = 1, 2 and 4 (any may be missing).
    pub fn from_replies(
        n1: Option<u8>,
        n2: Option<u8>,
        n4: Option<u8>,
    ) -> Result<Self, StatusError> {
        let mut s = PrinterStatus::unknown();
        for (n, b) in [(1, n1), (2, n2), (4, n4)] {
            if let Some(b) = b {
                s.apply(parse_status(n, b)?);
            }
        }
        Ok(s)
    }

    /// Can a ticket be printed now? (Unknown counts as ready: one-way
    /// printers never answer.)
    pub fn is_ready(&self) -> bool {
        self.online != Some(false)
            && self.paper != PaperState::Out
            && self.cover_open != Some(true)
            && self.error != Some(true)
    }

    /// Short Vietnamese description for the kiosk/admin UI.
    pub fn describe_vi(&self) -> String {
        let mut parts = Vec::new();
        if self.cover_open == Some(true) {
            parts.push("Nắp máy in đang mở");
        }
        match self.paper {
            PaperState::Out => parts.push("Hết giấy"),
            PaperState::NearEnd => parts.push("Sắp hết giấy"),
            _ => {}
        }
        if self.error == Some(true) {
            parts.push("Máy in báo lỗi");
        }
        if self.online == Some(false) && parts.is_empty() {
            parts.push("Máy in ngoại tuyến");
        }
        if parts.is_empty() {
            if self.online.is_none() && self.paper == PaperState::Unknown {
                return "Không rõ trạng thái máy in".into();
            }
            return "Máy in sẵn sàng".into();
        }
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthy() {
        let s = PrinterStatus::from_replies(Some(0x12), Some(0x12), Some(0x12)).unwrap();
        assert_eq!(
            s,
            PrinterStatus {
                online: Some(true),
                paper: PaperState::Ok,
                cover_open: Some(false),
                error: Some(false)
            }
        );
        assert!(s.is_ready());
        assert_eq!(s.describe_vi(), "Máy in sẵn sàng");
    }

    #[test]
    fn paper_out_recorded_bytes() {
        let s = PrinterStatus::from_replies(Some(0x1A), Some(0x32), Some(0x7E)).unwrap();
        assert_eq!(s.online, Some(false));
        assert_eq!(s.paper, PaperState::Out);
        assert_eq!(s.cover_open, Some(false));
        assert!(!s.is_ready());
        assert_eq!(s.describe_vi(), "Hết giấy");
        // n2 alone already says paper-end stop
        assert_eq!(
            PrinterStatus::from_replies(None, Some(0x32), None)
                .unwrap()
                .paper,
            PaperState::Out
        );
        assert_eq!(
            parse_status(4, 0x7E).unwrap(),
            StatusReply::RollSensor {
                near_end: true,
                paper_end: true
            }
        );
    }

    #[test]
    fn cover_open_recorded_bytes() {
        let s = PrinterStatus::from_replies(Some(0x1A), Some(0x16), None).unwrap();
        assert_eq!(s.online, Some(false));
        assert_eq!(s.cover_open, Some(true));
        assert_eq!(s.paper, PaperState::Unknown);
        assert!(!s.is_ready());
        assert_eq!(s.describe_vi(), "Nắp máy in đang mở");
    }

    #[test]
    fn near_end_recorded_byte() {
        let s = PrinterStatus::from_replies(Some(0x12), Some(0x12), Some(0x1E)).unwrap();
        assert_eq!(s.paper, PaperState::NearEnd);
        assert!(s.is_ready());
    }

    #[test]
    fn invalid_bytes_rejected() {
        for b in [0x00u8, 0xFF, 0x13, 0x92, 0x02, 0x10, 0x93] {
            assert_eq!(
                parse_status(1, b),
                Err(StatusError::InvalidByte { n: 1, byte: b }),
                "{b:#x}"
            );
        }
        assert_eq!(parse_status(5, 0x12), Err(StatusError::UnsupportedQuery(5)));
        assert_eq!(parse_status(0, 0x12), Err(StatusError::UnsupportedQuery(0)));
        assert!(PrinterStatus::from_replies(Some(0x12), Some(0xFF), None).is_err());
        // every byte with the fixed bits parses for every n
        for b in 0..=255u8 {
            for n in 1..=4 {
                assert_eq!(parse_status(n, b).is_ok(), b & 0x93 == 0x12);
            }
        }
    }

    #[test]
    fn unknown_status() {
        let s = PrinterStatus::from_replies(None, None, None).unwrap();
        assert_eq!(s, PrinterStatus::unknown());
        assert!(s.is_ready());
        assert_eq!(s.describe_vi(), "Không rõ trạng thái máy in");
    }

    #[test]
    fn error_cause() {
        let mut s = PrinterStatus::from_replies(Some(0x12), Some(0x52), None).unwrap();
        assert_eq!(s.error, Some(true));
        s.apply(parse_status(3, 0x1A).unwrap());
        assert_eq!(s.error, Some(true));
    }
}
