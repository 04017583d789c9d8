//! The center's signers (domain::signer): district IT sets up each competent person's
//! certificate and the organisation's on the page *Chữ ký số của trung tâm*, from a USB
//! token, a PKCS#12 key file or a remote signing account. The certificate is read once
//! at setup (a key file's password, or a token's PIN when the token hides its
//! certificate, is used for that read and forgotten) and must lead to a pinned root:
//! a signer the verifier would call *Không xác định* is refused at setup, not at the
//! desk. Setups live in the database (meta `signers`, in backups); key files in
//! `<data>/signing/keys/` (0600, in no backup: a backup carried off must not carry the
//! seal).
//!
//! At signing, [`Services::open_signer`] opens a setup's key with the secret typed at
//! the desk — never stored, never logged, never retried (a token locks itself after a
//! few wrong PINs).

use serde::Serialize;

use super::{Result, ServiceError, Services};
use crate::domain::center::Role;
use crate::domain::signer::{self, KeySource, SetupForm, SignerSetup, ORGANISATION};
use crate::events::{Actor, EventKind};
use crate::sign::Signer;

const SETUPS: &str = "signers";

/// Largest key file accepted (a PKCS#12 with a chain is a few KB).
pub const MAX_KEY_FILE: usize = 256 * 1024;

/// Who signs a document here: the competent person's setup and the organisation's.
#[derive(Debug, Clone, Serialize)]
pub struct SigningPlan {
    pub person: SignerSetup,
    pub organisation: SignerSetup,
}

impl SigningPlan {
    /// The person's signature image and the seal's, as set up (drawn ones when `None`).
    pub fn images(&self) -> [Option<std::sync::Arc<Vec<u8>>>; 2] {
        [
            self.person.image.clone().map(std::sync::Arc::new),
            self.organisation.image.clone().map(std::sync::Arc::new),
        ]
    }
}

/// The secrets typed at the desk for one signing (PIN or key-file password), each for
/// the setup that asks for it. Never kept, never serialized.
#[derive(Default, Clone)]
pub struct DeskSecrets {
    pub person: Option<String>,
    pub organisation: Option<String>,
}

impl std::fmt::Debug for DeskSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DeskSecrets(***)")
    }
}

fn missing_secret(s: &SignerSetup) -> ServiceError {
    ServiceError::Invalid(if s.is_organisation() {
        format!(
            "Nhập {} của chữ ký số cơ quan ({}): văn thư giữ",
            s.source.secret_prompt().to_lowercase(),
            s.name
        )
    } else {
        format!(
            "Nhập {} của {}",
            s.source.secret_prompt().to_lowercase(),
            s.name
        )
    })
}

impl Services {
    /// Every signer set up here (the demo's own when the demo made its PKI).
    pub fn signer_setups(&self) -> Result<Vec<SignerSetup>> {
        Ok(self
            .store
            .read()?
            .meta::<Vec<SignerSetup>>(SETUPS)?
            .unwrap_or_default())
    }

    fn keys_dir(&self) -> Result<std::path::PathBuf> {
        Ok(self.data_dir()?.join("signing").join("keys"))
    }

    /// Who would sign for `actor`, and with the organisation's setup — or why nobody can.
    pub fn signing_plan(&self, actor: &Actor) -> Result<SigningPlan> {
        let setups = self.signer_setups()?;
        let display = self
            .users()?
            .into_iter()
            .find(|u| u.username == actor.name)
            .map(|u| u.display_name)
            .unwrap_or_default();
        let person = signer::signer_for(&setups, &actor.name, &display)
            .cloned()
            .ok_or_else(|| {
                ServiceError::Invalid(if setups.is_empty() {
                    "Chưa cài chữ ký số cho trung tâm (USB ký số, tệp khóa hoặc ký số từ xa): liên hệ cán bộ CNTT huyện".into()
                } else {
                    "Tài khoản này chưa được cài chữ ký số: cán bộ CNTT cài ở trang Chữ ký số của trung tâm".into()
                })
            })?;
        let organisation = signer::organisation(&setups).cloned().ok_or_else(|| {
            ServiceError::Invalid(
                "Chưa cài chữ ký số của cơ quan (con dấu số): cán bộ CNTT cài ở trang Chữ ký số của trung tâm".into(),
            )
        })?;
        let now = self.clock.now();
        person.usable_at(now).map_err(ServiceError::Invalid)?;
        organisation.usable_at(now).map_err(ServiceError::Invalid)?;
        Ok(SigningPlan {
            person,
            organisation,
        })
    }

    /// A setup's key, opened with the secret typed at the desk.
    pub(super) fn open_signer(
        &self,
        setup: &SignerSetup,
        secret: Option<&str>,
    ) -> Result<Box<dyn Signer>> {
        let secret = || {
            secret
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing_secret(setup))
        };
        match &setup.source {
            KeySource::Demo { index } => Ok(Box::new(self.demo_signer(*index)?)),
            KeySource::KeyFile => {
                let path = self
                    .keys_dir()?
                    .join(format!("{}.p12", key_name(&setup.id)?));
                let bytes = std::fs::read(&path).map_err(|_| {
                    ServiceError::Invalid(format!(
                        "Không thấy tệp khóa của {} trên máy: cài lại chữ ký số",
                        setup.name
                    ))
                })?;
                let kf = crate::sign::keyfile::read(&bytes, secret()?)
                    .map_err(|e| ServiceError::Invalid(e.to_string()))?;
                let key = crate::sign::SoftKey::from_pkcs8(
                    &kf.pkcs8,
                    setup.certificate.clone(),
                    setup.chain.clone(),
                )
                .map_err(ServiceError::Invalid)?;
                Ok(Box::new(key))
            }
            KeySource::Token {
                module,
                token,
                key_label,
            } => {
                let t = crate::sign::token::TokenSigner::open(
                    module,
                    token,
                    secret()?,
                    key_label,
                    setup.chain.clone(),
                )
                .map_err(ServiceError::Invalid)?;
                if t.certificate() != setup.certificate.as_slice() {
                    return Err(ServiceError::Invalid(format!(
                        "USB ký số đang cắm không phải của {} (chứng thư khác với chứng thư đã cài)",
                        setup.name
                    )));
                }
                Ok(Box::new(t))
            }
            KeySource::Remote { .. } => Err(ServiceError::Invalid(
                "Chữ ký số từ xa được ký qua yêu cầu chờ xác nhận trên điện thoại".into(),
            )),
        }
    }

    /// Sets up a signer from a PKCS#12 key file (`password` opens it once, to read the
    /// certificate and check the key; it is not kept).
    pub fn signer_setup_key_file(
        &self,
        actor: &Actor,
        form: &SetupForm,
        p12: &[u8],
        password: &str,
    ) -> Result<SignerSetup> {
        let source = self.checked_setup_form(form)?;
        if p12.is_empty() {
            return Err(ServiceError::Invalid(
                "Chọn tệp khóa (.p12 hoặc .pfx) do tổ chức chứng thực cấp".into(),
            ));
        }
        if p12.len() > MAX_KEY_FILE {
            return Err(ServiceError::Invalid(
                "Tệp quá lớn để là tệp khóa (.p12): kiểm tra lại tệp".into(),
            ));
        }
        let kf = crate::sign::keyfile::read(p12, password)
            .map_err(|e| ServiceError::Invalid(e.to_string()))?;
        // The key must fit the certificate: sign and check once.
        let probe = crate::sign::SoftKey::from_pkcs8(&kf.pkcs8, kf.certificate.clone(), vec![])
            .map_err(ServiceError::Invalid)?;
        crate::sign::check_key_matches(&probe).map_err(ServiceError::Invalid)?;
        let setup =
            self.setup_from_certificate(actor, form, source, &kf.certificate, &kf.others)?;
        // Written beside the kept one first, switched in only once the setup is saved: a
        // failed save leaves the old key with its old certificate.
        let dir = self.keys_dir()?;
        let io = |e: std::io::Error| ServiceError::Internal(format!("key file: {e}"));
        {
            use std::os::unix::fs::DirBuilderExt;
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(&dir)
                .map_err(io)?;
        }
        let fresh = dir.join(format!("{}.p12.new", key_name(&setup.id)?));
        super::write_private(&fresh, p12).map_err(io)?;
        match self.save_signer_setup(actor, setup) {
            Ok(s) => {
                std::fs::rename(&fresh, dir.join(format!("{}.p12", key_name(&s.id)?)))
                    .map_err(io)?;
                Ok(s)
            }
            Err(e) => {
                let _ = std::fs::remove_file(&fresh);
                Err(e)
            }
        }
    }

    /// Sets up a signer from a USB token: the certificate read from it (with the PIN only
    /// when the token shows nothing without it).
    pub fn signer_setup_token(
        &self,
        actor: &Actor,
        form: &SetupForm,
        pin: Option<&str>,
        chain: &[Vec<u8>],
    ) -> Result<SignerSetup> {
        let source = self.checked_setup_form(form)?;
        let KeySource::Token {
            module,
            token,
            key_label,
        } = &source
        else {
            return Err(ServiceError::Invalid("Chọn USB ký số".into()));
        };
        let cert = crate::sign::token::read_certificate(
            module,
            token,
            key_label,
            pin.filter(|p| !p.is_empty()),
        )
        .map_err(ServiceError::Invalid)?;
        let setup = self.setup_from_certificate(actor, form, source.clone(), &cert, chain)?;
        self.save_signer_setup(actor, setup)
    }

    /// Removes a setup (its key file too). Documents it signed stay signed.
    pub fn signer_remove(&self, actor: &Actor, id: &str) -> Result<()> {
        let mut removed = None;
        self.run(actor, |tx, _| {
            let mut all: Vec<SignerSetup> = tx.meta(SETUPS)?.unwrap_or_default();
            let Some(i) = all.iter().position(|s| s.id == id) else {
                return Err(ServiceError::NotFound("chữ ký số"));
            };
            let s = all.remove(i);
            tx.put_meta(SETUPS, &all)?;
            tx.emit(EventKind::SettingsChanged {
                what: format!("signer gỡ chữ ký số của {}", s.name),
            });
            removed = Some(s);
            Ok(())
        })?;
        if let Some(s) = removed.filter(|s| s.source == KeySource::KeyFile) {
            let _ =
                std::fs::remove_file(self.keys_dir()?.join(format!("{}.p12", key_name(&s.id)?)));
        }
        Ok(())
    }

    pub(super) fn checked_setup_form(&self, form: &SetupForm) -> Result<KeySource> {
        let source = signer::check_form(form).map_err(|errs| {
            ServiceError::Invalid(
                errs.into_iter()
                    .map(|(_, m)| m)
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        if form.id != ORGANISATION {
            let user = self
                .users()?
                .into_iter()
                .find(|u| u.username == form.id)
                .ok_or(ServiceError::NotFound("tài khoản người ký"))?;
            if !matches!(user.role, Role::Leader | Role::Admin) {
                return Err(ServiceError::Invalid(format!(
                    "{} không phải lãnh đạo: chỉ chủ tịch, phó chủ tịch (vai trò Lãnh đạo) ký kết quả và bản sao",
                    user.display_name
                )));
            }
        }
        Ok(source)
    }

    /// The setup a certificate makes, refused unless it can sign now and leads to a
    /// pinned root.
    pub(super) fn setup_from_certificate(
        &self,
        actor: &Actor,
        form: &SetupForm,
        source: KeySource,
        cert: &[u8],
        others: &[Vec<u8>],
    ) -> Result<SignerSetup> {
        let info = crate::sign::CertInfo::read(cert).map_err(ServiceError::Invalid)?;
        let now = self.clock.now();
        let trust = self.trust_store()?;
        let pool: Vec<Vec<u8>> = others
            .iter()
            .cloned()
            .chain(trust.intermediates())
            .collect();
        let chain = crate::sign::chain_for(cert, &pool, &trust.roots()).ok_or_else(|| {
            ServiceError::Invalid(format!(
                "Chứng thư của «{}» do «{}» cấp không dẫn tới tổ chức chứng thực tin cậy đã ghim trên máy: cán bộ CNTT huyện cài gói chứng thư tin cậy (trang Quản trị, mục Cập nhật) rồi cài lại",
                info.name, info.issuer
            ))
        })?;
        let setup = SignerSetup {
            id: form.id.trim().to_string(),
            name: info.name,
            organisation: info.organisation,
            title: if form.id == ORGANISATION {
                String::new()
            } else {
                form.title.trim().to_uppercase()
            },
            source,
            certificate: cert.to_vec(),
            chain,
            not_before: info.not_before,
            not_after: info.not_after,
            fingerprint: info.fingerprint,
            added_by: actor.name.clone(),
            added_at: now,
            image: checked_image(&form.image)?,
        };
        setup.usable_at(now).map_err(ServiceError::Invalid)?;
        Ok(setup)
    }

    pub(super) fn save_signer_setup(
        &self,
        actor: &Actor,
        setup: SignerSetup,
    ) -> Result<SignerSetup> {
        let replaced = self.run(actor, |tx, _| {
            let mut all: Vec<SignerSetup> = tx.meta(SETUPS)?.unwrap_or_default();
            let replaced = all.iter().find(|s| s.id == setup.id).cloned();
            all.retain(|s| s.id != setup.id);
            all.push(setup.clone());
            all.sort_by_key(|s| (!s.is_organisation(), s.id.clone()));
            tx.put_meta(SETUPS, &all)?;
            tx.emit(EventKind::SettingsChanged {
                what: format!(
                    "signer cài chữ ký số của {} ({}), chứng thư SHA-256 {}…",
                    setup.name,
                    setup.source.label(),
                    &setup.fingerprint[..16.min(setup.fingerprint.len())]
                ),
            });
            Ok(replaced)
        })?;
        // A key file the new setup no longer uses does not stay behind.
        if replaced.is_some_and(|r| r.source == KeySource::KeyFile)
            && setup.source != KeySource::KeyFile
        {
            let _ = std::fs::remove_file(
                self.keys_dir()?
                    .join(format!("{}.p12", key_name(&setup.id)?)),
            );
        }
        Ok(setup)
    }

    /// The demo's PKI as setups (the organisation and its two officials), written once.
    pub(super) fn demo_setups(&self, pki: &crate::sign::DemoPki) -> Result<()> {
        if !self.signer_setups()?.is_empty() {
            return Ok(());
        }
        let now = self.clock.now();
        let mut all = Vec::new();
        for (i, (_, _, cert)) in pki.holders.iter().enumerate() {
            let info = crate::sign::CertInfo::read(cert).map_err(ServiceError::Invalid)?;
            all.push(SignerSetup {
                id: if i == 0 {
                    ORGANISATION.to_string()
                } else {
                    format!("demo-{i}")
                },
                name: info.name,
                organisation: info.organisation,
                title: match i {
                    0 => String::new(),
                    1 => "CHỦ TỊCH".into(),
                    _ => "PHÓ CHỦ TỊCH".into(),
                },
                source: KeySource::Demo { index: i },
                certificate: cert.clone(),
                chain: vec![pki.root_der.clone()],
                not_before: info.not_before,
                not_after: info.not_after,
                fingerprint: info.fingerprint,
                added_by: "demo".into(),
                added_at: now,
                image: None,
            });
        }
        self.run(&Actor::system(), |tx, _| {
            tx.put_meta(SETUPS, &all)?;
            Ok(())
        })
    }
}

/// The signature's or seal's image sent with a setup: a PNG the appearance can use
/// (checked now, not at the first signing), at most 512 KB.
fn checked_image(b64: &str) -> Result<Option<Vec<u8>>> {
    use base64::Engine;
    if b64.trim().is_empty() {
        return Ok(None);
    }
    let png = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|_| {
            ServiceError::Invalid("Ảnh chữ ký/con dấu gửi lên bị hỏng; chọn lại tệp".into())
        })?;
    if png.len() > 512 * 1024 {
        return Err(ServiceError::Invalid(
            "Ảnh chữ ký/con dấu quá lớn (tối đa 512 KB)".into(),
        ));
    }
    crate::sign::appearance::png_image(&png, &mut crate::sign::appearance::Objects::new(1))
        .map_err(ServiceError::Invalid)?;
    Ok(Some(png))
}

/// A setup id as a file name: a user name (letters, digits, `.`, `-`, `_`) or the
/// organisation's — checked here too, where the key's path is made.
fn key_name(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if ok {
        Ok(id)
    } else {
        Err(ServiceError::Invalid("Tên người ký không hợp lệ".into()))
    }
}

/// A setup as the page and the API show it (no key material, no secret).
#[derive(Debug, Clone, Serialize)]
pub struct SetupView {
    pub id: String,
    /// Who the setup is for: the user's display name, or "Cơ quan".
    pub holder: String,
    pub name: String,
    pub organisation: String,
    pub title: String,
    pub kind: String,
    pub source: String,
    pub detail: String,
    pub issuer: String,
    pub valid_from: String,
    pub valid_to: String,
    pub days_left: i64,
    /// "het_han", "sap_het_han", "con_han".
    pub state: &'static str,
    pub fingerprint: String,
    /// Its own signature or seal image is set up (else a drawn one).
    pub has_image: bool,
}

/// The signer setup page's whole view: the setups, who may be given one, the trust store.
#[derive(Debug, Clone, Serialize)]
pub struct SignersView {
    pub setups: Vec<SetupView>,
    /// (user name, display name) of leaders and admins with no setup yet.
    pub candidates: Vec<(String, String)>,
    pub has_organisation: bool,
    pub trust: Vec<crate::sign::trust::TrustEntry>,
    pub remote_configured: bool,
    /// The remote signing service's address and account (no password).
    pub remote_url: String,
    pub remote_sp_id: String,
    pub remote_has_password: bool,
    /// The timestamping authority ("" = none).
    pub tsa_url: String,
}

impl Services {
    pub fn signers_view(&self) -> Result<SignersView> {
        let now = self.clock.now();
        let setups = self.signer_setups()?;
        let users = self.users()?;
        let day = |t: chrono::DateTime<chrono::Utc>| {
            crate::domain::time::local_day(t)
                .format("%d/%m/%Y")
                .to_string()
        };
        let views = setups
            .iter()
            .map(|s| {
                let left = s.days_left(now);
                SetupView {
                    id: s.id.clone(),
                    holder: if s.is_organisation() {
                        "Cơ quan (con dấu số)".into()
                    } else if matches!(s.source, KeySource::Demo { .. }) {
                        format!("{} (người ký thử của bản demo)", s.name)
                    } else {
                        users
                            .iter()
                            .find(|u| u.username == s.id)
                            .map(|u| u.display_name.clone())
                            .unwrap_or_else(|| s.id.clone())
                    },
                    name: s.name.clone(),
                    organisation: s.organisation.clone(),
                    title: s.title.clone(),
                    kind: match s.source {
                        KeySource::Token { .. } => "token",
                        KeySource::KeyFile => "key_file",
                        KeySource::Remote { .. } => "remote",
                        KeySource::Demo { .. } => "demo",
                    }
                    .into(),
                    source: s.source.label().into(),
                    detail: match &s.source {
                        KeySource::Token {
                            module,
                            token,
                            key_label,
                        } => format!("{module} · token «{token}» · khóa «{key_label}»"),
                        KeySource::Remote { user_id } => format!("tài khoản {user_id}"),
                        _ => String::new(),
                    },
                    issuer: crate::sign::CertInfo::read(&s.certificate)
                        .map(|i| i.issuer)
                        .unwrap_or_default(),
                    valid_from: day(s.not_before),
                    valid_to: day(s.not_after),
                    days_left: left,
                    state: if left < 0 {
                        "het_han"
                    } else if left <= signer::EXPIRY_WARNING_DAYS {
                        "sap_het_han"
                    } else {
                        "con_han"
                    },
                    fingerprint: s.fingerprint.clone(),
                    has_image: s.image.is_some(),
                }
            })
            .collect();
        // Everyone who may sign, those already set up too: a renewed certificate is set
        // up again over the old one.
        let candidates = users
            .iter()
            .filter(|u| matches!(u.role, Role::Leader | Role::Admin) && !u.disabled)
            .map(|u| {
                let again = if setups.iter().any(|s| s.id == u.username) {
                    " — đã cài, cài lại khi gia hạn"
                } else {
                    ""
                };
                (u.username.clone(), format!("{}{again}", u.display_name))
            })
            .collect();
        let (remote, remote_has_password) = self.remote_config()?;
        let mut trust = self.trust_store()?.entries;
        trust.sort_by_key(|e| (!e.root, e.name.clone()));
        Ok(SignersView {
            setups: views,
            candidates,
            has_organisation: signer::organisation(&setups).is_some(),
            trust,
            remote_configured: self.remote_signing_configured(),
            remote_url: remote.url,
            remote_sp_id: remote.sp_id,
            remote_has_password,
            tsa_url: self.tsa_url()?,
        })
    }
}
