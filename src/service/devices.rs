//! Device pairing: an admin creates a short, expiring code for "the kiosk at the door";
//! the device enters it at `/pair` and receives a long-lived device session, listed on the
//! admin page (last seen, address) and revocable at any time.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use serde::Serialize;

use super::auth::{hash_token, new_token, Principal, Session, DEVICE_SESSION_DAYS};
use super::{Result, ServiceError, Services};
pub use crate::domain::account::{Device, Pairing, PAIRING_MINUTES};
use crate::domain::center::Role;
use crate::domain::throttle::ThrottlePolicy;
use crate::events::{Actor, EventKind};

#[derive(Debug, Clone, Serialize)]
pub struct DeviceView {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub paired_at: DateTime<Utc>,
    pub revoked: bool,
    pub last_seen: Option<DateTime<Utc>>,
    pub last_addr: Option<String>,
}

impl Services {
    /// A fresh 6-digit code for a device to be paired as `role`.
    pub fn create_pairing(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
    ) -> Result<(String, DateTime<Utc>)> {
        let name = name.trim();
        if !role.is_device() {
            return Err(ServiceError::Invalid(
                "Chỉ ghép nối ki-ốt, màn hình TV hoặc thiết bị đánh giá".into(),
            ));
        }
        if name.is_empty() || name.chars().count() > 80 {
            return Err(ServiceError::Invalid(
                "Tên thiết bị cần từ 1 đến 80 ký tự".into(),
            ));
        }
        self.run(actor, |tx, now| {
            let mut code;
            loop {
                code = format!("{:06}", rand::thread_rng().gen_range(0..1_000_000));
                if tx.pairing::<Pairing>(&code)?.is_none() {
                    break;
                }
            }
            let p = Pairing {
                name: name.to_string(),
                role,
                expires_at: now + Duration::minutes(PAIRING_MINUTES),
            };
            tx.put_pairing(&code, &p)?;
            tx.emit(EventKind::UserChanged {
                username: format!("pairing:{name}"),
                role: role.as_str().into(),
                action: "pairing_code".into(),
            });
            Ok((code, p.expires_at))
        })
    }

    /// A device presents its code: it becomes a paired device with its own token.
    pub fn pair(&self, code: &str, addr: Option<String>) -> Result<(String, Role)> {
        let now = self.clock.now();
        let key = format!("pair:{}", addr.as_deref().unwrap_or("-"));
        if let Some(wait) = self
            .throttle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .locked(&key, now)
        {
            return Err(ServiceError::Throttled(wait));
        }
        let code = code.trim();
        let found: Option<Pairing> = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())
        {
            self.store.read()?.pairing(code)?
        } else {
            None
        };
        let Some(p) = found.filter(|p| p.expires_at > now) else {
            self.throttle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .failure(&key, &ThrottlePolicy::per_user_and_address(), now);
            return Err(ServiceError::Unauthorized(
                "Mã ghép nối không đúng hoặc đã hết hạn".into(),
            ));
        };
        let actor = Actor {
            name: format!("device:{}", p.name),
            role: p.role.as_str().into(),
            addr,
        };
        let code = code.to_string();
        let token = self
            .run(&actor, |tx, _| {
                tx.delete_pairing(&code)?;
                Ok(())
            })
            .and_then(|_| self.register_device(&actor, &p.name, p.role))?;
        Ok((token, p.role))
    }

    /// Creates the device record and its long-lived session; returns the token.
    pub(crate) fn register_device(&self, actor: &Actor, name: &str, role: Role) -> Result<String> {
        let token = new_token();
        self.run(actor, |tx, now| {
            let id = format!("d{}", tx.next_id("device")?);
            let principal = Principal {
                name: format!("device:{id}"),
                display_name: name.to_string(),
                role,
                device: true,
                must_change_password: false,
            };
            let s = Session {
                principal,
                created_at: now,
                expires_at: now + Duration::days(DEVICE_SESSION_DAYS),
            };
            let token_hash = hash_token(&token);
            tx.put_session(&token_hash, &s)?;
            tx.put_device(
                &id,
                &Device {
                    id: id.clone(),
                    name: name.to_string(),
                    role,
                    token_hash,
                    paired_at: now,
                    revoked: false,
                },
            )?;
            tx.emit(EventKind::UserChanged {
                username: format!("device:{id}"),
                role: role.as_str().into(),
                action: "pair".into(),
            });
            Ok(())
        })?;
        Ok(token)
    }

    pub fn devices(&self) -> Result<Vec<DeviceView>> {
        let devices: Vec<Device> = self.store.read()?.devices()?;
        let seen = self.device_seen.lock().unwrap_or_else(|p| p.into_inner());
        Ok(devices
            .into_iter()
            .map(|d| {
                let s = seen.get(&format!("device:{}", d.id));
                DeviceView {
                    last_seen: s.map(|x| x.0),
                    last_addr: s.and_then(|x| x.1.clone()),
                    id: d.id,
                    name: d.name,
                    role: d.role,
                    paired_at: d.paired_at,
                    revoked: d.revoked,
                }
            })
            .collect())
    }

    /// The device's session ends at once; it must be paired again.
    pub fn revoke_device(&self, actor: &Actor, id: &str) -> Result<()> {
        let revoked = self.run(actor, |tx, _| {
            let mut d: Device = tx.device(id)?.ok_or(ServiceError::NotFound("thiết bị"))?;
            tx.delete_session(&d.token_hash)?;
            d.revoked = true;
            tx.put_device(id, &d)?;
            tx.emit(EventKind::UserChanged {
                username: format!("device:{id}"),
                role: d.role.as_str().into(),
                action: "revoke".into(),
            });
            Ok(d.token_hash)
        })?;
        self.forget_session(&revoked);
        Ok(())
    }
}

impl Services {
    /// USB devices the appliance sees (printers and scanners), with their profile and the
    /// setting that selects them. An unreadable bus is the reason, for the admin page.
    pub fn usb_devices(
        &self,
    ) -> std::result::Result<Vec<crate::devices::printer::usb::UsbListing>, String> {
        crate::devices::printer::usb::list_usb().map_err(|e| e.to_string())
    }
}
