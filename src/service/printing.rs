//! The kiosk's durable print queue. A ticket and its print job are written in the same
//! transaction, so a printer that is out of paper or unplugged loses nothing: the job waits
//! (in order) until the printer is back or an admin cancels it. The print worker (app.rs)
//! takes the oldest pending job; a job is marked printed right after the printer accepted
//! every byte — a crash between the two can at worst print it twice, never lose it.

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
pub use crate::domain::printing::{PrintJob, PrintState};
use crate::events::{Actor, EventKind};
use crate::render::ticket::TicketPrint;

fn changed(job: &PrintJob) -> EventKind {
    let state = match job.state {
        PrintState::Pending if job.last_error.is_some() => "failed",
        PrintState::Pending => "queued",
        PrintState::Printed => "printed",
        PrintState::Cancelled => "cancelled",
        PrintState::Held => "held",
    };
    EventKind::PrintJobChanged {
        job: job.id,
        ticket: job.ticket_id,
        state: state.into(),
        error: job.last_error.clone(),
    }
}

impl Services {
    /// The printer chosen on the admin page (`printer = …` syntax), if any.
    pub fn printer_choice(&self) -> Result<Option<String>> {
        Ok(self.store.read()?.meta::<String>("printer_target")?)
    }

    pub fn save_printer_choice(&self, actor: &Actor, target: &str) -> Result<()> {
        crate::devices::printer::kiosk::PrinterTarget::parse(target)
            .map_err(ServiceError::Invalid)?;
        self.run(actor, |tx, _| {
            tx.put_meta("printer_target", &target.trim().to_string())?;
            tx.emit(EventKind::SettingsChanged {
                what: format!("printer {}", target.trim()),
            });
            Ok(())
        })
    }

    /// The ticket layout from the settings, with the uploaded logo.
    pub fn ticket_layout(&self) -> Result<crate::render::ticket::TicketLayout> {
        let mut l = crate::render::ticket::TicketLayout::from(&self.settings()?.ticket);
        l.logo = self
            .store
            .read()?
            .meta::<Option<crate::render::bitmap::Bitmap>>("ticket_logo")?
            .flatten();
        Ok(l)
    }

    /// Sets the logo printed at the top of tickets from a PNG: at most ¾ of the paper's
    /// width and 160 dots (2 cm) high.
    pub fn set_ticket_logo(&self, actor: &Actor, png: &[u8]) -> Result<(u32, u32)> {
        let width = self.settings()?.ticket.width_dots;
        let bmp = crate::render::bitmap::Bitmap::logo_from_png(png, width * 3 / 4, 160)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        if bmp.count_black() == 0 {
            return Err(ServiceError::Invalid(
                "Logo toàn màu trắng/trong suốt: không có gì để in".into(),
            ));
        }
        let dims = (bmp.width(), bmp.height());
        self.run(actor, |tx, _| {
            tx.put_meta("ticket_logo", &Some(bmp))?;
            tx.emit(EventKind::SettingsChanged {
                what: "ticket logo".into(),
            });
            Ok(dims)
        })
    }

    pub fn clear_ticket_logo(&self, actor: &Actor) -> Result<()> {
        self.run(actor, |tx, _| {
            tx.put_meta::<Option<crate::render::bitmap::Bitmap>>("ticket_logo", &None)?;
            tx.emit(EventKind::SettingsChanged {
                what: "ticket logo removed".into(),
            });
            Ok(())
        })
    }

    /// The oldest job still to print.
    pub fn next_print_job(&self) -> Result<Option<PrintJob>> {
        Ok(self.store.read()?.pending_print_jobs(1)?.into_iter().next())
    }

    pub fn pending_print_jobs(&self) -> Result<Vec<PrintJob>> {
        Ok(self.store.read()?.pending_print_jobs(100)?)
    }

    pub fn print_job_done(&self, id: u64) -> Result<()> {
        self.run(&Actor::system(), |tx, now| {
            let mut job: PrintJob = tx.print_job(id)?.ok_or(ServiceError::NotFound("lệnh in"))?;
            if job.state != PrintState::Pending {
                return Ok(());
            }
            job.state = PrintState::Printed;
            job.attempts += 1;
            job.printed_at = Some(now);
            job.last_error = None;
            tx.put_print_job(id, false, &job)?;
            tx.emit(changed(&job));
            Ok(())
        })
    }

    /// Records a failed attempt; the job stays first in line. Only a new error is written
    /// (retries with the same fault do not fill the log).
    pub fn print_job_failed(&self, id: u64, error: &str) -> Result<()> {
        let job: Option<PrintJob> = self.store.read()?.print_job(id)?;
        if job.as_ref().is_none_or(|j| {
            j.last_error.as_deref() == Some(error) || j.state != PrintState::Pending
        }) {
            return Ok(());
        }
        self.run(&Actor::system(), |tx, _| {
            let mut job: PrintJob = tx.print_job(id)?.ok_or(ServiceError::NotFound("lệnh in"))?;
            job.attempts += 1;
            job.last_error = Some(error.to_string());
            tx.put_print_job(id, true, &job)?;
            tx.emit(changed(&job));
            Ok(())
        })
    }

    /// The worker found the head job too old to print now: it is held, and the next one
    /// comes up. Returns whether it was held (a fresh or finished job is left alone).
    pub fn hold_stale_print_job(&self, id: u64) -> Result<bool> {
        self.run(&Actor::system(), |tx, now| {
            let Some(mut job) = tx.print_job::<PrintJob>(id)? else {
                return Ok(false);
            };
            if job.state != PrintState::Pending || !job.is_stale(now) {
                return Ok(false);
            }
            job.state = PrintState::Held;
            tx.put_print_job(id, false, &job)?;
            tx.emit(changed(&job));
            Ok(true)
        })
    }

    /// What the counters need to know about the ticket printer: its fault now (the error
    /// of the job it keeps failing, if any) and today's tickets without paper.
    pub fn paper_report(&self) -> Result<PaperReport> {
        let problem = self
            .next_print_job()?
            .and_then(|j| j.last_error)
            .filter(|_| self.printer_configured());
        Ok(PaperReport {
            problem,
            unprinted: self.unprinted_tickets()?,
        })
    }

    /// Today's tickets whose paper never came out (held jobs of tickets still waiting or
    /// called), newest first: the counters show them so nobody asks those citizens for a
    /// paper, and can reprint one.
    pub fn unprinted_tickets(&self) -> Result<Vec<Unprinted>> {
        let rx = self.store.read()?;
        let today = crate::domain::time::local_day(self.clock.now());
        let mut out = Vec::new();
        for job in rx.recent_print_jobs::<PrintJob>(2000)? {
            if job.state != PrintState::Held || job.ticket_id == 0 {
                continue;
            }
            let Some(t) = rx.ticket(job.ticket_id)? else {
                continue;
            };
            if t.day == today
                && t.state.is_open()
                && !out.iter().any(|u: &Unprinted| u.ticket == t.id)
            {
                out.push(Unprinted {
                    ticket: t.id,
                    number: t.number.clone(),
                    job: job.id,
                    error: job.last_error.clone(),
                });
            }
        }
        Ok(out)
    }

    /// A counter asks for a ticket's paper again (it was held during a printer fault, or
    /// the citizen lost it): a new job, first in line, with the ticket as issued.
    pub fn reprint_ticket(&self, actor: &Actor, ticket_id: u64) -> Result<u64> {
        let last = self
            .store
            .read()?
            .recent_print_jobs::<PrintJob>(2000)?
            .into_iter()
            .find(|j| j.ticket_id == ticket_id && j.checklist.is_none())
            .ok_or(ServiceError::NotFound("phiếu đã in"))?;
        let id = self.run(actor, |tx, now| {
            let t = tx
                .ticket(ticket_id)?
                .ok_or(ServiceError::NotFound("phiếu"))?;
            if !t.state.is_open() {
                return Err(ServiceError::conflict(
                    "ticket_closed",
                    "Phiếu này đã phục vụ xong hoặc đã hủy, không cần in lại",
                ));
            }
            // The held job leaves the counters' list; the new one prints now.
            if let Some(mut old) = tx.print_job::<PrintJob>(last.id)? {
                if old.state == PrintState::Held {
                    old.state = PrintState::Cancelled;
                    tx.put_print_job(old.id, false, &old)?;
                    tx.emit(changed(&old));
                }
            }
            let job = PrintJob {
                id: tx.next_id("print_job")?,
                state: PrintState::Pending,
                created_at: now,
                attempts: 0,
                last_error: None,
                printed_at: None,
                ..last.clone()
            };
            tx.put_print_job(job.id, true, &job)?;
            tx.emit(changed(&job));
            Ok(job.id)
        })?;
        self.wake_printer();
        Ok(id)
    }

    pub fn cancel_print_job(&self, actor: &Actor, id: u64) -> Result<PrintJob> {
        self.run(actor, |tx, _| {
            let mut job: PrintJob = tx.print_job(id)?.ok_or(ServiceError::NotFound("lệnh in"))?;
            if job.state != PrintState::Pending {
                return Err(ServiceError::conflict(
                    "job_finished",
                    "Lệnh in này đã xong hoặc đã hủy",
                ));
            }
            job.state = PrintState::Cancelled;
            tx.put_print_job(id, false, &job)?;
            tx.emit(changed(&job));
            Ok(job)
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PaperReport {
    pub problem: Option<String>,
    pub unprinted: Vec<Unprinted>,
}

/// A ticket of today whose paper did not come out.
#[derive(Debug, Clone, Serialize)]
pub struct Unprinted {
    pub ticket: u64,
    pub number: String,
    pub job: u64,
    /// What the printer said (Vietnamese), e.g. "Hết giấy".
    pub error: Option<String>,
}

/// The kiosk printer as the admin page sees it.
#[derive(Debug, Serialize)]
pub struct PrinterView {
    configured: bool,
    target: String,
    status: Option<crate::devices::printer::PrinterStatus>,
    status_text: Option<String>,
    simulated: bool,
    sim_faults: Option<SimFaults>,
    recent_jobs: Vec<u64>,
}

/// The simulated printer's switchable faults (demo and tests).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Default)]
pub struct SimFaults {
    pub paper_out: bool,
    pub cover_open: bool,
    pub near_end: bool,
    pub offline: bool,
}

impl Services {
    fn printer(&self) -> Result<&std::sync::Arc<crate::devices::printer::kiosk::KioskPrinter>> {
        self.printer
            .as_ref()
            .ok_or(ServiceError::NotFound("máy in"))
    }

    /// Whether a ticket printer is configured (not `none`).
    pub fn printer_configured(&self) -> bool {
        self.printer.as_ref().is_some_and(|p| p.configured())
    }

    /// Nudges the print worker (a job was queued or the printer changed).
    pub fn wake_printer(&self) {
        if let Some(w) = &self.print_wake {
            let _ = w.lock().unwrap_or_else(|p| p.into_inner()).send(());
        }
    }

    /// Where the printer is, its last status, the simulated printer's last tickets.
    pub fn printer_view(&self) -> PrinterView {
        let Some(p) = self.printer.as_ref().filter(|p| p.configured()) else {
            return PrinterView {
                configured: false,
                target: "none".into(),
                status: None,
                status_text: None,
                simulated: false,
                sim_faults: None,
                recent_jobs: vec![],
            };
        };
        let status = p.last_status();
        let faults = p.sim_faults().map(|f| {
            let f = f.lock().unwrap_or_else(|e| e.into_inner());
            SimFaults {
                paper_out: f.paper_out,
                cover_open: f.cover_open,
                near_end: f.near_end,
                offline: f.offline,
            }
        });
        PrinterView {
            configured: true,
            target: p.target().to_config(),
            status_text: status.map(|s| s.describe_vi()),
            status,
            simulated: faults.is_some(),
            sim_faults: faults,
            recent_jobs: p.recent_sim_jobs(6),
        }
    }

    /// A simulated job's image (PNG), so anyone can see what a real printer would print.
    pub fn printer_job_png(&self, seq: u64) -> Result<Vec<u8>> {
        self.printer()?
            .sim_png(seq)
            .ok_or(ServiceError::NotFound("phiếu đã in"))
    }

    /// Switches the simulated printer's faults: paper out, cover open…
    pub fn set_printer_sim_faults(&self, faults: SimFaults) -> Result<PrinterView> {
        let p = self.printer()?;
        let f = p.sim_faults().ok_or_else(|| {
            ServiceError::conflict("not_simulated", "Máy in này không phải máy in mô phỏng")
        })?;
        {
            let mut g = f.lock().unwrap_or_else(|e| e.into_inner());
            g.paper_out = faults.paper_out;
            g.cover_open = faults.cover_open;
            g.near_end = faults.near_end;
            g.offline = faults.offline;
        }
        Ok(self.printer_view())
    }

    /// Prints a sample ticket (the admin's test page). A printer that is not ready is the
    /// device's state, not a server fault: 409 with the reason (offline, no paper…).
    pub fn printer_test(&self) -> Result<PrinterView> {
        let p = self.printer()?.clone();
        let now = self.clock.now();
        let settings = self.settings()?;
        let layout = self.ticket_layout()?;
        let job = TicketPrint {
            center_name: settings.name,
            service_name: "IN THỬ — Kiểm tra máy in phiếu".into(),
            number: "A000".into(),
            priority: Some("In thử".into()),
            purpose: None,
            dossier: None,
            waiting_ahead: 0,
            issued_local: crate::domain::time::local(now).naive_local(),
            qr_url: None,
        };
        p.print_with(&job, &layout)
            .map_err(|e| ServiceError::conflict("printer_unavailable", e.to_string()))?;
        Ok(self.printer_view())
    }

    /// The admin picks the kiosk's printer (`sim`, `usb`, `usb:VVVV:PPPP`, `tcp:HOST:PORT`,
    /// `file:PATH`, `none`): saved in the database and switched at once.
    pub fn choose_printer(&self, actor: &Actor, target: &str) -> Result<PrinterView> {
        let parsed = crate::devices::printer::kiosk::PrinterTarget::parse(target)
            .map_err(ServiceError::Invalid)?;
        self.save_printer_choice(actor, target)?;
        if let Some(p) = &self.printer {
            p.set_target(parsed)
                .map_err(|e| ServiceError::Internal(e.to_string()))?;
        }
        self.wake_printer();
        Ok(self.printer_view())
    }
}
