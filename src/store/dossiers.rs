//! Dossier records and the indexes the lists, the overdue warnings and the public lookup
//! read. Every index is written in the same transaction as the record (by
//! [`Tx::put_dossier`]), and all of them can be rebuilt from the records alone, which is
//! what a restore does.

use chrono::{DateTime, Utc};
use redb::{ReadableTable, TableDefinition};

use super::{codec, report_agg, Rx, StoreError, Tx};
use crate::domain::dossier::{Dossier, Status};

pub(super) const DOSSIERS: TableDefinition<&str, &[u8]> = TableDefinition::new("dossiers");
/// (received or filed at, unix seconds; code): the book's order.
pub(super) const BY_RECEIVED: TableDefinition<(i64, &str), ()> =
    TableDefinition::new("dossiers_by_received");
/// (status code, received at; code).
pub(super) const BY_STATUS: TableDefinition<(u8, i64, &str), ()> =
    TableDefinition::new("dossiers_by_status");
/// (area, received at; code).
pub(super) const BY_AREA: TableDefinition<(u32, i64, &str), ()> =
    TableDefinition::new("dossiers_by_area");
/// (current holder, received at; code).
pub(super) const BY_OFFICER: TableDefinition<(&str, i64, &str), ()> =
    TableDefinition::new("dossiers_by_officer");
/// (promised at; code) of dossiers the office still works on: overdue lists and warnings.
pub(super) const OPEN_BY_DUE: TableDefinition<(i64, &str), ()> =
    TableDefinition::new("dossiers_open_by_due");
/// Receipt QR token → code.
pub(super) const TOKENS: TableDefinition<&str, &str> = TableDefinition::new("dossier_tokens");
/// Idempotency keys of imported rows → code, so importing a file twice adds nothing.
pub(super) const IMPORT_KEYS: TableDefinition<&str, &str> =
    TableDefinition::new("dossier_import_keys");

/// Which index a list walks, newest first (or, for `OverdueAt`, oldest promise first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierIndex {
    /// All dossiers received within `[from, to]` (unix seconds).
    Received { from: i64, to: i64 },
    /// Those of one status received within `[from, to]`.
    Status { status: Status, from: i64, to: i64 },
    /// Those of one service area received within `[from, to]`.
    Area { area: u32, from: i64, to: i64 },
    /// Those an officer holds now, received within `[from, to]`.
    Officer { name: String, from: i64, to: i64 },
    /// Open dossiers promised before `now` (unix seconds).
    OverdueAt(i64),
}

fn received_key(d: &Dossier) -> i64 {
    d.state
        .received_at
        .or(d.state.registered_at)
        .unwrap_or(d.state.last_event_at)
        .timestamp()
}

macro_rules! dossier_reads {
    ($ty:ident) => {
        impl $ty {
            pub fn dossier(&self, code: &str) -> Result<Option<Dossier>, StoreError> {
                let t = self.txn.open_table(DOSSIERS)?;
                let v = t.get(code)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            /// Size of the stored record without decoding it (the benchmark's baseline).
            pub fn dossier_raw_len(&self, code: &str) -> Result<usize, StoreError> {
                let t = self.txn.open_table(DOSSIERS)?;
                let v = t.get(code)?;
                Ok(v.map(|v| v.value().len()).unwrap_or(0))
            }

            pub fn dossier_code_by_token(&self, token: &str) -> Result<Option<String>, StoreError> {
                let t = self.txn.open_table(TOKENS)?;
                let v = t.get(token)?;
                Ok(v.map(|v| v.value().to_string()))
            }

            pub fn dossier_import_key(&self, key: &str) -> Result<Option<String>, StoreError> {
                let t = self.txn.open_table(IMPORT_KEYS)?;
                let v = t.get(key)?;
                Ok(v.map(|v| v.value().to_string()))
            }

            /// Open dossiers promised before `until` (overdue then), less those waiting for
            /// the citizen since a time within their promise (the clock stop). Reads the
            /// records of the overdue ones only.
            pub fn count_overdue_at(&self, until: DateTime<Utc>) -> Result<u64, StoreError> {
                let t = self.txn.open_table(OPEN_BY_DUE)?;
                let records = self.txn.open_table(DOSSIERS)?;
                let mut n = 0;
                for r in t.range::<(i64, &str)>(..(until.timestamp(), ""))? {
                    let (k, _) = r?;
                    if let Some(v) = records.get(k.value().1)? {
                        n += u64::from(codec::decode::<Dossier>(v.value())?.is_overdue_at(until));
                    }
                }
                Ok(n)
            }

            /// Dossiers received (or filed online) in `[from, to)`, from the index alone.
            pub fn count_received_between(&self, from: i64, to: i64) -> Result<u64, StoreError> {
                let t = self.txn.open_table(BY_RECEIVED)?;
                let mut n = 0;
                for r in t.range::<(i64, &str)>((from, "")..(to, ""))? {
                    r?;
                    n += 1;
                }
                Ok(n)
            }

            pub fn dossier_count(&self) -> Result<u64, StoreError> {
                use redb::ReadableTableMetadata;
                Ok(self.txn.open_table(DOSSIERS)?.len()?)
            }

            /// Walks `index`, skips `offset` accepted dossiers and returns up to `limit`
            /// more that `keep` accepts, looking at no more than `scan` records.
            pub fn dossiers_page(
                &self,
                index: DossierIndex,
                offset: usize,
                limit: usize,
                scan: usize,
                mut keep: impl FnMut(&Dossier) -> bool,
            ) -> Result<Vec<Dossier>, StoreError> {
                let records = self.txn.open_table(DOSSIERS)?;
                let mut out = Vec::new();
                let mut skipped = 0;
                let mut visit = |code: &str| -> Result<bool, StoreError> {
                    if let Some(v) = records.get(code)? {
                        let d: Dossier = codec::decode(v.value())?;
                        if keep(&d) {
                            if skipped < offset {
                                skipped += 1;
                            } else {
                                out.push(d);
                            }
                        }
                    }
                    Ok(out.len() < limit)
                };
                match index {
                    DossierIndex::Received { from, to } => {
                        let t = self.txn.open_table(BY_RECEIVED)?;
                        for row in t
                            .range((from, "")..(to.saturating_add(1), ""))?
                            .rev()
                            .take(scan)
                        {
                            let (k, _) = row?;
                            if !visit(k.value().1)? {
                                break;
                            }
                        }
                    }
                    DossierIndex::Status { status, from, to } => {
                        let t = self.txn.open_table(BY_STATUS)?;
                        let s = status.code();
                        for row in t
                            .range((s, from, "")..(s, to.saturating_add(1), ""))?
                            .rev()
                            .take(scan)
                        {
                            let (k, _) = row?;
                            if !visit(k.value().2)? {
                                break;
                            }
                        }
                    }
                    DossierIndex::Area { area, from, to } => {
                        let t = self.txn.open_table(BY_AREA)?;
                        for row in t
                            .range((area, from, "")..(area, to.saturating_add(1), ""))?
                            .rev()
                            .take(scan)
                        {
                            let (k, _) = row?;
                            if !visit(k.value().2)? {
                                break;
                            }
                        }
                    }
                    DossierIndex::Officer { name, from, to } => {
                        let t = self.txn.open_table(BY_OFFICER)?;
                        let name = name.as_str();
                        for row in t
                            .range((name, from, "")..(name, to.saturating_add(1), ""))?
                            .rev()
                            .take(scan)
                        {
                            let (k, _) = row?;
                            if !visit(k.value().2)? {
                                break;
                            }
                        }
                    }
                    DossierIndex::OverdueAt(now) => {
                        let t = self.txn.open_table(OPEN_BY_DUE)?;
                        for row in t.range((i64::MIN, "")..(now, ""))?.take(scan) {
                            let (k, _) = row?;
                            if !visit(k.value().1)? {
                                break;
                            }
                        }
                    }
                }
                Ok(out)
            }

            /// Calls `f` with every dossier received (or filed) before `before` (unix
            /// seconds), oldest first, one at a time (reports; memory stays flat).
            pub fn scan_dossiers_before(
                &self,
                before: i64,
                mut f: impl FnMut(&Dossier),
            ) -> Result<(), StoreError> {
                let idx = self.txn.open_table(BY_RECEIVED)?;
                let records = self.txn.open_table(DOSSIERS)?;
                for row in idx.range((i64::MIN, "")..(before, ""))? {
                    let (k, _) = row?;
                    if let Some(v) = records.get(k.value().1)? {
                        f(&codec::decode(v.value())?);
                    }
                }
                Ok(())
            }

            /// Open dossiers promised before `until` (unix seconds), oldest promise first:
            /// the dashboard's "due soon or late" list.
            pub fn open_dossiers_due_before(
                &self,
                until: i64,
                limit: usize,
            ) -> Result<Vec<Dossier>, StoreError> {
                self.dossiers_page(DossierIndex::OverdueAt(until), 0, limit, limit, |_| true)
            }
        }
    };
}

dossier_reads!(Tx);
dossier_reads!(Rx);

impl Tx {
    /// Writes a dossier and keeps every index in step with it.
    pub fn put_dossier(&mut self, d: &Dossier) -> Result<(), StoreError> {
        let old = self.dossier(&d.code)?;
        if let Some(o) = &old {
            self.unindex_dossier(o)?;
        }
        self.txn
            .open_table(DOSSIERS)?
            .insert(d.code.as_str(), codec::encode(d)?.as_slice())?;
        index_dossier(&self.txn, d)?;
        // The report aggregates: the old record's part out, the new one's in.
        let conv = report_agg::conventions(&self.txn)?;
        let before = old.as_ref().and_then(|o| report_agg::part(o, &conv));
        let after = report_agg::part(d, &conv);
        if before != after {
            let mut delta = report_agg::Delta::default();
            if let Some(c) = &before {
                delta.add(c, -1);
            }
            if let Some(c) = &after {
                delta.add(c, 1);
            }
            delta.write(&self.txn)?;
        }
        Ok(())
    }

    fn unindex_dossier(&mut self, o: &Dossier) -> Result<(), StoreError> {
        let r = received_key(o);
        self.txn
            .open_table(BY_RECEIVED)?
            .remove((r, o.code.as_str()))?;
        self.txn
            .open_table(BY_STATUS)?
            .remove((o.status().code(), r, o.code.as_str()))?;
        if let Some(due) = o.state.due_at {
            self.txn
                .open_table(OPEN_BY_DUE)?
                .remove((due.timestamp(), o.code.as_str()))?;
        }
        self.txn
            .open_table(BY_AREA)?
            .remove((o.procedure.area, r, o.code.as_str()))?;
        if let Some(officer) = &o.state.current_officer {
            self.txn
                .open_table(BY_OFFICER)?
                .remove((officer.as_str(), r, o.code.as_str()))?;
        }
        Ok(())
    }

    pub fn put_dossier_import_key(&mut self, key: &str, code: &str) -> Result<(), StoreError> {
        self.txn.open_table(IMPORT_KEYS)?.insert(key, code)?;
        Ok(())
    }
}

/// Index rows of one dossier (also used to rebuild indexes on restore).
pub(super) fn index_dossier(txn: &redb::WriteTransaction, d: &Dossier) -> Result<(), StoreError> {
    let r = received_key(d);
    let code = d.code.as_str();
    txn.open_table(BY_RECEIVED)?.insert((r, code), ())?;
    txn.open_table(BY_STATUS)?
        .insert((d.status().code(), r, code), ())?;
    if let (true, Some(due)) = (d.is_open(), d.state.due_at) {
        txn.open_table(OPEN_BY_DUE)?
            .insert((due.timestamp(), code), ())?;
    }
    txn.open_table(BY_AREA)?
        .insert((d.procedure.area, r, code), ())?;
    if let Some(officer) = &d.state.current_officer {
        txn.open_table(BY_OFFICER)?
            .insert((officer.as_str(), r, code), ())?;
    }
    if !d.lookup_token.is_empty() {
        txn.open_table(TOKENS)?
            .insert(d.lookup_token.as_str(), code)?;
    }
    Ok(())
}

/// Opens every dossier table (creating it on a new file).
pub(super) fn create_tables(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(DOSSIERS)?;
    txn.open_table(BY_RECEIVED)?;
    txn.open_table(BY_STATUS)?;
    txn.open_table(OPEN_BY_DUE)?;
    txn.open_table(BY_AREA)?;
    txn.open_table(BY_OFFICER)?;
    txn.open_table(TOKENS)?;
    txn.open_table(IMPORT_KEYS)?;
    Ok(())
}

/// Bulk insert for benchmarks and large imports: one transaction, no events (callers that
/// need the audit trail use [`Tx::put_dossier`] inside a command instead).
impl super::Store {
    pub fn bulk_put_dossiers(&self, ds: &[Dossier]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        let conv = report_agg::conventions(&txn)?;
        let mut delta = report_agg::Delta::default();
        {
            let mut t = txn.open_table(DOSSIERS)?;
            for d in ds {
                let old = t.insert(d.code.as_str(), codec::encode(d)?.as_slice())?;
                if let Some(old) = old {
                    let o: Dossier = codec::decode(old.value())?;
                    if let Some(c) = report_agg::part(&o, &conv) {
                        delta.add(&c, -1);
                    }
                }
                if let Some(c) = report_agg::part(d, &conv) {
                    delta.add(&c, 1);
                }
            }
        }
        for d in ds {
            index_dossier(&txn, d)?;
        }
        delta.write(&txn)?;
        txn.commit()?;
        Ok(())
    }
}
