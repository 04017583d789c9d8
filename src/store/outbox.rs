//! The sync outbox: one row per dossier that has changes the province has not
//! acknowledged. A dossier command marks its dossier here in its own write transaction
//! (invariant 4), so nothing committed is left unsynced; the relay sends the dossier's
//! whole current snapshot and clears the row only if no newer change came meanwhile.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

use super::{codec, Rx, StoreError, Tx};

pub(super) const OUTBOX: TableDefinition<&str, &[u8]> = TableDefinition::new("sync_outbox");
/// Online dossiers handed down by the province, by national code: the durable dedup key
/// (a pull seen twice adds nothing), and the unassigned inbox (no local code yet).
pub(super) const INBOUND: TableDefinition<&str, &[u8]> = TableDefinition::new("sync_inbound");

/// One online dossier received from the province.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundRow {
    pub national_code: String,
    /// The local dossier made from it; `None` while it waits in the unassigned inbox.
    pub local_code: Option<String>,
    /// The packet as received (kept whole: nothing of it is dropped).
    pub raw: String,
    /// Why it could not be routed (unknown procedure, unreadable fields).
    pub reason: Option<String>,
    pub received_at: DateTime<Utc>,
    /// The province was told (`DaNhan`).
    pub acked: bool,
    /// Its papers' files, already in the file store (the packet above keeps only their
    /// sizes): attached when the dossier is made, now or when an officer assigns it.
    #[serde(default)]
    pub files: Vec<crate::domain::sync::OnlineFile>,
}

/// Why a dossier waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Will be (re)sent at `next_attempt_at`.
    Pending,
    /// The province refused it for good: waits for a person's fix and *Gửi lại*.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRow {
    pub code: String,
    /// Bumped by every change: the relay clears the row only for the version it sent.
    pub version: u64,
    pub state: SyncState,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    /// The oldest change not yet acknowledged (the operator's "unsynced since").
    pub since: DateTime<Utc>,
    /// The province's words for a rejection, or the last transient fault.
    pub reason: Option<String>,
}

pub(super) fn create_tables(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(OUTBOX)?;
    txn.open_table(INBOUND)?;
    Ok(())
}

macro_rules! outbox_reads {
    ($ty:ident) => {
        impl $ty {
            pub fn sync_row(&self, code: &str) -> Result<Option<SyncRow>, StoreError> {
                let t = self.txn.open_table(OUTBOX)?;
                let v = t.get(code)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            pub fn inbound(&self, national: &str) -> Result<Option<InboundRow>, StoreError> {
                let t = self.txn.open_table(INBOUND)?;
                let v = t.get(national)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            /// Every online dossier received, in national-code order.
            pub fn inbound_rows(&self) -> Result<Vec<InboundRow>, StoreError> {
                let t = self.txn.open_table(INBOUND)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            /// Every row (pending and rejected), in code order.
            pub fn sync_rows(&self) -> Result<Vec<SyncRow>, StoreError> {
                let t = self.txn.open_table(OUTBOX)?;
                let mut out = Vec::new();
                for row in t.iter()? {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }
        }
    };
}
outbox_reads!(Tx);
outbox_reads!(Rx);

impl Tx {
    /// A dossier changed: it must reach the province (again). A rejected one is tried
    /// again too, since the change may be the fix.
    pub fn sync_mark(&mut self, code: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
        if !self.outbox {
            return Ok(());
        }
        let row = match self.sync_row(code)? {
            Some(mut r) => {
                r.version += 1;
                r.state = SyncState::Pending;
                r.attempts = 0;
                r.next_attempt_at = now;
                r
            }
            None => SyncRow {
                code: code.to_string(),
                version: 1,
                state: SyncState::Pending,
                attempts: 0,
                next_attempt_at: now,
                since: now,
                reason: None,
            },
        };
        self.sync_put(&row)
    }

    pub fn put_inbound(&mut self, row: &InboundRow) -> Result<(), StoreError> {
        self.txn
            .open_table(INBOUND)?
            .insert(row.national_code.as_str(), codec::encode(row)?.as_slice())?;
        Ok(())
    }

    pub fn sync_put(&mut self, row: &SyncRow) -> Result<(), StoreError> {
        self.txn
            .open_table(OUTBOX)?
            .insert(row.code.as_str(), codec::encode(row)?.as_slice())?;
        Ok(())
    }

    /// The province acknowledged `version`: the row goes unless a newer change came.
    /// Returns whether it went.
    /// Nothing to send for `code` (a book row the old system synced already).
    pub fn sync_forget(&mut self, code: &str) -> Result<(), StoreError> {
        self.txn.open_table(OUTBOX)?.remove(code)?;
        Ok(())
    }

    pub fn sync_acked(&mut self, code: &str, version: u64) -> Result<bool, StoreError> {
        let Some(row) = self.sync_row(code)? else {
            return Ok(false);
        };
        if row.version != version {
            return Ok(false);
        }
        self.txn.open_table(OUTBOX)?.remove(code)?;
        Ok(true)
    }
}
