//! `motcua bench dossiers`: lookup by code and list pages with a large store.
//!
//! Generates `count` dossiers spread over 2025 (seeded, so runs compare), bulk-loads them,
//! then measures in-process: a lookup by code (read transaction + get + decode) against
//! the raw redb get of the same key (the baseline, same run), and pages of the filtered
//! list the book and the API serve.

use std::sync::Arc;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};

use motcua::clock::ManualClock;
use motcua::domain::dossier::{Action, Applicant, Channel, Dossier, DossierState};
use motcua::events::Hub;
use motcua::service::dossiers::DossierFilter;
use motcua::service::Services;
use motcua::store::Store;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(((sorted.len() - 1) as f64) * p).round() as usize]
}

fn measure(n: usize, mut f: impl FnMut(usize) -> anyhow::Result<()>) -> anyhow::Result<(f64, f64)> {
    let mut lat = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i)?;
        lat.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    Ok((pct(&lat, 0.5), pct(&lat, 0.99)))
}

/// Generates `count` dossiers received over 2025 (seeded) into `store` in 10,000-record
/// transactions; returns their codes. A mix like a commune's year: 85 % resolved (most
/// returned), some assigned and still open, some withdrawn; one in five filed online.
pub fn generate(store: &Store, count: usize, seed: u64) -> anyhow::Result<Vec<String>> {
    let procs = motcua::service::demo::demo_catalogue(&[1, 2, 3, 4]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 1, 0, 0).unwrap();
    let year_secs = 365 * 86_400;
    let mut codes = Vec::with_capacity(count);
    let mut batch = Vec::with_capacity(10_000);
    let mut seq_per_day = std::collections::HashMap::<chrono::NaiveDate, u32>::new();
    for i in 0..count {
        let at = start + Duration::seconds(rng.gen_range(0..year_secs));
        let day = motcua::domain::time::local_day(at);
        let seq = seq_per_day.entry(day).or_insert(0);
        *seq += 1;
        let code = motcua::domain::dossier::dossier_code("H40.14", day, *seq, 5);
        let p = procs[i % procs.len()].clone();
        let due = at + Duration::days(rng.gen_range(1..10));
        let channel = if i % 5 == 0 {
            Channel::Online
        } else {
            Channel::Direct
        };
        let (mut state, first) = DossierState::receive(channel, "canbo1", at, due)?;
        let mut history = vec![first];
        let roll: u32 = rng.gen_range(0..100);
        let later = at + Duration::hours(rng.gen_range(1..200));
        let officer = format!("canbo{}", 1 + i % 4);
        if roll < 85 {
            history.extend(motcua::domain::dossier::apply(
                &mut state,
                &Action::Resolve {
                    note: String::new(),
                },
                &officer,
                later,
            )?);
            if roll < 80 {
                history.extend(motcua::domain::dossier::apply(
                    &mut state,
                    &Action::ReturnResult {
                        note: String::new(),
                    },
                    "canbo1",
                    later + Duration::hours(2),
                )?);
            }
        } else if roll < 95 {
            history.extend(motcua::domain::dossier::apply(
                &mut state,
                &Action::Assign {
                    to_officer: officer,
                    step_due: due,
                },
                "canbo1",
                at + Duration::minutes(5),
            )?);
        } else if roll < 97 {
            history.extend(motcua::domain::dossier::apply(
                &mut state,
                &Action::Withdraw {
                    reason: "Công dân rút hồ sơ".into(),
                },
                "canbo1",
                later,
            )?);
        }
        codes.push(code.clone());
        batch.push(Dossier {
            code,
            procedure: p,
            applicant: Applicant {
                name: format!("Nguyễn Văn {i}"),
                phone: format!("09{:08}", i),
                ..Default::default()
            },
            papers: vec![],
            sets: 1,
            ticket: None,
            pickup: String::new(),
            note: String::new(),
            state,
            history,
            lookup_token: format!("{:032x}", rng.gen::<u128>()),
            calendar_version: "bench".into(),
            national_code: None,
            imported: false,
            files: Vec::new(),
        });
        if batch.len() == 10_000 {
            store.bulk_put_dossiers(&batch)?;
            batch.clear();
        }
    }
    store.bulk_put_dossiers(&batch)?;
    Ok(codes)
}

pub fn run(count: usize, seed: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("motcua-bench-dossiers-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let store = Arc::new(Store::open(&dir.join("motcua.redb"))?);
    let t = Instant::now();
    let codes = generate(&store, count, seed)?;
    let load_s = t.elapsed().as_secs_f64();
    let file_mb = std::fs::metadata(dir.join("motcua.redb"))?.len() as f64 / 1e6;
    println!(
        "dossiers: {count} loaded in {load_s:.1} s ({:.0}/s), file {file_mb:.0} MB",
        count as f64 / load_s
    );

    let n = 2000;
    let (raw50, raw99) = measure(n, |i| {
        let code = &codes[(i * 7919) % codes.len()];
        let len = store.read()?.dossier_raw_len(code)?;
        anyhow::ensure!(len > 0, "missing {code}");
        Ok(())
    })?;
    let (get50, get99) = measure(n, |i| {
        let code = &codes[(i * 104_729) % codes.len()];
        let d = store.read()?.dossier(code)?;
        anyhow::ensure!(d.is_some(), "missing {code}");
        Ok(())
    })?;
    println!("lookup by code: p50 {get50:.3} ms, p99 {get99:.3} ms (raw redb get: p50 {raw50:.3} ms, p99 {raw99:.3} ms; ratio p50 {:.2}×)", get50 / raw50.max(1e-9));

    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2025, 12, 31, 3, 0, 0).unwrap(),
    ));
    let services = Services::new(store.clone(), Hub::new(), clock);
    let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2025, m, day);
    let cases: Vec<(&str, DossierFilter)> = vec![
        ("newest page (no filter)", DossierFilter::default()),
        (
            "one day",
            DossierFilter {
                from: d(6, 2),
                to: d(6, 2),
                ..Default::default()
            },
        ),
        (
            "status 4, one month",
            DossierFilter {
                status: Some(4),
                from: d(6, 1),
                to: d(6, 30),
                ..Default::default()
            },
        ),
        (
            "area 3, one month",
            DossierFilter {
                area: Some(3),
                from: d(6, 1),
                to: d(6, 30),
                ..Default::default()
            },
        ),
        (
            "overdue",
            DossierFilter {
                overdue: true,
                ..Default::default()
            },
        ),
        (
            "officer canbo3, whole year",
            DossierFilter {
                officer: Some("canbo3".into()),
                ..Default::default()
            },
        ),
        (
            "name search, one week",
            DossierFilter {
                q: Some("Nguyễn Văn 12".into()),
                from: d(6, 1),
                to: d(6, 7),
                ..Default::default()
            },
        ),
    ];
    for (name, f) in cases {
        let mut rows = 0;
        let (p50, p99) = measure(50, |_| {
            rows = services.list_dossiers(&f)?.len();
            Ok(())
        })?;
        println!("list page of 50, {name}: {rows} rows, p50 {p50:.2} ms, p99 {p99:.2} ms");
    }
    for (name, from, to) in [
        ("one month", d(6, 1), d(6, 30)),
        ("one year", d(1, 1), d(12, 31)),
    ] {
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let mut received = 0;
        let (p50, p99) = measure(3, |_| {
            received = services
                .dossier_report(from, to, None, motcua::domain::report::GroupBy::Area)?
                .total
                .received
                .total;
            Ok(())
        })?;
        println!("dossier report, {name}: {received} received, p50 {p50:.0} ms, p99 {p99:.0} ms");
    }
    drop(services);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// `motcua bench reports`: the dossier report of a year, a month and a year by procedure,
/// read from the aggregates, over stores of each size in `sizes` (generated like
/// [`generate`]); beside it, the baseline of the same run: the same year counted dossier
/// by dossier in one pass over the records (what the report did before the aggregates).
/// Also times `reindex` (a rebuild of the aggregates from the records).
pub fn reports(sizes: &[usize], seed: u64) -> anyhow::Result<()> {
    use motcua::domain::report::{self, Conventions, Facts, GroupBy};
    use motcua::domain::time::from_local_naive;
    let d = |m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(2025, m, day).unwrap();
    let mut first_year = None;
    for &count in sizes {
        let dir = std::env::temp_dir().join(format!(
            "motcua-bench-reports-{}-{count}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        let store = Arc::new(Store::open(&dir.join("motcua.redb"))?);
        let t = Instant::now();
        generate(&store, count, seed)?;
        let load_s = t.elapsed().as_secs_f64();
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2025, 12, 31, 3, 0, 0).unwrap(),
        ));
        let services = Services::new(store.clone(), Hub::new(), clock);
        let line = |name: &str, from, to, group| -> anyhow::Result<f64> {
            let mut received = 0;
            let (p50, p99) = measure(20, |_| {
                received = services
                    .dossier_report(from, to, None, group)?
                    .total
                    .received
                    .total;
                Ok(())
            })?;
            println!("  {name}: {received} received, p50 {p50:.2} ms, p99 {p99:.2} ms");
            Ok(p50)
        };
        println!("{count} dossiers (loaded in {load_s:.1} s):");
        let year = line("year, by area", d(1, 1), d(12, 31), GroupBy::Area)?;
        line("month, by area", d(6, 1), d(6, 30), GroupBy::Area)?;
        line("year, by procedure", d(1, 1), d(12, 31), GroupBy::Procedure)?;
        line("year, by officer", d(1, 1), d(12, 31), GroupBy::Officer)?;
        // Baseline: the direct count over every record, as before the aggregates.
        let (start, end) = (
            from_local_naive(d(1, 1).and_time(chrono::NaiveTime::MIN)),
            from_local_naive(
                d(12, 31)
                    .succ_opt()
                    .unwrap()
                    .and_time(chrono::NaiveTime::MIN),
            ),
        );
        let t = Instant::now();
        let mut facts = Vec::new();
        store.read()?.scan_dossiers_before(end.timestamp(), |x| {
            if let Some(f) = Facts::of(x, &Conventions::default()) {
                facts.push(f);
            }
        })?;
        let direct = report::build(&facts, start, end, GroupBy::Area, Default::default());
        let direct_ms = t.elapsed().as_secs_f64() * 1000.0;
        let agg = services.dossier_report(d(1, 1), d(12, 31), None, GroupBy::Area)?;
        anyhow::ensure!(
            agg.total == direct.total,
            "the aggregates and the direct count disagree at {count} dossiers"
        );
        println!(
            "  baseline, the same year counted record by record: {direct_ms:.0} ms ({:.0}× the aggregates; equal totals)",
            direct_ms / year.max(1e-6)
        );
        let t = Instant::now();
        let r = services.reindex_reports()?;
        anyhow::ensure!(
            r.identical,
            "live aggregates differ from a rebuild at {count}"
        );
        println!(
            "  reindex: {} rows from {} records in {:.1} s, identical to the live sums",
            r.rows,
            r.dossiers,
            t.elapsed().as_secs_f64()
        );
        let base = *first_year.get_or_insert(year);
        println!(
            "  year report ÷ the smallest store's: {:.2}",
            year / base.max(1e-6)
        );
        drop(services);
        drop(store);
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(())
}
