//! A signing key on a PKCS#11 token (the USB tokens officials carry; SoftHSM2 in CI): the
//! module path is configuration, the PIN is typed at the desk and never stored, and a
//! wrong PIN is reported at once and never retried by the appliance (the token's own
//! lock counter must not be burned).
//!
//! EC keys are signed with `CKM_ECDSA` over the SHA-256 digest (SoftHSM has no
//! `CKM_ECDSA_SHA256`); the token answers r‖s, which the CMS wants DER-encoded. RSA keys
//! with `CKM_SHA256_RSA_PKCS`.

use std::sync::Mutex;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as P11Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use sha2::{Digest, Sha256};

use super::{KeyKind, Signer};

/// A token fault, in Vietnamese for the signer at the desk.
pub fn describe(e: &P11Error) -> String {
    match e {
        P11Error::LibraryLoading(_) => {
            "Không nạp được thư viện của USB ký số (kiểm tra đường dẫn mô-đun PKCS#11)".into()
        }
        P11Error::Pkcs11(rv, _) => match rv {
            RvError::PinIncorrect => {
                "Sai mã PIN. Hãy nhập lại cẩn thận: token sẽ tự khóa nếu sai nhiều lần".into()
            }
            RvError::PinLocked => {
                "Token đã bị khóa do nhập sai PIN nhiều lần; liên hệ nơi cấp chứng thư".into()
            }
            RvError::PinExpired => "Mã PIN đã hết hạn; đổi PIN bằng phần mềm của token".into(),
            RvError::UserAlreadyLoggedIn | RvError::UserAnotherAlreadyLoggedIn => {
                "USB ký số đang được dùng cho một lần ký khác; chờ giây lát rồi ký lại".into()
            }
            RvError::TokenNotPresent
            | RvError::DeviceRemoved
            | RvError::SessionHandleInvalid
            | RvError::SessionClosed => {
                "Không thấy USB ký số (đã rút ra?); cắm lại rồi ký lại".into()
            }
            other => format!("USB ký số báo lỗi: {other:?}"),
        },
        other => format!("USB ký số báo lỗi: {other}"),
    }
}

pub struct TokenSigner {
    // Kept alive for the session's lifetime.
    _ctx: std::sync::Arc<Pkcs11>,
    session: Mutex<Session>,
    key: ObjectHandle,
    kind: KeyKind,
    cert: Vec<u8>,
    chain: Vec<Vec<u8>>,
}

/// The slot whose token has `label`.
fn slot_of(ctx: &Pkcs11, label: &str) -> Result<cryptoki::slot::Slot, String> {
    for s in ctx.get_slots_with_token().map_err(|e| describe(&e))? {
        if ctx.get_token_info(s).map_err(|e| describe(&e))?.label() == label {
            return Ok(s);
        }
    }
    Err(format!(
        "Không thấy token «{label}» (đã cắm USB ký số chưa?)"
    ))
}

/// The module's context, loaded and initialized once per process: PKCS#11 allows one
/// C_Initialize per module, and the chairman's token and the seal's often share their
/// vendor's module (two desks signing at once too).
fn open(module: &str) -> Result<std::sync::Arc<Pkcs11>, String> {
    use std::collections::HashMap;
    use std::sync::{Arc, OnceLock};
    static LOADED: OnceLock<Mutex<HashMap<String, Arc<Pkcs11>>>> = OnceLock::new();
    let mut loaded = LOADED
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    if let Some(ctx) = loaded.get(module) {
        return Ok(ctx.clone());
    }
    let ctx = Pkcs11::new(module).map_err(|e| describe(&e))?;
    match ctx.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(P11Error::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(describe(&e)),
    }
    let ctx = Arc::new(ctx);
    loaded.insert(module.to_string(), ctx.clone());
    Ok(ctx)
}

fn one(session: &Session, class: ObjectClass, label: &str) -> Result<Option<ObjectHandle>, String> {
    Ok(session
        .find_objects(&[
            Attribute::Class(class),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(|e| describe(&e))?
        .into_iter()
        .next())
}

fn value(session: &Session, h: ObjectHandle, t: AttributeType) -> Result<Vec<u8>, String> {
    for a in session.get_attributes(h, &[t]).map_err(|e| describe(&e))? {
        match a {
            Attribute::Value(v) | Attribute::EcPoint(v) => return Ok(v),
            _ => {}
        }
    }
    Err("token không trả thuộc tính cần".into())
}

impl TokenSigner {
    /// Logs in (once: a wrong PIN comes back as it is) and finds the key and certificate
    /// labelled `label`; `chain` are the certificates above it (kept by the appliance:
    /// many tokens hold only the leaf).
    pub fn open(
        module: &str,
        token: &str,
        pin: &str,
        label: &str,
        chain: Vec<Vec<u8>>,
    ) -> Result<TokenSigner, String> {
        let ctx = open(module)?;
        let slot = slot_of(&ctx, token)?;
        let session = ctx.open_ro_session(slot).map_err(|e| describe(&e))?;
        session
            .login(UserType::User, Some(&AuthPin::from(pin.to_string())))
            .map_err(|e| describe(&e))?;
        let key = one(&session, ObjectClass::PRIVATE_KEY, label)?
            .ok_or_else(|| format!("Token không có khóa «{label}»"))?;
        let cert_h = one(&session, ObjectClass::CERTIFICATE, label)?
            .ok_or_else(|| format!("Token không có chứng thư «{label}»"))?;
        let cert = value(&session, cert_h, AttributeType::Value)?;
        let kind = match session
            .get_attributes(key, &[AttributeType::KeyType])
            .map_err(|e| describe(&e))?
            .into_iter()
            .find_map(|a| match a {
                Attribute::KeyType(k) => Some(k),
                _ => None,
            }) {
            Some(k) if k == KeyType::EC => KeyKind::EcdsaP256,
            Some(k) if k == KeyType::RSA => KeyKind::Rsa,
            _ => return Err("Khóa trên token không phải RSA hoặc ECDSA".into()),
        };
        Ok(TokenSigner {
            _ctx: ctx,
            session: Mutex::new(session),
            key,
            kind,
            cert,
            chain,
        })
    }
}

/// The certificate labelled `label` on the token, read for district IT's setup: without
/// a PIN when the token shows its certificates openly (most do), else after one login
/// with `pin`. With a PIN, a missing key beside it is said too (without one the key is
/// hidden, and the first signing says so).
pub fn read_certificate(
    module: &str,
    token: &str,
    label: &str,
    pin: Option<&str>,
) -> Result<Vec<u8>, String> {
    let ctx = open(module)?;
    let slot = slot_of(&ctx, token)?;
    let session = ctx.open_ro_session(slot).map_err(|e| describe(&e))?;
    if let Some(pin) = pin {
        session
            .login(UserType::User, Some(&AuthPin::from(pin.to_string())))
            .map_err(|e| describe(&e))?;
    }
    let Some(h) = one(&session, ObjectClass::CERTIFICATE, label)? else {
        return Err(if pin.is_none() {
            format!("Không thấy chứng thư «{label}» trên token; nếu token cần PIN để hiện chứng thư, nhập PIN rồi thử lại")
        } else {
            format!("Token không có chứng thư «{label}»")
        });
    };
    let cert = value(&session, h, AttributeType::Value)?;
    if pin.is_some() && one(&session, ObjectClass::PRIVATE_KEY, label)?.is_none() {
        return Err(format!(
            "Token có chứng thư «{label}» nhưng không có khóa cùng nhãn"
        ));
    }
    Ok(cert)
}

/// r‖s (each `n` bytes) → DER `SEQUENCE { INTEGER r, INTEGER s }`.
pub fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    fn int(x: &[u8]) -> Vec<u8> {
        let mut x: Vec<u8> = x.iter().copied().skip_while(|&b| b == 0).collect();
        if x.is_empty() || x[0] & 0x80 != 0 {
            x.insert(0, 0);
        }
        let mut out = vec![0x02, x.len() as u8];
        out.extend(x);
        out
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30];
    if body.len() >= 0x80 {
        out.push(0x81);
    }
    out.push(body.len() as u8);
    out.extend(body);
    out
}

impl Signer for TokenSigner {
    fn certificate(&self) -> &[u8] {
        &self.cert
    }
    fn chain(&self) -> &[Vec<u8>] {
        &self.chain
    }
    fn kind(&self) -> KeyKind {
        self.kind
    }
    fn sign(&self, tbs: &[u8]) -> Result<Vec<u8>, String> {
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        match self.kind {
            KeyKind::EcdsaP256 => session
                .sign(&Mechanism::Ecdsa, self.key, &Sha256::digest(tbs))
                .map(|raw| ecdsa_der(&raw))
                .map_err(|e| describe(&e)),
            KeyKind::Rsa => session
                .sign(&Mechanism::Sha256RsaPkcs, self.key, tbs)
                .map_err(|e| describe(&e)),
        }
    }
}

/// For the demo and CI: an EC P-256 key pair made on the token (label `label`), its
/// certificate issued by `issue` (given the raw public point) and written next to it.
pub fn provision(
    module: &str,
    token: &str,
    pin: &str,
    label: &str,
    issue: impl FnOnce(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    let ctx = open(module)?;
    let slot = slot_of(&ctx, token)?;
    let session = ctx.open_rw_session(slot).map_err(|e| describe(&e))?;
    session
        .login(UserType::User, Some(&AuthPin::from(pin.to_string())))
        .map_err(|e| describe(&e))?;
    // prime256v1
    let p256 = vec![0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let id = label.as_bytes().to_vec();
    let (public, _private) = session
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::Token(true),
                Attribute::Verify(true),
                Attribute::EcParams(p256),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ],
            &[
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Sign(true),
                Attribute::Label(label.as_bytes().to_vec()),
                Attribute::Id(id.clone()),
            ],
        )
        .map_err(|e| describe(&e))?;
    let point = value(&session, public, AttributeType::EcPoint)?;
    // CKA_EC_POINT is an OCTET STRING around the uncompressed point.
    let raw = match point.as_slice() {
        [0x04, n, rest @ ..] if *n as usize == rest.len() => rest.to_vec(),
        other => other.to_vec(),
    };
    let cert = issue(&raw)?;
    // PKCS#11 wants the subject with an X.509 certificate object.
    let subject = {
        use der::{Decode, Encode};
        x509_cert::Certificate::from_der(&cert)
            .and_then(|c| c.tbs_certificate.subject.to_der())
            .map_err(|e| format!("chứng thư không đọc được: {e}"))?
    };
    session
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(cryptoki::object::CertificateType::X_509),
            Attribute::Token(true),
            Attribute::Value(cert.clone()),
            Attribute::Subject(subject),
            Attribute::Label(label.as_bytes().to_vec()),
            Attribute::Id(id),
        ])
        .map_err(|e| describe(&e))?;
    Ok(cert)
}

#[cfg(test)]
mod tests {
    use super::ecdsa_der;

    #[test]
    fn raw_ecdsa_becomes_der_with_sign_bytes_where_needed() {
        let mut raw = vec![0u8; 64];
        raw[0] = 0x80; // r's top bit set: a 0x00 goes in front
        raw[32] = 0x00;
        raw[33] = 0x01; // s has a leading zero: dropped
        let der = ecdsa_der(&raw);
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        let s_at = 2 + 2 + 33;
        assert_eq!(&der[s_at..s_at + 3], &[0x02, 31, 0x01]);
        assert_eq!(der[1] as usize, der.len() - 2);
    }
}
