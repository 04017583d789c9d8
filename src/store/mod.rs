//! The only module that knows redb. One file, a handful of tables, every record behind a
//! versioned codec. A command runs inside [`Store::write`]: one durable write transaction
//! that also appends the command's events (hash-chained), so what is acknowledged is on
//! disk and in the audit log together.

mod codec;
mod dossiers;
mod ecopies;
mod outbox;
mod report_agg;
mod signed;

pub use report_agg::AggRow;

pub use dossiers::DossierIndex;
pub use outbox::{InboundRow, SyncRow, SyncState};
pub mod files;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::domain::queue::{
    Counter, CounterId, ServiceArea, ServiceId, Ticket, TicketId, TicketState, WaitingCounts,
};

/// How many recent service durations per area feed wait estimates.
const SERVICE_TIME_RING: usize = 20;

/// Decoded meta values with the bytes they were decoded from (see `meta_cached`). Shared
/// by every store in the process: a value is only reused for identical bytes.
type MetaCache = Vec<(String, Vec<u8>, Box<dyn std::any::Any + Send>)>;
static META_CACHE: std::sync::Mutex<MetaCache> = std::sync::Mutex::new(Vec::new());
use crate::events::{chain_hash, Actor, Event, EventKind, GENESIS_HASH};

pub use codec::CodecError;

/// The schema this binary writes. Older files are migrated forward on open; a newer file
/// is refused rather than misread.
pub const SCHEMA_VERSION: u32 = 3;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const EVENTS: TableDefinition<u64, &[u8]> = TableDefinition::new("events");
const TICKETS: TableDefinition<u64, &[u8]> = TableDefinition::new("tickets");
/// Ids of tickets still in the live queue (waiting, called, serving).
const OPEN: TableDefinition<u64, ()> = TableDefinition::new("open_tickets");
const SERVICES: TableDefinition<u32, &[u8]> = TableDefinition::new("services");
const COUNTERS: TableDefinition<u32, &[u8]> = TableDefinition::new("counters");
const USERS: TableDefinition<&str, &[u8]> = TableDefinition::new("users");
const SESSIONS: TableDefinition<&str, &[u8]> = TableDefinition::new("sessions");
/// Paired devices (kiosks, TVs, rating tablets) and pending pairing codes.
const DEVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("devices");
const PAIRINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("pairings");
/// The kiosk's print jobs (durable: a job survives a printer fault and a restart) and the
/// index of those still to print, oldest first.
const PRINT_JOBS: TableDefinition<u64, &[u8]> = TableDefinition::new("print_jobs");
const PRINT_PENDING: TableDefinition<u64, ()> = TableDefinition::new("print_pending");
/// Citizen ratings by ticket id (one per served ticket).
const RATINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("ratings");
/// Named counters: id sequences and per-day ticket counts.
const SEQS: TableDefinition<&str, u64> = TableDefinition::new("seqs");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(#[from] redb::Error),
    #[error("record codec: {0}")]
    Codec(#[from] CodecError),
    #[error("the database file has schema version {found}, newer than this program's {supported}; refusing to open it")]
    TooNew { found: u32, supported: u32 },
    #[error("backup: {0}")]
    Backup(String),
    #[error("cannot open {path}: {source}")]
    Open {
        path: PathBuf,
        source: redb::DatabaseError,
    },
}

impl StoreError {
    /// The disk (or the data partition) is full: the one storage failure an admin can fix
    /// on the spot, so it gets its own message instead of "internal error".
    /// redb refuses writes after an earlier I/O failure until the file is reopened.
    pub fn is_previous_io(&self) -> bool {
        matches!(self, StoreError::Db(redb::Error::PreviousIo))
            || self.to_string().contains("Previous I/O error")
    }

    pub fn is_disk_full(&self) -> bool {
        let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(e) = cur {
            if let Some(io) = e.downcast_ref::<std::io::Error>() {
                if io.raw_os_error() == Some(28) || io.kind() == std::io::ErrorKind::StorageFull {
                    return true;
                }
            }
            cur = e.source();
        }
        // redb flattens some I/O errors into its own messages.
        let text = self.to_string();
        text.contains("No space left on device") || text.contains("os error 28")
    }
}

macro_rules! from_redb {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> Self { StoreError::Db(e.into()) }
        }
    )*};
}
from_redb!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

pub struct Store {
    db: Database,
    path: PathBuf,
    /// Set when a write failed on the disk (full, or redb's "previous I/O error" after
    /// it): redb then refuses every write until the file is reopened, so the watchdog
    /// stops pinging and systemd restarts the service, which recovers once there is room.
    storage_failed: std::sync::atomic::AtomicBool,
    /// `false` only in `motcua bench sync`, to measure what the outbox costs a dossier
    /// command; an appliance never turns it off (nothing would reach the province).
    outbox: std::sync::atomic::AtomicBool,
}

impl Store {
    /// Benchmarks only: with `false`, commands skip their outbox row (see `outbox`).
    pub fn set_outbox_for_bench(&self, on: bool) {
        self.outbox.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// Opens (or creates) the database file, creates missing tables and migrates.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let store = Store {
            db,
            path: path.to_path_buf(),
            storage_failed: Default::default(),
            outbox: std::sync::atomic::AtomicBool::new(true),
        };
        store.migrate()?;
        Ok(store)
    }

    /// redb's own structural check (checksums, tree invariants) of a closed database file.
    pub fn check_file_integrity(path: &Path) -> Result<bool, StoreError> {
        let mut db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        db.check_integrity().map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        {
            let mut meta = txn.open_table(META)?;
            let found = match meta.get("schema_version")? {
                Some(v) => codec::decode::<u32>(v.value())?,
                None => 0,
            };
            if found > SCHEMA_VERSION {
                return Err(StoreError::TooNew {
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            // Version 0 = empty file. Migrations go here, one step per version.
            if found < SCHEMA_VERSION {
                meta.insert("schema_version", codec::encode(&SCHEMA_VERSION)?.as_slice())?;
            }
            drop(meta);
            // 1 → 2: the report aggregates, summed from the records already there.
            // 2 → 3: a dossier waiting for the citizen is no longer overdue (the clock
            // stop), so the aggregates are summed again.
            if found == 1 || found == 2 {
                dossiers::create_tables(&txn)?;
                report_agg::rebuild(&txn)?;
            }
            txn.open_table(EVENTS)?;
            txn.open_table(TICKETS)?;
            txn.open_table(OPEN)?;
            txn.open_table(SERVICES)?;
            txn.open_table(COUNTERS)?;
            txn.open_table(USERS)?;
            txn.open_table(SESSIONS)?;
            txn.open_table(SEQS)?;
            txn.open_table(DEVICES)?;
            txn.open_table(PAIRINGS)?;
            txn.open_table(PRINT_JOBS)?;
            txn.open_table(PRINT_PENDING)?;
            dossiers::create_tables(&txn)?;
            // The sync outbox (new tables need no schema step: created where missing).
            outbox::create_tables(&txn)?;
            ecopies::create_tables(&txn)?;
            signed::create_tables(&txn)?;
            report_agg::create_tables(&txn)?;
            txn.open_table(RATINGS)?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Runs one command: `f` reads and writes through [`Tx`] and emits events; they are
    /// appended with sequence numbers and hashes, and the whole is committed durably
    /// (fsync) before this returns. Any error aborts everything.
    pub fn write<T, E>(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        f: impl FnOnce(&mut Tx) -> Result<T, E>,
    ) -> Result<(T, Vec<Event>), E>
    where
        E: From<StoreError>,
    {
        let mut txn = match self.db.begin_write().map_err(StoreError::from) {
            Ok(t) => t,
            Err(e) => {
                if e.is_disk_full() || e.is_previous_io() {
                    self.storage_failed
                        .store(true, std::sync::atomic::Ordering::Relaxed);
                }
                return Err(e.into());
            }
        };
        txn.set_durability(Durability::Immediate)
            .map_err(|e| StoreError::Db(e.into()))?;
        let mut tx = Tx {
            txn,
            pending: Vec::new(),
            outbox: self.outbox.load(std::sync::atomic::Ordering::Relaxed),
        };
        let out = f(&mut tx)?;
        let Tx { txn, pending, .. } = tx;
        let events = append_events(&txn, actor, now, pending)?;
        if let Err(e) = txn.commit().map_err(StoreError::from) {
            if e.is_disk_full() || e.is_previous_io() {
                self.storage_failed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
            }
            return Err(e.into());
        }
        Ok((out, events))
    }

    /// A write failed on the disk since this file was opened (see `storage_failed`).
    pub fn storage_failed(&self) -> bool {
        self.storage_failed
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn read(&self) -> Result<Rx, StoreError> {
        Ok(Rx {
            txn: self.db.begin_read()?,
        })
    }

    /// A raw redb write with one insert and nothing else: the baseline the benchmark
    /// compares ticket issuance with.
    pub fn raw_commit_baseline(&self, key: u64) -> Result<(), StoreError> {
        const BASE: TableDefinition<u64, u64> = TableDefinition::new("bench_baseline");
        let txn = self.db.begin_write()?;
        txn.open_table(BASE)?.insert(key, key)?;
        txn.commit()?;
        Ok(())
    }

    /// The storage floor of an issuance, for the benchmark: the bytes an issuance must
    /// make durable, written raw in one commit with no rule, read or encoding around them.
    /// Always the ticket record and its audit event (invariants 3 and 4); with `indexes`,
    /// also what issuance keeps beside them (open-set entry, id, day and waiting counters).
    /// The gap between this and a one-row commit is the cost of the data's shape; the gap
    /// between this and the real command is the cost of the command's own work.
    pub fn raw_commit_floor(
        &self,
        key: u64,
        ticket: &[u8],
        event: &[u8],
        indexes: bool,
    ) -> Result<(), StoreError> {
        const T: TableDefinition<u64, &[u8]> = TableDefinition::new("bench_tickets");
        const E: TableDefinition<u64, &[u8]> = TableDefinition::new("bench_events");
        const O: TableDefinition<u64, ()> = TableDefinition::new("bench_open");
        const S: TableDefinition<&str, u64> = TableDefinition::new("bench_seqs");
        let txn = self.db.begin_write()?;
        txn.open_table(T)?.insert(key, ticket)?;
        txn.open_table(E)?.insert(key, event)?;
        if indexes {
            txn.open_table(O)?.insert(key, ())?;
            let mut s = txn.open_table(S)?;
            for k in ["id:ticket", "issued:day", "wait:area"] {
                let v = s.get(k)?.map(|v| v.value()).unwrap_or(0);
                s.insert(k, v + 1)?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// The stored bytes of the newest ticket and the newest event (the benchmark writes
    /// records of exactly this shape for its storage floor).
    pub fn newest_ticket_and_event_bytes(&self) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let txn = self.db.begin_read()?;
        let newest = |t: redb::ReadOnlyTable<u64, &[u8]>| -> Result<Vec<u8>, StoreError> {
            Ok(t.last()?
                .map(|(_, v)| v.value().to_vec())
                .unwrap_or_default())
        };
        Ok((
            newest(txn.open_table(TICKETS)?)?,
            newest(txn.open_table(EVENTS)?)?,
        ))
    }
}

fn append_events(
    txn: &redb::WriteTransaction,
    actor: &Actor,
    now: DateTime<Utc>,
    pending: Vec<EventKind>,
) -> Result<Vec<Event>, StoreError> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut table = txn.open_table(EVENTS)?;
    // The chain head is the last event's hash. Reading it back costs a decode, but keeps
    // the append inside one table (fewer pages to write per durable commit).
    let (mut seq, mut prev_hash) = match table.last()? {
        Some((k, v)) => (k.value(), codec::decode::<Event>(v.value())?.hash),
        None => (0, GENESIS_HASH.to_string()),
    };
    let mut out = Vec::with_capacity(pending.len());
    for kind in pending {
        seq += 1;
        let hash = chain_hash(&prev_hash, seq, &now, actor, &kind);
        let event = Event {
            seq,
            at: now,
            actor: actor.clone(),
            kind,
            prev_hash,
            hash: hash.clone(),
        };
        table.insert(seq, codec::encode(&event)?.as_slice())?;
        prev_hash = hash;
        out.push(event);
    }
    Ok(out)
}

fn day_key(service: ServiceId, day: NaiveDate) -> String {
    format!("issued:{service}:{day}")
}

/// Reads shared by the write and the read transaction (both have `open_table`).
macro_rules! reads {
    ($ty:ident) => {
        impl $ty {
            pub fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
                let t = self.txn.open_table(TICKETS)?;
                let v = t.get(id)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            /// Tickets in the live queue, in id order.
            pub fn open_tickets(&self) -> Result<Vec<Ticket>, StoreError> {
                let open = self.txn.open_table(OPEN)?;
                let tickets = self.txn.open_table(TICKETS)?;
                let mut out = Vec::new();
                for row in open.iter()? {
                    let (id, _) = row?;
                    if let Some(v) = tickets.get(id.value())? {
                        out.push(codec::decode(v.value())?);
                    }
                }
                Ok(out)
            }

            /// The most recent tickets (newest first), at most `limit`, while `keep` says so.
            pub fn recent_tickets(
                &self,
                limit: usize,
                mut keep: impl FnMut(&Ticket) -> bool,
            ) -> Result<Vec<Ticket>, StoreError> {
                let tickets = self.txn.open_table(TICKETS)?;
                let mut out = Vec::new();
                for row in tickets.iter()?.rev() {
                    let (_, v) = row?;
                    let t: Ticket = codec::decode(v.value())?;
                    if !keep(&t) || out.len() >= limit {
                        break;
                    }
                    out.push(t);
                }
                Ok(out)
            }

            /// Tickets of local days `from..=to`. Ids grow with issue time, so the walk goes
            /// back from the newest and stops at the first ticket of an earlier day.
            pub fn tickets_on_days(
                &self,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<Ticket>, StoreError> {
                let tickets = self.txn.open_table(TICKETS)?;
                let mut out = Vec::new();
                for row in tickets.iter()?.rev() {
                    let (_, v) = row?;
                    let t: Ticket = codec::decode(v.value())?;
                    if t.day < from {
                        break;
                    }
                    if t.day <= to {
                        out.push(t);
                    }
                }
                out.reverse();
                Ok(out)
            }

            pub fn ticket_count(&self) -> Result<u64, StoreError> {
                Ok(self.txn.open_table(TICKETS)?.len()?)
            }

            pub fn services(&self) -> Result<Vec<ServiceArea>, StoreError> {
                all_values(&self.txn.open_table(SERVICES)?)
            }

            pub fn service(&self, id: ServiceId) -> Result<Option<ServiceArea>, StoreError> {
                get_value(&self.txn.open_table(SERVICES)?, id)
            }

            pub fn counters(&self) -> Result<Vec<Counter>, StoreError> {
                all_values(&self.txn.open_table(COUNTERS)?)
            }

            pub fn counter(&self, id: CounterId) -> Result<Option<Counter>, StoreError> {
                get_value(&self.txn.open_table(COUNTERS)?, id)
            }

            /// [`meta`](Self::meta) for values read on every command (the center's
            /// settings): the decoded value is kept beside the exact bytes it came from,
            /// and reused while the stored bytes are the same, so it can never be stale.
            pub fn meta_cached<T: DeserializeOwned + Clone + Send + 'static>(
                &self,
                key: &str,
            ) -> Result<Option<T>, StoreError> {
                let t = self.txn.open_table(META)?;
                let Some(v) = t.get(key)? else {
                    return Ok(None);
                };
                let bytes = v.value();
                let mut cache = META_CACHE.lock().unwrap_or_else(|p| p.into_inner());
                let hit = cache
                    .iter()
                    .find(|(k, b, _)| k == key && b.as_slice() == bytes)
                    .and_then(|(_, _, value)| value.downcast_ref::<T>());
                if let Some(hit) = hit {
                    return Ok(Some(hit.clone()));
                }
                let value: T = codec::decode(bytes)?;
                cache.retain(|(k, _, _)| k != key);
                cache.push((key.to_string(), bytes.to_vec(), Box::new(value.clone())));
                Ok(Some(value))
            }

            pub fn meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
                str_get(&self.txn.open_table(META)?, key)
            }

            pub fn user<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, StoreError> {
                str_get(&self.txn.open_table(USERS)?, name)
            }

            pub fn users<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
                let t = self.txn.open_table(USERS)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            pub fn session<T: DeserializeOwned>(
                &self,
                token_hash: &str,
            ) -> Result<Option<T>, StoreError> {
                str_get(&self.txn.open_table(SESSIONS)?, token_hash)
            }

            pub fn waiting_counts(&self, service: ServiceId) -> Result<WaitingCounts, StoreError> {
                let t = self.txn.open_table(SEQS)?;
                let get = |k: String| -> Result<u32, StoreError> {
                    Ok(t.get(k.as_str())?.map(|v| v.value()).unwrap_or(0) as u32)
                };
                Ok(WaitingCounts {
                    total: get(format!("wait:{service}"))?,
                    priority: get(format!("waitp:{service}"))?,
                })
            }

            /// Service durations (seconds) of the area's latest finished tickets on `day`.
            pub fn service_times(
                &self,
                service: ServiceId,
                day: NaiveDate,
            ) -> Result<Vec<u32>, StoreError> {
                let ring: Vec<(NaiveDate, u32)> = self
                    .meta(&format!("svc_times:{service}"))?
                    .unwrap_or_default();
                Ok(ring
                    .into_iter()
                    .filter(|(d, _)| *d == day)
                    .map(|(_, s)| s)
                    .collect())
            }

            pub fn device<T: DeserializeOwned>(&self, id: &str) -> Result<Option<T>, StoreError> {
                str_get(&self.txn.open_table(DEVICES)?, id)
            }

            pub fn devices<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
                let t = self.txn.open_table(DEVICES)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            pub fn pairing<T: DeserializeOwned>(
                &self,
                code: &str,
            ) -> Result<Option<T>, StoreError> {
                str_get(&self.txn.open_table(PAIRINGS)?, code)
            }

            pub fn print_job<T: DeserializeOwned>(&self, id: u64) -> Result<Option<T>, StoreError> {
                let t = self.txn.open_table(PRINT_JOBS)?;
                let v = t.get(id)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            /// The newest `limit` jobs, newest first (whatever their state).
            pub fn recent_print_jobs<T: DeserializeOwned>(
                &self,
                limit: usize,
            ) -> Result<Vec<T>, StoreError> {
                let jobs = self.txn.open_table(PRINT_JOBS)?;
                let mut out = Vec::new();
                for row in jobs.iter()?.rev().take(limit) {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            /// Jobs still to print, oldest first.
            pub fn pending_print_jobs<T: DeserializeOwned>(
                &self,
                limit: usize,
            ) -> Result<Vec<T>, StoreError> {
                let pending = self.txn.open_table(PRINT_PENDING)?;
                let jobs = self.txn.open_table(PRINT_JOBS)?;
                let mut out = Vec::new();
                for row in pending.iter()?.take(limit) {
                    let (id, _) = row?;
                    if let Some(v) = jobs.get(id.value())? {
                        out.push(codec::decode(v.value())?);
                    }
                }
                Ok(out)
            }

            pub fn issued_on(&self, service: ServiceId, day: NaiveDate) -> Result<u32, StoreError> {
                let t = self.txn.open_table(SEQS)?;
                let v = t.get(day_key(service, day).as_str())?;
                Ok(v.map(|v| v.value()).unwrap_or(0) as u32)
            }

            /// Events with `seq > after`, at most `limit`, in order.
            pub fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>, StoreError> {
                let t = self.txn.open_table(EVENTS)?;
                let mut out = Vec::new();
                for row in t.range(after.saturating_add(1)..)? {
                    if out.len() >= limit {
                        break;
                    }
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            /// Events newest first, starting below `before` (exclusive), that `keep` accepts;
            /// at most `limit` results and at most `scan` events looked at.
            pub fn events_back(
                &self,
                before: u64,
                limit: usize,
                scan: usize,
                mut keep: impl FnMut(&Event) -> bool,
            ) -> Result<Vec<Event>, StoreError> {
                let t = self.txn.open_table(EVENTS)?;
                let mut out = Vec::new();
                for row in t.range(..before)?.rev().take(scan) {
                    let e: Event = codec::decode(row?.1.value())?;
                    if keep(&e) {
                        out.push(e);
                        if out.len() >= limit {
                            break;
                        }
                    }
                }
                Ok(out)
            }

            pub fn rating<T: DeserializeOwned>(
                &self,
                ticket: u64,
            ) -> Result<Option<T>, StoreError> {
                let t = self.txn.open_table(RATINGS)?;
                let v = t.get(ticket)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            /// Every rating, by ticket id (ticket ids grow with time, so oldest first).
            pub fn ratings<T: DeserializeOwned>(&self) -> Result<Vec<T>, StoreError> {
                let t = self.txn.open_table(RATINGS)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            pub fn last_event_seq(&self) -> Result<u64, StoreError> {
                let t = self.txn.open_table(EVENTS)?;
                let last = t.last()?;
                Ok(last.map(|(k, _)| k.value()).unwrap_or(0))
            }
        }
    };
}

fn get_value<T: DeserializeOwned>(
    t: &impl ReadableTable<u32, &'static [u8]>,
    id: u32,
) -> Result<Option<T>, StoreError> {
    let v = t.get(id)?;
    Ok(match v {
        Some(v) => Some(codec::decode(v.value())?),
        None => None,
    })
}

fn str_get<T: DeserializeOwned>(
    t: &impl ReadableTable<&'static str, &'static [u8]>,
    key: &str,
) -> Result<Option<T>, StoreError> {
    let v = t.get(key)?;
    Ok(match v {
        Some(v) => Some(codec::decode(v.value())?),
        None => None,
    })
}

fn all_values<T: DeserializeOwned>(
    t: &impl ReadableTable<u32, &'static [u8]>,
) -> Result<Vec<T>, StoreError> {
    let mut out = Vec::new();
    for row in t.iter()? {
        out.push(codec::decode(row?.1.value())?);
    }
    Ok(out)
}

/// A command's write transaction. Writes are visible to later reads in the same command.
pub struct Tx {
    txn: redb::WriteTransaction,
    pending: Vec<EventKind>,
    outbox: bool,
}

/// A consistent read snapshot (MVCC: never blocks the writer).
pub struct Rx {
    txn: redb::ReadTransaction,
}

reads!(Tx);
reads!(Rx);

impl Tx {
    /// Appends an event to this command; it is written with the commit.
    pub fn emit(&mut self, kind: EventKind) {
        self.pending.push(kind);
    }

    /// Writes a ticket and keeps the derived indexes in the same transaction: the open
    /// set, per-area waiting counts, and the recent service times of each area.
    pub fn put_ticket(&mut self, t: &Ticket) -> Result<(), StoreError> {
        let old = self.ticket(t.id)?;
        if let Some(o) = old.as_ref().filter(|o| o.state == TicketState::Waiting) {
            self.add_waiting(o.service, o.is_priority(), -1)?;
        }
        if t.state == TicketState::Waiting {
            self.add_waiting(t.service, t.is_priority(), 1)?;
        }
        let newly_done = t.state == TicketState::Done
            && old.as_ref().is_none_or(|o| o.state != TicketState::Done);
        if let (true, Some(start), Some(end)) = (newly_done, t.started_at, t.finished_at) {
            let key = format!("svc_times:{}", t.service);
            let mut ring: Vec<(NaiveDate, u32)> = self.meta(&key)?.unwrap_or_default();
            ring.push((t.day, (end - start).num_seconds().max(0) as u32));
            if ring.len() > SERVICE_TIME_RING {
                ring.remove(0);
            }
            self.put_meta(&key, &ring)?;
        }
        self.txn
            .open_table(TICKETS)?
            .insert(t.id, codec::encode(t)?.as_slice())?;
        let mut open = self.txn.open_table(OPEN)?;
        if t.state.is_open() {
            open.insert(t.id, ())?;
        } else {
            open.remove(t.id)?;
        }
        Ok(())
    }

    pub fn put_service(&mut self, s: &ServiceArea) -> Result<(), StoreError> {
        self.txn
            .open_table(SERVICES)?
            .insert(s.id, codec::encode(s)?.as_slice())?;
        Ok(())
    }

    pub fn put_counter(&mut self, c: &Counter) -> Result<(), StoreError> {
        self.txn
            .open_table(COUNTERS)?
            .insert(c.id, codec::encode(c)?.as_slice())?;
        Ok(())
    }

    pub fn put_meta<T: Serialize>(&mut self, key: &str, v: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(META)?
            .insert(key, codec::encode(v)?.as_slice())?;
        Ok(())
    }

    pub fn put_user<T: Serialize>(&mut self, name: &str, v: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(USERS)?
            .insert(name, codec::encode(v)?.as_slice())?;
        Ok(())
    }

    pub fn put_session<T: Serialize>(&mut self, token_hash: &str, v: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(SESSIONS)?
            .insert(token_hash, codec::encode(v)?.as_slice())?;
        Ok(())
    }

    /// Writes a print job; `pending` keeps it in the to-print index.
    pub fn put_print_job<T: Serialize>(
        &mut self,
        id: u64,
        pending: bool,
        v: &T,
    ) -> Result<(), StoreError> {
        self.txn
            .open_table(PRINT_JOBS)?
            .insert(id, codec::encode(v)?.as_slice())?;
        let mut p = self.txn.open_table(PRINT_PENDING)?;
        if pending {
            p.insert(id, ())?;
        } else {
            p.remove(id)?;
        }
        Ok(())
    }

    pub fn put_device<T: Serialize>(&mut self, id: &str, v: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(DEVICES)?
            .insert(id, codec::encode(v)?.as_slice())?;
        Ok(())
    }

    pub fn put_pairing<T: Serialize>(&mut self, code: &str, v: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(PAIRINGS)?
            .insert(code, codec::encode(v)?.as_slice())?;
        Ok(())
    }

    pub fn put_rating<T: Serialize>(&mut self, ticket: u64, r: &T) -> Result<(), StoreError> {
        self.txn
            .open_table(RATINGS)?
            .insert(ticket, codec::encode(r)?.as_slice())?;
        Ok(())
    }

    pub fn delete_pairing(&mut self, code: &str) -> Result<(), StoreError> {
        self.txn.open_table(PAIRINGS)?.remove(code)?;
        Ok(())
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.txn.open_table(SESSIONS)?.remove(token_hash)?;
        Ok(())
    }

    fn add_waiting(
        &mut self,
        service: ServiceId,
        priority: bool,
        delta: i64,
    ) -> Result<(), StoreError> {
        let mut t = self.txn.open_table(SEQS)?;
        let mut keys = vec![format!("wait:{service}")];
        if priority {
            keys.push(format!("waitp:{service}"));
        }
        for key in keys {
            let v = t.get(key.as_str())?.map(|v| v.value()).unwrap_or(0) as i64;
            t.insert(key.as_str(), (v + delta).max(0) as u64)?;
        }
        Ok(())
    }

    /// Next value of a named id sequence (1, 2, 3, …).
    pub fn next_id(&mut self, name: &str) -> Result<u64, StoreError> {
        let mut t = self.txn.open_table(SEQS)?;
        let key = format!("id:{name}");
        let next = t.get(key.as_str())?.map(|v| v.value()).unwrap_or(0) + 1;
        t.insert(key.as_str(), next)?;
        Ok(next)
    }

    /// Counts one more ticket issued for `service` on local `day`; returns the new count.
    pub fn bump_issued(&mut self, service: ServiceId, day: NaiveDate) -> Result<u32, StoreError> {
        let mut t = self.txn.open_table(SEQS)?;
        let key = day_key(service, day);
        let next = t.get(key.as_str())?.map(|v| v.value()).unwrap_or(0) + 1;
        t.insert(key.as_str(), next)?;
        Ok(next as u32)
    }
}

/// First line of a backup file: format and version, so a restore refuses what it does
/// not understand.
pub const BACKUP_MAGIC: &str = "MOTCUA-BACKUP 1";

#[derive(serde::Serialize, serde::Deserialize)]
struct BackupRow {
    t: String,
    k: serde_json::Value,
    /// Hex of the stored bytes (or the number, for counters); null for index rows.
    v: serde_json::Value,
}

macro_rules! export_table {
    ($out:expr, $txn:expr, $def:expr, $name:literal, bytes) => {{
        for row in $txn.open_table($def)?.iter()? {
            let (k, v) = row?;
            let r = BackupRow {
                t: $name.into(),
                k: serde_json::json!(k.value()),
                v: serde_json::json!(hex::encode(v.value())),
            };
            backup_line($out, &r)?;
        }
    }};
    ($out:expr, $txn:expr, $def:expr, $name:literal, unit) => {{
        for row in $txn.open_table($def)?.iter()? {
            let (k, _) = row?;
            let r = BackupRow {
                t: $name.into(),
                k: serde_json::json!(k.value()),
                v: serde_json::Value::Null,
            };
            backup_line($out, &r)?;
        }
    }};
    ($out:expr, $txn:expr, $def:expr, $name:literal, number) => {{
        for row in $txn.open_table($def)?.iter()? {
            let (k, v) = row?;
            let r = BackupRow {
                t: $name.into(),
                k: serde_json::json!(k.value()),
                v: serde_json::json!(v.value()),
            };
            backup_line($out, &r)?;
        }
    }};
}

fn backup_line(out: &mut dyn std::io::Write, r: &BackupRow) -> Result<(), StoreError> {
    serde_json::to_writer(&mut *out, r).map_err(CodecError::from)?;
    out.write_all(b"\n")
        .map_err(|e| StoreError::Backup(e.to_string()))?;
    Ok(())
}

impl Store {
    /// Writes a consistent copy of every table (one read transaction: the server keeps
    /// running) as gzip-compressed JSON lines.
    pub fn export(&self, out: impl std::io::Write) -> Result<(), StoreError> {
        self.export_with_files(out, None)
    }

    /// The backup, with the digitized papers' files the dossiers refer to (rows `file`,
    /// keyed by SHA-256). Files are immutable and named by content, so the read
    /// transaction's snapshot and the files written after it agree.
    pub fn export_with_files(
        &self,
        out: impl std::io::Write,
        files: Option<&files::FileStore>,
    ) -> Result<(), StoreError> {
        let txn = self.db.begin_read()?;
        let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
        let o: &mut dyn std::io::Write = &mut gz;
        writeln!(o, "{BACKUP_MAGIC} schema={SCHEMA_VERSION}")
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        export_table!(o, txn, META, "meta", bytes);
        export_table!(o, txn, EVENTS, "events", bytes);
        export_table!(o, txn, TICKETS, "tickets", bytes);
        export_table!(o, txn, OPEN, "open_tickets", unit);
        export_table!(o, txn, SERVICES, "services", bytes);
        export_table!(o, txn, COUNTERS, "counters", bytes);
        export_table!(o, txn, USERS, "users", bytes);
        export_table!(o, txn, SESSIONS, "sessions", bytes);
        export_table!(o, txn, SEQS, "seqs", number);
        export_table!(o, txn, DEVICES, "devices", bytes);
        export_table!(o, txn, PAIRINGS, "pairings", bytes);
        export_table!(o, txn, PRINT_JOBS, "print_jobs", bytes);
        export_table!(o, txn, PRINT_PENDING, "print_pending", unit);
        export_table!(o, txn, RATINGS, "ratings", bytes);
        // What the province has not acknowledged yet: a restored appliance still sends it.
        export_table!(o, txn, outbox::OUTBOX, "sync_outbox", bytes);
        export_table!(o, txn, outbox::INBOUND, "sync_inbound", bytes);
        // Certified copies and their public tokens (the book's counter is in meta).
        export_table!(o, txn, ecopies::ECOPIES, "ecopies", bytes);
        export_table!(o, txn, ecopies::ECOPY_TOKENS, "ecopy_tokens", number);
        export_table!(o, txn, signed::SIGNED_RESULTS, "signed_results", number);
        // Dossier indexes are derived: a restore rebuilds them from the records.
        export_table!(o, txn, dossiers::DOSSIERS, "dossiers", bytes);
        for row in txn.open_table(dossiers::IMPORT_KEYS)?.iter()? {
            let (k, v) = row?;
            let r = BackupRow {
                t: "dossier_import_keys".into(),
                k: serde_json::json!(k.value()),
                v: serde_json::json!(v.value()),
            };
            backup_line(o, &r)?;
        }
        if let Some(fs) = files {
            let mut seen = std::collections::HashSet::new();
            for row in txn.open_table(dossiers::DOSSIERS)?.iter()? {
                let (_, v) = row?;
                let d: crate::domain::dossier::Dossier = codec::decode(v.value())?;
                for f in &d.files {
                    for b in std::iter::once(&f.pdf).chain(f.pages.iter()) {
                        if !seen.insert(b.sha256.clone()) {
                            continue;
                        }
                        match fs.get(&b.sha256) {
                            Ok(bytes) => backup_line(
                                o,
                                &BackupRow {
                                    t: "file".into(),
                                    k: serde_json::json!(b.sha256),
                                    v: serde_json::json!(hex::encode(bytes)),
                                },
                            )?,
                            // Keep backing up the rest; the log says what is lost.
                            Err(e) => {
                                tracing::error!(dossier = %d.code, sha256 = %b.sha256, "backup: file not saved: {e}")
                            }
                        }
                    }
                }
            }
        }
        if let Some(fs) = files {
            // The originals certified and the copies issued: the public page and the
            // book need them after a restore.
            let mut seen = std::collections::HashSet::new();
            for row in txn.open_table(ecopies::ECOPIES)?.iter()? {
                let (_, v) = row?;
                let c: crate::domain::ecopy::CopyRecord = codec::decode(v.value())?;
                for sha in std::iter::once(&c.original_sha256).chain(c.copy_sha256.iter()) {
                    if !seen.insert(sha.clone()) {
                        continue;
                    }
                    match fs.get(sha) {
                        Ok(bytes) => backup_line(
                            o,
                            &BackupRow {
                                t: "file".into(),
                                k: serde_json::json!(sha),
                                v: serde_json::json!(hex::encode(bytes)),
                            },
                        )?,
                        Err(e) => {
                            tracing::error!(copy = c.id, sha256 = %sha, "backup: file not saved: {e}")
                        }
                    }
                }
            }
        }
        gz.finish().map_err(|e| StoreError::Backup(e.to_string()))?;
        Ok(())
    }

    /// Creates a new database at `path` (which must not exist) from a backup. Everything is
    /// inserted in one transaction: a damaged backup leaves no half-restored file behind.
    pub fn import(path: &Path, input: impl std::io::Read) -> Result<Store, StoreError> {
        Self::import_with_files(path, input, None)
    }

    /// Like [`Store::import`], also putting the backup's files into `files` (each checked
    /// against its SHA-256). Without a file store, file rows are skipped.
    pub fn import_with_files(
        path: &Path,
        input: impl std::io::Read,
        files: Option<&files::FileStore>,
    ) -> Result<Store, StoreError> {
        use std::io::BufRead;
        if path.exists() {
            return Err(StoreError::Backup(format!(
                "{} already exists; restore only into an empty place",
                path.display()
            )));
        }
        let bad = |m: String| StoreError::Backup(m);
        let mut lines = std::io::BufReader::new(flate2::read::GzDecoder::new(input)).lines();
        let head = lines
            .next()
            .ok_or_else(|| bad("empty backup".into()))?
            .map_err(|e| bad(e.to_string()))?;
        let schema: u32 = head
            .strip_prefix(&format!("{BACKUP_MAGIC} schema="))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| bad("not a motcua backup".into()))?;
        if schema > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found: schema,
                supported: SCHEMA_VERSION,
            });
        }
        let db = Database::create(path).map_err(|source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let result = (|| -> Result<(), StoreError> {
            let txn = db.begin_write()?;
            for line in lines {
                let line = line.map_err(|e| bad(e.to_string()))?;
                let r: BackupRow = serde_json::from_str(&line).map_err(CodecError::from)?;
                let bytes = || -> Result<Vec<u8>, StoreError> {
                    hex::decode(r.v.as_str().unwrap_or_default())
                        .map_err(|e| bad(format!("{}: {e}", r.t)))
                };
                let kstr = || {
                    r.k.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| bad(format!("{}: bad key", r.t)))
                };
                let knum = || r.k.as_u64().ok_or_else(|| bad(format!("{}: bad key", r.t)));
                match r.t.as_str() {
                    "meta" => {
                        txn.open_table(META)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "events" => {
                        txn.open_table(EVENTS)?
                            .insert(knum()?, bytes()?.as_slice())?;
                    }
                    "tickets" => {
                        txn.open_table(TICKETS)?
                            .insert(knum()?, bytes()?.as_slice())?;
                    }
                    "open_tickets" => {
                        txn.open_table(OPEN)?.insert(knum()?, ())?;
                    }
                    "services" => {
                        txn.open_table(SERVICES)?
                            .insert(knum()? as u32, bytes()?.as_slice())?;
                    }
                    "counters" => {
                        txn.open_table(COUNTERS)?
                            .insert(knum()? as u32, bytes()?.as_slice())?;
                    }
                    "users" => {
                        txn.open_table(USERS)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "sessions" => {
                        txn.open_table(SESSIONS)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "seqs" => {
                        let v = r.v.as_u64().ok_or_else(|| bad("seqs: bad value".into()))?;
                        txn.open_table(SEQS)?.insert(kstr()?.as_str(), v)?;
                    }
                    "devices" => {
                        txn.open_table(DEVICES)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "pairings" => {
                        txn.open_table(PAIRINGS)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "print_jobs" => {
                        txn.open_table(PRINT_JOBS)?
                            .insert(knum()?, bytes()?.as_slice())?;
                    }
                    "print_pending" => {
                        txn.open_table(PRINT_PENDING)?.insert(knum()?, ())?;
                    }
                    "ratings" => {
                        txn.open_table(RATINGS)?
                            .insert(knum()?, bytes()?.as_slice())?;
                    }
                    "sync_outbox" => {
                        txn.open_table(outbox::OUTBOX)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "sync_inbound" => {
                        txn.open_table(outbox::INBOUND)?
                            .insert(kstr()?.as_str(), bytes()?.as_slice())?;
                    }
                    "ecopies" => {
                        txn.open_table(ecopies::ECOPIES)?
                            .insert(knum()?, bytes()?.as_slice())?;
                    }
                    "signed_results" => {
                        txn.open_table(signed::SIGNED_RESULTS)?.insert(
                            knum()?,
                            r.v.as_u64()
                                .ok_or_else(|| bad("signed_results: bad value".into()))?,
                        )?;
                    }
                    "ecopy_tokens" => {
                        txn.open_table(ecopies::ECOPY_TOKENS)?.insert(
                            kstr()?.as_str(),
                            r.v.as_u64()
                                .ok_or_else(|| bad("ecopy_tokens: bad value".into()))?,
                        )?;
                    }
                    "file" => {
                        if let Some(fs) = files {
                            let sha = kstr()?;
                            let stored = fs
                                .put(&bytes()?)
                                .map_err(|e| bad(format!("file {sha}: {e}")))?;
                            if stored.sha256 != sha {
                                return Err(bad(format!(
                                    "file {sha}: content does not match its hash"
                                )));
                            }
                        }
                    }
                    "dossiers" => {
                        let b = bytes()?;
                        let d: crate::domain::dossier::Dossier = codec::decode(&b)?;
                        txn.open_table(dossiers::DOSSIERS)?
                            .insert(kstr()?.as_str(), b.as_slice())?;
                        dossiers::index_dossier(&txn, &d)?;
                    }
                    "dossier_import_keys" => {
                        let v =
                            r.v.as_str()
                                .ok_or_else(|| bad("import key: bad value".into()))?;
                        txn.open_table(dossiers::IMPORT_KEYS)?
                            .insert(kstr()?.as_str(), v)?;
                    }
                    other => return Err(bad(format!("unknown table {other}"))),
                }
            }
            // Aggregates are derived too: summed from the restored records.
            report_agg::rebuild(&txn)?;
            txn.commit()?;
            Ok(())
        })();
        drop(db);
        if let Err(e) = result {
            let _ = std::fs::remove_file(path);
            return Err(e);
        }
        Store::open(path)
    }
}

/// Walks the event chain; returns the seq of the first broken link, if any.
pub fn verify_chain(store: &Store) -> Result<Option<u64>, StoreError> {
    let rx = store.read()?;
    let t = rx.txn.open_table(EVENTS)?;
    let mut prev = GENESIS_HASH.to_string();
    let mut expected_seq = 1;
    for row in t.iter()? {
        let (k, v) = row?;
        let seq = k.value();
        let e: Event = match codec::decode(v.value()) {
            Ok(e) => e,
            Err(_) => return Ok(Some(seq)),
        };
        let recomputed = chain_hash(&prev, e.seq, &e.at, &e.actor, &e.kind);
        if seq != expected_seq || e.seq != seq || e.prev_hash != prev || e.hash != recomputed {
            return Ok(Some(seq));
        }
        prev = e.hash;
        expected_seq += 1;
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_meta_is_never_stale() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("motcua.redb")).unwrap();
        let now = chrono::Utc::now();
        let put = |v: &Vec<String>| {
            store
                .write(&Actor::system(), now, |tx| tx.put_meta("cache_test", v))
                .unwrap();
        };
        put(&vec!["một".into()]);
        let read = || -> Vec<String> {
            store
                .read()
                .unwrap()
                .meta_cached("cache_test")
                .unwrap()
                .unwrap()
        };
        assert_eq!(read(), ["một"]);
        assert_eq!(read(), ["một"], "a second read comes from the cache");
        put(&vec!["hai".into()]);
        assert_eq!(read(), ["hai"], "new bytes are decoded again");
        // Inside a write, the transaction's own bytes decide.
        store
            .write(&Actor::system(), now, |tx| {
                tx.put_meta("cache_test", &vec!["ba".to_string()])?;
                assert_eq!(
                    tx.meta_cached::<Vec<String>>("cache_test")?.unwrap(),
                    ["ba"]
                );
                Err::<(), _>(StoreError::Backup("roll back".into()))
            })
            .unwrap_err();
        assert_eq!(
            read(),
            ["hai"],
            "a rolled-back write leaves the stored value"
        );
        // The same key read as another type decodes rather than mis-casting.
        let n: Option<Vec<serde_json::Value>> =
            store.read().unwrap().meta_cached("cache_test").unwrap();
        assert_eq!(n.unwrap(), [serde_json::json!("hai")]);
        assert_eq!(
            store.read().unwrap().meta_cached::<u32>("absent").unwrap(),
            None
        );
    }
}
