//! Joining voice clips into one WAV for the TV board.
//!
//! Why: the board plays one file per call (chime + phrase twice), which keeps
//! announcements from overlapping and lets the browser cache nothing stale. Clips
//! come from disk (shipped or recorded by the center), so parsing must be strict
//! about what it accepts, say clearly what is wrong, and never panic on bad bytes.
//!
//! Only uncompressed PCM is handled (`WAVE_FORMAT_PCM`, or
//! `WAVE_FORMAT_EXTENSIBLE` with the PCM sub-format), which is what recorders and
//! sox produce. Chunks other than `fmt ` and `data` (LIST, fact, bext…) are
//! skipped.

use std::fmt;

/// Sample format shared by all clips of one announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavFormat {
    /// 1 = mono, 2 = stereo…
    pub channels: u16,
    /// Frames per second, e.g. 16000.
    pub sample_rate: u32,
    /// 8, 16, 24 or 32.
    pub bits_per_sample: u16,
}

impl WavFormat {
    /// Bytes per frame (all channels of one sample instant).
    pub fn block_align(&self) -> u32 {
        u32::from(self.channels) * u32::from(self.bits_per_sample / 8)
    }
}

impl fmt::Display for WavFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ch, {} Hz, {}-bit",
            self.channels, self.sample_rate, self.bits_per_sample
        )
    }
}

/// A parsed clip: its format and its PCM sample bytes (borrowed from the input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WavClip<'a> {
    pub format: WavFormat,
    pub data: &'a [u8],
}

/// Why a clip could not be used. `clip` is the index in the input list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WavError {
    /// No clips given: there is no format to produce.
    NoClips,
    /// The bytes end before a header or chunk they announce.
    Truncated { clip: usize, what: &'static str },
    /// Not a RIFF/WAVE file, or an inconsistent header.
    Malformed { clip: usize, reason: &'static str },
    /// A required chunk (`fmt ` or `data`) is absent.
    MissingChunk { clip: usize, chunk: &'static str },
    /// Compressed or otherwise unsupported audio (format tag given).
    Unsupported { clip: usize, format_tag: u16 },
    /// The clip's format differs from the first clip's.
    Mismatch {
        clip: usize,
        expected: WavFormat,
        found: WavFormat,
    },
    /// The result would exceed the 4 GiB limit of a RIFF file.
    TooLarge,
}

impl fmt::Display for WavError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WavError::NoClips => write!(f, "no audio clips to join"),
            WavError::Truncated { clip, what } => {
                write!(f, "clip {clip}: truncated WAV ({what})")
            }
            WavError::Malformed { clip, reason } => {
                write!(f, "clip {clip}: malformed WAV ({reason})")
            }
            WavError::MissingChunk { clip, chunk } => {
                write!(f, "clip {clip}: WAV has no \"{chunk}\" chunk")
            }
            WavError::Unsupported { clip, format_tag } => write!(
                f,
                "clip {clip}: unsupported WAV encoding (format tag {format_tag:#06x}); only PCM is supported"
            ),
            WavError::Mismatch {
                clip,
                expected,
                found,
            } => write!(
                f,
                "clip {clip}: format {found} differs from the first clip's {expected}"
            ),
            WavError::TooLarge => write!(f, "joined audio would exceed the WAV size limit"),
        }
    }
}

impl std::error::Error for WavError {}

const FORMAT_PCM: u16 = 0x0001;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn parse_fmt(clip: usize, body: &[u8]) -> Result<WavFormat, WavError> {
    let truncated = WavError::Truncated {
        clip,
        what: "fmt chunk",
    };
    if body.len() < 16 {
        return Err(truncated);
    }
    // Length checked above: these reads cannot fail, but stay total anyway.
    let tag = u16_at(body, 0).ok_or(truncated.clone())?;
    let channels = u16_at(body, 2).ok_or(truncated.clone())?;
    let sample_rate = u32_at(body, 4).ok_or(truncated.clone())?;
    let byte_rate = u32_at(body, 8).ok_or(truncated.clone())?;
    let block_align = u16_at(body, 12).ok_or(truncated.clone())?;
    let bits = u16_at(body, 14).ok_or(truncated.clone())?;

    match tag {
        FORMAT_PCM => {}
        FORMAT_EXTENSIBLE => {
            // cbSize(2) validBits(2) channelMask(4) subFormat GUID(16): the GUID's
            // first two bytes are the real format tag.
            if body.len() < 40 {
                return Err(truncated);
            }
            let sub = u16_at(body, 24).ok_or(truncated)?;
            if sub != FORMAT_PCM {
                return Err(WavError::Unsupported {
                    clip,
                    format_tag: sub,
                });
            }
        }
        other => {
            return Err(WavError::Unsupported {
                clip,
                format_tag: other,
            })
        }
    }
    let malformed = |reason| WavError::Malformed { clip, reason };
    if channels == 0 {
        return Err(malformed("zero channels"));
    }
    if sample_rate == 0 {
        return Err(malformed("zero sample rate"));
    }
    if !matches!(bits, 8 | 16 | 24 | 32) {
        return Err(malformed("bits per sample not 8, 16, 24 or 32"));
    }
    let format = WavFormat {
        channels,
        sample_rate,
        bits_per_sample: bits,
    };
    if u32::from(block_align) != format.block_align() {
        return Err(malformed("block align does not match channels and bits"));
    }
    if u64::from(byte_rate) != u64::from(sample_rate) * u64::from(block_align) {
        return Err(malformed("byte rate does not match sample rate"));
    }
    Ok(format)
}

/// Parses one RIFF/WAVE PCM file. `clip` is only used in error messages.
///
/// The RIFF size field is trusted only up to the real length (streamed writers
/// leave it wrong); chunk sizes are not: a chunk running past the end is an error.
pub fn parse_wav_indexed(bytes: &[u8], clip: usize) -> Result<WavClip<'_>, WavError> {
    if bytes.len() < 12 {
        return Err(WavError::Truncated {
            clip,
            what: "RIFF header",
        });
    }
    if &bytes[0..4] != b"RIFF" {
        return Err(WavError::Malformed {
            clip,
            reason: "no RIFF signature",
        });
    }
    if &bytes[8..12] != b"WAVE" {
        return Err(WavError::Malformed {
            clip,
            reason: "RIFF file is not WAVE",
        });
    }
    let riff_size = u32_at(bytes, 4).unwrap_or(0) as usize;
    let end = riff_size.saturating_add(8).min(bytes.len());

    let mut format = None;
    let mut data = None;
    let mut pos = 12usize;
    while pos < end {
        if end - pos < 8 {
            // A few stray bytes after the last chunk are tolerated once the needed
            // chunks are found; otherwise the header is cut.
            break;
        }
        let id = &bytes[pos..pos + 4];
        let size = u32_at(bytes, pos + 4).unwrap_or(0) as usize;
        let body_start = pos + 8;
        let body_end = body_start.checked_add(size).ok_or(WavError::Malformed {
            clip,
            reason: "chunk size overflows",
        })?;
        if body_end > end {
            let what = match id {
                b"data" => "data chunk",
                b"fmt " => "fmt chunk",
                _ => "chunk",
            };
            return Err(WavError::Truncated { clip, what });
        }
        let body = &bytes[body_start..body_end];
        match id {
            b"fmt " if format.is_none() => format = Some(parse_fmt(clip, body)?),
            b"data" if data.is_none() => data = Some(body),
            _ => {}
        }
        if format.is_some() && data.is_some() {
            break;
        }
        // Chunks are word-aligned: an odd size is followed by one pad byte.
        pos = body_end.saturating_add(size & 1);
    }

    let format = format.ok_or(WavError::MissingChunk {
        clip,
        chunk: "fmt ",
    })?;
    let data = data.ok_or(WavError::MissingChunk {
        clip,
        chunk: "data",
    })?;
    // block_align > 0: parse_fmt rejects zero channels and bits < 8.
    if data.len() % format.block_align() as usize != 0 {
        return Err(WavError::Truncated {
            clip,
            what: "data ends inside a sample frame",
        });
    }
    Ok(WavClip { format, data })
}

/// Parses one RIFF/WAVE PCM file (e.g. to validate a clip when loading a voice set).
pub fn parse_wav(bytes: &[u8]) -> Result<WavClip<'_>, WavError> {
    parse_wav_indexed(bytes, 0)
}

/// Header size of the canonical 44-byte PCM WAV written by `concat_wav`.
const HEADER_LEN: usize = 44;

/// Joins PCM WAV clips into one canonical WAV (RIFF, `fmt `, `data`), with
/// `gap_ms` of silence between consecutive clips (none before the first or after
/// the last). All clips must share channels, sample rate and bit depth.
pub fn concat_wav(clips: &[&[u8]], gap_ms: u32) -> Result<Vec<u8>, WavError> {
    let parsed = clips
        .iter()
        .enumerate()
        .map(|(i, c)| parse_wav_indexed(c, i))
        .collect::<Result<Vec<_>, _>>()?;
    let first = parsed.first().ok_or(WavError::NoClips)?.format;
    for (i, c) in parsed.iter().enumerate() {
        if c.format != first {
            return Err(WavError::Mismatch {
                clip: i,
                expected: first,
                found: c.format,
            });
        }
    }

    let block = u64::from(first.block_align());
    let gap_frames = u64::from(first.sample_rate) * u64::from(gap_ms) / 1000;
    let gap_bytes = gap_frames * block;
    let gaps = (parsed.len() - 1) as u64;
    let data_len: u64 = parsed.iter().map(|c| c.data.len() as u64).sum::<u64>()
        + gap_bytes.checked_mul(gaps).ok_or(WavError::TooLarge)?;
    // RIFF size = 36 + data_len must fit in u32; check before allocating anything.
    if data_len > u64::from(u32::MAX) - (HEADER_LEN as u64 - 8) {
        return Err(WavError::TooLarge);
    }
    let data_len32 = data_len as u32;

    let mut out = Vec::with_capacity(HEADER_LEN + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(data_len32 + 36).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&FORMAT_PCM.to_le_bytes());
    out.extend_from_slice(&first.channels.to_le_bytes());
    out.extend_from_slice(&first.sample_rate.to_le_bytes());
    // Fits: validated equal to sample_rate * block_align when parsing.
    out.extend_from_slice(&(first.sample_rate * first.block_align()).to_le_bytes());
    // Fits u16: it equals the parsed u16 block_align.
    out.extend_from_slice(&(first.block_align() as u16).to_le_bytes());
    out.extend_from_slice(&first.bits_per_sample.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len32.to_le_bytes());

    // 8-bit PCM is unsigned (silence = 0x80); wider PCM is signed (silence = 0).
    let silence = if first.bits_per_sample == 8 { 0x80 } else { 0 };
    for (i, c) in parsed.iter().enumerate() {
        if i > 0 {
            out.resize(out.len() + gap_bytes as usize, silence);
        }
        out.extend_from_slice(c.data);
    }
    // A RIFF chunk body of odd length gets a pad byte (not counted in sizes).
    if data_len % 2 == 1 {
        out.push(0);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal PCM WAV, optionally with a LIST chunk before `data`.
    fn wav(channels: u16, rate: u32, bits: u16, data: &[u8], list: bool) -> Vec<u8> {
        let block = channels * (bits / 8);
        let mut chunks = Vec::new();
        chunks.extend_from_slice(b"fmt ");
        chunks.extend_from_slice(&16u32.to_le_bytes());
        chunks.extend_from_slice(&1u16.to_le_bytes());
        chunks.extend_from_slice(&channels.to_le_bytes());
        chunks.extend_from_slice(&rate.to_le_bytes());
        chunks.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
        chunks.extend_from_slice(&block.to_le_bytes());
        chunks.extend_from_slice(&bits.to_le_bytes());
        if list {
            chunks.extend_from_slice(b"LIST");
            chunks.extend_from_slice(&5u32.to_le_bytes());
            chunks.extend_from_slice(b"INFOx\0"); // 5 bytes + pad
        }
        chunks.extend_from_slice(b"data");
        chunks.extend_from_slice(&(data.len() as u32).to_le_bytes());
        chunks.extend_from_slice(data);
        let mut out = Vec::new();
        out.extend_from_slice(b"RIFF");
        out.extend_from_slice(&(4 + chunks.len() as u32).to_le_bytes());
        out.extend_from_slice(b"WAVE");
        out.extend_from_slice(&chunks);
        out
    }

    fn mono16(data: &[u8]) -> Vec<u8> {
        wav(1, 16000, 16, data, false)
    }

    #[test]
    fn parses_and_skips_list_chunk() {
        let w = wav(1, 16000, 16, &[1, 2, 3, 4], true);
        let c = parse_wav(&w).expect("valid");
        assert_eq!(c.data, &[1, 2, 3, 4]);
        assert_eq!(
            c.format,
            WavFormat {
                channels: 1,
                sample_rate: 16000,
                bits_per_sample: 16
            }
        );
    }

    #[test]
    fn concat_with_gap() {
        let a = mono16(&[1, 0, 2, 0]);
        let b = wav(1, 16000, 16, &[3, 0], true);
        // 10 ms at 16 kHz = 160 frames = 320 bytes of silence.
        let out = concat_wav(&[&a, &b], 10).expect("joined");
        let c = parse_wav(&out).expect("output is valid");
        assert_eq!(c.data.len(), 4 + 320 + 2);
        assert_eq!(&c.data[..4], &[1, 0, 2, 0]);
        assert!(c.data[4..324].iter().all(|&x| x == 0));
        assert_eq!(&c.data[324..], &[3, 0]);
        assert_eq!(out.len(), 44 + 326);
        assert_eq!(u32_at(&out, 4), Some(36 + 326));
    }

    #[test]
    fn single_clip_and_zero_gap() {
        let a = mono16(&[9, 9]);
        let out = concat_wav(&[&a, &a, &a], 0).expect("joined");
        assert_eq!(parse_wav(&out).expect("valid").data, &[9, 9, 9, 9, 9, 9]);
        let out = concat_wav(&[&a], 500).expect("joined");
        assert_eq!(parse_wav(&out).expect("valid").data, &[9, 9]);
    }

    #[test]
    fn eight_bit_silence_is_0x80_and_odd_data_padded() {
        let a = wav(1, 1000, 8, &[10], false);
        let out = concat_wav(&[&a, &a], 3).expect("joined");
        let c = parse_wav(&out).expect("valid");
        assert_eq!(c.data, &[10, 0x80, 0x80, 0x80, 10]);
        assert_eq!(out.len() % 2, 0);
    }

    #[test]
    fn mismatch_reported() {
        let a = mono16(&[0, 0]);
        let b = wav(1, 22050, 16, &[0, 0], false);
        let c = wav(2, 16000, 16, &[0, 0, 0, 0], false);
        assert!(matches!(
            concat_wav(&[&a, &b], 0),
            Err(WavError::Mismatch { clip: 1, .. })
        ));
        let err = concat_wav(&[&a, &a, &c], 0).unwrap_err();
        assert!(matches!(err, WavError::Mismatch { clip: 2, .. }));
        assert!(err.to_string().contains("2 ch"));
    }

    #[test]
    fn malformed_inputs() {
        assert_eq!(concat_wav(&[], 0), Err(WavError::NoClips));
        assert!(matches!(parse_wav(b""), Err(WavError::Truncated { .. })));
        assert!(matches!(
            parse_wav(b"RIFX\0\0\0\0WAVEfmt "),
            Err(WavError::Malformed { .. })
        ));
        assert!(matches!(
            parse_wav(b"RIFF\0\0\0\0AVI "),
            Err(WavError::Malformed { .. })
        ));
        // No data chunk.
        let mut w = mono16(&[]);
        w.truncate(36);
        w[4..8].copy_from_slice(&28u32.to_le_bytes());
        assert_eq!(
            parse_wav(&w),
            Err(WavError::MissingChunk {
                clip: 0,
                chunk: "data"
            })
        );
        // Data chunk claims more than there is.
        let mut w = mono16(&[1, 2, 3, 4]);
        w.truncate(w.len() - 2);
        assert!(matches!(parse_wav(&w), Err(WavError::Truncated { .. })));
        // Half a frame.
        let w = mono16(&[1, 2, 3]);
        assert!(matches!(parse_wav(&w), Err(WavError::Truncated { .. })));
        // Compressed (IMA ADPCM tag 0x11).
        let mut w = mono16(&[0, 0]);
        w[20..22].copy_from_slice(&0x11u16.to_le_bytes());
        assert_eq!(
            parse_wav(&w),
            Err(WavError::Unsupported {
                clip: 0,
                format_tag: 0x11
            })
        );
        // Inconsistent block align.
        let mut w = mono16(&[0, 0]);
        w[32..34].copy_from_slice(&4u16.to_le_bytes());
        assert!(matches!(parse_wav(&w), Err(WavError::Malformed { .. })));
        // Zero channels.
        let mut w = mono16(&[0, 0]);
        w[22..24].copy_from_slice(&0u16.to_le_bytes());
        assert!(matches!(parse_wav(&w), Err(WavError::Malformed { .. })));
        // Error names the bad clip.
        let good = mono16(&[0, 0]);
        let err = concat_wav(&[&good, b"junk"], 0).unwrap_err();
        assert!(err.to_string().starts_with("clip 1:"));
    }

    #[test]
    fn huge_chunk_sizes_do_not_panic_or_allocate() {
        let mut w = mono16(&[0, 0]);
        let n = w.len();
        w[n - 6..n - 2].copy_from_slice(&u32::MAX.to_le_bytes());
        w[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(parse_wav(&w).is_err());
        // A gap that would exceed 4 GiB.
        let a = wav(2, 192_000, 32, &[0; 8], false);
        assert_eq!(concat_wav(&[&a, &a], u32::MAX), Err(WavError::TooLarge));
    }

    #[test]
    fn extensible_pcm_accepted() {
        let base = mono16(&[5, 0]);
        // Rebuild with a 40-byte extensible fmt chunk.
        let mut fmt = Vec::new();
        fmt.extend_from_slice(&FORMAT_EXTENSIBLE.to_le_bytes());
        fmt.extend_from_slice(&base[22..36]); // channels .. bits
        fmt.extend_from_slice(&22u16.to_le_bytes()); // cbSize
        fmt.extend_from_slice(&16u16.to_le_bytes()); // valid bits
        fmt.extend_from_slice(&4u32.to_le_bytes()); // channel mask
        fmt.extend_from_slice(&1u16.to_le_bytes()); // sub-format PCM
        fmt.extend_from_slice(&[0; 14]);
        let mut chunks = Vec::new();
        chunks.extend_from_slice(b"fmt ");
        chunks.extend_from_slice(&(fmt.len() as u32).to_le_bytes());
        chunks.extend_from_slice(&fmt);
        chunks.extend_from_slice(&base[36..]);
        let mut w = b"RIFF".to_vec();
        w.extend_from_slice(&(4 + chunks.len() as u32).to_le_bytes());
        w.extend_from_slice(b"WAVE");
        w.extend_from_slice(&chunks);
        let out = concat_wav(&[&w, &base], 0).expect("extensible PCM joins plain PCM");
        assert_eq!(parse_wav(&out).expect("valid").data, &[5, 0, 5, 0]);
    }

    /// Deterministic pseudo-random numbers (64-bit LCG, Knuth's MMIX constants).
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    #[test]
    fn truncations_and_corruptions_never_panic() {
        let full = wav(1, 16000, 16, &[7; 64], true);
        let mut rng = Lcg(42);
        // Every prefix: either valid (only the full file) or an error.
        for len in 0..full.len() {
            let r = parse_wav(&full[..len]);
            assert!(r.is_err(), "prefix {len} accepted");
            let _ = concat_wav(&[&full, &full[..len]], 20);
        }
        assert!(parse_wav(&full).is_ok());
        // Random byte corruptions and random truncations.
        for _ in 0..2000 {
            let mut w = full.clone();
            let flips = 1 + rng.next() % 4;
            for _ in 0..flips {
                let at = (rng.next() as usize) % w.len();
                w[at] = rng.next() as u8;
            }
            let cut = (rng.next() as usize) % (w.len() + 1);
            w.truncate(cut);
            if let Ok(c) = parse_wav(&w) {
                assert_eq!(c.data.len() % c.format.block_align() as usize, 0);
            }
            let _ = concat_wav(&[&w, &full], (rng.next() % 100) as u32);
        }
        // Pure noise.
        for _ in 0..500 {
            let len = (rng.next() % 80) as usize;
            let mut w: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
            if len >= 12 && rng.next() & 1 == 0 {
                w[0..4].copy_from_slice(b"RIFF");
                w[8..12].copy_from_slice(b"WAVE");
            }
            let _ = parse_wav(&w);
        }
    }
}
