//! The certified e-copy's last page (SIGNING.md §3): the lời chứng, added to the scanned
//! original as a page of its own in an incremental update (the original's bytes stay the
//! file's first bytes, its pages untouched), with a QR code that opens the public
//! verification page. The signatures are appended after it, so they cover the page, and
//! the person's signature box lands under "Người thực hiện chứng thực".
//!
//! A page of its own, not text stamped over the scan: a scan has no free space we can
//! trust, and a copy of two or more pages carries the lời chứng on its last page anyway.

use lopdf::Object;

use super::appearance::{f as n, person_rect, EmbeddedFont, Objects};
use super::pdf::{append_update, as_ref, load, next_free, page_box, serialize, PdfError};

/// What the lời chứng page says.
pub struct Attestation<'a> {
    /// The issuing body, two lines: `ỦY BAN NHÂN DÂN`, `XÃ TÂN PHÚ`.
    pub body: [&'a str; 2],
    /// The lời chứng's lines (`domain::ecopy::attestation`): the sentence, the number, the
    /// date, "Người thực hiện chứng thực", the title, the name.
    pub lines: &'a [String],
    /// What the original was (shown under the number, for whoever reads the copy).
    pub document: &'a str,
    /// The public verification address the QR holds.
    pub url: &'a str,
}

/// One line of text at `size` points: centred on `cx`, or from `x` when `cx` is `None`.
fn text(
    c: &mut String,
    font: &mut EmbeddedFont,
    s: &str,
    size: f32,
    x: f32,
    y: f32,
    centred: bool,
) {
    let x = if centred {
        x - font.width(s, size) / 2.0
    } else {
        x
    };
    let hex = font.encode(s);
    c.push_str(&format!(
        "BT /F1 {} Tf 1 0 0 1 {} {} Tm {hex} Tj ET\n",
        n(size),
        n(x),
        n(y)
    ));
}

/// Long text broken into lines no wider than `width` at `size` (on spaces).
fn wrap(font: &EmbeddedFont, s: &str, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        // A word wider than the line (an address) is cut where it must be.
        if font.width(word, size) > width {
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            for ch in word.chars() {
                let mut probe = cur.clone();
                probe.push(ch);
                if font.width(&probe, size) > width && !cur.is_empty() {
                    lines.push(std::mem::replace(&mut cur, ch.to_string()));
                } else {
                    cur = probe;
                }
            }
            continue;
        }
        let next = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if font.width(&next, size) > width && !cur.is_empty() {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = next;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
}

/// The page's drawing: the heading, the lời chứng, the QR with its caption, the place
/// for the signature.
fn content(a: &Attestation, page: [f32; 4], font: &mut EmbeddedFont) -> Result<String, String> {
    let (x0, x1, y1) = (page[0], page[2], page[3]);
    let w = x1 - x0;
    let mut c = String::from("q 0 g\n");
    // Heading: the body left, the national motto right (as on every administrative paper).
    let (lx, rx) = (x0 + w * 0.25, x0 + w * 0.68);
    let top = y1 - 60.0;
    text(&mut c, font, a.body[0], 11.0, lx, top, true);
    text(&mut c, font, a.body[1], 11.0, lx, top - 15.0, true);
    text(
        &mut c,
        font,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        11.0,
        rx,
        top,
        true,
    );
    text(
        &mut c,
        font,
        "Độc lập - Tự do - Hạnh phúc",
        11.0,
        rx,
        top - 15.0,
        true,
    );
    let mw = font.width("Độc lập - Tự do - Hạnh phúc", 11.0);
    c.push_str(&format!(
        "0.6 w {} {} m {} {} l S\n",
        n(rx - mw / 2.0),
        n(top - 20.0),
        n(rx + mw / 2.0),
        n(top - 20.0)
    ));
    // The lời chứng.
    let cx = x0 + w / 2.0;
    let mut y = top - 90.0;
    let get = |i: usize| a.lines.get(i).map(String::as_str).unwrap_or("");
    text(&mut c, font, &get(0).to_uppercase(), 15.0, cx, y, true);
    y -= 30.0;
    text(&mut c, font, get(1), 12.5, cx, y, true);
    y -= 20.0;
    for l in wrap(font, &format!("Bản chính: {}", a.document), 11.0, w * 0.7) {
        text(&mut c, font, &l, 11.0, cx, y, true);
        y -= 16.0;
    }
    // Signer's column, right, above the signature box.
    let sig = person_rect(page);
    let sx = (sig[0] + sig[2]) / 2.0;
    let mut sy = sig[3] + 78.0;
    text(&mut c, font, get(2), 11.5, sx, sy, true);
    sy -= 20.0;
    text(&mut c, font, &get(3).to_uppercase(), 11.5, sx, sy, true);
    sy -= 17.0;
    text(&mut c, font, get(4), 11.5, sx, sy, true);
    sy -= 17.0;
    text(&mut c, font, "(Ký số, đóng dấu điện tử)", 9.5, sx, sy, true);
    text(&mut c, font, get(5), 12.0, sx, sig[1] - 16.0, true);
    // The QR, bottom left, with what it is for.
    let code = qrcode::QrCode::with_error_correction_level(a.url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| format!("không tạo được mã QR: {e}"))?;
    let modules = code.width();
    let side = 96.0_f32;
    let m = side / modules as f32;
    let (qx, qy) = (x0 + 56.0, sig[1] + 20.0);
    let colors = code.to_colors();
    for my in 0..modules {
        for mx in 0..modules {
            if colors[my * modules + mx] == qrcode::Color::Dark {
                c.push_str(&format!(
                    "{} {} {} {} re\n",
                    n(qx + mx as f32 * m),
                    n(qy + side - (my + 1) as f32 * m),
                    n(m + 0.01),
                    n(m + 0.01)
                ));
            }
        }
    }
    c.push_str("f\n");
    text(
        &mut c,
        font,
        "Quét mã để kiểm tra bản sao này",
        9.0,
        qx,
        qy + side + 16.0,
        false,
    );
    text(
        &mut c,
        font,
        "(đối chiếu với bản lưu tại cơ quan cấp)",
        9.0,
        qx,
        qy + side + 5.0,
        false,
    );
    let mut uy = qy - 12.0;
    for l in wrap(font, a.url, 7.5, (sig[0] - 16.0 - qx).max(120.0)) {
        text(&mut c, font, &l, 7.5, qx, uy, false);
        uy -= 10.0;
    }
    c.push_str("Q\n");
    Ok(c)
}

/// Pages of a file that can take the lời chứng page (a PDF, readable, not encrypted).
pub fn pages_of(original: &[u8]) -> Result<u32, PdfError> {
    let (doc, _) = load(original)?;
    match doc.get_pages().len() as u32 {
        0 => Err(PdfError::NoPages),
        n => Ok(n),
    }
}

/// The original with the lời chứng page added after its last page (one incremental
/// update: the new page, its content and font, the page tree with one more kid).
pub fn append_attestation(original: &[u8], a: &Attestation) -> Result<Vec<u8>, PdfError> {
    let (doc, root_id) = load(original)?;
    let catalog = doc.get_dictionary(root_id).map_err(|_| PdfError::NotPdf)?;
    let pages_id = as_ref(catalog.get(b"Pages").ok()).ok_or(PdfError::NotPdf)?;
    let (_, last) = doc
        .get_pages()
        .into_iter()
        .next_back()
        .ok_or(PdfError::NoPages)?;
    let page = page_box(&doc, last);
    let mut pages = doc
        .get_dictionary(pages_id)
        .map_err(|_| PdfError::NotPdf)?
        .clone();
    let mut kids = match pages.get(b"Kids") {
        Ok(Object::Array(k)) => k.clone(),
        Ok(Object::Reference(r)) => doc
            .get_object(*r)
            .ok()
            .and_then(|o| o.as_array().ok().cloned())
            .ok_or(PdfError::NotPdf)?,
        _ => return Err(PdfError::NotPdf),
    };
    let count = pages
        .get(b"Count")
        .ok()
        .and_then(|c| c.as_i64().ok())
        .unwrap_or(kids.len() as i64);

    let mut objs = Objects::new(next_free(&doc));
    let (page_id, content_id) = (objs.reserve(), objs.reserve());
    let mut font = EmbeddedFont::dejavu();
    let body = content(a, page, &mut font).map_err(|_| PdfError::NotPdf)?;
    let font_id = font.write(&mut objs).map_err(|_| PdfError::NotPdf)?;
    objs.stream(content_id, "", body.as_bytes());
    objs.put(
        page_id,
        format!(
            "<< /Type /Page /Parent {} {} R /MediaBox [{} {} {} {}] /Resources << /Font << /F1 {font_id} 0 R >> >> /Contents {content_id} 0 R >>",
            pages_id.0, pages_id.1, n(page[0]), n(page[1]), n(page[2]), n(page[3])
        )
        .into_bytes(),
    );
    kids.push(Object::Reference((page_id, 0)));
    pages.set("Kids", Object::Array(kids));
    pages.set("Count", Object::Integer(count + 1));
    let next = objs.next();
    let mut list = objs.list;
    list.push((pages_id.0, serialize(&Object::Dictionary(pages))));
    let (out, _) = append_update(original, &doc, root_id, list, next);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines() -> Vec<String> {
        let n = crate::domain::ecopy::CertNumber {
            number: 7,
            year: 2026,
        };
        let day = chrono::NaiveDate::from_ymd_opt(2026, 3, 5).unwrap();
        crate::domain::ecopy::attestation(&n, day, "Nguyễn Văn An", "PHÓ CHỦ TỊCH")
    }

    #[test]
    fn the_attestation_is_one_more_page_after_the_original_bytes() {
        let mut jpg = Vec::new();
        let pixels: Vec<u8> = (0..64 * 64).map(|i| (i % 251) as u8).collect();
        jpeg_encoder::Encoder::new(&mut jpg, 80)
            .encode(&pixels, 64, 64, jpeg_encoder::ColorType::Luma)
            .unwrap();
        let original = crate::render::pdf::pdf_from_jpegs(&[&jpg, &jpg], "Bản chính").unwrap();
        let l = lines();
        let out = append_attestation(
            &original,
            &Attestation {
                body: ["ỦY BAN NHÂN DÂN", "XÃ TÂN PHÚ"],
                lines: &l,
                document: "Giấy khai sinh bản chính số 12",
                url: "http://192.168.1.10:8080/xac-thuc/abc",
            },
        )
        .unwrap();
        assert!(out.starts_with(&original), "appended, never rewritten");
        let before = lopdf::Document::load_mem(&original)
            .unwrap()
            .get_pages()
            .len();
        let doc = lopdf::Document::load_mem(&out).unwrap();
        assert_eq!(doc.get_pages().len(), before + 1);
        let text = doc.extract_text(&[(before + 1) as u32]).unwrap_or_default();
        assert!(
            text.contains("CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH"),
            "{text}"
        );
        assert!(
            text.contains("Số chứng thực 7 Quyển số 01/2026-SCTĐT/BS"),
            "{text}"
        );
    }

    #[test]
    fn long_addresses_are_cut_to_the_line() {
        let font = EmbeddedFont::dejavu();
        let url = "http://192.168.1.10:8080/xac-thuc/0123456789abcdef0123456789abcdef";
        let lines = wrap(&font, url, 7.5, 150.0);
        assert!(lines.len() >= 2, "{lines:?}");
        assert_eq!(lines.concat(), url, "nothing lost");
        assert!(lines.iter().all(|l| font.width(l, 7.5) <= 150.0));
    }

    #[test]
    fn a_file_that_is_not_a_pdf_gets_the_reason() {
        let l = lines();
        let a = Attestation {
            body: ["A", "B"],
            lines: &l,
            document: "x",
            url: "http://x/",
        };
        assert_eq!(append_attestation(b"hello", &a), Err(PdfError::NotPdf));
    }
}
