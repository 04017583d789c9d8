//! Wiring: config → store → services → web. Also the in-process server used by the
//! integration tests and the benchmarks (same code path as production).

use std::net::SocketAddr;
use std::sync::Arc;

use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::clock::Clock;
use crate::config::Config;
use crate::devices::printer::kiosk::{KioskPrinter, PrinterTarget};
use crate::events::Hub;
use crate::render::ticket::TicketLayout;
use crate::service::Services;
use crate::store::Store;
use crate::web::AppState;

/// Opens the data directory and the database.
pub fn open_services(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Services> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = Store::open(&config.db_path())?;
    let files = crate::store::files::FileStore::open(&config.data_dir.join("files"))
        .with_context(|| format!("cannot create {}/files", config.data_dir.display()))?;
    Ok(Services::new(Arc::new(store), Hub::new(), clock)
        .with_data_dir(config.data_dir.clone())
        .with_files(files)
        .with_updates(crate::service::updates::UpdateDirs {
            data_dir: config.data_dir.clone(),
            shipped_keys: config.update_keys_dir.clone(),
        }))
}

/// Builds the HTTP server on an already-bound listener.
pub fn server(
    services: Services,
    config: &Config,
    listener: std::net::TcpListener,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<actix_web::dev::Server> {
    // The provincial sync: on when the province's address is configured (config file,
    // environment, or the admin page). The relay always runs: the admin may connect the
    // province later, and it then starts sending without a restart.
    let services = services.with_province_override(crate::service::sync::ProvinceOverride {
        url: config.province_url.clone(),
        secret: config.province_token.as_ref().map(|t| t.0.clone()),
    });
    services.reconnect()?;
    let (alive, gone) = std::sync::mpsc::channel::<()>();
    // The relay gets a copy without the keep-alive sender: it ends (releasing the
    // database) when the server's copies, which hold it, are dropped.
    spawn_sync_relay(services.clone(), gone);
    let services = services.with_sync_alive(alive);
    // The admin page's choice (kept in the database) wins over the config file.
    let chosen = services.printer_choice().ok().flatten();
    let target = PrinterTarget::parse(chosen.as_deref().unwrap_or(&config.printer))
        .or_else(|_| PrinterTarget::parse(&config.printer))
        .map_err(|e| anyhow::anyhow!(e))?;
    // Always a printer object, even for `none`: the admin can pick one later.
    let printer = Arc::new(KioskPrinter::new(
        target,
        &config.data_dir,
        TicketLayout::default(),
    )?);
    let (wake, woken) = std::sync::mpsc::channel();
    // The worker gets a copy without the wake sender: the channel closes (and the worker
    // ends, releasing the database) when the server's copies are dropped.
    let worker_services = services.clone();
    let services = services.with_printer(printer.clone(), wake);
    spawn_print_worker(worker_services, printer, woken);
    let tls = match &config.listen_tls {
        Some(addr) => Some((
            addr.clone(),
            crate::tls::load_or_create(
                &config.data_dir,
                config.tls_cert.as_deref(),
                config.tls_key.as_deref(),
            )?,
        )),
        None => None,
    };
    if config.backup_every_hours > 0 {
        spawn_backup_schedule(
            services.clone(),
            config.data_dir.clone(),
            config.backup_every_hours,
        );
    }
    if !config.update_urls.is_empty() && config.update_every_hours > 0 {
        spawn_update_pull(
            services.clone(),
            config.update_urls.clone(),
            config.update_every_hours,
        );
    }
    let state = web::Data::new(AppState {
        started: std::time::Instant::now(),
        tls_fingerprint: tls.as_ref().map(|(_, t)| t.fingerprint.clone()),
        services,
        build_id: crate::web::assets::build_id(),
        shutdown,
    });
    let mut http = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
            .configure(crate::web::configure)
    })
    // Signals are ours (see `serve_until_signal`): first end the endless SSE streams, then
    // stop accepting and let in-flight requests (and their commits) finish.
    .disable_signals()
    .shutdown_timeout(10)
    .listen(listener)?;
    if let Some((addr, t)) = tls {
        http = http
            .bind_rustls_0_23(&addr, t.config)
            .with_context(|| format!("cannot listen (TLS) on {addr}"))?;
        tracing::info!(listen_tls = %addr, fingerprint = %t.fingerprint, cert = %t.cert_path.display(), "HTTPS enabled");
    }
    if config.workers > 0 {
        http = http.workers(config.workers);
    }
    Ok(http.run())
}

/// Fetches the district's bundles every `every_hours` (first a minute after start) and
/// hands each to the same path as an admin upload. "Already have it" refusals (same or
/// older version/epoch) are normal and only logged at debug level.
fn spawn_update_pull(services: Services, urls: Vec<String>, every_hours: u32) {
    std::thread::Builder::new()
        .name("update-pull".into())
        .spawn(move || {
            std::thread::sleep(std::time::Duration::from_secs(60));
            let agent = ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(120))
                .build();
            let district = crate::events::Actor {
                name: "district".into(),
                role: "admin".into(),
                addr: None,
            };
            loop {
                for url in &urls {
                    let mut body = Vec::new();
                    let got = agent
                        .get(url)
                        .call()
                        .map_err(|e| e.to_string())
                        .and_then(|r| {
                            std::io::Read::read_to_end(
                                &mut std::io::Read::take(r.into_reader(), 300 * 1024 * 1024),
                                &mut body,
                            )
                            .map_err(|e| e.to_string())
                        });
                    if let Err(e) = got {
                        tracing::warn!(%url, "update pull: {e}");
                        continue;
                    }
                    match services.receive_bundle(&district, &body) {
                        Ok(r) => {
                            tracing::info!(%url, version = %r.version, "update pull: {}", r.message)
                        }
                        Err(crate::service::ServiceError::Update(
                            crate::domain::update::Reject::Downgrade { .. }
                            | crate::domain::update::Reject::OlderEpoch { .. },
                        )) => tracing::debug!(%url, "update pull: nothing new"),
                        Err(e) => tracing::warn!(%url, "update pull refused: {e}"),
                    }
                }
                std::thread::sleep(std::time::Duration::from_secs(
                    u64::from(every_hours) * 3600,
                ));
            }
        })
        .ok();
}

/// Writes a backup whenever the newest one is older than `every_hours` (checked every ten
/// minutes). The thread holds only a weak reference to the database, so it never keeps a
/// stopped server's file open.
fn spawn_backup_schedule(services: Services, data_dir: std::path::PathBuf, every_hours: u32) {
    let store = Arc::downgrade(&services.store);
    let (hub, clock) = (services.hub.clone(), services.clock.clone());
    drop(services);
    std::thread::spawn(move || loop {
        let Some(store) = store.upgrade() else { return };
        let s = Services::new(store, hub.clone(), clock.clone());
        let newest = std::fs::read_dir(crate::service::backup::backup_dir(&data_dir))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| crate::service::backup::valid_backup_name(&e.file_name().to_string_lossy()))
            .filter_map(|e| e.metadata().ok()?.modified().ok())
            .max();
        let due = newest.is_none_or(|t| {
            t.elapsed()
                .map_or(true, |age| age.as_secs() >= u64::from(every_hours) * 3600)
        });
        if due {
            match s.backup_now(&data_dir) {
                Ok(b) => tracing::info!(file = %b.name, size = b.size, "scheduled backup written"),
                Err(e) => tracing::error!(error = %e, "scheduled backup failed"),
            }
        }
        drop(s);
        std::thread::sleep(std::time::Duration::from_secs(600));
    });
}

/// How often the worker looks at the queue when nothing woke it, and retries a failing job.
const PRINT_POLL: std::time::Duration = std::time::Duration::from_millis(1000);

/// The print worker: one thread that prints the oldest pending job, in order, retrying a
/// job while the printer is out of paper or away. It ends when the server state is dropped
/// (the wake channel closes).
fn spawn_print_worker(
    services: Services,
    printer: Arc<KioskPrinter>,
    wake: std::sync::mpsc::Receiver<()>,
) {
    std::thread::spawn(move || loop {
        let job = match services.next_print_job() {
            Ok(j) => j,
            Err(e) => {
                tracing::error!(error = %e, "print queue unreadable");
                None
            }
        };
        let pause = match job {
            // Too old to print by itself (a fault backlog): held for a counter to reprint.
            Some(job) if job.is_stale(services.clock.now()) => {
                if let Err(e) = services.hold_stale_print_job(job.id) {
                    tracing::error!(error = %e, job = job.id, "stale print job not held");
                    PRINT_POLL
                } else {
                    continue;
                }
            }
            Some(job) => match printer.print_job(&job, &ticket_layout(&services)) {
                Ok(()) => {
                    if let Err(e) = services.print_job_done(job.id) {
                        tracing::error!(error = %e, job = job.id, "printed but not recorded");
                    }
                    continue;
                }
                Err(e) => {
                    let _ = services.print_job_failed(job.id, &e.to_string());
                    PRINT_POLL
                }
            },
            None => PRINT_POLL,
        };
        match wake.recv_timeout(pause) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    });
}

/// The sync relay: one thread sending due dossiers to the province, a batch at a time;
/// when nothing is due it looks again every second.
fn spawn_sync_relay(services: Services, alive: std::sync::mpsc::Receiver<()>) {
    let mut tick: u64 = 0;
    // Remote signatures are asked about every ~3 s on a thread of their own (a remote
    // service that hangs must not hold the province's relay); one poll at a time.
    let polling = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    std::thread::spawn(move || loop {
        if tick % 3 == 1 && !polling.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let (s, flag) = (services.clone(), polling.clone());
            std::thread::spawn(move || {
                if let Err(e) = s.remote_poll() {
                    tracing::error!(error = %e, "remote signing poll failed");
                }
                flag.store(false, std::sync::atomic::Ordering::SeqCst);
            });
        }
        // Online dossiers handed down: looked for every ~30 s (and at once on start).
        if tick % 30 == 0 {
            if let Err(e) = services.sync_pull() {
                tracing::error!(error = %e, "pulling online dossiers failed");
            }
        }
        // The nightly reconciliation, once a day after closing.
        if tick % 60 == 5 {
            if let Err(e) = services.reconcile_if_due() {
                tracing::error!(error = %e, "reconciliation failed");
            }
        }
        tick += 1;
        let busy = match services.sync_round(20) {
            Ok(r) => r.sent + r.retried + r.rejected > 0,
            Err(e) => {
                tracing::error!(error = %e, "sync round failed");
                false
            }
        };
        let pause = if busy {
            std::time::Duration::from_millis(0)
        } else {
            std::time::Duration::from_millis(1000)
        };
        match alive.recv_timeout(pause) {
            Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return,
        }
    });
}

/// The center's current ticket layout (admin settings).
fn ticket_layout(services: &Services) -> TicketLayout {
    services.ticket_layout().unwrap_or_else(|_| {
        TicketLayout::from(&services.settings().map(|s| s.ticket).unwrap_or_default())
    })
}

/// Runs the server until SIGTERM or SIGINT, then shuts down gracefully: live feeds end,
/// requests in flight complete (no commit is cut), and the function returns.
pub async fn serve_until_signal(
    services: Services,
    config: &Config,
    listener: std::net::TcpListener,
) -> anyhow::Result<()> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let server = server(services, config, listener, rx)?;
    let handle = server.handle();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping: finishing requests in flight");
        let _ = tx.send(true);
        handle.stop(true).await;
    });
    server.await?;
    Ok(())
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A server running on its own thread (tests, benchmarks).
pub struct Running {
    pub addr: SocketAddr,
    pub services: Services,
    shutdown: tokio::sync::watch::Sender<bool>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Graceful stop, as on SIGTERM; returns when the server has finished.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = self.shutdown.send(true);
            let h = self.handle.clone();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(h.stop(true));
            }
            let _ = t.join();
            // Worker threads drop their copies of the app state a moment after the server
            // future resolves; wait (bounded) until only ours holds the database, so a
            // restart on the same file can open it.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while Arc::strong_count(&self.services.store) > 1
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts the real app on 127.0.0.1 and a random port, on a background thread.
pub fn spawn(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let services = open_services(&config, clock)?;
    let listener = std::net::TcpListener::bind(&config.listen)?;
    let addr = listener.local_addr()?;
    let (tx, rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let svc = services.clone();
    let thread = std::thread::spawn(move || {
        let rt = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                let _ = tx.send(Err(anyhow::anyhow!(e)));
                return;
            }
        };
        rt.block_on(async move {
            match server(svc, &config, listener, stop_rx) {
                Ok(srv) => {
                    let _ = tx.send(Ok(srv.handle()));
                    let _ = srv.await;
                }
                Err(e) => {
                    let _ = tx.send(Err(e));
                }
            }
        });
    });
    let handle = rx.recv().context("server thread died")??;
    Ok(Running {
        addr,
        services,
        shutdown: stop_tx,
        handle,
        thread: Some(thread),
    })
}
