//! Health and metrics: what a probe or the district monitor reads.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::web::{blocking, ApiError};

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Serialize)]
struct Health {
    status: &'static str,
    version: &'static str,
    build: String,
    database: DbHealth,
}

#[derive(Serialize)]
struct DbHealth {
    status: &'static str,
    schema_version: u32,
    tickets: Option<u64>,
    last_event_seq: Option<u64>,
    error: Option<String>,
}

pub async fn healthz(state: Data) -> HttpResponse {
    let services = state.services.clone();
    let probe = web::block(move || services.db_probe().map_err(|e| e.to_string()))
        .await
        .map_err(|e| e.to_string())
        .and_then(|r| r);
    let (status, db) = match probe {
        Ok(p) => (
            StatusCode::OK,
            DbHealth {
                status: "ok",
                schema_version: p.schema_version,
                tickets: Some(p.tickets),
                last_event_seq: Some(p.last_event_seq),
                error: None,
            },
        ),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            DbHealth {
                status: "error",
                schema_version: crate::service::SCHEMA_VERSION,
                tickets: None,
                last_event_seq: None,
                error: Some(e),
            },
        ),
    };
    HttpResponse::build(status).json(Health {
        status: if status == StatusCode::OK {
            "ok"
        } else {
            "degraded"
        },
        version: env!("CARGO_PKG_VERSION"),
        build: state.build_id.clone(),
        database: db,
    })
}

/// Prometheus text format for district monitoring. Aggregates only: no personal data.
pub async fn metrics(state: Data) -> Result<HttpResponse, ApiError> {
    use std::fmt::Write as _;
    let s = state.services.clone();
    let m = blocking(move || s.metrics_snapshot()).await?;
    let mut o = String::new();
    let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    let _ = writeln!(
        o,
        "# HELP motcua_build_info Version of the running binary.\n# TYPE motcua_build_info gauge"
    );
    let _ = writeln!(
        o,
        "motcua_build_info{{version=\"{}\",build=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        esc(&state.build_id)
    );
    let _ = writeln!(
        o,
        "# TYPE motcua_uptime_seconds gauge\nmotcua_uptime_seconds {}",
        state.started.elapsed().as_secs()
    );
    let _ = writeln!(o, "# HELP motcua_queue_waiting Tickets waiting now, per service area.\n# TYPE motcua_queue_waiting gauge");
    for (a, waiting, _) in &m.areas {
        let _ = writeln!(
            o,
            "motcua_queue_waiting{{area=\"{}\"}} {waiting}",
            esc(&a.name)
        );
    }
    let _ = writeln!(o, "# HELP motcua_tickets_issued_today Tickets issued today (local day), per area.\n# TYPE motcua_tickets_issued_today gauge");
    for (a, _, n) in &m.areas {
        let _ = writeln!(
            o,
            "motcua_tickets_issued_today{{area=\"{}\"}} {n}",
            esc(&a.name)
        );
    }
    let _ = writeln!(
        o,
        "# TYPE motcua_queue_at_counters gauge\nmotcua_queue_at_counters {}",
        m.at_counters
    );
    let _ = writeln!(
        o,
        "# TYPE motcua_events_total counter\nmotcua_events_total {}",
        m.events
    );
    let _ = writeln!(o, "# HELP motcua_print_queue_pending Print jobs waiting for the printer.\n# TYPE motcua_print_queue_pending gauge\nmotcua_print_queue_pending {}", m.print_pending);
    if let Some(ready) = m.printer_ready {
        let v = match ready {
            Some(true) => "1",
            Some(false) => "0",
            None => "NaN",
        };
        let _ = writeln!(o, "# HELP motcua_printer_ready 1 ready, 0 fault (paper, cover, offline), NaN unknown.\n# TYPE motcua_printer_ready gauge\nmotcua_printer_ready {v}");
    }
    let _ = writeln!(
        o,
        "# TYPE motcua_database_bytes gauge\nmotcua_database_bytes {}",
        m.database_bytes
    );
    let _ = writeln!(o, "# HELP motcua_last_backup_timestamp_seconds Time of the newest backup (0 = none).\n# TYPE motcua_last_backup_timestamp_seconds gauge\nmotcua_last_backup_timestamp_seconds {}", m.last_backup_at);
    let _ = writeln!(o, "# HELP motcua_dossiers_received_today Dossiers received (or filed online) today.\n# TYPE motcua_dossiers_received_today gauge\nmotcua_dossiers_received_today {}", m.dossiers_received_today);
    let _ = writeln!(o, "# HELP motcua_dossiers_overdue Open dossiers past their promised date, less those waiting for the citizen since within it.\n# TYPE motcua_dossiers_overdue gauge\nmotcua_dossiers_overdue {}", m.dossiers_overdue);
    // The provincial sync: the shipped alert fires when nothing was acknowledged for a
    // working day while dossiers wait (packaging/prometheus/motcua-alerts.yml).
    let ts = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp()).unwrap_or(0);
    let _ = writeln!(o, "# HELP motcua_sync_enabled 1 when the province is configured.\n# TYPE motcua_sync_enabled gauge\nmotcua_sync_enabled {}", u8::from(m.sync.enabled));
    let _ = writeln!(o, "# HELP motcua_sync_pending Dossiers with changes the province has not acknowledged.\n# TYPE motcua_sync_pending gauge\nmotcua_sync_pending {}", m.sync.pending);
    let _ = writeln!(o, "# HELP motcua_sync_rejected Dossiers the province refused (waiting for a fix and replay).\n# TYPE motcua_sync_rejected gauge\nmotcua_sync_rejected {}", m.sync.rejected);
    let _ = writeln!(o, "# HELP motcua_sync_acked_total Dossier snapshots the province acknowledged.\n# TYPE motcua_sync_acked_total counter\nmotcua_sync_acked_total {}", m.sync.acked);
    let _ = writeln!(o, "# HELP motcua_sync_oldest_pending_timestamp_seconds The oldest unacknowledged change (0 = none).\n# TYPE motcua_sync_oldest_pending_timestamp_seconds gauge\nmotcua_sync_oldest_pending_timestamp_seconds {}", ts(m.sync.oldest_pending_at));
    let _ = writeln!(o, "# HELP motcua_sync_last_success_timestamp_seconds The last acknowledged send (0 = never).\n# TYPE motcua_sync_last_success_timestamp_seconds gauge\nmotcua_sync_last_success_timestamp_seconds {}", ts(m.sync.last_success_at));
    let _ = writeln!(o, "# HELP motcua_scanners_configured Document scanners configured (their state: admin page).\n# TYPE motcua_scanners_configured gauge\nmotcua_scanners_configured {}", m.scanners);
    // Signed updates: the last software update's result and time, the epoch, pending bundles.
    let _ = writeln!(o, "# HELP motcua_update_last Last software update: 1 for its result (installed, rolled_back, failed, refused), with its time.\n# TYPE motcua_update_last gauge");
    if let Some((result, version, at)) = &m.update_last {
        let _ = writeln!(
            o,
            "motcua_update_last{{result=\"{}\",version=\"{}\"}} 1\n# TYPE motcua_update_last_timestamp_seconds gauge\nmotcua_update_last_timestamp_seconds {at}",
            esc(result),
            esc(version),
        );
    }
    let _ = writeln!(o, "# TYPE motcua_update_epoch gauge\nmotcua_update_epoch {}\n# HELP motcua_update_pending Verified bundles waiting for the update helper.\n# TYPE motcua_update_pending gauge\nmotcua_update_pending {}", m.update_epoch, m.update_pending);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(o))
}
