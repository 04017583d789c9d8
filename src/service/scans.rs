//! Digitizing dossier papers: the center's scanners (configured by address), scan jobs
//! that run on their own threads and land as one PDF per paper, uploads from an
//! officer's PC as the fallback, and access to the stored files.
//!
//! A scan job's pages go to the file store as they arrive (a jam keeps what was
//! scanned); when the device is done, one command builds the paper's PDF from the
//! pages and records it on the dossier with its hash — one write transaction, one
//! history row, one audit event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::devices::scanner::escl::{ColorMode, InputSource, ScanSettings};
use crate::devices::scanner::transport::{IppUsbEscl, UsbStream};
use crate::devices::scanner::usb::{self, UsbAddress};
use crate::devices::scanner::{EsclClient, EsclHttp, EsclUrl, TcpEscl};
use crate::domain::dossier::digitize::{self, BlobRef, DigitalFile, Origin, Slot};
use crate::domain::dossier::Dossier;
use crate::events::{Actor, EventKind};
use crate::render::pdf;
use crate::store::files::{FileError, FileStore};

/// A file handed in (upload, online attachment) made into the stored PDF of a paper: a
/// PDF as it is, a JPEG page wrapped into one; anything else is refused with the reason
/// in Vietnamese. Returns the PDF's blob, the page images (JPEG only) and the page count.
pub fn stored_pdf(
    files: &FileStore,
    bytes: &[u8],
    title: &str,
) -> std::result::Result<(BlobRef, Vec<BlobRef>, u32), String> {
    if bytes.len() > MAX_UPLOAD {
        return Err("Tệp quá lớn (tối đa 50 MB)".into());
    }
    let keep = |b: &[u8]| files.put(b).map_err(|e| format!("không lưu được tệp: {e}"));
    if let Some(n) = pdf::count_pdf_pages(bytes) {
        Ok((keep(bytes)?, vec![], n))
    } else if pdf::jpeg_info(bytes).is_some() {
        let page = keep(bytes)?;
        let doc = pdf::pdf_from_jpegs(&[bytes], title).map_err(|e| e.to_string())?;
        Ok((keep(&doc)?, vec![page], 1))
    } else if bytes.starts_with(b"%PDF-") {
        Err("Tệp PDF không trọn vẹn (tải lên bị ngắt?); hãy tải lại".into())
    } else {
        Err("Chỉ nhận tệp PDF hoặc ảnh JPEG".into())
    }
}

/// Largest upload accepted from an officer's PC.
pub const MAX_UPLOAD: usize = 50 * 1024 * 1024;
/// Finished jobs kept for the screens that started them.
const KEEP_JOBS: usize = 50;

/// A scanner the center uses: a LAN device, or a USB one served on loopback by the
/// `ipp-usb` daemon (`http://127.0.0.1:60000/eSCL`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerEntry {
    pub id: String,
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScannerView {
    #[serde(flatten)]
    pub entry: ScannerEntry,
    pub online: bool,
    pub make_and_model: Option<String>,
    pub state: Option<&'static str>,
    pub feeder: Option<&'static str>,
    pub has_feeder: bool,
    pub has_glass: bool,
    pub duplex: bool,
    pub resolutions: Vec<u32>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Running,
    Done,
    Failed,
    Cancelled,
}

/// What the dossier screen polls.
#[derive(Debug, Clone, Serialize)]
pub struct ScanJobView {
    pub id: u64,
    pub dossier: String,
    pub slot: String,
    pub scanner: String,
    pub state: JobState,
    /// Bumped on every change (long-poll cursor).
    pub version: u64,
    pub pages: usize,
    /// Why the job stopped early (a jam after some pages, an empty feeder…).
    pub error: Option<String>,
    /// A scan for no dossier (the e-copy desk's original): the PDF its pages made, once
    /// done (SHA-256 in the file store).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pdf_sha256: Option<String>,
    pub started_at: DateTime<Utc>,
    pub by: String,
}

struct ScanJob {
    view: ScanJobView,
    pages: Vec<BlobRef>,
    cancel: Arc<AtomicBool>,
}

/// Scan jobs in memory: they last seconds; what matters is committed to the dossier.
#[derive(Default)]
pub struct ScanJobs {
    next: u64,
    jobs: HashMap<u64, ScanJob>,
}

#[derive(Default)]
pub struct ScanRegistry {
    jobs: Mutex<ScanJobs>,
    changed: Condvar,
}

impl ScanRegistry {
    fn update(&self, id: u64, f: impl FnOnce(&mut ScanJob)) {
        let mut g = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(j) = g.jobs.get_mut(&id) {
            f(j);
            j.view.version += 1;
        }
        drop(g);
        self.changed.notify_all();
    }
}

/// A scan request from the dossier screen.
#[derive(Debug, Clone, Deserialize)]
pub struct ScanRequest {
    pub scanner: String,
    /// `paper-N` or `result` (none for a scan for no dossier).
    #[serde(default)]
    pub slot: String,
    #[serde(default = "default_source")]
    pub source: InputSource,
    #[serde(default = "default_color")]
    pub color: ColorMode,
    #[serde(default = "default_dpi")]
    pub dpi: u32,
    #[serde(default)]
    pub duplex: bool,
    /// Add the pages after those already scanned for this paper (default) or start over.
    #[serde(default = "yes")]
    pub append: bool,
}

fn default_source() -> InputSource {
    InputSource::Feeder
}
fn default_color() -> ColorMode {
    ColorMode::Gray
}
fn default_dpi() -> u32 {
    300
}
fn yes() -> bool {
    true
}

fn slot_of(s: &str) -> Result<Slot> {
    Slot::parse(s).ok_or_else(|| ServiceError::Invalid("Giấy tờ không hợp lệ".into()))
}

impl From<FileError> for ServiceError {
    fn from(e: FileError) -> Self {
        match e {
            FileError::Missing | FileError::BadHash => ServiceError::NotFound("tệp"),
            e => ServiceError::Device(e.to_string()),
        }
    }
}

/// Where a configured scanner is: a LAN address or a USB device.
#[derive(Debug, Clone)]
enum Target {
    Lan(EsclUrl),
    Usb(UsbAddress),
}

fn target_of(url: &str) -> std::result::Result<Target, String> {
    if url.trim().starts_with("usb:") {
        return UsbAddress::parse(url)
            .map(Target::Usb)
            .ok_or_else(|| "địa chỉ USB có dạng usb:VVVV:PPPP[:SỐ-SÊ-RI]".to_string());
    }
    EsclUrl::parse(url).map(Target::Lan)
}

/// The eSCL transport to a scanner: a TCP connection per exchange, or a claimed
/// IPP-over-USB interface for the job's duration.
fn connect(t: &Target) -> std::result::Result<Box<dyn EsclHttp>, String> {
    match t {
        Target::Lan(u) => Ok(Box::new(TcpEscl::new(u.clone()))),
        Target::Usb(a) => {
            let pipe = usb::open_ippusb(a).map_err(|e| e.to_string())?;
            Ok(Box::new(IppUsbEscl::new(UsbStream::new(pipe))))
        }
    }
}

/// A scanner found on the appliance's USB ports, ready to be saved.
#[derive(Debug, Clone, Serialize)]
pub struct UsbScanner {
    pub name: String,
    pub url: String,
}

/// IPP-over-USB devices plugged into the appliance (empty where USB is not reachable,
/// e.g. in a container; the error says why).
pub fn usb_scanners() -> std::result::Result<Vec<UsbScanner>, String> {
    let list = usb::list_ippusb_devices().map_err(|e| e.to_string())?;
    Ok(list
        .iter()
        .map(|d| UsbScanner {
            name: if d.product.is_empty() {
                format!("Máy quét USB {:04x}:{:04x}", d.vendor_id, d.product_id)
            } else {
                d.product.clone()
            },
            url: UsbAddress::of(d),
        })
        .collect())
}

fn slug(name: &str) -> String {
    let folded = crate::domain::search::fold(name);
    let s: String = folded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() {
        "may-quet".into()
    } else {
        s.chars().take(40).collect()
    }
}

impl Services {
    pub(super) fn files(&self) -> Result<&FileStore> {
        self.files
            .as_deref()
            .ok_or_else(|| ServiceError::Device("Kho tệp chưa được cấu hình".into()))
    }

    pub fn scanners(&self) -> Result<Vec<ScannerEntry>> {
        Ok(self.store.read()?.meta("scanners")?.unwrap_or_default())
    }

    fn scanner(&self, id: &str) -> Result<ScannerEntry> {
        self.scanners()?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(ServiceError::NotFound("máy quét"))
    }

    /// Adds a scanner, or updates the one with the same id (or name).
    pub fn save_scanner(&self, actor: &Actor, name: &str, url: &str) -> Result<ScannerEntry> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(ServiceError::Invalid(
                "Tên máy quét từ 1 đến 60 ký tự".into(),
            ));
        }
        let url = match target_of(url).map_err(ServiceError::Invalid)? {
            Target::Lan(u) => format!("http://{}{}", u.authority, u.base),
            Target::Usb(_) => url.trim().to_string(),
        };
        let entry = ScannerEntry {
            id: slug(name),
            name: name.into(),
            url,
        };
        self.run(actor, |tx, _| {
            let mut list: Vec<ScannerEntry> = tx.meta("scanners")?.unwrap_or_default();
            list.retain(|s| s.id != entry.id);
            if list.len() >= 20 {
                return Err(ServiceError::Invalid("Tối đa 20 máy quét".into()));
            }
            list.push(entry.clone());
            tx.put_meta("scanners", &list)?;
            tx.emit(EventKind::SettingsChanged {
                what: "scanners".into(),
            });
            Ok(entry.clone())
        })
    }

    pub fn remove_scanner(&self, actor: &Actor, id: &str) -> Result<()> {
        self.run(actor, |tx, _| {
            let mut list: Vec<ScannerEntry> = tx.meta("scanners")?.unwrap_or_default();
            let before = list.len();
            list.retain(|s| s.id != id);
            if list.len() == before {
                return Err(ServiceError::NotFound("máy quét"));
            }
            tx.put_meta("scanners", &list)?;
            tx.emit(EventKind::SettingsChanged {
                what: "scanners".into(),
            });
            Ok(())
        })
    }

    /// Asks the device itself (capabilities and status); an unreachable scanner is a
    /// view with `online: false` and the reason, not an error.
    pub fn scanner_status(&self, id: &str) -> Result<ScannerView> {
        let entry = self.scanner(id)?;
        let mut v = ScannerView {
            entry: entry.clone(),
            online: false,
            make_and_model: None,
            state: None,
            feeder: None,
            has_feeder: false,
            has_glass: false,
            duplex: false,
            resolutions: vec![],
            error: None,
        };
        let http = match target_of(&entry.url).and_then(|t| connect(&t)) {
            Ok(h) => h,
            Err(e) => {
                v.error = Some(e);
                return Ok(v);
            }
        };
        let mut c = EsclClient::new(http);
        match c.capabilities().and_then(|caps| Ok((caps, c.status()?))) {
            Ok((caps, st)) => {
                v.online = true;
                v.make_and_model = Some(caps.make_and_model.clone());
                v.state = Some(st.state.label_vi());
                v.feeder = caps.feeder.as_ref().and(st.adf).map(|a| a.label_vi());
                v.has_feeder = caps.feeder.is_some();
                v.has_glass = caps.platen.is_some();
                v.duplex = caps.duplex;
                let mut r: Vec<u32> = caps
                    .platen
                    .iter()
                    .chain(caps.feeder.iter())
                    .flat_map(|s| s.resolutions.iter().copied())
                    .collect();
                r.sort_unstable();
                r.dedup();
                v.resolutions = r;
            }
            Err(e) => v.error = Some(e.to_string()),
        }
        Ok(v)
    }

    /// Starts scanning into a paper of a dossier; returns at once with the job.
    pub fn start_scan(&self, actor: &Actor, code: &str, req: ScanRequest) -> Result<ScanJobView> {
        let slot = slot_of(&req.slot)?;
        let d = self.dossier(code)?;
        digitize::check_slot(&d, slot).map_err(ServiceError::Digitize)?;
        self.spawn_scan(actor, Some((d.code.clone(), slot)), req)
    }

    /// A scan for no dossier: the original a citizen brings to the e-copy desk. Its
    /// pages become one PDF kept in the file store (the job says which), taken by the
    /// request filed with it.
    pub fn start_loose_scan(&self, actor: &Actor, req: ScanRequest) -> Result<ScanJobView> {
        self.spawn_scan(actor, None, req)
    }

    /// The PDF a finished loose scan made.
    pub fn loose_scan_pdf(&self, id: u64) -> Result<Vec<u8>> {
        let sha = {
            let g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let j = g.jobs.get(&id).ok_or(ServiceError::NotFound("lần quét"))?;
            match (&j.view.state, &j.view.pdf_sha256) {
                (JobState::Done, Some(sha)) => sha.clone(),
                (JobState::Running, _) => {
                    return Err(ServiceError::conflict(
                        "scan_running",
                        "Máy quét chưa quét xong; chờ xong rồi gửi",
                    ))
                }
                _ => {
                    return Err(ServiceError::Invalid(
                        "Lần quét này không có bản quét dùng được; quét lại".into(),
                    ))
                }
            }
        };
        Ok(self.files()?.get(&sha)?)
    }

    fn spawn_scan(
        &self,
        actor: &Actor,
        target: Option<(String, Slot)>,
        req: ScanRequest,
    ) -> Result<ScanJobView> {
        let entry = self.scanner(&req.scanner)?;
        let url = target_of(&entry.url).map_err(ServiceError::Invalid)?;
        if !(75..=600).contains(&req.dpi) {
            return Err(ServiceError::Invalid(
                "Độ phân giải từ 75 đến 600 dpi".into(),
            ));
        }
        self.files()?;
        let cancel = Arc::new(AtomicBool::new(false));
        let view = {
            let mut g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
            if g.jobs
                .values()
                .any(|j| j.view.scanner == entry.id && j.view.state == JobState::Running)
            {
                return Err(ServiceError::conflict(
                    "scanner_busy",
                    format!(
                        "Máy quét «{}» đang quét cho một hồ sơ khác; chờ xong rồi quét",
                        entry.name
                    ),
                ));
            }
            g.next += 1;
            let id = g.next;
            let view = ScanJobView {
                id,
                dossier: target.as_ref().map(|t| t.0.clone()).unwrap_or_default(),
                slot: target.as_ref().map(|t| t.1.key()).unwrap_or_default(),
                scanner: entry.id.clone(),
                state: JobState::Running,
                version: 1,
                pages: 0,
                error: None,
                pdf_sha256: None,
                started_at: self.clock.now(),
                by: actor.name.clone(),
            };
            g.jobs.insert(
                id,
                ScanJob {
                    view: view.clone(),
                    pages: vec![],
                    cancel: cancel.clone(),
                },
            );
            if g.jobs.len() > KEEP_JOBS {
                let mut done: Vec<u64> = g
                    .jobs
                    .iter()
                    .filter(|(_, j)| j.view.state != JobState::Running)
                    .map(|(k, _)| *k)
                    .collect();
                done.sort_unstable();
                for k in done.into_iter().take(g.jobs.len() - KEEP_JOBS) {
                    g.jobs.remove(&k);
                }
            }
            view
        };
        let s = self.clone();
        let actor = actor.clone();
        let id = view.id;
        let mut settings = ScanSettings::a4(req.source, req.color, req.dpi);
        settings.duplex = req.duplex;
        std::thread::Builder::new()
            .name(format!("scan-{id}"))
            .spawn(move || {
                s.run_scan(
                    id,
                    &actor,
                    url,
                    entry,
                    settings,
                    target.map(|t| t.1),
                    req.append,
                    cancel,
                )
            })
            .map_err(|e| ServiceError::Device(e.to_string()))?;
        Ok(view)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_scan(
        &self,
        id: u64,
        actor: &Actor,
        url: Target,
        entry: ScannerEntry,
        mut settings: ScanSettings,
        slot: Option<Slot>,
        append: bool,
        cancel: Arc<AtomicBool>,
    ) {
        let files = match self.files() {
            Ok(f) => f,
            Err(e) => {
                self.scans.update(id, |j| {
                    j.view.error = Some(e.to_string());
                    j.view.state = JobState::Failed;
                });
                return;
            }
        };
        let http = match connect(&url) {
            Ok(h) => h,
            Err(e) => {
                self.scans.update(id, |j| {
                    j.view.error = Some(e);
                    j.view.state = JobState::Failed;
                });
                return;
            }
        };
        let mut client = EsclClient::new(http);
        let mut store_error = None;
        let outcome = client
            .capabilities()
            .and_then(|caps| Ok(settings.fit_to(&caps)?))
            .and_then(|_| {
                client.scan(&settings, &cancel, &mut |page| {
                    if page.content_type != "image/jpeg" {
                        store_error = Some("máy quét trả PDF thay vì ảnh JPEG".to_string());
                        return;
                    }
                    match files.put(&page.bytes) {
                        Ok(r) => self.scans.update(id, |j| {
                            j.pages.push(r);
                            j.view.pages = j.pages.len();
                        }),
                        Err(e) => store_error = Some(e.to_string()),
                    }
                })
            });
        let pages = {
            let g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
            g.jobs.get(&id).map(|j| j.pages.clone()).unwrap_or_default()
        };
        let cancelled = cancel.load(Ordering::Relaxed);
        let mut error = match (&outcome, store_error) {
            (_, Some(e)) => Some(e),
            (Err(e), _) => Some(e.to_string()),
            (Ok(_), None) => None,
        };
        // What was scanned is kept, even when the feeder jammed halfway.
        let mut committed = false;
        let mut loose_pdf = None;
        if !pages.is_empty() && !cancelled {
            let done = match slot {
                Some(slot) => self
                    .attach_pages(
                        actor,
                        &self.scan_dossier(id),
                        slot,
                        &pages,
                        append,
                        &entry.name,
                    )
                    .map(|_| ()),
                None => self.loose_pdf(&pages).map(|sha| loose_pdf = Some(sha)),
            };
            match done {
                Ok(()) => committed = true,
                Err(e) => error = Some(e.to_string()),
            }
        }
        self.scans.update(id, |j| {
            j.view.error = error.clone();
            j.view.pdf_sha256 = loose_pdf.clone();
            j.view.state = if cancelled {
                JobState::Cancelled
            } else if committed {
                JobState::Done
            } else {
                JobState::Failed
            };
        });
    }

    /// A loose scan's pages made into one PDF, kept in the file store.
    fn loose_pdf(&self, pages: &[BlobRef]) -> Result<String> {
        let files = self.files()?;
        let jpegs = pages
            .iter()
            .map(|p| files.get(&p.sha256))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let refs: Vec<&[u8]> = jpegs.iter().map(|j| j.as_slice()).collect();
        let doc = pdf::pdf_from_jpegs(&refs, "Bản chính")
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        Ok(files.put(&doc)?.sha256)
    }

    fn scan_dossier(&self, id: u64) -> String {
        let g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
        g.jobs
            .get(&id)
            .map(|j| j.view.dossier.clone())
            .unwrap_or_default()
    }

    /// The job's state. With `after`, waits (up to `wait`) until the job's version moves
    /// past it: the screen long-polls instead of hammering.
    pub fn scan_job(&self, id: u64, after: Option<u64>, wait: Duration) -> Result<ScanJobView> {
        let deadline = std::time::Instant::now() + wait;
        let mut g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            let j = g.jobs.get(&id).ok_or(ServiceError::NotFound("lệnh quét"))?;
            let moved = after.is_none_or(|a| j.view.version > a);
            if moved || j.view.state != JobState::Running {
                return Ok(j.view.clone());
            }
            let now = std::time::Instant::now();
            if now >= deadline {
                return Ok(j.view.clone());
            }
            g = self
                .scans
                .changed
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// One page of a running or finished job (the thumbnails while scanning).
    pub fn scan_page(&self, id: u64, n: usize) -> Result<Vec<u8>> {
        let sha = {
            let g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let j = g.jobs.get(&id).ok_or(ServiceError::NotFound("lệnh quét"))?;
            j.pages
                .get(n.wrapping_sub(1))
                .ok_or(ServiceError::NotFound("trang"))?
                .sha256
                .clone()
        };
        Ok(self.files()?.get(&sha)?)
    }

    pub fn cancel_scan(&self, id: u64) -> Result<ScanJobView> {
        let g = self.scans.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let j = g.jobs.get(&id).ok_or(ServiceError::NotFound("lệnh quét"))?;
        j.cancel.store(true, Ordering::Relaxed);
        Ok(j.view.clone())
    }

    /// Builds the paper's PDF from scanned pages (after the pages it already had, when
    /// `append` and those came from a scan) and records it. One command.
    pub fn attach_pages(
        &self,
        actor: &Actor,
        code: &str,
        slot: Slot,
        new_pages: &[BlobRef],
        append: bool,
        scanner: &str,
    ) -> Result<Dossier> {
        let files = self.files()?;
        let current = self.dossier(code)?;
        let mut pages: Vec<BlobRef> = match digitize::file_for(&current, slot) {
            Some(f) if append && matches!(f.origin, Origin::Scan { .. }) => f.pages.clone(),
            _ => vec![],
        };
        pages.extend_from_slice(new_pages);
        if pages.len() > digitize::MAX_PAGES {
            return Err(ServiceError::Digitize(
                digitize::DigitizeError::TooManyPages,
            ));
        }
        let bytes = pages
            .iter()
            .map(|p| files.get(&p.sha256))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let name = digitize::slot_name(&current, slot).unwrap_or_default();
        let refs: Vec<&[u8]> = bytes.iter().map(|b| b.as_slice()).collect();
        let doc = pdf::pdf_from_jpegs(&refs, &format!("{} — {name}", current.code))
            .map_err(|e| ServiceError::Internal(format!("building the scan PDF: {e}")))?;
        let pdf_ref = files.put(&doc)?;
        let file = DigitalFile {
            slot,
            name,
            pdf: pdf_ref,
            page_count: pages.len() as u32,
            pages,
            origin: Origin::Scan {
                scanner: scanner.into(),
            },
            at: self.clock.now(),
            by: actor.name.clone(),
            signatures: Vec::new(),
        };
        self.commit_file(actor, code, file, Some(current.history.len()))
    }

    /// Records `file` on the dossier. `seen_history`: the history length the file was
    /// built against; if someone else digitized the same slot meanwhile, refuse rather
    /// than silently drop their pages.
    fn commit_file(
        &self,
        actor: &Actor,
        code: &str,
        mut file: DigitalFile,
        seen_history: Option<usize>,
    ) -> Result<Dossier> {
        self.run(actor, |tx, now| {
            let code = code.trim().to_ascii_uppercase();
            let mut d = tx.dossier(&code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
            if let Some(n) = seen_history {
                let raced = d.history[n.min(d.history.len())..]
                    .iter()
                    .any(|h| h.event == crate::domain::dossier::EventKind::Digitized);
                if raced {
                    return Err(ServiceError::conflict(
                        "digitized_meanwhile",
                        "Giấy tờ vừa được người khác số hoá; tải lại trang rồi quét lại",
                    ));
                }
            }
            file.at = now;
            let (slot, sha, pages) = (file.slot, file.pdf.sha256.clone(), file.page_count);
            digitize::attach(&mut d, file).map_err(ServiceError::Digitize)?;
            tx.put_dossier(&d)?;
            tx.sync_mark(&d.code, now)?;
            tx.emit(EventKind::DossierFile {
                code: d.code.clone(),
                slot: slot.key(),
                sha256: Some(sha),
                pages,
            });
            Ok(d)
        })
    }

    /// An officer's upload: a PDF, or a JPEG photo/scan of one page.
    pub fn upload_file(
        &self,
        actor: &Actor,
        code: &str,
        slot: &str,
        filename: &str,
        bytes: &[u8],
    ) -> Result<Dossier> {
        let slot = slot_of(slot)?;
        let d = self.dossier(code)?;
        digitize::check_slot(&d, slot).map_err(ServiceError::Digitize)?;
        if bytes.len() > MAX_UPLOAD {
            return Err(ServiceError::Invalid("Tệp quá lớn (tối đa 50 MB)".into()));
        }
        let files = self.files()?;
        let name = digitize::slot_name(&d, slot).unwrap_or_default();
        let (pdf_ref, pages, page_count) =
            stored_pdf(&files, bytes, &format!("{} — {name}", d.code))
                .map_err(ServiceError::Invalid)?;
        let clean: String = filename
            .chars()
            .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | '"'))
            .take(100)
            .collect();
        let file = DigitalFile {
            slot,
            name,
            pdf: pdf_ref,
            pages,
            page_count,
            origin: Origin::Upload {
                filename: if clean.is_empty() {
                    "tep.pdf".into()
                } else {
                    clean
                },
            },
            at: self.clock.now(),
            by: actor.name.clone(),
            // A file already signed (by another agency, say) is verified as it arrives.
            signatures: if bytes.windows(11).any(|w| w == b"/ByteRange ") {
                match self.verify_signed_pdf(bytes) {
                    Ok(reports) => reports.iter().map(crate::sign::verify::summary).collect(),
                    Err(e) => vec![format!("Không xác định — {e}")],
                }
            } else {
                Vec::new()
            },
        };
        self.commit_file(actor, code, file, None)
    }

    pub fn remove_file(&self, actor: &Actor, code: &str, slot: &str) -> Result<Dossier> {
        let slot = slot_of(slot)?;
        self.run(actor, |tx, now| {
            let code = code.trim().to_ascii_uppercase();
            let mut d = tx.dossier(&code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
            digitize::detach(&mut d, slot, &actor.name, now).map_err(ServiceError::Digitize)?;
            tx.put_dossier(&d)?;
            tx.sync_mark(&d.code, now)?;
            tx.emit(EventKind::DossierFile {
                code: d.code.clone(),
                slot: slot.key(),
                sha256: None,
                pages: 0,
            });
            Ok(d)
        })
    }

    /// The PDF of a paper, or one of its scanned pages (`page` from 1), checked against
    /// its hash. Returns the bytes and the content type.
    pub fn dossier_file(
        &self,
        code: &str,
        slot: &str,
        page: Option<usize>,
    ) -> Result<(Vec<u8>, &'static str)> {
        let slot = slot_of(slot)?;
        let d = self.dossier(code)?;
        let f = digitize::file_for(&d, slot).ok_or(ServiceError::NotFound("tệp"))?;
        let files = self.files()?;
        match page {
            None => Ok((files.get(&f.pdf.sha256)?, "application/pdf")),
            Some(n) => {
                let p = f
                    .pages
                    .get(n.wrapping_sub(1))
                    .ok_or(ServiceError::NotFound("trang"))?;
                Ok((files.get(&p.sha256)?, "image/jpeg"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_ids_are_slugs() {
        assert_eq!(slug("Máy quét quầy 1"), "may-quet-quay-1");
        assert_eq!(slug("   "), "may-quet");
        assert_eq!(slug("Đ"), "d");
    }
}

impl Services {
    /// eSCL scanners answering mDNS on the LAN (listens `wait`); the reason when the
    /// network cannot be browsed.
    pub fn lan_scanners(
        &self,
        wait: std::time::Duration,
    ) -> std::result::Result<Vec<crate::devices::mdns::FoundScanner>, String> {
        crate::devices::mdns::browse_scanners(wait)
    }
}
