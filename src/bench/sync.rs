//! `motcua bench sync`: drain a backlog of dossier changes to the simulated province on
//! loopback, as a ratio to the same number of bare HTTP round trips to it in the same run,
//! then check that the province's copy equals the local book.
//!
//! The backlog is built offline (sync off, as a commune that was cut off for days), then
//! the connector is switched on and the relay's rounds run back to back until nothing is
//! pending. Full snapshots coalesce: a dossier changed four times is sent once (its HoSo,
//! then its steps), so the drain makes fewer calls than there are changes; both numbers
//! are printed.

use std::sync::Arc;
use std::time::Instant;

use chrono::{TimeZone, Utc};

use motcua::clock::ManualClock;
use motcua::domain::dossier::Applicant;
use motcua::events::{Actor, Hub};
use motcua::province::{Connector, Profile};
use motcua::service::dossiers::{DossierCommand, ReceiveDossier};
use motcua::service::Services;
use motcua::store::Store;

pub fn run(changes: usize) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("motcua-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    // The simulated province, on its own runtime thread.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let st = motcua::province::sim::shared("H40.14", "bench-token");
    let sim_state = st.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let _ = rt.block_on(async move { motcua::province::sim::start(listener, st)?.await });
    });
    let profile = Profile::reference(&base, Some("bench-token"));

    // The backlog: dossiers received and moved while offline, four changes each.
    let store = Arc::new(Store::open(&dir.join("motcua.redb"))?);
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ));
    let offline = Services::new(store.clone(), Hub::new(), clock.clone());
    offline.seed_demo()?;
    let officer = Actor {
        name: "canbo1".into(),
        role: "officer".into(),
        addr: None,
    };
    let dossiers = changes.div_ceil(4).max(1);
    let t = Instant::now();
    let mut made = 0usize;
    for i in 0..dossiers {
        let d = offline.receive_dossier(
            &officer,
            ReceiveDossier {
                procedure_code: "1.004873".into(),
                applicant: Applicant {
                    name: format!("Người nộp {i}"),
                    phone: format!("09{:08}", i),
                    ..Default::default()
                },
                papers: None,
                sets: None,
                ticket: None,
                channel: None,
                note: String::new(),
            },
        )?;
        made += 1;
        for cmd in [
            DossierCommand::Assign {
                to_officer: "canbo2".into(),
                step_days: Some(1),
            },
            DossierCommand::Resolve {
                note: String::new(),
            },
            DossierCommand::ReturnResult {
                note: String::new(),
            },
        ] {
            if made >= changes {
                break;
            }
            offline.dossier_action(&officer, &d.code, cmd)?;
            made += 1;
        }
        if made >= changes {
            break;
        }
    }
    let build_s = t.elapsed().as_secs_f64();
    let pending = offline.sync_status()?.pending;
    println!("backlog: {made} changes on {pending} dossiers, built offline in {build_s:.1} s");

    // Back online: the relay drains it.
    let online = Services::new(store.clone(), Hub::new(), clock)
        .with_province(Connector::new(profile.clone()));
    let t = Instant::now();
    let mut rounds = 0;
    loop {
        let r = online.sync_round(20)?;
        rounds += 1;
        if r.retried + r.rejected > 0 {
            anyhow::bail!("unexpected faults while draining: {r:?}");
        }
        if r.sent == 0 {
            break;
        }
    }
    let drain = t.elapsed().as_secs_f64();
    let calls: u64 = sim_state
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .calls
        .values()
        .sum();
    let status = online.sync_status()?;
    anyhow::ensure!(
        status.pending == 0,
        "still pending after the drain: {}",
        status.pending
    );

    // Baseline: the same number of bare round trips to the same server, same run.
    let conn = Connector::new(profile);
    let t = Instant::now();
    for _ in 0..calls {
        anyhow::ensure!(
            conn.ping() == 200,
            "the simulator did not answer the baseline"
        );
    }
    let bare = t.elapsed().as_secs_f64();

    // The province's copy equals the local book.
    let mut rx_codes: Vec<String> = Vec::new();
    for page in 0.. {
        let list = online.list_dossiers(&motcua::service::dossiers::DossierFilter {
            page,
            per_page: Some(500),
            ..Default::default()
        })?;
        if list.is_empty() {
            break;
        }
        rx_codes.extend(list.into_iter().map(|d| d.code));
    }
    anyhow::ensure!(
        rx_codes.len() == pending as usize,
        "listed {} of {pending} dossiers",
        rx_codes.len()
    );
    let s = sim_state.lock().unwrap_or_else(|p| p.into_inner());
    let mut equal = 0;
    for code in &rx_codes {
        let d = online.dossier(code)?;
        let h = s.dossiers.get(code);
        let steps = s.steps.get(code).map(|m| m.len()).unwrap_or(0);
        let same = h.is_some_and(|h| h["TrangThaiHoSo"] == d.status().code().to_string())
            && steps == d.history.len();
        anyhow::ensure!(
            same,
            "the province's copy of {code} differs from the local book"
        );
        equal += 1;
    }
    drop(s);
    println!(
        "drain: {made} changes → {calls} calls in {drain:.2} s ({:.0} changes/s, {rounds} rounds); \
         {calls} bare round trips: {bare:.2} s; ratio drain/bare = {:.2}",
        made as f64 / drain,
        drain / bare.max(1e-9)
    );
    println!("end check: the province's copy equals the local book for {equal} dossiers");
    outbox_cost(&dir.join("cost"), 1000)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// What the outbox costs a dossier command: `n` receptions each followed by an
/// assignment, with the outbox row written in their transactions and without it, in
/// alternating blocks of 50 on the same store (drift and cache warmth fall on both).
fn outbox_cost(dir: &std::path::Path, n: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let store = Arc::new(Store::open(&dir.join("motcua.redb"))?);
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap(),
    ));
    let s = Services::new(store.clone(), Hub::new(), clock);
    s.seed_demo()?;
    let officer = Actor {
        name: "canbo1".into(),
        role: "officer".into(),
        addr: None,
    };
    let one = |i: usize| -> anyhow::Result<()> {
        let d = s.receive_dossier(
            &officer,
            ReceiveDossier {
                procedure_code: "1.004873".into(),
                applicant: Applicant {
                    name: format!("Người nộp {i}"),
                    phone: format!("09{:08}", i),
                    ..Default::default()
                },
                papers: None,
                sets: None,
                ticket: None,
                channel: None,
                note: String::new(),
            },
        )?;
        s.dossier_action(
            &officer,
            &d.code,
            DossierCommand::Assign {
                to_officer: "canbo2".into(),
                step_days: Some(1),
            },
        )?;
        Ok(())
    };
    let (mut with, mut without) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < n {
        for on in [true, false] {
            store.set_outbox_for_bench(on);
            let t = Instant::now();
            for _ in 0..50 {
                one(i)?;
                i += 1;
            }
            *(if on { &mut with } else { &mut without }) += t.elapsed().as_secs_f64();
        }
    }
    store.set_outbox_for_bench(true);
    let cmds = i as f64; // two commands each, half of them with the outbox
    println!(
        "outbox cost: reception + assignment {:.2} ms with the outbox row, {:.2} ms without (same run, {} each); ratio = {:.3}",
        with * 1000.0 / (cmds / 2.0),
        without * 1000.0 / (cmds / 2.0),
        i / 2,
        with / without.max(1e-9)
    );
    Ok(())
}
