//! The numbers `/metrics` exports, read in one place: aggregates only, never a name, an
//! ID number or a secret. The web layer only formats them (Prometheus text).

use super::{Result, Services};
use crate::domain::queue::ServiceArea;

/// One reading of everything `/metrics` exports.
#[derive(Debug, Clone)]
pub struct MetricsSnapshot {
    /// Each area with the tickets waiting now and issued today (local day).
    pub areas: Vec<(ServiceArea, usize, u32)>,
    /// Tickets called or being served at a counter.
    pub at_counters: usize,
    pub events: u64,
    pub print_pending: usize,
    /// `Some(true)` ready, `Some(false)` a fault, `None` unknown; absent when no printer.
    pub printer_ready: Option<Option<bool>>,
    pub database_bytes: u64,
    pub last_backup_at: u64,
    pub dossiers_received_today: u64,
    pub dossiers_overdue: u64,
    pub scanners: usize,
    /// The last software update: result, version, time.
    pub update_last: Option<(String, String, i64)>,
    pub update_epoch: u64,
    pub update_pending: usize,
    /// The provincial sync (counts and times only; never the token or the address).
    pub sync: super::sync::SyncStatus,
}

impl Services {
    pub fn metrics_snapshot(&self) -> Result<MetricsSnapshot> {
        let data_dir = self.data_dir()?.to_path_buf();
        let rx = self.store.read()?;
        let now = self.clock.now();
        let today = crate::domain::time::local_day(now);
        let day_start =
            crate::domain::time::from_local_naive(today.and_time(chrono::NaiveTime::MIN));
        let dossiers_received_today =
            rx.count_received_between(day_start.timestamp(), now.timestamp() + 1)?;
        let dossiers_overdue = rx.count_overdue_at(now)?;
        let scanners = rx
            .meta::<Vec<super::scans::ScannerEntry>>("scanners")?
            .map(|v| v.len())
            .unwrap_or(0);
        let areas = rx.services()?;
        let issued: Vec<u32> = areas
            .iter()
            .map(|a| rx.issued_on(a.id, today))
            .collect::<std::result::Result<_, _>>()?;
        let print_pending = rx
            .pending_print_jobs::<crate::domain::printing::PrintJob>(10_000)?
            .len();
        let events = rx.last_event_seq()?;
        drop(rx);
        let snapshot = self.snapshot()?;
        let areas = areas
            .into_iter()
            .zip(issued)
            .map(|(a, n)| {
                let waiting = snapshot
                    .waiting
                    .iter()
                    .filter(|t| t.service == a.id)
                    .count();
                (a, waiting, n)
            })
            .collect();
        let printer_ready = self
            .printer
            .as_ref()
            .filter(|p| p.configured())
            .map(|p| p.last_status().map(|st| st.is_ready()));
        let paths = crate::update::apply::Paths::new(&data_dir);
        let update_last = crate::update::apply::read_history(&paths.history(), 1)
            .last()
            .map(|h| (h.result.clone(), h.version.clone(), h.at.timestamp()));
        let app_state: crate::update::apply::AppState =
            crate::update::apply::read_json(&paths.state()).unwrap_or_default();
        let update_pending = std::fs::read_dir(paths.inbox())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "mcu"))
                    .count()
            })
            .unwrap_or(0);
        Ok(MetricsSnapshot {
            areas,
            at_counters: snapshot.called.len() + snapshot.serving.len(),
            events,
            print_pending,
            printer_ready,
            database_bytes: std::fs::metadata(crate::datadir::db_file(&data_dir))
                .map(|m| m.len())
                .unwrap_or(0),
            last_backup_at: self.last_backup_timestamp()?,
            dossiers_received_today,
            dossiers_overdue,
            scanners,
            update_last,
            update_epoch: app_state.epoch,
            update_pending,
            sync: self.sync_status()?,
        })
    }
}
