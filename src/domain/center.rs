//! Center-wide settings the admin edits: name, notice line, queue policy, voice.

use serde::{Deserialize, Serialize};

use super::queue::QueueSettings;
use super::speech::SpeechSettings;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CenterSettings {
    /// Printed on tickets and shown on the board.
    pub name: String,
    /// The scrolling line at the bottom of the TV board.
    pub notice: String,
    pub queue: QueueSettings,
    pub speech: SpeechSettings,
    /// What the kiosk's paper ticket looks like.
    pub ticket: TicketSettings,
    /// Dossier codes and receipts.
    pub dossier: DossierSettings,
}

/// How dossiers are numbered and what the receipt (Mẫu 01) prints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DossierSettings {
    /// The agency identifier the province assigned (`H56.14`, `000.00.14.H56`): the first
    /// part of every dossier code.
    pub agency: String,
    /// Digits of the daily sequence (4 in most provinces).
    pub code_width: u8,
    /// The agency name printed at the top of the forms (`UBND XÃ …`).
    pub agency_name: String,
    /// Where results are collected (item 6 of Mẫu 01).
    pub pickup: String,
}

impl Default for DossierSettings {
    fn default() -> Self {
        DossierSettings {
            agency: "H00.01".into(),
            code_width: crate::domain::dossier::DEFAULT_CODE_WIDTH,
            agency_name: "ỦY BAN NHÂN DÂN XÃ".into(),
            pickup: "Bộ phận Tiếp nhận và Trả kết quả, Trung tâm Phục vụ hành chính công".into(),
        }
    }
}

/// The printed ticket's layout, as the admin sets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketSettings {
    /// 384 (58 mm), 512 (80 mm, TM-T88V) or 576 (80 mm).
    pub width_dots: u32,
    /// Small lines above the center name, e.g. the People's Committee.
    pub header_lines: Vec<String>,
    pub footer: String,
    /// The QR code that opens the ticket's live status page.
    pub show_qr: bool,
}

impl Default for TicketSettings {
    fn default() -> Self {
        TicketSettings {
            width_dots: 576,
            header_lines: vec![],
            footer: "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!".into(),
            show_qr: true,
        }
    }
}

impl Default for CenterSettings {
    fn default() -> Self {
        CenterSettings {
            name: "Trung tâm Phục vụ hành chính công".into(),
            notice: "Xin chào quý công dân! Vui lòng lấy số thứ tự và chờ được gọi.".into(),
            queue: QueueSettings::default(),
            speech: SpeechSettings::default(),
            ticket: TicketSettings::default(),
            dossier: DossierSettings::default(),
        }
    }
}

impl CenterSettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.name.trim().is_empty() {
            return Err("Tên trung tâm không được để trống".into());
        }
        if self.name.chars().count() > 200 || self.notice.chars().count() > 1000 {
            return Err("Tên trung tâm hoặc dòng thông báo quá dài".into());
        }
        if let super::queue::PriorityPolicy::Interleave { every } = self.queue.priority_policy {
            if every == 0 {
                return Err("Số phiếu thường giữa hai phiếu ưu tiên phải lớn hơn 0".into());
            }
        }
        if self.queue.max_calls == 0 || self.queue.calls_before_no_show > self.queue.max_calls {
            return Err("Số lần gọi không hợp lệ".into());
        }
        if ![384, 512, 576].contains(&self.ticket.width_dots) {
            return Err("Khổ giấy in phiếu phải là 384, 512 hoặc 576 điểm".into());
        }
        if self.ticket.header_lines.len() > 4 || self.ticket.footer.chars().count() > 200 {
            return Err("Tối đa 4 dòng tiêu đề và 200 ký tự chân phiếu".into());
        }
        crate::domain::dossier::validate_agency(&self.dossier.agency).map_err(|e| e.to_string())?;
        if !(1..=9).contains(&self.dossier.code_width) {
            return Err("Số chữ số của số thứ tự hồ sơ phải từ 1 đến 9".into());
        }
        if !self.speech.template.contains("{số}") {
            return Err("Mẫu câu gọi số phải có {số}".into());
        }
        Ok(())
    }
}

/// Roles. Users have one; paired devices have a device role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Center head / IT: configuration, users, devices.
    Admin,
    /// Reports, all dossiers, read-only configuration.
    Leader,
    /// Operates counters, receives and processes dossiers.
    Officer,
    /// A kiosk device: issues tickets, nothing else.
    Kiosk,
    /// A TV board: reads the live feed.
    Display,
    /// A rating tablet at a counter.
    Rating,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Leader,
        Role::Officer,
        Role::Kiosk,
        Role::Display,
        Role::Rating,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Leader => "leader",
            Role::Officer => "officer",
            Role::Kiosk => "kiosk",
            Role::Display => "display",
            Role::Rating => "rating",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn is_device(self) -> bool {
        matches!(self, Role::Kiosk | Role::Display | Role::Rating)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Quản trị",
            Role::Leader => "Lãnh đạo",
            Role::Officer => "Cán bộ",
            Role::Kiosk => "Ki-ốt lấy số",
            Role::Display => "Màn hình TV",
            Role::Rating => "Thiết bị đánh giá",
        }
    }
}
