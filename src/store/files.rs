//! The file store: scanned pages and PDFs of digitized papers, content-addressed by
//! SHA-256 under `<data>/files/ab/abcdef…`. A blob is written to a temporary file,
//! synced and renamed into place *before* the database transaction that refers to it
//! commits, so a crash leaves at worst an unreferenced blob, never a dangling reference.
//! Reads re-hash, so a damaged file is reported instead of served.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::domain::dossier::digitize::BlobRef;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("lỗi ghi/đọc tệp: {0}")]
    Io(#[from] std::io::Error),
    #[error("mã tệp không hợp lệ")]
    BadHash,
    #[error("không tìm thấy tệp")]
    Missing,
    #[error("tệp đã bị hỏng (mã băm không khớp)")]
    Corrupt,
}

#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn valid_hash(h: &str) -> bool {
    h.len() == 64
        && h.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl FileStore {
    pub fn open(root: &Path) -> Result<FileStore, FileError> {
        std::fs::create_dir_all(root.join("tmp"))?;
        Ok(FileStore {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, sha: &str) -> PathBuf {
        self.root.join(&sha[..2]).join(sha)
    }

    /// Stores `bytes` durably; returns its reference. Storing the same bytes twice is a
    /// no-op.
    pub fn put(&self, bytes: &[u8]) -> Result<BlobRef, FileError> {
        let sha = sha256_hex(bytes);
        let dest = self.path(&sha);
        if !dest.exists() {
            let dir = dest.parent().ok_or(FileError::BadHash)?;
            std::fs::create_dir_all(dir)?;
            let tmp = self.root.join("tmp").join(format!(
                "{sha}.{}.{}",
                std::process::id(),
                rand::random::<u32>()
            ));
            {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_all()?;
            }
            std::fs::rename(&tmp, &dest)?;
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(BlobRef {
            sha256: sha,
            size: bytes.len() as u64,
        })
    }

    /// Reads a blob and checks it against its name.
    pub fn get(&self, sha: &str) -> Result<Vec<u8>, FileError> {
        if !valid_hash(sha) {
            return Err(FileError::BadHash);
        }
        let bytes = match std::fs::read(self.path(sha)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(FileError::Missing),
            Err(e) => return Err(e.into()),
        };
        if sha256_hex(&bytes) != sha {
            return Err(FileError::Corrupt);
        }
        Ok(bytes)
    }

    /// Every stored blob's hash (backups, checks).
    pub fn list(&self) -> Result<Vec<String>, FileError> {
        let mut out = Vec::new();
        for dir in std::fs::read_dir(&self.root)? {
            let dir = dir?;
            let name = dir.file_name().to_string_lossy().to_string();
            if name.len() != 2 || !dir.file_type()?.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(dir.path())? {
                let n = f?.file_name().to_string_lossy().to_string();
                if valid_hash(&n) {
                    out.push(n);
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_get_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let fs = FileStore::open(dir.path()).unwrap();
        let r = fs.put(b"hello").unwrap();
        assert_eq!(r.size, 5);
        assert_eq!(fs.put(b"hello").unwrap(), r);
        assert_eq!(fs.get(&r.sha256).unwrap(), b"hello");
        assert_eq!(fs.list().unwrap(), vec![r.sha256.clone()]);
        assert!(matches!(
            fs.get("../../etc/passwd"),
            Err(FileError::BadHash)
        ));
        assert!(matches!(fs.get(&"0".repeat(64)), Err(FileError::Missing)));
        std::fs::write(fs.path(&r.sha256), b"HELLO").unwrap();
        assert!(matches!(fs.get(&r.sha256), Err(FileError::Corrupt)));
    }
}
