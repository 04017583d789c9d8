//! HTTP/1.1 message framing over any byte stream: a TCP socket to a LAN scanner, or the
//! bulk pipes of an IPP-over-USB interface, which carry plain HTTP/1.1 with no socket
//! underneath (HARDWARE.md §5.2). One exchange at a time; every message is read to its end
//! so nothing is left in the pipe to poison the next exchange. `httparse` parses heads and
//! chunk sizes; this module only decides where bodies end and caps their size.

use std::io::{self, BufRead, Read, Write};

/// Response heads are small; a longer one is garbage.
pub const MAX_HEAD: usize = 16 * 1024;
/// One scanned page (or a whole PDF) — generous for 600 dpi colour JPEGs.
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// IPP-USB: bodies above this go chunked (HARDWARE.md §5.2).
pub const CHUNK_ABOVE: usize = 16 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn new(method: &str, path: &str) -> Request {
        Request {
            method: method.into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    pub fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Request {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.body = body;
        self
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    pub fn with_body(mut self, content_type: &str, body: Vec<u8>) -> Response {
        self.headers
            .push(("Content-Type".into(), content_type.into()));
        self.body = body;
        self
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("mất kết nối với máy quét: {0}")]
    Io(#[from] io::Error),
    #[error("máy quét trả lời sai giao thức HTTP: {0}")]
    Malformed(&'static str),
    #[error("dữ liệu từ máy quét quá lớn")]
    TooLarge,
    #[error("kết nối đóng giữa chừng")]
    Truncated,
}

/// Writes a request. `Host` is set by the caller's transport; a request body is always
/// sent with Content-Length (scan settings are a few hundred bytes).
pub fn write_request<W: Write>(w: &mut W, req: &Request, host: &str) -> io::Result<()> {
    let mut head = format!("{} {} HTTP/1.1\r\nHost: {host}\r\n", req.method, req.path);
    for (k, v) in &req.headers {
        if !k.eq_ignore_ascii_case("host") && !k.eq_ignore_ascii_case("content-length") {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if !req.body.is_empty() || matches!(req.method.as_str(), "POST" | "PUT") {
        head.push_str(&format!("Content-Length: {}\r\n", req.body.len()));
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes())?;
    w.write_all(&req.body)?;
    w.flush()
}

/// Writes a response; bodies above `chunk_above` bytes go chunked.
pub fn write_response<W: Write>(
    w: &mut W,
    resp: &Response,
    chunk_above: Option<usize>,
) -> io::Result<()> {
    let reason = match resp.status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
    let chunked = chunk_above.is_some_and(|n| resp.body.len() > n);
    let mut head = format!("HTTP/1.1 {} {reason}\r\n", resp.status);
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if chunked {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
        w.write_all(head.as_bytes())?;
        for c in resp.body.chunks(CHUNK_ABOVE) {
            w.write_all(format!("{:x}\r\n", c.len()).as_bytes())?;
            w.write_all(c)?;
            w.write_all(b"\r\n")?;
        }
        w.write_all(b"0\r\n\r\n")?;
    } else {
        head.push_str(&format!("Content-Length: {}\r\n\r\n", resp.body.len()));
        w.write_all(head.as_bytes())?;
        w.write_all(&resp.body)?;
    }
    w.flush()
}

/// Reads bytes up to and including the blank line that ends a head. `Ok(None)` when the
/// stream ended cleanly before the first byte.
fn read_head<R: BufRead>(r: &mut R) -> Result<Option<Vec<u8>>, HttpError> {
    let mut head = Vec::with_capacity(512);
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return if head.is_empty() {
                Ok(None)
            } else {
                Err(HttpError::Truncated)
            };
        }
        // Consume up to the end of the head, byte-exact, so the body stays in the reader.
        let mut used = 0;
        let mut done = false;
        for &b in buf {
            head.push(b);
            used += 1;
            if head.ends_with(b"\r\n\r\n") {
                done = true;
                break;
            }
        }
        r.consume(used);
        if done {
            return Ok(Some(head));
        }
        if head.len() > MAX_HEAD {
            return Err(HttpError::TooLarge);
        }
    }
}

fn headers_of(raw: &[httparse::Header]) -> Vec<(String, String)> {
    raw.iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).trim().to_string(),
            )
        })
        .collect()
}

enum BodyLen {
    None,
    Fixed(usize),
    Chunked,
    UntilClose,
}

fn body_len(headers: &[(String, String)], default: BodyLen) -> Result<BodyLen, HttpError> {
    if find(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        return Ok(BodyLen::Chunked);
    }
    match find(headers, "content-length") {
        Some(v) => {
            let n: usize = v
                .parse()
                .map_err(|_| HttpError::Malformed("Content-Length"))?;
            if n > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
            Ok(BodyLen::Fixed(n))
        }
        None => Ok(default),
    }
}

fn read_body<R: BufRead>(r: &mut R, len: BodyLen) -> Result<Vec<u8>, HttpError> {
    match len {
        BodyLen::None => Ok(Vec::new()),
        BodyLen::Fixed(n) => {
            let mut body = vec![0u8; n];
            r.read_exact(&mut body).map_err(|e| match e.kind() {
                io::ErrorKind::UnexpectedEof => HttpError::Truncated,
                _ => HttpError::Io(e),
            })?;
            Ok(body)
        }
        BodyLen::UntilClose => {
            let mut body = Vec::new();
            let mut limited = r.by_ref().take(MAX_BODY as u64 + 1);
            io::Read::read_to_end(&mut limited, &mut body)?;
            if body.len() > MAX_BODY {
                return Err(HttpError::TooLarge);
            }
            Ok(body)
        }
        BodyLen::Chunked => {
            let mut body = Vec::new();
            loop {
                let mut line = Vec::new();
                read_line(r, &mut line)?;
                let size = match httparse::parse_chunk_size(&line) {
                    Ok(httparse::Status::Complete((_, n))) => n,
                    _ => return Err(HttpError::Malformed("chunk size")),
                };
                if size == 0 {
                    // Trailers (rare) up to the blank line.
                    loop {
                        let mut t = Vec::new();
                        read_line(r, &mut t)?;
                        if t == b"\r\n" || t == b"\n" {
                            return Ok(body);
                        }
                    }
                }
                if body.len() as u64 + size > MAX_BODY as u64 {
                    return Err(HttpError::TooLarge);
                }
                let start = body.len();
                body.resize(start + size as usize, 0);
                r.read_exact(&mut body[start..])
                    .map_err(|e| match e.kind() {
                        io::ErrorKind::UnexpectedEof => HttpError::Truncated,
                        _ => HttpError::Io(e),
                    })?;
                let mut crlf = Vec::new();
                read_line(r, &mut crlf)?;
                if crlf != b"\r\n" && crlf != b"\n" {
                    return Err(HttpError::Malformed("chunk end"));
                }
            }
        }
    }
}

fn read_line<R: BufRead>(r: &mut R, out: &mut Vec<u8>) -> Result<(), HttpError> {
    let mut limited = r.by_ref().take(1024);
    let n = limited.read_until(b'\n', out)?;
    if n == 0 || !out.ends_with(b"\n") {
        return Err(HttpError::Truncated);
    }
    Ok(())
}

/// Reads one whole response. `head_only`: the request was HEAD (no body follows).
pub fn read_response<R: BufRead>(r: &mut R, head_only: bool) -> Result<Response, HttpError> {
    loop {
        let head = read_head(r)?.ok_or(HttpError::Truncated)?;
        let mut hs = [httparse::EMPTY_HEADER; 64];
        let mut p = httparse::Response::new(&mut hs);
        match p.parse(&head) {
            Ok(httparse::Status::Complete(_)) => {}
            _ => return Err(HttpError::Malformed("status line")),
        }
        let status = p.code.ok_or(HttpError::Malformed("status"))?;
        let headers = headers_of(p.headers);
        if (100..200).contains(&status) {
            continue; // 100 Continue and friends: the real answer follows.
        }
        let len = if head_only || status == 204 || status == 304 {
            BodyLen::None
        } else {
            body_len(&headers, BodyLen::UntilClose)?
        };
        let body = read_body(r, len)?;
        return Ok(Response {
            status,
            headers,
            body,
        });
    }
}

/// Reads one whole request (the simulated scanner's side). `Ok(None)` at a clean end of
/// the stream between requests.
pub fn read_request<R: BufRead>(r: &mut R) -> Result<Option<Request>, HttpError> {
    let Some(head) = read_head(r)? else {
        return Ok(None);
    };
    let mut hs = [httparse::EMPTY_HEADER; 64];
    let mut p = httparse::Request::new(&mut hs);
    match p.parse(&head) {
        Ok(httparse::Status::Complete(_)) => {}
        _ => return Err(HttpError::Malformed("request line")),
    }
    let method = p.method.ok_or(HttpError::Malformed("method"))?.to_string();
    let path = p.path.ok_or(HttpError::Malformed("path"))?.to_string();
    let headers = headers_of(p.headers);
    let len = body_len(&headers, BodyLen::None)?;
    let body = read_body(r, len)?;
    Ok(Some(Request {
        method,
        path,
        headers,
        body,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    #[test]
    fn responses_round_trip_fixed_and_chunked() {
        for (size, chunk) in [
            (0, None),
            (10, None),
            (40_000, Some(CHUNK_ABOVE)),
            (5, Some(CHUNK_ABOVE)),
        ] {
            let body: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            let resp = Response::new(200).with_body("image/jpeg", body.clone());
            let mut wire = Vec::new();
            write_response(&mut wire, &resp, chunk).unwrap();
            // Two messages back to back: the first must end exactly where it should.
            write_response(&mut wire, &Response::new(404), None).unwrap();
            let mut r = BufReader::with_capacity(1024, wire.as_slice());
            let a = read_response(&mut r, false).unwrap();
            assert_eq!((a.status, a.body.len()), (200, size));
            assert_eq!(a.body, body);
            assert_eq!(read_response(&mut r, false).unwrap().status, 404);
        }
    }

    #[test]
    fn requests_round_trip() {
        let req = Request::new("POST", "/eSCL/ScanJobs").with_body("text/xml", b"<x/>".to_vec());
        let mut wire = Vec::new();
        write_request(&mut wire, &req, "localhost").unwrap();
        write_request(
            &mut wire,
            &Request::new("GET", "/eSCL/ScannerStatus"),
            "localhost",
        )
        .unwrap();
        let mut r = BufReader::new(wire.as_slice());
        let a = read_request(&mut r).unwrap().unwrap();
        assert_eq!(
            (a.method.as_str(), a.body.as_slice()),
            ("POST", b"<x/>".as_slice())
        );
        assert_eq!(a.header("host"), Some("localhost"));
        let b = read_request(&mut r).unwrap().unwrap();
        assert_eq!(b.path, "/eSCL/ScannerStatus");
        assert!(read_request(&mut r).unwrap().is_none());
    }

    #[test]
    fn broken_streams_are_errors() {
        let cases: &[&[u8]] = &[
            b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\nContent-Le",
            b"NOT HTTP AT ALL\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",
            b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            b"",
        ];
        for c in cases {
            let mut r = BufReader::new(*c);
            assert!(
                read_response(&mut r, false).is_err(),
                "{:?}",
                String::from_utf8_lossy(c)
            );
        }
        let endless = vec![b'a'; MAX_HEAD + 10];
        assert!(matches!(
            read_response(&mut BufReader::new(endless.as_slice()), false),
            Err(HttpError::TooLarge)
        ));
        // 100 Continue is skipped; a close-delimited body is read to the end.
        let mut r =
            BufReader::new(&b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nall of it"[..]);
        assert_eq!(read_response(&mut r, false).unwrap().body, b"all of it");
    }

    mod fuzz {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

            /// Whatever a device sends, reading it ends with a response or an error.
            #[test]
            fn arbitrary_streams(head in "HTTP/1\\.[01] [0-9]{3} [A-Za-z ]{0,10}\r\n((Content-Length: [0-9]{1,4}|Transfer-Encoding: chunked|X: y)\r\n){0,3}\r\n", body in proptest::collection::vec(any::<u8>(), 0..600)) {
                let mut wire = head.into_bytes();
                wire.extend_from_slice(&body);
                let _ = read_response(&mut BufReader::new(wire.as_slice()), false);
                let _ = read_request(&mut BufReader::new(wire.as_slice()));
            }

            #[test]
            fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
                let _ = read_response(&mut BufReader::new(bytes.as_slice()), false);
                let _ = read_request(&mut BufReader::new(bytes.as_slice()));
            }
        }
    }
}
