//! HTTP/1.1 framing used over TCP and IPP-over-USB pipes: a device's bytes never panic the
//! reader, whatever the lengths and chunk sizes claim.
#![no_main]
use libfuzzer_sys::fuzz_target;
use motcua::devices::scanner::http1::{read_request, read_response};

fuzz_target!(|data: &[u8]| {
    let _ = read_response(&mut std::io::Cursor::new(data), false);
    let _ = read_response(&mut std::io::Cursor::new(data), true);
    let _ = read_request(&mut std::io::Cursor::new(data));
});
