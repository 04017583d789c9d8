//! Ratings: the counter's tablet and the citizen's phone rate a served ticket, once.

use chrono::{Duration, NaiveDate};

use super::{Result, ServiceError, Services};
use crate::domain::queue::TicketState;
use crate::domain::rating::{self, Rating, RatingChannel, RatingError, RatingInput, RatingSummary};
use crate::domain::time::local_day;
use crate::events::{Actor, EventKind};

/// A tablet rates only what was just served at the desk; a phone has the rest of the day.
const DEVICE_WINDOW_MINUTES: i64 = 30;
const PHONE_WINDOW_HOURS: i64 = 24;

impl From<RatingError> for ServiceError {
    fn from(e: RatingError) -> Self {
        ServiceError::Rating(e)
    }
}

impl Services {
    /// Records the rating of ticket `id`. `phone_token` is the ticket's status token when
    /// the citizen rates from the QR page (the token is the key); the tablet is a paired
    /// device and needs none.
    pub fn rate_ticket(
        &self,
        actor: &Actor,
        id: u64,
        input: &RatingInput,
        channel: RatingChannel,
    ) -> Result<Rating> {
        let input = rating::check(input, channel)?;
        self.run(actor, |tx, now| {
            let t = tx.ticket(id)?.ok_or(ServiceError::NotFound("phiếu"))?;
            let finished = match (t.state, t.finished_at) {
                (TicketState::Done, Some(f)) => f,
                _ => return Err(RatingError::NotServed.into()),
            };
            let window = match channel {
                RatingChannel::Device => Duration::minutes(DEVICE_WINDOW_MINUTES),
                RatingChannel::Phone => Duration::hours(PHONE_WINDOW_HOURS),
            };
            if now - finished > window {
                return Err(ServiceError::conflict(
                    "rating_window_closed",
                    "Đã quá thời gian đánh giá lượt phục vụ này",
                ));
            }
            if tx.rating::<Rating>(id)?.is_some() {
                return Err(RatingError::AlreadyRated.into());
            }
            let r = Rating {
                ticket: id,
                number: t.number.clone(),
                level: input.level,
                reasons: input.reasons.clone(),
                channel,
                at: now,
                service: t.service,
                counter: t.counter,
                officer: t.officer.clone(),
                dossier: t.dossier.clone().or_else(|| t.received.last().cloned()),
            };
            tx.put_rating(id, &r)?;
            tx.emit(EventKind::RatingRecorded {
                ticket: id,
                level: r.level,
                counter: r.counter,
                officer: r.officer.clone(),
            });
            Ok(r)
        })
    }

    pub fn ticket_rating(&self, id: u64) -> Result<Option<Rating>> {
        Ok(self.store.read()?.rating(id)?)
    }

    /// Ratings given on local days `from..=to`, with their summary.
    pub fn ratings_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<(RatingSummary, Vec<Rating>)> {
        let list: Vec<Rating> = self
            .store
            .read()?
            .ratings::<Rating>()?
            .into_iter()
            .filter(|r| (from..=to).contains(&local_day(r.at)))
            .collect();
        Ok((rating::summarize(&list), list))
    }
}
