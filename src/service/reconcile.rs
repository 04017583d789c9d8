//! Reconciliation: what the province holds of recent dossiers, compared with what this
//! appliance would send now (INTEGRATION.md §5.10). A dossier the province lacks, or
//! holds otherwise (a field, a step), is marked in the outbox and goes again whole. Run
//! each night by the relay and on the admin's button; only where the profile can ask
//! (`paths.lookup`). Acknowledged sends are trusted in between: this is the net under
//! them, for a province that lost or altered data.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, Services};
use crate::domain::sync::{self, province_code};
use crate::events::Actor;
use crate::store::SyncState;

/// Dossiers whose last change is this recent are compared.
pub const RECENT_DAYS: i64 = 30;
/// The nightly pass starts at or after this hour, Vietnam time (after closing).
pub const NIGHTLY_HOUR: u32 = 21;

/// What one pass found.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Reconciled {
    pub checked: u32,
    /// The province had none: sent again.
    pub missing: u32,
    /// The province held something else: sent again.
    pub differing: u32,
    /// Could not be asked (a fault); tried at the next pass.
    pub unreachable: u32,
    /// The last such fault, in Vietnamese.
    pub error: Option<String>,
    pub at: Option<DateTime<Utc>>,
}

const LAST_KEY: &str = "sync_reconciled";
const NIGHT_KEY: &str = "sync_reconciled_night";

impl Services {
    /// Compares every recent dossier that is not waiting to be sent with what the
    /// province holds; what differs is queued again (one transaction per dossier).
    pub fn sync_reconcile(&self, actor: &Actor) -> Result<Reconciled> {
        let mut out = Reconciled::default();
        let Some(conn) = self.connector() else {
            out.error = Some("Chưa kết nối với tỉnh".into());
            return Ok(out);
        };
        let now = self.clock.now();
        let since = now - Duration::days(RECENT_DAYS);
        let mut codes = Vec::new();
        {
            let rx = self.store.read()?;
            rx.scan_dossiers_before(now.timestamp() + 1, |d| {
                if d.state.last_event_at >= since {
                    codes.push(d.code.clone());
                }
            })?;
        }
        let cx = self.sync_context()?;
        for code in codes {
            let (d, waiting) = {
                let rx = self.store.read()?;
                let Some(d) = rx.dossier(&code)? else {
                    continue;
                };
                let waiting = rx
                    .sync_row(&code)?
                    .is_some_and(|r| matches!(r.state, SyncState::Pending | SyncState::Rejected));
                (d, waiting)
            };
            if waiting {
                continue;
            }
            out.checked += 1;
            let mut hoso = sync::hoso(&d, &cx);
            let mut steps = sync::steps(&d, &cx);
            conn.settings().shape(&mut hoso, &mut steps);
            let differs = match conn.lookup(&province_code(&d)) {
                Ok(None) => {
                    out.missing += 1;
                    true
                }
                Ok(Some(held)) => {
                    let same =
                        same_fields(&serde_json::to_value(&hoso).unwrap_or_default(), &held.hoso)
                            && held.steps.len() == steps.len()
                            && steps.iter().all(|q| {
                                let ours = serde_json::to_value(q).unwrap_or_default();
                                held.steps.iter().any(|h| {
                                    h["SoThuTu"] == ours["SoThuTu"] && same_fields(&ours, h)
                                })
                            });
                    if !same {
                        out.differing += 1;
                    }
                    !same
                }
                Err(e) => {
                    out.unreachable += 1;
                    out.error = Some(e);
                    false
                }
            };
            if differs {
                self.run(actor, |tx, now| {
                    tx.sync_mark(&code, now)?;
                    Ok(())
                })?;
            }
        }
        out.at = Some(now);
        let keep = out.clone();
        self.run(actor, |tx, _| {
            tx.put_meta(LAST_KEY, &keep)?;
            Ok(())
        })?;
        Ok(out)
    }

    /// The last pass, for the operator view.
    pub fn last_reconcile(&self) -> Result<Option<Reconciled>> {
        Ok(self.store.read()?.meta(LAST_KEY)?)
    }

    /// The nightly pass, when due: after [`NIGHTLY_HOUR`] and not yet today.
    pub fn reconcile_if_due(&self) -> Result<Option<Reconciled>> {
        if self.connector().is_none() {
            return Ok(None);
        }
        let now = self.clock.now();
        let local = crate::domain::time::local(now);
        use chrono::Timelike;
        if local.hour() < NIGHTLY_HOUR {
            return Ok(None);
        }
        // The button's passes do not count: the night's pass runs all the same.
        let today = local.date_naive();
        let last: Option<chrono::NaiveDate> = self.store.read()?.meta(NIGHT_KEY)?;
        if last == Some(today) {
            return Ok(None);
        }
        let r = self.sync_reconcile(&Actor::system())?;
        self.run(&Actor::system(), |tx, _| {
            tx.put_meta(NIGHT_KEY, &today)?;
            Ok(())
        })?;
        Ok(Some(r))
    }
}

/// Every field we send has the same value on the province's side (extra fields there
/// are theirs and ignored).
fn same_fields(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    match ours.as_object() {
        Some(map) => map.iter().all(|(k, v)| theirs.get(k) == Some(v)),
        None => ours == theirs,
    }
}

#[cfg(test)]
mod tests {
    use super::same_fields;
    use serde_json::json;

    #[test]
    fn the_provinces_extra_fields_are_ignored_but_a_changed_one_is_not() {
        let ours = json!({"MaHoSo": "A", "TrangThaiHoSo": "4"});
        assert!(same_fields(
            &ours,
            &json!({"MaHoSo": "A", "TrangThaiHoSo": "4", "MaHoSoKhac": "x"})
        ));
        assert!(!same_fields(
            &ours,
            &json!({"MaHoSo": "A", "TrangThaiHoSo": "2"})
        ));
        assert!(!same_fields(&ours, &json!({"MaHoSo": "A"})));
    }
}
