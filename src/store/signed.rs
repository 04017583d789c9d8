//! What was signed here, counted by day and area: results signed (the report's share of
//! signed results beside index 4.2). Written by the signing command in its own
//! transaction; kept in backups.

use redb::{ReadableTable, TableDefinition};

use super::{Rx, StoreError, Tx};

/// Key: local day number (days from 1 Jan of year 1) << 32 | area id → results signed.
pub(super) const SIGNED_RESULTS: TableDefinition<u64, u64> = TableDefinition::new("signed_results");

fn key(day: i32, area: u32) -> u64 {
    (u64::from(day.max(0) as u32) << 32) | u64::from(area)
}

pub(super) fn create_tables(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(SIGNED_RESULTS)?;
    Ok(())
}

macro_rules! signed_reads {
    ($ty:ident) => {
        impl $ty {
            /// Results signed on local days `[from, to]` (day numbers), in `area` or all.
            pub fn signed_results(
                &self,
                from: i32,
                to: i32,
                area: Option<u32>,
            ) -> Result<u64, StoreError> {
                let t = self.txn.open_table(SIGNED_RESULTS)?;
                let mut n = 0;
                for row in t.range(key(from, 0)..key(to.saturating_add(1), 0))? {
                    let (k, v) = row?;
                    if area.is_none_or(|a| (k.value() & 0xffff_ffff) as u32 == a) {
                        n += v.value();
                    }
                }
                Ok(n)
            }
        }
    };
}
signed_reads!(Tx);
signed_reads!(Rx);

impl Tx {
    /// One more result signed at `at` (counted on its day in Vietnam) in `area`.
    pub fn count_signed_result(
        &mut self,
        at: chrono::DateTime<chrono::Utc>,
        area: u32,
    ) -> Result<(), StoreError> {
        let day = crate::domain::report::aggregates::day_number(crate::domain::time::local_day(at));
        let mut t = self.txn.open_table(SIGNED_RESULTS)?;
        let k = key(day, area);
        let n = t.get(k)?.map(|v| v.value()).unwrap_or(0);
        t.insert(k, n + 1)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn days_order_before_areas() {
        assert!(super::key(10, u32::MAX) < super::key(11, 0));
    }
}
