//! Backups: a consistent online export (one read transaction; the center keeps working)
//! into `<data>/backups/`, written to a temporary name, synced and renamed, keeping the
//! newest N. Restore happens with the service stopped (`motcua restore`).

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Result, ServiceError, Services};

/// Backups kept on the appliance (older ones are deleted after a new one is written).
pub const KEEP_BACKUPS: usize = 14;
pub const BACKUP_SUFFIX: &str = ".mcb.gz";

#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

pub fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// A backup file name is ours and safe to serve: `motcua-<digits>-<digits>.mcb.gz`.
pub fn valid_backup_name(name: &str) -> bool {
    name.strip_prefix("motcua-")
        .and_then(|r| r.strip_suffix(BACKUP_SUFFIX))
        .is_some_and(|mid| !mid.is_empty() && mid.chars().all(|c| c.is_ascii_digit() || c == '-'))
}

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Invalid(format!("Lỗi ghi bản sao lưu: {e}"))
}

impl Services {
    pub fn backup_now(&self, data_dir: &Path) -> Result<BackupInfo> {
        let dir = backup_dir(data_dir);
        std::fs::create_dir_all(&dir).map_err(io)?;
        let now = self.clock.now();
        let name = format!(
            "motcua-{}{BACKUP_SUFFIX}",
            crate::domain::time::local(now).format("%Y%m%d-%H%M%S")
        );
        let tmp = dir.join(format!(".{name}.tmp"));
        let mut file = std::fs::File::create(&tmp).map_err(io)?;
        let mut hashing = HashingWriter {
            inner: &mut file,
            hash: Sha256::new(),
            size: 0,
        };
        self.store
            .export_with_files(&mut hashing, self.files.as_deref())?;
        let (sha256, size) = (hex::encode(hashing.hash.finalize()), hashing.size);
        file.sync_all().map_err(io)?;
        std::fs::rename(&tmp, dir.join(&name)).map_err(io)?;
        // Keep the newest KEEP_BACKUPS (names sort by time).
        let mut names = self.backup_names(data_dir)?;
        names.sort();
        let excess = names.len().saturating_sub(KEEP_BACKUPS);
        for old in names.iter().take(excess) {
            let _ = std::fs::remove_file(dir.join(old));
        }
        Ok(BackupInfo {
            name,
            size,
            sha256,
            created_at: now,
        })
    }

    fn backup_names(&self, data_dir: &Path) -> Result<Vec<String>> {
        let dir = backup_dir(data_dir);
        let Ok(rd) = std::fs::read_dir(&dir) else {
            return Ok(Vec::new());
        };
        Ok(rd
            .flatten()
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .filter(|n| valid_backup_name(n))
            .collect())
    }

    /// Backups on the appliance, newest first.
    /// Backs up now and leaves a request for the root helper that copies it to a USB
    /// stick (`motcua usb-backup`); returns the backup's name.
    pub fn request_usb_backup(&self, data_dir: &Path) -> Result<String> {
        use crate::update::usb_backup as usb;
        let info = self.backup_now(data_dir)?;
        let req = usb::Request {
            backup: info.name.clone(),
            at: self.clock.now(),
            center: self.settings().map(|c| c.name).unwrap_or_default(),
        };
        let dir = usb::dir(data_dir);
        std::fs::create_dir_all(&dir).map_err(io)?;
        let _ = std::fs::remove_file(usb::result_path(data_dir));
        let body = serde_json::to_vec(&req).map_err(|e| ServiceError::Invalid(e.to_string()))?;
        let tmp = dir.join(".request.tmp");
        std::fs::write(&tmp, body).map_err(io)?;
        std::fs::rename(&tmp, usb::request_path(data_dir)).map_err(io)?;
        Ok(info.name)
    }

    pub fn backups(&self, data_dir: &Path) -> Result<Vec<(String, u64)>> {
        let dir = backup_dir(data_dir);
        let mut names = self.backup_names(data_dir)?;
        names.sort_by(|a, b| b.cmp(a));
        Ok(names
            .into_iter()
            .map(|n| {
                let size = std::fs::metadata(dir.join(&n))
                    .map(|m| m.len())
                    .unwrap_or(0);
                (n, size)
            })
            .collect())
    }
}

struct HashingWriter<'a, W: Write> {
    inner: &'a mut W,
    hash: Sha256,
    size: u64,
}

impl<W: Write> Write for HashingWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_are_backups() {
        assert!(valid_backup_name("motcua-20260305-080000.mcb.gz"));
        assert!(!valid_backup_name("motcua-../../etc/passwd.mcb.gz"));
        assert!(!valid_backup_name("other.mcb.gz"));
        assert!(!valid_backup_name("motcua-.mcb.gz"));
    }
}
