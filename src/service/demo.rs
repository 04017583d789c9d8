//! The demo center: seeded once, idempotent on restart.

use super::{Result, Services};
use crate::domain::center::{CenterSettings, Role};
use crate::domain::queue::{Series, ServiceArea};
use crate::events::Actor;

pub const DEMO_PASSWORD: &str = "demo";

pub const DEMO_AREAS: [(&str, &str); 4] = [
    ("Tư pháp - Hộ tịch - Chứng thực", "A"),
    ("Văn hóa - Xã hội", "B"),
    ("Kinh doanh", "C"),
    ("Nông nghiệp - Môi trường", "D"),
];

/// Tokens of the demo's simulated devices, kept so a restart prints the same links.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DemoDevices {
    pub kiosk: String,
    pub display: String,
    /// The rating tablet of counter 1 (added after the first demo data: may be created
    /// on a later start).
    #[serde(default)]
    pub rating: String,
}

impl Services {
    /// Seeds the demo center unless it is already there; returns the device tokens.
    pub fn seed_demo(&self) -> Result<DemoDevices> {
        if let Some(mut d) = self.store.read()?.meta::<DemoDevices>("demo_devices")? {
            self.seed_demo_catalogue()?;
            if d.rating.is_empty() {
                d.rating =
                    self.create_device_session(&Actor::system(), "Đánh giá quầy 1", Role::Rating)?;
                self.run(&Actor::system(), |tx, _| {
                    Ok(tx.put_meta("demo_devices", &d)?)
                })?;
            }
            return Ok(d);
        }
        let sys = Actor::system();
        let settings = CenterSettings {
            name: "Trung tâm Phục vụ hành chính công xã Tân Phú".into(),
            dossier: crate::domain::center::DossierSettings {
                agency: "H40.14".into(),
                agency_name: "ỦY BAN NHÂN DÂN XÃ TÂN PHÚ".into(),
                ..Default::default()
            },
            place_name: "Tân Phú".into(),
            ..CenterSettings::default()
        };
        self.save_settings(&sys, settings)?;
        // The demo issues all day so it can be tried at any hour; a real center sets
        // windows such as 07:15–11:15 and 13:15–16:30 on the admin page.
        for (i, (name, letter)) in DEMO_AREAS.iter().enumerate() {
            let area = ServiceArea {
                id: 0,
                name: name.to_string(),
                series: Series::letter(letter),
                daily_cap: None,
                windows: vec![],
                active: true,
            };
            let area = self.save_service(&sys, area)?;
            // Counters carry the label of their domain, as on the center's signs.
            self.save_counter(&sys, (i + 1) as u32, name, vec![area.id], 0)?;
        }
        self.create_user(
            &sys,
            "admin",
            "Quản trị viên",
            Role::Admin,
            DEMO_PASSWORD,
            false,
        )?;
        for i in 1..=4 {
            self.create_user(
                &sys,
                &format!("canbo{i}"),
                &format!("Cán bộ {i}"),
                Role::Officer,
                DEMO_PASSWORD,
                false,
            )?;
        }
        let devices = DemoDevices {
            kiosk: self.create_device_session(&sys, "Ki-ốt sảnh chờ", Role::Kiosk)?,
            display: self.create_device_session(&sys, "TV sảnh chờ", Role::Display)?,
            rating: self.create_device_session(&sys, "Đánh giá quầy 1", Role::Rating)?,
        };
        self.run(&sys, |tx, _| Ok(tx.put_meta("demo_devices", &devices)?))?;
        self.seed_demo_catalogue()?;
        Ok(devices)
    }
}

pub use crate::domain::catalogue::demo_catalogue;

impl Services {
    /// Seeds the demo catalogue when the catalogue is empty (also for demo data made
    /// before dossiers existed).
    pub fn seed_demo_catalogue(&self) -> Result<()> {
        if !self.catalogue()?.procedures.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<u32> = self
            .store
            .read()?
            .services()?
            .iter()
            .map(|a| a.id)
            .collect();
        ids.sort_unstable();
        if ids.len() < 4 {
            return Ok(());
        }
        let areas = [ids[0], ids[1], ids[2], ids[3]];
        self.import_catalogue(&Actor::system(), demo_catalogue(&areas))?;
        Ok(())
    }
}

impl Services {
    /// The demo's remote signing: the simulated service at `url` (its root pinned as a
    /// TEST root), and the vice-chairman `lanhdao` (Trần Thị Bình, password `demo`) who
    /// signs with it — set up again on every start, as the simulated service makes a
    /// new CA each time.
    pub fn demo_remote_signing(&self, url: &str, root_der: &[u8], user_id: &str) -> Result<()> {
        let sys = Actor {
            name: "demo".into(),
            role: "admin".into(),
            addr: None,
        };
        let trust = self.data_dir()?.join("trust");
        std::fs::create_dir_all(&trust)
            .and_then(|()| std::fs::write(trust.join("demo-smartca-khong-dung-that.der"), root_der))
            .map_err(|e| super::ServiceError::Internal(format!("demo trust: {e}")))?;
        self.save_remote_config(&sys, url, DEMO_REMOTE_SP, Some(DEMO_REMOTE_PASSWORD))?;
        if !self.users()?.iter().any(|u| u.username == "lanhdao") {
            self.create_user(
                &Actor::system(),
                "lanhdao",
                "Trần Thị Bình",
                Role::Leader,
                DEMO_PASSWORD,
                false,
            )?;
        }
        self.signer_setup_remote(
            &sys,
            &crate::domain::signer::SetupForm {
                id: "lanhdao".into(),
                title: "Phó Chủ tịch".into(),
                kind: "remote".into(),
                user_id: user_id.into(),
                ..Default::default()
            },
        )?;
        Ok(())
    }
}

/// The demo's account with its simulated remote signing service.
pub const DEMO_REMOTE_SP: &str = "motcua-demo";
pub const DEMO_REMOTE_PASSWORD: &str = "demo-remote-password";
