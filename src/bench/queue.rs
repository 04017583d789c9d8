//! `motcua bench queue` (issuance against the raw commit and its storage floor, call → SSE
//! latency) and `motcua bench ticket` (render + encode).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::Context;

use motcua::app;
use motcua::clock::SystemClock;
use motcua::config::Config;
use motcua::store::Store;

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Wall and on-CPU time of a kind of operation, summed over the interleaved blocks.
#[derive(Default)]
struct Meter {
    time: Duration,
    cpu_ns: u64,
    n: u64,
}

/// On-CPU time of this thread (Linux schedstat), to split an operation's cost into the
/// work the process does and the waiting on the disk.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

impl Meter {
    /// Runs `n` operations (given their running index) and adds their cost.
    fn run<E>(&mut self, n: usize, mut op: impl FnMut(u64) -> Result<(), E>) -> anyhow::Result<()>
    where
        anyhow::Error: From<E>,
    {
        let (t, c) = (Instant::now(), thread_cpu_ns());
        for _ in 0..n {
            op(self.n)?;
            self.n += 1;
        }
        self.time += t.elapsed();
        self.cpu_ns += thread_cpu_ns() - c;
        Ok(())
    }

    fn rate(&self) -> f64 {
        self.n as f64 / self.time.as_secs_f64()
    }

    fn us(&self) -> f64 {
        self.time.as_secs_f64() * 1e6 / self.n as f64
    }

    fn cpu_us(&self) -> f64 {
        self.cpu_ns as f64 / 1e3 / self.n as f64
    }
}

struct Stats {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

fn stats(mut lat_ms: Vec<f64>, elapsed: Duration) -> Stats {
    lat_ms.sort_by(|a, b| a.total_cmp(b));
    Stats {
        rate: lat_ms.len() as f64 / elapsed.as_secs_f64(),
        p50_ms: pct(&lat_ms, 0.5),
        p99_ms: pct(&lat_ms, 0.99),
    }
}

fn login(base: &str, user: &str) -> anyhow::Result<String> {
    let v: serde_json::Value = ureq::post(&format!("{base}/api/v1/session"))
        .send_json(serde_json::json!({"username": user, "password": "demo"}))?
        .into_json()?;
    Ok(v["token"].as_str().unwrap_or_default().to_string())
}

pub fn queue(tickets: usize, boards: usize, calls: usize) -> anyhow::Result<()> {
    let dir = tempdir()?;
    // Baseline: one insert per durable commit, same disk. Kept open and measured in
    // blocks interleaved with the issuance blocks below, so both see the same disk
    // weather (this VM's fsync time drifts by ±25 % over seconds).
    let raw = Store::open(&dir.join("baseline.redb"))?;
    let cfg = Config {
        workers: 4,
        ..Config::defaults(&dir.join("data"), "127.0.0.1:0")
    };
    let running = app::spawn(cfg, Arc::new(SystemClock))?;
    let devices = running.services.seed_demo()?;
    let base = format!("http://{}", running.addr);
    let kiosk = devices.kiosk.clone();
    let services: Vec<serde_json::Value> = ureq::get(&format!("{base}/api/v1/services"))
        .set("Authorization", &format!("Bearer {kiosk}"))
        .call()?
        .into_json()?;
    let area_ids: Vec<u64> = services.iter().filter_map(|s| s["id"].as_u64()).collect();

    // In-process, no HTTP: the cost of the command itself.
    let actor = motcua::events::Actor {
        name: "bench".into(),
        role: "kiosk".into(),
        addr: None,
    };
    const BLOCKS: usize = 12;
    let per_block = (tickets / BLOCKS).max(10);
    let issue = |i: usize| {
        running.services.issue_ticket(
            &actor,
            area_ids[i % area_ids.len()] as u32,
            None,
            false,
            None,
            None,
        )
    };
    // One issuance first, to take the exact bytes of a ticket record and its event for the
    // storage floor (what any design keeping the invariants must make durable).
    issue(0)?;
    let (ticket_bytes, event_bytes) = running.services.store.newest_ticket_and_event_bytes()?;
    let floor2 = Store::open(&dir.join("floor-records.redb"))?;
    let floor4 = Store::open(&dir.join("floor-indexes.redb"))?;
    let (mut raw_m, mut f2_m, mut f4_m, mut inproc_m) = (
        Meter::default(),
        Meter::default(),
        Meter::default(),
        Meter::default(),
    );
    let mut lat = Vec::new();
    for _ in 0..BLOCKS {
        raw_m.run(per_block, |k| raw.raw_commit_baseline(k))?;
        f2_m.run(per_block, |k| {
            floor2.raw_commit_floor(k, &ticket_bytes, &event_bytes, false)
        })?;
        f4_m.run(per_block, |k| {
            floor4.raw_commit_floor(k, &ticket_bytes, &event_bytes, true)
        })?;
        inproc_m.run(per_block, |k| {
            let s = Instant::now();
            issue(k as usize + 1)?;
            lat.push(s.elapsed().as_secs_f64() * 1e3);
            anyhow::Ok(())
        })?;
    }
    let raw_rate = raw_m.rate();
    drop((raw, floor2, floor4));
    let inproc = stats(lat, inproc_m.time);

    println!(
        "motcua bench queue — {tickets} tickets per level, {} ({} cores)",
        std::env::consts::ARCH,
        num_cpus()
    );
    println!(
        "records: ticket {} B, event {} B (as stored)",
        ticket_bytes.len(),
        event_bytes.len()
    );
    println!("raw redb durable commits:         {:8.1} /s", raw_rate);
    println!(
        "floor: ticket + event, raw:       {:8.1} /s  ratio {:.2}",
        f2_m.rate(),
        f2_m.rate() / raw_rate
    );
    println!(
        "floor: + open set and counters:   {:8.1} /s  ratio {:.2}",
        f4_m.rate(),
        f4_m.rate() / raw_rate
    );
    println!(
        "issue_ticket in-process (1):      {:8.1} /s  p50 {:6.2} ms  p99 {:6.2} ms  ratio {:.2}  (of its floor {:.2})",
        inproc.rate,
        inproc.p50_ms,
        inproc.p99_ms,
        inproc.rate / raw_rate,
        inproc.rate / f4_m.rate()
    );
    println!(
        "  per operation, µs (on CPU): raw {:.0} ({:.0}), floor {:.0} ({:.0}) and {:.0} ({:.0}), issuance {:.0} ({:.0})",
        raw_m.us(),
        raw_m.cpu_us(),
        f2_m.us(),
        f2_m.cpu_us(),
        f4_m.us(),
        f4_m.cpu_us(),
        inproc_m.us(),
        inproc_m.cpu_us(),
    );
    for clients in [1usize, 8, 32] {
        let per = tickets / clients;
        let barrier = Arc::new(Barrier::new(clients + 1));
        let mut handles = Vec::new();
        for c in 0..clients {
            let (b, base, kiosk, ids) = (
                barrier.clone(),
                base.clone(),
                kiosk.clone(),
                area_ids.clone(),
            );
            handles.push(std::thread::spawn(move || -> anyhow::Result<Vec<f64>> {
                let agent = ureq::AgentBuilder::new().build();
                b.wait();
                let mut lat = Vec::with_capacity(per);
                for i in 0..per {
                    let s = Instant::now();
                    agent
                        .post(&format!("{base}/api/v1/tickets"))
                        .set("Authorization", &format!("Bearer {kiosk}"))
                        .send_json(serde_json::json!({"service": ids[(c + i) % ids.len()]}))?;
                    lat.push(s.elapsed().as_secs_f64() * 1e3);
                }
                Ok(lat)
            }));
        }
        barrier.wait();
        let t = Instant::now();
        let mut all = Vec::new();
        for h in handles {
            all.extend(
                h.join()
                    .map_err(|_| anyhow::anyhow!("client thread panicked"))??,
            );
        }
        let s = stats(all, t.elapsed());
        println!(
            "POST /api/v1/tickets, {clients:2} clients: {:8.1} /s  p50 {:6.2} ms  p99 {:6.2} ms  ratio {:.2}",
            s.rate,
            s.p50_ms,
            s.p99_ms,
            s.rate / raw_rate
        );
    }

    // Call → SSE delivery to `boards` boards.
    let display = devices.display.clone();
    let mut readers = Vec::new();
    let start_barrier = Arc::new(Barrier::new(boards + 1));
    for _ in 0..boards {
        let (addr, token, b) = (running.addr, display.clone(), start_barrier.clone());
        readers.push(std::thread::spawn(move || -> anyhow::Result<Vec<(String, Instant)>> {
            let mut s = TcpStream::connect(addr)?;
            s.set_read_timeout(Some(Duration::from_secs(30)))?;
            write!(s, "GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n")?;
            let mut r = BufReader::new(s);
            let mut got = Vec::new();
            let mut line = String::new();
            let mut event = String::new();
            let mut ready = false;
            loop {
                line.clear();
                if r.read_line(&mut line)? == 0 {
                    break;
                }
                let l = line.trim_end();
                if let Some(e) = l.strip_prefix("event: ") {
                    event = e.to_string();
                } else if let Some(d) = l.strip_prefix("data: ") {
                    if event == "hello" && !ready {
                        ready = true;
                        b.wait();
                    } else if event == "ticket_called" {
                        let v: serde_json::Value = serde_json::from_str(d)?;
                        let n = v["ticket"]["number"].as_str().unwrap_or_default().to_string();
                        got.push((n, Instant::now()));
                    } else if event == "settings_changed" {
                        break; // end marker
                    }
                }
            }
            Ok(got)
        }));
    }
    start_barrier.wait();
    let officer = login(&base, "canbo1")?;
    let admin = login(&base, "admin")?;
    let agent = ureq::AgentBuilder::new().build();
    let counter_id = 1;
    agent
        .post(&format!("{base}/api/v1/counters/{counter_id}/open"))
        .set("Authorization", &format!("Bearer {officer}"))
        .call()?;
    let mut sent = Vec::new();
    for _ in 0..calls {
        let t0 = Instant::now();
        let resp = agent
            .post(&format!("{base}/api/v1/counters/{counter_id}/call-next"))
            .set("Authorization", &format!("Bearer {officer}"))
            .call()?;
        if resp.status() != 200 {
            break;
        }
        let v: serde_json::Value = resp.into_json()?;
        let id = v["id"].as_u64().unwrap_or_default();
        sent.push((v["number"].as_str().unwrap_or_default().to_string(), t0));
        agent
            .post(&format!("{base}/api/v1/tickets/{id}/finish"))
            .set("Authorization", &format!("Bearer {officer}"))
            .call()?;
    }
    // Any settings change ends the board readers.
    let settings: serde_json::Value = agent
        .get(&format!("{base}/api/v1/settings"))
        .set("Authorization", &format!("Bearer {admin}"))
        .call()?
        .into_json()?;
    agent
        .put(&format!("{base}/api/v1/settings"))
        .set("Authorization", &format!("Bearer {admin}"))
        .send_json(settings)?;
    let mut lat = Vec::new();
    let mut missing = 0usize;
    for r in readers {
        let got = r
            .join()
            .map_err(|_| anyhow::anyhow!("board thread panicked"))??;
        for (n, t0) in &sent {
            match got.iter().find(|(g, _)| g == n) {
                Some((_, at)) => lat.push(at.duration_since(*t0).as_secs_f64() * 1e3),
                None => missing += 1,
            }
        }
    }
    lat.sort_by(|a, b| a.total_cmp(b));
    println!(
        "call → SSE, {boards} boards × {} calls:  p50 {:6.2} ms  p99 {:6.2} ms  max {:6.2} ms  missing {missing}",
        sent.len(),
        pct(&lat, 0.5),
        pct(&lat, 0.99),
        lat.last().copied().unwrap_or(0.0)
    );
    running.stop();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

pub fn ticket(iterations: usize) -> anyhow::Result<()> {
    use motcua::devices::printer::{encode_ticket, CutMode};
    use motcua::render::ticket::{render_ticket, TicketLayout, TicketPrint};
    let job = TicketPrint {
        center_name: "Trung tâm Phục vụ hành chính công xã Tân Phú".into(),
        service_name: "Tư pháp - Hộ tịch - Chứng thực".into(),
        number: "A015".into(),
        priority: Some("Người cao tuổi (từ 60 tuổi)".into()),
        purpose: None,
        dossier: None,
        waiting_ahead: 3,
        issued_local: chrono::NaiveDate::from_ymd_opt(2026, 3, 5)
            .and_then(|d| d.and_hms_opt(8, 42, 17))
            .context("fixed date")?,
        qr_url: Some("http://motcua.local:8080/t/1234/0123456789abcdef".into()),
    };
    println!(
        "motcua bench ticket — {iterations} iterations each, {} ({} cores)",
        std::env::consts::ARCH,
        num_cpus()
    );
    for width in [384u32, 576] {
        let layout = TicketLayout {
            width_dots: width,
            ..TicketLayout::default()
        };
        // Warm the glyph caches once, as a running kiosk has them warm.
        let bytes = encode_ticket(&render_ticket(&job, &layout), CutMode::Partial);
        let mut lat = Vec::with_capacity(iterations);
        let t = Instant::now();
        for _ in 0..iterations {
            let s = Instant::now();
            let b = encode_ticket(&render_ticket(&job, &layout), CutMode::Partial);
            std::hint::black_box(b);
            lat.push(s.elapsed().as_secs_f64() * 1e3);
        }
        let st = stats(lat, t.elapsed());
        println!(
            "{width} dots ({}): render+encode p50 {:6.2} ms  p99 {:6.2} ms  stream {:6} bytes ({:.1} KB)",
            if width == 384 { "58 mm" } else { "80 mm" },
            st.p50_ms,
            st.p99_ms,
            bytes.len(),
            bytes.len() as f64 / 1024.0
        );
    }
    Ok(())
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("motcua-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}
