//! Certified electronic copies: the requests and what was issued (one row each, by id),
//! the public token's index, and the electronic certification book's counter (meta
//! `ecopy_book`). Issuing takes the book's next number, sets the fee and stores the copy
//! in one write transaction, so a number is never given twice nor lost to a crash.

use redb::{ReadableTable, TableDefinition};

use super::{codec, Rx, StoreError, Tx};
use crate::domain::ecopy::{CertBook, CopyRecord};

pub(super) const ECOPIES: TableDefinition<u64, &[u8]> = TableDefinition::new("ecopies");
/// Public token → id (the verification page finds its copy without a scan).
pub(super) const ECOPY_TOKENS: TableDefinition<&str, u64> = TableDefinition::new("ecopy_tokens");

const BOOK: &str = "ecopy_book";
const NEXT_ID: &str = "ecopy_next_id";

pub(super) fn create_tables(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    txn.open_table(ECOPIES)?;
    txn.open_table(ECOPY_TOKENS)?;
    Ok(())
}

macro_rules! ecopy_reads {
    ($ty:ident) => {
        impl $ty {
            pub fn ecopy(&self, id: u64) -> Result<Option<CopyRecord>, StoreError> {
                let t = self.txn.open_table(ECOPIES)?;
                let v = t.get(id)?;
                Ok(match v {
                    Some(v) => Some(codec::decode(v.value())?),
                    None => None,
                })
            }

            pub fn ecopy_by_token(&self, token: &str) -> Result<Option<CopyRecord>, StoreError> {
                let id = self
                    .txn
                    .open_table(ECOPY_TOKENS)?
                    .get(token)?
                    .map(|v| v.value());
                match id {
                    Some(id) => self.ecopy(id),
                    None => Ok(None),
                }
            }

            /// Every request, newest first.
            pub fn ecopies(&self) -> Result<Vec<CopyRecord>, StoreError> {
                let t = self.txn.open_table(ECOPIES)?;
                let mut out = Vec::new();
                for row in t.iter()?.rev() {
                    out.push(codec::decode(row?.1.value())?);
                }
                Ok(out)
            }

            /// The book's counter as it stands (year, last number given).
            pub fn ecopy_book(&self) -> Result<CertBook, StoreError> {
                Ok(self.meta(BOOK)?.unwrap_or_default())
            }
        }
    };
}
ecopy_reads!(Tx);
ecopy_reads!(Rx);

impl Tx {
    /// A new request's id (from 1, never reused).
    pub fn ecopy_next_id(&mut self) -> Result<u64, StoreError> {
        let id = self.meta::<u64>(NEXT_ID)?.unwrap_or(0) + 1;
        self.put_meta(NEXT_ID, &id)?;
        Ok(id)
    }

    pub fn put_ecopy(&mut self, r: &CopyRecord) -> Result<(), StoreError> {
        self.txn
            .open_table(ECOPIES)?
            .insert(r.id, codec::encode(r)?.as_slice())?;
        self.txn
            .open_table(ECOPY_TOKENS)?
            .insert(r.token.as_str(), r.id)?;
        Ok(())
    }

    pub fn put_ecopy_book(&mut self, b: &CertBook) -> Result<(), StoreError> {
        self.put_meta(BOOK, b)
    }
}
