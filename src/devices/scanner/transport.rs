//! eSCL transports: HTTP over TCP to a LAN scanner (or to the `ipp-usb` daemon's
//! loopback port), and HTTP over the bulk pipes of an IPP-over-USB interface.

use std::io::{self, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::client::EsclHttp;
use super::http1::{read_response, write_request, HttpError, Request, Response, CHUNK_ABOVE};

/// Where a scanner is, as an officer or the admin page writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EsclUrl {
    /// `host:port`
    pub authority: String,
    /// `/eSCL`
    pub base: String,
}

impl EsclUrl {
    /// `http://host[:port][/path]`; the path defaults to `/eSCL`. HTTPS is not spoken: LAN
    /// scanners also answer plain HTTP, and the appliance's LAN is the trust boundary.
    pub fn parse(url: &str) -> Result<EsclUrl, String> {
        let u = url.trim();
        let rest = u
            .strip_prefix("http://")
            .ok_or_else(|| "địa chỉ máy quét phải bắt đầu bằng http://".to_string())?;
        let (auth, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/eSCL"),
        };
        if auth.is_empty() || auth.contains(['@', ' ']) {
            return Err("thiếu tên máy hoặc địa chỉ IP".into());
        }
        let authority = if auth
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            auth.to_string()
        } else {
            format!("{auth}:80")
        };
        let base = path.trim_end_matches('/');
        let base = if base.is_empty() { "/eSCL" } else { base };
        Ok(EsclUrl {
            authority,
            base: base.to_string(),
        })
    }
}

/// HTTP over TCP, one connection per exchange (scanners drop idle keep-alive connections
/// at will; a fresh connection per request is what survives that).
pub struct TcpEscl {
    url: EsclUrl,
    timeout: Duration,
}

impl TcpEscl {
    pub fn new(url: EsclUrl) -> Self {
        TcpEscl {
            url,
            timeout: Duration::from_secs(30),
        }
    }
}

impl EsclHttp for TcpEscl {
    fn round_trip(&mut self, mut req: Request) -> Result<Response, HttpError> {
        let addr = self
            .url
            .authority
            .to_socket_addrs()?
            .next()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "không tìm thấy địa chỉ"))?;
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        s.set_read_timeout(Some(self.timeout))?;
        s.set_write_timeout(Some(self.timeout))?;
        req.headers.push(("Connection".into(), "close".into()));
        let mut w = s.try_clone()?;
        write_request(&mut w, &req, &self.url.authority)?;
        let mut r = BufReader::with_capacity(64 * 1024, s);
        read_response(&mut r, req.method == "HEAD")
    }
    fn base(&self) -> &str {
        &self.url.base
    }
}

// ---------------------------------------------------------------------------------------
// IPP over USB.
// ---------------------------------------------------------------------------------------

/// The bulk OUT/IN endpoint pair of one IPP-over-USB interface (class 7/1/4). The real one
/// wraps a claimed `rusb` interface; tests use [`SimUsbPipe`]. Both follow rusb's timeout
/// rule: `Ok(n)` when some bytes moved, `Err(TimedOut)` when none did.
pub trait BulkPipe: Send {
    fn write_bulk(&mut self, data: &[u8], timeout: Duration) -> io::Result<usize>;
    fn read_bulk(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize>;
}

/// Reads at most this much per bulk transfer, in 1024-byte multiples.
const USB_READ: usize = 16 * 1024;

/// `Read + Write` over a bulk pipe with the IPP-USB rules: reads of at most 16 KiB in
/// 1024-aligned buffers, zero-length reads retried with a growing pause (10 ms → 1 s)
/// until `idle_limit`, writes continued after short transfers.
pub struct UsbStream<P: BulkPipe> {
    pipe: P,
    timeout: Duration,
    /// Total pause allowed while the device sends nothing.
    pub idle_limit: Duration,
    /// Pauses between empty reads; zero in tests.
    pub backoff_start: Duration,
}

impl<P: BulkPipe> UsbStream<P> {
    pub fn new(pipe: P) -> Self {
        UsbStream {
            pipe,
            timeout: Duration::from_secs(5),
            idle_limit: Duration::from_secs(30),
            backoff_start: Duration::from_millis(10),
        }
    }
}

impl<P: BulkPipe> Read for UsbStream<P> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(USB_READ);
        // A short caller buffer: read a whole aligned transfer into ours would need a
        // buffer; BufReader always hands us ≥ 1024 bytes, so just align down.
        let want = if want >= 1024 {
            want - want % 1024
        } else {
            want
        };
        let mut waited = Duration::ZERO;
        let mut pause = self.backoff_start;
        let mut empty_reads = 0u32;
        loop {
            match self.pipe.read_bulk(&mut buf[..want], self.timeout) {
                Ok(0) => {}
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => waited += self.timeout,
                Err(e) => return Err(e),
            }
            empty_reads += 1;
            if waited >= self.idle_limit || (pause.is_zero() && empty_reads > 10_000) {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "máy quét USB không trả lời",
                ));
            }
            if !pause.is_zero() {
                std::thread::sleep(pause);
                waited += pause;
                pause = (pause * 2).min(Duration::from_secs(1));
            }
        }
    }
}

impl<P: BulkPipe> Write for UsbStream<P> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.pipe.write_bulk(data, self.timeout)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "máy quét USB không nhận dữ liệu",
            ));
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// eSCL over one IPP-over-USB interface: a persistent HTTP/1.1 connection, `Host:
/// localhost`, no `Connection: close`, every response read to its end.
pub struct IppUsbEscl<P: BulkPipe> {
    stream: BufReader<UsbStream<P>>,
}

impl<P: BulkPipe> IppUsbEscl<P> {
    pub fn new(stream: UsbStream<P>) -> Self {
        IppUsbEscl {
            stream: BufReader::with_capacity(USB_READ, stream),
        }
    }
}

impl<P: BulkPipe> EsclHttp for IppUsbEscl<P> {
    fn round_trip(&mut self, req: Request) -> Result<Response, HttpError> {
        write_request(self.stream.get_mut(), &req, "localhost")?;
        read_response(&mut self.stream, req.method == "HEAD")
    }
    fn base(&self) -> &str {
        "/eSCL"
    }
}

/// A simulated IPP-over-USB interface: the device side parses the HTTP that arrives on
/// the OUT endpoint, answers through the simulated scanner, and queues the response
/// (chunked above 16 KiB, as devices do) for the IN endpoint. Transfers are cut at the
/// packet size, and `stall_reads` empty reads are injected to exercise the retry rule.
pub struct SimUsbPipe {
    sim: super::sim::SharedSim,
    inbox: Vec<u8>,
    outbox: std::collections::VecDeque<u8>,
    /// Max bytes per transfer (512 = USB 2.0 high-speed bulk packet).
    pub packet: usize,
    /// Empty reads to return before each response's first bytes.
    pub stall_reads: u32,
    stalls_left: u32,
    /// Bytes carried OUT and IN, for tests.
    pub bytes_out: usize,
    pub bytes_in: usize,
}

impl SimUsbPipe {
    pub fn new(sim: super::sim::SharedSim) -> Self {
        SimUsbPipe {
            sim,
            inbox: Vec::new(),
            outbox: Default::default(),
            packet: 512,
            stall_reads: 0,
            stalls_left: 0,
            bytes_out: 0,
            bytes_in: 0,
        }
    }

    fn serve_pending(&mut self) -> io::Result<()> {
        loop {
            let mut rest: &[u8] = &self.inbox;
            let req = match super::http1::read_request(&mut rest) {
                Ok(Some(req)) => req,
                // Incomplete: wait for more OUT transfers.
                Ok(None) | Err(HttpError::Truncated) => return Ok(()),
                Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
            };
            let used = self.inbox.len() - rest.len();
            self.inbox.drain(..used);
            let resp = self
                .sim
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .handle(&req);
            let mut wire = Vec::new();
            super::http1::write_response(&mut wire, &resp, Some(CHUNK_ABOVE))?;
            self.outbox.extend(wire);
            self.stalls_left = self.stall_reads;
        }
    }
}

impl BulkPipe for SimUsbPipe {
    fn write_bulk(&mut self, data: &[u8], _timeout: Duration) -> io::Result<usize> {
        let n = data.len().min(self.packet * 64);
        self.inbox.extend_from_slice(&data[..n]);
        self.bytes_out += n;
        self.serve_pending()?;
        Ok(n)
    }
    fn read_bulk(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        if self.outbox.is_empty() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "nothing to read"));
        }
        if self.stalls_left > 0 {
            self.stalls_left -= 1;
            return Ok(0);
        }
        let n = buf.len().min(self.outbox.len()).min(self.packet * 32);
        for (i, b) in self.outbox.drain(..n).enumerate() {
            buf[i] = b;
        }
        self.bytes_in += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::scanner::client::EsclClient;
    use crate::devices::scanner::escl::{ColorMode, InputSource, ScanSettings};
    use crate::devices::scanner::sim::{SimScanner, SimScannerConfig};
    use std::sync::atomic::AtomicBool;

    #[test]
    fn urls() {
        let u = EsclUrl::parse("http://192.168.1.20").unwrap();
        assert_eq!(
            (u.authority.as_str(), u.base.as_str()),
            ("192.168.1.20:80", "/eSCL")
        );
        let u = EsclUrl::parse("http://127.0.0.1:60000/eSCL/").unwrap();
        assert_eq!(
            (u.authority.as_str(), u.base.as_str()),
            ("127.0.0.1:60000", "/eSCL")
        );
        assert!(EsclUrl::parse("https://x").is_err());
        assert!(EsclUrl::parse("http:///eSCL").is_err());
    }

    #[test]
    fn scan_over_simulated_ipp_usb_pipes() {
        let sim = SimScanner::shared(SimScannerConfig {
            feeder_sheets: 3,
            ..Default::default()
        });
        let mut pipe = SimUsbPipe::new(sim.clone());
        pipe.stall_reads = 3;
        let mut stream = UsbStream::new(pipe);
        stream.backoff_start = Duration::ZERO;
        let mut c = EsclClient::new(IppUsbEscl::new(stream));
        c.retry_delay = Duration::ZERO;
        let caps = c.capabilities().unwrap();
        let mut s = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 100);
        s.fit_to(&caps).unwrap();
        let mut sizes = Vec::new();
        let n = c
            .scan(&s, &AtomicBool::new(false), &mut |p| {
                sizes.push(p.bytes.len())
            })
            .unwrap();
        assert_eq!(n, 3);
        // Pages are far above 16 KiB: they came chunked, across many transfers.
        assert!(sizes.iter().all(|s| *s > CHUNK_ABOVE), "{sizes:?}");
        // Every request reached the device with Host: localhost and nothing was left over.
        let reqs = sim.lock().unwrap().requests.clone();
        assert_eq!(
            reqs.iter().filter(|r| r.ends_with("/NextDocument")).count(),
            4
        );
        // A second exchange on the same pipe works: nothing was left in it.
        assert!(c.status().is_ok());
    }

    #[test]
    fn a_silent_device_times_out() {
        struct Dead;
        impl BulkPipe for Dead {
            fn write_bulk(&mut self, d: &[u8], _: Duration) -> io::Result<usize> {
                Ok(d.len())
            }
            fn read_bulk(&mut self, _: &mut [u8], _: Duration) -> io::Result<usize> {
                Ok(0)
            }
        }
        let mut stream = UsbStream::new(Dead);
        stream.backoff_start = Duration::ZERO;
        let mut c = EsclClient::new(IppUsbEscl::new(stream));
        assert!(c.capabilities().is_err());
    }
}
