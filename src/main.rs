//! The `motcua` command: server, demo, and the operator's tools.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use motcua::clock::SystemClock;
use motcua::config::{Config, Flags};

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Trung tâm Phục vụ hành chính công — máy chủ một cửa"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the appliance.
    Serve {
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long)]
        listen: Option<String>,
        /// Config file (default /etc/motcua/config.toml when it exists).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Run with a demo center (seeded once) and simulated devices.
    Demo {
        #[arg(long, default_value = "demo-data")]
        data: PathBuf,
        #[arg(long, default_value = "0.0.0.0:8080")]
        listen: String,
    },
    /// Accounts from the shell (first admin, locked-out admin).
    User {
        #[command(subcommand)]
        cmd: UserCmd,
    },
    /// Recompute the report aggregates from the dossier records (stop the service first,
    /// the admin page's conventions save also rebuilds). Prints whether the rebuilt sums equal the ones kept live.
    Reindex {
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
    /// Write a backup of a stopped appliance's data (a running one: the admin page).
    Backup {
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Root helper (motcua-usb-backup.service): copy the backup the admin page asked for
    /// to the USB stick plugged into this machine.
    UsbBackup {
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
    /// Restore a backup into an empty data directory (service stopped).
    Restore {
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
        file: PathBuf,
    },
    /// Load data from files (the service must be stopped).
    Import {
        #[command(subcommand)]
        cmd: ImportCmd,
    },
    /// Check the audit chain of the event log.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// USB printers and scanners this machine sees, with the matching profile and the
    /// line to put in the config.
    Devices {
        /// JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// District IT: release keys and signed bundles.
    Release {
        #[command(subcommand)]
        cmd: ReleaseCmd,
    },
    /// Signed updates on the appliance: check a bundle, run the root helper, trust a key.
    Update {
        #[command(subcommand)]
        cmd: UpdateCmd,
    },
    /// Simulated devices, for trying clients and drivers without hardware.
    Sim {
        #[command(subcommand)]
        cmd: SimCmd,
    },
    /// Reproducible measurements (see BENCHMARKS.md).
    Bench {
        #[command(subcommand)]
        cmd: motcua::bench::BenchCmd,
    },
}

#[derive(Subcommand)]
enum ReleaseCmd {
    /// A new Ed25519 key pair (minisign format): OUT/motcua-release.pub (ship it to the
    /// appliances) and OUT/motcua-release.key (keep it offline). With --password-stdin
    /// the secret key is encrypted with the password read from standard input.
    Keygen {
        #[arg(long, default_value = ".")]
        out_dir: PathBuf,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Sign PAYLOAD (a .deb, or a data file) into a bundle.
    Sign {
        /// The secret key file.
        #[arg(long)]
        key: PathBuf,
        #[arg(long)]
        password_stdin: bool,
        /// app | catalogue | calendar | voice | keys
        #[arg(long, default_value = "app")]
        kind: String,
        /// Package version (app) or a data version label.
        #[arg(long)]
        version: String,
        /// Anti-rollback epoch: raise it to make every older bundle unacceptable.
        #[arg(long, default_value_t = 1)]
        epoch: u64,
        /// Oldest installed version this package may upgrade (app).
        #[arg(long)]
        min_from: Option<String>,
        /// Database format the new version writes (app; default: this binary's).
        #[arg(long)]
        db_format: Option<u32>,
        /// Debian architecture (app: default this machine's; data: all).
        #[arg(long)]
        arch: Option<String>,
        #[arg(long)]
        out: PathBuf,
        payload: PathBuf,
    },
}

#[derive(Subcommand)]
enum UpdateCmd {
    /// Run exactly the appliance's checks on BUNDLE; exit 0 only if it would be accepted.
    Verify {
        bundle: PathBuf,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
        /// Shipped public keys (default /usr/share/motcua/keys).
        #[arg(long, default_value = motcua::update::SHIPPED_KEYS)]
        keys: PathBuf,
    },
    /// The root helper (systemd motcua-update.service): finish or undo an interrupted
    /// update, then install every bundle in <data>/updates/inbox with health check and
    /// rollback.
    Apply {
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
        #[arg(long, default_value = motcua::update::SHIPPED_KEYS)]
        keys: PathBuf,
        #[arg(long, default_value = "motcua.service")]
        unit: String,
        /// Where the service answers /healthz.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        health_url: String,
        #[arg(long, default_value_t = 90)]
        health_timeout_secs: u64,
    },
    /// Trust a public key from now on (first key on an appliance, as root).
    Trust {
        key: PathBuf,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum SimCmd {
    /// A simulated eSCL scanner (glass and feeder), e.g. for `scanimage` with sane-airscan:
    /// base URL http://ADDR/eSCL. Control: POST /sim/load?sheets=N, /sim/jam?after=N,
    /// /sim/warmup?n=N, /sim/state?s=Stopped|Idle.
    Scanner {
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: String,
        /// Sheets in the feeder.
        #[arg(long, default_value_t = 3)]
        sheets: u32,
        /// Do not reload the feeder when it runs out.
        #[arg(long)]
        no_reload: bool,
        /// Answer 503 to the first N job requests (warming up).
        #[arg(long, default_value_t = 0)]
        warmup: u32,
    },
}

#[derive(Subcommand)]
enum UserCmd {
    /// Create an account; the password is read from standard input.
    Add {
        name: String,
        #[arg(long, default_value = "officer")]
        role: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from stdin (required: passwords never go on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
    /// Set a new one-time password (must be changed at next login); read from stdin.
    ResetPassword {
        name: String,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// A center's existing tracking book (UTF-8 CSV; columns by header name:
    /// procedure_code, applicant_name, channel, received_at, status, and optionally code,
    /// applicant_id, phone, due_at, resolved_at, returned_at). All rows or none.
    Dossiers {
        file: PathBuf,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Walk the hash chain; exit 1 at the first broken link.
    Verify {
        #[arg(long)]
        data: PathBuf,
    },
}

const DEFAULT_CONFIG: &str = "/etc/motcua/config.toml";

fn env_map() -> HashMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("MOTCUA_"))
        .collect()
}

fn init_logs(filter: &str) {
    let f = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(f)
        .with_target(false)
        .try_init();
}

/// glibc raises its mmap threshold after a large block is freed, so argon2's 19 MiB working
/// buffer (one per login) would then come from the heap and stay resident. A fixed threshold
/// keeps every such buffer mmapped and returned to the system when freed.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator parameters; called once at start, before threads.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> anyhow::Result<()> {
    tune_allocator();
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Serve {
            data,
            listen,
            config,
        } => {
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
        Cmd::Demo { data, listen } => {
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
        Cmd::Audit {
            cmd: AuditCmd::Verify { data },
        } => {
            let store = motcua::store::Store::open(&data.join("motcua.redb"))?;
            match motcua::store::verify_chain(&store)? {
                None => {
                    println!("audit chain OK");
                    Ok(())
                }
                Some(seq) => {
                    eprintln!("audit chain BROKEN at event {seq}");
                    std::process::exit(1);
                }
            }
        }
        Cmd::Bench { cmd } => motcua::bench::run(cmd),
        Cmd::Devices { json } => {
            let list = motcua::devices::printer::usb::list_usb()
                .context("cannot read the USB bus (libusb)")?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
                return Ok(());
            }
            if list.is_empty() {
                println!("no USB devices visible (as this user)");
            }
            for d in &list {
                let role = match d.role {
                    "ticket_printer" => "ticket printer",
                    "ipp_usb" => "IPP-over-USB scanner/MFP",
                    _ => "-",
                };
                println!(
                    "{}  {:<28} {:<26} classes {}",
                    d.vid_pid, d.product, role, d.classes
                );
                if let Some(p) = &d.profile {
                    println!(
                        "           profile: {p}, {} dots",
                        d.width_dots.unwrap_or(0)
                    );
                }
                if let Some(id) = &d.device_id {
                    println!("           IEEE 1284: {id}");
                }
                match d.role {
                    "ticket_printer" => println!("           config:  printer = \"{}\"", d.address),
                    "ipp_usb" => println!(
                        "           scanner: add on the admin page with address {}",
                        d.address
                    ),
                    _ => {}
                }
            }
            Ok(())
        }
        Cmd::UsbBackup { data } => {
            init_logs("info");
            match motcua::update::usb_backup::handle_request(&data) {
                None => tracing::info!("usb backup: no request"),
                Some(o) if o.ok => tracing::info!("usb backup: {} → {:?}", o.message, o.file),
                Some(o) => {
                    tracing::error!("usb backup failed: {}", o.message);
                    std::process::exit(1);
                }
            }
            Ok(())
        }
        Cmd::Release { cmd } => release_cmd(cmd),
        Cmd::Update { cmd } => update_cmd(cmd),
        Cmd::Sim {
            cmd:
                SimCmd::Scanner {
                    listen,
                    sheets,
                    no_reload,
                    warmup,
                },
        } => {
            use motcua::devices::scanner::sim::{SimScanner, SimScannerConfig};
            let sim = SimScanner::shared(SimScannerConfig {
                feeder_sheets: sheets,
                auto_reload: !no_reload,
                warmup,
                ..Default::default()
            });
            let l = std::net::TcpListener::bind(&listen)
                .with_context(|| format!("cannot listen on {listen}"))?;
            println!("simulated eSCL scanner at http://{}/eSCL", l.local_addr()?);
            motcua::devices::scanner::sim::serve(l, sim);
            Ok(())
        }
        Cmd::User { cmd } => user_cmd(cmd),
        Cmd::Import {
            cmd: ImportCmd::Dossiers { file, data },
        } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let cfg = Config::defaults(&data, "127.0.0.1:0");
            let s = motcua::app::open_services(&cfg, Arc::new(SystemClock)).context(
                "is the motcua service still running? stop it first, or use the admin page",
            )?;
            let shell = motcua::events::Actor {
                name: "shell".into(),
                role: "admin".into(),
                addr: None,
            };
            let report = s.import_dossiers_csv(&shell, &bytes)?;
            if !report.errors.is_empty() {
                for e in &report.errors {
                    eprintln!("dòng {}: {}", e.line, e.reason);
                }
                anyhow::bail!(
                    "{} lỗi; không nhập hồ sơ nào. Sửa tệp rồi chạy lại.",
                    report.errors.len()
                );
            }
            println!(
                "đã nhập {} hồ sơ; {} hồ sơ đã có từ trước (bỏ qua)",
                report.imported, report.duplicates
            );
            Ok(())
        }
        Cmd::Reindex { data } => {
            let store = motcua::store::Store::open(&data.join("motcua.redb"))
                .context("is the motcua service running? stop it first")?;
            let live = store.read()?.report_tables()?;
            let t = std::time::Instant::now();
            let n = store.rebuild_reports()?;
            let rebuilt = store.read()?.report_tables()?;
            let rows: usize = rebuilt.iter().map(Vec::len).sum();
            println!(
                "report aggregates rebuilt from {n} dossiers in {:.2} s: {rows} rows; {}",
                t.elapsed().as_secs_f64(),
                if live == rebuilt {
                    "identical to the live sums"
                } else {
                    "the live sums differed and were replaced"
                }
            );
            Ok(())
        }
        Cmd::Backup { data, out } => {
            let store = motcua::store::Store::open(&data.join("motcua.redb")).context(
                "is the motcua service running? use the admin page (Sao lưu) instead, or stop it",
            )?;
            let f = std::fs::File::create(&out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            let files = motcua::store::files::FileStore::open(&data.join("files"))?;
            store.export_with_files(std::io::BufWriter::new(f), Some(&files))?;
            println!("backup written to {}", out.display());
            Ok(())
        }
        Cmd::Restore { data, file } => {
            std::fs::create_dir_all(&data)?;
            let input = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let files = motcua::store::files::FileStore::open(&data.join("files"))?;
            let store = motcua::store::Store::import_with_files(
                &data.join("motcua.redb"),
                std::io::BufReader::new(input),
                Some(&files),
            )?;
            match motcua::store::verify_chain(&store)? {
                None => println!("restored into {}; audit chain OK", data.display()),
                Some(seq) => {
                    anyhow::bail!("restored, but the audit chain is broken at event {seq}")
                }
            }
            Ok(())
        }
    }
}

fn release_cmd(cmd: ReleaseCmd) -> anyhow::Result<()> {
    use motcua::domain::update::{BundleKind, Manifest, MANIFEST_FORMAT, PRODUCT};
    use motcua::update::bundle;
    match cmd {
        ReleaseCmd::Keygen {
            out_dir,
            password_stdin,
        } => {
            let pw = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let (pk, sk) = bundle::keygen(pw).map_err(anyhow::Error::msg)?;
            std::fs::create_dir_all(&out_dir)?;
            let (pp, sp) = (
                out_dir.join("motcua-release.pub"),
                out_dir.join("motcua-release.key"),
            );
            anyhow::ensure!(
                !sp.exists(),
                "{} exists: refusing to overwrite a key",
                sp.display()
            );
            std::fs::write(&pp, pk)?;
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&sp)?;
                f.write_all(sk.as_bytes())?;
            }
            println!(
                "public key: {} (install it on the appliances: motcua update trust)",
                pp.display()
            );
            println!("secret key: {} (keep it offline)", sp.display());
            Ok(())
        }
        ReleaseCmd::Sign {
            key,
            password_stdin,
            kind,
            version,
            epoch,
            min_from,
            db_format,
            arch,
            out,
            payload,
        } => {
            let kind: BundleKind = serde_json::from_value(serde_json::json!(kind))
                .context("--kind must be app, catalogue, calendar, voice or keys")?;
            let pw = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let sk = bundle::load_secret_key(&std::fs::read_to_string(&key)?, pw)
                .map_err(anyhow::Error::msg)?;
            let data = std::fs::read(&payload)
                .with_context(|| format!("cannot read {}", payload.display()))?;
            let name = payload
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "payload".into());
            let app = kind == BundleKind::App;
            let m = Manifest {
                format: MANIFEST_FORMAT,
                product: PRODUCT.into(),
                kind,
                arch: arch.unwrap_or_else(|| {
                    if app {
                        motcua::update::deb_arch().into()
                    } else {
                        "all".into()
                    }
                }),
                version,
                epoch,
                min_from,
                db_format: if app {
                    Some(db_format.unwrap_or(motcua::store::SCHEMA_VERSION))
                } else {
                    None
                },
                payload: name,
                sha256: String::new(),
                size: 0,
                created: chrono::Utc::now().to_rfc3339(),
            };
            let m = bundle::write_bundle(&out, m, &data, &sk).map_err(anyhow::Error::msg)?;
            println!(
                "{}: {:?} {} epoch {} sha256 {}",
                out.display(),
                m.kind,
                m.version,
                m.epoch,
                m.sha256
            );
            Ok(())
        }
    }
}

fn update_cmd(cmd: UpdateCmd) -> anyhow::Result<()> {
    use motcua::update::{apply, bundle};
    match cmd {
        UpdateCmd::Verify {
            bundle: path,
            data,
            keys,
        } => {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let dirs = motcua::service::updates::UpdateDirs {
                data_dir: data,
                shipped_keys: keys,
            };
            match motcua::service::updates::verify_in(&dirs, &bytes) {
                Ok(v) => {
                    let m = &v.manifest;
                    println!(
                        "OK: {:?} {} (epoch {}, {} bytes, sha256 {}) signed by {}",
                        m.kind, m.version, m.epoch, m.size, m.sha256, v.signer
                    );
                    Ok(())
                }
                Err(r) => {
                    eprintln!("REFUSED ({}): {r}", r.code());
                    std::process::exit(1);
                }
            }
        }
        UpdateCmd::Apply {
            data,
            keys,
            unit,
            health_url,
            health_timeout_secs,
        } => {
            init_logs("info");
            let mut inst = motcua::update::Dpkg { unit };
            let mut health = motcua::update::HttpHealth {
                base: health_url,
                timeout: std::time::Duration::from_secs(health_timeout_secs),
            };
            let mut h = apply::Helper {
                paths: apply::Paths::new(&data),
                trust: bundle::TrustStore::load(&keys, &data.join("keys")),
                version: env!("CARGO_PKG_VERSION").into(),
                arch: motcua::update::deb_arch().into(),
                db_format: motcua::store::SCHEMA_VERSION,
                installer: &mut inst,
                health: &mut health,
                now: chrono::Utc::now(),
            };
            let mut failed = false;
            for o in h.run() {
                match &o {
                    apply::Outcome::Failed(m) => {
                        failed = true;
                        tracing::error!("update failed: {m}");
                    }
                    apply::Outcome::NothingToDo => {}
                    other => tracing::info!("update: {other:?}"),
                }
            }
            if failed {
                std::process::exit(1);
            }
            Ok(())
        }
        UpdateCmd::Trust { key, data } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let pk = bundle::parse_public_key(&text).context("not a minisign public key")?;
            let dir = data.join("keys");
            std::fs::create_dir_all(&dir)?;
            let id = bundle::key_id(&pk);
            std::fs::write(
                dir.join(format!("{id}.pub")),
                format!(
                    "untrusted comment: minisign public key {id}\n{}\n",
                    pk.to_base64()
                ),
            )?;
            println!("trusting key {id} (in {})", dir.display());
            Ok(())
        }
    }
}

fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!pw.is_empty(), "no password on standard input");
    Ok(pw)
}

/// Works on the database file directly; the server must be stopped (redb locks the file).
fn user_cmd(cmd: UserCmd) -> anyhow::Result<()> {
    let open = |data: &PathBuf| -> anyhow::Result<motcua::service::Services> {
        let cfg = Config::defaults(data, "127.0.0.1:0");
        motcua::app::open_services(&cfg, Arc::new(SystemClock))
            .context("is the motcua service still running? stop it first")
    };
    let shell = motcua::events::Actor {
        name: "shell".into(),
        role: "admin".into(),
        addr: None,
    };
    match cmd {
        UserCmd::Add {
            name,
            role,
            display_name,
            data,
            ..
        } => {
            let role = motcua::domain::center::Role::parse(&role)
                .context("role must be admin, leader or officer")?;
            let pw = read_password()?;
            let s = open(&data)?;
            s.create_user(
                &shell,
                &name,
                display_name.as_deref().unwrap_or(&name),
                role,
                &pw,
                false,
            )?;
            println!("created {name} ({})", role.as_str());
        }
        UserCmd::ResetPassword { name, data } => {
            let pw = read_password()?;
            let s = open(&data)?;
            s.reset_password(&shell, &name, &pw)?;
            println!("password of {name} reset; it must be changed at the next login");
        }
    }
    Ok(())
}

fn serve(cfg: Config, demo: bool) -> anyhow::Result<()> {
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
            print_demo(&cfg, &devices);
            println!(" Simulated scanner (eSCL):      http://{addr}/eSCL (scanimage/sane-airscan can use it too)\n");
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
                    !s.store.storage_failed()
                        && s.store.read().and_then(|r| r.last_event_seq()).is_ok()
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
