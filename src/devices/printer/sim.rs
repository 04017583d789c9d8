//! The simulated printer (HARDWARE.md §7): a [`PrinterTransport`] that
//! records every job, decodes it, and can be made to fail.
//!
//! * Each job (everything up to and including a cut, or whatever was written
//!   before [`SimPrinter::finish_job`]) is saved as `<dir>/<seq>.escpos`
//!   (raw bytes), `<seq>.txt` (decoded listing) and `<seq>.png` (the raster),
//!   `seq` zero-padded to 6 digits and continuing after the highest one
//!   already in the directory.
//! * `DLE EOT n` queries are answered at command boundaries from the fault
//!   switches with the bytes recorded from real printers (HARDWARE.md §3).
//! * Faults live in a shared [`SharedFaults`] so a test or an admin page can
//!   flip them while a job is running.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::devices::printer::decode::{decode, describe, next_token, Token};
use crate::devices::printer::transport::{PrinterTransport, TransportError};
use crate::render::bitmap::Bitmap;

/// Jobs kept in memory (older ones are only on disk).
pub const MAX_KEPT_JOBS: usize = 32;

/// Fault switches of the simulated printer.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SimFaults {
    /// Paper end: n1 `1A`, n2 `32`, n4 `7E`.
    pub paper_out: bool,
    /// Cover open: n1 `1A`, n2 `16`.
    pub cover_open: bool,
    /// Roll near end: n4 `1E`.
    pub near_end: bool,
    /// Offline for another reason: n1 `1A`.
    pub offline: bool,
    /// A one-way (protocol 1) printer: never answers DLE EOT.
    pub one_way: bool,
    /// The printer disappears (unplugged) once this many bytes have been
    /// written in total: the write that crosses it is short, every later
    /// write/read fails with `Disconnected`. Clear it to "plug it back in".
    pub vanish_after_bytes: Option<u64>,
    /// Accept at most this many bytes per write call.
    pub short_write_max: Option<usize>,
    /// Accept nothing (writes return `Ok(0)`).
    pub refuse_writes: bool,
    /// Writes fail with `Timeout`.
    pub write_timeout: bool,
}

/// Faults shared between the simulator and whoever flips them.
pub type SharedFaults = Arc<Mutex<SimFaults>>;

#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("simulated printer cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("simulated printer cannot make a PNG: {0}")]
    Png(#[from] crate::render::bitmap::RenderError),
}

/// One finished job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimJob {
    pub seq: u64,
    pub bytes: Vec<u8>,
    pub listing: Vec<String>,
    pub image: Option<Bitmap>,
    /// Files written (empty for an in-memory simulator).
    pub files: Vec<PathBuf>,
}

/// The simulated printer.
#[derive(Debug)]
pub struct SimPrinter {
    dir: Option<PathBuf>,
    faults: SharedFaults,
    job: Vec<u8>,
    /// Bytes of `job` already tokenized.
    scan_pos: usize,
    replies: VecDeque<u8>,
    total_written: u64,
    auto_finish_on_cut: bool,
    jobs: VecDeque<SimJob>,
    next_seq: u64,
}

fn lock(f: &SharedFaults) -> MutexGuard<'_, SimFaults> {
    // A panic elsewhere while holding the lock leaves plain data behind;
    // keep using it.
    f.lock().unwrap_or_else(|e| e.into_inner())
}

/// The reply byte to `DLE EOT n` for the given faults (None = no reply).
pub fn status_reply(f: &SimFaults, n: u8) -> Option<u8> {
    if f.one_way {
        return None;
    }
    match n {
        1 => Some(
            0x12 | if f.offline || f.paper_out || f.cover_open {
                0x08
            } else {
                0
            },
        ),
        2 => Some(0x12 | if f.cover_open { 0x04 } else { 0 } | if f.paper_out { 0x20 } else { 0 }),
        3 => Some(0x12),
        4 => Some(if f.paper_out {
            0x7E
        } else if f.near_end {
            0x1E
        } else {
            0x12
        }),
        _ => None,
    }
}

impl SimPrinter {
    /// A simulator saving its jobs under `dir` (created if missing).
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, SimError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|source| SimError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut s = Self::in_memory();
        s.next_seq = highest_seq(&dir)? + 1;
        s.dir = Some(dir);
        Ok(s)
    }

    /// A simulator keeping jobs in memory only.
    pub fn in_memory() -> Self {
        SimPrinter {
            dir: None,
            faults: Arc::new(Mutex::new(SimFaults::default())),
            job: Vec::new(),
            scan_pos: 0,
            replies: VecDeque::new(),
            total_written: 0,
            auto_finish_on_cut: true,
            jobs: VecDeque::new(),
            next_seq: 1,
        }
    }

    /// Uses an existing shared fault set (e.g. owned by the admin page).
    pub fn with_faults(mut self, faults: SharedFaults) -> Self {
        self.faults = faults;
        self
    }

    /// The fault switches (clone of the shared handle).
    pub fn faults(&self) -> SharedFaults {
        Arc::clone(&self.faults)
    }

    /// Finish a job automatically after each cut command (default: on).
    pub fn set_auto_finish_on_cut(&mut self, on: bool) {
        self.auto_finish_on_cut = on;
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Bytes of the job in progress.
    pub fn current_job(&self) -> &[u8] {
        &self.job
    }

    /// The most recent finished jobs (at most [`MAX_KEPT_JOBS`]).
    pub fn jobs(&self) -> impl Iterator<Item = &SimJob> {
        self.jobs.iter()
    }

    pub fn last_job(&self) -> Option<&SimJob> {
        self.jobs.back()
    }

    /// Bytes accepted since the simulator was created.
    pub fn total_written(&self) -> u64 {
        self.total_written
    }

    fn vanished(&self, f: &SimFaults) -> bool {
        matches!(f.vanish_after_bytes, Some(n) if self.total_written >= n)
    }

    /// Ends the job in progress: decodes it and (with a directory) writes
    /// `<seq>.escpos`, `<seq>.txt` and `<seq>.png`. A job holding nothing
    /// but status queries is discarded and `Ok(None)` returned.
    pub fn finish_job(&mut self) -> Result<Option<SimJob>, SimError> {
        let bytes = std::mem::take(&mut self.job);
        self.scan_pos = 0;
        if only_status_queries(&bytes) {
            return Ok(None);
        }
        let seq = match &self.dir {
            Some(dir) => self.next_seq.max(highest_seq(dir)? + 1),
            None => self.next_seq,
        };
        self.next_seq = seq + 1;
        let decoded = decode(&bytes);
        let mut files = Vec::new();
        if let Some(dir) = &self.dir {
            let write = |ext: &str, data: &[u8]| -> Result<PathBuf, SimError> {
                let path = dir.join(format!("{seq:06}.{ext}"));
                std::fs::write(&path, data).map_err(|source| SimError::Io {
                    path: path.clone(),
                    source,
                })?;
                Ok(path)
            };
            files.push(write("escpos", &bytes)?);
            let mut txt = decoded.listing.join("\n");
            txt.push('\n');
            files.push(write("txt", txt.as_bytes())?);
            if let Some(img) = &decoded.image {
                files.push(write("png", &img.to_png()?)?);
            }
        }
        let job = SimJob {
            seq,
            bytes,
            listing: decoded.listing,
            image: decoded.image,
            files,
        };
        if self.jobs.len() >= MAX_KEPT_JOBS {
            self.jobs.pop_front();
        }
        self.jobs.push_back(job.clone());
        Ok(Some(job))
    }

    /// Tokenizes newly received bytes: answers status queries and splits
    /// jobs at cuts.
    fn scan(&mut self, faults: &SimFaults) -> Result<(), SimError> {
        while self.scan_pos < self.job.len() {
            let (tok, len) = next_token(&self.job, self.scan_pos);
            match tok {
                // Incomplete command: wait for more bytes.
                Token::Truncated(_) => return Ok(()),
                Token::DleEot { n, .. } => {
                    if let Some(b) = status_reply(faults, n) {
                        self.replies.push_back(b);
                    }
                }
                Token::Cut { .. } if self.auto_finish_on_cut => {
                    let end = self.scan_pos + len;
                    let rest = self.job.split_off(end);
                    self.finish_job()?;
                    self.job = rest;
                    self.scan_pos = 0;
                    continue;
                }
                _ => {}
            }
            self.scan_pos += len.max(1);
        }
        Ok(())
    }
}

/// True if the bytes are empty or only DLE EOT queries.
fn only_status_queries(bytes: &[u8]) -> bool {
    let mut pos = 0;
    while pos < bytes.len() {
        let (tok, len) = next_token(bytes, pos);
        if !matches!(tok, Token::DleEot { .. }) {
            return false;
        }
        pos += len.max(1);
    }
    true
}

/// Highest `<digits>.<ext>` sequence number in `dir` (0 if none).
fn highest_seq(dir: &Path) -> Result<u64, SimError> {
    let entries = std::fs::read_dir(dir).map_err(|source| SimError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut max = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let stem = name.split('.').next().unwrap_or("");
        if !stem.is_empty() && stem.len() <= 18 && stem.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(n) = stem.parse::<u64>() {
                max = max.max(n);
            }
        }
    }
    Ok(max)
}

impl PrinterTransport for SimPrinter {
    fn write(&mut self, buf: &[u8], timeout: Duration) -> Result<usize, TransportError> {
        let f = lock(&self.faults).clone();
        if self.vanished(&f) {
            return Err(TransportError::Disconnected(
                "simulated printer vanished".into(),
            ));
        }
        if f.write_timeout {
            return Err(TransportError::Timeout(timeout));
        }
        if f.refuse_writes || buf.is_empty() {
            return Ok(0);
        }
        let mut n = buf.len();
        if let Some(max) = f.short_write_max {
            n = n.min(max);
        }
        if let Some(limit) = f.vanish_after_bytes {
            // not vanished yet, so limit > total_written
            n = n.min((limit - self.total_written).min(usize::MAX as u64) as usize);
        }
        self.job.extend_from_slice(&buf[..n]);
        self.total_written += n as u64;
        self.scan(&f)
            .map_err(|e| TransportError::Io(std::io::Error::other(e.to_string())))?;
        Ok(n)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let f = lock(&self.faults).clone();
        if self.vanished(&f) {
            return Err(TransportError::Disconnected(
                "simulated printer vanished".into(),
            ));
        }
        if self.replies.is_empty() {
            return Err(TransportError::Timeout(timeout));
        }
        let mut n = 0;
        while n < buf.len() {
            match self.replies.pop_front() {
                Some(b) => {
                    buf[n] = b;
                    n += 1;
                }
                None => break,
            }
        }
        Ok(n)
    }

    fn describe(&self) -> String {
        match &self.dir {
            Some(d) => format!("simulated printer ({})", d.display()),
            None => "simulated printer (in memory)".into(),
        }
    }
}

impl SimJob {
    /// The listing as one string (as in the `.txt` file).
    pub fn listing_text(&self) -> String {
        self.listing.join("\n")
    }
}

/// Describes the first command of `bytes` (for logs).
pub fn describe_first(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    Some(describe(&next_token(bytes, 0).0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::encode::{encode_ticket, CutMode};
    use crate::devices::printer::transport::{query_status, write_all_chunked};

    fn temp_dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("motcua-sim-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn replies_match_recorded_bytes() {
        let ok = SimFaults::default();
        assert_eq!([1, 2, 4].map(|n| status_reply(&ok, n)), [Some(0x12); 3]);
        let paper = SimFaults {
            paper_out: true,
            ..Default::default()
        };
        assert_eq!(
            [1, 2, 4].map(|n| status_reply(&paper, n)),
            [Some(0x1A), Some(0x32), Some(0x7E)]
        );
        let cover = SimFaults {
            cover_open: true,
            ..Default::default()
        };
        assert_eq!(
            [1, 2].map(|n| status_reply(&cover, n)),
            [Some(0x1A), Some(0x16)]
        );
        let near = SimFaults {
            near_end: true,
            ..Default::default()
        };
        assert_eq!(status_reply(&near, 4), Some(0x1E));
        let off = SimFaults {
            offline: true,
            ..Default::default()
        };
        assert_eq!(status_reply(&off, 1), Some(0x1A));
        assert_eq!(
            status_reply(
                &SimFaults {
                    one_way: true,
                    ..Default::default()
                },
                1
            ),
            None
        );
        assert_eq!(status_reply(&ok, 9), None);
    }

    #[test]
    fn jobs_are_saved_with_continuing_seq() {
        let dir = temp_dir("seq");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("000007.escpos"), b"old").unwrap();
        std::fs::write(dir.join("notes.txt"), b"x").unwrap();
        let mut sim = SimPrinter::new(&dir).unwrap();
        sim.faults().lock().unwrap().short_write_max = Some(1000);

        let bmp = Bitmap::from_fn(384, 200, |x, y| (x / 16 + y / 16) % 2 == 0);
        let bytes = encode_ticket(&bmp, CutMode::Partial);
        // a status check before printing is not a job of its own
        query_status(&mut sim).unwrap();
        write_all_chunked(&mut sim, &bytes, 4096).unwrap();
        let job = sim.last_job().unwrap().clone();
        assert_eq!(job.seq, 8);
        assert_eq!(job.image.as_ref(), Some(&bmp));
        assert!(job.bytes.ends_with(&bytes));
        assert_eq!(std::fs::read(dir.join("000008.escpos")).unwrap(), job.bytes);
        let txt = std::fs::read_to_string(dir.join("000008.txt")).unwrap();
        assert!(txt.contains("[DLE EOT 1]\n[DLE EOT 2]\n[DLE EOT 4]\n[INIT]\n[RASTER 384x128]\n[RASTER 384x72]\n[FEED 4 lines]\n[CUT partial]"), "{txt}");
        let png = std::fs::read(dir.join("000008.png")).unwrap();
        assert_eq!(&png[..4], b"\x89PNG");
        assert!(sim.current_job().is_empty());

        // two jobs in one write are split at the cut
        let mut two = encode_ticket(&bmp, CutMode::Full);
        two.extend_from_slice(&encode_ticket(&bmp, CutMode::Partial));
        write_all_chunked(&mut sim, &two, 4096).unwrap();
        let seqs: Vec<u64> = sim.jobs().map(|j| j.seq).collect();
        assert_eq!(seqs, vec![8, 9, 10]);
        assert!(dir.join("000010.png").exists());

        // manual finish of a job without a cut
        sim.write(b"\x1b\x40hello\n", Duration::from_secs(1))
            .unwrap();
        let j = sim.finish_job().unwrap().unwrap();
        assert_eq!(j.seq, 11);
        assert_eq!(j.listing, vec!["[INIT]", "[TEXT \"hello\"]", "[LF]"]);
        assert!(!dir.join("000011.png").exists());
        assert!(sim.finish_job().unwrap().is_none());

        // a new simulator on the same dir continues the numbering
        let mut sim2 = SimPrinter::new(&dir).unwrap();
        sim2.write(&encode_ticket(&bmp, CutMode::Full), Duration::from_secs(1))
            .unwrap();
        assert_eq!(sim2.last_job().unwrap().seq, 12);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn faults_flip_while_a_job_runs() {
        let mut sim = SimPrinter::in_memory();
        let faults = sim.faults();
        let bmp = Bitmap::from_fn(576, 600, |x, _| x % 3 == 0);
        let bytes = encode_ticket(&bmp, CutMode::Partial);
        let half = bytes.len() / 2;
        write_all_chunked(&mut sim, &bytes[..half], 4096).unwrap();
        // another thread pulls the plug mid-job
        let f2 = Arc::clone(&faults);
        let total = sim.total_written();
        std::thread::spawn(move || f2.lock().unwrap().vanish_after_bytes = Some(total + 5000))
            .join()
            .unwrap();
        let err = write_all_chunked(&mut sim, &bytes[half..], 4096).unwrap_err();
        assert!(matches!(err, TransportError::Disconnected(_)));
        assert_eq!(sim.total_written(), total + 5000);
        assert!(sim.read(&mut [0u8; 4], Duration::from_millis(1)).is_err());
        // plugged back in (the paper ran out meanwhile): the interrupted job
        // is truncated in the middle of a band
        *faults.lock().unwrap() = SimFaults {
            paper_out: true,
            ..Default::default()
        };
        let job = sim.finish_job().unwrap().unwrap();
        assert!(job
            .listing
            .iter()
            .any(|l| l.starts_with("[TRUNCATED RASTER")));
        let s = query_status(&mut sim).unwrap();
        assert_eq!(s.paper, crate::devices::printer::status::PaperState::Out);
    }

    #[test]
    fn write_timeout_and_refusal() {
        let mut sim = SimPrinter::in_memory();
        sim.faults().lock().unwrap().write_timeout = true;
        assert!(matches!(
            sim.write(b"x", Duration::from_millis(7)),
            Err(TransportError::Timeout(_))
        ));
        *sim.faults().lock().unwrap() = SimFaults {
            refuse_writes: true,
            ..Default::default()
        };
        assert_eq!(sim.write(b"x", Duration::from_millis(7)).unwrap(), 0);
    }

    #[test]
    fn status_query_inside_raster_data_is_not_answered() {
        let mut sim = SimPrinter::in_memory();
        // a band whose data contains 10 04 01
        let band = [
            0x1D, 0x76, 0x30, 0x00, 0x03, 0x00, 0x01, 0x00, 0x10, 0x04, 0x01,
        ];
        sim.write(&band, Duration::from_secs(1)).unwrap();
        assert!(sim.read(&mut [0u8; 8], Duration::from_millis(1)).is_err());
        sim.write(&[0x10, 0x04, 0x04], Duration::from_secs(1))
            .unwrap();
        let mut b = [0u8; 8];
        assert_eq!(sim.read(&mut b, Duration::from_millis(1)).unwrap(), 1);
        assert_eq!(b[0], 0x12);
    }

    #[test]
    fn random_writes_never_panic() {
        let mut sim = SimPrinter::in_memory();
        let mut x: u64 = 42;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (x >> 40) as usize % 64;
            let buf: Vec<u8> = (0..len)
                .map(|i| {
                    let v = (x >> ((i % 7) * 8)) as u8;
                    // bias towards command bytes
                    match v % 5 {
                        0 => 0x1D,
                        1 => 0x10,
                        _ => v,
                    }
                })
                .collect();
            let _ = sim.write(&buf, Duration::from_millis(1));
            let _ = sim.read(&mut [0u8; 16], Duration::from_millis(1));
            if x.is_multiple_of(17) {
                let _ = sim.finish_job();
            }
        }
        assert_eq!(describe_first(&[0x1B, 0x40]).as_deref(), Some("[INIT]"));
    }
}
