//! Who signs for the center, and with what (SIGNING.md §1): each competent person (the
//! chairman, the vice-chairmen) has a personal certificate, and the commune's People's
//! Committee has its organisation certificate (the seal, kept by the văn thư). Each is a
//! *signer setup*: the certificate as read when district IT set it up (so pages can name
//! it and warn before it expires without asking for a PIN), the title printed under the
//! signature, and where the key lives:
//!
//! - a **USB token** (PKCS#11: the vendor's module path, the token's label, the key's
//!   label); the PIN is typed at the desk for each signing and never kept;
//! - a **key file** (PKCS#12, kept 0600 under the data directory); its password is typed
//!   like a PIN and never kept;
//! - a **remote signing service** (SmartCA-style: the official approves on the phone,
//!   minutes later);
//! - the **demo's own PKI** (only `motcua demo`; said so on every signature's history row).
//!
//! Pure: the setups' checks, which setup signs for whom, and whether a certificate is
//! usable at a given time.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The organisation's setup id (officials' setups carry their user name).
pub const ORGANISATION: &str = "co-quan";

/// Where a signer's key lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeySource {
    /// A USB token: the vendor's PKCS#11 module, the token's label, the key's label.
    Token {
        module: String,
        token: String,
        key_label: String,
    },
    /// A PKCS#12 file kept by the appliance (`<data>/signing/keys/<id>.p12`).
    KeyFile,
    /// A remote signing service account (the service itself is one setting).
    Remote { user_id: String },
    /// The demo's own PKI, holder `index` (0 = the organisation).
    Demo { index: usize },
}

impl KeySource {
    /// Whether the signer types a PIN or password at the desk for each signing.
    pub fn needs_secret(&self) -> bool {
        matches!(self, KeySource::Token { .. } | KeySource::KeyFile)
    }

    /// Whether the signature comes back later (approved on a phone).
    pub fn deferred(&self) -> bool {
        matches!(self, KeySource::Remote { .. })
    }

    /// How the desk names it.
    pub fn label(&self) -> &'static str {
        match self {
            KeySource::Token { .. } => "USB ký số (token)",
            KeySource::KeyFile => "Tệp khóa (PKCS#12)",
            KeySource::Remote { .. } => "Ký số từ xa (xác nhận trên điện thoại)",
            KeySource::Demo { .. } => "Chứng thư thử của bản demo",
        }
    }

    /// What the PIN field asks for.
    pub fn secret_prompt(&self) -> &'static str {
        match self {
            KeySource::KeyFile => "Mật khẩu tệp khóa",
            _ => "Mã PIN của USB ký số",
        }
    }
}

/// One signer of the center: an official (id = user name) or the organisation
/// ([`ORGANISATION`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerSetup {
    pub id: String,
    /// The certificate's holder name (its CN), as signatures show it.
    pub name: String,
    /// The certificate's organisation (O).
    pub organisation: String,
    /// Printed above the name: CHỦ TỊCH, PHÓ CHỦ TỊCH… (empty for the organisation).
    pub title: String,
    pub source: KeySource,
    /// The certificate (DER) and those above it, as read at setup.
    #[serde(with = "b64")]
    pub certificate: Vec<u8>,
    #[serde(with = "b64_list")]
    pub chain: Vec<Vec<u8>>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    /// SHA-256 of the certificate, hex.
    pub fingerprint: String,
    pub added_by: String,
    pub added_at: DateTime<Utc>,
    /// The signature's image (an official's) or the seal's (the organisation's): a PNG,
    /// transparent ground, as the paper shows it; `None` = a drawn one.
    #[serde(default, with = "b64_opt", skip_serializing_if = "Option::is_none")]
    pub image: Option<Vec<u8>>,
}

impl SignerSetup {
    pub fn is_organisation(&self) -> bool {
        self.id == ORGANISATION
    }

    /// Whether its certificate may sign at `now`; the reason in Vietnamese when not.
    pub fn usable_at(&self, now: DateTime<Utc>) -> Result<(), String> {
        let who = if self.is_organisation() {
            format!("Chứng thư số của cơ quan ({})", self.name)
        } else {
            format!("Chứng thư số của {}", self.name)
        };
        if now < self.not_before {
            return Err(format!(
                "{who} chưa đến ngày có hiệu lực ({}): chưa ký được",
                crate::domain::time::local_day(self.not_before).format("%d/%m/%Y")
            ));
        }
        if now > self.not_after {
            return Err(format!(
                "{who} đã hết hạn ngày {}: gia hạn với nơi cấp rồi cài lại",
                crate::domain::time::local_day(self.not_after).format("%d/%m/%Y")
            ));
        }
        Ok(())
    }

    /// Days left before it expires (negative once expired), for the warning on the page.
    pub fn days_left(&self, now: DateTime<Utc>) -> i64 {
        (self.not_after - now).num_days()
    }
}

/// Days before expiry from which the pages warn.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// What district IT fills in for a setup (the certificate itself comes from the token,
/// the file or the service).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct SetupForm {
    /// A user name, or [`ORGANISATION`].
    pub id: String,
    pub title: String,
    /// `token`, `key_file` or `remote`.
    pub kind: String,
    pub module: String,
    pub token: String,
    pub key_label: String,
    pub user_id: String,
    /// The signature's or the seal's image (PNG), base64; empty = a drawn one.
    pub image: String,
}

/// Every problem of a setup form at once (field, message), and the key source when none.
pub fn check_form(form: &SetupForm) -> Result<KeySource, Vec<(&'static str, String)>> {
    let mut errs = Vec::new();
    if form.id.trim().is_empty() {
        errs.push(("id", "Chọn người ký (lãnh đạo) hoặc cơ quan".to_string()));
    }
    if form.id.trim() != ORGANISATION && form.title.trim().is_empty() {
        errs.push((
            "title",
            "Ghi chức vụ in dưới chữ ký (ví dụ: CHỦ TỊCH, PHÓ CHỦ TỊCH)".to_string(),
        ));
    }
    if form.title.chars().count() > 60 {
        errs.push(("title", "Chức vụ quá dài (tối đa 60 ký tự)".to_string()));
    }
    let source = match form.kind.as_str() {
        "token" => {
            let module = form.module.trim();
            if !module.starts_with('/') || !module.ends_with(".so") {
                errs.push((
                    "module",
                    "Đường dẫn thư viện PKCS#11 của USB ký số phải là đường dẫn đầy đủ tới tệp .so (ví dụ /usr/lib/libviettel-ca.so)"
                        .to_string(),
                ));
            }
            if form.token.trim().is_empty() {
                errs.push(("token", "Ghi tên (nhãn) của token".to_string()));
            }
            if form.key_label.trim().is_empty() {
                errs.push(("key_label", "Ghi nhãn của khóa trên token".to_string()));
            }
            KeySource::Token {
                module: module.to_string(),
                token: form.token.trim().to_string(),
                key_label: form.key_label.trim().to_string(),
            }
        }
        "key_file" => KeySource::KeyFile,
        "remote" => {
            if form.user_id.trim().is_empty() {
                errs.push((
                    "user_id",
                    "Ghi tài khoản ký số từ xa của người ký (số CCCD hoặc mã tài khoản)"
                        .to_string(),
                ));
            }
            KeySource::Remote {
                user_id: form.user_id.trim().to_string(),
            }
        }
        _ => {
            errs.push((
                "kind",
                "Chọn nơi giữ khóa: USB ký số, tệp khóa hoặc ký số từ xa".to_string(),
            ));
            KeySource::KeyFile
        }
    };
    if errs.is_empty() {
        Ok(source)
    } else {
        Err(errs)
    }
}

/// The setup that signs for `username` (whose display name is `display`): their own,
/// else — in the demo only — the demo's first official. `None`: this user cannot sign.
pub fn signer_for<'a>(
    setups: &'a [SignerSetup],
    username: &str,
    display: &str,
) -> Option<&'a SignerSetup> {
    let officials = || setups.iter().filter(|s| !s.is_organisation());
    officials()
        .find(|s| s.id == username)
        .or_else(|| {
            officials().find(|s| matches!(s.source, KeySource::Demo { .. }) && s.name == display)
        })
        .or_else(|| officials().find(|s| matches!(s.source, KeySource::Demo { index: 1 })))
}

/// The organisation's setup.
pub fn organisation(setups: &[SignerSetup]) -> Option<&SignerSetup> {
    setups.iter().find(|s| s.is_organisation())
}

mod b64 {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s)
            .map_err(serde::de::Error::custom)
    }
}

mod b64_opt {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&base64::engine::general_purpose::STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(serde::de::Error::custom)
            })
            .transpose()
    }
}

mod b64_list {
    use base64::Engine;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(
            v.iter()
                .map(|c| base64::engine::general_purpose::STANDARD.encode(c)),
        )
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|s| {
                base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map_err(serde::de::Error::custom)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn setup(id: &str, source: KeySource, name: &str) -> SignerSetup {
        SignerSetup {
            id: id.into(),
            name: name.into(),
            organisation: "UBND xã Tân Phú".into(),
            title: "CHỦ TỊCH".into(),
            source,
            certificate: vec![1, 2, 3],
            chain: vec![vec![4]],
            not_before: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            not_after: Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap(),
            fingerprint: "ab".into(),
            added_by: "admin".into(),
            added_at: Utc.with_ymd_and_hms(2026, 1, 2, 0, 0, 0).unwrap(),
            image: None,
        }
    }

    #[test]
    fn a_token_form_lists_every_problem_at_once() {
        let errs = check_form(&SetupForm {
            id: "lanhdao1".into(),
            kind: "token".into(),
            module: "libfoo.so".into(),
            ..Default::default()
        })
        .unwrap_err();
        let fields: Vec<_> = errs.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["title", "module", "token", "key_label"]);
    }

    #[test]
    fn the_organisation_needs_no_title_and_a_key_file_no_paths() {
        let s = check_form(&SetupForm {
            id: ORGANISATION.into(),
            kind: "key_file".into(),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(s, KeySource::KeyFile);
        assert!(s.needs_secret());
        assert!(!s.deferred());
    }

    #[test]
    fn a_remote_setup_needs_the_account_and_is_deferred() {
        assert!(check_form(&SetupForm {
            id: "a".into(),
            title: "CHỦ TỊCH".into(),
            kind: "remote".into(),
            ..Default::default()
        })
        .is_err());
        let s = check_form(&SetupForm {
            id: "a".into(),
            title: "CHỦ TỊCH".into(),
            kind: "remote".into(),
            user_id: "079123456789".into(),
            ..Default::default()
        })
        .unwrap();
        assert!(s.deferred() && !s.needs_secret());
    }

    #[test]
    fn expired_and_future_certificates_are_refused_with_the_date() {
        let s = setup("a", KeySource::KeyFile, "Nguyễn Văn An");
        let after = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
        let e = s.usable_at(after).unwrap_err();
        assert!(e.contains("đã hết hạn ngày 01/01/2027"), "{e}");
        let before = Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap();
        assert!(s.usable_at(before).unwrap_err().contains("chưa đến ngày"));
        let during = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        assert!(s.usable_at(during).is_ok());
        assert_eq!(
            s.days_left(Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap()),
            30
        );
    }

    #[test]
    fn a_user_signs_with_their_own_setup_and_only_the_demo_falls_back() {
        let real = vec![
            setup(ORGANISATION, KeySource::KeyFile, "UBND xã Tân Phú"),
            setup("chutich", KeySource::KeyFile, "Nguyễn Văn An"),
        ];
        assert_eq!(
            signer_for(&real, "chutich", "x").map(|s| s.id.as_str()),
            Some("chutich")
        );
        assert!(signer_for(&real, "phochutich", "Trần Thị Bình").is_none());
        let demo = vec![
            setup(
                ORGANISATION,
                KeySource::Demo { index: 0 },
                "UBND xã Tân Phú",
            ),
            setup("demo-1", KeySource::Demo { index: 1 }, "Nguyễn Văn An"),
            setup("demo-2", KeySource::Demo { index: 2 }, "Trần Thị Bình"),
        ];
        assert_eq!(
            signer_for(&demo, "admin", "Trần Thị Bình").map(|s| s.id.as_str()),
            Some("demo-2")
        );
        assert_eq!(
            signer_for(&demo, "admin", "Quản trị").map(|s| s.id.as_str()),
            Some("demo-1")
        );
        assert_eq!(
            organisation(&demo).map(|s| s.name.as_str()),
            Some("UBND xã Tân Phú")
        );
    }

    #[test]
    fn a_setup_round_trips_through_json_with_its_certificate() {
        let s = setup(
            "a",
            KeySource::Token {
                module: "/usr/lib/x.so".into(),
                token: "T".into(),
                key_label: "k".into(),
            },
            "Nguyễn Văn An",
        );
        let j = serde_json::to_string(&s).unwrap();
        assert!(j.contains("\"kind\":\"token\""), "{j}");
        assert_eq!(serde_json::from_str::<SignerSetup>(&j).unwrap(), s);
    }
}
