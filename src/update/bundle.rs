//! The bundle file (`.mcu`): a tar holding `manifest.json`, its minisign signature
//! `manifest.json.minisig`, and the payload the manifest names. The signature covers the
//! manifest, the manifest carries the payload's SHA-256 and size: the .deb (or data file)
//! is signed together with its metadata. Keys are Ed25519 minisign keys, so district IT
//! can also check a bundle's manifest with the stock `minisign` tool.

use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::update::{judge, Installed, Manifest, Reject};

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.minisig";
/// A .deb of this appliance is ~15 MB; voice sets a few MB.
pub const MAX_PAYLOAD: u64 = 256 * 1024 * 1024;
const MAX_SMALL: u64 = 64 * 1024;

/// Public keys the appliance trusts, each with where it came from.
#[derive(Clone, Default)]
pub struct TrustStore {
    keys: Vec<(String, minisign::PublicKey)>,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|(s, _)| s))
            .finish()
    }
}

/// The key id minisign prints (`RWQ…` files carry it): 16 hex digits.
pub fn key_id(pk: &minisign::PublicKey) -> String {
    let n = pk.keynum();
    let mut b = [0u8; 8];
    b.copy_from_slice(&n[..8]);
    format!("{:016X}", u64::from_le_bytes(b))
}

impl TrustStore {
    /// Every `*.pub` in `rotated` when it holds any (a keys bundle replaced the shipped
    /// set), else every `*.pub` in `shipped`.
    pub fn load(shipped: &Path, rotated: &Path) -> TrustStore {
        let from = |dir: &Path| -> Vec<(String, minisign::PublicKey)> {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return vec![];
            };
            let mut v: Vec<_> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "pub"))
                .filter_map(|p| {
                    let text = std::fs::read_to_string(&p).ok()?;
                    let pk = parse_public_key(&text)?;
                    Some((format!("{} ({})", key_id(&pk), p.display()), pk))
                })
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        let rot = from(rotated);
        TrustStore {
            keys: if rot.is_empty() { from(shipped) } else { rot },
        }
    }

    pub fn from_keys(keys: Vec<minisign::PublicKey>) -> TrustStore {
        TrustStore {
            keys: keys.into_iter().map(|k| (key_id(&k), k)).collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn describe(&self) -> Vec<String> {
        self.keys.iter().map(|(s, _)| s.clone()).collect()
    }

    /// The id of the trusted key that signed `data`.
    pub fn verify(&self, data: &[u8], sig_text: &str) -> Result<String, Reject> {
        let sig = minisign::SignatureBox::from_string(sig_text)
            .map_err(|_| Reject::BadSignature("tệp chữ ký hỏng".into()))?;
        if self.keys.is_empty() {
            return Err(Reject::BadSignature("máy chưa có khoá tin cậy nào".into()));
        }
        for (name, pk) in &self.keys {
            if minisign::verify(pk, &sig, Cursor::new(data), true, false, false).is_ok() {
                return Ok(name.clone());
            }
        }
        Err(Reject::BadSignature("không khoá tin cậy nào khớp".into()))
    }
}

/// A minisign public key file (`untrusted comment:` line + base64) or a bare base64 line.
pub fn parse_public_key(text: &str) -> Option<minisign::PublicKey> {
    if let Ok(b) = minisign::PublicKeyBox::from_string(text.trim()) {
        if let Ok(pk) = b.into_public_key() {
            return Some(pk);
        }
    }
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("untrusted comment"))
        .find_map(|l| minisign::PublicKey::from_base64(l).ok())
}

/// A new key pair as (public key file, secret key file) texts. With a password the secret
/// key is encrypted (scrypt), as minisign does.
pub fn keygen(password: Option<String>) -> Result<(String, String), String> {
    let kp = match password {
        Some(p) => minisign::KeyPair::generate_encrypted_keypair(Some(p)),
        None => minisign::KeyPair::generate_unencrypted_keypair(),
    }
    .map_err(|e| e.to_string())?;
    let pk = kp.pk.to_box().map_err(|e| e.to_string())?.into_string();
    let sk = kp
        .sk
        .to_box(Some("motcua release key"))
        .map_err(|e| e.to_string())?
        .into_string();
    Ok((pk, sk))
}

pub fn load_secret_key(
    text: &str,
    password: Option<String>,
) -> Result<minisign::SecretKey, String> {
    let b = minisign::SecretKeyBox::from_string(text).map_err(|e| e.to_string())?;
    match password {
        Some(p) => b.into_secret_key(Some(p)).map_err(|e| e.to_string()),
        None => b
            .into_unencrypted_secret_key()
            .map_err(|_| "khoá bí mật được mã hoá: cần mật khẩu (--password-stdin)".to_string()),
    }
}

pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// Writes a bundle: fills in the payload's hash and size, signs the manifest.
pub fn write_bundle(
    out: &Path,
    mut manifest: Manifest,
    payload: &[u8],
    sk: &minisign::SecretKey,
) -> Result<Manifest, String> {
    manifest.sha256 = sha256_hex(payload);
    manifest.size = payload.len() as u64;
    let m = serde_json::to_vec_pretty(&manifest).map_err(|e| e.to_string())?;
    let trusted = format!(
        "motcua {:?} {} epoch {}",
        manifest.kind, manifest.version, manifest.epoch
    );
    let sig = minisign::sign(None, sk, Cursor::new(&m), Some(&trusted), None)
        .map_err(|e| e.to_string())?
        .into_string();
    let f = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let mut t = tar::Builder::new(f);
    let mut add = |name: &str, data: &[u8]| -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        t.append_data(&mut h, name, data)
    };
    add(MANIFEST, &m).map_err(|e| e.to_string())?;
    add(SIGNATURE, sig.as_bytes()).map_err(|e| e.to_string())?;
    add(&manifest.payload, payload).map_err(|e| e.to_string())?;
    t.into_inner()
        .and_then(|f| f.sync_all())
        .map_err(|e| e.to_string())?;
    Ok(manifest)
}

/// A bundle that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Manifest,
    pub signer: String,
    pub payload: Vec<u8>,
}

/// Reads and checks a bundle: signature by a trusted key over the manifest, then the
/// payload against the manifest's hash and size, then the manifest's rules against what
/// is installed (`installed_for` gives the state for the manifest's kind). Nothing the
/// bundle says is believed before its signature checks out.
pub fn open_bundle(
    bytes: impl Read,
    trust: &TrustStore,
    installed_for: impl FnOnce(&Manifest) -> Installed,
) -> Result<Verified, Reject> {
    let mut manifest_bytes: Option<Vec<u8>> = None;
    let mut sig: Option<String> = None;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut ar = tar::Archive::new(bytes);
    let entries = ar
        .entries()
        .map_err(|e| Reject::Malformed(format!("không đọc được gói: {e}")))?;
    for entry in entries {
        let mut e = entry.map_err(|e| Reject::Malformed(format!("gói hỏng hoặc bị cắt: {e}")))?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e
            .path()
            .map_err(|_| Reject::Malformed("tên tệp".into()))?
            .to_string_lossy()
            .to_string();
        let limit = if name == MANIFEST || name == SIGNATURE {
            MAX_SMALL
        } else {
            MAX_PAYLOAD
        };
        let size = e
            .header()
            .size()
            .map_err(|_| Reject::Malformed("kích thước".into()))?;
        if size > limit {
            return Err(Reject::Malformed(format!("tệp {name} quá lớn")));
        }
        let mut data = Vec::with_capacity(size as usize);
        e.by_ref()
            .take(limit + 1)
            .read_to_end(&mut data)
            .map_err(|e| Reject::Malformed(format!("gói hỏng hoặc bị cắt: {e}")))?;
        if data.len() as u64 != size {
            return Err(Reject::Tampered);
        }
        match name.as_str() {
            MANIFEST => manifest_bytes = Some(data),
            SIGNATURE => {
                sig = Some(
                    String::from_utf8(data)
                        .map_err(|_| Reject::BadSignature("tệp chữ ký hỏng".into()))?,
                )
            }
            _ => {
                if files.len() >= 4 {
                    return Err(Reject::Malformed("quá nhiều tệp trong gói".into()));
                }
                files.push((name, data));
            }
        }
    }
    let mb = manifest_bytes.ok_or_else(|| Reject::Malformed("thiếu manifest.json".into()))?;
    let sig = sig.ok_or_else(|| Reject::BadSignature("thiếu chữ ký".into()))?;
    let signer = trust.verify(&mb, &sig)?;
    let manifest: Manifest =
        serde_json::from_slice(&mb).map_err(|e| Reject::Malformed(format!("manifest: {e}")))?;
    judge(&manifest, &installed_for(&manifest))?;
    let payload = files
        .into_iter()
        .find(|(n, _)| *n == manifest.payload)
        .map(|(_, d)| d)
        .ok_or(Reject::Tampered)?;
    if payload.len() as u64 != manifest.size || sha256_hex(&payload) != manifest.sha256 {
        return Err(Reject::Tampered);
    }
    Ok(Verified {
        manifest,
        signer,
        payload,
    })
}

/// Where the shipped keys are, and where rotated keys go.
pub fn key_dirs(shipped: &Path, data_dir: &Path) -> (PathBuf, PathBuf) {
    (shipped.to_path_buf(), data_dir.join("keys"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::update::BundleKind;

    pub fn manifest(kind: BundleKind, version: &str, epoch: u64) -> Manifest {
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
            payload: if kind == BundleKind::App {
                format!("motcua_{version}-1_amd64.deb")
            } else {
                "data.json".into()
            },
            sha256: String::new(),
            size: 0,
            created: String::new(),
        }
    }

    pub fn installed() -> Installed {
        Installed {
            version: "0.1.0".into(),
            arch: "amd64".into(),
            epoch: 1,
            db_format: 1,
            data_version: None,
        }
    }

    pub fn keys() -> (minisign::PublicKey, minisign::SecretKey) {
        let (p, s) = keygen(None).unwrap();
        (
            parse_public_key(&p).unwrap(),
            load_secret_key(&s, None).unwrap(),
        )
    }

    fn bundle(m: Manifest, payload: &[u8], sk: &minisign::SecretKey) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.mcu");
        write_bundle(&p, m, payload, sk).unwrap();
        std::fs::read(p).unwrap()
    }

    fn open(b: &[u8], trust: &TrustStore) -> Result<Verified, Reject> {
        open_bundle(b, trust, |_| installed())
    }

    #[test]
    fn a_signed_bundle_round_trips() {
        let (pk, sk) = keys();
        let trust = TrustStore::from_keys(vec![pk]);
        let b = bundle(manifest(BundleKind::App, "0.2.0", 1), b"DEB!", &sk);
        let v = open(&b, &trust).unwrap();
        assert_eq!(v.payload, b"DEB!");
        assert_eq!(v.manifest.sha256, sha256_hex(b"DEB!"));
    }

    #[test]
    fn every_bad_bundle_is_refused_with_its_reason() {
        let (pk, sk) = keys();
        let (_, other_sk) = keys();
        let trust = TrustStore::from_keys(vec![pk]);
        let good = bundle(
            manifest(BundleKind::App, "0.2.0", 1),
            b"the package bytes",
            &sk,
        );
        let code = |b: &[u8]| open(b, &trust).unwrap_err().code();

        // Signed by a key the appliance does not trust.
        assert_eq!(
            code(&bundle(
                manifest(BundleKind::App, "0.2.0", 1),
                b"x",
                &other_sk
            )),
            "bad_signature"
        );
        // No trusted key at all.
        assert_eq!(
            open(&good, &TrustStore::default()).unwrap_err().code(),
            "bad_signature"
        );
        // Downgrade, older epoch, wrong product, wrong arch: signed, but refused by the rules.
        assert_eq!(
            code(&bundle(manifest(BundleKind::App, "0.1.0", 1), b"x", &sk)),
            "downgrade"
        );
        assert_eq!(
            code(&bundle(manifest(BundleKind::App, "0.3.0", 0), b"x", &sk)),
            "older_epoch"
        );
        let mut m = manifest(BundleKind::App, "0.2.0", 1);
        m.product = "khac".into();
        assert_eq!(code(&bundle(m, b"x", &sk)), "wrong_product");
        let mut m = manifest(BundleKind::App, "0.2.0", 1);
        m.arch = "arm64".into();
        assert_eq!(code(&bundle(m, b"x", &sk)), "wrong_arch");

        // The payload swapped for another of the same length: hash mismatch.
        let tampered = {
            let mut t = good.clone();
            let i = t
                .windows(17)
                .position(|w| w == b"the package bytes")
                .unwrap();
            t[i] = b'T';
            t
        };
        assert_eq!(code(&tampered), "tampered");
        // The manifest edited after signing (a newer version number typed in).
        let edited = {
            let mut t = good.clone();
            let i = t.windows(5).position(|w| w == b"0.2.0").unwrap();
            t[i + 2] = b'9';
            t
        };
        assert_eq!(code(&edited), "bad_signature");
        // Truncated anywhere: never accepted.
        // (The last 1024 bytes are the end-of-archive marker: cutting there loses nothing.)
        for cut in [10, 600, 1100, good.len() / 2, good.len() - 1100] {
            assert!(open(&good[..cut], &trust).is_err(), "cut at {cut}");
        }
        assert_eq!(code(b""), "malformed");
        assert_eq!(code(b"not a tar at all, just text"), "malformed");
    }
}
