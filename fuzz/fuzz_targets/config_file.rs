//! The appliance's config file (/etc/motcua/config.toml): any text parses or is refused.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = toml::from_str::<motcua::config::FileConfig>(s);
    }
});
