//! Accounts and paired devices as they are stored: people's accounts, who a request acts as,
//! sessions, pairing codes and paired devices. Plain records: the service layer creates
//! and checks them (argon2id, tokens), the store keeps them, the web layer reads the
//! principal. Serde names are the stored format.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::center::Role;

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
    pub disabled: bool,
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
