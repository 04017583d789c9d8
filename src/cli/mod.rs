//! The `motcua` command line: the subcommands and where each one's body lives.
//! Binary-side only (anyhow lives here); the library does the work.

mod data;
mod devices;
mod release;
mod serve;
mod sign;
mod update;
mod user;

use std::collections::HashMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "motcua",
    version,
    about = "Trung tâm Phục vụ hành chính công — máy chủ một cửa"
)]
pub struct Cli {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
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
    /// Signed PDFs: verify one, or make the demo PKI's samples for other verifiers.
    Sign {
        #[command(subcommand)]
        cmd: SignCmd,
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
        cmd: crate::bench::BenchCmd,
    },
}

#[derive(Subcommand)]
pub enum ReleaseCmd {
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
pub enum UpdateCmd {
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
pub enum SimCmd {
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
    /// A simulated provincial one-stop system speaking the reference profile
    /// (INTEGRATION.md §4): POST /HoSo/ThemMoi, /HoSo/CapNhat, /HoSo/DongBoTienTrinh;
    /// bearer token required. Control: GET /_sim/state, PUT /_sim/faults {fail_5xx,
    /// lose_ack, slow_ms, reject_codes, token_expired}.
    Province {
        #[arg(long, default_value = "127.0.0.1:8095")]
        listen: String,
        /// The unit (mã cơ quan) whose online dossiers it hands out.
        #[arg(long, default_value = "H40.14")]
        unit: String,
        /// The bearer token it accepts (with --login-user: the password).
        #[arg(long, default_value = "sim-token")]
        token: String,
        /// Ask for a login instead of a static token: POST /Auth/DangNhap
        /// {username, password} with header dstcode = the unit gives a session
        /// (refreshed at /Auth/LamMoi), sent afterwards as the bearer token.
        #[arg(long)]
        login_user: Option<String>,
    },
    /// A simulated remote signing service (SmartCA-style): POST
    /// /v1/credentials/get_certificate, /v1/signatures/sign,
    /// /v1/signatures/sign/{id}/status. Its own CA's root is written to --root-out (pin it
    /// in the appliance's <data>/trust/). The official "approves on the phone" at
    /// /_sim/app; control: POST /_sim/approve/{id}, /_sim/reject/{id}, /_sim/users
    /// {user_id, name}; PUT /_sim/faults {silent, auto_approve_ms, expire_after_ms}.
    Smartca {
        #[arg(long, default_value = "127.0.0.1:8096")]
        listen: String,
        #[arg(long, default_value = "motcua-sim")]
        sp_id: String,
        #[arg(long, default_value = "sim-password")]
        sp_password: String,
        /// The officials' organisation on their certificates.
        #[arg(long, default_value = "UBND xã Tân Phú")]
        organisation: String,
        /// An official: USER_ID=Name (repeatable).
        #[arg(long = "user")]
        users: Vec<String>,
        /// Where its root certificate goes (DER).
        #[arg(long)]
        root_out: Option<std::path::PathBuf>,
        /// Approve every request by itself after this many milliseconds.
        #[arg(long)]
        auto_approve_ms: Option<u64>,
    },
    /// A simulated timestamping authority (RFC 3161 over HTTP: POST / with a
    /// TimeStampReq). Its root (trusted for timestamps only) goes to --root-out (DER).
    Tsa {
        #[arg(long, default_value = "127.0.0.1:8097")]
        listen: String,
        #[arg(long)]
        root_out: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
pub enum SignCmd {
    /// Every signature's verdict (Hợp lệ / Không hợp lệ / Không xác định) against the
    /// pinned roots given; exit 1 unless all are valid.
    Verify {
        file: PathBuf,
        /// A trusted root certificate (PEM or DER); repeat for several.
        #[arg(long = "root")]
        roots: Vec<PathBuf>,
        /// A root trusted for timestamps only (a TSA's); repeat for several.
        #[arg(long = "tsa-root")]
        tsa_roots: Vec<PathBuf>,
    },
    /// Into DIR: the demo PKI's root and a result signed by an official, then by the
    /// organisation (test files for pyHanko, pdfsig, qpdf; never for real use).
    Demo {
        out: PathBuf,
        /// The signing time (RFC 3339), for pictures that can be compared run to run.
        #[arg(long)]
        at: Option<String>,
    },
    /// Into DIR: a result signed through a PKCS#11 token (a demo key made on it, its
    /// certificate issued by a demo root): SoftHSM2 in CI. The PIN is read from
    /// MOTCUA_TOKEN_PIN.
    TokenDemo {
        out: PathBuf,
        #[arg(long)]
        module: String,
        #[arg(long)]
        token: String,
        #[arg(long, default_value = "motcua-thu")]
        label: String,
    },
}

#[derive(Subcommand)]
pub enum UserCmd {
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
pub enum ImportCmd {
    /// A center's existing tracking book (UTF-8 CSV; columns by header name:
    /// procedure_code, applicant_name, channel, received_at, status, and optionally code,
    /// applicant_id, phone, due_at, resolved_at, returned_at). All rows or none.
    Dossiers {
        file: PathBuf,
        #[arg(long, default_value = "/var/lib/motcua")]
        data: PathBuf,
        /// The old system already sent these dossiers to the province: do not send them
        /// again (they count as synced).
        #[arg(long)]
        already_synced: bool,
    },
}

#[derive(Subcommand)]
pub enum AuditCmd {
    /// Walk the hash chain; exit 1 at the first broken link.
    Verify {
        #[arg(long)]
        data: PathBuf,
    },
}

/// Parses the command line and runs the subcommand.
pub fn run() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Serve {
            data,
            listen,
            config,
        } => serve::serve_cmd(data, listen, config),
        Cmd::Demo { data, listen } => serve::demo_cmd(data, listen),
        Cmd::Audit {
            cmd: AuditCmd::Verify { data },
        } => data::audit_verify(&data),
        Cmd::Bench { cmd } => crate::bench::run(cmd),
        Cmd::Devices { json } => devices::list(json),
        Cmd::UsbBackup { data } => data::usb_backup(&data),
        Cmd::Release { cmd } => release::run(cmd),
        Cmd::Update { cmd } => update::run(cmd),
        Cmd::Sim {
            cmd:
                SimCmd::Scanner {
                    listen,
                    sheets,
                    no_reload,
                    warmup,
                },
        } => devices::sim_scanner(&listen, sheets, no_reload, warmup),
        Cmd::Sim {
            cmd:
                SimCmd::Province {
                    listen,
                    unit,
                    token,
                    login_user,
                },
        } => devices::sim_province(&listen, &unit, &token, login_user.as_deref()),
        Cmd::Sim {
            cmd: SimCmd::Tsa { listen, root_out },
        } => devices::sim_tsa(&listen, root_out.as_deref()),
        Cmd::Sim {
            cmd:
                SimCmd::Smartca {
                    listen,
                    sp_id,
                    sp_password,
                    organisation,
                    users,
                    root_out,
                    auto_approve_ms,
                },
        } => devices::sim_smartca(
            &listen,
            &sp_id,
            &sp_password,
            &organisation,
            &users,
            root_out.as_deref(),
            auto_approve_ms,
        ),
        Cmd::User { cmd } => user::run(cmd),
        Cmd::Import {
            cmd:
                ImportCmd::Dossiers {
                    file,
                    data,
                    already_synced,
                },
        } => data::import_dossiers(&file, &data, already_synced),
        Cmd::Reindex { data } => data::reindex(&data),
        Cmd::Sign {
            cmd:
                SignCmd::Verify {
                    file,
                    roots,
                    tsa_roots,
                },
        } => sign::verify(&file, &roots, &tsa_roots),
        Cmd::Sign {
            cmd: SignCmd::Demo { out, at },
        } => sign::demo(&out, at.as_deref()),
        Cmd::Sign {
            cmd:
                SignCmd::TokenDemo {
                    out,
                    module,
                    token,
                    label,
                },
        } => sign::token_demo(
            &module,
            &token,
            &std::env::var("MOTCUA_TOKEN_PIN").unwrap_or_default(),
            &label,
            &out,
        ),
        Cmd::Backup { data, out } => data::backup(&data, &out),
        Cmd::Restore { data, file } => data::restore(&data, &file),
    }
}

/// The `MOTCUA_*` variables, for `Config::resolve`.
fn env_map() -> HashMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("MOTCUA_"))
        .collect()
}

fn init_logs(filter: &str) {
    let f = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only for a terminal: a log redirected to a file (demo.log) stays plain text.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(f)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .try_init();
}

/// A password from standard input (never from the command line).
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let pw = line.trim_end_matches(['\r', '\n']).to_string();
    anyhow::ensure!(!pw.is_empty(), "no password on standard input");
    Ok(pw)
}

/// The operator working from the shell (recorded as such in the audit trail).
fn shell_actor() -> motcua::events::Actor {
    motcua::events::Actor {
        name: "shell".into(),
        role: "admin".into(),
        addr: None,
    }
}
