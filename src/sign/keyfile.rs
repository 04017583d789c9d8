//! PKCS#12 key files (.p12/.pfx), as Vietnamese CAs hand them to small centers and as
//! Windows and OpenSSL export them: the key (PKCS#8), its certificate, and whatever CA
//! certificates the file carries. The password is the signer's, typed at the desk: it
//! opens the file for one signing and is never kept.

/// What a key file holds.
pub struct KeyFile {
    /// The private key, PKCS#8 DER.
    pub pkcs8: Vec<u8>,
    /// The key's certificate, DER.
    pub certificate: Vec<u8>,
    /// The other certificates in the file (issuers, root), DER.
    pub others: Vec<Vec<u8>>,
}

/// Why a key file cannot be opened, in Vietnamese for the desk.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileError {
    #[error("Sai mật khẩu tệp khóa")]
    WrongPassword,
    #[error("Tệp không phải tệp khóa PKCS#12 (.p12, .pfx) hoặc bị hỏng")]
    NotKeyFile,
    #[error("Tệp khóa dùng kiểu mã hoá chưa hỗ trợ; xuất lại tệp với AES-256 hoặc 3DES")]
    Unsupported,
    #[error("Tệp khóa không có khóa ký kèm chứng thư")]
    NoKey,
}

fn open(p12: &[u8], password: &str) -> Result<p12_keystore::KeyStore, KeyFileError> {
    use p12_keystore::error::Error as E;
    match p12_keystore::KeyStore::from_pkcs12(p12, password) {
        Ok(ks) => Ok(ks),
        Err(E::MacError(_) | E::Pkcs5Error(_) | E::UnpadError) => Err(KeyFileError::WrongPassword),
        Err(E::UnsupportedEncryptionScheme) => Err(KeyFileError::Unsupported),
        Err(_) => Err(KeyFileError::NotKeyFile),
    }
}

/// Opens `p12` with `password`. A Vietnamese password may arrive composed or decomposed
/// (the browser keeps what the keyboard typed): both forms are tried before the answer
/// is "wrong password".
pub fn read(p12: &[u8], password: &str) -> Result<KeyFile, KeyFileError> {
    use unicode_normalization::UnicodeNormalization;
    let mut tries = vec![password.to_string()];
    for alt in [password.nfc().collect::<String>(), password.nfd().collect()] {
        if !tries.contains(&alt) {
            tries.push(alt);
        }
    }
    let mut last = KeyFileError::WrongPassword;
    let mut ks = None;
    for pw in &tries {
        match open(p12, pw) {
            Ok(k) => {
                ks = Some(k);
                break;
            }
            Err(KeyFileError::WrongPassword) => last = KeyFileError::WrongPassword,
            Err(e) => return Err(e),
        }
    }
    let ks = ks.ok_or(last)?;
    let (_, chain) = ks.private_key_chain().ok_or(KeyFileError::NoKey)?;
    let certificate = chain
        .chain()
        .first()
        .ok_or(KeyFileError::NoKey)?
        .as_der()
        .to_vec();
    let mut others: Vec<Vec<u8>> = chain.chain()[1..]
        .iter()
        .map(|c| c.as_der().to_vec())
        .collect();
    for (_, e) in ks.entries() {
        if let p12_keystore::KeyStoreEntry::Certificate(c) = e {
            if !others.iter().any(|o| o == c.as_der()) {
                others.push(c.as_der().to_vec());
            }
        }
    }
    Ok(KeyFile {
        pkcs8: chain.key().to_vec(),
        certificate,
        others,
    })
}

/// A key file for `pkcs8` and its chain (leaf first) under `password`: how the tests and
/// `motcua sign demo` make one (OpenSSL 3's default algorithms).
pub fn write(pkcs8: &[u8], chain: &[Vec<u8>], password: &str) -> Result<Vec<u8>, String> {
    let certs = chain
        .iter()
        .map(|c| p12_keystore::Certificate::from_der(c).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let mut ks = p12_keystore::KeyStore::new();
    ks.add_entry(
        "motcua",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(p12_keystore::PrivateKeyChain::new(
            pkcs8,
            b"motcua-key-1",
            certs,
        )),
    );
    ks.writer(password).write().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{DemoPki, Signer};

    fn pki() -> DemoPki {
        DemoPki::new("xã Tân Phú", &["Nguyễn Văn An"], chrono::Utc::now()).unwrap()
    }

    #[test]
    fn a_written_key_file_opens_with_its_password_only() {
        let pki = pki();
        let (_, key, cert) = &pki.holders[1];
        let f = write(key, &[cert.clone(), pki.root_der.clone()], "mậtkhẩu").unwrap();
        let kf = read(&f, "mậtkhẩu").unwrap();
        assert_eq!(&kf.certificate, cert);
        assert_eq!(kf.others, vec![pki.root_der.clone()]);
        let k = crate::sign::SoftKey::from_pkcs8(&kf.pkcs8, kf.certificate, vec![]).unwrap();
        crate::sign::check_key_matches(&k).unwrap();
        assert_eq!(k.kind(), crate::sign::KeyKind::EcdsaP256);
        // Decomposed as some keyboards send it: still the same password.
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "mậtkhẩu".nfd().collect();
        assert!(read(&f, &nfd).is_ok());
        assert_eq!(read(&f, "matkhau").err(), Some(KeyFileError::WrongPassword));
        assert_eq!(
            read(b"not a p12 at all", "x").err(),
            Some(KeyFileError::NotKeyFile)
        );
        assert_eq!(
            read(&f[..f.len() / 2], "mậtkhẩu").err(),
            Some(KeyFileError::NotKeyFile)
        );
    }

    #[test]
    fn a_key_that_is_not_the_certificates_is_caught() {
        let pki = pki();
        let other = pki.holders[0].1.clone();
        let k = crate::sign::SoftKey::from_pkcs8(&other, pki.holders[1].2.clone(), vec![]).unwrap();
        assert!(crate::sign::check_key_matches(&k).is_err());
    }
}
