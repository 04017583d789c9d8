//! One PDF per digitized paper, built in-process from JPEG pages. The JPEG bytes are
//! embedded as they are (`DCTDecode`): no re-encoding, so what the scanner saw is what the
//! archive keeps, and building is cheap. Each page is A4-wide; its height follows the
//! image's proportions.

use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};

/// A4 width in PDF points.
const PAGE_WIDTH_PT: f32 = 595.28;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("trang {0} không phải ảnh JPEG đọc được")]
    NotJpeg(usize),
    #[error("chưa có trang nào")]
    Empty,
}

/// Width, height and colour components of a JPEG, from its header.
pub fn jpeg_info(bytes: &[u8]) -> Option<(u16, u16, u8)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut d = jpeg_decoder::Decoder::new(bytes);
    d.read_info().ok()?;
    let i = d.info()?;
    let comps = match i.pixel_format {
        jpeg_decoder::PixelFormat::L8 | jpeg_decoder::PixelFormat::L16 => 1,
        jpeg_decoder::PixelFormat::RGB24 => 3,
        jpeg_decoder::PixelFormat::CMYK32 => 4,
    };
    (i.width > 0 && i.height > 0).then_some((i.width, i.height, comps))
}

/// Builds the PDF; `title` goes in the document information.
pub fn pdf_from_jpegs(pages: &[&[u8]], title: &str) -> Result<Vec<u8>, PdfError> {
    if pages.is_empty() {
        return Err(PdfError::Empty);
    }
    let infos = pages
        .iter()
        .enumerate()
        .map(|(i, p)| jpeg_info(p).ok_or(PdfError::NotJpeg(i + 1)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let ids = |i: usize| {
        let base = 4 + 3 * i as i32;
        (Ref::new(base), Ref::new(base + 1), Ref::new(base + 2))
    };
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(|i| ids(i).0))
        .count(pages.len() as i32);
    let image_name = Name(b"Im1");
    for (i, (bytes, (w, h, comps))) in pages.iter().zip(&infos).enumerate() {
        let (page_id, image_id, content_id) = ids(i);
        let pw = PAGE_WIDTH_PT;
        let ph = PAGE_WIDTH_PT * *h as f32 / *w as f32;
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, pw, ph));
        page.parent(tree);
        page.contents(content_id);
        page.resources().x_objects().pair(image_name, image_id);
        page.finish();
        let mut image = pdf.image_xobject(image_id, bytes);
        image.filter(Filter::DctDecode);
        image.width(*w as i32);
        image.height(*h as i32);
        match comps {
            1 => image.color_space().device_gray(),
            4 => image.color_space().device_cmyk(),
            _ => image.color_space().device_rgb(),
        };
        image.bits_per_component(8);
        image.finish();
        let mut content = Content::new();
        content.save_state();
        content.transform([pw, 0.0, 0.0, ph, 0.0, 0.0]);
        content.x_object(image_name);
        content.restore_state();
        pdf.stream(content_id, &content.finish());
    }
    pdf.document_info(info)
        .title(TextStr(title))
        .producer(TextStr("motcua"));
    Ok(pdf.finish())
}

/// Number of pages of a PDF we did not build (an upload), by counting page objects;
/// `None` when it does not look like a PDF at all.
pub fn count_pdf_pages(bytes: &[u8]) -> Option<u32> {
    if !bytes.starts_with(b"%PDF-") {
        return None;
    }
    let tail = &bytes[bytes.len().saturating_sub(2048)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return None; // truncated upload
    }
    let needle = b"/Type";
    let mut n = 0u32;
    let mut i = 0;
    while let Some(pos) = bytes[i..].windows(needle.len()).position(|w| w == needle) {
        let mut j = i + pos + needle.len();
        while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\n' || bytes[j] == b'\r') {
            j += 1;
        }
        if bytes[j..].starts_with(b"/Page") && !bytes[j..].starts_with(b"/Pages") {
            n += 1;
        }
        i = j;
    }
    Some(n.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u16, h: u16, rgb: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let (ct, n) = if rgb {
            (jpeg_encoder::ColorType::Rgb, 3)
        } else {
            (jpeg_encoder::ColorType::Luma, 1)
        };
        let px = vec![200u8; w as usize * h as usize * n];
        jpeg_encoder::Encoder::new(&mut out, 70)
            .encode(&px, w, h, ct)
            .unwrap();
        out
    }

    #[test]
    fn pages_are_embedded_untouched() {
        let a = jpeg(62, 88, false);
        let b = jpeg(88, 62, true);
        let pdf = pdf_from_jpegs(&[&a, &b], "Giấy khai sinh").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        // The JPEG bytes appear verbatim.
        assert!(pdf.windows(a.len()).any(|w| w == a.as_slice()));
        assert!(pdf.windows(b.len()).any(|w| w == b.as_slice()));
        assert_eq!(count_pdf_pages(&pdf), Some(2));
        assert_eq!(jpeg_info(&b), Some((88, 62, 3)));
    }

    #[test]
    fn garbage_is_refused() {
        assert_eq!(pdf_from_jpegs(&[], "x"), Err(PdfError::Empty));
        let a = jpeg(10, 10, false);
        assert_eq!(
            pdf_from_jpegs(&[&a, b"\xFF\xD8nope"], "x"),
            Err(PdfError::NotJpeg(2))
        );
        assert_eq!(count_pdf_pages(b"hello"), None);
        let pdf = pdf_from_jpegs(&[&a], "x").unwrap();
        assert_eq!(count_pdf_pages(&pdf[..pdf.len() / 2]), None);
    }
}
