//! eSCL XML from a scanner on the LAN (capabilities, status, scan settings): parsing never
//! panics, and what parses writes back to XML that parses again.
#![no_main]
use libfuzzer_sys::fuzz_target;
use motcua::devices::scanner::escl::{Capabilities, ScanSettings, ScannerStatus};

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = Capabilities::parse(data) {
        Capabilities::parse(c.to_xml().as_bytes()).expect("capabilities round trip");
    }
    if let Ok(s) = ScannerStatus::parse(data) {
        ScannerStatus::parse(s.to_xml().as_bytes()).expect("status round trip");
    }
    if let Ok(s) = ScanSettings::parse(data) {
        ScanSettings::parse(s.to_xml().as_bytes()).expect("settings round trip");
    }
});
