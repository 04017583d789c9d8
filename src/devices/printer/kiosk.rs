//! The kiosk's ticket printer: where it is (simulated, LAN port 9100 or a device file),
//! and one print = status check → render → encode → chunked write → status check.
//! A job runs after the ticket is committed; a failed print never loses the ticket
//! (the kiosk shows the number and asks the citizen to see the counter).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use super::encode::{encode_ticket, CutMode};
use super::sim::SimPrinter;
use super::status::PrinterStatus;
use super::transport::{
    query_status, write_all_chunked, DeviceFileTransport, PrinterTransport, TcpTransport,
    TransportError,
};
use crate::render::ticket::{render_ticket, TicketLayout, TicketPrint};

/// Where the ticket printer is, as written in the config (`printer = "..."`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterTarget {
    None,
    /// The simulated printer: jobs land in `<data>/sim-printer/` as .escpos/.txt/.png.
    Sim,
    /// Raw TCP, usually port 9100.
    Tcp(String),
    /// A device file such as `/dev/usb/lp0`.
    File(PathBuf),
    /// Native USB: the first ticket printer found (`usb`), or `usb:VVVV:PPPP[:SERIAL]`.
    Usb(Option<crate::devices::usb::UsbAddress>),
}

impl PrinterTarget {
    /// `none`, `sim`, `tcp:HOST:PORT` or `file:/dev/usb/lp0`.
    pub fn parse(s: &str) -> Result<PrinterTarget, String> {
        let s = s.trim();
        match s {
            "" | "none" => Ok(PrinterTarget::None),
            "sim" => Ok(PrinterTarget::Sim),
            _ => {
                if let Some(addr) = s.strip_prefix("tcp:") {
                    if addr
                        .rsplit_once(':')
                        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
                    {
                        return Ok(PrinterTarget::Tcp(addr.to_string()));
                    }
                    return Err(format!("printer: expected tcp:HOST:PORT, got {s}"));
                }
                if let Some(path) = s.strip_prefix("file:") {
                    // Only a device node: a printer path must never let the admin page (or
                    // a stolen admin session) make the service write tickets into a file.
                    let p = std::path::Path::new(path);
                    let under_dev = p.is_absolute()
                        && p.starts_with("/dev")
                        && p.components()
                            .all(|c| !matches!(c, std::path::Component::ParentDir));
                    if !under_dev || p == std::path::Path::new("/dev") {
                        return Err(format!(
                            "printer: file: must name a device under /dev, got {s}"
                        ));
                    }
                    return Ok(PrinterTarget::File(PathBuf::from(path)));
                }
                if s == "usb" {
                    return Ok(PrinterTarget::Usb(None));
                }
                if s.starts_with("usb:") {
                    return crate::devices::usb::UsbAddress::parse(s)
                        .map(|a| PrinterTarget::Usb(Some(a)))
                        .ok_or_else(|| {
                            format!("printer: expected usb:VVVV:PPPP[:SERIAL], got {s}")
                        });
                }
                Err(format!(
                    "printer: expected none, sim, usb, usb:VVVV:PPPP, tcp:HOST:PORT or file:PATH, got {s}"
                ))
            }
        }
    }
}

impl PrinterTarget {
    /// The form `parse` reads (what the admin page and `printer = …` show).
    pub fn to_config(&self) -> String {
        match self {
            PrinterTarget::None => "none".into(),
            PrinterTarget::Sim => "sim".into(),
            PrinterTarget::Tcp(a) => format!("tcp:{a}"),
            PrinterTarget::File(p) => format!("file:{}", p.display()),
            PrinterTarget::Usb(None) => "usb".into(),
            PrinterTarget::Usb(Some(a)) => match &a.serial {
                Some(s) => format!("usb:{:04x}:{:04x}:{s}", a.vendor_id, a.product_id),
                None => format!("usb:{:04x}:{:04x}", a.vendor_id, a.product_id),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("Chưa cấu hình máy in phiếu")]
    NoPrinter,
    #[error("Máy in chưa sẵn sàng: {0}")]
    NotReady(String),
    #[error("Lỗi kết nối máy in: {0}")]
    Transport(#[from] TransportError),
    #[error("Lỗi máy in mô phỏng: {0}")]
    Sim(String),
}

pub struct KioskPrinter {
    /// Where tickets go; the admin can switch it while the server runs.
    target: std::sync::RwLock<PrinterTarget>,
    layout: TicketLayout,
    cut: CutMode,
    /// The simulated printer keeps its state (fault switches, job numbering); made on
    /// first use.
    sim: Option<Mutex<SimPrinter>>,
    sim_lazy: std::sync::OnceLock<Mutex<SimPrinter>>,
    data_dir: PathBuf,
    last_status: Mutex<Option<PrinterStatus>>,
}

const IO_TIMEOUT: Duration = Duration::from_secs(3);

impl KioskPrinter {
    pub fn new(
        target: PrinterTarget,
        data_dir: &std::path::Path,
        layout: TicketLayout,
    ) -> Result<KioskPrinter, PrintError> {
        let sim = match &target {
            PrinterTarget::Sim => {
                let dir = data_dir.join("sim-printer");
                std::fs::create_dir_all(&dir).map_err(|e| PrintError::Sim(e.to_string()))?;
                Some(Mutex::new(
                    SimPrinter::new(dir).map_err(|e| PrintError::Sim(e.to_string()))?,
                ))
            }
            _ => None,
        };
        Ok(KioskPrinter {
            target: std::sync::RwLock::new(target),
            layout,
            cut: CutMode::Partial,
            sim,
            sim_lazy: std::sync::OnceLock::new(),
            data_dir: data_dir.to_path_buf(),
            last_status: Mutex::new(None),
        })
    }

    pub fn target(&self) -> PrinterTarget {
        self.target
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Whether tickets can be printed at all (a target other than `none`).
    pub fn configured(&self) -> bool {
        self.target() != PrinterTarget::None
    }

    /// Switches where tickets go (the admin page). The simulated printer is made when
    /// first chosen.
    pub fn set_target(&self, t: PrinterTarget) -> Result<(), PrintError> {
        if t == PrinterTarget::Sim && self.sim.is_none() && self.sim_lazy.get().is_none() {
            let dir = self.data_dir.join("sim-printer");
            std::fs::create_dir_all(&dir).map_err(|e| PrintError::Sim(e.to_string()))?;
            let p = SimPrinter::new(dir).map_err(|e| PrintError::Sim(e.to_string()))?;
            let _ = self.sim_lazy.set(Mutex::new(p));
        }
        *self.target.write().unwrap_or_else(|p| p.into_inner()) = t;
        *self.last_status.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }

    fn sim(&self) -> Option<&Mutex<SimPrinter>> {
        self.sim.as_ref().or_else(|| self.sim_lazy.get())
    }

    pub fn sim_dir(&self) -> Option<PathBuf> {
        let sim = self.sim()?;
        let g = sim.lock().unwrap_or_else(|p| p.into_inner());
        g.dir().map(|d| d.to_path_buf())
    }

    /// The simulated printer's fault switches (tests, the admin page).
    pub fn sim_faults(&self) -> Option<super::sim::SharedFaults> {
        if self.target() != PrinterTarget::Sim {
            return None;
        }
        let sim = self.sim()?;
        Some(sim.lock().unwrap_or_else(|p| p.into_inner()).faults())
    }

    /// Sequence numbers of the simulated printer's latest jobs that have an image, newest first.
    pub fn recent_sim_jobs(&self, limit: usize) -> Vec<u64> {
        let Some(dir) = self.sim_dir() else {
            return Vec::new();
        };
        let mut seqs: Vec<u64> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.strip_suffix(".png")?.parse().ok())
            .collect();
        seqs.sort_unstable_by(|a, b| b.cmp(a));
        seqs.truncate(limit);
        seqs
    }

    /// The PNG a simulated job printed.
    pub fn sim_png(&self, seq: u64) -> Option<Vec<u8>> {
        std::fs::read(self.sim_dir()?.join(format!("{seq:06}.png"))).ok()
    }

    pub fn last_status(&self) -> Option<PrinterStatus> {
        self.last_status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Prints one ticket with the printer's own layout. Blocking.
    pub fn print(&self, ticket: &TicketPrint) -> Result<(), PrintError> {
        self.print_with(ticket, &self.layout)
    }

    /// Prints a queued job: its ticket, or the papers checklist it carries. Blocking.
    pub fn print_job(
        &self,
        job: &crate::domain::printing::PrintJob,
        layout: &TicketLayout,
    ) -> Result<(), PrintError> {
        match &job.checklist {
            Some(c) => self.print_bitmap(&crate::render::ticket::render_checklist(c, layout)),
            None => self.print_with(&job.ticket, layout),
        }
    }

    /// Prints one ticket with the given layout (the center's current settings). Blocking.
    pub fn print_with(
        &self,
        ticket: &TicketPrint,
        layout: &TicketLayout,
    ) -> Result<(), PrintError> {
        self.print_bitmap(&render_ticket(ticket, layout))
    }

    /// Sends one rendered raster (then a cut) to the printer. Blocking.
    pub fn print_bitmap(&self, image: &crate::render::bitmap::Bitmap) -> Result<(), PrintError> {
        let bytes = encode_ticket(image, self.cut);
        match &self.target() {
            PrinterTarget::None => Err(PrintError::NoPrinter),
            PrinterTarget::Sim => {
                let Some(sim) = self.sim() else {
                    return Err(PrintError::NoPrinter);
                };
                let mut p = sim.lock().unwrap_or_else(|e| e.into_inner());
                let r = self.send(&mut *p, &bytes);
                if r.is_err() {
                    // A half-received job is discarded, as a reconnecting printer would.
                    let _ = p.finish_job();
                }
                r
            }
            PrinterTarget::Tcp(addr) => {
                let mut t = TcpTransport::connect(addr, IO_TIMEOUT)?;
                self.send(&mut t, &bytes)
            }
            PrinterTarget::File(path) => {
                let mut t = DeviceFileTransport::open(path)?;
                self.send(&mut t, &bytes)
            }
            PrinterTarget::Usb(addr) => {
                let mut t = super::usb::UsbPrinterTransport::open(addr.as_ref())?;
                self.send(&mut t, &bytes)
            }
        }
    }

    fn send(&self, t: &mut dyn PrinterTransport, bytes: &[u8]) -> Result<(), PrintError> {
        // Printers that cannot answer (one-way) give no status: print anyway.
        if let Ok(status) = query_status(t) {
            *self.last_status.lock().unwrap_or_else(|p| p.into_inner()) = Some(status.clone());
            if !status.is_ready() {
                return Err(PrintError::NotReady(status.describe_vi()));
            }
        }
        write_all_chunked(t, bytes, 4096)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> TicketPrint {
        TicketPrint {
            center_name: "Trung tâm Phục vụ hành chính công xã Tân Phú".into(),
            service_name: "Tư pháp - Hộ tịch - Chứng thực".into(),
            number: "A015".into(),
            priority: None,
            purpose: None,
            dossier: None,
            waiting_ahead: 3,
            issued_local: chrono::NaiveDate::from_ymd_opt(2026, 3, 5)
                .unwrap()
                .and_hms_opt(8, 42, 17)
                .unwrap(),
            qr_url: None,
        }
    }

    #[test]
    fn targets_parse() {
        assert_eq!(PrinterTarget::parse("sim"), Ok(PrinterTarget::Sim));
        assert_eq!(PrinterTarget::parse("none"), Ok(PrinterTarget::None));
        assert_eq!(
            PrinterTarget::parse("tcp:192.0.2.5:9100"),
            Ok(PrinterTarget::Tcp("192.0.2.5:9100".into()))
        );
        assert_eq!(
            PrinterTarget::parse("file:/dev/usb/lp0"),
            Ok(PrinterTarget::File("/dev/usb/lp0".into()))
        );
        assert!(PrinterTarget::parse("tcp:nohost").is_err());
        // A printer path is a device node, never an ordinary file.
        for bad in [
            "file:/etc/passwd",
            "file:/dev/../etc/passwd",
            "file:dev/usb/lp0",
            "file:/dev",
            "file:/devil/lp0",
        ] {
            assert!(PrinterTarget::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(PrinterTarget::parse("usb"), Ok(PrinterTarget::Usb(None)));
        assert_eq!(
            PrinterTarget::parse("usb:04b8:0202"),
            Ok(PrinterTarget::Usb(Some(crate::devices::usb::UsbAddress {
                vendor_id: 0x04b8,
                product_id: 0x0202,
                serial: None
            })))
        );
        assert!(PrinterTarget::parse("usb:zz").is_err());
    }

    #[test]
    fn sim_prints_a_png_and_paper_out_is_refused_without_output() {
        let dir = tempfile::tempdir().unwrap();
        let p = KioskPrinter::new(PrinterTarget::Sim, dir.path(), TicketLayout::default()).unwrap();
        p.print(&ticket()).unwrap();
        let sim_dir = p.sim_dir().unwrap();
        assert!(sim_dir.join("000001.png").exists());
        assert!(sim_dir.join("000001.escpos").exists());
        p.sim_faults().unwrap().lock().unwrap().paper_out = true;
        let e = p.print(&ticket()).unwrap_err();
        assert!(matches!(e, PrintError::NotReady(_)), "{e}");
        assert!(!sim_dir.join("000002.png").exists());
        p.sim_faults().unwrap().lock().unwrap().paper_out = false;
        p.print(&ticket()).unwrap();
        assert!(
            sim_dir.join("000002.png").exists(),
            "numbering continues after a refusal"
        );
    }

    #[test]
    fn tcp_printer_refusing_connections_is_a_clear_error() {
        // Bind then drop to get a port nobody listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let p = KioskPrinter::new(
            PrinterTarget::Tcp(format!("127.0.0.1:{port}")),
            std::path::Path::new("/nonexistent"),
            TicketLayout::default(),
        )
        .unwrap();
        let e = p.print(&ticket()).unwrap_err();
        assert!(matches!(e, PrintError::Transport(_)));
        assert!(e.to_string().starts_with("Lỗi kết nối máy in"));
    }
}
