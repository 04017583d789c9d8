//! Uploaded images and documents: the ticket logo (PNG), scanned pages (JPEG header) and
//! uploaded PDFs (page count) never panic on any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = motcua::render::bitmap::Bitmap::logo_from_png(data, 384, 160);
    let _ = motcua::render::pdf::jpeg_info(data);
    let _ = motcua::render::pdf::count_pdf_pages(data);
});
