//! One configuration struct: defaults < config file < `MOTCUA_*` environment < flags.
//! Resolution is a pure function so the precedence is unit-tested.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: String,
    /// tracing-subscriber filter, e.g. `info` or `motcua=debug`.
    pub log: String,
    /// HTTP worker threads (0 = one per core).
    pub workers: usize,
    /// The kiosk's ticket printer: `none`, `sim`, `tcp:HOST:PORT`, `file:/dev/usb/lp0`.
    pub printer: String,
    /// Also serve HTTPS on this address (e.g. `0.0.0.0:8443`); off by default.
    pub listen_tls: Option<String>,
    /// PEM certificate and key for HTTPS; without them a self-signed pair is generated.
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    /// Automatic backup interval in hours (0 = off); the newest 14 are kept.
    pub backup_every_hours: u32,
    /// mDNS host name announced on the LAN (`motcua` → http://motcua.local:PORT); empty
    /// turns the announcement off. `serve` only (never the demo or tests).
    pub mdns_name: String,
    /// Public keys shipped with the package (a keys bundle can replace them).
    pub update_keys_dir: PathBuf,
    /// Bundle URLs of the district's update server, fetched every `update_every_hours`.
    pub update_urls: Vec<String>,
    pub update_every_hours: u32,
    /// The provincial one-stop system's base URL (reference profile); `None` = sync off.
    pub province_url: Option<String>,
    /// Its static bearer token. Shown nowhere: [`Secret`]'s Debug prints `***`.
    pub province_token: Option<Secret>,
}

/// A value that must never reach a log line, an error text or an export.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// What a config file may set (all optional).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub log: Option<String>,
    pub workers: Option<usize>,
    pub printer: Option<String>,
    pub listen_tls: Option<String>,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub backup_every_hours: Option<u32>,
    pub mdns_name: Option<String>,
    pub update_keys_dir: Option<PathBuf>,
    pub update_urls: Option<Vec<String>>,
    pub update_every_hours: Option<u32>,
    pub province_url: Option<String>,
    pub province_token: Option<Secret>,
}

/// What the command line set.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: toml::de::Error,
    },
    #[error("{name}: {message}")]
    Env { name: String, message: String },
}

impl Config {
    pub fn defaults(data_dir: &Path, listen: &str) -> Config {
        Config {
            data_dir: data_dir.to_path_buf(),
            listen: listen.to_string(),
            log: "info".into(),
            workers: 0,
            printer: "none".into(),
            listen_tls: None,
            tls_cert: None,
            tls_key: None,
            backup_every_hours: 24,
            mdns_name: "motcua".into(),
            update_keys_dir: PathBuf::from("/usr/share/motcua/keys"),
            update_urls: Vec::new(),
            update_every_hours: 6,
            province_url: None,
            province_token: None,
        }
    }

    pub fn resolve(
        defaults: Config,
        file: Option<FileConfig>,
        env: &HashMap<String, String>,
        flags: &Flags,
    ) -> Result<Config, ConfigError> {
        let mut c = defaults;
        if let Some(f) = file {
            if let Some(v) = f.data_dir {
                c.data_dir = v;
            }
            if let Some(v) = f.listen {
                c.listen = v;
            }
            if let Some(v) = f.log {
                c.log = v;
            }
            if let Some(v) = f.workers {
                c.workers = v;
            }
            if let Some(v) = f.printer {
                c.printer = v;
            }
            if f.listen_tls.is_some() {
                c.listen_tls = f.listen_tls;
            }
            if f.tls_cert.is_some() {
                c.tls_cert = f.tls_cert;
            }
            if f.tls_key.is_some() {
                c.tls_key = f.tls_key;
            }
            if let Some(v) = f.backup_every_hours {
                c.backup_every_hours = v;
            }
            if let Some(v) = f.mdns_name {
                c.mdns_name = v;
            }
            if let Some(v) = f.update_keys_dir {
                c.update_keys_dir = v;
            }
            if let Some(v) = f.update_urls {
                c.update_urls = v;
            }
            if let Some(v) = f.update_every_hours {
                c.update_every_hours = v;
            }
            if f.province_url.is_some() {
                c.province_url = f.province_url.filter(|u| !u.trim().is_empty());
            }
            if f.province_token.is_some() {
                c.province_token = f.province_token;
            }
        }
        if let Some(v) = env.get("MOTCUA_PROVINCE_URL") {
            c.province_url = Some(v.clone()).filter(|u| !u.trim().is_empty());
        }
        if let Some(v) = env.get("MOTCUA_PROVINCE_TOKEN") {
            c.province_token = Some(Secret(v.clone()));
        }
        if let Some(v) = env.get("MOTCUA_DATA") {
            c.data_dir = PathBuf::from(v);
        }
        if let Some(v) = env.get("MOTCUA_LISTEN") {
            c.listen = v.clone();
        }
        if let Some(v) = env.get("MOTCUA_LOG") {
            c.log = v.clone();
        }
        if let Some(v) = env.get("MOTCUA_WORKERS") {
            c.workers = v.parse().map_err(|_| ConfigError::Env {
                name: "MOTCUA_WORKERS".into(),
                message: format!("not a number: {v}"),
            })?;
        }
        if let Some(v) = env.get("MOTCUA_LISTEN_TLS") {
            c.listen_tls = Some(v.clone());
        }
        if let Some(v) = env.get("MOTCUA_PRINTER") {
            c.printer = v.clone();
        }
        if let Some(v) = env.get("MOTCUA_MDNS_NAME") {
            c.mdns_name = v.clone();
        }
        if let Some(v) = &flags.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = &flags.listen {
            c.listen = v.clone();
        }
        Ok(c)
    }

    pub fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| ConfigError::Parse {
            path: path.into(),
            source,
        })
    }

    pub fn db_path(&self) -> PathBuf {
        self.data_dir.join("motcua.redb")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precedence_defaults_file_env_flags() {
        let d = Config::defaults(Path::new("/var/lib/motcua"), "0.0.0.0:8080");
        let file = FileConfig {
            listen: Some("0.0.0.0:80".into()),
            log: Some("debug".into()),
            ..Default::default()
        };
        let mut env = HashMap::new();
        env.insert("MOTCUA_LISTEN".to_string(), "127.0.0.1:9000".to_string());
        let flags = Flags {
            data_dir: Some("/tmp/x".into()),
            ..Default::default()
        };
        let c = Config::resolve(d.clone(), Some(file.clone()), &env, &flags).unwrap();
        assert_eq!(c.listen, "127.0.0.1:9000"); // env beats file
        assert_eq!(c.log, "debug"); // file beats default
        assert_eq!(c.data_dir, PathBuf::from("/tmp/x")); // flag beats all
        let flags = Flags {
            listen: Some("1.2.3.4:1".into()),
            ..Default::default()
        };
        assert_eq!(
            Config::resolve(d.clone(), Some(file), &env, &flags)
                .unwrap()
                .listen,
            "1.2.3.4:1"
        );
        assert_eq!(
            Config::resolve(d.clone(), None, &HashMap::new(), &Flags::default()).unwrap(),
            d
        );
        env.insert("MOTCUA_WORKERS".into(), "x".into());
        assert!(Config::resolve(d, None, &env, &Flags::default()).is_err());
    }

    #[test]
    fn file_rejects_unknown_keys() {
        assert!(toml::from_str::<FileConfig>("listen = \"0.0.0.0:1\"\n").is_ok());
        assert!(toml::from_str::<FileConfig>("lisen = \"0.0.0.0:1\"\n").is_err());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(400))]

            /// Any text in the config file's place parses or is refused with an error,
            /// never a panic; unknown keys are always refused.
            #[test]
            fn any_text(s in "\\PC{0,200}") {
                let _ = toml::from_str::<FileConfig>(&s);
            }

            /// Known keys with values of the wrong type are refused, right types read.
            #[test]
            fn known_keys(
                key in prop::sample::select(vec!["listen", "log", "printer", "workers", "backup_every_hours", "update_every_hours", "update_urls", "mdns_name"]),
                v in prop_oneof![
                    "[a-z0-9.:]{0,12}".prop_map(|s| format!("\"{s}\"")),
                    (0u32..100_000).prop_map(|n| n.to_string()),
                    Just("[\"http://a\", \"http://b\"]".to_string()),
                    Just("true".to_string()),
                ],
                unknown in "[a-z_]{1,12}",
            ) {
                let text = format!("{key} = {v}\n");
                let numeric = matches!(key, "workers" | "backup_every_hours" | "update_every_hours");
                let ok = toml::from_str::<FileConfig>(&text).is_ok();
                let expected = if numeric {
                    v.parse::<u32>().is_ok()
                } else if key == "update_urls" {
                    v.starts_with('[')
                } else {
                    v.starts_with('"')
                };
                prop_assert_eq!(ok, expected, "{}", text);
                let known = ["data_dir", "listen", "log", "workers", "printer", "listen_tls", "tls_cert", "tls_key", "backup_every_hours", "mdns_name", "update_keys_dir", "update_urls", "update_every_hours"];
                if !known.contains(&unknown.as_str()) {
                    let line = format!("{unknown} = 1\n");
                    let refused = toml::from_str::<FileConfig>(&line).is_err();
                    prop_assert!(refused, "unknown key accepted: {}", line);
                }
            }
        }
    }
}
