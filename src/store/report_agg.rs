//! The report aggregates' tables (see [`crate::domain::report::aggregates`]): one row per local
//! day and area, per day and procedure, and per day and officer. Written only by
//! [`Tx::put_dossier`] (the old record's part out, the new one's in, same transaction),
//! by the bulk loader, and by [`rebuild`], which recomputes them from the records.
//!
//! Three narrow tables rather than one keyed by every dimension: the whole-center and
//! per-area report reads only days × areas (a few thousand rows a decade), whatever the
//! number of dossiers, procedures or officers.

use std::collections::BTreeMap;

use redb::{ReadableTable, TableDefinition};

use super::{codec, dossiers::DOSSIERS, Rx, StoreError, Tx, META};
use crate::domain::dossier::Dossier;
use crate::domain::report::aggregates::{add_into, contribution, Contribution, Counters, WIDTH};
use crate::domain::report::{Conventions, Facts, GroupBy};

pub(super) const BY_AREA: TableDefinition<(i32, u32), Counters> =
    TableDefinition::new("report_by_area");
pub(super) const BY_PROCEDURE: TableDefinition<(i32, u32, &str), Counters> =
    TableDefinition::new("report_by_procedure");
pub(super) const BY_OFFICER: TableDefinition<(i32, u32, &str), Counters> =
    TableDefinition::new("report_by_officer");

/// Where the counting conventions are kept (in `meta`).
pub(super) const CONVENTIONS_KEY: &str = "report_conventions";

/// Pending changes to the three tables, summed before they touch the disk.
#[derive(Default)]
pub(super) struct Delta {
    area: BTreeMap<(i32, u32), Counters>,
    procedure: BTreeMap<(i32, u32, String), Counters>,
    officer: BTreeMap<(i32, u32, String), Counters>,
}

impl Delta {
    pub(super) fn add(&mut self, c: &Contribution, sign: i64) {
        for (day, v) in &c.days {
            add_into(
                self.area.entry((*day, c.area)).or_insert([0; WIDTH]),
                v,
                sign,
            );
            add_into(
                self.procedure
                    .entry((*day, c.area, c.procedure.clone()))
                    .or_insert([0; WIDTH]),
                v,
                sign,
            );
            add_into(
                self.officer
                    .entry((*day, c.area, c.officer.clone()))
                    .or_insert([0; WIDTH]),
                v,
                sign,
            );
        }
    }

    pub(super) fn write(self, txn: &redb::WriteTransaction) -> Result<(), StoreError> {
        fn merge<K: redb::Key + 'static>(
            t: &mut redb::Table<K, Counters>,
            k: K::SelfType<'_>,
            d: &Counters,
        ) -> Result<(), StoreError>
        where
            for<'a> K::SelfType<'a>: Clone,
        {
            if d.iter().all(|v| *v == 0) {
                return Ok(());
            }
            let mut now = t.get(k.clone())?.map(|v| v.value()).unwrap_or([0; WIDTH]);
            add_into(&mut now, d, 1);
            if now.iter().all(|v| *v == 0) {
                t.remove(k)?;
            } else {
                t.insert(k, now)?;
            }
            Ok(())
        }
        let mut t = txn.open_table(BY_AREA)?;
        for (k, d) in &self.area {
            merge(&mut t, *k, d)?;
        }
        let mut t = txn.open_table(BY_PROCEDURE)?;
        for ((day, area, p), d) in &self.procedure {
            merge(&mut t, (*day, *area, p.as_str()), d)?;
        }
        let mut t = txn.open_table(BY_OFFICER)?;
        for ((day, area, o), d) in &self.officer {
            merge(&mut t, (*day, *area, o.as_str()), d)?;
        }
        Ok(())
    }
}

pub(super) fn conventions(txn: &redb::WriteTransaction) -> Result<Conventions, StoreError> {
    let meta = txn.open_table(META)?;
    let v = meta.get(CONVENTIONS_KEY)?;
    Ok(match v {
        Some(v) => codec::decode(v.value())?,
        None => Conventions::default(),
    })
}

/// A record's part under the conventions (nothing for a dossier not received yet).
pub(super) fn part(d: &Dossier, conv: &Conventions) -> Option<Contribution> {
    Facts::of(d, conv).map(|f| contribution(&f, conv.comparison))
}

/// Empties the three tables and sums every record's part again.
pub(super) fn rebuild(txn: &redb::WriteTransaction) -> Result<u64, StoreError> {
    let conv = conventions(txn)?;
    txn.delete_table(BY_AREA)?;
    txn.delete_table(BY_PROCEDURE)?;
    txn.delete_table(BY_OFFICER)?;
    let mut delta = Delta::default();
    let mut n = 0;
    {
        let records = txn.open_table(DOSSIERS)?;
        for row in records.iter()? {
            let (_, v) = row?;
            let d: Dossier = codec::decode(v.value())?;
            if let Some(c) = part(&d, &conv) {
                delta.add(&c, 1);
            }
            n += 1;
        }
    }
    delta.write(txn)?;
    Ok(n)
}

pub(super) fn create_tables(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(BY_AREA)?;
    txn.open_table(BY_PROCEDURE)?;
    txn.open_table(BY_OFFICER)?;
    Ok(())
}

/// Every row of one table up to `until` (a day number, inclusive), as
/// `(day, area, key, counters)`; the key is empty for the area table.
pub type AggRow = (i32, u32, String, Counters);

macro_rules! report_reads {
    ($ty:ident) => {
        impl $ty {
            /// Calls `f` with the rows of the table `group` picks, days up to `until`.
            pub fn report_rows(
                &self,
                group: GroupBy,
                until: i32,
                mut f: impl FnMut(i32, u32, &str, &Counters),
            ) -> Result<(), StoreError> {
                match group {
                    GroupBy::Area => {
                        let t = self.txn.open_table(BY_AREA)?;
                        for row in t.range::<(i32, u32)>(..=(until, u32::MAX))? {
                            let (k, v) = row?;
                            let (day, area) = k.value();
                            f(day, area, "", &v.value());
                        }
                    }
                    GroupBy::Procedure | GroupBy::Officer => {
                        let t = self.txn.open_table(if group == GroupBy::Procedure {
                            BY_PROCEDURE
                        } else {
                            BY_OFFICER
                        })?;
                        for row in
                            t.range::<(i32, u32, &str)>(..(until.saturating_add(1), 0, ""))?
                        {
                            let (k, v) = row?;
                            let (day, area, key) = k.value();
                            f(day, area, key, &v.value());
                        }
                    }
                }
                Ok(())
            }

            /// Dossiers received per procedure code on days `from..` (a day number): what
            /// the search uses to put the procedures people actually ask for first. Reads
            /// only the rows of those days (the day leads the key).
            pub fn receipts_by_procedure_since(
                &self,
                from: i32,
            ) -> Result<std::collections::HashMap<String, u64>, StoreError> {
                use crate::domain::report::aggregates::{DIRECT, ONLINE};
                let t = self.txn.open_table(BY_PROCEDURE)?;
                let mut out = std::collections::HashMap::new();
                for row in t.range::<(i32, u32, &str)>((from, 0, "")..)? {
                    let (k, v) = row?;
                    let (_, _, code) = k.value();
                    let c = v.value();
                    let n = (c[DIRECT] + c[ONLINE]).max(0) as u64;
                    if n > 0 {
                        *out.entry(code.to_string()).or_insert(0) += n;
                    }
                }
                Ok(out)
            }

            /// All three tables, for comparing live sums with a rebuild.
            pub fn report_tables(&self) -> Result<[Vec<AggRow>; 3], StoreError> {
                let mut out: [Vec<AggRow>; 3] = Default::default();
                for (i, g) in [GroupBy::Area, GroupBy::Procedure, GroupBy::Officer]
                    .into_iter()
                    .enumerate()
                {
                    self.report_rows(g, i32::MAX - 1, |d, a, k, c| {
                        out[i].push((d, a, k.to_string(), *c))
                    })?;
                }
                Ok(out)
            }

            pub fn report_conventions(&self) -> Result<Conventions, StoreError> {
                Ok(self.meta(CONVENTIONS_KEY)?.unwrap_or_default())
            }
        }
    };
}

report_reads!(Tx);
report_reads!(Rx);

impl Tx {
    /// Changes the counting conventions and recomputes the aggregates under them, in
    /// this transaction.
    pub fn set_report_conventions(&mut self, c: &Conventions) -> Result<u64, StoreError> {
        self.put_meta(CONVENTIONS_KEY, c)?;
        rebuild(&self.txn)
    }
}

impl super::Store {
    /// `motcua reindex`: recomputes the report aggregates from the dossier records in one
    /// durable transaction; returns how many records were read.
    pub fn rebuild_reports(&self) -> Result<u64, StoreError> {
        let mut txn = self.db.begin_write()?;
        txn.set_durability(redb::Durability::Immediate)
            .map_err(|e| StoreError::Db(e.into()))?;
        let n = rebuild(&txn)?;
        txn.commit()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dossier::tests_support::{resolve, sample_dossier};
    use crate::domain::dossier::Status;
    use crate::events::Actor;
    use chrono::Duration;

    fn dossiers() -> Vec<Dossier> {
        (0..12)
            .map(|i| {
                let mut d = sample_dossier(Status::Accepted);
                d.code = format!("000.00.00.H00-260601-{i:04}");
                d.procedure.area = 1 + i % 3;
                let at = d.state.last_event_at + Duration::hours(i64::from(i) * 7);
                if i % 2 == 0 {
                    resolve(&mut d, "canbo2", at);
                }
                d
            })
            .collect()
    }

    fn open(dir: &tempfile::TempDir) -> super::super::Store {
        super::super::Store::open(&dir.path().join("motcua.redb")).unwrap()
    }

    #[test]
    fn live_sums_follow_every_write_and_equal_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let mut ds = dossiers();
        store.bulk_put_dossiers(&ds[..6]).unwrap();
        let now = ds[0].state.last_event_at + Duration::days(30);
        for d in &ds[6..] {
            store
                .write(&Actor::system(), now, |tx| tx.put_dossier(d))
                .unwrap();
        }
        // Rewrite some: resolve an open one, move one to another area.
        resolve(&mut ds[1], "canbo3", now);
        ds[2].procedure.area = 4;
        for d in &ds[1..3] {
            store
                .write(&Actor::system(), now, |tx| tx.put_dossier(d))
                .unwrap();
        }
        let live = store.read().unwrap().report_tables().unwrap();
        assert!(!live[0].is_empty());
        assert_eq!(store.rebuild_reports().unwrap(), 12);
        assert_eq!(store.read().unwrap().report_tables().unwrap(), live);
    }

    #[test]
    fn older_files_get_their_aggregates_summed_on_open() {
        // Version 1 had no aggregates; version 2 counted a dossier waiting for the citizen
        // as overdue. Both are summed again from the records when opened.
        for old in [1u32, 2] {
            let dir = tempfile::tempdir().unwrap();
            let expected = {
                let store = open(&dir);
                store.bulk_put_dossiers(&dossiers()).unwrap();
                let t = store.read().unwrap().report_tables().unwrap();
                // Make it look like a file written by the older version.
                let txn = store.db.begin_write().unwrap();
                txn.open_table(META)
                    .unwrap()
                    .insert("schema_version", codec::encode(&old).unwrap().as_slice())
                    .unwrap();
                txn.delete_table(BY_AREA).unwrap();
                txn.delete_table(BY_PROCEDURE).unwrap();
                txn.delete_table(BY_OFFICER).unwrap();
                txn.commit().unwrap();
                t
            };
            let store = open(&dir);
            assert_eq!(store.read().unwrap().report_tables().unwrap(), expected);
            let v: u32 = store
                .read()
                .unwrap()
                .meta("schema_version")
                .unwrap()
                .unwrap();
            assert_eq!(v, super::super::SCHEMA_VERSION);
        }
    }
}
