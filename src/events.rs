//! Events: what every command appends in its write transaction. The log is at once the
//! audit trail (who, when, from where; hash-chained), the live feed (SSE resumes by
//! sequence number) and the source for rebuilding aggregates.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::broadcast;

use crate::domain::queue::{Counter, CounterId, ServiceArea, Ticket};

/// Who did it: a user or a device, with its role and network address. The role is kept as
/// text in the log because some actors have no account role ("system", "citizen", "shell");
/// code that decides anything by role asks [`Actor::account_role`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub name: String,
    pub role: String,
    pub addr: Option<String>,
}

impl Actor {
    /// The appliance itself (seeding, migrations, schedules).
    pub fn system() -> Self {
        Actor {
            name: "system".into(),
            role: "system".into(),
            addr: None,
        }
    }

    /// A citizen acting without an account (the public lookup, a rating by phone).
    pub fn citizen(name: impl Into<String>, addr: Option<String>) -> Self {
        Actor {
            name: name.into(),
            role: "citizen".into(),
            addr,
        }
    }

    /// The account or device role, if the actor has one.
    pub fn account_role(&self) -> Option<crate::domain::center::Role> {
        crate::domain::center::Role::parse(&self.role)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    TicketIssued {
        ticket: Ticket,
        /// `None` (null) when no counter serving the area was open: no wait was promised.
        estimated_wait_secs: Option<u32>,
    },
    /// A call or a recall: the board shows it and the voice announces it.
    TicketCalled {
        ticket: Ticket,
        counter: CounterId,
        counter_number: u32,
        counter_name: String,
        recall: bool,
    },
    /// start, finish, no_show, reactivate, transfer, cancel.
    TicketChanged {
        action: String,
        ticket: Ticket,
    },
    CounterChanged {
        counter: Counter,
    },
    ServiceChanged {
        service: ServiceArea,
    },
    SettingsChanged {
        what: String,
    },
    UserChanged {
        username: String,
        role: String,
        action: String,
    },
    SessionOpened {
        username: String,
    },
    /// A dossier was received, imported or moved by an action. Carries what the report
    /// aggregates are keyed on (area, procedure, channel) so they can be rebuilt from
    /// the log; statuses are the national codes.
    DossierChanged {
        code: String,
        action: String,
        from: Option<u8>,
        to: u8,
        area: u32,
        procedure: String,
        channel: u8,
    },
    /// A paper (`slot`) of a dossier got a file (its PDF's SHA-256) or lost it (`None`).
    DossierFile {
        code: String,
        slot: String,
        sha256: Option<String>,
        pages: u32,
    },
    /// A certified e-copy request was made, issued (its book number) or refused. No names
    /// and no public token: the audit trail needs neither.
    EcopyChanged {
        id: u64,
        state: String,
        number: Option<String>,
        copies: u32,
    },
    /// A remote signature of a dossier's result: requested, approved (the seal awaited),
    /// refused, expired, failed or cancelled. No names: the dossier's history has them.
    RemoteSignature {
        code: String,
        state: String,
    },
    /// A citizen rated a served ticket (level 1–5).
    RatingRecorded {
        ticket: u64,
        level: u8,
        counter: Option<u32>,
        officer: Option<String>,
    },
    /// A kiosk print job was queued, printed, failed (it stays queued) or cancelled.
    PrintJobChanged {
        job: u64,
        ticket: u64,
        state: String,
        error: Option<String>,
    },
}

impl EventKind {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::TicketIssued { .. } => "ticket_issued",
            EventKind::TicketCalled { .. } => "ticket_called",
            EventKind::TicketChanged { .. } => "ticket_changed",
            EventKind::CounterChanged { .. } => "counter_changed",
            EventKind::ServiceChanged { .. } => "service_changed",
            EventKind::SettingsChanged { .. } => "settings_changed",
            EventKind::UserChanged { .. } => "user_changed",
            EventKind::SessionOpened { .. } => "session_opened",
            EventKind::PrintJobChanged { .. } => "print_job_changed",
            EventKind::DossierChanged { .. } => "dossier_changed",
            EventKind::RatingRecorded { .. } => "rating_recorded",
            EventKind::DossierFile { .. } => "dossier_file",
            EventKind::EcopyChanged { .. } => "ecopy_changed",
            EventKind::RemoteSignature { .. } => "remote_signature",
        }
    }

    /// Whether live screens (board, kiosk, counters) care about it.
    pub fn is_live(&self) -> bool {
        !matches!(
            self,
            EventKind::UserChanged { .. }
                | EventKind::SessionOpened { .. }
                | EventKind::DossierChanged { .. }
                | EventKind::DossierFile { .. }
                | EventKind::EcopyChanged { .. }
                | EventKind::RemoteSignature { .. }
        )
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub kind: EventKind,
    /// Hash of the previous event (hex); the first event chains to 64 zeros.
    pub prev_hash: String,
    /// sha256(prev_hash ‖ seq ‖ at ‖ actor ‖ kind), hex.
    pub hash: String,
}

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chained hash of an event's content, so that editing or deleting one stored event
/// is detected by re-walking the chain.
pub fn chain_hash(
    prev_hash: &str,
    seq: u64,
    at: &DateTime<Utc>,
    actor: &Actor,
    kind: &EventKind,
) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(seq.to_be_bytes());
    h.update(at.to_rfc3339().as_bytes());
    // Serializing our own plain data types to JSON cannot fail.
    h.update(serde_json::to_vec(actor).unwrap_or_default());
    h.update(serde_json::to_vec(kind).unwrap_or_default());
    hex::encode(h.finalize())
}

/// Fan-out of committed events to live screens. Only committed events are sent.
#[derive(Clone)]
pub struct Hub {
    tx: broadcast::Sender<Arc<Event>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(4096);
        Hub { tx }
    }

    pub fn publish(&self, events: &[Event]) {
        for e in events {
            // No receiver is not an error: nobody is watching.
            let _ = self.tx.send(Arc::new(e.clone()));
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.tx.subscribe()
    }
}
