//! The ESC/POS decoder (what shows a printed ticket as an image and in snapshots): any
//! byte stream decodes without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = motcua::devices::printer::decode::decode(data);
});
