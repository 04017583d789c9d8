//! Use cases. One function per command: read what the rule needs, apply the pure domain
//! rule, write the result and its events in one transaction, then publish the committed
//! events to live screens. Callers run these on a blocking thread (redb fsyncs).

pub mod audit;
pub mod auth;
pub mod backup;
pub mod demo;
pub mod devices;
pub mod dossiers;
pub mod ecopies;
pub mod metrics;
pub mod online;
pub mod printing;
pub mod queue;
pub mod ratings;
pub mod reconcile;
pub mod remote_signing;
pub mod reports;
pub mod scans;
pub mod signers;
pub mod signing;
pub mod sync;
pub mod sync_profile;
pub mod updates;

use std::sync::Arc;

use crate::clock::Clock;
use crate::domain::center::CenterSettings;
use crate::domain::queue::QueueError;
use crate::events::{Actor, Event, Hub};
use crate::store::{Store, StoreError, Tx};

pub use crate::store::SCHEMA_VERSION;
pub use queue::{IssuedTicket, QueueSnapshot, TicketAction};

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Queue(#[from] QueueError),
    #[error("{0}")]
    Dossier(crate::domain::dossier::DossierError),
    #[error("{0}")]
    Rating(crate::domain::rating::RatingError),
    #[error("Không tìm thấy {0}")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(String),
    /// Bad input in general (422 `invalid_input`): a field out of range, a malformed value.
    #[error("{0}")]
    Invalid(String),
    /// Bad input with a code of its own (422), for a client that reacts to it.
    #[error("{message}")]
    Rejected { code: &'static str, message: String },
    /// The request is well formed but the state forbids it now (409): a busy scanner, a
    /// job already printed, a name already taken.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// A fault of the server itself (500): the detail goes to the log, not to the caller.
    #[error("Lỗi hệ thống, vui lòng thử lại")]
    Internal(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("Đăng nhập sai quá nhiều lần; vui lòng thử lại sau {0} giây")]
    Throttled(i64),
    #[error("Lỗi lưu trữ: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Digitize(crate::domain::dossier::digitize::DigitizeError),
    #[error("Gói cập nhật bị từ chối: {0}")]
    Update(crate::domain::update::Reject),
    #[error("{0}")]
    Indicators(crate::domain::dossier::indicators::IndicatorError),
    /// A device (scanner) or the file store failed; the message says which and why.
    #[error("{0}")]
    Device(String),
}

impl ServiceError {
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Queue(e) => e.code(),
            ServiceError::Dossier(e) => e.code(),
            ServiceError::Rating(e) => e.code(),
            ServiceError::NotFound(_) => "not_found",
            ServiceError::Forbidden(_) => "not_operator",
            ServiceError::Invalid(_) => "invalid_input",
            ServiceError::Rejected { code, .. } | ServiceError::Conflict { code, .. } => code,
            ServiceError::Internal(_) => "internal_error",
            ServiceError::Unauthorized(_) => "unauthorized",
            ServiceError::Throttled(_) => "too_many_attempts",
            ServiceError::Store(_) => "storage_error",
            ServiceError::Digitize(_) => "digitize_refused",
            ServiceError::Device(_) => "device_error",
            ServiceError::Update(r) => r.code(),
            ServiceError::Indicators(e) => match e {
                crate::domain::dossier::indicators::IndicatorError::NotReturned => "not_returned",
                crate::domain::dossier::indicators::IndicatorError::AlreadyRecorded => {
                    "already_recorded"
                }
                crate::domain::dossier::indicators::IndicatorError::BadScore => "bad_score",
            },
        }
    }
}

impl ServiceError {
    pub fn rejected(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Rejected {
            code,
            message: message.into(),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Conflict {
            code,
            message: message.into(),
        }
    }
}

pub type Result<T> = std::result::Result<T, ServiceError>;

/// What `/healthz` reports of the database.
#[derive(Debug, Clone, Copy)]
pub struct DbProbe {
    pub schema_version: u32,
    pub tickets: u64,
    pub last_event_seq: u64,
}

/// Everything a command needs: the store, the live hub and the clock.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<Store>,
    pub hub: Hub,
    pub clock: Arc<dyn Clock>,
    /// Login failures (memory only: a restart forgets them, which is fine for throttling).
    pub throttle: Arc<std::sync::Mutex<crate::domain::throttle::Throttle>>,
    /// Paired devices' last request (memory only; writing it per request would fsync).
    /// Live sessions by token hash, so a request's authentication rarely reads the store.
    /// Entries are dropped when a session ends (logout, revocation, password change).
    pub session_cache: Arc<std::sync::Mutex<std::collections::HashMap<String, auth::Session>>>,
    /// The file store of digitized papers (`<data>/files`); `None` only in unit tests
    /// that build services without a data directory.
    pub files: Option<Arc<crate::store::files::FileStore>>,
    /// Where signed bundles, their state and the trusted keys live (`None` in unit tests).
    pub updates: Option<updates::UpdateDirs>,
    /// Running and recent scan jobs (memory only).
    pub scans: Arc<scans::ScanRegistry>,
    /// The data directory (backups, voice clips, update state); `None` in unit tests that
    /// build services without one.
    pub data_dir: Option<std::path::PathBuf>,
    /// The kiosk's ticket printer (always an object once the server runs, even for `none`).
    pub printer: Option<Arc<crate::devices::printer::kiosk::KioskPrinter>>,
    /// Nudges the print worker when a job was queued (it also polls).
    pub print_wake: Option<Arc<std::sync::Mutex<std::sync::mpsc::Sender<()>>>>,
    /// The provincial connector; `None` = sync off (not configured). Rebuilt when the
    /// admin saves the profile, so behind a lock every copy of the services shares.
    pub province: Arc<std::sync::RwLock<Option<Arc<crate::province::Connector>>>>,
    /// The province's address and secret from the config file or the environment
    /// (district IT): they win over the admin page's.
    pub province_override: Arc<sync::ProvinceOverride>,
    /// Held by the server: the sync relay ends when every copy is dropped.
    pub sync_alive: Option<Arc<std::sync::Mutex<std::sync::mpsc::Sender<()>>>>,
    pub device_seen: Arc<
        std::sync::Mutex<
            std::collections::HashMap<String, (chrono::DateTime<chrono::Utc>, Option<String>)>,
        >,
    >,
}

impl Services {
    pub fn new(store: Arc<Store>, hub: Hub, clock: Arc<dyn Clock>) -> Self {
        Services {
            store,
            hub,
            clock,
            throttle: Default::default(),
            session_cache: Default::default(),
            device_seen: Default::default(),
            files: None,
            updates: None,
            scans: Default::default(),
            data_dir: None,
            printer: None,
            print_wake: None,
            province: Default::default(),
            province_override: Default::default(),
            sync_alive: None,
        }
    }

    pub fn with_sync_alive(mut self, tx: std::sync::mpsc::Sender<()>) -> Self {
        self.sync_alive = Some(Arc::new(std::sync::Mutex::new(tx)));
        self
    }

    /// With the provincial connector (sync on).
    pub fn with_province(self, c: crate::province::Connector) -> Self {
        *self.province.write().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(c));
        self
    }

    /// With the config's province address and secret; the connector is then built from
    /// them and the saved profile (see `sync::reconnect`).
    pub fn with_province_override(mut self, o: sync::ProvinceOverride) -> Self {
        self.province_override = Arc::new(o);
        self
    }

    /// With the data directory (backups, voice clips, update state).
    pub fn with_data_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.data_dir = Some(dir);
        self
    }

    /// With the kiosk printer and the channel that wakes its worker.
    pub fn with_printer(
        mut self,
        printer: Arc<crate::devices::printer::kiosk::KioskPrinter>,
        wake: std::sync::mpsc::Sender<()>,
    ) -> Self {
        self.printer = Some(printer);
        self.print_wake = Some(Arc::new(std::sync::Mutex::new(wake)));
        self
    }

    /// The data directory, or a refusal when these services were built without one.
    pub(crate) fn data_dir(&self) -> Result<&std::path::Path> {
        self.data_dir
            .as_deref()
            .ok_or_else(|| ServiceError::Internal("no data directory".into()))
    }

    /// Database health for `/healthz`: tickets and the last event, read in one transaction.
    pub fn db_probe(&self) -> Result<DbProbe> {
        let rx = self.store.read()?;
        Ok(DbProbe {
            schema_version: crate::store::SCHEMA_VERSION,
            tickets: rx.ticket_count()?,
            last_event_seq: rx.last_event_seq()?,
        })
    }

    /// Whether the last disk write failed (redb then refuses writes until reopened).
    pub fn storage_failed(&self) -> bool {
        self.store.storage_failed()
    }

    /// The sequence number of the newest event (0 for an empty log).
    pub fn last_event_seq(&self) -> Result<u64> {
        Ok(self.store.read()?.last_event_seq()?)
    }

    /// Up to `limit` events after `seq`, oldest first (the live feed's backlog).
    pub fn events_after(&self, seq: u64, limit: usize) -> Result<Vec<Event>> {
        Ok(self.store.read()?.events_after(seq, limit)?)
    }

    pub fn with_updates(mut self, dirs: updates::UpdateDirs) -> Self {
        self.updates = Some(dirs);
        self
    }

    /// With the file store of digitized papers.
    pub fn with_files(mut self, files: crate::store::files::FileStore) -> Self {
        self.files = Some(Arc::new(files));
        self
    }

    /// One command: one durable transaction, then its events go live.
    pub fn run<T>(
        &self,
        actor: &Actor,
        f: impl FnOnce(&mut Tx, chrono::DateTime<chrono::Utc>) -> Result<T>,
    ) -> Result<T> {
        let now = self.clock.now();
        let (out, events): (T, Vec<Event>) = self.store.write(actor, now, |tx| f(tx, now))?;
        self.hub.publish(&events);
        Ok(out)
    }

    pub fn settings(&self) -> Result<CenterSettings> {
        Ok(self
            .store
            .read()?
            .meta_cached("settings")?
            .unwrap_or_default())
    }

    pub fn save_settings(&self, actor: &Actor, s: CenterSettings) -> Result<CenterSettings> {
        s.validate().map_err(ServiceError::Invalid)?;
        self.run(actor, |tx, _| {
            tx.put_meta("settings", &s)?;
            tx.emit(crate::events::EventKind::SettingsChanged {
                what: "center".into(),
            });
            Ok(s)
        })
    }
}

/// Writes a file only the service's user may read (0600; its folder created): keys and
/// secrets — a key file, a remote signing account's password, the demo's test keys.
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}
