//! `motcua serve` and `motcua demo`: resolve the configuration, open the services, run the
//! server until a signal; systemd readiness and watchdog.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use motcua::clock::SystemClock;
use motcua::config::{Config, Flags};

use super::{env_map, init_logs};

const DEFAULT_CONFIG: &str = "/etc/motcua/config.toml";

pub fn serve_cmd(
    data: Option<PathBuf>,
    listen: Option<String>,
    config: Option<PathBuf>,
) -> anyhow::Result<()> {
    let file = match &config {
        Some(p) => Some(Config::read_file(p)?),
        None if std::path::Path::new(DEFAULT_CONFIG).exists() => {
            Some(Config::read_file(DEFAULT_CONFIG.as_ref())?)
        }
        None => None,
    };
    let defaults = Config::defaults("/var/lib/motcua".as_ref(), "0.0.0.0:8080");
    let cfg = Config::resolve(
        defaults,
        file,
        &env_map(),
        &Flags {
            data_dir: data,
            listen,
        },
    )?;
    serve(cfg, false)
}

pub fn demo_cmd(data: PathBuf, listen: String) -> anyhow::Result<()> {
    let defaults = Config {
        printer: "sim".into(),
        ..Config::defaults(&data, &listen)
    };
    let cfg = Config::resolve(
        defaults,
        None,
        &env_map(),
        &Flags {
            data_dir: Some(data),
            listen: Some(listen),
        },
    )?;
    serve(cfg, true)
}

fn serve(mut cfg: Config, demo: bool) -> anyhow::Result<()> {
    init_logs(&cfg.log);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let services = motcua::app::open_services(&cfg, Arc::new(SystemClock))?;
        if demo {
            let s = services.clone();
            let devices = tokio::task::spawn_blocking(move || s.seed_demo()).await??;
            // A simulated eSCL scanner on a loopback port, registered under a fixed name
            // (its address changes on every start).
            let sim = motcua::devices::scanner::sim::SimScanner::shared(Default::default());
            let addr = motcua::devices::scanner::sim::spawn("127.0.0.1:0", sim)?;
            let s = services.clone();
            tokio::task::spawn_blocking(move || {
                let demo = motcua::events::Actor { name: "demo".into(), role: "admin".into(), addr: None };
                s.save_scanner(&demo, "Máy quét mô phỏng", &format!("http://{addr}/eSCL"))
            })
            .await??;
            // The demo is connected to a simulated province (unless one is configured), so
            // the sync can be watched: /api/v1/sync here, /_sim/state there.
            let province = if cfg.province_url.is_none() {
                let l = std::net::TcpListener::bind("127.0.0.1:0")?;
                let paddr = l.local_addr()?;
                let unit = services.settings().map(|s| s.dossier.agency).unwrap_or_default();
                let st = motcua::province::sim::shared(&unit, "demo-province-token");
                // Two dossiers citizens filed online last night: one the center handles,
                // one whose procedure it does not have (it lands in the book's inbox).
                // Yesterday, 20:00 local (their codes carry yesterday's date, so today's
                // numbering at the desk still starts at 0001).
                let yesterday = motcua::domain::time::local_day(chrono::Utc::now()) - chrono::Duration::days(1);
                let night = motcua::domain::time::from_local_naive(yesterday.and_hms_opt(20, 0, 0).unwrap_or_default());
                let filed = motcua::domain::sync::fmt_time(night);
                for (n, tthc, name, paper) in [
                    (1, "1.001193", "Nguyễn Thị Mai", "Tờ khai đăng ký khai sinh"),
                    (2, "2.000986", "Trần Văn Hải", "Đơn đề nghị"),
                ] {
                    motcua::province::sim::file(&st, serde_json::json!({
                        "MaHoSo": format!("000.00.00.{unit}-{}-{n:04}", &filed[2..8]),
                        "MaTTHC": tthc, "TenTTHC": "", "KenhThucHien": "2", "TrangThaiHoSo": "1",
                        "ChuHoSo": name, "SoDienThoai": format!("091200000{n}"), "Email": "",
                        "NgayNopHoSo": filed, "NgayTiepNhan": "", "NgayHenTra": "", "NgayTra": "",
                        "NgayKetThucXuLy": "",
                        "TaiLieuNop": [{"TenTepDinhKem": paper, "MaThanhPhanHoSo": "1"}]
                    }));
                }
                // More come in during the morning (every 15 minutes, the first after 3),
                // each with its paper's file inline, as the portal sends it.
                {
                    let (st, unit) = (st.clone(), unit.clone());
                    tokio::spawn(async move {
                        let people = ["Lê Văn Bình", "Phạm Thị Thu", "Hoàng Văn Nam", "Vũ Thị Lan"];
                        for (i, name) in people.iter().enumerate() {
                            let wait = if i == 0 { 180 } else { 900 };
                            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                            let now = chrono::Utc::now();
                            let filed = motcua::domain::sync::fmt_time(now);
                            motcua::province::sim::file(&st, serde_json::json!({
                                "MaHoSo": format!("000.00.00.{unit}-{}-{:04}", &filed[2..8], 101 + i),
                                "MaTTHC": "1.001193", "TenTTHC": "Đăng ký khai sinh", "KenhThucHien": "2",
                                "TrangThaiHoSo": "1", "ChuHoSo": name, "SoDienThoai": format!("09130000{:02}", i),
                                "Email": "", "NgayNopHoSo": filed, "NgayTiepNhan": "", "NgayHenTra": "",
                                "NgayTra": "", "NgayKetThucXuLy": "",
                                "TaiLieuNop": [{"TenTepDinhKem": "Tờ khai đăng ký khai sinh", "MaThanhPhanHoSo": "1",
                                                "Base64": demo_paper_base64()}]
                            }));
                        }
                    });
                }
                tokio::spawn(motcua::province::sim::start(l, st)?);
                cfg.province_url = Some(format!("http://{paddr}"));
                cfg.province_token = Some(motcua::config::Secret("demo-province-token".into()));
                Some(paddr)
            } else {
                None
            };
            // The demo's own small PKI (root pinned in <data>/trust/): never on a real center.
            let s = services.clone();
            tokio::task::spawn_blocking(move || s.ensure_demo_pki()).await??;
            // A simulated remote signing service (SmartCA-style) for the vice-chairman
            // `lanhdao`: she approves on its phone page; by itself after 45 s otherwise.
            let smartca = {
                use motcua::service::demo::{DEMO_REMOTE_PASSWORD, DEMO_REMOTE_SP};
                use motcua::sign::remote_sim::{shared, start, SimState};
                let place = services.settings().map(|s| s.place_name).unwrap_or_default();
                // Its CA and the official's key are kept in the demo's data (0600): what
                // was signed before a restart stays trusted after it.
                let kept_at = cfg.data_dir.join("signing").join("demo").join("smartca.json");
                let org = format!("UBND xã {place}");
                let mut st = match std::fs::read(&kept_at).ok().and_then(|b| serde_json::from_slice(&b).ok()) {
                    Some(v) => SimState::load(DEMO_REMOTE_SP, DEMO_REMOTE_PASSWORD, &org, &v),
                    None => SimState::new(DEMO_REMOTE_SP, DEMO_REMOTE_PASSWORD, &org),
                }
                .map_err(anyhow::Error::msg)?;
                if !st.has_user("079090000002") {
                    st.register("079090000002", "Trần Thị Bình").map_err(anyhow::Error::msg)?;
                }
                motcua::service::write_private(&kept_at, st.save().to_string().as_bytes())?;
                st.auto_approve = Some(std::time::Duration::from_secs(45));
                let root = st.root_der();
                let l = std::net::TcpListener::bind("127.0.0.1:0")?;
                let addr = l.local_addr()?;
                tokio::spawn(start(l, shared(st))?);
                let s = services.clone();
                let url = format!("http://{addr}");
                tokio::task::spawn_blocking(move || s.demo_remote_signing(&url, &root, "079090000002"))
                    .await??;
                addr
            };
            // A simulated timestamping authority: every signature of the demo carries
            // a timestamp (its root is pinned for timestamps only).
            {
                let kept_at = cfg.data_dir.join("signing").join("demo").join("tsa.json");
                let tsa = match std::fs::read(&kept_at) {
                    Ok(b) => motcua::sign::tsa::SimTsa::load(&b),
                    Err(_) => motcua::sign::tsa::SimTsa::new(),
                }
                .map_err(anyhow::Error::msg)?;
                motcua::service::write_private(&kept_at, &tsa.save())?;
                let dir = cfg.data_dir.join("trust").join("tsa");
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join("demo-tsa-khong-dung-that.der"), &tsa.root_der)?;
                let l = std::net::TcpListener::bind("127.0.0.1:0")?;
                let url = format!("http://{}/", l.local_addr()?);
                tokio::spawn(motcua::sign::tsa::start(l, std::sync::Arc::new(tsa))?);
                let s = services.clone();
                tokio::task::spawn_blocking(move || {
                    let demo = motcua::events::Actor { name: "demo".into(), role: "admin".into(), addr: None };
                    s.save_tsa_url(&demo, &url)
                })
                .await??;
            }
            print_demo(&cfg, &devices);
            println!(" Ký số từ xa (mô phỏng):        lanhdao / demo ký kết quả; điện thoại mô phỏng: http://{smartca}/_sim/app");
            println!(" Chứng thư số THỬ (demo, không dùng thật): {}/trust/demo-root-khong-dung-that.der", cfg.data_dir.display());
            println!(" Simulated scanner (eSCL):      http://{addr}/eSCL (scanimage/sane-airscan can use it too)");
            if let Some(p) = province {
                println!(" Simulated province:            http://{p} (what it received: /_sim/state)");
            }
            println!();
        } else {
            let s = services.clone();
            if let Some(pw) = tokio::task::spawn_blocking(move || s.ensure_first_admin()).await?? {
                tracing::warn!("FIRST START: created user \"admin\" with one-time password \"{pw}\" — log in and change it");
            }
        }
        let listener = std::net::TcpListener::bind(&cfg.listen).with_context(|| format!("cannot listen on {}", cfg.listen))?;
        tracing::info!(listen = %cfg.listen, data = %cfg.data_dir.display(), "motcua {} ready", env!("CARGO_PKG_VERSION"));
        // Officers type a name, not an IP (kept alive for the server's lifetime).
        let _mdns = (!demo && !cfg.mdns_name.is_empty())
            .then(|| {
                let port = listener.local_addr().map(|a| a.port()).unwrap_or(8080);
                let instance = services.settings().map(|s| s.name).unwrap_or_else(|_| "motcua".into());
                match motcua::devices::mdns::announce(&cfg.mdns_name, &instance, port) {
                    Ok(d) => {
                        tracing::info!("announced on the LAN as http://{}.local:{port}/", cfg.mdns_name);
                        Some(d)
                    }
                    Err(e) => {
                        tracing::warn!("mDNS announcement failed (the appliance is still reachable by IP): {e}");
                        None
                    }
                }
            })
            .flatten();
        notify_systemd(services.clone());
        motcua::app::serve_until_signal(services, &cfg, listener).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Under systemd (Type=notify): READY once listening, then watchdog pings while the
/// database answers, so a wedged process is restarted. Outside systemd these are no-ops.
fn notify_systemd(services: motcua::service::Services) {
    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]);
    let mut usec = 0u64;
    if sd_notify::watchdog_enabled(false, &mut usec) && usec > 0 {
        let every = std::time::Duration::from_micros(usec / 2);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let s = services.clone();
                // A write that failed on the disk leaves redb refusing writes until the
                // file is reopened: let systemd restart us (it recovers once there is room).
                let healthy = tokio::task::spawn_blocking(move || {
                    !s.storage_failed() && s.last_event_seq().is_ok()
                })
                .await
                .unwrap_or(false);
                if healthy {
                    let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
                } else {
                    tracing::error!("database check failed: withholding the watchdog ping");
                }
            }
        });
    }
}

fn print_demo(cfg: &Config, d: &motcua::service::demo::DemoDevices) {
    let host = match cfg.listen.rsplit_once(':') {
        Some(("0.0.0.0", port)) | Some(("[::]", port)) => format!("localhost:{port}"),
        _ => cfg.listen.clone(),
    };
    let base = format!("http://{host}");
    println!();
    println!("==================== motcua DEMO ====================");
    println!(" DEMO MODE: seeded accounts use the password \"demo\".");
    println!(" Never use the demo on a real center's network.");
    println!();
    println!(" Ki-ốt lấy số (kiosk, paired):  {base}/pair/{}", d.kiosk);
    println!(" Màn hình TV (board, paired):   {base}/pair/{}", d.display);
    if !d.rating.is_empty() {
        println!(" Đánh giá (rating, paired):     {base}/pair/{}", d.rating);
    }
    println!(" Hồ sơ (dossiers):              {base}/ho-so     (canbo1..canbo4 / demo)");
    println!(" Thủ tục (public listing):      {base}/thu-tuc");
    println!(" Tra cứu hồ sơ (public lookup): {base}/tra-cuu");
    println!(" Quầy giao dịch (counter):      {base}/counter   (canbo1..canbo4 / demo)");
    println!(
        " Chứng thực bản sao điện tử:    {base}/chung-thuc (canbo1 nhận yêu cầu, admin ký cấp)"
    );
    println!(" Quản trị (admin):              {base}/admin     (admin / demo)");
    println!(
        " Simulated printer output:      {}/sim-printer/ (and on the admin page)",
        cfg.data_dir.display()
    );
    println!(" Health:                        {base}/healthz");
    println!(" API description:               {base}/api/v1/openapi.json");
    println!(" Data directory:                {}", cfg.data_dir.display());
    println!("=====================================================");
    println!();
}

/// A one-page scanned-looking PDF, base64, for the demo's online filings.
fn demo_paper_base64() -> String {
    use base64::Engine;
    use motcua::devices::scanner::{ColorMode, InputSource, ScanSettings};
    let settings = ScanSettings::a4(InputSource::Platen, ColorMode::Gray, 75);
    let pdf = motcua::devices::scanner::sim::render_page(&settings, 1, 1)
        .ok()
        .and_then(|page| motcua::render::pdf::pdf_from_jpegs(&[&page], "Tờ khai").ok())
        .unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(pdf)
}
