//! The simulated eSCL scanner: a faithful device state machine (capabilities, status,
//! jobs, NextDocument, 503 while warming up, a feeder that runs out or jams) that returns
//! generated JPEG pages with the job's settings and the page number printed on them. It
//! is served over real HTTP by `motcua sim scanner` and by the demo, and over simulated
//! USB bulk pipes in the IPP-over-USB tests. Real eSCL clients (sane-airscan's
//! `scanimage`) scan from it; that is how we know it is faithful.
//!
//! Besides eSCL it answers a small control API for tests and demos:
//! `POST /sim/load?sheets=N` (put paper in the feeder), `POST /sim/jam?after=N`,
//! `POST /sim/warmup?n=N` (the next N job requests get 503), `POST /sim/state?s=Stopped`.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use super::escl::{
    AdfState, Capabilities, ColorMode, InputSource, JobInfo, ScanSettings, ScannerState,
    ScannerStatus, SourceCaps,
};
use super::http1::{read_request, write_response, Request, Response};
use crate::render::bitmap::{Align, Canvas, TextStyle, Weight};

#[derive(Debug, Clone)]
pub struct SimScannerConfig {
    pub make_and_model: String,
    /// Sheets in the feeder at start.
    pub feeder_sheets: u32,
    /// Reload the feeder with `feeder_sheets` when a feeder job finds it empty (the demo:
    /// every feeder scan works; tests turn it off to see an empty feeder).
    pub auto_reload: bool,
    /// The first N job requests answer 503 (warming up).
    pub warmup: u32,
    /// Jam after this many feeder pages of the next job.
    pub jam_after: Option<u32>,
}

impl Default for SimScannerConfig {
    fn default() -> Self {
        SimScannerConfig {
            make_and_model: "motcua Máy quét mô phỏng eSCL".into(),
            feeder_sheets: 3,
            auto_reload: true,
            warmup: 0,
            jam_after: None,
        }
    }
}

#[derive(Debug)]
struct SimJob {
    settings: ScanSettings,
    /// Pages handed out so far.
    done: u32,
    /// Pages this job will give (glass: 1; feeder: the stack, twice when duplex).
    total: u32,
    state: &'static str,
}

/// The device. Shared behind a mutex by the HTTP server threads.
#[derive(Debug)]
pub struct SimScanner {
    cfg: SimScannerConfig,
    caps: Capabilities,
    state: ScannerState,
    sheets: u32,
    warmup_left: u32,
    jam_after: Option<u32>,
    jammed: bool,
    jobs: BTreeMap<u32, SimJob>,
    next_job: u32,
    /// Every request line seen (method and path), for tests.
    pub requests: Vec<String>,
}

pub type SharedSim = Arc<Mutex<SimScanner>>;

impl SimScanner {
    pub fn new(cfg: SimScannerConfig) -> SimScanner {
        let src = SourceCaps {
            min_width: 16,
            max_width: 2550,
            min_height: 16,
            max_height: 4200,
            color_modes: vec![ColorMode::Bw, ColorMode::Gray, ColorMode::Color],
            formats: vec!["image/jpeg".into()],
            resolutions: vec![75, 100, 150, 200, 300],
        };
        SimScanner {
            caps: Capabilities {
                make_and_model: cfg.make_and_model.clone(),
                uuid: Some("4d6f7463-7561-5369-6d53-63616e6e6572".into()),
                platen: Some(src.clone()),
                feeder: Some(src),
                duplex: true,
            },
            state: ScannerState::Idle,
            sheets: cfg.feeder_sheets,
            warmup_left: cfg.warmup,
            jam_after: cfg.jam_after,
            jammed: false,
            jobs: BTreeMap::new(),
            next_job: 1,
            requests: Vec::new(),
            cfg,
        }
    }

    pub fn shared(cfg: SimScannerConfig) -> SharedSim {
        Arc::new(Mutex::new(SimScanner::new(cfg)))
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn adf_state(&self) -> AdfState {
        if self.jammed {
            AdfState::Jam
        } else if self.sheets > 0 || self.cfg.auto_reload {
            AdfState::Loaded
        } else {
            AdfState::Empty
        }
    }

    fn status(&self) -> ScannerStatus {
        let state = if self.state != ScannerState::Idle {
            self.state
        } else if self.warmup_left > 0 {
            // Still "warming up": clients may go ahead and get 503 on the job request.
            ScannerState::Idle
        } else if self.jobs.values().any(|j| j.state == "Processing") {
            ScannerState::Processing
        } else {
            ScannerState::Idle
        };
        ScannerStatus {
            state,
            adf: Some(self.adf_state()),
            jobs: self
                .jobs
                .iter()
                .rev()
                .take(5)
                .map(|(id, j)| JobInfo {
                    uri: format!("/eSCL/ScanJobs/{id}"),
                    state: j.state.into(),
                    images_completed: j.done,
                })
                .collect(),
        }
    }

    /// Answers one request. Pure apart from the page rendering: easy to drive from tests
    /// over any transport.
    pub fn handle(&mut self, req: &Request) -> Response {
        self.requests.push(format!("{} {}", req.method, req.path));
        let (path, query) = req.path.split_once('?').unwrap_or((req.path.as_str(), ""));
        let xml = |body: String| Response::new(200).with_body("text/xml", body.into_bytes());
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (req.method.as_str(), segs.as_slice()) {
            ("GET", ["eSCL", "ScannerCapabilities"]) => xml(self.caps.to_xml()),
            ("GET", ["eSCL", "ScannerStatus"]) => xml(self.status().to_xml()),
            ("POST", ["eSCL", "ScanJobs"]) => self.create_job(req),
            ("GET", ["eSCL", "ScanJobs", id, "NextDocument"]) => match id.parse::<u32>() {
                Ok(id) => self.next_document(id),
                Err(_) => Response::new(404),
            },
            ("GET", ["eSCL", "ScanJobs", _id, "ScanImageInfo"]) => Response::new(404),
            ("DELETE", ["eSCL", "ScanJobs", id]) => {
                match id.parse::<u32>().ok().and_then(|id| self.jobs.get_mut(&id)) {
                    Some(j) => {
                        if j.state == "Processing" {
                            j.state = "Canceled";
                        }
                        Response::new(200)
                    }
                    None => Response::new(404),
                }
            }
            ("POST", ["sim", what]) => self.control(what, query),
            (_, ["eSCL", ..]) => Response::new(405),
            _ => Response::new(404),
        }
    }

    fn control(&mut self, what: &str, query: &str) -> Response {
        let arg = |k: &str| {
            query
                .split('&')
                .filter_map(|kv| kv.split_once('='))
                .find(|(key, _)| *key == k)
                .map(|(_, v)| v.to_string())
        };
        let n = |k: &str| arg(k).and_then(|v| v.parse::<u32>().ok());
        match what {
            "load" => {
                self.sheets = n("sheets").unwrap_or(self.cfg.feeder_sheets);
                self.jammed = false;
            }
            "jam" => self.jam_after = n("after"),
            "warmup" => self.warmup_left = n("n").unwrap_or(1),
            "state" => {
                self.state = match arg("s").as_deref() {
                    Some("Stopped") => ScannerState::Stopped,
                    Some("Down") => ScannerState::Down,
                    _ => ScannerState::Idle,
                }
            }
            _ => return Response::new(404),
        }
        Response::new(204)
    }

    fn create_job(&mut self, req: &Request) -> Response {
        if self.state != ScannerState::Idle {
            return Response::new(503);
        }
        if self.warmup_left > 0 {
            self.warmup_left -= 1;
            return Response::new(503);
        }
        let mut settings = match ScanSettings::parse(&req.body) {
            Ok(s) => s,
            Err(e) => {
                return Response::new(400).with_body("text/plain", e.to_string().into_bytes())
            }
        };
        if self.jobs.values().any(|j| j.state == "Processing") {
            return Response::new(503);
        }
        let Some(src) = self.caps.source(settings.source) else {
            return Response::new(409);
        };
        if !src.resolutions.contains(&settings.resolution)
            || !src.formats.contains(&settings.format)
            || settings.width > src.max_width
            || settings.height > src.max_height
        {
            return Response::new(400);
        }
        settings.duplex &= settings.source == InputSource::Feeder;
        let total = match settings.source {
            InputSource::Platen => 1,
            InputSource::Feeder => {
                if self.jammed {
                    return Response::new(409);
                }
                if self.sheets == 0 && self.cfg.auto_reload {
                    self.sheets = self.cfg.feeder_sheets.max(1);
                }
                if self.sheets == 0 {
                    return Response::new(409);
                }
                self.sheets * if settings.duplex { 2 } else { 1 }
            }
        };
        let id = self.next_job;
        self.next_job += 1;
        self.jobs.insert(
            id,
            SimJob {
                settings,
                done: 0,
                total,
                state: "Processing",
            },
        );
        // Keep the status document short.
        while self.jobs.len() > 20 {
            let first = *self.jobs.keys().next().unwrap_or(&id);
            self.jobs.remove(&first);
        }
        let host = req.header("host").unwrap_or("localhost");
        Response::new(201).with_header("Location", &format!("http://{host}/eSCL/ScanJobs/{id}"))
    }

    fn next_document(&mut self, id: u32) -> Response {
        let jam_after = self.jam_after;
        let Some(job) = self.jobs.get_mut(&id) else {
            return Response::new(404);
        };
        if job.state != "Processing" || job.done >= job.total {
            if job.state == "Processing" {
                job.state = "Completed";
            }
            return Response::new(404);
        }
        if job.settings.source == InputSource::Feeder {
            if jam_after == Some(job.done) {
                job.state = "Aborted";
                self.jammed = true;
                self.jam_after = None;
                return Response::new(500);
            }
            let back_side = job.settings.duplex && job.done % 2 == 1;
            if !back_side {
                self.sheets = self.sheets.saturating_sub(1);
            }
        }
        job.done += 1;
        let page = job.done;
        let settings = job.settings.clone();
        match render_page(&settings, id, page) {
            Ok(jpeg) => Response::new(200).with_body("image/jpeg", jpeg),
            Err(_) => Response::new(500),
        }
    }
}

/// A generated page: a framed sheet with the job's settings and the page number in large
/// type, a few grey "text lines", and in colour a red seal, so a person looking at the
/// result can tell pages, modes and resolutions apart.
pub fn render_page(
    s: &ScanSettings,
    job: u32,
    page: u32,
) -> Result<Vec<u8>, jpeg_encoder::EncodingError> {
    let (w, h) = s.pixels();
    let dpi = s.resolution as f32;
    let pt = |p: f32| (p * dpi / 72.0).max(8.0);
    let margin = (dpi * 0.6) as u32;
    let mut c = Canvas::new(w, margin);
    c.space(margin);
    c.text(
        "MÁY QUÉT MÔ PHỎNG — motcua",
        &TextStyle::new(pt(16.0), Weight::Bold, Align::Center),
    );
    c.space((dpi * 0.2) as u32);
    c.text(
        &format!("Trang {page}"),
        &TextStyle::new(pt(48.0), Weight::Bold, Align::Center),
    );
    c.space((dpi * 0.2) as u32);
    let line = format!(
        "Lệnh quét {job} · {} · {} · {} dpi{}",
        s.source.label_vi(),
        s.color.label_vi(),
        s.resolution,
        if s.duplex { " · hai mặt" } else { "" }
    );
    c.text(
        &line,
        &TextStyle::new(pt(12.0), Weight::Regular, Align::Center),
    );
    let text = c.finish();
    let (tw, th) = (text.width(), text.height().min(h));
    let bar_top = th + (dpi * 0.4) as u32;
    let line_h = (dpi * 0.25) as u32;
    let border = (dpi / 50.0).max(1.0) as u32;
    let ink = |x: u32, y: u32| -> bool {
        if x < tw && y < th && text.get(x, y) {
            return true;
        }
        let m = margin / 2;
        let on_frame = (x >= m && x < w - m && y >= m && y < h - m)
            && (x < m + border || x >= w - m - border || y < m + border || y >= h - m - border);
        if on_frame {
            return true;
        }
        // Grey "text lines" below the heading.
        y > bar_top
            && y < h.saturating_sub(margin * 2)
            && line_h > 0
            && (y - bar_top) % line_h < (line_h / 6).max(1)
            && x > margin
            && x < w - margin - ((y / line_h) % 5) * margin / 2
    };
    let seal = |x: u32, y: u32| -> bool {
        let (cx, cy, r) = (
            w as i64 - 2 * margin as i64,
            h as i64 - 2 * margin as i64,
            (dpi * 0.5) as i64,
        );
        let d2 = (x as i64 - cx).pow(2) + (y as i64 - cy).pow(2);
        d2 <= r * r && d2 >= (r - r / 6).pow(2)
    };
    let mut out = Vec::new();
    match s.color {
        ColorMode::Color => {
            let mut px = Vec::with_capacity((w * h * 3) as usize);
            for y in 0..h {
                for x in 0..w {
                    if seal(x, y) {
                        px.extend_from_slice(&[200, 30, 30]);
                    } else if ink(x, y) {
                        px.extend_from_slice(&[20, 20, 60]);
                    } else {
                        px.extend_from_slice(&[250, 248, 240]);
                    }
                }
            }
            jpeg_encoder::Encoder::new(&mut out, 80).encode(
                &px,
                w as u16,
                h as u16,
                jpeg_encoder::ColorType::Rgb,
            )?;
        }
        ColorMode::Gray | ColorMode::Bw => {
            let paper = if s.color == ColorMode::Bw { 255 } else { 245 };
            let mut px = Vec::with_capacity((w * h) as usize);
            for y in 0..h {
                for x in 0..w {
                    px.push(if ink(x, y) { 0 } else { paper });
                }
            }
            jpeg_encoder::Encoder::new(&mut out, 80).encode(
                &px,
                w as u16,
                h as u16,
                jpeg_encoder::ColorType::Luma,
            )?;
        }
    }
    Ok(out)
}

/// Serves the simulator on `listener` until the process ends: one thread per connection,
/// keep-alive like a real device.
pub fn serve(listener: TcpListener, sim: SharedSim) {
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let sim = sim.clone();
        std::thread::spawn(move || serve_conn(conn, sim));
    }
}

fn serve_conn(conn: TcpStream, sim: SharedSim) {
    let _ = conn.set_nodelay(true);
    let Ok(mut w) = conn.try_clone() else { return };
    let mut r = BufReader::new(conn);
    loop {
        let req = match read_request(&mut r) {
            Ok(Some(req)) => req,
            Ok(None) => return,
            Err(_) => {
                let _ = write_response(&mut w, &Response::new(400), None);
                return;
            }
        };
        let close = req
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let resp = sim.lock().unwrap_or_else(|p| p.into_inner()).handle(&req);
        if write_response(&mut w, &resp, None).is_err() || close {
            return;
        }
    }
}

/// Starts the simulator on `addr` (e.g. `127.0.0.1:0`) on a background thread and returns
/// the bound address.
pub fn spawn(addr: &str, sim: SharedSim) -> std::io::Result<std::net::SocketAddr> {
    let l = TcpListener::bind(addr)?;
    let a = l.local_addr()?;
    std::thread::Builder::new()
        .name("sim-scanner".into())
        .spawn(move || serve(l, sim))?;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::scanner::client::{EsclClient, EsclHttp, ScanError};
    use crate::devices::scanner::http1::HttpError;
    use std::sync::atomic::AtomicBool;

    /// The simulator driven directly, no sockets.
    struct Direct(SimScanner);
    impl EsclHttp for Direct {
        fn round_trip(&mut self, req: Request) -> Result<Response, HttpError> {
            Ok(self.0.handle(&req))
        }
        fn base(&self) -> &str {
            "/eSCL"
        }
    }

    fn client(cfg: SimScannerConfig) -> EsclClient<Direct> {
        let mut c = EsclClient::new(Direct(SimScanner::new(cfg)));
        c.retry_delay = std::time::Duration::ZERO;
        c
    }

    fn scan(
        c: &mut EsclClient<Direct>,
        s: &ScanSettings,
    ) -> (Result<u32, ScanError>, Vec<Vec<u8>>) {
        let mut pages = Vec::new();
        let r = c.scan(s, &AtomicBool::new(false), &mut |p| pages.push(p.bytes));
        (r, pages)
    }

    fn dims(jpeg: &[u8]) -> (u16, u16, jpeg_decoder::PixelFormat) {
        let mut d = jpeg_decoder::Decoder::new(jpeg);
        d.read_info().unwrap();
        let i = d.info().unwrap();
        (i.width, i.height, i.pixel_format)
    }

    #[test]
    fn feeder_gives_the_stack_then_runs_out() {
        let mut c = client(SimScannerConfig {
            feeder_sheets: 3,
            auto_reload: false,
            ..Default::default()
        });
        let caps = c.capabilities().unwrap();
        let mut s = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 75);
        s.fit_to(&caps).unwrap();
        let (r, pages) = scan(&mut c, &s);
        assert_eq!(r.unwrap(), 3);
        assert_eq!(dims(&pages[0]), (620, 876, jpeg_decoder::PixelFormat::L8));
        let (r, pages) = scan(&mut c, &s);
        assert!(matches!(r, Err(ScanError::AdfEmpty)), "{r:?}");
        assert!(pages.is_empty());
    }

    #[test]
    fn glass_gives_one_colour_page() {
        let mut c = client(SimScannerConfig::default());
        let s = ScanSettings::a4(InputSource::Platen, ColorMode::Color, 75);
        let (r, pages) = scan(&mut c, &s);
        assert_eq!(r.unwrap(), 1);
        assert_eq!(dims(&pages[0]).2, jpeg_decoder::PixelFormat::RGB24);
    }

    #[test]
    fn warm_up_503s_are_retried() {
        let mut c = client(SimScannerConfig {
            warmup: 3,
            ..Default::default()
        });
        let s = ScanSettings::a4(InputSource::Platen, ColorMode::Gray, 75);
        assert_eq!(scan(&mut c, &s).0.unwrap(), 1);
        c.max_busy_tries = 2;
        c.http_mut().0.control("warmup", "n=5");
        assert!(matches!(scan(&mut c, &s).0, Err(ScanError::Busy)));
    }

    #[test]
    fn a_jam_keeps_the_pages_before_it_and_frees_the_device() {
        let mut c = client(SimScannerConfig {
            feeder_sheets: 5,
            jam_after: Some(2),
            ..Default::default()
        });
        let s = ScanSettings::a4(InputSource::Feeder, ColorMode::Bw, 75);
        let (r, pages) = scan(&mut c, &s);
        assert!(matches!(r, Err(ScanError::Jam)), "{r:?}");
        assert_eq!(pages.len(), 2);
        assert!(c
            .http_mut()
            .0
            .requests
            .iter()
            .any(|l| l.starts_with("DELETE /eSCL/ScanJobs/1")));
        // The officer clears the jam (reloads the feeder) and goes on.
        c.http_mut().0.control("load", "sheets=3");
        assert_eq!(scan(&mut c, &s).0.unwrap(), 3);
    }

    #[test]
    fn cancel_and_stopped_device() {
        let mut c = client(SimScannerConfig::default());
        let s = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 75);
        let r = c.scan(&s, &AtomicBool::new(true), &mut |_| {});
        assert!(matches!(r, Err(ScanError::Cancelled)));
        c.http_mut().0.control("state", "s=Stopped");
        assert!(matches!(scan(&mut c, &s).0, Err(ScanError::NotReady(_))));
    }

    #[test]
    fn duplex_gives_two_sides_per_sheet() {
        let mut c = client(SimScannerConfig {
            feeder_sheets: 2,
            ..Default::default()
        });
        let mut s = ScanSettings::a4(InputSource::Feeder, ColorMode::Gray, 75);
        s.duplex = true;
        assert_eq!(scan(&mut c, &s).0.unwrap(), 4);
    }

    #[test]
    fn bad_job_requests_are_refused() {
        let mut sim = SimScanner::new(SimScannerConfig::default());
        let post = |body: &str| {
            Request::new("POST", "/eSCL/ScanJobs").with_body("text/xml", body.as_bytes().to_vec())
        };
        assert_eq!(sim.handle(&post("<garbage")).status, 400);
        let mut s = ScanSettings::a4(InputSource::Platen, ColorMode::Gray, 600);
        assert_eq!(sim.handle(&post(&s.to_xml())).status, 400);
        s.resolution = 300;
        s.format = "image/tiff".into();
        assert_eq!(sim.handle(&post(&s.to_xml())).status, 400);
        assert_eq!(
            sim.handle(&Request::new("GET", "/eSCL/ScanJobs/99/NextDocument"))
                .status,
            404
        );
        assert_eq!(
            sim.handle(&Request::new("PUT", "/eSCL/ScannerStatus"))
                .status,
            405
        );
    }
}
