//! The pinned trust store (SIGNING.md §0.2): neither Vietnamese PKI is in mainstream
//! trust lists, so the appliance ships its own — the Government CA's roots (Ban Cơ yếu
//! Chính phủ, G2 and G1) and the Vietnam National Root CA's (NEAC) — with the public
//! CAs' and the Government CA's intermediates beside them for building paths when a
//! signer embedded only its own certificate. `assets/trust/SOURCES.md` says where each
//! came from and its fingerprint.
//!
//! A path is trusted only when it ends at a root; intermediates are never trusted by
//! themselves. District IT adds or replaces certificates with a signed `trust` bundle;
//! a center's own additions (and the demo's test root) sit in `<data>/trust/`.

use sha2::{Digest, Sha256};

#[derive(rust_embed::Embed)]
#[folder = "assets/trust/"]
struct Shipped;

/// Where a certificate of the store came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// In the binary.
    Shipped,
    /// From district IT's signed `trust` bundle.
    Bundle,
    /// Put in `<data>/trust/` on this machine (the demo's test root too).
    Local,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Shipped => "Đi kèm phần mềm",
            Origin::Bundle => "Gói tin cậy của huyện",
            Origin::Local => "Cài tại máy này",
        }
    }
}

/// One certificate of the store.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrustEntry {
    pub file: String,
    pub name: String,
    pub root: bool,
    /// A root trusted for timestamps only (a TSA's), never for signatures.
    pub tsa: bool,
    pub origin: Origin,
    pub not_after: chrono::DateTime<chrono::Utc>,
    /// SHA-256 of the DER, hex.
    pub fingerprint: String,
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// The roots and intermediates in force.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    pub entries: Vec<TrustEntry>,
}

impl TrustStore {
    pub fn roots(&self) -> Vec<Vec<u8>> {
        self.entries
            .iter()
            .filter(|e| e.root && !e.tsa)
            .map(|e| e.der.clone())
            .collect()
    }

    pub fn intermediates(&self) -> Vec<Vec<u8>> {
        self.entries
            .iter()
            .filter(|e| !e.root)
            .map(|e| e.der.clone())
            .collect()
    }

    /// Roots trusted for timestamps.
    pub fn tsa_roots(&self) -> Vec<Vec<u8>> {
        self.entries
            .iter()
            .filter(|e| e.tsa)
            .map(|e| e.der.clone())
            .collect()
    }

    /// Adds every certificate of `bytes` (PEM with one or more, or DER) as `root` or not;
    /// the same certificate twice is kept once (its first origin).
    pub fn add(&mut self, file: &str, bytes: &[u8], root: bool, origin: Origin) {
        self.add_for(file, bytes, root, false, origin)
    }

    /// [`TrustStore::add`] for timestamping roots (`tsa`).
    pub fn add_for(&mut self, file: &str, bytes: &[u8], root: bool, tsa: bool, origin: Origin) {
        for der in certificates_in(bytes) {
            let fingerprint = hex::encode(Sha256::digest(&der));
            if self.entries.iter().any(|e| e.fingerprint == fingerprint) {
                continue;
            }
            let Ok(info) = super::CertInfo::read(&der) else {
                continue;
            };
            self.entries.push(TrustEntry {
                file: file.to_string(),
                name: info.name,
                root,
                tsa,
                origin,
                not_after: info.not_after,
                fingerprint,
                der,
            });
        }
    }
}

/// A `trust` bundle's payload, checked: every file a certificate, in `roots/` or
/// `intermediates/`, and the fingerprints of `distrust.txt`.
#[derive(Debug, Default)]
pub struct Bundle {
    /// (path inside the bundle, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    pub roots: usize,
    pub intermediates: usize,
    pub distrust: Vec<String>,
}

/// Reads and checks a `trust` bundle's tar; nothing is written.
pub fn read_bundle(tar_bytes: &[u8]) -> Result<Bundle, String> {
    use std::io::Read;
    let mut out = Bundle::default();
    let mut ar = tar::Archive::new(tar_bytes);
    for e in ar.entries().map_err(|e| format!("gói hỏng: {e}"))? {
        let mut e = e.map_err(|e| format!("gói hỏng: {e}"))?;
        if !e.header().entry_type().is_file() {
            continue;
        }
        let name = e
            .path()
            .map_err(|e| format!("gói hỏng: {e}"))?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let mut data = Vec::new();
        e.by_ref()
            .take(1024 * 1024)
            .read_to_end(&mut data)
            .map_err(|e| format!("gói hỏng: {e}"))?;
        if name == "distrust.txt" {
            out.distrust = parse_distrust(&String::from_utf8_lossy(&data))?;
            // Kept normalised (one lowercase hex fingerprint a line): read back the same.
            let normal = out.distrust.join("\n") + "\n";
            out.files.push((name, normal.into_bytes()));
            continue;
        }
        let (dir, file) = name.split_once('/').unwrap_or(("", &name));
        let ok_name = !file.is_empty()
            && !file.contains('/')
            && !file.starts_with('.')
            && file
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ok_name || !matches!(dir, "roots" | "intermediates" | "tsa") {
            return Err(format!(
                "tệp không được phép trong gói chứng thư tin cậy: {name} (chỉ roots/…, intermediates/…, tsa/…, distrust.txt)"
            ));
        }
        let certs = certificates_in(&data);
        if certs.is_empty() || certs.iter().any(|c| super::CertInfo::read(c).is_err()) {
            return Err(format!("{name} không phải chứng thư X.509 (PEM hoặc DER)"));
        }
        if dir == "roots" || dir == "tsa" {
            out.roots += certs.len();
        } else {
            out.intermediates += certs.len();
        }
        out.files.push((name, data));
    }
    if out.roots + out.intermediates + out.distrust.len() == 0 {
        return Err("gói chứng thư tin cậy không có chứng thư nào".into());
    }
    Ok(out)
}

/// The SHA-256 fingerprints of a `distrust.txt`: one a line, hex with or without colons
/// (as OpenSSL prints them), any case, `#` starting a comment.
pub fn parse_distrust(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let fp: String = line
            .split('#')
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':')
            .collect::<String>()
            .to_lowercase();
        if fp.len() == 64 && fp.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push(fp);
        } else if !fp.is_empty() {
            return Err(format!(
                "distrust.txt: «{}» không phải dấu vân tay SHA-256",
                line.trim()
            ));
        }
    }
    Ok(out)
}

/// Stops trusting the certificates whose fingerprints are listed.
pub fn distrust(t: &mut TrustStore, fingerprints: &[String]) -> usize {
    let before = t.entries.len();
    t.entries
        .retain(|e| !fingerprints.iter().any(|f| *f == e.fingerprint));
    before - t.entries.len()
}

/// The store the binary carries (read once).
pub fn shipped() -> TrustStore {
    static SHIPPED: std::sync::OnceLock<TrustStore> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(read_shipped).clone()
}

fn read_shipped() -> TrustStore {
    let mut t = TrustStore::default();
    let mut names: Vec<_> = Shipped::iter().filter(|n| n.ends_with(".pem")).collect();
    names.sort();
    for name in names {
        if let Some(f) = Shipped::get(&name) {
            let tsa = name.starts_with("tsa/");
            t.add_for(
                &name,
                &f.data,
                tsa || name.starts_with("roots/"),
                tsa,
                Origin::Shipped,
            );
        }
    }
    t
}

/// The certificates of a file: PEM blocks (one or more), else the whole file as DER.
pub fn certificates_in(bytes: &[u8]) -> Vec<Vec<u8>> {
    use base64::Engine;
    if !bytes.starts_with(b"-----BEGIN") && !bytes.windows(11).any(|w| w == b"-----BEGIN ") {
        return if bytes.first() == Some(&0x30) {
            vec![bytes.to_vec()]
        } else {
            vec![]
        };
    }
    let text = String::from_utf8_lossy(bytes);
    let mut out = Vec::new();
    let mut body: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "-----BEGIN CERTIFICATE-----" {
            body = Some(String::new());
        } else if line == "-----END CERTIFICATE-----" {
            if let Some(b) = body.take() {
                if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b) {
                    out.push(der);
                }
            }
        } else if let Some(b) = body.as_mut() {
            b.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_store_holds_both_vietnamese_pkis_roots_by_fingerprint() {
        let t = shipped();
        let root = |fp: &str| {
            t.entries
                .iter()
                .find(|e| e.fingerprint == fp)
                .map(|e| (e.root, e.name.clone()))
        };
        assert_eq!(
            root("f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8"),
            Some((true, "RootCA chuyên dùng Chính phủ G2".to_string()))
        );
        assert_eq!(
            root("bac8bf609ab420a8ee1780d74f4de5c7f7184959d2a7375b0a75e4c29f0908e7"),
            Some((true, "Vietnam National Root CA".to_string()))
        );
        // cpcag2 is an intermediate: it builds paths, it is not an anchor.
        assert_eq!(
            root("d8cab7a4aef92e6bb2509d7c61cee7b44f3731b2d21074963530277b366fae4b"),
            Some((false, "CA phục vụ các cơ quan Nhà nước G2".to_string()))
        );
        assert!(t.roots().len() >= 5, "{}", t.roots().len());
        // The NEAC's timestamping root is trusted for timestamps only.
        let tsa = "d343b3c5132f7d1676c3560025aefef036fceec073c33f18e075b3a21c8f8552";
        let e = t.entries.iter().find(|e| e.fingerprint == tsa).unwrap();
        assert!(e.tsa && !t.roots().contains(&e.der) && t.tsa_roots().contains(&e.der));
        assert!(t.intermediates().len() >= 20);
    }

    #[test]
    fn every_shipped_intermediate_leads_to_a_shipped_root() {
        use der::Decode;
        let t = shipped();
        let roots = t.roots();
        let inter: Vec<x509_cert::Certificate> = t
            .intermediates()
            .iter()
            .map(|d| x509_cert::Certificate::from_der(d).unwrap())
            .collect();
        for e in t.entries.iter().filter(|e| !e.root) {
            let c = x509_cert::Certificate::from_der(&e.der).unwrap();
            assert!(
                super::super::verify::chains_to_pinned(&c, &inter, &roots),
                "{} ({}) leads to no shipped root",
                e.name,
                e.file
            );
        }
    }

    fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    #[test]
    fn a_trust_bundle_is_checked_whole_before_anything_is_written() {
        let t = shipped();
        let root = &t.entries.iter().find(|e| e.root).unwrap().der;
        let fp = "f04ba4b459a7c9a1b971ad9b1cb833e695a80c79aea63b174b66a70edfe2fdb8";
        let colons: String = fp
            .to_uppercase()
            .as_bytes()
            .chunks(2)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join(":");
        let ok = read_bundle(&tar(&[
            ("roots/new-root.der", root),
            (
                "distrust.txt",
                format!("{colons} # rút tin cậy\n").as_bytes(),
            ),
        ]))
        .unwrap();
        assert_eq!(ok.distrust, vec![fp.to_string()]);
        let kept = &ok
            .files
            .iter()
            .find(|(n, _)| n == "distrust.txt")
            .unwrap()
            .1;
        assert_eq!(
            parse_distrust(std::str::from_utf8(kept).unwrap()).unwrap(),
            ok.distrust
        );
        assert_eq!((ok.roots, ok.intermediates, ok.distrust.len()), (1, 0, 1));
        let e = read_bundle(&tar(&[("roots/x.pem", b"not a certificate")])).unwrap_err();
        assert!(e.contains("không phải chứng thư"), "{e}");
        let e = read_bundle(&tar(&[("etc/passwd", root)])).unwrap_err();
        assert!(e.contains("không được phép"), "{e}");
        let e = read_bundle(&tar(&[("distrust.txt", b"abc")])).unwrap_err();
        assert!(e.contains("SHA-256"), "{e}");
        assert!(read_bundle(&tar(&[])).is_err());
        let mut t2 = shipped();
        assert_eq!(distrust(&mut t2, &ok.distrust), 1);
        assert!(!t2.entries.iter().any(|e| e.fingerprint == fp));
    }

    #[test]
    fn pem_files_with_several_certificates_and_der_files_are_read() {
        let t = shipped();
        let a = &t.entries[0].der;
        let b = &t.entries[1].der;
        use base64::Engine;
        let pem = |d: &[u8]| {
            format!(
                "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
                base64::engine::general_purpose::STANDARD.encode(d)
            )
        };
        let both = format!("junk before\n{}{}", pem(a), pem(b));
        assert_eq!(certificates_in(both.as_bytes()), vec![a.clone(), b.clone()]);
        assert_eq!(certificates_in(a), vec![a.clone()]);
        assert!(certificates_in(b"hello").is_empty());
    }
}
