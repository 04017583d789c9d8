//! A citizen back at the kiosk with a receipt: whether a ticket is worth taking. A ticket
//! for a result that is not ready sends someone to wait for nothing; the kiosk says when
//! to come back instead.

use chrono::{DateTime, Utc};

use super::{DossierState, Status};
use crate::domain::queue::VisitPurpose;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReturnVisit {
    /// Worth a ticket: the result, or the papers/fees the dossier waits for.
    Come(VisitPurpose),
    /// Still being processed: come back on the promised date.
    NotReady { due: Option<DateTime<Utc>> },
    /// The result was already handed over.
    Returned { at: Option<DateTime<Utc>> },
    /// Refused, withdrawn or stopped: there is no result to collect.
    Closed(Status),
}

pub fn return_visit(s: &DossierState) -> ReturnVisit {
    match s.status {
        Status::Resolved => ReturnVisit::Come(VisitPurpose::Pickup),
        Status::SupplementRequested => ReturnVisit::Come(VisitPurpose::Supplement),
        Status::FeesDue => ReturnVisit::Come(VisitPurpose::Fees),
        Status::New | Status::Accepted | Status::InProgress => {
            ReturnVisit::NotReady { due: s.due_at }
        }
        Status::Returned => ReturnVisit::Returned { at: s.returned_at },
        Status::Refused | Status::Withdrawn | Status::Stopped => ReturnVisit::Closed(s.status),
    }
}

impl ReturnVisit {
    /// What the kiosk says when no ticket is issued (`None` for [`ReturnVisit::Come`]).
    pub fn message_vi(&self, code: &str) -> Option<String> {
        let at = |t: &Option<DateTime<Utc>>| {
            t.map(|t| {
                crate::domain::time::local(t)
                    .format("%H giờ %M, ngày %d/%m/%Y")
                    .to_string()
            })
        };
        Some(match self {
            ReturnVisit::Come(_) => return None,
            ReturnVisit::NotReady { due } => match at(due) {
                Some(d) => format!(
                    "Hồ sơ {code} đang được giải quyết, chưa có kết quả. Ngày hẹn trả: {d}. \
                     Mời quý công dân quay lại vào ngày hẹn (tra cứu trên điện thoại bằng mã QR trên giấy hẹn để biết khi có kết quả)."
                ),
                None => format!("Hồ sơ {code} đang được giải quyết, chưa có kết quả."),
            },
            ReturnVisit::Returned { at: t } => match at(t) {
                Some(d) => format!("Kết quả của hồ sơ {code} đã được trả lúc {d}."),
                None => format!("Kết quả của hồ sơ {code} đã được trả."),
            },
            ReturnVisit::Closed(s) => format!(
                "Hồ sơ {code} đã kết thúc ({}), không có kết quả để nhận. Nếu cần hỏi thêm, mời lấy số thường.",
                s.label_vi().to_lowercase()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn state(status: Status) -> DossierState {
        let at = Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap();
        let mut s = DossierState::blank(status, crate::domain::dossier::Channel::Direct, at);
        s.due_at = Some(Utc.with_ymd_and_hms(2026, 3, 10, 1, 0, 0).unwrap());
        s
    }

    #[test]
    fn only_a_ready_result_or_a_waiting_dossier_earns_a_ticket() {
        assert_eq!(
            return_visit(&state(Status::Resolved)),
            ReturnVisit::Come(VisitPurpose::Pickup)
        );
        assert_eq!(
            return_visit(&state(Status::SupplementRequested)),
            ReturnVisit::Come(VisitPurpose::Supplement)
        );
        assert_eq!(
            return_visit(&state(Status::FeesDue)),
            ReturnVisit::Come(VisitPurpose::Fees)
        );
        let v = return_visit(&state(Status::InProgress));
        assert_eq!(
            v.message_vi("H40.14-260305-0001").unwrap(),
            "Hồ sơ H40.14-260305-0001 đang được giải quyết, chưa có kết quả. Ngày hẹn trả: 08 giờ 00, ngày 10/03/2026. Mời quý công dân quay lại vào ngày hẹn (tra cứu trên điện thoại bằng mã QR trên giấy hẹn để biết khi có kết quả)."
        );
        assert!(return_visit(&state(Status::Stopped))
            .message_vi("X")
            .unwrap()
            .contains("dừng xử lý"));
        for s in Status::ALL {
            let v = return_visit(&state(s));
            assert_eq!(
                v.message_vi("X").is_none(),
                matches!(v, ReturnVisit::Come(_))
            );
        }
    }
}
