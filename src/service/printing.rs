//! The kiosk's durable print queue. A ticket and its print job are written in the same
//! transaction, so a printer that is out of paper or unplugged loses nothing: the job waits
//! (in order) until the printer is back or an admin cancels it. The print worker (app.rs)
//! takes the oldest pending job; a job is marked printed right after the printer accepted
//! every byte — a crash between the two can at worst print it twice, never lose it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::events::{Actor, EventKind};
use crate::render::ticket::TicketPrint;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintState {
    Pending,
    Printed,
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintJob {
    pub id: u64,
    pub ticket_id: u64,
    pub ticket: TicketPrint,
    /// A papers checklist from the public listing instead of a ticket (`ticket_id` 0).
    #[serde(default)]
    pub checklist: Option<crate::render::ticket::ChecklistPrint>,
    pub state: PrintState,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub printed_at: Option<DateTime<Utc>>,
}

fn changed(job: &PrintJob) -> EventKind {
    let state = match job.state {
        PrintState::Pending if job.last_error.is_some() => "failed",
        PrintState::Pending => "queued",
        PrintState::Printed => "printed",
        PrintState::Cancelled => "cancelled",
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

    pub fn cancel_print_job(&self, actor: &Actor, id: u64) -> Result<PrintJob> {
        self.run(actor, |tx, _| {
            let mut job: PrintJob = tx.print_job(id)?.ok_or(ServiceError::NotFound("lệnh in"))?;
            if job.state != PrintState::Pending {
                return Err(ServiceError::Invalid(
                    "Lệnh in này đã xong hoặc đã hủy".into(),
                ));
            }
            job.state = PrintState::Cancelled;
            tx.put_print_job(id, false, &job)?;
            tx.emit(changed(&job));
            Ok(job)
        })
    }
}
