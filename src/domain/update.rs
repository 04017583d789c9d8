//! Signed update bundles: what a bundle's manifest promises, when the appliance accepts
//! it, and the apply/rollback state machine the root helper walks through. Pure: the
//! signature check, files, dpkg and systemd are elsewhere (`crate::update`).

use serde::{Deserialize, Serialize};

/// The product every bundle must name.
pub const PRODUCT: &str = "motcua";
/// Manifest format written by this program.
pub const MANIFEST_FORMAT: u32 = 1;

/// What a bundle carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BundleKind {
    /// A new version of the appliance (.deb), installed by the root helper.
    App,
    /// The province's procedure catalogue (JSON, as on the admin page).
    Catalogue,
    /// The working calendar (JSON).
    Calendar,
    /// Voice clips (a tar of `clips.tsv` + WAV files) for `<data>/voice/`.
    Voice,
    /// Public keys to trust from now on (one minisign `.pub` per line block); rotation.
    Keys,
    /// Certificates for checking digital signatures (a tar of `roots/` and
    /// `intermediates/` PEM or DER files, and optionally `distrust.txt`: SHA-256
    /// fingerprints of shipped certificates to stop trusting), for `<data>/trust-bundle/`.
    Trust,
}

impl BundleKind {
    pub fn label_vi(self) -> &'static str {
        match self {
            BundleKind::App => "Phiên bản phần mềm",
            BundleKind::Catalogue => "Danh mục thủ tục",
            BundleKind::Calendar => "Lịch làm việc",
            BundleKind::Voice => "Giọng đọc",
            BundleKind::Keys => "Khoá ký tin cậy",
            BundleKind::Trust => "Chứng thư tin cậy (kiểm tra chữ ký số)",
        }
    }
}

/// Signed together with the payload's hash: the manifest is what the signature covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub product: String,
    pub kind: BundleKind,
    /// Debian architecture (`amd64`, `arm64`); `all` for data bundles.
    pub arch: String,
    /// For `app`: the package version. For data: the data's own version label.
    pub version: String,
    /// Anti-rollback epoch: never accept a lower one than the last accepted of this kind.
    pub epoch: u64,
    /// For `app`: the oldest installed version this package may upgrade.
    #[serde(default)]
    pub min_from: Option<String>,
    /// For `app`: the database format the new version writes.
    #[serde(default)]
    pub db_format: Option<u32>,
    /// File name of the payload inside the bundle.
    pub payload: String,
    pub sha256: String,
    pub size: u64,
    /// When it was signed (RFC 3339), informational.
    #[serde(default)]
    pub created: String,
}

/// What the appliance knows when it judges a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub version: String,
    pub arch: String,
    /// Highest epoch accepted so far, per kind (0 when none).
    pub epoch: u64,
    /// The database format this binary writes.
    pub db_format: u32,
    /// For data kinds: the version label last applied, if any.
    pub data_version: Option<String>,
}

/// Why a bundle is refused; each with a message district IT can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    #[error("không phải gói cập nhật hợp lệ: {0}")]
    Malformed(String),
    #[error("chữ ký không hợp lệ hoặc không do khoá tin cậy ký ({0})")]
    BadSignature(String),
    #[error("gói dành cho sản phẩm khác ({0})")]
    WrongProduct(String),
    #[error("gói dành cho kiến trúc {found}, máy này là {expected}")]
    WrongArch { found: String, expected: String },
    #[error("phiên bản {found} không mới hơn bản đang chạy {installed} (không cho hạ cấp)")]
    Downgrade { found: String, installed: String },
    #[error("epoch {found} cũ hơn epoch đã nhận {current} (chống quay lui)")]
    OlderEpoch { found: u64, current: u64 },
    #[error("bản đang chạy {installed} quá cũ: gói này chỉ nâng cấp từ {min_from} trở lên")]
    TooOldToUpgrade { installed: String, min_from: String },
    #[error("gói ghi cơ sở dữ liệu dạng {found}, cũ hơn dạng {current} đang dùng")]
    DbFormatDowngrade { found: u32, current: u32 },
    #[error("nội dung gói bị sửa hoặc thiếu (SHA-256/kích thước không khớp)")]
    Tampered,
}

impl Reject {
    pub fn code(&self) -> &'static str {
        match self {
            Reject::Malformed(_) => "malformed",
            Reject::BadSignature(_) => "bad_signature",
            Reject::WrongProduct(_) => "wrong_product",
            Reject::WrongArch { .. } => "wrong_arch",
            Reject::Downgrade { .. } => "downgrade",
            Reject::OlderEpoch { .. } => "older_epoch",
            Reject::TooOldToUpgrade { .. } => "too_old",
            Reject::DbFormatDowngrade { .. } => "db_format_downgrade",
            Reject::Tampered => "tampered",
        }
    }
}

fn version(s: &str, what: &str) -> Result<semver::Version, Reject> {
    semver::Version::parse(s.trim())
        .map_err(|_| Reject::Malformed(format!("{what}: «{s}» không phải số phiên bản")))
}

/// The manifest's own rules against what is installed. The signature and the payload's
/// hash are checked before this (a forged manifest never gets here).
pub fn judge(m: &Manifest, now: &Installed) -> Result<(), Reject> {
    if m.format != MANIFEST_FORMAT {
        return Err(Reject::Malformed(format!(
            "định dạng manifest {} không được hỗ trợ",
            m.format
        )));
    }
    if m.product != PRODUCT {
        return Err(Reject::WrongProduct(m.product.clone()));
    }
    if m.sha256.len() != 64 || !m.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Reject::Malformed("sha256".into()));
    }
    if m.payload.is_empty() || m.payload.contains(['/', '\\']) || m.payload.starts_with('.') {
        return Err(Reject::Malformed("tên tệp trong gói".into()));
    }
    if m.epoch < now.epoch {
        return Err(Reject::OlderEpoch {
            found: m.epoch,
            current: now.epoch,
        });
    }
    match m.kind {
        BundleKind::App => {
            if m.arch != now.arch {
                return Err(Reject::WrongArch {
                    found: m.arch.clone(),
                    expected: now.arch.clone(),
                });
            }
            let new = version(&m.version, "version")?;
            let cur = version(&now.version, "installed")?;
            if new <= cur {
                return Err(Reject::Downgrade {
                    found: m.version.clone(),
                    installed: now.version.clone(),
                });
            }
            if let Some(min) = &m.min_from {
                if cur < version(min, "min_from")? {
                    return Err(Reject::TooOldToUpgrade {
                        installed: now.version.clone(),
                        min_from: min.clone(),
                    });
                }
            }
            if let Some(f) = m.db_format {
                if f < now.db_format {
                    return Err(Reject::DbFormatDowngrade {
                        found: f,
                        current: now.db_format,
                    });
                }
            }
        }
        _ => {
            if m.arch != "all" && m.arch != now.arch {
                return Err(Reject::WrongArch {
                    found: m.arch.clone(),
                    expected: now.arch.clone(),
                });
            }
            // Data versions are labels: the epoch orders them; the same label twice is a
            // replay of what is already applied.
            if m.epoch == now.epoch && now.data_version.as_deref() == Some(m.version.as_str()) {
                return Err(Reject::Downgrade {
                    found: m.version.clone(),
                    installed: m.version.clone(),
                });
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Apply and roll back: the root helper's journal.
// ---------------------------------------------------------------------------------------

/// Where an application stands. Written to the journal *before* each step, so a crash
/// (power cut, OOM) leaves a phase that says what to undo on the next start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Bundle re-verified; nothing changed yet.
    Verified,
    /// Service stopped, database being copied.
    Snapshotting,
    /// The new package is being installed.
    Installing,
    /// Installed and started; waiting for it to report healthy.
    Checking,
    /// Putting the old package and the snapshot back.
    RollingBack,
    /// Finished: the new version runs.
    Done,
    /// Finished: the old version runs again.
    RolledBack,
    /// Finished: rollback itself failed; a person must look (the journal says what).
    Failed,
}

impl Phase {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Phase::Done | Phase::RolledBack | Phase::Failed | Phase::Verified
        )
    }
}

/// What the helper does on start when it finds the journal in `phase` (a previous run
/// died there): nothing, finish the health check, or roll back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovery {
    Nothing,
    /// The install may have completed: check health; healthy → Done, else roll back.
    CheckHealth,
    RollBack,
}

pub fn recovery_for(phase: Phase) -> Recovery {
    match phase {
        Phase::Done | Phase::RolledBack | Phase::Failed | Phase::Verified => Recovery::Nothing,
        // The database copy may be partial and nothing was installed: the old package
        // is intact; restart it (rollback with the live database, not the partial copy).
        Phase::Snapshotting => Recovery::RollBack,
        Phase::Installing | Phase::RollingBack => Recovery::RollBack,
        Phase::Checking => Recovery::CheckHealth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(kind: BundleKind, version: &str, epoch: u64) -> Manifest {
        Manifest {
            format: 1,
            product: "motcua".into(),
            kind,
            arch: if kind == BundleKind::App {
                "amd64".into()
            } else {
                "all".into()
            },
            version: version.into(),
            epoch,
            min_from: None,
            db_format: Some(1),
            payload: "motcua_0.2.0-1_amd64.deb".into(),
            sha256: "a".repeat(64),
            size: 10,
            created: String::new(),
        }
    }

    fn now() -> Installed {
        Installed {
            version: "0.1.0".into(),
            arch: "amd64".into(),
            epoch: 2,
            db_format: 1,
            data_version: None,
        }
    }

    #[test]
    fn a_newer_app_is_accepted() {
        assert_eq!(judge(&m(BundleKind::App, "0.2.0", 2), &now()), Ok(()));
        assert_eq!(judge(&m(BundleKind::App, "0.1.1", 3), &now()), Ok(()));
    }

    #[test]
    fn every_refusal_has_its_reason() {
        let n = now();
        let r = |mm: Manifest| judge(&mm, &n).unwrap_err().code();
        assert_eq!(r(m(BundleKind::App, "0.1.0", 2)), "downgrade");
        assert_eq!(r(m(BundleKind::App, "0.0.9", 5)), "downgrade");
        assert_eq!(r(m(BundleKind::App, "0.2.0", 1)), "older_epoch");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.product = "other".into();
        assert_eq!(r(x), "wrong_product");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.arch = "arm64".into();
        assert_eq!(r(x), "wrong_arch");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.min_from = Some("0.1.5".into());
        assert_eq!(r(x), "too_old");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.db_format = Some(0);
        assert_eq!(r(x), "db_format_downgrade");
        let mut x = m(BundleKind::App, "zwei", 2);
        assert_eq!(r(x.clone()), "malformed");
        x.version = "0.2.0".into();
        x.payload = "../../etc/passwd".into();
        assert_eq!(r(x), "malformed");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.sha256 = "xyz".into();
        assert_eq!(r(x), "malformed");
        let mut x = m(BundleKind::App, "0.2.0", 2);
        x.format = 9;
        assert_eq!(r(x), "malformed");
    }

    #[test]
    fn data_bundles_are_ordered_by_epoch() {
        let mut n = now();
        assert_eq!(judge(&m(BundleKind::Catalogue, "2026-12", 2), &n), Ok(()));
        n.data_version = Some("2026-12".into());
        assert_eq!(
            judge(&m(BundleKind::Catalogue, "2026-12", 2), &n)
                .unwrap_err()
                .code(),
            "downgrade"
        );
        assert_eq!(
            judge(&m(BundleKind::Catalogue, "2026-11", 1), &n)
                .unwrap_err()
                .code(),
            "older_epoch"
        );
        assert_eq!(judge(&m(BundleKind::Catalogue, "2027-01", 3), &n), Ok(()));
    }

    #[test]
    fn recovery_after_a_crash_in_each_phase() {
        assert_eq!(recovery_for(Phase::Installing), Recovery::RollBack);
        assert_eq!(recovery_for(Phase::Snapshotting), Recovery::RollBack);
        assert_eq!(recovery_for(Phase::Checking), Recovery::CheckHealth);
        assert_eq!(recovery_for(Phase::RollingBack), Recovery::RollBack);
        for p in [
            Phase::Done,
            Phase::RolledBack,
            Phase::Failed,
            Phase::Verified,
        ] {
            assert_eq!(recovery_for(p), Recovery::Nothing);
            assert!(p.is_final());
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn json_value() -> impl Strategy<Value = serde_json::Value> {
            let leaf = prop_oneof![
                Just(serde_json::Value::Null),
                any::<bool>().prop_map(serde_json::Value::from),
                any::<i64>().prop_map(serde_json::Value::from),
                "\\PC{0,20}".prop_map(serde_json::Value::from),
            ];
            leaf.prop_recursive(3, 24, 6, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                    prop::collection::btree_map(
                        prop::sample::select(vec![
                            "format",
                            "product",
                            "kind",
                            "arch",
                            "version",
                            "epoch",
                            "min_from",
                            "db_format",
                            "payload",
                            "sha256",
                            "size",
                            "created",
                            "x",
                        ])
                        .prop_map(str::to_string),
                        inner,
                        0..13,
                    )
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Any JSON in the manifest's place is read or refused; what reads is judged
            /// without panicking, and survives a round trip.
            #[test]
            fn any_manifest_json(v in json_value()) {
                if let Ok(m) = serde_json::from_value::<Manifest>(v) {
                    let _ = judge(&m, &now());
                    let back: Manifest = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
                    prop_assert_eq!(back, m);
                }
            }

            /// Versions and epochs of any shape: an older or equal version, or a lower
            /// epoch, is never accepted.
            #[test]
            fn never_backwards(major in 0u32..3, minor in 0u32..12, patch in 0u32..12, epoch in 0u64..5, junk in "[0-9a-z.~+-]{0,12}") {
                let version = format!("{major}.{minor}.{patch}");
                let r = judge(&m(BundleKind::App, &version, epoch), &now());
                let newer = (major, minor, patch) > (0, 1, 0);
                if r.is_ok() {
                    prop_assert!(newer && epoch >= now().epoch, "accepted {version} epoch {epoch}");
                }
                let _ = judge(&m(BundleKind::App, &junk, epoch), &now());
            }
        }
    }
}
