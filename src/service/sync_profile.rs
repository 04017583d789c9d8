//! The province connector's profile as the admin page edits it (*Kết nối tỉnh*): saved in
//! the database, its secret in a file of its own beside it (mode 0600, never in a
//! backup, an export, the audit trail or `/metrics`), and the address and secret from
//! the config file or the environment winning over both (district IT's override).
//! Saving rebuilds the connector at once; the relay picks it up on its next round.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::domain::sync_profile::{AuthKind, ProfileSettings};
use crate::events::{Actor, EventKind};
use crate::province::{Connector, Profile};

const PROFILE_KEY: &str = "province_profile";
const SECRET_FILE: &str = "province.secret";

/// What the config file or the environment says (`province_url`, `province_token`;
/// `MOTCUA_PROVINCE_URL`, `MOTCUA_PROVINCE_TOKEN`).
#[derive(Clone, Default)]
pub struct ProvinceOverride {
    pub url: Option<String>,
    pub secret: Option<String>,
}

/// The admin page's view: the profile (no secret), whether a secret is kept, and which
/// parts the machine's configuration fixes.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceView {
    pub settings: ProfileSettings,
    pub has_secret: bool,
    pub url_from_config: bool,
    pub secret_from_config: bool,
    pub enabled: bool,
}

/// `PUT /api/v1/sync/profile`: the profile, and the secret when it changes (absent =
/// keep the one kept; empty = forget it).
#[derive(Debug, Clone, Deserialize)]
pub struct ProvinceSave {
    pub settings: ProfileSettings,
    #[serde(default)]
    pub secret: Option<String>,
}

/// What *Thử kết nối* found.
#[derive(Debug, Clone, Serialize)]
pub struct ProvinceProbe {
    pub ok: bool,
    /// In Vietnamese, for the admin.
    pub message: String,
}

impl Services {
    /// The connector as it is now (`None`: sync off).
    pub fn connector(&self) -> Option<Arc<Connector>> {
        self.province
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn saved_profile(&self) -> Result<ProfileSettings> {
        Ok(self.store.read()?.meta(PROFILE_KEY)?.unwrap_or_default())
    }

    fn secret_path(&self) -> Option<std::path::PathBuf> {
        self.data_dir.as_ref().map(|d| d.join(SECRET_FILE))
    }

    fn saved_secret(&self) -> Option<String> {
        let text = std::fs::read_to_string(self.secret_path()?).ok()?;
        Some(text.trim().to_string()).filter(|t| !t.is_empty())
    }

    /// The profile in force: the saved one with the configuration's address and secret.
    fn effective_profile(&self) -> Result<Profile> {
        let mut settings = self.saved_profile()?;
        let o = &self.province_override;
        if let Some(url) = &o.url {
            settings.base_url = url.trim().trim_end_matches('/').to_string();
        }
        Ok(Profile {
            settings,
            secret: o.secret.clone().or_else(|| self.saved_secret()),
            unit: self.settings()?.dossier.agency,
        })
    }

    /// Builds the connector from what is saved and configured (at start, after a save).
    pub fn reconnect(&self) -> Result<()> {
        let p = self.effective_profile()?;
        let conn = (!p.settings.base_url.is_empty()).then(|| Arc::new(Connector::new(p)));
        *self.province.write().unwrap_or_else(|p| p.into_inner()) = conn;
        Ok(())
    }

    pub fn province_view(&self) -> Result<ProvinceView> {
        let p = self.effective_profile()?;
        Ok(ProvinceView {
            has_secret: p.secret.is_some(),
            enabled: self.sync_enabled(),
            settings: p.settings,
            url_from_config: self.province_override.url.is_some(),
            secret_from_config: self.province_override.secret.is_some(),
        })
    }

    /// Saves the profile (checked whole, every problem listed) and reconnects.
    pub fn save_province(&self, actor: &Actor, save: ProvinceSave) -> Result<ProvinceView> {
        let mut settings = save.settings;
        settings.base_url = settings.base_url.trim().trim_end_matches('/').to_string();
        settings.username = settings.username.trim().to_string();
        settings.unit_header = settings.unit_header.trim().to_string();
        if self.province_override.url.is_some() {
            // Fixed by the machine's configuration: keep what was saved before.
            settings.base_url = self.saved_profile()?.base_url;
        }
        settings
            .check()
            .map_err(|bad| ServiceError::Invalid(bad.join("; ")))?;
        if let Some(secret) = &save.secret {
            if !self.province_override.secret.is_some() {
                self.keep_secret(secret.trim())?;
            }
        }
        let what = format!(
            "province {} {}",
            match settings.auth {
                AuthKind::None => "none",
                AuthKind::Bearer => "bearer",
                AuthKind::Login => "login",
            },
            if settings.base_url.is_empty() {
                "off"
            } else {
                "on"
            }
        );
        self.run(actor, |tx, _| {
            tx.put_meta(PROFILE_KEY, &settings)?;
            tx.emit(EventKind::SettingsChanged { what: what.clone() });
            Ok(())
        })?;
        self.reconnect()?;
        self.province_view()
    }

    /// Writes (or, when empty, removes) the secret file, readable by the service only.
    fn keep_secret(&self, secret: &str) -> Result<()> {
        let path = self
            .secret_path()
            .ok_or_else(|| ServiceError::Invalid("Không có thư mục dữ liệu để giữ khóa".into()))?;
        if secret.is_empty() {
            let _ = std::fs::remove_file(&path);
            return Ok(());
        }
        let tmp = path.with_extension("tmp");
        let io = |e: std::io::Error| ServiceError::Invalid(format!("Không ghi được khóa: {e}"));
        {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .mode(0o600)
                .open(&tmp)
                .map_err(io)?;
            f.write_all(secret.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(())
    }

    /// *Thử kết nối*: one call the province must answer (the list of online dossiers for
    /// this unit), through the profile's authentication.
    pub fn probe_province(&self) -> Result<ProvinceProbe> {
        let Some(conn) = self.connector() else {
            return Ok(ProvinceProbe {
                ok: false,
                message: "Chưa bật: nhập địa chỉ hệ thống của tỉnh rồi lưu".into(),
            });
        };
        let unit = self.settings()?.dossier.agency;
        Ok(match conn.online_waiting(&unit) {
            Ok(list) => ProvinceProbe {
                ok: true,
                message: format!(
                    "Kết nối được với tỉnh; {} hồ sơ trực tuyến đang chờ trung tâm",
                    list.len()
                ),
            },
            Err(e) => ProvinceProbe {
                ok: false,
                message: format!("Chưa kết nối được: {e}"),
            },
        })
    }
}
