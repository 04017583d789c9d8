//! Byte transports to the printer (HARDWARE.md §2, §3, §7).
//!
//! * [`TcpTransport`]: raw TCP port 9100 (LAN printers).
//! * [`DeviceFileTransport`]: the kernel `usblp` node, e.g. `/dev/usb/lp0`.
//! * [`crate::devices::printer::sim::SimPrinter`]: the simulated printer.
//! * USB through libusb (`rusb`) is not implemented here yet: it will live in
//!   `src/devices/printer/usb.rs` as a `UsbTransport` implementing
//!   [`PrinterTransport`] (class 07/01 discovery, bulk OUT writes in 4 KiB
//!   chunks, bulk IN for DLE EOT replies, own `rusb::Context`, run on a
//!   device thread).
//!
//! Semantics shared by all transports:
//! * `write` may accept fewer bytes than given (a short write); `Ok(0)` means
//!   no progress. [`write_all_chunked`] loops and fails on no progress.
//! * `read` returns `Ok(0)` or `Err(TransportError::Timeout)` when nothing
//!   arrived in time; both mean "no reply".

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::devices::printer::status::{parse_status, PrinterStatus, StatusError, STATUS_QUERIES};

/// Default chunk size for [`write_all_chunked`].
pub const DEFAULT_CHUNK: usize = 4096;
/// Timeout for one write call.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Timeout waiting for one DLE EOT reply.
pub const STATUS_TIMEOUT: Duration = Duration::from_millis(500);
/// Timeout for the reads that drain stale bytes before a status query.
pub const DRAIN_TIMEOUT: Duration = Duration::from_millis(20);
/// Consecutive zero-byte writes tolerated before giving up.
pub const MAX_NO_PROGRESS: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("printer timed out after {0:?}")]
    Timeout(Duration),
    #[error("printer disconnected: {0}")]
    Disconnected(String),
    #[error("printer accepted no data ({written} of {total} bytes sent)")]
    NoProgress { written: usize, total: usize },
    #[error("cannot connect to printer at {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    #[error("cannot open printer device {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("printer I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("printer refused the data: {0}")]
    Refused(String),
    #[error("printer sent no status reply to DLE EOT {0}")]
    NoStatusReply(u8),
    #[error("printer sent an invalid status reply: {0}")]
    BadStatus(#[from] StatusError),
}

/// A byte pipe to one printer.
pub trait PrinterTransport: Send {
    /// Writes some of `buf`; returns how many bytes were accepted.
    fn write(&mut self, buf: &[u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Reads what the printer sent; `Ok(0)` or `Err(Timeout)` = nothing.
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError>;
    /// Human-readable description ("tcp 192.0.2.5:9100", "/dev/usb/lp0").
    fn describe(&self) -> String;
}

/// Writes all of `data` in chunks of `chunk` bytes (0 = [`DEFAULT_CHUNK`]),
/// looping on short writes. Fails after [`MAX_NO_PROGRESS`] consecutive
/// writes that accepted nothing, or on the first transport error.
pub fn write_all_chunked(
    t: &mut dyn PrinterTransport,
    data: &[u8],
    chunk: usize,
) -> Result<(), TransportError> {
    let chunk = if chunk == 0 { DEFAULT_CHUNK } else { chunk };
    let mut written = 0;
    let mut stalls = 0;
    while written < data.len() {
        let end = (written + chunk).min(data.len());
        let n = t.write(&data[written..end], WRITE_TIMEOUT)?;
        if n == 0 {
            stalls += 1;
            if stalls >= MAX_NO_PROGRESS {
                return Err(TransportError::NoProgress {
                    written,
                    total: data.len(),
                });
            }
            continue;
        }
        stalls = 0;
        // A transport claiming more than it was given is a bug; clamp so we
        // never skip or repeat bytes.
        written += n.min(end - written);
    }
    Ok(())
}

/// Discards bytes the printer sent earlier (stale replies, ASB messages).
pub fn drain(t: &mut dyn PrinterTransport) {
    let mut buf = [0u8; 64];
    // Bounded: at most 16 reads of 64 bytes.
    for _ in 0..16 {
        match t.read(&mut buf, DRAIN_TIMEOUT) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}

/// Reads one reply byte to a DLE EOT query.
fn read_reply(t: &mut dyn PrinterTransport, n: u8) -> Result<u8, TransportError> {
    let mut buf = [0u8; 64];
    let deadline = Instant::now() + STATUS_TIMEOUT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransportError::NoStatusReply(n));
        }
        match t.read(&mut buf, left) {
            // Several bytes at once: the last one is the freshest reply.
            Ok(k) if k > 0 => return Ok(buf[k.min(buf.len()) - 1]),
            Ok(_) => std::thread::sleep(Duration::from_millis(5).min(left)),
            Err(TransportError::Timeout(_)) => return Err(TransportError::NoStatusReply(n)),
            Err(e) => return Err(e),
        }
    }
}

/// Asks the printer for its status: drains stale bytes, then sends
/// `10 04 01`, `10 04 02`, `10 04 04` one at a time and reads each reply.
///
/// Returns `Err(NoStatusReply(1))` if the printer doesn't answer at all
/// (one-way printers, `usblp` on protocol 1): callers show "unknown". If it
/// answers n = 1 but not a later query, the partial status is returned.
pub fn query_status(t: &mut dyn PrinterTransport) -> Result<PrinterStatus, TransportError> {
    drain(t);
    let mut status = PrinterStatus::unknown();
    for n in STATUS_QUERIES {
        write_all_chunked(t, &[0x10, 0x04, n], DEFAULT_CHUNK)?;
        match read_reply(t, n) {
            Ok(byte) => status.apply(parse_status(n, byte)?),
            Err(TransportError::NoStatusReply(_)) if n != STATUS_QUERIES[0] => break,
            Err(e) => return Err(e),
        }
    }
    Ok(status)
}

// ---------------------------------------------------------------------------
// TCP 9100
// ---------------------------------------------------------------------------

/// Raw TCP ("JetDirect", port 9100). DLE EOT replies come back on the same
/// socket (unconfirmed on real hardware).
#[derive(Debug)]
pub struct TcpTransport {
    stream: TcpStream,
    peer: SocketAddr,
}

impl TcpTransport {
    /// Connects to `addr` (`"host:port"`, e.g. `"192.0.2.5:9100"`), trying
    /// every resolved address with `connect_timeout`.
    pub fn connect(addr: &str, connect_timeout: Duration) -> Result<Self, TransportError> {
        let conn_err = |source| TransportError::Connect {
            addr: addr.to_string(),
            source,
        };
        let addrs: Vec<SocketAddr> = addr.to_socket_addrs().map_err(conn_err)?.collect();
        let mut last = std::io::Error::new(ErrorKind::NotFound, "address resolved to nothing");
        for a in addrs {
            match TcpStream::connect_timeout(&a, nonzero(connect_timeout)) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(TcpTransport { stream, peer: a });
                }
                Err(e) => last = e,
            }
        }
        Err(conn_err(last))
    }

    pub fn peer(&self) -> SocketAddr {
        self.peer
    }
}

/// std rejects a zero timeout; use 1 ms instead.
fn nonzero(d: Duration) -> Duration {
    d.max(Duration::from_millis(1))
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn is_disconnect(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::BrokenPipe
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
            | ErrorKind::NotConnected
            | ErrorKind::UnexpectedEof
    ) || e.raw_os_error() == Some(19) // ENODEV: USB printer unplugged
}

fn map_io(e: std::io::Error, timeout: Duration, what: &str) -> TransportError {
    if is_timeout(&e) {
        TransportError::Timeout(timeout)
    } else if is_disconnect(&e) {
        TransportError::Disconnected(format!("{what}: {e}"))
    } else {
        TransportError::Io(e)
    }
}

impl PrinterTransport for TcpTransport {
    fn write(&mut self, buf: &[u8], timeout: Duration) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.stream.set_write_timeout(Some(nonzero(timeout)))?;
        match self.stream.write(buf) {
            Ok(0) => Err(TransportError::Disconnected(format!(
                "tcp {}: connection closed",
                self.peer
            ))),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(map_io(e, timeout, &format!("tcp {}", self.peer))),
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.stream.set_read_timeout(Some(nonzero(timeout)))?;
        match self.stream.read(buf) {
            Ok(0) => Err(TransportError::Disconnected(format!(
                "tcp {}: connection closed by printer",
                self.peer
            ))),
            Ok(n) => Ok(n),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(0),
            Err(e) => Err(map_io(e, timeout, &format!("tcp {}", self.peer))),
        }
    }

    fn describe(&self) -> String {
        format!("tcp {}", self.peer)
    }
}

// ---------------------------------------------------------------------------
// Device file (/dev/usb/lpN)
// ---------------------------------------------------------------------------

/// `O_NONBLOCK` on the Linux architectures where it is 0o4000 (we don't
/// depend on `libc` for one constant). Elsewhere the file is blocking and
/// timeouts are not enforced.
#[cfg(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64"
    )
))]
const O_NONBLOCK: Option<i32> = Some(0o4000);
#[cfg(not(all(
    target_os = "linux",
    any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "arm",
        target_arch = "riscv64"
    )
)))]
const O_NONBLOCK: Option<i32> = None;

/// A printer through a character device such as `/dev/usb/lp0` (the kernel
/// `usblp` driver). Opened non-blocking and polled, so timeouts hold. Reads
/// only return data on bidirectional (protocol 2) printers.
#[derive(Debug)]
pub struct DeviceFileTransport {
    file: std::fs::File,
    path: PathBuf,
}

/// Poll interval while a non-blocking device is busy.
const POLL: Duration = Duration::from_millis(5);

impl DeviceFileTransport {
    pub fn open(path: impl AsRef<Path>) -> Result<Self, TransportError> {
        let path = path.as_ref().to_path_buf();
        let mut opts = std::fs::OpenOptions::new();
        opts.read(true).write(true);
        #[cfg(unix)]
        if let Some(flag) = O_NONBLOCK {
            use std::os::unix::fs::OpenOptionsExt;
            opts.custom_flags(flag);
        }
        let file = match opts.open(&path) {
            Ok(f) => f,
            // write-only nodes (or permissions allowing only writing)
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                let mut wo = std::fs::OpenOptions::new();
                wo.write(true);
                #[cfg(unix)]
                if let Some(flag) = O_NONBLOCK {
                    use std::os::unix::fs::OpenOptionsExt;
                    wo.custom_flags(flag);
                }
                wo.open(&path).map_err(|_| TransportError::Open {
                    path: path.clone(),
                    source: e,
                })?
            }
            Err(e) => return Err(TransportError::Open { path, source: e }),
        };
        Ok(DeviceFileTransport { file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl PrinterTransport for DeviceFileTransport {
    fn write(&mut self, buf: &[u8], timeout: Duration) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.file.write(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(TransportError::Timeout(timeout));
                    }
                    std::thread::sleep(POLL);
                }
                Err(e) => return Err(map_io(e, timeout, &self.path.display().to_string())),
            }
        }
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        if buf.is_empty() {
            return Ok(0);
        }
        let deadline = Instant::now() + timeout;
        loop {
            match self.file.read(buf) {
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(TransportError::Timeout(timeout));
                    }
                    std::thread::sleep(POLL);
                }
                // Opened write-only: nothing can ever be read.
                Err(e) if e.raw_os_error() == Some(9) => return Ok(0), // EBADF
                Err(e) => return Err(map_io(e, timeout, &self.path.display().to_string())),
            }
        }
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::sim::{SimFaults, SimPrinter};
    use std::net::TcpListener;

    /// Accepts only `max` bytes per write and counts calls.
    struct Stingy {
        got: Vec<u8>,
        max: usize,
        calls: usize,
    }
    impl PrinterTransport for Stingy {
        fn write(&mut self, buf: &[u8], _: Duration) -> Result<usize, TransportError> {
            self.calls += 1;
            // alternate between 0 and max bytes to exercise the stall counter
            let n = if self.calls.is_multiple_of(3) {
                0
            } else {
                buf.len().min(self.max)
            };
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn read(&mut self, _: &mut [u8], t: Duration) -> Result<usize, TransportError> {
            Err(TransportError::Timeout(t))
        }
        fn describe(&self) -> String {
            "stingy".into()
        }
    }

    #[test]
    fn chunked_writer_delivers_every_byte_once() {
        let data: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for max in [1usize, 7, 100, 4095, 4096, 10_000] {
            let mut t = Stingy {
                got: Vec::new(),
                max,
                calls: 0,
            };
            write_all_chunked(&mut t, &data, 4096).unwrap();
            assert_eq!(t.got, data, "max {max}");
        }
        let mut t = Stingy {
            got: Vec::new(),
            max: 3,
            calls: 0,
        };
        write_all_chunked(&mut t, &data[..10], 0).unwrap();
        assert_eq!(t.got, &data[..10]);
    }

    #[test]
    fn chunked_writer_with_sim_short_writes() {
        let mut sim = SimPrinter::in_memory();
        sim.faults().lock().unwrap().short_write_max = Some(333);
        let data: Vec<u8> = (0..50_000u32).map(|i| (i % 256) as u8).collect();
        write_all_chunked(&mut sim, &data, 4096).unwrap();
        assert_eq!(sim.current_job(), &data[..]);
    }

    #[test]
    fn chunked_writer_fails_on_no_progress() {
        let mut sim = SimPrinter::in_memory();
        sim.faults().lock().unwrap().refuse_writes = true;
        let err = write_all_chunked(&mut sim, &[1, 2, 3], 4096).unwrap_err();
        assert!(
            matches!(
                err,
                TransportError::NoProgress {
                    written: 0,
                    total: 3
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn sim_vanishing_mid_job_is_an_error() {
        let mut sim = SimPrinter::in_memory();
        sim.faults().lock().unwrap().vanish_after_bytes = Some(10_000);
        let data = vec![0u8; 30_000];
        let err = write_all_chunked(&mut sim, &data, 4096).unwrap_err();
        assert!(matches!(err, TransportError::Disconnected(_)), "{err}");
        assert_eq!(sim.current_job().len(), 10_000);
        assert!(query_status(&mut sim).is_err());
    }

    #[test]
    fn status_through_sim() {
        let mut sim = SimPrinter::in_memory();
        let faults = sim.faults();
        let s = query_status(&mut sim).unwrap();
        assert_eq!(s.paper, crate::devices::printer::status::PaperState::Ok);
        assert_eq!(s.online, Some(true));
        faults.lock().unwrap().paper_out = true;
        let s = query_status(&mut sim).unwrap();
        assert_eq!(s.paper, crate::devices::printer::status::PaperState::Out);
        assert_eq!(s.online, Some(false));
        *faults.lock().unwrap() = SimFaults {
            cover_open: true,
            ..Default::default()
        };
        let s = query_status(&mut sim).unwrap();
        assert_eq!(s.cover_open, Some(true));
        *faults.lock().unwrap() = SimFaults {
            one_way: true,
            ..Default::default()
        };
        assert!(matches!(
            query_status(&mut sim),
            Err(TransportError::NoStatusReply(1))
        ));
    }

    #[test]
    fn tcp_delivers_bytes_and_answers_status() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 8192];
            loop {
                match s.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        got.extend_from_slice(&buf[..n]);
                        // answer DLE EOT queries as they come (healthy)
                        if got.ends_with(&[0x10, 0x04, 0x01])
                            || got.ends_with(&[0x10, 0x04, 0x02])
                            || got.ends_with(&[0x10, 0x04, 0x04])
                        {
                            s.write_all(&[0x12]).unwrap();
                        }
                    }
                    Err(_) => break,
                }
            }
            got
        });
        let mut t = TcpTransport::connect(&addr.to_string(), Duration::from_secs(2)).unwrap();
        assert_eq!(t.describe(), format!("tcp {addr}"));
        let status = query_status(&mut t).unwrap();
        assert!(status.is_ready());
        assert_eq!(status.online, Some(true));
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 200) as u8 + 0x20).collect();
        write_all_chunked(&mut t, &data, 4096).unwrap();
        drop(t);
        let got = server.join().unwrap();
        let mut expected = vec![0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x04];
        expected.extend_from_slice(&data);
        assert_eq!(got, expected);
    }

    #[test]
    fn tcp_closed_port_is_a_clear_error() {
        let port = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let addr = format!("127.0.0.1:{port}");
        let err = TcpTransport::connect(&addr, Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, TransportError::Connect { .. }));
        let msg = err.to_string();
        assert!(
            msg.contains(&addr) && msg.contains("cannot connect"),
            "{msg}"
        );
        assert!(
            TcpTransport::connect("no-such-host.invalid:9100", Duration::from_millis(200)).is_err()
        );
    }

    #[test]
    fn tcp_peer_closing_is_reported() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            drop(s);
        });
        let mut t = TcpTransport::connect(&addr.to_string(), Duration::from_secs(2)).unwrap();
        server.join().unwrap();
        let mut buf = [0u8; 4];
        assert!(matches!(
            t.read(&mut buf, Duration::from_millis(500)),
            Err(TransportError::Disconnected(_))
        ));
        // writing into a reset connection fails within a few attempts
        let data = vec![0u8; 1 << 20];
        assert!(write_all_chunked(&mut t, &data, 4096).is_err());
    }

    #[test]
    fn device_file_transport_writes_to_a_file() {
        let dir = std::env::temp_dir().join(format!("motcua-lp-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("lp0");
        std::fs::write(&path, b"").unwrap();
        let mut t = DeviceFileTransport::open(&path).unwrap();
        write_all_chunked(&mut t, b"\x1b\x40hello", 4096).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\x1b\x40hello");
        assert!(t.describe().ends_with("lp0"));
        let missing = DeviceFileTransport::open(dir.join("nope")).unwrap_err();
        assert!(missing.to_string().contains("nope"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
