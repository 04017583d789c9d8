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
}

impl Default for CenterSettings {
    fn default() -> Self {
        CenterSettings {
            name: "Trung tâm Phục vụ hành chính công".into(),
            notice: "Xin chào quý công dân! Vui lòng lấy số thứ tự và chờ được gọi.".into(),
            queue: QueueSettings::default(),
            speech: SpeechSettings::default(),
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
