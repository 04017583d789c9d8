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
    /// The place name (địa danh) every form prints before its date: `Tân Phú, ngày …`.
    pub place_name: String,
    /// The address printed in QR codes and links for citizens (`https://motcua.tanphu.gov.vn`,
    /// or `http://192.168.1.10:8080` inside the center only); empty: the address the
    /// browser used, which may be 127.0.0.1 or an officer's view of the LAN.
    pub public_url: String,
}

/// Who can open the public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reach {
    /// No address set: links use whatever address the browser used.
    Unset,
    /// A private or local address: only devices on the center's network can open it.
    CenterOnly,
    /// A public name or address: a citizen at home can open it, if the network lets it in.
    Internet,
}

impl Reach {
    /// Plain Vietnamese for the admin page.
    pub fn explain_vi(self) -> &'static str {
        match self {
            Reach::Unset => "Chưa đặt địa chỉ công khai: mã QR và đường dẫn trên giấy tờ dùng địa chỉ của máy đang in, có thể là 127.0.0.1 — công dân không mở được. Hãy đặt địa chỉ.",
            Reach::CenterOnly => "Địa chỉ này chỉ mở được trong mạng của trung tâm (Wi-Fi, máy ở quầy, ki-ốt). Công dân ở nhà KHÔNG tra cứu được bằng mã QR; họ tra cứu tại ki-ốt hoặc hỏi cán bộ.",
            Reach::Internet => "Địa chỉ công khai: công dân ở nhà mở được nếu đường truyền của trung tâm đã được cấu hình cho phép truy cập từ Internet (hỏi đơn vị cung cấp mạng hoặc huyện).",
        }
    }
}

/// `http(s)://host[:port]`, no path: the form the public address must have.
fn parse_base(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    if !(scheme == "http" || scheme == "https") || rest.is_empty() {
        return None;
    }
    if rest.contains(['/', '?', '#', ' ', '@']) {
        return None;
    }
    let host = match rest.strip_prefix('[') {
        Some(v6) => v6.split(']').next()?,
        None => rest.rsplit_once(':').map_or(rest, |(h, _)| h),
    };
    (!host.is_empty()).then_some((scheme, host))
}

/// Where an address can be opened from (see [`Reach`]).
pub fn reach(url: &str) -> Reach {
    let Some((_, host)) = parse_base(url.trim()) else {
        return Reach::Unset;
    };
    let private = match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified()
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            ip.is_loopback()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
        Err(_) => host == "localhost" || host.ends_with(".local") || !host.contains('.'),
    };
    if private {
        Reach::CenterOnly
    } else {
        Reach::Internet
    }
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
            place_name: String::new(),
            public_url: String::new(),
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
        if self.place_name.chars().count() > 60 {
            return Err("Địa danh tối đa 60 ký tự".into());
        }
        if !self.public_url.is_empty() && parse_base(&self.public_url).is_none() {
            return Err("Địa chỉ công khai phải có dạng http://tên-hoặc-IP[:cổng] hoặc https://…, không có đường dẫn phía sau".into());
        }
        if !self.speech.template.contains("{số}") {
            return Err("Mẫu câu gọi số phải có {số}".into());
        }
        Ok(())
    }
}

impl CenterSettings {
    /// The base of every link printed or shown to citizens: the public address when set,
    /// else the one the request came by.
    pub fn public_base(&self, request_base: &str) -> String {
        if self.public_url.is_empty() {
            request_base.trim_end_matches('/').to_string()
        } else {
            self.public_url.clone()
        }
    }

    /// `Tân Phú, ngày 05 tháng 03 năm 2026` (dots where no place is set, as blank forms do).
    pub fn place_and_date(&self, date_vi: &str) -> String {
        let place = self.place_name.trim();
        if place.is_empty() {
            format!("……, {date_vi}")
        } else {
            format!("{place}, {date_vi}")
        }
    }
}

#[cfg(test)]
mod address_tests {
    use super::*;

    #[test]
    fn the_public_address_says_who_can_open_it() {
        assert_eq!(reach(""), Reach::Unset);
        assert_eq!(
            reach("motcua.tanphu.gov.vn"),
            Reach::Unset,
            "no scheme: not an address"
        );
        assert_eq!(reach("http://192.168.1.10:8080"), Reach::CenterOnly);
        assert_eq!(reach("http://10.0.0.5"), Reach::CenterOnly);
        assert_eq!(reach("http://127.0.0.1:8080"), Reach::CenterOnly);
        assert_eq!(reach("http://motcua.local"), Reach::CenterOnly);
        assert_eq!(reach("http://[fd00::1]:8080"), Reach::CenterOnly);
        assert_eq!(reach("https://motcua.tanphu.gov.vn"), Reach::Internet);
        assert_eq!(reach("http://14.225.1.2:8080"), Reach::Internet);
    }

    #[test]
    fn only_a_bare_base_is_accepted() {
        let mut s = CenterSettings::default();
        for ok in [
            "",
            "https://motcua.tanphu.gov.vn",
            "http://192.168.1.10:8080",
        ] {
            s.public_url = ok.into();
            assert!(s.validate().is_ok(), "{ok}");
        }
        for bad in [
            "ftp://x",
            "https://x/tra-cuu",
            "motcua.vn",
            "http://",
            "http://a b",
        ] {
            s.public_url = bad.into();
            assert!(s.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn forms_print_the_place_before_the_date() {
        let mut s = CenterSettings::default();
        assert_eq!(
            s.place_and_date("ngày 05 tháng 03 năm 2026"),
            "……, ngày 05 tháng 03 năm 2026"
        );
        s.place_name = "Tân Phú".into();
        assert_eq!(
            s.place_and_date("ngày 05 tháng 03 năm 2026"),
            "Tân Phú, ngày 05 tháng 03 năm 2026"
        );
        assert_eq!(
            s.public_base("http://127.0.0.1:8080/"),
            "http://127.0.0.1:8080"
        );
        s.public_url = "https://motcua.tanphu.gov.vn".into();
        assert_eq!(
            s.public_base("http://127.0.0.1:8080"),
            "https://motcua.tanphu.gov.vn"
        );
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
