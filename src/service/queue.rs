//! Queue commands and queries.

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::domain::center::{CenterSettings, Role};
use crate::domain::queue::{
    self, Counter, CounterId, QueueError, ServiceArea, ServiceId, Ticket, TicketId, TicketState,
};
use crate::domain::time::local_day;
use crate::events::{Actor, EventKind};
use crate::render::ticket::TicketPrint;
use crate::service::printing::{PrintJob, PrintState};
use crate::store::Tx;

#[derive(Debug, Clone, Serialize)]
pub struct IssuedTicket {
    pub ticket: Ticket,
    pub waiting_ahead: u32,
    /// `None` when no counter serving the area is open (see `queue::estimate_wait_secs`).
    pub estimated_wait_secs: Option<u32>,
    /// The area as the citizen should hear it at the moment of issue.
    pub availability: queue::Availability,
    /// The queued print job, when printing was asked for.
    pub print_job: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueSnapshot {
    pub waiting: Vec<Ticket>,
    pub called: Vec<Ticket>,
    pub serving: Vec<Ticket>,
    pub last_event_seq: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum TicketAction {
    Recall,
    Start,
    Finish,
    NoShow,
    Reactivate,
    Transfer {
        service: Option<ServiceId>,
        counter: Option<CounterId>,
        #[serde(default)]
        to_back: bool,
    },
    Cancel,
}

impl TicketAction {
    pub fn name(&self) -> &'static str {
        match self {
            TicketAction::Recall => "recall",
            TicketAction::Start => "start",
            TicketAction::Finish => "finish",
            TicketAction::NoShow => "no_show",
            TicketAction::Reactivate => "reactivate",
            TicketAction::Transfer { .. } => "transfer",
            TicketAction::Cancel => "cancel",
        }
    }
}

fn is_admin(actor: &Actor) -> bool {
    actor.account_role() == Some(Role::Admin)
}

fn load_counter(tx: &Tx, id: CounterId) -> Result<Counter> {
    tx.counter(id)?.ok_or(ServiceError::NotFound("quầy"))
}

fn load_ticket(tx: &Tx, id: TicketId) -> Result<Ticket> {
    tx.ticket(id)?.ok_or(ServiceError::NotFound("phiếu"))
}

/// The officer working a counter (or an admin) may operate it.
fn check_operator(actor: &Actor, counter: &Counter) -> Result<()> {
    if is_admin(actor) || counter.officer() == Some(actor.name.as_str()) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden(format!(
            "Bạn chưa mở {} nên không thể thao tác tại quầy này",
            counter.name
        )))
    }
}

fn settings(tx: &Tx) -> Result<CenterSettings> {
    Ok(tx.meta_cached("settings")?.unwrap_or_default())
}

/// The wait promised to a new ticket, from the area's availability (its open counters).
fn estimate(
    tx: &Tx,
    service: ServiceId,
    ahead: u32,
    availability: queue::Availability,
    now: DateTime<Utc>,
    s: &CenterSettings,
) -> Result<Option<u32>> {
    let durations = tx.service_times(service, local_day(now))?;
    let open = match availability {
        queue::Availability::Serving { open } => open,
        _ => 0,
    };
    let mean = queue::mean_service_secs(&durations, s.queue.default_service_secs);
    Ok(queue::estimate_wait_secs(ahead, open, mean))
}

impl Services {
    /// The active areas as the kiosk shows them now (who serves, issuing hours), and the
    /// next time today an issuing window opens or closes (the kiosk refreshes then).
    pub fn kiosk_areas(
        &self,
    ) -> Result<(Vec<(ServiceArea, queue::Availability)>, Option<NaiveTime>)> {
        let rx = self.store.read()?;
        let now = self.clock.now();
        let areas: Vec<ServiceArea> = rx.services()?.into_iter().filter(|a| a.active).collect();
        let counters = rx.counters()?;
        let change = queue::next_window_change(&areas, now);
        Ok((
            areas
                .into_iter()
                .map(|a| {
                    let av = queue::Availability::of(&a, &counters, now);
                    (a, av)
                })
                .collect(),
            change,
        ))
    }

    pub fn issue_ticket(
        &self,
        actor: &Actor,
        service: ServiceId,
        priority: Option<String>,
        print: bool,
        status_base: Option<&str>,
        dossier: Option<&str>,
    ) -> Result<IssuedTicket> {
        let status_token = {
            use rand::RngCore;
            let mut b = [0u8; 8];
            rand::rngs::OsRng.fill_bytes(&mut b);
            hex::encode(b)
        };
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            // A return visit: the ticket goes to the area of the dossier's procedure.
            let (service, dossier) = match dossier {
                Some(input) => {
                    // A scanner reading the receipt's QR types its link (…/tra-cuu/{token}).
                    let code = match input.trim().rsplit_once("/tra-cuu/") {
                        Some((_, token)) => tx
                            .dossier_code_by_token(&token.trim().to_ascii_lowercase())?
                            .unwrap_or_default(),
                        None => input.trim().to_ascii_uppercase(),
                    };
                    let d = tx
                        .dossier(&code)?
                        .ok_or(ServiceError::NotFound("hồ sơ có mã này"))?;
                    // Not ready (or nothing to collect): say when, issue nothing.
                    use crate::domain::dossier::return_visit::{return_visit, ReturnVisit};
                    let visit = return_visit(&d.state);
                    let ReturnVisit::Come(purpose) = visit else {
                        return Err(ServiceError::rejected(
                            "nothing_to_collect",
                            visit.message_vi(&d.code).unwrap_or_default(),
                        ));
                    };
                    (d.procedure.area, Some((d.code, purpose)))
                }
                None => (service, None),
            };
            let (dossier, purpose) = match dossier {
                Some((code, p)) => (Some(code), Some(p)),
                None => (None, None),
            };
            let area = tx
                .service(service)?
                .ok_or(ServiceError::NotFound("lĩnh vực"))?;
            if let Some(p) = &priority {
                s.queue.category(p).ok_or(QueueError::UnknownPriority)?;
            }
            let day = local_day(now);
            let issued = tx.issued_on(service, day)?;
            area.check_issue(now, issued)?;
            let k = tx.bump_issued(service, day)? - 1;
            let number = area.series.nth(k).ok_or(QueueError::SeriesExhausted)?;
            let ahead = tx
                .waiting_counts(service)?
                .ahead_of_new(priority.is_some(), s.queue.priority_policy);
            let ticket = Ticket {
                id: tx.next_id("ticket")?,
                number,
                service,
                day,
                priority,
                state: TicketState::Waiting,
                issued_at: now,
                queue_at: now,
                waiting_since: now,
                counter: None,
                target_counter: None,
                calls: vec![],
                first_called_at: None,
                started_at: None,
                finished_at: None,
                officer: None,
                transfers: 0,
                requeues: 0,
                waiting_ahead_at_issue: ahead,
                status_token,
                dossier,
                received: vec![],
                purpose,
            };
            let availability = queue::Availability::of(&area, &tx.counters()?, now);
            let wait = estimate(tx, service, ahead, availability, now, &s)?;
            tx.put_ticket(&ticket)?;
            tx.emit(EventKind::TicketIssued {
                ticket: ticket.clone(),
                estimated_wait_secs: wait,
            });
            // The print job is part of the same command: durable with the ticket.
            let print_job = if print {
                let category = ticket
                    .priority
                    .as_deref()
                    .and_then(|p| s.queue.category(p))
                    .map(|c| c.name.clone());
                let job = PrintJob {
                    id: tx.next_id("print_job")?,
                    ticket_id: ticket.id,
                    ticket: TicketPrint {
                        center_name: s.name.clone(),
                        service_name: area.name.clone(),
                        number: ticket.number.clone(),
                        priority: category,
                        purpose: purpose.map(|p| p.label_vi().to_string()),
                        dossier: ticket.dossier.clone(),
                        waiting_ahead: ahead,
                        issued_local: crate::domain::time::local(now).naive_local(),
                        // The public address when the admin set one (the kiosk's own
                        // address is often 127.0.0.1, useless on a citizen's phone).
                        qr_url: status_base.map(|b| {
                            format!(
                                "{}/t/{}/{}",
                                s.public_base(b),
                                ticket.id,
                                ticket.status_token
                            )
                        }),
                    },
                    checklist: None,
                    state: PrintState::Pending,
                    created_at: now,
                    attempts: 0,
                    last_error: None,
                    printed_at: None,
                };
                tx.put_print_job(job.id, true, &job)?;
                Some(job.id)
            } else {
                None
            };
            Ok(IssuedTicket {
                ticket,
                waiting_ahead: ahead,
                estimated_wait_secs: wait,
                availability,
                print_job,
            })
        })
    }

    /// Atomic: the selection and the state change happen in one serialized write
    /// transaction, so two counters can never get the same ticket.
    pub fn call_next(&self, actor: &Actor, counter_id: CounterId) -> Result<Option<Ticket>> {
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            let mut counter = load_counter(tx, counter_id)?;
            check_operator(actor, &counter)?;
            if !counter.is_open() {
                return Err(QueueError::CounterNotOpen.into());
            }
            let open = tx.open_tickets()?;
            finish_current(tx, &counter, &open, now)?;
            let Some(next) = queue::pick_next_in(&counter, &open, &s.queue) else {
                return Ok(None);
            };
            let mut t = next.clone();
            t.call(&counter, &actor.name, now)?;
            queue::note_called(&mut counter, &t);
            tx.put_counter(&counter)?;
            tx.put_ticket(&t)?;
            emit_called(tx, &t, &counter, false);
            Ok(Some(t))
        })
    }

    /// Call one specific waiting ticket out of order (a center setting; audited).
    pub fn call_ticket(
        &self,
        actor: &Actor,
        counter_id: CounterId,
        ticket_id: TicketId,
    ) -> Result<Ticket> {
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            if !s.queue.allow_call_specific {
                return Err(QueueError::CallSpecificDisabled.into());
            }
            let counter = load_counter(tx, counter_id)?;
            check_operator(actor, &counter)?;
            if !counter.is_open() {
                return Err(QueueError::CounterNotOpen.into());
            }
            let mut t = load_ticket(tx, ticket_id)?;
            if !counter.serves(t.service) {
                return Err(QueueError::NotServedHere.into());
            }
            let open = tx.open_tickets()?;
            finish_current(tx, &counter, &open, now)?;
            t.call(&counter, &actor.name, now)?;
            tx.put_ticket(&t)?;
            emit_called(tx, &t, &counter, false);
            Ok(t)
        })
    }

    pub fn ticket_action(
        &self,
        actor: &Actor,
        ticket_id: TicketId,
        action: TicketAction,
    ) -> Result<Ticket> {
        self.run(actor, |tx, now| {
            let s = settings(tx)?;
            let mut t = load_ticket(tx, ticket_id)?;
            let at_counter = match t.counter {
                Some(c) if matches!(t.state, TicketState::Called | TicketState::Serving) => {
                    Some(load_counter(tx, c)?)
                }
                _ => None,
            };
            if let Some(c) = &at_counter {
                check_operator(actor, c)?;
            }
            match &action {
                TicketAction::Recall => t.recall(&s.queue, now)?,
                TicketAction::Start => t.start(now)?,
                TicketAction::Finish => t.finish(now)?,
                TicketAction::NoShow => t.no_show(&s.queue, now)?,
                TicketAction::Reactivate => t.reactivate(&s.queue, now)?,
                TicketAction::Cancel => t.cancel(now)?,
                TicketAction::Transfer {
                    service,
                    counter,
                    to_back,
                } => {
                    let service = service.unwrap_or(t.service);
                    tx.service(service)?
                        .ok_or(ServiceError::NotFound("lĩnh vực"))?;
                    if let Some(c) = counter {
                        let target = load_counter(tx, *c)?;
                        if !target.serves(service) {
                            return Err(QueueError::NotServedHere.into());
                        }
                    }
                    t.transfer(service, *counter, *to_back, now)?
                }
            }
            tx.put_ticket(&t)?;
            match (&action, &at_counter) {
                (TicketAction::Recall, Some(c)) => emit_called(tx, &t, c, true),
                _ => tx.emit(EventKind::TicketChanged {
                    action: action.name().into(),
                    ticket: t.clone(),
                }),
            }
            Ok(t)
        })
    }

    /// An officer opens a counter in their name: one of theirs when the admin gave them
    /// counters (an admin or leader may open any, e.g. to stand in).
    pub fn open_counter(&self, actor: &Actor, counter_id: CounterId) -> Result<Counter> {
        self.counter_command(actor, counter_id, |tx, c, actor| {
            if actor.account_role() == Some(Role::Officer) {
                let user: Option<crate::domain::account::User> = tx.user(&actor.name)?;
                if user.is_some_and(|u| !u.works_at(counter_id)) {
                    return Err(ServiceError::Forbidden(
                        "Quầy này chưa được giao cho bạn; chọn quầy của bạn hoặc hỏi quản trị viên"
                            .into(),
                    ));
                }
            }
            Ok(c.open(&actor.name)?)
        })
    }

    pub fn pause_counter(
        &self,
        actor: &Actor,
        counter_id: CounterId,
        reason: &str,
    ) -> Result<Counter> {
        self.counter_command(actor, counter_id, |_, c, actor| {
            check_operator(actor, c)?;
            Ok(c.pause(reason)?)
        })
    }

    pub fn close_counter(&self, actor: &Actor, counter_id: CounterId) -> Result<Counter> {
        self.counter_command(actor, counter_id, |_, c, actor| {
            if c.officer().is_some() {
                check_operator(actor, c)?;
            }
            c.close();
            Ok(())
        })
    }

    fn counter_command(
        &self,
        actor: &Actor,
        counter_id: CounterId,
        f: impl FnOnce(&Tx, &mut Counter, &Actor) -> Result<()>,
    ) -> Result<Counter> {
        self.run(actor, |tx, _| {
            let mut c = load_counter(tx, counter_id)?;
            f(tx, &mut c, actor)?;
            tx.put_counter(&c)?;
            tx.emit(EventKind::CounterChanged { counter: c.clone() });
            Ok(c)
        })
    }

    /// Create (id 0 = next free) or replace a service area.
    pub fn save_service(&self, actor: &Actor, mut area: ServiceArea) -> Result<ServiceArea> {
        area.series.validate()?;
        let name = area.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(ServiceError::Invalid(
                "Tên lĩnh vực phải có từ 1 đến 120 ký tự".into(),
            ));
        }
        area.name = name;
        self.run(actor, |tx, _| {
            if area.id == 0 {
                area.id = tx.next_id("service")? as ServiceId;
            } else if tx.service(area.id)?.is_none() {
                return Err(ServiceError::NotFound("lĩnh vực"));
            }
            tx.put_service(&area)?;
            tx.emit(EventKind::ServiceChanged {
                service: area.clone(),
            });
            Ok(area)
        })
    }

    /// Create (id 0) or edit a counter's number, name and areas; its open state is kept.
    pub fn save_counter(
        &self,
        actor: &Actor,
        number: u32,
        name: &str,
        services: Vec<ServiceId>,
        id: CounterId,
    ) -> Result<Counter> {
        let name = name.trim();
        if name.is_empty() || number == 0 || number > 999 {
            return Err(ServiceError::Invalid("Quầy cần số (1–999) và tên".into()));
        }
        self.run(actor, |tx, _| {
            for s in &services {
                tx.service(*s)?.ok_or(ServiceError::NotFound("lĩnh vực"))?;
            }
            let c = if id == 0 {
                Counter::new(tx.next_id("counter")? as CounterId, number, name, services)
            } else {
                let mut c = load_counter(tx, id)?;
                c.number = number;
                c.name = name.to_string();
                c.services = services;
                c
            };
            tx.put_counter(&c)?;
            tx.emit(EventKind::CounterChanged { counter: c.clone() });
            Ok(c)
        })
    }

    pub fn snapshot(&self) -> Result<QueueSnapshot> {
        let rx = self.store.read()?;
        let mut open = rx.open_tickets()?;
        open.sort_by(|a, b| a.queue_at.cmp(&b.queue_at).then(a.id.cmp(&b.id)));
        let pick = |st: TicketState| {
            open.iter()
                .filter(|t| t.state == st)
                .cloned()
                .collect::<Vec<_>>()
        };
        Ok(QueueSnapshot {
            waiting: pick(TicketState::Waiting),
            called: pick(TicketState::Called),
            serving: pick(TicketState::Serving),
            last_event_seq: rx.last_event_seq()?,
        })
    }

    pub fn ticket(&self, id: TicketId) -> Result<Ticket> {
        self.store
            .read()?
            .ticket(id)?
            .ok_or(ServiceError::NotFound("phiếu"))
    }

    pub fn services(&self) -> Result<Vec<ServiceArea>> {
        Ok(self.store.read()?.services()?)
    }

    pub fn counters(&self) -> Result<Vec<Counter>> {
        Ok(self.store.read()?.counters()?)
    }

    /// The last calls, newest first, for the board.
    pub fn recent_calls(&self, limit: usize) -> Result<Vec<crate::events::Event>> {
        let rx = self.store.read()?;
        let last = rx.last_event_seq()?;
        // Calls are a fraction of all events; look back a bounded window.
        let from = last.saturating_sub(2000);
        let mut calls: Vec<_> = rx
            .events_after(from, 2000)?
            .into_iter()
            .filter(|e| matches!(e.kind, EventKind::TicketCalled { .. }))
            .collect();
        calls.reverse();
        calls.truncate(limit);
        Ok(calls)
    }
}

/// "Call next" ends the service in progress at this counter; a ticket only called (the
/// citizen has not come yet) must be started, recalled or marked absent first.
fn finish_current(
    tx: &mut Tx,
    counter: &Counter,
    open: &[Ticket],
    now: DateTime<Utc>,
) -> Result<()> {
    for t in open.iter().filter(|t| t.counter == Some(counter.id)) {
        match t.state {
            TicketState::Called => return Err(QueueError::CounterBusy(t.number.clone()).into()),
            TicketState::Serving => {
                let mut done = t.clone();
                done.finish(now)?;
                tx.put_ticket(&done)?;
                tx.emit(EventKind::TicketChanged {
                    action: "finish".into(),
                    ticket: done,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

fn emit_called(tx: &mut Tx, t: &Ticket, counter: &Counter, recall: bool) {
    tx.emit(EventKind::TicketCalled {
        ticket: t.clone(),
        counter: counter.id,
        counter_number: counter.number,
        counter_name: counter.name.clone(),
        recall,
    });
}

impl Services {
    /// One service area, if it exists.
    pub fn area(&self, id: ServiceId) -> Result<Option<ServiceArea>> {
        Ok(self.store.read()?.service(id)?)
    }

    /// A ticket's number, `None` when there is no such ticket.
    pub fn ticket_number(&self, id: TicketId) -> Result<Option<String>> {
        Ok(self.store.read()?.ticket(id)?.map(|t| t.number))
    }

    /// The spoken announcement of one call (event `seq`) as a single WAV: chime, then
    /// the phrase, read with the center's speech settings.
    pub fn announcement_audio(&self, seq: u64) -> Result<Vec<u8>> {
        let event = self
            .store
            .read()?
            .events_after(seq.saturating_sub(1), 1)?
            .into_iter()
            .next()
            .filter(|e| e.seq == seq);
        let Some(crate::events::EventKind::TicketCalled {
            ticket,
            counter_number,
            counter_name,
            ..
        }) = event.map(|e| e.kind)
        else {
            return Err(ServiceError::NotFound("lượt gọi"));
        };
        let settings = self.settings()?;
        crate::render::voice::VoiceBank::load(self.data_dir()?)
            .announce(
                &ticket.number,
                counter_number,
                &counter_name,
                &settings.speech,
            )
            .map_err(ServiceError::Internal)
    }
}
