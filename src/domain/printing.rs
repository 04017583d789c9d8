//! What a print job holds: the data printed on a ticket or a papers checklist, and the
//! job's state in the durable print queue. Data only, shared downward: the service queues
//! jobs, the kiosk printer (devices) prints them, the renderer draws them.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// The data printed on one ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketPrint {
    pub center_name: String,
    pub service_name: String,
    /// As displayed, e.g. `A001`, `A-025`, `1005`.
    pub number: String,
    /// Priority class, e.g. `Người cao tuổi`.
    pub priority: Option<String>,
    /// A return visit's purpose (`Nhận kết quả`), printed like the priority mark.
    #[serde(default)]
    pub purpose: Option<String>,
    /// The dossier of a return visit, printed under the purpose.
    #[serde(default)]
    pub dossier: Option<String>,
    pub waiting_ahead: u32,
    /// Already in Asia/Ho_Chi_Minh local time.
    pub issued_local: NaiveDateTime,
    /// Printed as a QR code (e.g. a status page for the ticket).
    pub qr_url: Option<String>,
}

/// The required-papers checklist the kiosk prints from the public listing (niêm yết):
/// what to bring for one procedure, so nobody has to come twice for a missing paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChecklistPrint {
    pub center_name: String,
    pub procedure_name: String,
    pub procedure_code: String,
    /// One line per paper: `Tờ khai … — Bản chính: 1`.
    pub papers: Vec<String>,
    pub time: String,
    pub fee: String,
    /// Where it is filed, e.g. `Quầy 1 — Tư pháp - Hộ tịch - Chứng thực`.
    pub counter: String,
    /// Already in Asia/Ho_Chi_Minh local time.
    pub printed_local: NaiveDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrintState {
    Pending,
    Printed,
    Cancelled,
    /// Could not print while it was fresh (the printer was out of paper or away): not
    /// printed later by itself, so a burst of old tickets never comes out when paper is
    /// back for the next citizen to take. The citizen has the number from the kiosk
    /// screen; a counter reprints it on demand.
    Held,
}

/// A ticket not printed within this long of being issued is held instead of printed.
/// In normal running a ticket prints in about a second; only a fault backlog is older.
pub const PRINT_FRESH_SECS: i64 = 60;

impl PrintJob {
    /// Too old to print by itself now (see [`PrintState::Held`]). Checklists are held
    /// the same way: a citizen who asked for one has long walked on.
    pub fn is_stale(&self, now: DateTime<Utc>) -> bool {
        (now - self.created_at).num_seconds() > PRINT_FRESH_SECS
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrintJob {
    pub id: u64,
    pub ticket_id: u64,
    pub ticket: TicketPrint,
    /// A papers checklist from the public listing instead of a ticket (`ticket_id` 0).
    #[serde(default)]
    pub checklist: Option<ChecklistPrint>,
    pub state: PrintState,
    pub created_at: DateTime<Utc>,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub printed_at: Option<DateTime<Utc>>,
}
