//! The data directory's layout, shared by every layer that reaches a file under it: the
//! server (service), the root helpers (update) and the command line. Names only: nothing
//! here reads or writes.

use std::path::{Path, PathBuf};

/// The database file.
pub fn db_file(data_dir: &Path) -> PathBuf {
    data_dir.join("motcua.redb")
}

/// Online backups (`motcua-YYYYMMDD-HHMMSS.mcb.gz`), newest kept by the server.
pub fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

pub const BACKUP_SUFFIX: &str = ".mcb.gz";

/// A backup file name is ours and safe to serve or copy: `motcua-<digits>-<digits>.mcb.gz`
/// (no separator, no `..`, so it can never leave the backup directory).
pub fn valid_backup_name(name: &str) -> bool {
    name.strip_prefix("motcua-")
        .and_then(|r| r.strip_suffix(BACKUP_SUFFIX))
        .is_some_and(|mid| !mid.is_empty() && mid.chars().all(|c| c.is_ascii_digit() || c == '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_names() {
        assert!(valid_backup_name("motcua-20261203-101500.mcb.gz"));
        for bad in [
            "motcua-.mcb.gz",
            "motcua-2026/../x.mcb.gz",
            "other-20261203.mcb.gz",
            "motcua-20261203.tar.gz",
            "../motcua-1.mcb.gz",
        ] {
            assert!(!valid_backup_name(bad), "{bad}");
        }
    }
}
