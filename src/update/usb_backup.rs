//! "Chép bản sao lưu ra USB" from the admin page: the sandboxed server cannot mount
//! anything, so it writes a request file; a root helper (`motcua backup to-usb`, started by
//! `motcua-usb-backup.path`) finds the USB stick plugged into the appliance, mounts it
//! (noexec, nosuid, nodev) if needed, copies the requested backup, syncs, unmounts, and
//! writes the result the admin page shows. Choosing the stick is pure and tested on
//! recorded `lsblk -J` output.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Filesystems a stick from a commune office is likely to carry.
const FILESYSTEMS: &[&str] = &["vfat", "exfat", "ntfs", "ext4", "ext3", "ext2"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub backup: String,
    pub at: DateTime<Utc>,
    /// The center's name, for the file name on the stick (the helper cannot open the
    /// database while the server holds it).
    #[serde(default)]
    pub center: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub at: DateTime<Utc>,
    pub ok: bool,
    pub message: String,
    pub device: Option<String>,
    pub file: Option<String>,
}

pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("updates").join("usb")
}
pub fn request_path(data_dir: &Path) -> PathBuf {
    dir(data_dir).join("request.json")
}
pub fn result_path(data_dir: &Path) -> PathBuf {
    dir(data_dir).join("result.json")
}

/// A partition (or an unpartitioned stick) we may write a backup to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stick {
    pub path: String,
    pub label: Option<String>,
    pub fstype: String,
    pub mountpoint: Option<String>,
    pub size: u64,
}

fn flag(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => s == "1" || s == "true",
        serde_json::Value::Number(n) => n.as_u64() == Some(1),
        _ => false,
    }
}

/// The first removable or hot-plugged filesystem in `lsblk -J -b -o
/// NAME,PATH,RM,HOTPLUG,TYPE,FSTYPE,MOUNTPOINT,LABEL,SIZE` output; partitions inherit
/// their disk's removable flag. The system disk never qualifies (not removable, and its
/// mountpoint is `/`).
pub fn choose_stick(lsblk_json: &str) -> Option<Stick> {
    let v: serde_json::Value = serde_json::from_str(lsblk_json).ok()?;
    fn walk(n: &serde_json::Value, removable: bool, out: &mut Vec<Stick>) {
        let removable = removable || flag(&n["rm"]) || flag(&n["hotplug"]);
        let fstype = n["fstype"].as_str().unwrap_or("");
        let mount = n["mountpoint"].as_str().map(str::to_string);
        let system = matches!(
            mount.as_deref(),
            Some("/") | Some("/boot") | Some("/boot/efi") | Some("[SWAP]")
        );
        if removable && FILESYSTEMS.contains(&fstype) && !system {
            if let Some(path) = n["path"].as_str() {
                out.push(Stick {
                    path: path.to_string(),
                    label: n["label"].as_str().map(str::to_string),
                    fstype: fstype.to_string(),
                    mountpoint: mount,
                    size: n["size"]
                        .as_u64()
                        .or_else(|| n["size"].as_str().and_then(|s| s.parse().ok()))
                        .unwrap_or(0),
                });
            }
        }
        if let Some(children) = n["children"].as_array() {
            for c in children {
                walk(c, removable, out);
            }
        }
    }
    let mut found = Vec::new();
    for d in v["blockdevices"].as_array()? {
        walk(d, false, &mut found);
    }
    found.into_iter().next()
}

fn run(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .output()
        .map_err(|e| format!("{:?}: {e}", cmd.get_program()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

/// The root helper: handles a pending request, if any. Returns the outcome it wrote.
pub fn handle_request(data_dir: &Path) -> Option<Outcome> {
    let req: Request = serde_json::from_slice(&std::fs::read(request_path(data_dir)).ok()?).ok()?;
    let _ = std::fs::remove_file(request_path(data_dir));
    let result = copy_to_stick(data_dir, &req.backup, &req.center);
    let outcome = match result {
        Ok((device, file)) => Outcome {
            at: Utc::now(),
            ok: true,
            message: format!("Đã chép {} ra USB; có thể rút USB ra.", req.backup),
            device: Some(device),
            file: Some(file),
        },
        Err(e) => Outcome {
            at: Utc::now(),
            ok: false,
            message: e,
            device: None,
            file: None,
        },
    };
    if let Ok(data) = serde_json::to_vec_pretty(&outcome) {
        let _ = std::fs::write(result_path(data_dir), data);
    }
    Some(outcome)
}

fn copy_to_stick(data_dir: &Path, backup: &str, center: &str) -> Result<(String, String), String> {
    if !crate::datadir::valid_backup_name(backup) {
        return Err("tên bản sao lưu không hợp lệ".into());
    }
    let src = crate::datadir::backup_dir(data_dir).join(backup);
    if !src.exists() {
        return Err(format!("không thấy bản sao lưu {backup}"));
    }
    let listing = run(Command::new("lsblk").args([
        "-J",
        "-b",
        "-o",
        "NAME,PATH,RM,HOTPLUG,TYPE,FSTYPE,MOUNTPOINT,LABEL,SIZE",
    ]))?;
    let stick = choose_stick(&listing).ok_or_else(|| {
        "Không thấy USB: cắm USB (FAT32/exFAT/NTFS) vào máy chủ rồi bấm lại".to_string()
    })?;
    let (mnt, mounted_here) = match &stick.mountpoint {
        Some(m) => (PathBuf::from(m), false),
        None => {
            let m = PathBuf::from("/run/motcua-usb");
            std::fs::create_dir_all(&m).map_err(|e| e.to_string())?;
            run(Command::new("mount")
                .args(["-o", "noexec,nosuid,nodev"])
                .arg(&stick.path)
                .arg(&m))
            .map_err(|e| format!("không gắn được USB {}: {e}", stick.path))?;
            (m, true)
        }
    };
    let copy = (|| -> Result<String, String> {
        let dest_dir = mnt.join("motcua-saoluu");
        std::fs::create_dir_all(&dest_dir).map_err(|e| format!("USB chỉ đọc hoặc đầy? {e}"))?;
        let safe_center: String = crate::domain::search::fold(center)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let dest = dest_dir.join(format!("{}-{backup}", safe_center.trim_matches('-')));
        std::fs::copy(&src, &dest).map_err(|e| format!("chép lỗi (USB đầy?): {e}"))?;
        std::fs::File::open(&dest)
            .and_then(|f| f.sync_all())
            .map_err(|e| e.to_string())?;
        Ok(dest.display().to_string())
    })();
    if mounted_here {
        let _ = run(Command::new("umount").arg(&mnt));
    }
    copy.map(|f| {
        (
            format!("{} {}", stick.path, stick.label.unwrap_or_default()),
            f,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partitioned_stick_is_found_and_the_system_disk_never() {
        let j = r#"{"blockdevices":[
          {"name":"sda","path":"/dev/sda","rm":false,"hotplug":false,"type":"disk","fstype":null,"mountpoint":null,"label":null,"size":256060514304,
           "children":[{"name":"sda1","path":"/dev/sda1","rm":false,"hotplug":false,"type":"part","fstype":"vfat","mountpoint":"/boot/efi","label":null,"size":536870912},
                       {"name":"sda2","path":"/dev/sda2","rm":false,"hotplug":false,"type":"part","fstype":"ext4","mountpoint":"/","label":null,"size":255522586624}]},
          {"name":"sdb","path":"/dev/sdb","rm":true,"hotplug":true,"type":"disk","fstype":null,"mountpoint":null,"label":null,"size":15938355200,
           "children":[{"name":"sdb1","path":"/dev/sdb1","rm":true,"hotplug":true,"type":"part","fstype":"vfat","mountpoint":null,"label":"KINGSTON","size":15936258048}]}]}"#;
        let s = choose_stick(j).unwrap();
        assert_eq!(
            (s.path.as_str(), s.label.as_deref(), s.mountpoint),
            ("/dev/sdb1", Some("KINGSTON"), None)
        );
    }

    #[test]
    fn old_lsblk_strings_and_unpartitioned_sticks() {
        // util-linux < 2.37 prints flags as "0"/"1"; a stick formatted without partitions.
        let j = r#"{"blockdevices":[
          {"name":"sda","path":"/dev/sda","rm":"0","hotplug":"0","type":"disk","fstype":"ext4","mountpoint":"/","label":null,"size":"1000"},
          {"name":"sdc","path":"/dev/sdc","rm":"1","hotplug":"1","type":"disk","fstype":"exfat","mountpoint":"/media/usb","label":"DATA","size":"64000"}]}"#;
        let s = choose_stick(j).unwrap();
        assert_eq!(
            (s.path.as_str(), s.mountpoint.as_deref(), s.size),
            ("/dev/sdc", Some("/media/usb"), 64000)
        );
    }

    #[test]
    fn nothing_suitable() {
        // The machine here: a zram and the system disk.
        let j = r#"{"blockdevices":[{"name":"zram0","path":"/dev/zram0","rm":false,"hotplug":false,"type":"disk","fstype":null,"mountpoint":null,"label":null,"size":0},
          {"name":"vda","path":"/dev/vda","rm":false,"hotplug":false,"type":"disk","fstype":null,"mountpoint":"/","label":null,"size":274877906944}]}"#;
        assert_eq!(choose_stick(j), None);
        // A removable stick with an unknown filesystem, and garbage.
        assert_eq!(
            choose_stick(
                r#"{"blockdevices":[{"path":"/dev/sdd","rm":true,"fstype":"crypto_LUKS"}]}"#
            ),
            None
        );
        assert_eq!(choose_stick("not json"), None);
    }

    #[test]
    fn a_request_for_a_missing_or_forged_backup_is_answered_with_the_reason() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir(d.path())).unwrap();
        for name in ["../../etc/shadow", "motcua-20261202-010101.mcb.gz"] {
            let r = Request {
                backup: name.into(),
                at: Utc::now(),
                center: "Xã Tân Phú".into(),
            };
            std::fs::write(request_path(d.path()), serde_json::to_vec(&r).unwrap()).unwrap();
            let o = handle_request(d.path()).unwrap();
            assert!(!o.ok);
            assert!(!request_path(d.path()).exists(), "the request is consumed");
            let written: Outcome =
                serde_json::from_slice(&std::fs::read(result_path(d.path())).unwrap()).unwrap();
            assert_eq!(written, o);
        }
        assert!(
            handle_request(d.path()).is_none(),
            "no request: nothing to do"
        );
    }
}
