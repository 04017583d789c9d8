//! Server-sent events: the live feed of committed events. A client that reconnects sends
//! `Last-Event-ID` (or `?last_event_id=`) and gets every event it missed from the store
//! before the live ones, so a network drop loses nothing. The first message says the
//! server's build so screens reload themselves after an update.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::stream;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::{ApiError, AppState, Caller};
use crate::domain::center::Role;
use crate::events::Event;
use crate::service::Services;

/// Most events replayed to a reconnecting client in one go.
const BACKLOG_LIMIT: usize = 5000;
const KEEPALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize)]
pub struct FeedQuery {
    last_event_id: Option<u64>,
}

struct Feed {
    services: Services,
    rx: tokio::sync::broadcast::Receiver<Arc<Event>>,
    backlog: VecDeque<Event>,
    last: u64,
    admin: bool,
    /// Officers, leaders: dossier changes too (no names in them), so the counter and the
    /// book show online dossiers as they come down.
    staff: bool,
    keepalive: tokio::time::Interval,
    hello: Option<String>,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

impl Feed {
    fn shows(&self, e: &Event) -> bool {
        self.admin
            || e.kind.is_live()
            || (self.staff && matches!(e.kind, crate::events::EventKind::DossierChanged { .. }))
    }
}

pub fn frame(e: &Event) -> Bytes {
    let data = serde_json::to_string(e).unwrap_or_else(|_| "{}".into());
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        e.seq,
        e.kind.name(),
        data
    ))
}

fn load_after(services: &Services, after: u64) -> Result<Vec<Event>, ApiError> {
    services
        .events_after(after, BACKLOG_LIMIT)
        .map_err(|e| ApiError::internal(e.to_string()))
}

pub async fn events(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    q: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let header_id = req
        .headers()
        .get("Last-Event-ID")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let resume = header_id.or(q.last_event_id);
    // Subscribe before reading the backlog so nothing falls between the two.
    let rx = state.services.hub.subscribe();
    let services = state.services.clone();
    let (backlog, last) = match resume {
        Some(after) => {
            let s = services.clone();
            let events = web::block(move || load_after(&s, after))
                .await
                .map_err(|e| ApiError::internal(e.to_string()))??;
            (events, after)
        }
        None => {
            let s = services.clone();
            let seq = web::block(move || s.last_event_seq())
                .await
                .map_err(|e| ApiError::internal(e.to_string()))?
                .map_err(|e| ApiError::internal(e.to_string()))?;
            (Vec::new(), seq)
        }
    };
    let hello = format!(
        "retry: 1000\nevent: hello\ndata: {}\n\n",
        serde_json::json!({ "build": state.build_id, "last_event_id": last })
    );
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.reset();
    let feed = Feed {
        services,
        rx,
        backlog: backlog.into(),
        last,
        admin: caller.principal.role == Role::Admin,
        staff: matches!(
            caller.principal.role,
            Role::Admin | Role::Officer | Role::Leader
        ),
        keepalive,
        hello: Some(hello),
        shutdown: state.shutdown.clone(),
    };
    let body = stream::unfold(feed, |mut f| async move {
        if let Some(h) = f.hello.take() {
            return Some((Ok::<_, actix_web::Error>(Bytes::from(h)), f));
        }
        loop {
            if let Some(e) = f.backlog.pop_front() {
                if e.seq <= f.last {
                    continue;
                }
                f.last = e.seq;
                if f.shows(&e) {
                    return Some((Ok(frame(&e)), f));
                }
                continue;
            }
            tokio::select! {
                r = f.rx.recv() => match r {
                    Ok(e) => {
                        if e.seq <= f.last { continue; }
                        if e.seq > f.last + 1 {
                            // A gap (we subscribed after a commit): fill it from the store.
                            let s = f.services.clone();
                            let after = f.last;
                            if let Ok(Ok(evs)) = web::block(move || load_after(&s, after)).await {
                                f.backlog.extend(evs);
                                continue;
                            }
                        }
                        f.last = e.seq;
                        if f.shows(&e) {
                            return Some((Ok(frame(&e)), f));
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        let s = f.services.clone();
                        let after = f.last;
                        match web::block(move || load_after(&s, after)).await {
                            Ok(Ok(evs)) => f.backlog.extend(evs),
                            _ => return None,
                        }
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = f.keepalive.tick() => return Some((Ok(Bytes::from_static(b": keepalive\n\n")), f)),
                _ = async { f.shutdown.wait_for(|stop| *stop).await.is_ok() } => return None,
            }
        }
    });
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
