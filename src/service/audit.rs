//! The audit trail as people and inspectors read it: the event log, newest first, with
//! filters, and the walk of its hash chain.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Result, Services};
use crate::domain::account::{Device, User};
use crate::domain::queue::{CounterId, ServiceId};
use crate::domain::search::fold;
use crate::events::{Event, EventKind};

/// Which events to list (every field optional).
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only events by this user or device: part of the account name or of the display
    /// name, without regard to case or diacritics ("lan" finds Nguyễn Thị Lan).
    pub actor: Option<String>,
    /// Only events of this local (Vietnam) day.
    pub day: Option<NaiveDate>,
    /// Only events of this type (e.g. `ticket_called`).
    pub kind: Option<String>,
    /// Only events before this sequence number (paging).
    pub before: Option<u64>,
    pub limit: Option<usize>,
}

/// At most this many events are examined per page, so a filter that matches nothing
/// cannot walk the whole log.
const SCAN_LIMIT: usize = 50_000;

impl Services {
    /// Newest first: at most `limit` (1–500, default 100) events matching the filter,
    /// each with its readable form.
    pub fn audit_events(&self, f: AuditFilter) -> Result<Vec<AuditRow>> {
        let rx = self.store.read()?;
        let names = Names {
            users: rx
                .users::<User>()?
                .into_iter()
                .map(|u| (u.username, u.display_name))
                .collect(),
            devices: rx
                .devices::<Device>()?
                .into_iter()
                .map(|d| (d.id, d.name))
                .collect(),
            counters: rx
                .counters()?
                .into_iter()
                .map(|c| (c.id, c.number))
                .collect(),
            areas: rx.services()?.into_iter().map(|a| (a.id, a.name)).collect(),
            priorities: rx
                .meta_cached::<crate::domain::center::CenterSettings>("settings")?
                .unwrap_or_default()
                .queue
                .priority_categories
                .into_iter()
                .map(|c| (c.code, c.name))
                .collect(),
        };
        let before = f.before.unwrap_or(u64::MAX);
        let limit = f.limit.unwrap_or(100).clamp(1, 500);
        let actor = f.actor.map(|a| fold(&a)).filter(|a| !a.is_empty());
        let kind = f.kind.filter(|t| !t.is_empty());
        let events = rx.events_back(before, limit, SCAN_LIMIT, |e| {
            actor.as_deref().is_none_or(|a| {
                e.actor.name.to_lowercase().contains(a)
                    || fold(&names.person(&e.actor.name)).contains(a)
            }) && kind.as_deref().is_none_or(|k| e.kind.name() == k)
                && f.day
                    .is_none_or(|d| crate::domain::time::local_day(e.at) == d)
        })?;
        Ok(events
            .into_iter()
            .map(|event| AuditRow {
                said: describe(&event, &names),
                event,
            })
            .collect())
    }

    /// Walks the whole hash chain: `None` when intact, else the first broken link.
    pub fn audit_verify(&self) -> Result<Option<u64>> {
        Ok(crate::store::verify_chain(&self.store)?)
    }
}

/// One audit row as an inspector reads it aloud: who (by name, with their role or the
/// device's kind), what they did and to what, in Vietnamese. The raw event stays beside it
/// for programs and for the hash check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Said {
    pub who: String,
    pub action: String,
    pub detail: String,
}

/// An event with its readable form.
#[derive(Debug, Clone, Serialize)]
pub struct AuditRow {
    #[serde(flatten)]
    pub event: Event,
    pub said: Said,
}

/// The names an audit row needs and the event does not carry (events keep the stable
/// keys: usernames, device ids, counter ids, so renaming someone does not rewrite history).
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// username → display name.
    pub users: HashMap<String, String>,
    /// device id → the name it was paired under.
    pub devices: HashMap<String, String>,
    /// counter id → its number.
    pub counters: HashMap<CounterId, u32>,
    /// area id → its name.
    pub areas: HashMap<ServiceId, String>,
    /// priority category code → its name ("cao_tuoi" → "Người cao tuổi (từ 60 tuổi)").
    pub priorities: HashMap<String, String>,
}

impl Names {
    /// "Nguyễn Thị Lan" for a known username, the username itself otherwise (a deleted
    /// or never-known account still reads as what was recorded).
    fn person(&self, username: &str) -> String {
        if let Some(id) = username.strip_prefix("device:") {
            return self
                .devices
                .get(id)
                .cloned()
                .unwrap_or_else(|| format!("thiết bị {id}"));
        }
        self.users
            .get(username)
            .filter(|n| !n.trim().is_empty())
            .cloned()
            .unwrap_or_else(|| username.to_string())
    }

    fn counter(&self, id: CounterId) -> String {
        format!("Quầy {}", self.counters.get(&id).copied().unwrap_or(id))
    }

    fn area(&self, id: ServiceId) -> String {
        self.areas
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("lĩnh vực {id}"))
    }
}

/// Who did it, in words: "Nguyễn Thị Lan (Cán bộ)", "Ki-ốt sảnh (Ki-ốt lấy số)",
/// "Hệ thống", "Công dân".
pub fn who(a: &crate::events::Actor, n: &Names) -> String {
    match a.role.as_str() {
        "system" => "Hệ thống (tự động)".into(),
        "citizen" => "Công dân".into(),
        _ => {
            let name = if a.name == "shell" {
                "Lệnh trên máy chủ".to_string()
            } else if a.name == "demo" {
                "Dữ liệu mẫu".to_string()
            } else {
                n.person(&a.name)
            };
            match a.account_role() {
                Some(r) => format!("{name} ({})", r.label()),
                None => name,
            }
        }
    }
}

fn ticket_action(a: &str) -> &str {
    match a {
        "recall" => "Gọi lại số",
        "start" => "Bắt đầu phục vụ",
        "finish" => "Kết thúc phục vụ",
        "no_show" => "Đánh dấu vắng mặt",
        "reactivate" => "Cho số vắng mặt vào hàng lại",
        "transfer" => "Chuyển số sang quầy/lĩnh vực khác",
        "cancel" => "Hủy số",
        other => other,
    }
}

fn user_action(a: &str) -> &str {
    match a {
        "create" => "Tạo tài khoản",
        "update" => "Sửa tài khoản",
        "disable" => "Khóa tài khoản (nghỉ việc)",
        "enable" => "Mở lại tài khoản",
        "password" => "Đổi mật khẩu",
        "reset_password" => "Đặt lại mật khẩu",
        "pairing_code" => "Tạo mã ghép thiết bị",
        "pair" => "Ghép thiết bị",
        "revoke" => "Thu hồi thiết bị",
        other => other,
    }
}

fn dossier_action(a: &str) -> &str {
    match a {
        "receive" => "Tiếp nhận hồ sơ",
        "import" => "Nhập hồ sơ từ sổ theo dõi",
        "record_indicators" => "Ghi đánh giá theo bộ chỉ số",
        "refuse" => "Từ chối tiếp nhận",
        "request_supplement" => "Yêu cầu bổ sung giấy tờ",
        "resume" => "Tiếp tục xử lý sau bổ sung",
        "assign" => "Phân công xử lý",
        "handover" => "Chuyển bước xử lý",
        "request_fees" => "Yêu cầu nộp phí, lệ phí",
        "fees_paid" => "Xác nhận đã nộp phí",
        "resolve" => "Hoàn thành xử lý",
        "return_result" => "Trả kết quả",
        "withdraw" => "Rút hồ sơ theo yêu cầu",
        "stop" => "Dừng xử lý",
        "apologize" => "Xin lỗi, hẹn lại ngày trả",
        "register_online" => "Nhận hồ sơ nộp trực tuyến từ tỉnh",
        "assign_online" => "Xếp hồ sơ trực tuyến vào thủ tục",
        other => other,
    }
}

/// A settings change's `what` (kept short and stable in the log) in words.
fn setting(what: &str) -> String {
    let (head, rest) = what.split_once(' ').unwrap_or((what, ""));
    match (head, rest) {
        ("center", _) => "Thông tin trung tâm (tên, địa danh, địa chỉ, giờ cấp số)".into(),
        ("scanners", _) => "Danh sách máy quét".into(),
        ("printer", t) => format!("Máy in phiếu: {t}"),
        ("province", t) => format!(
            "Kết nối tỉnh: {}",
            match t {
                "none on" => "bật, không cần khóa",
                "bearer on" => "bật, dùng khóa kết nối",
                "login on" => "bật, đăng nhập bằng tài khoản",
                _ => "tắt",
            }
        ),
        ("ticket", "logo") => "Logo trên phiếu số".into(),
        ("ticket", "logo removed") => "Bỏ logo trên phiếu số".into(),
        ("catalogue", v) => format!("Danh mục thủ tục, phiên bản {}", v.trim_start_matches('v')),
        ("calendar", v) => format!("Lịch làm việc, ngày nghỉ, phiên bản {v}"),
        ("voice", v) => format!("Giọng đọc, phiên bản {v}"),
        ("trusted", v) => format!(
            "Khóa tin cậy cho bản cập nhật ({})",
            v.trim_start_matches("keys ")
        ),
        ("report", _) => "Quy ước tính báo cáo".into(),
        ("trust", v) => format!("Gói chứng thư tin cậy (ký số), phiên bản {v}"),
        ("signer", t) => format!("Chữ ký số của trung tâm: {t}"),
        _ => what.to_string(),
    }
}

fn print_state(s: &str) -> &str {
    match s {
        "queued" => "chờ in",
        "printed" => "đã in",
        "failed" => "in lỗi, còn chờ",
        "cancelled" => "đã hủy",
        "held" => "quá 60 giây chưa in được, không tự in lại (quầy in lại khi cần)",
        other => other,
    }
}

fn status(code: u8) -> String {
    crate::domain::dossier::Status::from_code(code)
        .map(|s| s.label_vi().to_string())
        .unwrap_or_else(|| format!("trạng thái {code}"))
}

/// What the event says, in Vietnamese.
pub fn describe(e: &Event, n: &Names) -> Said {
    use crate::domain::queue::CounterState;
    let (action, detail): (String, String) = match &e.kind {
        EventKind::TicketIssued { ticket, .. } => (
            if ticket.is_priority() {
                "Cấp số ưu tiên"
            } else {
                "Cấp số"
            }
            .into(),
            format!(
                "Số {} · {}{}",
                ticket.number,
                n.area(ticket.service),
                ticket
                    .priority
                    .as_deref()
                    .map(|p| format!(
                        " · ưu tiên: {}",
                        n.priorities.get(p).map_or(p, |x| x.as_str())
                    ))
                    .unwrap_or_default()
            ),
        ),
        EventKind::TicketCalled {
            ticket,
            counter,
            counter_number,
            recall,
            ..
        } => (
            if *recall {
                "Gọi lại số"
            } else {
                "Gọi số"
            }
            .into(),
            format!(
                "Số {} → Quầy {}",
                ticket.number,
                n.counters.get(counter).copied().unwrap_or(*counter_number)
            ),
        ),
        EventKind::TicketChanged { action, ticket } => (
            ticket_action(action).into(),
            match ticket.counter {
                Some(c) => format!("Số {} · {}", ticket.number, n.counter(c)),
                None => format!("Số {}", ticket.number),
            },
        ),
        EventKind::CounterChanged { counter } => match &counter.state {
            CounterState::Open { officer } => (
                "Mở quầy".into(),
                format!("Quầy {} · {}", counter.number, n.person(officer)),
            ),
            CounterState::Paused { officer, reason } => (
                "Tạm nghỉ quầy".into(),
                format!(
                    "Quầy {} · {}{}",
                    counter.number,
                    n.person(officer),
                    if reason.trim().is_empty() {
                        String::new()
                    } else {
                        format!(" · {reason}")
                    }
                ),
            ),
            CounterState::Closed => ("Đóng quầy".into(), format!("Quầy {}", counter.number)),
        },
        EventKind::ServiceChanged { service } => (
            "Sửa lĩnh vực".into(),
            format!(
                "{}{}",
                service.name,
                if service.active {
                    ""
                } else {
                    " (ngừng cấp số)"
                }
            ),
        ),
        EventKind::SettingsChanged { what } => ("Thay đổi cấu hình".into(), setting(what)),
        EventKind::UserChanged {
            username,
            role,
            action,
        } => {
            let kind = crate::domain::center::Role::parse(role)
                .map(|r| r.label())
                .unwrap_or(role.as_str());
            let target = if username.starts_with("device:") || username.is_empty() {
                n.person(username)
            } else {
                format!("{} (tài khoản {username})", n.person(username))
            };
            (
                user_action(action).into(),
                if action == "pairing_code" {
                    kind.to_string()
                } else {
                    format!("{target} · {kind}")
                },
            )
        }
        EventKind::SessionOpened { username } => {
            ("Đăng nhập".into(), format!("Tài khoản {username}"))
        }
        EventKind::DossierChanged {
            code,
            action,
            from,
            to,
            ..
        } => (
            dossier_action(action).into(),
            match from {
                Some(f) if f != to => format!("Hồ sơ {code}: {} → {}", status(*f), status(*to)),
                _ => format!("Hồ sơ {code}: {}", status(*to)),
            },
        ),
        EventKind::DossierFile {
            code,
            slot,
            sha256,
            pages,
        } => {
            let paper = match crate::domain::dossier::digitize::Slot::parse(slot) {
                Some(crate::domain::dossier::digitize::Slot::Result) => "kết quả".to_string(),
                Some(crate::domain::dossier::digitize::Slot::Paper { index }) => {
                    format!("giấy tờ số {}", index + 1)
                }
                None => slot.clone(),
            };
            match sha256 {
                Some(_) => (
                    "Số hóa giấy tờ".into(),
                    format!("Hồ sơ {code} · {paper} · {pages} trang"),
                ),
                None => ("Gỡ bản số hóa".into(), format!("Hồ sơ {code} · {paper}")),
            }
        }
        EventKind::EcopyChanged {
            id,
            state,
            number,
            copies,
        } => (
            match state.as_str() {
                "issued" => "Cấp bản sao điện tử có chứng thực",
                "refused" => "Từ chối chứng thực bản sao",
                _ => "Nhận yêu cầu chứng thực bản sao",
            }
            .into(),
            match number {
                Some(n) => format!("Yêu cầu số {id} · {n} · {copies} bản"),
                None => format!("Yêu cầu số {id} · {copies} bản"),
            },
        ),
        EventKind::RemoteSignature { code, state } => (
            "Ký số từ xa".into(),
            format!(
                "Hồ sơ {code} · {}",
                match state.as_str() {
                    "requested" => "gửi yêu cầu tới điện thoại người ký",
                    "approved" => "người ký đã xác nhận, chờ chữ ký số cơ quan",
                    "refused" => "người ký từ chối",
                    "expired" => "hết hạn, chưa xác nhận",
                    "cancelled" => "đã hủy yêu cầu",
                    _ => "không thành",
                }
            ),
        ),
        EventKind::RatingRecorded {
            level,
            counter,
            officer,
            ..
        } => (
            "Đánh giá mức độ hài lòng".into(),
            format!(
                "{}{}{}",
                crate::domain::rating::level_label(*level),
                counter
                    .map(|c| format!(" · {}", n.counter(c)))
                    .unwrap_or_default(),
                officer
                    .as_deref()
                    .map(|o| format!(" · {}", n.person(o)))
                    .unwrap_or_default()
            ),
        ),
        EventKind::PrintJobChanged {
            job, state, error, ..
        } => (
            "In phiếu số".into(),
            format!(
                "Lệnh in {job}: {}{}",
                print_state(state),
                error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ),
        ),
    };
    Said {
        who: who(&e.actor, n),
        action,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::queue::{Counter, CounterState};
    use crate::events::Actor;
    use chrono::TimeZone;

    fn names() -> Names {
        Names {
            users: [("lan".to_string(), "Nguyễn Thị Lan".to_string())].into(),
            devices: [("d1".to_string(), "Ki-ốt sảnh".to_string())].into(),
            counters: [(4, 4)].into(),
            areas: [(1, "Tư pháp – Hộ tịch".to_string())].into(),
            priorities: [("cao_tuoi".to_string(), "Người cao tuổi".to_string())].into(),
        }
    }

    fn event(actor: Actor, kind: EventKind) -> Event {
        Event {
            seq: 1,
            at: Utc.with_ymd_and_hms(2026, 3, 5, 1, 0, 0).unwrap(),
            actor,
            kind,
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    fn actor(name: &str, role: &str) -> Actor {
        Actor {
            name: name.into(),
            role: role.into(),
            addr: None,
        }
    }

    use chrono::Utc;

    #[test]
    fn rows_read_aloud_with_names_not_keys() {
        let n = names();
        let s = describe(
            &event(
                actor("lan", "admin"),
                EventKind::SessionOpened {
                    username: "lan".into(),
                },
            ),
            &n,
        );
        assert_eq!(
            (s.who.as_str(), s.action.as_str(), s.detail.as_str()),
            ("Nguyễn Thị Lan (Quản trị)", "Đăng nhập", "Tài khoản lan")
        );
        let s = describe(
            &event(
                actor("lan", "admin"),
                EventKind::UserChanged {
                    username: "lan".into(),
                    role: "officer".into(),
                    action: "disable".into(),
                },
            ),
            &n,
        );
        assert_eq!(s.action, "Khóa tài khoản (nghỉ việc)");
        assert_eq!(s.detail, "Nguyễn Thị Lan (tài khoản lan) · Cán bộ");
        let mut c = Counter::new(4, 4, "Quầy 4", vec![1]);
        c.state = CounterState::Closed;
        let s = describe(
            &event(
                actor("device:d1", "kiosk"),
                EventKind::CounterChanged { counter: c },
            ),
            &n,
        );
        assert_eq!(
            (s.who.as_str(), s.action.as_str(), s.detail.as_str()),
            ("Ki-ốt sảnh (Ki-ốt lấy số)", "Đóng quầy", "Quầy 4")
        );
        let s = describe(
            &event(
                Actor::system(),
                EventKind::DossierChanged {
                    code: "000.00.00.H01-260305-0001".into(),
                    action: "resolve".into(),
                    from: Some(4),
                    to: 9,
                    area: 1,
                    procedure: "1.0".into(),
                    channel: 1,
                },
            ),
            &n,
        );
        assert_eq!(s.who, "Hệ thống (tự động)");
        assert_eq!(s.action, "Hoàn thành xử lý");
        assert_eq!(
            s.detail,
            "Hồ sơ 000.00.00.H01-260305-0001: Đang xử lý → Đã xử lý xong"
        );
        let s = describe(
            &event(
                actor("shell", "admin"),
                EventKind::SettingsChanged {
                    what: "catalogue v3".into(),
                },
            ),
            &n,
        );
        assert_eq!(
            (s.who.as_str(), s.detail.as_str()),
            (
                "Lệnh trên máy chủ (Quản trị)",
                "Danh mục thủ tục, phiên bản 3"
            )
        );
    }

    #[test]
    fn unknown_people_and_codes_show_what_was_recorded() {
        let n = Names::default();
        let s = describe(
            &event(
                actor("dung", "officer"),
                EventKind::SessionOpened {
                    username: "dung".into(),
                },
            ),
            &n,
        );
        assert_eq!(s.who, "dung (Cán bộ)");
        let s = describe(
            &event(
                actor("device:zz", "display"),
                EventKind::SettingsChanged {
                    what: "something new".into(),
                },
            ),
            &n,
        );
        assert_eq!(
            (s.who.as_str(), s.detail.as_str()),
            ("thiết bị zz (Màn hình TV)", "something new")
        );
    }

    /// Every action a command writes has its words: a new one added without them would
    /// show the raw key on the inspector's screen.
    #[test]
    fn every_recorded_action_has_vietnamese_words() {
        for a in [
            "recall",
            "start",
            "finish",
            "no_show",
            "reactivate",
            "transfer",
            "cancel",
        ] {
            assert_ne!(ticket_action(a), a);
        }
        for a in [
            "create",
            "update",
            "disable",
            "enable",
            "password",
            "reset_password",
            "pairing_code",
            "pair",
            "revoke",
        ] {
            assert_ne!(user_action(a), a);
        }
        for a in crate::domain::dossier::ActionKind::ALL {
            let key = serde_json::to_value(a)
                .ok()
                .and_then(|v| v.as_str().map(String::from));
            if let Some(k) = key {
                assert_ne!(dossier_action(&k), k, "{k}");
            }
        }
        for a in [
            "receive",
            "import",
            "record_indicators",
            "handover",
            "return_result",
            "register_online",
            "assign_online",
        ] {
            assert_ne!(dossier_action(a), a);
        }
        for w in [
            "center",
            "scanners",
            "printer usb:1",
            "province login on",
            "ticket logo",
            "ticket logo removed",
            "catalogue v2",
            "calendar 2026.1",
            "voice 1",
            "trusted keys 2",
            "report conventions: {}",
        ] {
            assert_ne!(setting(w), w);
        }
    }
}
