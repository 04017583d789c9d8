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
}

impl Services {
    /// Seeds the demo center unless it is already there; returns the device tokens.
    pub fn seed_demo(&self) -> Result<DemoDevices> {
        if let Some(d) = self.store.read()?.meta::<DemoDevices>("demo_devices")? {
            self.seed_demo_catalogue()?;
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
        };
        self.run(&sys, |tx, _| Ok(tx.put_meta("demo_devices", &devices)?))?;
        self.seed_demo_catalogue()?;
        Ok(devices)
    }
}

/// The demo's procedure catalogue: the common commune procedures of DOMAIN.md §8. The
/// `Tư pháp` ones carry their national codes; for the other areas DOMAIN.md gives no
/// code, so they use local `DP.*` codes and say so, to be replaced by the province's list.
pub fn demo_catalogue(areas: &[u32; 4]) -> Vec<crate::domain::dossier::ProcedureSnapshot> {
    use crate::domain::dossier::{
        OnlineLevel, Paper, PaperKind, ProcedureSnapshot, StatutoryTime, TimeUnit,
    };
    let paper = |name: &str, kind: PaperKind| Paper {
        name: name.into(),
        kind,
        count: 1,
    };
    let same_day = |extra: u32| StatutoryTime {
        amount: 0,
        unit: TimeUnit::SameDay15h,
        extra_working_days: extra,
    };
    let wd = |n: u32| StatutoryTime {
        amount: n,
        unit: TimeUnit::WorkingDays,
        extra_working_days: 0,
    };
    #[allow(clippy::too_many_arguments)]
    let p = |code: &str,
             name: &str,
             area: u32,
             duration: StatutoryTime,
             fee_vnd: Option<u64>,
             fee_note: &str,
             papers: Vec<Paper>,
             result: &str,
             online: OnlineLevel,
             basis: &str| ProcedureSnapshot {
        code: code.into(),
        name: name.into(),
        area,
        duration,
        fee_vnd,
        fee_note: fee_note.into(),
        papers,
        result_type: result.into(),
        online_level: online,
        legal_basis: basis.into(),
        version: 1,
    };
    const SAMPLE: &str = "Dữ liệu mẫu: thay bằng danh mục thủ tục do tỉnh công bố";
    use PaperKind::*;
    vec![
        p(
            "1.001193",
            "Đăng ký khai sinh",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí khi đăng ký đúng hạn; quá hạn theo mức của HĐND tỉnh",
            vec![
                paper("Tờ khai đăng ký khai sinh", Original),
                paper("Giấy chứng sinh hoặc giấy tờ thay thế", Original),
            ],
            "Giấy khai sinh (bản chính)",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.000894",
            "Đăng ký kết hôn",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí đăng ký kết hôn trong nước",
            vec![
                paper("Tờ khai đăng ký kết hôn", Original),
                paper(
                    "Giấy xác nhận tình trạng hôn nhân (nếu không thường trú tại xã)",
                    Original,
                ),
            ],
            "Giấy chứng nhận kết hôn",
            OnlineLevel::Partial,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.000656",
            "Đăng ký khai tử",
            areas[0],
            same_day(0),
            Some(0),
            "Miễn lệ phí khi đăng ký đúng hạn",
            vec![
                paper("Tờ khai đăng ký khai tử", Original),
                paper("Giấy báo tử hoặc giấy tờ thay thế", Original),
            ],
            "Trích lục khai tử",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "1.004873",
            "Xác nhận tình trạng hôn nhân",
            areas[0],
            wd(3),
            None,
            "Theo mức của HĐND tỉnh",
            vec![paper(
                "Tờ khai cấp Giấy xác nhận tình trạng hôn nhân",
                Original,
            )],
            "Giấy xác nhận tình trạng hôn nhân",
            OnlineLevel::Full,
            "Luật Hộ tịch 2014; Nghị định 123/2015/NĐ-CP",
        ),
        p(
            "2.000815",
            "Chứng thực bản sao từ bản chính",
            areas[0],
            same_day(2),
            Some(2000),
            "2.000 đồng/trang cho trang 1–2, từ trang 3 là 1.000 đồng/trang, tối đa 200.000 đồng/bản",
            vec![
                paper("Bản chính giấy tờ, văn bản", Original),
                paper("Bản sao cần chứng thực", Copy),
            ],
            "Bản sao được chứng thực từ bản chính",
            OnlineLevel::Partial,
            "Nghị định 23/2015/NĐ-CP; Thông tư 226/2016/TT-BTC",
        ),
        p(
            "DP.VHXH.01",
            "Trợ cấp xã hội hằng tháng",
            areas[1],
            wd(7),
            Some(0),
            "Không thu phí",
            vec![
                paper("Tờ khai đề nghị trợ cấp xã hội", Original),
                paper("Giấy tờ chứng minh thuộc đối tượng hưởng", CertifiedCopy),
            ],
            "Quyết định trợ cấp xã hội",
            OnlineLevel::Partial,
            &format!("Nghị định 20/2021/NĐ-CP. {SAMPLE}"),
        ),
        p(
            "DP.KD.01",
            "Đăng ký thành lập hộ kinh doanh",
            areas[2],
            wd(3),
            None,
            "Theo mức của HĐND tỉnh",
            vec![
                paper("Giấy đề nghị đăng ký hộ kinh doanh", Original),
                paper("Giấy tờ pháp lý của chủ hộ kinh doanh", Copy),
            ],
            "Giấy chứng nhận đăng ký hộ kinh doanh",
            OnlineLevel::Full,
            &format!("Nghị định 168/2025/NĐ-CP. {SAMPLE}"),
        ),
        p(
            "DP.NNMT.01",
            "Đăng ký biến động đất đai",
            areas[3],
            wd(10),
            None,
            "Theo mức của HĐND tỉnh",
            vec![
                paper("Đơn đăng ký biến động đất đai", Original),
                paper("Giấy chứng nhận quyền sử dụng đất đã cấp", Original),
            ],
            "Giấy chứng nhận được xác nhận nội dung biến động",
            OnlineLevel::Partial,
            &format!("Luật Đất đai 2024; Nghị định 151/2025/NĐ-CP. {SAMPLE}"),
        ),
    ]
}

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
