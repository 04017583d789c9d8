//! The sync relay and the operator's view of it. Every dossier command marks its dossier
//! in the outbox in its own transaction (see `dossiers::emit_change`); the relay takes the
//! due rows, sends each dossier whole through the province connector, and records the
//! outcome: acknowledged (the row goes, unless a newer change came meanwhile), retry with
//! capped exponential backoff and full jitter, or rejected (waits for *Gửi lại*).
//! No network call happens inside a write transaction.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

pub use super::sync_profile::ProvinceOverride;
use super::{Result, ServiceError, Services};
use crate::domain::sync::{self, backoff_secs};
use crate::events::Actor;
use crate::province::{Connector, Sent};
pub use crate::store::{SyncRow, SyncState};

/// First retry within ~30 s, never more than an hour apart (INTEGRATION.md §5.5).
const BACKOFF_BASE_SECS: u64 = 30;
const BACKOFF_CAP_SECS: u64 = 3600;

/// Kept in meta: what the operator view shows beside the outbox rows.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SyncStats {
    acked: u64,
    last_success_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/sync`.
#[derive(Debug, Clone, Serialize)]
pub struct SyncStatus {
    pub enabled: bool,
    /// The province's address (no secret in it).
    pub target: Option<String>,
    pub pending: u64,
    pub rejected: u64,
    /// Dossier snapshots the province acknowledged since the appliance began.
    pub acked: u64,
    pub oldest_pending_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    /// The newest transient fault seen on a waiting dossier, in Vietnamese.
    pub last_error: Option<String>,
    pub rejected_list: Vec<SyncRow>,
    /// Online dossiers waiting in the unassigned inbox.
    pub inbox: u64,
    /// The last reconciliation pass (nightly, or the admin's button).
    pub reconciled: Option<super::reconcile::Reconciled>,
}

/// What one inbound pull did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Pulled {
    /// New online dossiers stored as channel-2 dossiers.
    pub stored: u32,
    /// New ones put in the unassigned inbox.
    pub inbox: u32,
    /// The last fault, if any (the next pull tries again).
    pub error: Option<String>,
}

/// What one relay round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    pub sent: u32,
    pub retried: u32,
    pub rejected: u32,
}

impl Services {
    /// The connector, when the province is configured.
    pub fn sync_enabled(&self) -> bool {
        self.connector().is_some()
    }

    pub fn sync_status(&self) -> Result<SyncStatus> {
        let rx = self.store.read()?;
        let rows = rx.sync_rows()?;
        let stats: SyncStats = rx.meta("sync_stats")?.unwrap_or_default();
        let pending: Vec<&SyncRow> = rows
            .iter()
            .filter(|r| r.state == SyncState::Pending)
            .collect();
        Ok(SyncStatus {
            enabled: self.sync_enabled(),
            target: self.connector().map(|p| p.base_url().to_string()),
            pending: pending.len() as u64,
            rejected: rows
                .iter()
                .filter(|r| r.state == SyncState::Rejected)
                .count() as u64,
            acked: stats.acked,
            oldest_pending_at: pending.iter().map(|r| r.since).min(),
            last_success_at: stats.last_success_at,
            last_error: pending
                .iter()
                .filter(|r| r.attempts > 0)
                .max_by_key(|r| r.next_attempt_at)
                .and_then(|r| r.reason.clone()),
            rejected_list: rows
                .iter()
                .filter(|r| r.state == SyncState::Rejected)
                .cloned()
                .collect(),
            inbox: rx
                .inbound_rows()?
                .iter()
                .filter(|r| r.local_code.is_none())
                .count() as u64,
            reconciled: rx.meta("sync_reconciled")?,
        })
    }

    /// What the packets need beyond the dossier: area names, officers' names, the unit.
    pub(super) fn sync_context(&self) -> Result<sync::Context> {
        Ok(sync::Context {
            areas: self
                .services()?
                .into_iter()
                .map(|a| (a.id, a.name))
                .collect(),
            people: self
                .users()?
                .into_iter()
                .map(|u| (u.username, u.display_name))
                .collect(),
            unit_name: self.settings()?.dossier.agency_name,
            // Only an address reachable from outside means anything to the portal.
            public_base: {
                let url = self.settings()?.public_url;
                if crate::domain::center::reach(&url) == crate::domain::center::Reach::Internet {
                    url
                } else {
                    String::new()
                }
            },
        })
    }

    /// One relay round: up to `batch` due dossiers, oldest due first, each sent whole.
    pub fn sync_round(&self, batch: usize) -> Result<Round> {
        let Some(conn) = self.connector() else {
            return Ok(Round::default());
        };
        let now = self.clock.now();
        let mut due: Vec<SyncRow> = self
            .store
            .read()?
            .sync_rows()?
            .into_iter()
            .filter(|r| r.state == SyncState::Pending && r.next_attempt_at <= now)
            .collect();
        due.sort_by_key(|r| (r.next_attempt_at, r.since));
        due.truncate(batch);
        let mut round = Round::default();
        if due.is_empty() {
            return Ok(round);
        }
        let cx = self.sync_context()?;
        // Dossiers in parallel up to the profile's cap; one dossier is one row sent
        // whole, so its own order is kept whatever the lanes do.
        let lanes = (conn.settings().lanes.max(1) as usize).min(due.len());
        let mut lane_rows: Vec<Vec<SyncRow>> = vec![Vec::new(); lanes];
        for (i, row) in due.into_iter().enumerate() {
            lane_rows[i % lanes].push(row);
        }
        let results: Vec<Result<Round>> = std::thread::scope(|scope| {
            let handles: Vec<_> = lane_rows
                .into_iter()
                .map(|rows| {
                    let (conn, cx) = (&conn, &cx);
                    scope.spawn(move || -> Result<Round> {
                        let mut round = Round::default();
                        for row in rows {
                            let outcome = match self.store.read()?.dossier(&row.code)? {
                                Some(d) => send(conn, &d, cx),
                                None => Sent::Reject("không còn hồ sơ này trong sổ".into()),
                            };
                            self.sync_record(&row, outcome, &mut round)?;
                        }
                        Ok(round)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(ServiceError::Invalid(
                            "luồng gửi hồ sơ dừng bất thường".into(),
                        ))
                    })
                })
                .collect()
        });
        for r in results {
            let r = r?;
            round.sent += r.sent;
            round.retried += r.retried;
            round.rejected += r.rejected;
        }
        Ok(round)
    }

    fn sync_record(&self, row: &SyncRow, outcome: Sent, round: &mut Round) -> Result<()> {
        self.run(&Actor::system(), |tx, now| {
            match &outcome {
                Sent::Done => {
                    round.sent += 1;
                    let mut stats: SyncStats = tx.meta("sync_stats")?.unwrap_or_default();
                    if tx.sync_acked(&row.code, row.version)? {
                        stats.acked += 1;
                    }
                    stats.last_success_at = Some(now);
                    tx.put_meta("sync_stats", &stats)?;
                }
                Sent::Retry(reason) | Sent::Reject(reason) => {
                    let Some(mut cur) = tx.sync_row(&row.code)? else {
                        return Ok(());
                    };
                    // A newer change came while sending: it goes at once, as marked.
                    if cur.version != row.version {
                        return Ok(());
                    }
                    cur.reason = Some(reason.clone());
                    if matches!(outcome, Sent::Reject(_)) {
                        round.rejected += 1;
                        cur.state = SyncState::Rejected;
                    } else {
                        round.retried += 1;
                        let wait = backoff_secs(
                            cur.attempts,
                            BACKOFF_BASE_SECS,
                            BACKOFF_CAP_SECS,
                            rand::random::<f64>(),
                        );
                        cur.attempts = cur.attempts.saturating_add(1);
                        cur.next_attempt_at = now + Duration::seconds(wait as i64);
                    }
                    tx.sync_put(&cur)?;
                }
            }
            Ok(())
        })
        .map(|_| ())
    }

    /// One dossier's sync row (`None`: nothing waiting — sent, or sync never wanted it).
    pub fn dossier_sync(&self, code: &str) -> Result<Option<SyncRow>> {
        Ok(self.store.read()?.sync_row(code)?)
    }

    /// Inbound: the online dossiers waiting for this unit, fetched whole, stored (or put
    /// in the unassigned inbox), and acknowledged only after the local commit. A dossier
    /// seen again is only acknowledged again.
    pub fn sync_pull(&self) -> Result<Pulled> {
        let Some(conn) = self.connector() else {
            return Ok(Pulled::default());
        };
        let unit = self.settings()?.dossier.agency;
        let mut out = Pulled::default();
        let waiting = match conn.online_waiting(&unit) {
            Ok(w) => w,
            Err(e) => {
                out.error = Some(e);
                return Ok(out);
            }
        };
        for national in waiting {
            let known = self.store.read()?.inbound(&national)?;
            let local = match known {
                Some(row) => row.local_code,
                None => {
                    let raw = match conn.online_detail(&national) {
                        Ok(v) => v,
                        Err(e) => {
                            out.error = Some(e);
                            continue;
                        }
                    };
                    let files = self.online_files(&conn, &raw);
                    if let Some(bad) = files.iter().find_map(|f| f.outcome.as_ref().err()) {
                        out.error = Some(format!("hồ sơ {national}: {bad}"));
                    }
                    let local = self.store_online(&national, &raw, files)?;
                    match &local {
                        Some(_) => out.stored += 1,
                        None => out.inbox += 1,
                    }
                    local
                }
            };
            // Acknowledged after the commit; an unroutable one is acknowledged too (it is
            // safe here, in the inbox) under its national code.
            match conn.online_ack(&national, local.as_deref().unwrap_or(&national)) {
                Ok(()) => self.online_acked(&national)?,
                Err(e) => out.error = Some(e),
            }
        }
        // Inbox dossiers whose procedure the catalogue has gained since: routed now.
        let cat = self.catalogue()?;
        for row in self.online_inbox()? {
            let raw: serde_json::Value = serde_json::from_str(&row.raw).unwrap_or_default();
            let code = raw["MaTTHC"].as_str().unwrap_or("").trim().to_string();
            if cat.get(&code).is_some()
                && self
                    .assign_online(&Actor::system(), &row.national_code, &code)
                    .is_ok()
            {
                out.stored += 1;
            }
        }
        Ok(out)
    }

    /// *Gửi lại*: a rejected dossier (after its fix) or a waiting one goes again now.
    pub fn sync_replay(&self, actor: &Actor, code: &str) -> Result<SyncRow> {
        self.run(actor, |tx, now| {
            let mut row = tx
                .sync_row(code)?
                .ok_or(ServiceError::NotFound("hồ sơ chờ đồng bộ"))?;
            row.state = SyncState::Pending;
            row.attempts = 0;
            row.next_attempt_at = now;
            tx.sync_put(&row)?;
            Ok(row)
        })
    }

    /// *Gửi ngay*: every waiting dossier is due now (the province is back and nobody
    /// wants to wait out the backoff); rejected ones still wait for their fix. Returns
    /// how many were brought forward.
    pub fn sync_retry_now(&self, actor: &Actor) -> Result<u64> {
        self.run(actor, |tx, now| {
            let mut n = 0;
            for mut row in tx.sync_rows()? {
                if row.state == SyncState::Pending && row.next_attempt_at > now {
                    row.next_attempt_at = now;
                    tx.sync_put(&row)?;
                    n += 1;
                }
            }
            Ok(n)
        })
    }

    /// *Đồng bộ lại hồ sơ này*: send a dossier again even if the province has it.
    pub fn sync_resend(&self, actor: &Actor, code: &str) -> Result<()> {
        self.run(actor, |tx, now| {
            tx.dossier(code)?.ok_or(ServiceError::NotFound("hồ sơ"))?;
            tx.sync_mark(code, now)?;
            Ok(())
        })
    }
}

/// The dossier whole, shaped as this province wants it (code mapping, coercions).
fn send(conn: &Connector, d: &crate::domain::dossier::Dossier, cx: &sync::Context) -> Sent {
    let mut hoso = sync::hoso(d, cx);
    let mut steps = sync::steps(d, cx);
    conn.settings().shape(&mut hoso, &mut steps);
    conn.send(&hoso, &steps)
}
