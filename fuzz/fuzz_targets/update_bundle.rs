//! Signed update bundles from a USB stick or the network: the tar reader, the signature
//! check and the manifest rules never panic, and nothing unsigned is ever accepted.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use motcua::domain::update::{judge, Installed, Manifest};
use motcua::update::bundle::{open_bundle, parse_public_key, TrustStore};

/// A public key whose secret was thrown away: no input can carry a valid signature.
const PUBLIC: &str =
    "untrusted comment: minisign public key: C3DE3A9BA0C93715\nRWQVN8mgmzrewxvzODyNHCWywtJrXvY3Rxp5CEPnvxbg2WmK4uYS0qbX\n";

fn trust() -> &'static TrustStore {
    static T: OnceLock<TrustStore> = OnceLock::new();
    T.get_or_init(|| {
        TrustStore::from_keys(vec![parse_public_key(PUBLIC).expect("the fuzz key parses")])
    })
}

fn installed() -> Installed {
    Installed {
        version: "0.1.0".into(),
        arch: "amd64".into(),
        epoch: 1,
        db_format: motcua::store::SCHEMA_VERSION,
        data_version: None,
    }
}

fuzz_target!(|data: &[u8]| {
    assert!(
        open_bundle(std::io::Cursor::new(data), trust(), |_| installed()).is_err(),
        "an unsigned bundle was accepted"
    );
    if let Ok(m) = serde_json::from_slice::<Manifest>(data) {
        let _ = judge(&m, &installed());
    }
});
