//! The audit trail as people and inspectors read it: the event log, newest first, with
//! filters, and the walk of its hash chain.

use super::{Result, Services};
use crate::events::Event;

/// Which events to list (every field optional).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events by this user or device (substring of the name).
    pub actor: Option<String>,
    /// Only events of this type (e.g. `ticket_called`).
    pub kind: Option<String>,
    /// Only events before this sequence number (paging).
    pub before: Option<u64>,
    pub limit: Option<usize>,
}

/// At most this many events are examined per page, so a filter that matches nothing
/// cannot walk the whole log.
const SCAN_LIMIT: usize = 50_000;

impl Services {
    /// Newest first: at most `limit` (1–500, default 100) events matching the filter.
    pub fn audit_events(&self, f: AuditFilter) -> Result<Vec<Event>> {
        let rx = self.store.read()?;
        let before = f.before.unwrap_or(u64::MAX);
        let limit = f.limit.unwrap_or(100).clamp(1, 500);
        let actor = f.actor.filter(|a| !a.is_empty());
        let kind = f.kind.filter(|t| !t.is_empty());
        Ok(rx.events_back(before, limit, SCAN_LIMIT, |e| {
            actor.as_deref().is_none_or(|a| e.actor.name.contains(a))
                && kind.as_deref().is_none_or(|k| e.kind.name() == k)
        })?)
    }

    /// Walks the whole hash chain: `None` when intact, else the first broken link.
    pub fn audit_verify(&self) -> Result<Option<u64>> {
        Ok(crate::store::verify_chain(&self.store)?)
    }
}
