//! The eSCL client: capabilities, status and the scan-job state machine of HARDWARE.md
//! §5.1 (check status → POST ScanJobs → NextDocument until 404 → DELETE on cancel or
//! error), over any [`EsclHttp`] transport. Blocking: run it on a scan thread, never on the
//! async workers.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::escl::{
    AdfState, Capabilities, InputSource, ScanSettings, ScannerState, ScannerStatus, XmlError,
};
use super::http1::{HttpError, Request, Response};

/// One HTTP exchange with an eSCL device; paths are absolute (`/eSCL/...`).
pub trait EsclHttp: Send {
    fn round_trip(&mut self, req: Request) -> Result<Response, HttpError>;
    /// The eSCL root path on this device, usually `/eSCL`.
    fn base(&self) -> &str;
}

impl<T: EsclHttp + ?Sized> EsclHttp for Box<T> {
    fn round_trip(&mut self, req: Request) -> Result<Response, HttpError> {
        (**self).round_trip(req)
    }
    fn base(&self) -> &str {
        (**self).base()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("máy quét trả lời không đúng chuẩn eSCL: {0}")]
    Xml(#[from] XmlError),
    #[error("máy quét đang bận, thử lại sau ít phút")]
    Busy,
    #[error("khay nạp giấy trống: đặt giấy vào khay rồi quét lại")]
    AdfEmpty,
    #[error("kẹt giấy ở khay nạp: gỡ giấy kẹt rồi quét lại các trang còn thiếu")]
    Jam,
    #[error("nắp khay nạp giấy đang mở")]
    DoorOpen,
    #[error("máy quét không sẵn sàng ({0})")]
    NotReady(&'static str),
    #[error("máy quét từ chối lệnh quét (mã {0})")]
    Rejected(u16),
    #[error("máy quét không trả địa chỉ lệnh quét")]
    NoLocation,
    #[error("đã huỷ lệnh quét")]
    Cancelled,
    #[error("trang quét không phải ảnh JPEG hay PDF")]
    BadPage,
    #[error("máy quét không trả trang nào")]
    NoPages,
}

/// One page (or, for `application/pdf`, one whole document) as the device sent it.
#[derive(Debug, Clone)]
pub struct ScannedPage {
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct EsclClient<T: EsclHttp> {
    http: T,
    /// Wait between tries when the device answers 503 (1 s on real devices; 0 in tests).
    pub retry_delay: Duration,
    /// sane-airscan gives up after 30 busy answers; so do we.
    pub max_busy_tries: u32,
}

impl<T: EsclHttp> EsclClient<T> {
    pub fn new(http: T) -> Self {
        EsclClient {
            http,
            retry_delay: Duration::from_secs(1),
            max_busy_tries: 30,
        }
    }

    pub fn http_mut(&mut self) -> &mut T {
        &mut self.http
    }

    fn get(&mut self, leaf: &str) -> Result<Response, HttpError> {
        let path = format!("{}/{leaf}", self.http.base().trim_end_matches('/'));
        self.http.round_trip(Request::new("GET", &path))
    }

    pub fn capabilities(&mut self) -> Result<Capabilities, ScanError> {
        let r = self.get("ScannerCapabilities")?;
        if r.status != 200 {
            return Err(ScanError::Rejected(r.status));
        }
        Ok(Capabilities::parse(&r.body)?)
    }

    pub fn status(&mut self) -> Result<ScannerStatus, ScanError> {
        let r = self.get("ScannerStatus")?;
        if r.status != 200 {
            return Err(ScanError::Rejected(r.status));
        }
        Ok(ScannerStatus::parse(&r.body)?)
    }

    fn pause(&self) {
        if !self.retry_delay.is_zero() {
            std::thread::sleep(self.retry_delay);
        }
    }

    /// The officer-facing reason a feeder job cannot go on, read from the device status.
    fn adf_problem(&mut self) -> Option<ScanError> {
        match self.status().ok()?.adf? {
            AdfState::Empty => Some(ScanError::AdfEmpty),
            AdfState::Jam => Some(ScanError::Jam),
            AdfState::DoorOpen => Some(ScanError::DoorOpen),
            _ => None,
        }
    }

    /// Scans with `settings`, handing each page to `on_page` as it arrives (so pages
    /// already scanned survive a later jam). Returns the number of pages.
    pub fn scan(
        &mut self,
        settings: &ScanSettings,
        cancel: &AtomicBool,
        on_page: &mut dyn FnMut(ScannedPage),
    ) -> Result<u32, ScanError> {
        // 1. The device must be idle (and, for the feeder, loaded).
        let mut tries = 0;
        loop {
            let st = self.status()?;
            match st.state {
                ScannerState::Idle => {}
                ScannerState::Processing | ScannerState::Testing => {
                    tries += 1;
                    if tries >= self.max_busy_tries {
                        return Err(ScanError::Busy);
                    }
                    if cancel.load(Ordering::Relaxed) {
                        return Err(ScanError::Cancelled);
                    }
                    self.pause();
                    continue;
                }
                s => return Err(ScanError::NotReady(s.label_vi())),
            }
            if settings.source == InputSource::Feeder {
                match st.adf {
                    Some(AdfState::Empty) => return Err(ScanError::AdfEmpty),
                    Some(AdfState::Jam) => return Err(ScanError::Jam),
                    Some(AdfState::DoorOpen) => return Err(ScanError::DoorOpen),
                    _ => {}
                }
            }
            break;
        }
        // 2. Create the job; 503 means "warming up / busy, ask again".
        let jobs = format!("{}/ScanJobs", self.http.base().trim_end_matches('/'));
        let body = settings.to_xml().into_bytes();
        let mut tries = 0;
        let location = loop {
            let r = self
                .http
                .round_trip(Request::new("POST", &jobs).with_body("text/xml", body.clone()))?;
            match r.status {
                201 => {
                    break r
                        .header("location")
                        .map(str::to_string)
                        .ok_or(ScanError::NoLocation)?
                }
                503 => {
                    tries += 1;
                    if tries >= self.max_busy_tries {
                        return Err(ScanError::Busy);
                    }
                    self.pause();
                }
                409 => return Err(self.adf_problem().unwrap_or(ScanError::Busy)),
                s => return Err(ScanError::Rejected(s)),
            }
        };
        let job = job_path(&location).ok_or(ScanError::NoLocation)?;
        // 3. Pull pages until the device says there are no more.
        let result = self.pull_pages(&job, settings.source, cancel, on_page);
        if result.is_err() {
            // Best effort: free the device for the next officer.
            let _ = self.http.round_trip(Request::new("DELETE", &job));
        }
        result
    }

    fn pull_pages(
        &mut self,
        job: &str,
        source: InputSource,
        cancel: &AtomicBool,
        on_page: &mut dyn FnMut(ScannedPage),
    ) -> Result<u32, ScanError> {
        let next = format!("{}/NextDocument", job.trim_end_matches('/'));
        let mut pages = 0u32;
        let mut busy = 0u32;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(ScanError::Cancelled);
            }
            let r = match self.http.round_trip(Request::new("GET", &next)) {
                Ok(r) => r,
                // The glass holds one page: a failure after it just means "no more".
                Err(_) if pages > 0 && source == InputSource::Platen => return Ok(pages),
                Err(e) => return Err(e.into()),
            };
            match r.status {
                200 => {
                    busy = 0;
                    let ct = r
                        .header("content-type")
                        .unwrap_or("image/jpeg")
                        .split(';')
                        .next()
                        .unwrap_or("")
                        .trim()
                        .to_ascii_lowercase();
                    let is_jpeg = r.body.starts_with(&[0xFF, 0xD8, 0xFF]);
                    let is_pdf = r.body.starts_with(b"%PDF-");
                    if !is_jpeg && !is_pdf {
                        return Err(ScanError::BadPage);
                    }
                    let content_type = if is_pdf {
                        "application/pdf".into()
                    } else if ct.is_empty() {
                        "image/jpeg".into()
                    } else {
                        ct
                    };
                    on_page(ScannedPage {
                        content_type,
                        bytes: r.body,
                    });
                    pages += 1;
                }
                404 | 410 => {
                    if pages > 0 {
                        return Ok(pages);
                    }
                    return Err(self.adf_problem().unwrap_or(ScanError::NoPages));
                }
                503 => {
                    busy += 1;
                    if busy >= self.max_busy_tries {
                        return Err(ScanError::Busy);
                    }
                    self.pause();
                }
                s => {
                    if pages > 0 && source == InputSource::Platen {
                        return Ok(pages);
                    }
                    return Err(self.adf_problem().unwrap_or(ScanError::Rejected(s)));
                }
            }
        }
    }
}

/// Keeps only the path of a job `Location` (absolute or relative; some devices send a
/// wrong host, HARDWARE.md §5.1).
pub fn job_path(location: &str) -> Option<String> {
    let l = location.trim();
    let path = match l.find("://") {
        Some(i) => {
            let rest = &l[i + 3..];
            &rest[rest.find('/')?..]
        }
        None => l,
    };
    if !path.starts_with('/') || path.len() > 512 || path.contains("..") {
        return None;
    }
    Some(path.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_paths() {
        assert_eq!(
            job_path("http://10.0.0.5:80/eSCL/ScanJobs/7/").as_deref(),
            Some("/eSCL/ScanJobs/7")
        );
        assert_eq!(
            job_path("http://bad host:0/eSCL/ScanJobs/abc").as_deref(),
            Some("/eSCL/ScanJobs/abc")
        );
        assert_eq!(
            job_path("/eSCL/ScanJobs/1").as_deref(),
            Some("/eSCL/ScanJobs/1")
        );
        assert_eq!(job_path("http://host-without-path"), None);
        assert_eq!(job_path("ScanJobs/1"), None);
        assert_eq!(job_path("/eSCL/../etc"), None);
    }
}
