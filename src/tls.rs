//! Optional HTTPS on the LAN. Plain HTTP stays the default (a commune LAN with a kiosk and
//! a TV); a center that wants TLS sets `listen_tls`, with its own certificate or a
//! self-signed one generated on first start and kept in `<data>/tls/`. The certificate's
//! SHA-256 fingerprint is shown on the admin page so officers can check it on first visit.

use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use sha2::{Digest, Sha256};

pub struct TlsSetup {
    pub config: rustls::ServerConfig,
    /// SHA-256 of the certificate (DER), as `AB:CD:…`.
    pub fingerprint: String,
    pub cert_path: PathBuf,
}

/// Uses `cert`/`key` when given, else `<data>/tls/{cert,key}.pem`, creating a self-signed
/// pair for `motcua.local` and `localhost` if they do not exist yet.
pub fn load_or_create(
    data_dir: &Path,
    cert: Option<&Path>,
    key: Option<&Path>,
) -> anyhow::Result<TlsSetup> {
    let (cert_path, key_path) = match (cert, key) {
        (Some(c), Some(k)) => (c.to_path_buf(), k.to_path_buf()),
        (None, None) => {
            let dir = data_dir.join("tls");
            let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
            if !c.exists() || !k.exists() {
                std::fs::create_dir_all(&dir)?;
                let names = vec!["motcua.local".to_string(), "localhost".to_string()];
                let ck = rcgen::generate_simple_self_signed(names)
                    .context("cannot generate a certificate")?;
                std::fs::write(&c, ck.cert.pem())?;
                write_private(&k, ck.key_pair.serialize_pem().as_bytes())?;
                tracing::info!(cert = %c.display(), "generated a self-signed TLS certificate");
            }
            (c, k)
        }
        _ => anyhow::bail!("tls_cert and tls_key go together"),
    };
    let certs = rustls_pemfile::certs(&mut BufReader::new(
        std::fs::File::open(&cert_path)
            .with_context(|| format!("cannot read {}", cert_path.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .with_context(|| format!("bad certificate file {}", cert_path.display()))?;
    let first = certs
        .first()
        .with_context(|| format!("no certificate in {}", cert_path.display()))?;
    let fingerprint = Sha256::digest(first.as_ref())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let key = rustls_pemfile::private_key(&mut BufReader::new(
        std::fs::File::open(&key_path)
            .with_context(|| format!("cannot read {}", key_path.display()))?,
    ))?
    .with_context(|| format!("no private key in {}", key_path.display()))?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_no_client_auth()
    .with_single_cert(certs, key)?;
    Ok(TlsSetup {
        config,
        fingerprint,
        cert_path,
    })
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(bytes)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_once_and_keeps_the_same_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), None, None).unwrap();
        let b = load_or_create(dir.path(), None, None).unwrap();
        assert_eq!(a.fingerprint, b.fingerprint);
        assert_eq!(a.fingerprint.len(), 32 * 3 - 1);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("tls/key.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(load_or_create(dir.path(), Some(&dir.path().join("tls/cert.pem")), None).is_err());
    }
}
