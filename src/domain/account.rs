//! Accounts and paired devices as they are stored: people's accounts, who a request acts as,
//! sessions, pairing codes and paired devices. Plain records: the service layer creates
//! and checks them (argon2id, tokens), the store keeps them, the web layer reads the
//! principal. Serde names are the stored format.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::center::Role;
use super::queue::{CounterId, ServiceId};

/// Paired devices stay paired until revoked (or a year passes).
pub const DEVICE_SESSION_DAYS: i64 = 365;

/// Browser and API sessions of people.
pub const USER_SESSION_HOURS: i64 = 12;

/// A person's account; the password is kept only as an argon2id PHC string.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    /// A leaver's account: kept (their name stays on past dossiers), but cannot sign in.
    pub disabled: bool,
    /// The counters this person works at; empty means any. An officer cannot open another.
    #[serde(default)]
    pub counters: Vec<CounterId>,
    /// The areas (lĩnh vực) whose dossiers this person handles; empty means any. Offered
    /// first when a dossier of that area is assigned.
    #[serde(default)]
    pub areas: Vec<ServiceId>,
}

/// Who can be handed a dossier of `area`, in the order the picker offers them: people
/// who handle that area first, then those who handle any, then the rest (a leader may
/// still route anywhere); disabled accounts never. Stable by display name within a group.
pub fn assignees_for_area(users: &[User], area: ServiceId) -> Vec<&User> {
    let mut out: Vec<&User> = users.iter().filter(|u| u.handles_dossiers()).collect();
    let group = |u: &User| {
        if u.areas.contains(&area) {
            0
        } else if u.areas.is_empty() {
            1
        } else {
            2
        }
    };
    out.sort_by(|a, b| (group(a), &a.display_name).cmp(&(group(b), &b.display_name)));
    out
}

impl User {
    /// Whether the person can be handed dossiers: an active officer, leader or admin.
    pub fn handles_dossiers(&self) -> bool {
        !self.disabled && matches!(self.role, Role::Officer | Role::Leader | Role::Admin)
    }

    /// Whether the person may open `counter` (no counters given: any).
    pub fn works_at(&self, counter: CounterId) -> bool {
        self.counters.is_empty() || self.counters.contains(&counter)
    }
}

/// The longest display name (printed on Mẫu 01 and shown on the rating tablet).
pub const DISPLAY_NAME_MAX: usize = 80;

/// A display name as stored: trimmed, inner runs of spaces collapsed, 1–80 characters.
pub fn display_name(s: &str) -> Result<String, &'static str> {
    let name = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > DISPLAY_NAME_MAX {
        return Err("Họ tên hiển thị cần từ 1 đến 80 ký tự");
    }
    Ok(name)
}

/// Whether the center keeps at least one admin who can sign in after `username` becomes
/// `role` (and `disabled` or not): the last one can be neither demoted nor disabled, or
/// nobody could manage accounts without a shell.
pub fn admin_remains(users: &[User], username: &str, role: Role, disabled: bool) -> bool {
    users.iter().any(|u| {
        if u.username == username {
            role == Role::Admin && !disabled
        } else {
            u.role == Role::Admin && !u.disabled
        }
    })
}

/// Who a request acts as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub name: String,
    pub display_name: String,
    pub role: Role,
    pub device: bool,
    /// Seeded or reset accounts must set their own password before anything else.
    #[serde(default)]
    pub must_change_password: bool,
}

/// A signed-in session (person or device), stored under the SHA-256 of its token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Session {
    pub principal: Principal,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A pairing code is valid this long.
pub const PAIRING_MINUTES: i64 = 10;

/// A one-time pairing code an admin created for a device.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pairing {
    pub name: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

/// A paired kiosk, board or rating tablet; its long-lived token is kept as a SHA-256.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub token_hash: String,
    pub paired_at: DateTime<Utc>,
    pub revoked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, role: Role, disabled: bool) -> User {
        User {
            username: name.into(),
            display_name: name.into(),
            role,
            password_hash: String::new(),
            must_change_password: false,
            disabled,
            counters: vec![],
            areas: vec![],
        }
    }

    #[test]
    fn the_last_admin_stays_an_admin() {
        let users = [
            user("admin", Role::Admin, false),
            user("old", Role::Admin, true),
            user("canbo1", Role::Officer, false),
        ];
        assert!(!admin_remains(&users, "admin", Role::Officer, false));
        assert!(!admin_remains(&users, "admin", Role::Admin, true));
        assert!(admin_remains(&users, "admin", Role::Admin, false));
        assert!(admin_remains(&users, "canbo1", Role::Leader, true));
        // Re-enabling the disabled admin makes a second one: then the first may go.
        assert!(admin_remains(&users, "old", Role::Admin, false));
        let two = [user("a", Role::Admin, false), user("b", Role::Admin, false)];
        assert!(admin_remains(&two, "a", Role::Officer, true));
    }

    #[test]
    fn the_area_s_own_people_are_offered_first() {
        let mut lan = user("lan", Role::Officer, false);
        lan.areas = vec![2];
        let mut binh = user("binh", Role::Officer, false);
        binh.areas = vec![1];
        let users = [
            binh,
            user("an", Role::Leader, false),
            lan,
            user("gone", Role::Officer, true),
            user("kiosk", Role::Kiosk, false),
        ];
        let names: Vec<_> = assignees_for_area(&users, 2)
            .iter()
            .map(|u| u.username.as_str())
            .collect();
        assert_eq!(names, ["lan", "an", "binh"]);
    }

    #[test]
    fn display_names_are_trimmed_and_bounded() {
        assert_eq!(
            display_name("  Nguyễn   Thị  Lan ").unwrap(),
            "Nguyễn Thị Lan"
        );
        assert!(display_name("   ").is_err());
        assert!(display_name(&"ă".repeat(81)).is_err());
        assert_eq!(display_name(&"ă".repeat(80)).unwrap().chars().count(), 80);
    }

    #[test]
    fn accounts_stored_before_counters_existed_still_read() {
        let old = r#"{"username":"canbo1","display_name":"Cán bộ 1","role":"officer","password_hash":"x","must_change_password":false,"disabled":false}"#;
        let u: User = serde_json::from_str(old).unwrap();
        assert!(u.counters.is_empty() && u.areas.is_empty());
    }
}
