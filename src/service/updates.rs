//! Signed bundles received by the server (admin upload or the district pull). Every
//! bundle is verified here with the same checks the root helper runs. An app bundle
//! only goes into the inbox, where a systemd path unit starts the root helper
//! (`motcua update apply`). Data bundles are applied right here: the procedure
//! catalogue, the working calendar, voice clips and trusted keys. The server itself never
//! installs software.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Result, ServiceError, Services};
use crate::domain::update::{BundleKind, Installed, Reject};
use crate::events::Actor;
use crate::update::apply::{append_history, read_history, read_json, AppState, HistoryLine, Paths};
use crate::update::bundle::{open_bundle, parse_public_key, TrustStore, Verified};

/// Where update files live; set by the app from the config.
#[derive(Debug, Clone)]
pub struct UpdateDirs {
    pub data_dir: PathBuf,
    pub shipped_keys: PathBuf,
}

impl UpdateDirs {
    fn paths(&self) -> Paths {
        Paths::new(&self.data_dir)
    }
    fn data_state(&self) -> PathBuf {
        self.paths().root.join("data-state.json")
    }
    fn data_history(&self) -> PathBuf {
        self.paths().root.join("data-history.jsonl")
    }
    pub fn rotated_keys(&self) -> PathBuf {
        self.data_dir.join("keys")
    }
    pub fn trust(&self) -> TrustStore {
        TrustStore::load(&self.shipped_keys, &self.rotated_keys())
    }
}

/// Anti-rollback state of data bundles, per kind.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DataState {
    pub kinds: BTreeMap<String, KindState>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KindState {
    pub epoch: u64,
    pub version: String,
}

fn kind_key(k: BundleKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// What happened to a received bundle.
#[derive(Debug, Clone, Serialize)]
pub struct Received {
    pub kind: BundleKind,
    pub version: String,
    pub signer: String,
    /// `queued` (app: the helper installs it) or `applied` (data).
    pub result: &'static str,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateStatus {
    pub version: &'static str,
    pub arch: &'static str,
    pub trusted_keys: Vec<String>,
    pub app_epoch: u64,
    pub pending: Vec<String>,
    /// Phase of the last app update (`done`, `rolled_back`, `failed`, or one in progress).
    pub last_phase: Option<crate::domain::update::Phase>,
    pub history: Vec<HistoryLine>,
}

impl Services {
    fn update_dirs(&self) -> Result<&UpdateDirs> {
        self.updates
            .as_ref()
            .ok_or_else(|| ServiceError::Device("Cập nhật chưa được cấu hình".into()))
    }

    fn installed_for(dirs: &UpdateDirs, kind: BundleKind) -> Installed {
        let version = env!("CARGO_PKG_VERSION").to_string();
        let arch = crate::update::deb_arch().to_string();
        let db_format = crate::store::SCHEMA_VERSION;
        match kind {
            BundleKind::App => {
                let st: AppState = read_json(&dirs.paths().state()).unwrap_or_default();
                Installed {
                    version,
                    arch,
                    epoch: st.epoch,
                    db_format,
                    data_version: None,
                }
            }
            k => {
                let st: DataState = read_json(&dirs.data_state()).unwrap_or_default();
                let ks = st.kinds.get(&kind_key(k)).cloned().unwrap_or_default();
                Installed {
                    version,
                    arch,
                    epoch: ks.epoch,
                    db_format,
                    data_version: (!ks.version.is_empty()).then_some(ks.version),
                }
            }
        }
    }

    /// Verifies a bundle without acting on it.
    pub fn verify_bundle(&self, bytes: &[u8]) -> std::result::Result<Verified, Reject> {
        let dirs = self
            .update_dirs()
            .map_err(|e| Reject::Malformed(e.to_string()))?;
        verify_in(dirs, bytes)
    }

    /// Verifies and then queues or applies a bundle. A refusal is recorded in the history
    /// and returned with its reason; nothing else changes.
    pub fn receive_bundle(&self, actor: &Actor, bytes: &[u8]) -> Result<Received> {
        let dirs = self.update_dirs()?.clone();
        let now = self.clock.now();
        let v = match self.verify_bundle(bytes) {
            Ok(v) => v,
            Err(r) => {
                // "Already have it" (the district pull sees it every few hours) is not news.
                if matches!(r, Reject::Downgrade { .. } | Reject::OlderEpoch { .. }) {
                    return Err(ServiceError::Update(r));
                }
                append_history(
                    &dirs.data_history(),
                    &HistoryLine {
                        at: now,
                        kind: BundleKind::App,
                        version: "?".into(),
                        result: "refused".into(),
                        message: r.to_string(),
                    },
                );
                return Err(ServiceError::Update(r));
            }
        };
        let m = &v.manifest;
        let (result, message) = match m.kind {
            BundleKind::App => {
                let inbox = dirs.paths().inbox();
                let name = format!(
                    "{:020}-{}.mcu",
                    m.epoch,
                    m.version.replace(['/', '\\'], "_")
                );
                write_atomic(&inbox, &name, bytes).map_err(ServiceError::Device)?;
                (
                    "queued",
                    format!(
                        "Đã nhận bản {}; trình cập nhật sẽ cài, kiểm tra và tự quay lại nếu lỗi",
                        m.version
                    ),
                )
            }
            BundleKind::Catalogue => {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Doc {
                    Document {
                        procedures: Vec<crate::domain::dossier::ProcedureSnapshot>,
                    },
                    List(Vec<crate::domain::dossier::ProcedureSnapshot>),
                }
                let list = match serde_json::from_slice::<Doc>(&v.payload)
                    .map_err(|e| ServiceError::Invalid(format!("Danh mục trong gói: {e}")))?
                {
                    Doc::Document { procedures } | Doc::List(procedures) => procedures,
                };
                let (c, changed) = self.import_catalogue(actor, list)?;
                (
                    "applied",
                    format!(
                        "Danh mục phiên bản {} ({changed} thủ tục thay đổi)",
                        c.version
                    ),
                )
            }
            BundleKind::Calendar => {
                let cal = serde_json::from_slice(&v.payload)
                    .map_err(|e| ServiceError::Invalid(format!("Lịch trong gói: {e}")))?;
                let cal = self.save_calendar(actor, cal)?;
                ("applied", format!("Lịch làm việc {}", cal.version))
            }
            BundleKind::Voice => {
                let n = install_voice(&dirs.data_dir, &v.payload).map_err(ServiceError::Invalid)?;
                self.audit_setting(actor, &format!("voice {}", m.version))?;
                ("applied", format!("{n} đoạn giọng đọc"))
            }
            BundleKind::Trust => {
                let (roots, others, distrusted) =
                    super::signing::install_trust_bundle(&dirs.data_dir, &v.payload)
                        .map_err(ServiceError::Invalid)?;
                self.audit_setting(actor, &format!("trust {}", m.version))?;
                (
                    "applied",
                    format!(
                        "{roots} chứng thư gốc, {others} chứng thư trung gian{}",
                        if distrusted > 0 {
                            format!(", thôi tin {distrusted} chứng thư đi kèm")
                        } else {
                            String::new()
                        }
                    ),
                )
            }
            BundleKind::Keys => {
                let n = install_keys(&dirs.rotated_keys(), &v.payload)
                    .map_err(ServiceError::Invalid)?;
                self.audit_setting(actor, &format!("trusted keys {}", m.version))?;
                ("applied", format!("{n} khoá tin cậy thay cho bộ cũ"))
            }
        };
        if m.kind != BundleKind::App {
            let mut st: DataState = read_json(&dirs.data_state()).unwrap_or_default();
            st.kinds.insert(
                kind_key(m.kind),
                KindState {
                    epoch: m.epoch,
                    version: m.version.clone(),
                },
            );
            let data =
                serde_json::to_vec_pretty(&st).map_err(|e| ServiceError::Device(e.to_string()))?;
            write_atomic(&dirs.paths().root, "data-state.json", &data)
                .map_err(ServiceError::Device)?;
        }
        append_history(
            &dirs.data_history(),
            &HistoryLine {
                at: now,
                kind: m.kind,
                version: m.version.clone(),
                result: result.into(),
                message: message.clone(),
            },
        );
        Ok(Received {
            kind: m.kind,
            version: m.version.clone(),
            signer: v.signer.clone(),
            result,
            message,
        })
    }

    fn audit_setting(&self, actor: &Actor, what: &str) -> Result<()> {
        self.run(actor, |tx, _| {
            tx.emit(crate::events::EventKind::SettingsChanged { what: what.into() });
            Ok(())
        })
    }

    pub fn update_status(&self) -> Result<UpdateStatus> {
        let dirs = self.update_dirs()?;
        let p = dirs.paths();
        let st: AppState = read_json(&p.state()).unwrap_or_default();
        let journal: Option<crate::update::apply::Journal> =
            read_json(&p.root.join("journal.json"));
        let mut history = read_history(&p.history(), 30);
        history.extend(read_history(&dirs.data_history(), 30));
        // Newest first; among equal times, the later line first.
        history.reverse();
        history.sort_by_key(|h| std::cmp::Reverse(h.at));
        history.truncate(30);
        let mut pending: Vec<String> = std::fs::read_dir(p.inbox())
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().to_string())
                    .filter(|n| n.ends_with(".mcu"))
                    .collect()
            })
            .unwrap_or_default();
        pending.sort();
        Ok(UpdateStatus {
            version: env!("CARGO_PKG_VERSION"),
            arch: crate::update::deb_arch(),
            trusted_keys: dirs.trust().describe(),
            app_epoch: st.epoch,
            pending,
            last_phase: journal.map(|j| j.phase),
            history,
        })
    }
}

/// The appliance's whole acceptance check (what `motcua update verify` runs).
pub fn verify_in(dirs: &UpdateDirs, bytes: &[u8]) -> std::result::Result<Verified, Reject> {
    open_bundle(bytes, &dirs.trust(), |m| {
        Services::installed_for(dirs, m.kind)
    })
}

fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::result::Result<(), String> {
    use std::io::Write;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
        f.write_all(bytes).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
    }
    std::fs::rename(&tmp, dir.join(name)).map_err(|e| e.to_string())
}

fn safe_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() < 100
        && !n.starts_with('.')
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// A voice bundle's payload is a tar of `clips.tsv` and WAV files; it replaces
/// `<data>/voice/` as a whole (unpacked beside it, then swapped).
fn install_voice(data_dir: &Path, tar_bytes: &[u8]) -> std::result::Result<usize, String> {
    let staging = data_dir.join(".voice.new");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    let mut ar = tar::Archive::new(tar_bytes);
    let mut n = 0;
    let mut has_index = false;
    for e in ar.entries().map_err(|e| e.to_string())? {
        let mut e = e.map_err(|e| e.to_string())?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .to_string();
        if !safe_name(&name) || !(name.ends_with(".wav") || name == "clips.tsv") {
            return Err(format!("tệp không được phép trong gói giọng đọc: {name}"));
        }
        let mut data = Vec::new();
        e.by_ref()
            .take(20 * 1024 * 1024)
            .read_to_end(&mut data)
            .map_err(|e| e.to_string())?;
        std::fs::write(staging.join(&name), &data).map_err(|e| e.to_string())?;
        has_index |= name == "clips.tsv";
        n += usize::from(name.ends_with(".wav"));
    }
    if !has_index {
        return Err("gói giọng đọc thiếu clips.tsv".into());
    }
    let live = data_dir.join("voice");
    let old = data_dir.join(".voice.old");
    let _ = std::fs::remove_dir_all(&old);
    if live.exists() {
        std::fs::rename(&live, &old).map_err(|e| e.to_string())?;
    }
    std::fs::rename(&staging, &live).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(n)
}

/// A keys bundle's payload: one or more minisign public keys (whole `.pub` files one after
/// another, or bare base64 lines). They replace the rotated set; the shipped keys are
/// trusted again only if this set is ever emptied by hand.
fn install_keys(dir: &Path, text: &[u8]) -> std::result::Result<usize, String> {
    let text = std::str::from_utf8(text).map_err(|_| "tệp khoá không phải văn bản".to_string())?;
    let keys: Vec<minisign::PublicKey> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("untrusted comment"))
        .map(|l| parse_public_key(l).ok_or_else(|| format!("dòng khoá không đọc được: {l}")))
        .collect::<std::result::Result<_, _>>()?;
    if keys.is_empty() {
        return Err("gói khoá không có khoá nào".into());
    }
    let staging = dir.with_extension("new");
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging).map_err(|e| e.to_string())?;
    for k in &keys {
        let id = crate::update::bundle::key_id(k);
        let body = format!(
            "untrusted comment: minisign public key {id}\n{}\n",
            k.to_base64()
        );
        std::fs::write(staging.join(format!("{id}.pub")), body).map_err(|e| e.to_string())?;
    }
    let old = dir.with_extension("old");
    let _ = std::fs::remove_dir_all(&old);
    if dir.exists() {
        std::fs::rename(dir, &old).map_err(|e| e.to_string())?;
    }
    std::fs::rename(&staging, dir).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&old);
    Ok(keys.len())
}
