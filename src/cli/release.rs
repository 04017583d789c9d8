//! `motcua release`: district IT's keys and signed bundles.

use anyhow::Context;

use super::{read_password, ReleaseCmd};

pub fn run(cmd: ReleaseCmd) -> anyhow::Result<()> {
    use motcua::domain::update::{BundleKind, Manifest, MANIFEST_FORMAT, PRODUCT};
    use motcua::update::bundle;
    match cmd {
        ReleaseCmd::Keygen {
            out_dir,
            password_stdin,
        } => {
            let pw = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let (pk, sk) = bundle::keygen(pw).map_err(anyhow::Error::msg)?;
            std::fs::create_dir_all(&out_dir)?;
            let (pp, sp) = (
                out_dir.join("motcua-release.pub"),
                out_dir.join("motcua-release.key"),
            );
            anyhow::ensure!(
                !sp.exists(),
                "{} exists: refusing to overwrite a key",
                sp.display()
            );
            std::fs::write(&pp, pk)?;
            {
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&sp)?;
                f.write_all(sk.as_bytes())?;
            }
            println!(
                "public key: {} (install it on the appliances: motcua update trust)",
                pp.display()
            );
            println!("secret key: {} (keep it offline)", sp.display());
            Ok(())
        }
        ReleaseCmd::Sign {
            key,
            password_stdin,
            kind,
            version,
            epoch,
            min_from,
            db_format,
            arch,
            out,
            payload,
        } => {
            let kind: BundleKind = serde_json::from_value(serde_json::json!(kind))
                .context("--kind must be app, catalogue, calendar, voice, keys or trust")?;
            let pw = if password_stdin {
                Some(read_password()?)
            } else {
                None
            };
            let sk = bundle::load_secret_key(&std::fs::read_to_string(&key)?, pw)
                .map_err(anyhow::Error::msg)?;
            let data = std::fs::read(&payload)
                .with_context(|| format!("cannot read {}", payload.display()))?;
            let name = payload
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "payload".into());
            let app = kind == BundleKind::App;
            let m = Manifest {
                format: MANIFEST_FORMAT,
                product: PRODUCT.into(),
                kind,
                arch: arch.unwrap_or_else(|| {
                    if app {
                        motcua::update::deb_arch().into()
                    } else {
                        "all".into()
                    }
                }),
                version,
                epoch,
                min_from,
                db_format: if app {
                    Some(db_format.unwrap_or(motcua::store::SCHEMA_VERSION))
                } else {
                    None
                },
                payload: name,
                sha256: String::new(),
                size: 0,
                created: chrono::Utc::now().to_rfc3339(),
            };
            let m = bundle::write_bundle(&out, m, &data, &sk).map_err(anyhow::Error::msg)?;
            println!(
                "{}: {:?} {} epoch {} sha256 {}",
                out.display(),
                m.kind,
                m.version,
                m.epoch,
                m.sha256
            );
            Ok(())
        }
    }
}
