//! `motcua bench crash`: the crash harness. A real `motcua demo` child process on
//! loopback, concurrent kiosk clients issuing tickets, SIGKILL at a random moment, restart,
//! and checks that nothing acknowledged was lost and nothing was numbered twice.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use rand::{Rng, SeedableRng};

const CLIENTS: usize = 4;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) kiosk: String,
    /// The demo's paired rating tablet (the busy day rates served tickets with it).
    pub(crate) rating: Option<String>,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// A `motcua demo` on `data`, with extra environment (the province to connect to).
pub(crate) fn start(data: &Path, env: &[(&str, String)]) -> anyhow::Result<Server> {
    let exe = std::env::current_exe()?;
    for _ in 0..5 {
        let port = free_port()?;
        let mut child = Command::new(&exe)
            .args(["demo", "--data"])
            .arg(data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("MOTCUA_LOG", "warn")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, token)) = line.split_once("/pair/") {
                    for kind in ["kiosk", "rating"] {
                        if line.contains(&format!("({kind}, paired)")) {
                            let _ = tx.send((kind, token.trim().to_string()));
                        }
                    }
                }
            }
        });
        let kiosk = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(("kiosk", k)) => k,
            Ok(_) => continue,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                continue;
            }
        };
        // Printed right after the kiosk's line, when the demo has one.
        let rating = rx
            .recv_timeout(Duration::from_secs(2))
            .ok()
            .filter(|(kind, _)| *kind == "rating")
            .map(|(_, t)| t);
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if ureq::get(&format!("{base}/healthz"))
                .timeout(Duration::from_millis(500))
                .call()
                .is_ok()
            {
                return Ok(Server {
                    child,
                    base,
                    kiosk,
                    rating,
                });
            }
            if child.try_wait()?.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    bail!("server did not start")
}

/// (id → number) of every ticket the server acknowledged with 201.
type Acked = Arc<Mutex<BTreeMap<u64, String>>>;
/// (code → status) of every dossier reception (2) and resolution (9) acknowledged.
type AckedDossiers = Arc<Mutex<BTreeMap<String, u64>>>;

/// A desk officer receiving dossiers and resolving each one right after: two commands per
/// dossier, each acknowledged or cut by the kill.
fn dossier_client(base: String, stop: Arc<AtomicBool>, acked: AckedDossiers) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let token = match agent
        .post(&format!("{base}/api/v1/session"))
        .send_json(serde_json::json!({"username": "canbo1", "password": "demo"}))
        .ok()
        .and_then(|r| r.into_json::<serde_json::Value>().ok())
        .and_then(|v| v["token"].as_str().map(str::to_string))
    {
        Some(t) => t,
        None => return,
    };
    let auth = format!("Bearer {token}");
    let ack = |code: &str, status: u64| {
        acked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(code.to_string(), status);
    };
    while !stop.load(Ordering::Relaxed) {
        let r = agent
            .post(&format!("{base}/api/v1/dossiers"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({
                "procedure_code": "1.004873",
                "applicant": {"name": "Nguyễn Văn Thử", "phone": "0912345678"}
            }));
        let code = match r {
            Ok(resp) if resp.status() == 201 => match resp
                .into_json::<serde_json::Value>()
                .ok()
                .and_then(|v| v["code"].as_str().map(str::to_string))
            {
                Some(c) => c,
                None => break,
            },
            _ => break,
        };
        ack(&code, 2);
        let r = agent
            .post(&format!("{base}/api/v1/dossiers/{code}/actions"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({"action": "resolve"}));
        match r {
            Ok(resp) if resp.status() == 200 => ack(&code, 9),
            _ => break,
        }
    }
}

/// What the signing desk was told of each dossier's result: 1 = the unsigned result was
/// stored (acknowledged), 2 = its signing was acknowledged.
type AckedSigning = Arc<Mutex<BTreeMap<String, u8>>>;

/// The result every signing round starts from (a 2-page scan).
fn result_pdf() -> Vec<u8> {
    let s = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let page = motcua::devices::scanner::sim::render_page(&s, 1, 1).unwrap_or_default();
    motcua::render::pdf::pdf_from_jpegs(&[&page, &page], "Kết quả").unwrap_or_default()
}

/// The leader's desk: a result uploaded, then signed (two signatures, timestamped by
/// the demo's TSA), one dossier after another — the kill lands in the middle of some
/// signing, and afterwards the stored result must be the unsigned file or the fully
/// signed one, never a half.
fn signing_client(base: String, stop: Arc<AtomicBool>, acked: AckedSigning, pdf: Arc<Vec<u8>>) {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .redirects(0)
        .build();
    let Some(token) = agent
        .post(&format!("{base}/api/v1/session"))
        .send_json(serde_json::json!({"username": "admin", "password": "demo"}))
        .ok()
        .and_then(|r| r.into_json::<serde_json::Value>().ok())
        .and_then(|v| v["token"].as_str().map(str::to_string))
    else {
        return;
    };
    let auth = format!("Bearer {token}");
    let ack = |code: &str, n: u8| {
        acked
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(code.to_string(), n);
    };
    while !stop.load(Ordering::Relaxed) {
        let Some(code) = agent
            .post(&format!("{base}/api/v1/dossiers"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({
                "procedure_code": "1.004873",
                "applicant": {"name": "Trần Văn Ký", "phone": "0912000111"}
            }))
            .ok()
            .and_then(|r| r.into_json::<serde_json::Value>().ok())
            .and_then(|v| v["code"].as_str().map(str::to_string))
        else {
            break;
        };
        let ok = agent
            .post(&format!("{base}/api/v1/dossiers/{code}/actions"))
            .set("Authorization", &auth)
            .send_json(serde_json::json!({"action": "resolve"}))
            .is_ok()
            && agent
                .put(&format!(
                    "{base}/api/v1/dossiers/{code}/files/result?filename=kq.pdf"
                ))
                .set("Authorization", &auth)
                .set("Content-Type", "application/pdf")
                .send_bytes(&pdf)
                .is_ok_and(|r| r.status() == 200);
        if !ok {
            break;
        }
        ack(&code, 1);
        match agent
            .post(&format!("{base}/ho-so/{code}/ky-so"))
            .set("Authorization", &auth)
            .set("Content-Type", "application/x-www-form-urlencoded")
            .send_string("")
        {
            Ok(r) if r.status() == 303 => ack(&code, 2),
            _ => break,
        }
    }
}

/// Every result the signing desk stored is the unsigned file or fully signed (two valid
/// signatures appended to it); every acknowledged signing is there.
fn verify_signing(server: &Server, acked: &AckedSigning, pdf: &[u8]) -> anyhow::Result<usize> {
    let token = admin_token(server)?;
    let mut signed = 0;
    for (code, n) in acked.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let r = ureq::get(&format!(
            "{}/api/v1/dossiers/{code}/files/result",
            server.base
        ))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .with_context(|| format!("dossier {code}: its acknowledged result is missing"))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut r.into_reader(), &mut bytes)?;
        if bytes == pdf {
            if *n == 2 {
                bail!("dossier {code}: signing acknowledged, the stored result is unsigned");
            }
            continue;
        }
        if !bytes.starts_with(pdf) {
            bail!("dossier {code}: the stored result is neither the upload nor it signed");
        }
        let v: serde_json::Value = ureq::post(&format!("{}/api/v1/signatures/verify", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .set("Content-Type", "application/pdf")
            .send_bytes(&bytes)?
            .into_json()?;
        let all = v.as_array().map(|a| a.as_slice()).unwrap_or_default();
        if all.len() != 2 || all.iter().any(|s| s["verdict"] != "hop_le") {
            bail!("dossier {code}: a half-signed or invalid result was kept: {v}");
        }
        signed += 1;
    }
    Ok(signed)
}

pub fn run(rounds: usize, seed: u64) -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("motcua-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let acked: Acked = Arc::default();
    let dossiers: AckedDossiers = Arc::default();
    let signing: AckedSigning = Arc::default();
    let pdf = Arc::new(result_pdf());
    let mut kills = 0;
    let t0 = Instant::now();
    println!(
        "motcua bench crash — {rounds} rounds, seed {seed}, {CLIENTS} clients, data {}",
        dir.display()
    );
    // The province lives across the kills; it drops replies and fails now and then.
    let province = super::province::SimProvince::start("H40.14")?;
    let penv = province.env();
    for round in 1..=rounds {
        province.faults(serde_json::json!({
            "lose_ack": rng.gen_range(0..4), "fail_5xx": rng.gen_range(0..4), "slow_ms": 15
        }))?;
        let mut server = start(&dir, &penv)?;
        if round == 1 {
            widen_series(&server)?;
        }
        verify(&server, &acked, &dossiers).with_context(|| format!("after restart {round}"))?;
        verify_signing(&server, &signing, &pdf)
            .with_context(|| format!("signed results after restart {round}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let leader = {
            let (base, stop, signing, pdf) = (
                server.base.clone(),
                stop.clone(),
                signing.clone(),
                pdf.clone(),
            );
            std::thread::spawn(move || signing_client(base, stop, signing, pdf))
        };
        let desk = {
            let (base, stop, dossiers) = (server.base.clone(), stop.clone(), dossiers.clone());
            std::thread::spawn(move || dossier_client(base, stop, dossiers))
        };
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (base, kiosk, stop, acked) = (
                    server.base.clone(),
                    server.kiosk.clone(),
                    stop.clone(),
                    acked.clone(),
                );
                std::thread::spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(5))
                        .build();
                    let mut i = 0u32;
                    while !stop.load(Ordering::Relaxed) {
                        i += 1;
                        let r = agent
                            .post(&format!("{base}/api/v1/tickets"))
                            .set("Authorization", &format!("Bearer {kiosk}"))
                            .send_json(serde_json::json!({"service": 1 + (c as u32 + i) % 4}));
                        match r {
                            Ok(resp) if resp.status() == 201 => {
                                if let Ok(v) = resp.into_json::<serde_json::Value>() {
                                    if let (Some(id), Some(n)) =
                                        (v["id"].as_u64(), v["number"].as_str())
                                    {
                                        acked
                                            .lock()
                                            .unwrap_or_else(|p| p.into_inner())
                                            .insert(id, n.to_string());
                                    }
                                }
                            }
                            _ => break, // the server died under us: unacknowledged
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.gen_range(50..600)));
        server.child.kill()?; // SIGKILL
        server.child.wait()?;
        kills += 1;
        stop.store(true, Ordering::Relaxed);
        for c in clients {
            let _ = c.join();
        }
        let _ = desk.join();
        let _ = leader.join();
        let n = acked.lock().unwrap_or_else(|p| p.into_inner()).len();
        let d = dossiers.lock().unwrap_or_else(|p| p.into_inner()).len();
        println!("round {round:2}: killed; {n} acknowledged tickets, {d} dossiers so far");
    }
    let server = start(&dir, &penv)?;
    verify(&server, &acked, &dossiers).context("final check")?;
    let fully_signed = verify_signing(&server, &signing, &pdf).context("final signing check")?;
    let (uploaded, sign_acked) = {
        let s = signing.lock().unwrap_or_else(|p| p.into_inner());
        (s.len(), s.values().filter(|n| **n == 2).count())
    };
    let synced = province
        .converge(
            &server.base,
            &admin_token(&server)?,
            Duration::from_secs(120),
        )
        .context("the province's copy after the kills")?;
    let mut server = server;
    server.child.kill()?;
    server.child.wait()?;
    let db = dir.join("motcua.redb");
    if !motcua::store::Store::check_file_integrity(&db)? {
        bail!("redb integrity check failed");
    }
    let store = motcua::store::Store::open(&db)?;
    if let Some(seq) = motcua::store::verify_chain(&store)? {
        bail!("audit chain broken at event {seq}");
    }
    drop(store);
    let total = acked.lock().unwrap_or_else(|p| p.into_inner()).len();
    let (received, resolved) = {
        let d = dossiers.lock().unwrap_or_else(|p| p.into_inner());
        (d.len(), d.values().filter(|s| **s == 9).count())
    };
    println!(
        "OK: {kills} kills, {total} acknowledged tickets all present, no duplicate numbers; {received} acknowledged dossiers ({resolved} resolutions) all present and at least that far, report aggregates equal a recount after every restart; {uploaded} results uploaded for signing, {sign_acked} signings acknowledged, {fully_signed} stored fully signed and the rest unsigned, never half; the province's copy (lost replies, 5xx, kills mid-send) equals the book: {synced} dossiers with every step; integrity and audit chain verified ({:.1} s)",
        t0.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// The demo's A001–A999 would run out in a few rounds; give each area five digits.
pub(crate) fn widen_series(server: &Server) -> anyhow::Result<()> {
    let token = admin_token(server)?;
    let areas: Vec<serde_json::Value> = ureq::get(&format!("{}/api/v1/services", server.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call()?
        .into_json()?;
    for a in areas {
        let id = a["id"].as_u64().context("id")?;
        let mut body = a.clone();
        body["series"]["end"] = 99_999.into();
        body["series"]["width"] = 5.into();
        ureq::put(&format!("{}/api/v1/services/{id}", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .send_json(body)?;
    }
    Ok(())
}

pub(crate) fn admin_token(server: &Server) -> anyhow::Result<String> {
    let admin: serde_json::Value = ureq::post(&format!("{}/api/v1/session", server.base))
        .send_json(serde_json::json!({"username": "admin", "password": "demo"}))?
        .into_json()?;
    Ok(admin["token"].as_str().context("no token")?.to_string())
}

/// Every acknowledged ticket is stored with its number; numbers are unique per area and
/// day; ids have no holes (nothing half-written). Every acknowledged dossier is there, at
/// least as far as acknowledged (an unacknowledged resolution may have landed), and the
/// report aggregates written in the same transactions equal a recount from the records
/// (nothing half-applied).
fn verify(server: &Server, acked: &Acked, dossiers: &AckedDossiers) -> anyhow::Result<()> {
    let token = admin_token(server)?;
    for (code, status) in dossiers.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let d: serde_json::Value = ureq::get(&format!("{}/api/v1/dossiers/{code}", server.base))
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .with_context(|| format!("acknowledged dossier {code} is missing"))?
            .into_json()?;
        let now = d["status"].as_u64().unwrap_or(0);
        if now < *status {
            bail!("dossier {code}: acknowledged status {status}, stored {now}");
        }
    }
    let x: serde_json::Value = ureq::post(&format!("{}/api/v1/reports/reindex", server.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call()?
        .into_json()?;
    if x["identical"] != serde_json::json!(true) {
        bail!("report aggregates differ from a recount after the crash: {x}");
    }
    let snap: serde_json::Value = ureq::get(&format!("{}/api/v1/queue", server.base))
        .set("Authorization", &format!("Bearer {token}"))
        .call()?
        .into_json()?;
    let waiting = snap["waiting"].as_array().context("no waiting list")?;
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    for t in waiting {
        let id = t["id"].as_u64().context("id")?;
        let key = (
            t["service"].as_u64(),
            t["day"].as_str().map(str::to_string),
            t["number"].as_str().map(str::to_string),
        );
        if !numbers.insert(key.clone()) {
            bail!("duplicate ticket number {key:?}");
        }
        ids.insert(id);
    }
    let acked = acked.lock().unwrap_or_else(|p| p.into_inner());
    for (id, number) in acked.iter() {
        if !ids.contains(id) {
            bail!("acknowledged ticket {id} ({number}) is missing");
        }
    }
    if let Some(max) = ids.iter().max() {
        if ids.len() as u64 != *max {
            bail!("ticket ids have holes: {} tickets, max id {max}", ids.len());
        }
    }
    Ok(())
}
