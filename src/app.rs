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
use crate::web::{routes, AppState};

/// Opens the data directory and the database.
pub fn open_services(config: &Config, clock: Arc<dyn Clock>) -> anyhow::Result<Services> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let store = Store::open(&config.db_path())?;
    Ok(Services::new(Arc::new(store), Hub::new(), clock))
}

/// Builds the HTTP server on an already-bound listener.
pub fn server(
    services: Services,
    config: &Config,
    listener: std::net::TcpListener,
) -> anyhow::Result<actix_web::dev::Server> {
    let target = PrinterTarget::parse(&config.printer).map_err(|e| anyhow::anyhow!(e))?;
    let printer = match target {
        PrinterTarget::None => None,
        t => Some(Arc::new(KioskPrinter::new(
            t,
            &config.data_dir,
            TicketLayout::default(),
        )?)),
    };
    let state = web::Data::new(AppState {
        services,
        build_id: crate::web::assets::build_id(),
        data_dir: config.data_dir.clone(),
        printer,
    });
    let mut http = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .wrap(middleware::from_fn(routes::access))
            .wrap(middleware::DefaultHeaders::new().add(("X-Content-Type-Options", "nosniff")))
            .configure(crate::web::configure)
    })
    // SIGTERM/SIGINT: stop accepting, let in-flight requests (and their commits) finish.
    .shutdown_timeout(10)
    .listen(listener)?;
    if config.workers > 0 {
        http = http.workers(config.workers);
    }
    Ok(http.run())
}

/// A server running on its own thread (tests, benchmarks).
pub struct Running {
    pub addr: SocketAddr,
    pub services: Services,
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
            let h = self.handle.clone();
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(rt) = rt {
                rt.block_on(h.stop(true));
            }
            let _ = t.join();
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
            match server(svc, &config, listener) {
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
        handle,
        thread: Some(thread),
    })
}
