//! An independent ESC/POS decoder for tests and the simulated printer: turns
//! a byte stream into a human-readable listing and rebuilds the raster image.
//!
//! Tokenizer rules (HARDWARE.md §7):
//! * `DLE EOT n` (`10 04 n`) has a 4th byte only for n ∈ {07, 08, 12};
//! * `GS V m` (`1D 56 m`) has a 4th byte n only for m ∈ {41, 42, 61, 62, 67, 68};
//! * `GS v 0 m xL xH yL yH` carries x·y bytes;
//! * `GS ( k` / `GS ( L` (and every other `GS ( f`) carry pL + 256·pH bytes.
//!
//! It never panics and never allocates more than the input justifies: a
//! command whose declared length exceeds the remaining bytes is reported as
//! truncated and ends the decoding, and the rebuilt image is capped at
//! [`MAX_IMAGE_BYTES`].

use crate::render::bitmap::Bitmap;

/// Upper bound on the rebuilt raster image (bands of differing widths are
/// padded, which could otherwise multiply memory).
pub const MAX_IMAGE_BYTES: usize = 32 * 1024 * 1024;
/// Upper bound on listing entries (each input byte can make one).
pub const MAX_LISTING_ENTRIES: usize = 200_000;
/// Text runs longer than this are shown abbreviated.
const MAX_TEXT_SHOWN: usize = 120;

/// The decoded form of a byte stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decoded {
    /// One entry per command, e.g. `[INIT]`, `[RASTER 576x128]`,
    /// `[FEED 4 lines]`, `[CUT partial]`, `[TEXT "..."]`, `[UNKNOWN 1B 7A]`.
    pub listing: Vec<String>,
    /// All `GS v 0` bands stacked (width of the first band).
    pub image: Option<Bitmap>,
}

/// One command of the stream. Borrowed slices point into the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Token<'a> {
    Init,
    Lf,
    Cr,
    Can,
    FeedLines(u8),
    FeedDots(u8),
    /// `GS V`: function (m) and optional feed (n).
    Cut {
        m: u8,
        n: Option<u8>,
    },
    Raster {
        mode: u8,
        x_bytes: u16,
        rows: u16,
        data: &'a [u8],
    },
    DleEot {
        n: u8,
        arg: Option<u8>,
    },
    /// `GS ( f pL pH data`.
    GsParen {
        f: u8,
        data: &'a [u8],
    },
    /// `ESC * m nL nH data`.
    BitImage {
        m: u8,
        columns: u16,
    },
    /// A known command with simple parameters, already described.
    Simple(String),
    Text(&'a [u8]),
    Unknown(&'a [u8]),
    /// The stream ends inside a command.
    Truncated(String),
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_text_byte(b: u8) -> bool {
    (0x20..0x7F).contains(&b) || b >= 0x80
}

/// Reads the command at `pos` (which must be < buf.len()). Returns the token
/// and the number of bytes it spans (always >= 1, and for `Truncated` the
/// rest of the buffer).
pub(crate) fn next_token(buf: &[u8], pos: usize) -> (Token<'_>, usize) {
    let rest = &buf[pos.min(buf.len())..];
    let Some(&first) = rest.first() else {
        return (Token::Truncated("[EMPTY]".into()), 0);
    };
    let truncated = |what: &str| {
        (
            Token::Truncated(format!(
                "[TRUNCATED {what}: {}]",
                hex(&rest[..rest.len().min(16)])
            )),
            rest.len(),
        )
    };
    let need = |n: usize| rest.len() >= n;
    match first {
        0x0A => (Token::Lf, 1),
        0x0D => (Token::Cr, 1),
        0x18 => (Token::Can, 1),
        0x10 => {
            if !need(2) {
                return truncated("DLE");
            }
            match rest[1] {
                0x04 => {
                    if !need(3) {
                        return truncated("DLE EOT");
                    }
                    let n = rest[2];
                    if matches!(n, 0x07 | 0x08 | 0x12) {
                        if !need(4) {
                            return truncated("DLE EOT");
                        }
                        (
                            Token::DleEot {
                                n,
                                arg: Some(rest[3]),
                            },
                            4,
                        )
                    } else {
                        (Token::DleEot { n, arg: None }, 3)
                    }
                }
                _ => (Token::Unknown(&rest[..2]), 2),
            }
        }
        0x1B => {
            if !need(2) {
                return truncated("ESC");
            }
            let cmd = rest[1];
            let one_param = |name: &str| -> (Token<'_>, usize) {
                if rest.len() < 3 {
                    (
                        Token::Truncated(format!("[TRUNCATED ESC {}: {}]", name, hex(rest))),
                        rest.len(),
                    )
                } else {
                    (Token::Simple(format!("[{name} {}]", rest[2])), 3)
                }
            };
            match cmd {
                0x40 => (Token::Init, 2),
                0x32 => (Token::Simple("[LINE SPACING default]".into()), 2),
                0x64 => {
                    if !need(3) {
                        return truncated("ESC d");
                    }
                    (Token::FeedLines(rest[2]), 3)
                }
                0x4A => {
                    if !need(3) {
                        return truncated("ESC J");
                    }
                    (Token::FeedDots(rest[2]), 3)
                }
                0x61 => one_param("ALIGN"),
                0x45 => one_param("BOLD"),
                0x47 => one_param("DOUBLE STRIKE"),
                0x21 => one_param("PRINT MODE"),
                0x2D => one_param("UNDERLINE"),
                0x33 => one_param("LINE SPACING"),
                0x74 => one_param("CODE PAGE"),
                0x4D => one_param("FONT"),
                0x52 => one_param("CHARSET"),
                0x7B => one_param("UPSIDE DOWN"),
                0x20 => one_param("CHAR SPACING"),
                0x65 => one_param("REVERSE FEED"),
                0x70 => {
                    if !need(5) {
                        return truncated("ESC p");
                    }
                    (
                        Token::Simple(format!(
                            "[DRAWER pin {} {}ms/{}ms]",
                            rest[2],
                            rest[3] as u32 * 2,
                            rest[4] as u32 * 2
                        )),
                        5,
                    )
                }
                0x2A => {
                    if !need(5) {
                        return truncated("ESC *");
                    }
                    let m = rest[2];
                    let columns = u16::from_le_bytes([rest[3], rest[4]]);
                    let per_col = if matches!(m, 32 | 33) { 3 } else { 1 };
                    let len = columns as usize * per_col;
                    if rest.len() - 5 < len {
                        return (
                            Token::Truncated(format!(
                                "[TRUNCATED BIT IMAGE: need {len} bytes, have {}]",
                                rest.len() - 5
                            )),
                            rest.len(),
                        );
                    }
                    (Token::BitImage { m, columns }, 5 + len)
                }
                _ => (Token::Unknown(&rest[..2]), 2),
            }
        }
        0x1D => {
            if !need(2) {
                return truncated("GS");
            }
            match rest[1] {
                0x56 => {
                    if !need(3) {
                        return truncated("GS V");
                    }
                    let m = rest[2];
                    if matches!(m, 0x41 | 0x42 | 0x61 | 0x62 | 0x67 | 0x68) {
                        if !need(4) {
                            return truncated("GS V");
                        }
                        (
                            Token::Cut {
                                m,
                                n: Some(rest[3]),
                            },
                            4,
                        )
                    } else {
                        (Token::Cut { m, n: None }, 3)
                    }
                }
                0x76 => {
                    if !need(3) {
                        return truncated("GS v");
                    }
                    if rest[2] != 0x30 {
                        return (Token::Unknown(&rest[..3]), 3);
                    }
                    if !need(8) {
                        return truncated("RASTER HEADER");
                    }
                    let mode = rest[3];
                    let x_bytes = u16::from_le_bytes([rest[4], rest[5]]);
                    let rows = u16::from_le_bytes([rest[6], rest[7]]);
                    // u16 * u16 fits in u64 (and in usize on 64-bit); compare
                    // in u64 so 32-bit targets can't overflow.
                    let len = x_bytes as u64 * rows as u64;
                    let have = (rest.len() - 8) as u64;
                    if len > have {
                        return (
                            Token::Truncated(format!(
                                "[TRUNCATED RASTER: need {len} bytes, have {have}]"
                            )),
                            rest.len(),
                        );
                    }
                    let len = len as usize; // <= have, which is a usize
                    (
                        Token::Raster {
                            mode,
                            x_bytes,
                            rows,
                            data: &rest[8..8 + len],
                        },
                        8 + len,
                    )
                }
                0x28 => {
                    if !need(5) {
                        return truncated("GS (");
                    }
                    let f = rest[2];
                    let len = rest[3] as usize + 256 * rest[4] as usize;
                    let have = rest.len() - 5;
                    if len > have {
                        return (
                            Token::Truncated(format!(
                                "[TRUNCATED GS ( {}: need {len} bytes, have {have}]",
                                char::from(f).escape_default()
                            )),
                            rest.len(),
                        );
                    }
                    (
                        Token::GsParen {
                            f,
                            data: &rest[5..5 + len],
                        },
                        5 + len,
                    )
                }
                0x21 => {
                    if !need(3) {
                        return truncated("GS !");
                    }
                    let n = rest[2];
                    (
                        Token::Simple(format!("[CHAR SIZE {}x{}]", (n >> 4) + 1, (n & 0x0F) + 1)),
                        3,
                    )
                }
                0x42 => {
                    if !need(3) {
                        return truncated("GS B");
                    }
                    (Token::Simple(format!("[REVERSE {}]", rest[2])), 3)
                }
                0x4C | 0x57 => {
                    if !need(4) {
                        return truncated("GS L/W");
                    }
                    let v = u16::from_le_bytes([rest[2], rest[3]]);
                    let name = if rest[1] == 0x4C {
                        "LEFT MARGIN"
                    } else {
                        "PRINT AREA WIDTH"
                    };
                    (Token::Simple(format!("[{name} {v}]")), 4)
                }
                _ => (Token::Unknown(&rest[..2]), 2),
            }
        }
        b if is_text_byte(b) => {
            let len = rest.iter().take_while(|&&b| is_text_byte(b)).count();
            (Token::Text(&rest[..len]), len)
        }
        _ => (Token::Unknown(&rest[..1]), 1),
    }
}

/// Human-readable form of a token.
pub(crate) fn describe(t: &Token<'_>) -> String {
    match t {
        Token::Init => "[INIT]".into(),
        Token::Lf => "[LF]".into(),
        Token::Cr => "[CR]".into(),
        Token::Can => "[CAN]".into(),
        Token::FeedLines(n) => format!("[FEED {n} lines]"),
        Token::FeedDots(n) => format!("[FEED {n} dots]"),
        Token::Cut { m, n } => {
            let (kind, func) = match m {
                0x00 | 0x30 => ("full", ""),
                0x01 | 0x31 => ("partial", ""),
                0x41 | 0x61 => ("full", ""),
                0x42 | 0x62 => ("partial", ""),
                0x67 => ("full", " reserved"),
                0x68 => ("partial", " reserved"),
                _ => return format!("[CUT unknown m={m:02X}]"),
            };
            match n {
                Some(n) if *n != 0 => format!("[CUT {kind}{func} +{n}]"),
                _ => format!("[CUT {kind}{func}]"),
            }
        }
        Token::Raster {
            mode,
            x_bytes,
            rows,
            ..
        } => {
            let w = *x_bytes as u32 * 8;
            let suffix = match mode {
                0 | 0x30 => String::new(),
                1 | 0x31 => " double-width".into(),
                2 | 0x32 => " double-height".into(),
                3 | 0x33 => " quadruple".into(),
                m => format!(" mode={m:02X}"),
            };
            if *x_bytes == 0 || *rows == 0 {
                format!("[RASTER {w}x{rows} empty{suffix}]")
            } else {
                format!("[RASTER {w}x{rows}{suffix}]")
            }
        }
        Token::DleEot { n, arg } => match arg {
            Some(a) => format!("[DLE EOT {n} {a:02X}]"),
            None => format!("[DLE EOT {n}]"),
        },
        Token::GsParen { f, data } => {
            if *f == b'k' && data.len() >= 3 && data[0] == 0x31 && data[1] == 0x50 {
                let payload = String::from_utf8_lossy(&data[3..]);
                format!("[QR STORE {:?}]", shorten(&payload))
            } else if data.len() >= 2 {
                format!(
                    "[GS ( {} cn={:02X} fn={:02X} ({} bytes)]",
                    char::from(*f).escape_default(),
                    data[0],
                    data[1],
                    data.len()
                )
            } else {
                format!(
                    "[GS ( {} ({} bytes)]",
                    char::from(*f).escape_default(),
                    data.len()
                )
            }
        }
        Token::BitImage { m, columns } => format!("[BIT IMAGE m={m} {columns} columns]"),
        Token::Simple(s) => s.clone(),
        Token::Text(bytes) => format!("[TEXT {:?}]", shorten(&String::from_utf8_lossy(bytes))),
        Token::Unknown(bytes) => format!("[UNKNOWN {}]", hex(bytes)),
        Token::Truncated(s) => s.clone(),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT_SHOWN {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX_TEXT_SHOWN).collect();
        t.push('…');
        t
    }
}

/// Decodes a whole byte stream. Never panics.
pub fn decode(bytes: &[u8]) -> Decoded {
    let mut listing = Vec::new();
    let mut image: Option<Bitmap> = None;
    let mut image_full = false;
    // Paper fed before the first band is white paper above the picture; its width is
    // only known once a band arrives.
    let mut lead_rows: u32 = 0;
    let mut pos = 0;
    while pos < bytes.len() {
        let (tok, len) = next_token(bytes, pos);
        if let Token::Raster {
            x_bytes,
            rows,
            data,
            ..
        } = &tok
        {
            if *x_bytes > 0 && *rows > 0 && !image_full {
                let band = Bitmap::from_packed(*x_bytes as u32 * 8, *rows as u32, data.to_vec());
                if let Ok(band) = band {
                    let img = image.get_or_insert_with(|| {
                        let cap = MAX_IMAGE_BYTES / Bitmap::stride_for(band.width()).max(1);
                        Bitmap::new(band.width(), lead_rows.min(cap as u32))
                    });
                    let new_size = img.stride() * (img.height() as usize + band.height() as usize);
                    if new_size > MAX_IMAGE_BYTES {
                        image_full = true;
                        push(
                            &mut listing,
                            format!(
                                "[IMAGE LIMIT: {MAX_IMAGE_BYTES} bytes, later bands not drawn]"
                            ),
                        );
                    } else {
                        if band.width() != img.width() {
                            push(
                                &mut listing,
                                format!(
                                    "[WIDTH MISMATCH: band {} dots, image {} dots]",
                                    band.width(),
                                    img.width()
                                ),
                            );
                        }
                        img.push_rows(&band);
                    }
                }
            }
        }
        // A paper feed between bands is white paper in the picture.
        match (&tok, image.as_mut()) {
            (Token::FeedDots(n), Some(img)) => {
                let n = u32::from(*n);
                if !image_full
                    && img.stride() * (img.height() as usize + n as usize) <= MAX_IMAGE_BYTES
                {
                    img.push_rows(&Bitmap::new(img.width(), n));
                }
            }
            (Token::FeedDots(n), None) => lead_rows = lead_rows.saturating_add(u32::from(*n)),
            _ => {}
        }
        push(&mut listing, describe(&tok));
        // len >= 1 whenever pos < bytes.len(); max(1) guards the loop anyway.
        pos += len.max(1);
    }
    if listing.len() >= MAX_LISTING_ENTRIES {
        listing.push("[LISTING CUT SHORT]".into());
    }
    Decoded { listing, image }
}

fn push(listing: &mut Vec<String>, s: String) {
    if listing.len() < MAX_LISTING_ENTRIES {
        listing.push(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(bytes: &[u8]) -> Vec<String> {
        decode(bytes).listing
    }

    #[test]
    fn basic_commands() {
        let mut b = vec![
            0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0xF0, 0x0F,
        ];
        b.extend_from_slice(&[0x1B, 0x64, 0x04, 0x1D, 0x56, 0x42, 0x00]);
        let d = decode(&b);
        assert_eq!(
            d.listing,
            vec!["[INIT]", "[RASTER 8x2]", "[FEED 4 lines]", "[CUT partial]"]
        );
        let img = d.image.unwrap();
        assert_eq!((img.width(), img.height()), (8, 2));
        assert_eq!(img.data(), &[0xF0, 0x0F]);
    }

    #[test]
    fn cuts_per_tokenizer_rules() {
        assert_eq!(l(&[0x1D, 0x56, 0x00]), vec!["[CUT full]"]);
        assert_eq!(l(&[0x1D, 0x56, 0x01]), vec!["[CUT partial]"]);
        assert_eq!(l(&[0x1D, 0x56, 0x41, 0x00]), vec!["[CUT full]"]);
        assert_eq!(l(&[0x1D, 0x56, 0x42, 0x03]), vec!["[CUT partial +3]"]);
        // m = 0x30 has no n: the 0x41 after it is text "A"
        assert_eq!(
            l(&[0x1D, 0x56, 0x30, 0x41]),
            vec!["[CUT full]", "[TEXT \"A\"]"]
        );
        assert_eq!(l(&[0x1D, 0x56, 0x67, 0x05]), vec!["[CUT full reserved +5]"]);
        assert_eq!(l(&[0x1D, 0x56, 0x99]), vec!["[CUT unknown m=99]"]);
    }

    #[test]
    fn dle_eot_rules() {
        assert_eq!(
            l(&[0x10, 0x04, 0x01, 0x10, 0x04, 0x04]),
            vec!["[DLE EOT 1]", "[DLE EOT 4]"]
        );
        // n = 7, 8, 18 take a 4th byte
        assert_eq!(l(&[0x10, 0x04, 0x07, 0x01]), vec!["[DLE EOT 7 01]"]);
        assert_eq!(
            l(&[0x10, 0x04, 0x12, 0x01, 0x0A]),
            vec!["[DLE EOT 18 01]", "[LF]"]
        );
        // the escpos crate's stray 00 after n=1 is just an unknown byte
        assert_eq!(
            l(&[0x10, 0x04, 0x01, 0x00]),
            vec!["[DLE EOT 1]", "[UNKNOWN 00]"]
        );
        assert_eq!(
            l(&[0x10, 0x04, 0x08]),
            vec!["[TRUNCATED DLE EOT: 10 04 08]"]
        );
    }

    #[test]
    fn text_and_unknown() {
        let s = "Số 1".as_bytes();
        let mut b = s.to_vec();
        b.extend_from_slice(&[0x0A, 0x1B, 0x7A, 0x07, 0x1B, 0x74, 0x1B]);
        assert_eq!(
            l(&b),
            vec![
                "[TEXT \"Số 1\"]",
                "[LF]",
                "[UNKNOWN 1B 7A]",
                "[UNKNOWN 07]",
                "[CODE PAGE 27]"
            ]
        );
    }

    #[test]
    fn gs_paren_lengths() {
        // QR model 2, then store "AB", print
        let mut b = vec![0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00];
        b.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x05, 0x00, 0x31, 0x50, 0x30, b'A', b'B']);
        b.extend_from_slice(&[0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]);
        b.extend_from_slice(&[0x1D, 0x28, 0x4C, 0x02, 0x00, 0x30, 0x32]);
        assert_eq!(
            l(&b),
            vec![
                "[GS ( k cn=31 fn=41 (4 bytes)]",
                "[QR STORE \"AB\"]",
                "[GS ( k cn=31 fn=51 (3 bytes)]",
                "[GS ( L cn=30 fn=32 (2 bytes)]",
            ]
        );
        assert_eq!(
            l(&[0x1D, 0x28, 0x6B, 0xFF, 0xFF, 0x31]),
            vec!["[TRUNCATED GS ( k: need 65535 bytes, have 1]"]
        );
    }

    #[test]
    fn truncated_band() {
        let mut b = vec![0x1B, 0x40, 0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 0x80, 0x00];
        b.extend(std::iter::repeat_n(0xAA, 100));
        let d = decode(&b);
        assert_eq!(
            d.listing,
            vec!["[INIT]", "[TRUNCATED RASTER: need 9216 bytes, have 100]"]
        );
        assert!(d.image.is_none());
        // header itself cut short
        assert_eq!(
            l(&[0x1D, 0x76, 0x30, 0x00, 0x48]),
            vec!["[TRUNCATED RASTER HEADER: 1D 76 30 00 48]"]
        );
        assert_eq!(l(&[0x1D]), vec!["[TRUNCATED GS: 1D]"]);
        assert_eq!(l(&[0x1B]), vec!["[TRUNCATED ESC: 1B]"]);
    }

    #[test]
    fn zero_size_and_huge_rasters() {
        let d = decode(&[
            0x1D, 0x76, 0x30, 0x00, 0x00, 0x00, 0x05, 0x00, 0x1D, 0x76, 0x30, 0x00, 0x48, 0x00,
            0x00, 0x00,
        ]);
        assert_eq!(
            d.listing,
            vec!["[RASTER 0x5 empty]", "[RASTER 576x0 empty]"]
        );
        assert!(d.image.is_none());
        // declares 65535 x 65535 (4 GiB) with 3 bytes present: refused
        let d = decode(&[0x1D, 0x76, 0x30, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3]);
        assert_eq!(
            d.listing,
            vec!["[TRUNCATED RASTER: need 4294836225 bytes, have 3]"]
        );
    }

    #[test]
    fn mismatched_band_widths_are_padded_and_bounded() {
        let mut b = vec![0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x01, 0x00, 0xFF, 0xFF];
        b.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0x02, 0x00, 0x81, 0x18]);
        let d = decode(&b);
        let img = d.image.unwrap();
        assert_eq!((img.width(), img.height()), (16, 3));
        assert_eq!(img.data(), &[0xFF, 0xFF, 0x81, 0x00, 0x18, 0x00]);
        assert!(d.listing.iter().any(|s| s.starts_with("[WIDTH MISMATCH")));

        // A 1-row band 65535 bytes wide, then many 1-byte-wide tall bands:
        // padding them to 65535 bytes per row would need gigabytes.
        let mut b = vec![0x1D, 0x76, 0x30, 0x00, 0xFF, 0xFF, 0x01, 0x00];
        b.extend(std::iter::repeat_n(0u8, 65535));
        for _ in 0..4 {
            b.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00, 0x01, 0x00, 0xFF, 0x00]);
            b.extend(std::iter::repeat_n(0u8, 255));
        }
        let d = decode(&b);
        let img = d.image.unwrap();
        assert!(img.data().len() <= MAX_IMAGE_BYTES);
        assert!(d.listing.iter().any(|s| s.starts_with("[IMAGE LIMIT")));
    }

    /// Deterministic pseudo-random generator (64-bit LCG, Knuth's MMIX
    /// constants); the high bits are used.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u32 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (self.0 >> 33) as u32
        }
        fn below(&mut self, n: u32) -> u32 {
            if n == 0 {
                0
            } else {
                self.next() % n
            }
        }
        fn byte(&mut self) -> u8 {
            self.next() as u8
        }
    }

    /// A valid ticket-like stream to truncate and mutate.
    fn valid_stream() -> Vec<u8> {
        let bmp = Bitmap::from_fn(64, 300, |x, y| (x ^ y) % 5 == 0);
        let mut b = crate::devices::printer::encode::encode_ticket(
            &bmp,
            crate::devices::printer::encode::CutMode::Partial,
        );
        b.extend_from_slice(&[0x10, 0x04, 0x01, 0x10, 0x04, 0x07, 0x01, 0x1B, 0x61, 0x01]);
        b.extend_from_slice("Xin cảm ơn\n".as_bytes());
        b.extend_from_slice(&[
            0x1D, 0x28, 0x6B, 0x06, 0x00, 0x31, 0x50, 0x30, b'A', b'0', b'1',
        ]);
        b
    }

    const PREFIXES: &[&[u8]] = &[
        &[0x1B],
        &[0x1D],
        &[0x10, 0x04],
        &[0x1D, 0x76, 0x30],
        &[0x1D, 0x56],
        &[0x1D, 0x28, 0x6B],
        &[0x1D, 0x28, 0x4C],
        &[0x1B, 0x2A],
        &[0x1B, 0x64],
        &[0x1B, 0x40],
    ];

    #[test]
    fn fuzz_never_panics_and_bounds_memory() {
        let valid = valid_stream();
        let mut rng = Lcg(0x6D6F74637561); // "motcua"
        for i in 0..10_000u32 {
            let stream: Vec<u8> = match i % 4 {
                // random bytes
                0 => (0..rng.below(600)).map(|_| rng.byte()).collect(),
                // truncated valid stream
                1 => valid[..rng.below(valid.len() as u32 + 1) as usize].to_vec(),
                // mutated valid stream
                2 => {
                    let mut v = valid.clone();
                    for _ in 0..1 + rng.below(8) {
                        let at = rng.below(v.len() as u32) as usize;
                        match rng.below(3) {
                            0 => v[at] = rng.byte(),
                            1 => {
                                v.remove(at);
                            }
                            _ => v.insert(at, rng.byte()),
                        }
                    }
                    v
                }
                // command prefixes with random parameters
                _ => {
                    let mut v = Vec::new();
                    for _ in 0..rng.below(30) {
                        v.extend_from_slice(PREFIXES[rng.below(PREFIXES.len() as u32) as usize]);
                        for _ in 0..rng.below(12) {
                            v.push(rng.byte());
                        }
                    }
                    v
                }
            };
            let d = decode(&stream);
            assert_eq!(d.listing.is_empty(), stream.is_empty(), "stream {i}");
            if let Some(img) = &d.image {
                assert!(img.data().len() <= MAX_IMAGE_BYTES);
                // each band's data was present in the input
                assert!(img.height() as usize <= stream.len());
            }
            // the tokenizer covers the stream exactly
            let mut pos = 0;
            while pos < stream.len() {
                let (_, len) = next_token(&stream, pos);
                assert!(len >= 1 && pos + len <= stream.len(), "stream {i} at {pos}");
                pos += len;
            }
        }
    }

    mod props {
        use super::super::decode;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Any byte stream (a device's garbage, a cut job) decodes without panicking,
            /// and every byte is accounted for in the listing.
            #[test]
            fn any_stream_decodes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
                let d = decode(&bytes);
                prop_assert!(bytes.is_empty() || !d.listing.is_empty());
            }

            /// Raster headers that claim more data than the stream has are cut, not trusted.
            #[test]
            fn lying_raster_headers(w in any::<u16>(), h in any::<u16>(), body in prop::collection::vec(any::<u8>(), 0..64)) {
                let mut s = vec![0x1d, b'v', b'0', 0];
                s.extend_from_slice(&w.to_le_bytes());
                s.extend_from_slice(&h.to_le_bytes());
                s.extend_from_slice(&body);
                let _ = decode(&s);
            }
        }
    }
}
