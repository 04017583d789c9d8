//! `motcua update`: check a bundle, the root helper, trust a key.

use anyhow::Context;

use super::{init_logs, UpdateCmd};

pub fn run(cmd: UpdateCmd) -> anyhow::Result<()> {
    use motcua::update::{apply, bundle};
    match cmd {
        UpdateCmd::Verify {
            bundle: path,
            data,
            keys,
        } => {
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let dirs = motcua::service::updates::UpdateDirs {
                data_dir: data,
                shipped_keys: keys,
            };
            match motcua::service::updates::verify_in(&dirs, &bytes) {
                Ok(v) => {
                    let m = &v.manifest;
                    println!(
                        "OK: {:?} {} (epoch {}, {} bytes, sha256 {}) signed by {}",
                        m.kind, m.version, m.epoch, m.size, m.sha256, v.signer
                    );
                    Ok(())
                }
                Err(r) => {
                    eprintln!("REFUSED ({}): {r}", r.code());
                    std::process::exit(1);
                }
            }
        }
        UpdateCmd::Apply {
            data,
            keys,
            unit,
            health_url,
            health_timeout_secs,
        } => {
            init_logs("info");
            let mut inst = motcua::update::Dpkg { unit };
            let mut health = motcua::update::HttpHealth {
                base: health_url,
                timeout: std::time::Duration::from_secs(health_timeout_secs),
            };
            let mut h = apply::Helper {
                paths: apply::Paths::new(&data),
                trust: bundle::TrustStore::load(&keys, &data.join("keys")),
                version: env!("CARGO_PKG_VERSION").into(),
                arch: motcua::update::deb_arch().into(),
                db_format: motcua::store::SCHEMA_VERSION,
                installer: &mut inst,
                health: &mut health,
                now: chrono::Utc::now(),
            };
            let mut failed = false;
            for o in h.run() {
                match &o {
                    apply::Outcome::Failed(m) => {
                        failed = true;
                        tracing::error!("update failed: {m}");
                    }
                    apply::Outcome::NothingToDo => {}
                    other => tracing::info!("update: {other:?}"),
                }
            }
            if failed {
                std::process::exit(1);
            }
            Ok(())
        }
        UpdateCmd::Trust { key, data } => {
            let text = std::fs::read_to_string(&key)
                .with_context(|| format!("cannot read {}", key.display()))?;
            let pk = bundle::parse_public_key(&text).context("not a minisign public key")?;
            let dir = data.join("keys");
            std::fs::create_dir_all(&dir)?;
            let id = bundle::key_id(&pk);
            std::fs::write(
                dir.join(format!("{id}.pub")),
                format!(
                    "untrusted comment: minisign public key {id}\n{}\n",
                    pk.to_base64()
                ),
            )?;
            println!("trusting key {id} (in {})", dir.display());
            Ok(())
        }
    }
}
