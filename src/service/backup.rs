//! Backups: a consistent online export (one read transaction; the center keeps working)
//! into `<data>/backups/`, written to a temporary name, synced and renamed, keeping the
//! newest N. Restore happens with the service stopped (`motcua restore`).

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Result, ServiceError, Services};
pub use crate::datadir::{backup_dir, valid_backup_name, BACKUP_SUFFIX};

/// Backups kept on the appliance (older ones are deleted after a new one is written).
pub const KEEP_BACKUPS: usize = 14;

#[derive(Debug, Clone, Serialize)]
pub struct BackupInfo {
    pub name: String,
    pub size: u64,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
}

/// A backup that cannot be written is the server's fault (disk, permissions), not the caller's.
fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("backup write: {e}"))
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
        let body = serde_json::to_vec(&req).map_err(|e| ServiceError::Internal(e.to_string()))?;
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

/// The USB copy's state for the admin page: asked and not yet done, and the helper's
/// last result.
#[derive(Debug, Clone, Serialize)]
pub struct UsbBackupStatus {
    pub pending: bool,
    pub result: Option<crate::update::usb_backup::Outcome>,
}

impl Services {
    /// A backup's bytes, for download; only names of ours, only from the backup directory.
    pub fn backup_file(&self, name: &str) -> Result<Vec<u8>> {
        if !valid_backup_name(name) {
            return Err(ServiceError::NotFound("bản sao lưu"));
        }
        std::fs::read(backup_dir(self.data_dir()?).join(name))
            .map_err(|_| ServiceError::NotFound("bản sao lưu"))
    }

    /// Where the root helper's USB copy stands.
    pub fn usb_backup_status(&self) -> Result<UsbBackupStatus> {
        let dir = self.data_dir()?;
        Ok(UsbBackupStatus {
            pending: crate::update::usb_backup::request_path(dir).exists(),
            result: crate::update::apply::read_json(&crate::update::usb_backup::result_path(dir)),
        })
    }

    /// When the newest backup was written (seconds since the epoch; 0 = none).
    pub fn last_backup_timestamp(&self) -> Result<u64> {
        let dir = self.data_dir()?;
        Ok(self
            .backups(dir)?
            .first()
            .and_then(|(n, _)| std::fs::metadata(backup_dir(dir).join(n)).ok())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs())
            .unwrap_or(0))
    }
}
