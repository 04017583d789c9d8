//! A connector profile as data: how one province is reached and read (INTEGRATION.md §3:
//! URLs, authentication, reply texts, coercions, code mapping). Provinces differ in these;
//! they are settings the admin page edits, never code forks. The reference profile
//! (§4, what `motcua sim province` speaks) is the default, with every coercion off.
//!
//! The secret (bearer token or login password) is not part of the profile: it is kept
//! apart (a file in the data directory, or the config/environment) so that a profile can
//! be shown, exported and audited without it.

use serde::{Deserialize, Serialize};

use super::sync::{HoSo, QuaTrinhXuLy, ReplyTable};

/// How the appliance proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AuthKind {
    /// Network trust (TD → DVCQG): no credentials.
    None,
    /// A static token in `Authorization: Bearer` (the reference profile).
    #[default]
    Bearer,
    /// Username + password → a session token (with a refresh token and an expiry when
    /// the province gives them), sent as a bearer token afterwards; logged in again when
    /// refused (OCPS session login, LGSP JWT + refresh).
    Login,
}

/// The endpoints, relative to the base address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Paths {
    pub add: String,
    pub update: String,
    pub progress: String,
    pub waiting: String,
    pub detail: String,
    pub ack: String,
    /// Asks what the province holds of one dossier (reconciliation); empty = the
    /// province cannot be asked.
    pub lookup: String,
    pub login: String,
    pub refresh: String,
}

impl Default for Paths {
    fn default() -> Self {
        Paths {
            add: "/HoSo/ThemMoi".into(),
            update: "/HoSo/CapNhat".into(),
            progress: "/HoSo/DongBoTienTrinh".into(),
            waiting: "/HoSo/ChoTiepNhan".into(),
            detail: "/HoSo/ChiTiet".into(),
            ack: "/HoSo/DaNhan".into(),
            lookup: "/HoSo/TraCuu".into(),
            login: "/Auth/DangNhap".into(),
            refresh: "/Auth/LamMoi".into(),
        }
    }
}

/// Changes some provinces need made to the packet (INTEGRATION.md §2, seen in TD). Each
/// is named and off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Coercions {
    /// Statuses 5, 6 and 8 sent as 9 (a province that knows no waiting states).
    pub waiting_as_resolved: bool,
    /// Length caps: `TrichYeuHoSo` 1000 (empty → "Dinhkem"), `NguoiXuLy` 50 (empty →
    /// "Chuyên viên"), `TenTepDinhKem` 4000.
    pub caps: bool,
    /// Dates written another way than `yyyyMMddHHmmss` (a chrono format, e.g.
    /// `%d/%m/%Y %H:%M:%S`), still in Vietnam time; empty = the reference format.
    pub date_format: String,
}

/// The reference profile's date format (`yyyyMMddHHmmss`).
pub const REFERENCE_DATE: &str = "%Y%m%d%H%M%S";

/// One province's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProfileSettings {
    /// E.g. `https://motcua.tinh.gov.vn/api`; empty = sync off.
    pub base_url: String,
    pub auth: AuthKind,
    /// For [`AuthKind::Login`].
    pub username: String,
    /// A header sent on every call with the unit's code as its value (OCPS `dstcode`);
    /// empty = none.
    pub unit_header: String,
    pub paths: Paths,
    pub replies: ReplyTable,
    pub coercions: Coercions,
    /// Local procedure code → the province's (`MaTTHC`), where they differ.
    pub code_map: Vec<(String, String)>,
    /// Dossiers sent at the same time (each dossier's own changes stay in order).
    pub lanes: u32,
    pub timeout_secs: u32,
}

impl Default for ProfileSettings {
    fn default() -> Self {
        ProfileSettings {
            base_url: String::new(),
            auth: AuthKind::Bearer,
            username: String::new(),
            unit_header: String::new(),
            paths: Paths::default(),
            replies: ReplyTable::reference(),
            coercions: Coercions::default(),
            code_map: Vec::new(),
            lanes: 4,
            timeout_secs: 30,
        }
    }
}

pub const MAX_LANES: u32 = 16;

impl ProfileSettings {
    /// Every problem at once, in Vietnamese (the admin form lists them).
    pub fn check(&self) -> Result<(), Vec<String>> {
        let mut bad = Vec::new();
        let url = self.base_url.trim();
        if !url.is_empty() && !(url.starts_with("http://") || url.starts_with("https://")) {
            bad.push("Địa chỉ hệ thống của tỉnh phải bắt đầu bằng http:// hoặc https://".into());
        }
        if url.chars().any(char::is_whitespace) {
            bad.push("Địa chỉ không được có dấu cách".into());
        }
        if self.auth == AuthKind::Login && self.username.trim().is_empty() {
            bad.push("Đăng nhập bằng tài khoản cần tên đăng nhập".into());
        }
        if !self
            .unit_header
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bad.push("Tên tiêu đề mã đơn vị chỉ gồm chữ không dấu, số, - và _".into());
        }
        let p = &self.paths;
        for (name, v) in [
            ("thêm mới", &p.add),
            ("cập nhật", &p.update),
            ("tiến trình", &p.progress),
            ("danh sách chờ tiếp nhận", &p.waiting),
            ("chi tiết", &p.detail),
            ("báo đã nhận", &p.ack),
        ] {
            if !v.starts_with('/') {
                bad.push(format!("Đường dẫn {name} phải bắt đầu bằng /"));
            }
        }
        if self.replies.ok.is_empty() || self.replies.progress_ok.is_empty() {
            bad.push("Bảng trả lời cần ít nhất một dòng «thành công»".into());
        }
        if self.lanes == 0 || self.lanes > MAX_LANES {
            bad.push(format!("Số hồ sơ gửi cùng lúc: từ 1 đến {MAX_LANES}"));
        }
        let fmt = self.coercions.date_format.trim();
        if !fmt.is_empty()
            && chrono::format::StrftimeItems::new(fmt)
                .any(|i| matches!(i, chrono::format::Item::Error))
        {
            bad.push(format!("Định dạng ngày «{fmt}» không hợp lệ"));
        }
        if !(5..=300).contains(&self.timeout_secs) {
            bad.push("Thời gian chờ trả lời: từ 5 đến 300 giây".into());
        }
        if bad.is_empty() {
            Ok(())
        } else {
            Err(bad)
        }
    }

    /// The packet as this province wants it: codes mapped, coercions applied.
    pub fn shape(&self, hoso: &mut HoSo, steps: &mut [QuaTrinhXuLy]) {
        if let Some((_, theirs)) = self.code_map.iter().find(|(ours, _)| *ours == hoso.ma_tthc) {
            hoso.ma_tthc = theirs.clone();
        }
        if self.coercions.waiting_as_resolved {
            let as9 = |s: &mut String| {
                if matches!(s.as_str(), "5" | "6" | "8") {
                    *s = "9".into();
                }
            };
            as9(&mut hoso.trang_thai_ho_so);
            for q in steps.iter_mut() {
                as9(&mut q.trang_thai);
            }
        }
        let fmt = self.coercions.date_format.trim();
        if !fmt.is_empty() && fmt != REFERENCE_DATE {
            let redate = |s: &mut String| {
                if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, REFERENCE_DATE) {
                    *s = t.format(fmt).to_string();
                }
            };
            for d in [
                &mut hoso.ngay_nop_ho_so,
                &mut hoso.ngay_tiep_nhan,
                &mut hoso.ngay_hen_tra,
                &mut hoso.ngay_tra,
                &mut hoso.ngay_ket_thuc_xu_ly,
                &mut hoso.ngay_tu_choi,
            ] {
                redate(d);
            }
            for q in steps.iter_mut() {
                redate(&mut q.thoi_diem_xu_ly);
                redate(&mut q.ngay_bat_dau);
                redate(&mut q.ngay_ket_thuc_theo_quy_dinh);
            }
        }
        if self.coercions.caps {
            cap(&mut hoso.trich_yeu_ho_so, 1000, "Dinhkem");
            for t in &mut hoso.tai_lieu_nop {
                cap(&mut t.ten_tep_dinh_kem, 4000, "");
            }
            for q in steps.iter_mut() {
                cap(&mut q.nguoi_xu_ly, 50, "Chuyên viên");
            }
        }
    }
}

/// At most `n` characters (not bytes: Vietnamese letters are several), `empty` when blank.
fn cap(s: &mut String, n: usize, empty: &str) {
    if s.trim().is_empty() {
        *s = empty.to_string();
    } else if s.chars().count() > n {
        *s = s.chars().take(n).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packet() -> (HoSo, Vec<QuaTrinhXuLy>) {
        let h: HoSo = serde_json::from_value(serde_json::json!({
            "MaHoSo": "H40.14-260305-0001", "MaTTHC": "1.004873", "TenTTHC": "", "MaLinhVuc": "",
            "TenLinhVuc": "", "KenhThucHien": "1", "ChuHoSo": "", "LoaiDoiTuong": "1",
            "SoGiayToChuHoSo": "", "DinhDanhCHS": [], "Email": "", "SoDienThoai": "",
            "TrichYeuHoSo": "", "NgayNopHoSo": "", "NgayTiepNhan": "", "NgayHenTra": "20260309170000",
            "TrangThaiHoSo": "5", "NgayTra": "", "NgayKetThucXuLy": "", "NgayTuChoi": "",
            "DonViXuLy": "", "TaiLieuNop": [], "HoSoCoThanhPhanSoHoa": "0"
        }))
        .unwrap();
        let q: QuaTrinhXuLy = serde_json::from_value(serde_json::json!({
            "MaHoSo": "H40.14-260305-0001", "SoThuTu": "1",
            "NguoiXuLy": "Nguyễn Thị Hồng Nhung Phương Thảo Minh Khai Bảo Ngọc Anh Thư Thu Hà Lan",
            "ChucDanh": "", "ThoiDiemXuLy": "", "PhongBanXuLy": "", "NoiDungXuLy": "",
            "TrangThai": "8", "NgayBatDau": "", "NgayKetThucTheoQuyDinh": ""
        }))
        .unwrap();
        (h, vec![q])
    }

    #[test]
    fn the_reference_profile_changes_nothing() {
        let (mut h, mut q) = packet();
        let (h0, q0) = (h.clone(), q.clone());
        ProfileSettings::default().shape(&mut h, &mut q);
        assert_eq!((h, q), (h0, q0));
        assert!(ProfileSettings::default().check().is_ok());
    }

    #[test]
    fn coercions_and_code_mapping_are_applied_only_when_named() {
        let (mut h, mut q) = packet();
        let p = ProfileSettings {
            coercions: Coercions {
                waiting_as_resolved: true,
                caps: true,
                date_format: "%d/%m/%Y %H:%M:%S".into(),
            },
            code_map: vec![("1.004873".into(), "2.000123.000.00.00.H40".into())],
            ..Default::default()
        };
        p.shape(&mut h, &mut q);
        assert_eq!(h.trang_thai_ho_so, "9");
        assert_eq!(q[0].trang_thai, "9");
        assert_eq!(h.ma_tthc, "2.000123.000.00.00.H40");
        assert_eq!(h.trich_yeu_ho_so, "Dinhkem");
        assert_eq!(
            q[0].nguoi_xu_ly.chars().count(),
            50,
            "50 letters, not bytes"
        );
        assert_eq!(h.ngay_hen_tra, "09/03/2026 17:00:00");
        assert_eq!(h.ngay_tra, "", "an empty date stays empty");
    }

    #[test]
    fn every_problem_of_a_profile_is_listed_at_once() {
        let p = ProfileSettings {
            base_url: "tinh.gov.vn/api".into(),
            auth: AuthKind::Login,
            lanes: 0,
            coercions: Coercions {
                date_format: "%Q".into(),
                ..Default::default()
            },
            paths: Paths {
                add: "HoSo/ThemMoi".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        let bad = p.check().unwrap_err();
        assert_eq!(bad.len(), 5, "{bad:?}");
    }

    #[test]
    fn an_old_saved_profile_reads_with_the_new_fields_at_their_defaults() {
        let p: ProfileSettings =
            serde_json::from_str(r#"{"base_url":"http://127.0.0.1:9000"}"#).unwrap();
        assert_eq!(p.lanes, 4);
        assert_eq!(p.paths, Paths::default());
    }
}
