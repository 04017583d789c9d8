//! A signature appended to a PDF as an incremental update (SIGNING.md §5: append, never
//! rewrite — earlier signatures stay valid). The original bytes are kept untouched; after
//! them come the signature dictionary (`/SubFilter /ETSI.CAdES.detached`, a fixed-size
//! `/Contents` placeholder), the signature field's widget, the page and the form updated
//! to name it, and a cross-reference section in the same form as the file's last one
//! (a table after a table, a stream after a stream: Preview and Acrobat choke on mixes).
//!
//! [`prepare`] lays the update out and says which bytes are signed (`/ByteRange`: all but
//! the `/Contents` hex); [`embed`] writes the CMS into the placeholder. Nothing moves
//! between the two, so the digest taken in between stays right.

use chrono::{DateTime, Utc};
use lopdf::{Document, Object, ObjectId};

/// Bytes of CMS the placeholder holds (hex: twice this). A signature with two
/// certificates takes about 2 KB; a timestamp adds 5–8 KB.
pub const PLACEHOLDER: usize = 16 * 1024;
const BYTE_RANGE_SLOT: &[u8] = b"/ByteRange [0 0000000000 0000000000 0000000000]";

/// Why a file cannot be signed, in Vietnamese for the officer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("Tệp không phải PDF hoặc bị hỏng (không đọc được cấu trúc)")]
    NotPdf,
    #[error("PDF có mật khẩu bảo vệ: không ký được; hãy dùng bản không đặt mật khẩu")]
    Encrypted,
    #[error("Tệp PDF bị cắt cụt (thiếu phần cuối): tải lên lại tệp đầy đủ")]
    Truncated,
    #[error("PDF không có trang nào")]
    NoPages,
    #[error(
        "Bảng tham chiếu (xref) của PDF bị hỏng: ký lên sẽ ra tệp hỏng; hãy xuất hoặc quét lại tệp"
    )]
    BrokenXref,
    #[error("Chữ ký quá lớn so với chỗ dành sẵn")]
    TooLarge,
}

/// An update laid out and waiting for its CMS.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    /// `[0, a, b, len − b]`: the signed spans (all but `/Contents`' hex, `<` and `>`).
    pub byte_range: [usize; 4],
}

impl Prepared {
    /// The bytes the signature covers, in order.
    pub fn signed_bytes(&self) -> impl Iterator<Item = &[u8]> {
        let [_, a, b, n] = self.byte_range;
        [&self.bytes[..a], &self.bytes[b..b + n]].into_iter()
    }
}

/// What the signature says of itself (the `/M` time, the signer's name, the reason).
pub struct SigInfo<'a> {
    pub field: &'a str,
    pub name: &'a str,
    pub reason: &'a str,
    pub at: DateTime<Utc>,
    /// What shows on the last page.
    pub look: super::appearance::Look,
}

/// A PDF text string: UTF-16BE with a byte order mark, as hex (never raw UTF-8).
pub fn text_string(s: &str) -> Vec<u8> {
    let mut out = b"<FEFF".to_vec();
    for u in s.encode_utf16() {
        out.extend_from_slice(format!("{u:04X}").as_bytes());
    }
    out.push(b'>');
    out
}

/// `D:20260305083000+07'00'`, Vietnam time.
pub fn pdf_date(t: DateTime<Utc>) -> String {
    crate::domain::time::local(t)
        .format("D:%Y%m%d%H%M%S+07'00'")
        .to_string()
}

pub(super) fn serialize(o: &Object) -> Vec<u8> {
    let mut v = Vec::new();
    let _ = lopdf::Writer::write_object(&mut v, o);
    v
}

pub(super) fn as_ref(o: Option<&Object>) -> Option<ObjectId> {
    o.and_then(|o| o.as_reference().ok())
}

/// The page's box (its own `/MediaBox` or the nearest inherited one; A4 when none).
pub(super) fn page_box(doc: &Document, page_id: ObjectId) -> [f32; 4] {
    let mut id = Some(page_id);
    for _ in 0..32 {
        let Some(d) = id.and_then(|i| doc.get_dictionary(i).ok()) else {
            break;
        };
        let mb = match d.get(b"MediaBox") {
            Ok(Object::Reference(r)) => doc.get_object(*r).ok(),
            Ok(o) => Some(o),
            Err(_) => None,
        };
        if let Some(Object::Array(a)) = mb {
            let v: Vec<f32> = a
                .iter()
                .filter_map(|o| match o {
                    Object::Integer(i) => Some(*i as f32),
                    Object::Real(r) => Some(*r),
                    _ => None,
                })
                .collect();
            if v.len() == 4 && v[2] > v[0] && v[3] > v[1] {
                return [v[0], v[1], v[2], v[3]];
            }
        }
        id = as_ref(d.get(b"Parent").ok());
    }
    [0.0, 0.0, 595.28, 841.89]
}

/// The file read for an update: a PDF, not encrypted, with its catalog's number.
pub(super) fn load(original: &[u8]) -> Result<(Document, ObjectId), PdfError> {
    if !original.starts_with(b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    // A file cut short in transfer still parses (readers rebuild what they find), so
    // its end marker is required: an update appended to half a file helps nobody.
    let tail = &original[original.len().saturating_sub(1024)..];
    if !tail.windows(5).any(|w| w == b"%%EOF") {
        return Err(PdfError::Truncated);
    }
    let doc = Document::load_mem(original).map_err(|_| PdfError::NotPdf)?;
    if doc.is_encrypted() || doc.trailer.get(b"Encrypt").is_ok() {
        return Err(PdfError::Encrypted);
    }
    // The update points back (`/Prev`) at the file's last cross-reference section: a
    // reader rebuilding a broken one would find the signed file broken too, or worse,
    // a different one. It must be where `startxref` says, as a table or a stream.
    let stated = original
        .windows(9)
        .rposition(|w| w == b"startxref")
        .and_then(|i| {
            std::str::from_utf8(&original[i + 9..(i + 40).min(original.len())])
                .ok()?
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        });
    let at = stated.unwrap_or(0);
    let here = original.get(at..).unwrap_or_default();
    let stream = {
        let head: Vec<&[u8]> = here
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
            .take(3)
            .collect();
        head.len() == 3
            && head[0].iter().all(u8::is_ascii_digit)
            && head[1].iter().all(u8::is_ascii_digit)
            && head[2].starts_with(b"obj")
    };
    // lopdf rebuilds what it can from a broken file: the `/Prev` written must still be
    // the section the file itself names.
    if at == 0 || at != doc.xref_start || !(here.starts_with(b"xref") || stream) {
        return Err(PdfError::BrokenXref);
    }
    let root_id = as_ref(doc.trailer.get(b"Root").ok()).ok_or(PdfError::NotPdf)?;
    Ok((doc, root_id))
}

/// The first object number an update may use (past the trailer's `/Size` and every
/// object the file has).
pub(super) fn next_free(doc: &Document) -> u32 {
    doc.trailer
        .get(b"Size")
        .ok()
        .and_then(|s| s.as_i64().ok())
        .map(|s| s as u32)
        .unwrap_or(0)
        .max(doc.max_id + 1)
}

/// Lays out the signature update on the last page, with its visible appearance.
pub fn prepare(original: &[u8], info: &SigInfo) -> Result<Prepared, PdfError> {
    let (doc, root_id) = load(original)?;
    let catalog = doc.get_dictionary(root_id).map_err(|_| PdfError::NotPdf)?;
    let (_, page_id) = doc
        .get_pages()
        .into_iter()
        .last()
        .ok_or(PdfError::NoPages)?;
    let page = doc.get_dictionary(page_id).map_err(|_| PdfError::NotPdf)?;
    let size = next_free(&doc);
    let (sig_id, field_id) = (size, size + 1);
    let mut extra = super::appearance::Objects::new(size + 2);
    let (rect, ap) = super::appearance::write(&info.look, page_box(&doc, page_id), &mut extra)
        .map_err(|_| PdfError::NotPdf)?;
    let next_size = extra.next();

    // The form names the new field; the page shows its widget.
    let field_ref = Object::Reference((field_id, 0));
    let mut updated: Vec<(u32, Vec<u8>)> = Vec::new();
    let acro = catalog.get(b"AcroForm").ok();
    match acro {
        Some(Object::Reference(af_id)) => {
            let mut af = doc
                .get_dictionary(*af_id)
                .map_err(|_| PdfError::NotPdf)?
                .clone();
            let mut fields = af
                .get(b"Fields")
                .ok()
                .and_then(|f| f.as_array().ok().cloned())
                .unwrap_or_default();
            fields.push(field_ref.clone());
            af.set("Fields", Object::Array(fields));
            af.set("SigFlags", Object::Integer(3));
            updated.push((af_id.0, serialize(&Object::Dictionary(af))));
        }
        other => {
            let mut af = match other {
                Some(Object::Dictionary(d)) => d.clone(),
                _ => lopdf::Dictionary::new(),
            };
            let mut fields = af
                .get(b"Fields")
                .ok()
                .and_then(|f| f.as_array().ok().cloned())
                .unwrap_or_default();
            fields.push(field_ref.clone());
            af.set("Fields", Object::Array(fields));
            af.set("SigFlags", Object::Integer(3));
            let mut cat = catalog.clone();
            cat.set("AcroForm", Object::Dictionary(af));
            updated.push((root_id.0, serialize(&Object::Dictionary(cat))));
        }
    }
    let mut pg = page.clone();
    let mut annots = match pg.get(b"Annots") {
        Ok(Object::Array(a)) => a.clone(),
        Ok(Object::Reference(r)) => doc
            .get_object(*r)
            .ok()
            .and_then(|o| o.as_array().ok().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    annots.push(field_ref);
    pg.set("Annots", Object::Array(annots));
    updated.push((page_id.0, serialize(&Object::Dictionary(pg))));

    let mut sig = Vec::new();
    sig.extend_from_slice(b"<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached ");
    sig.extend_from_slice(BYTE_RANGE_SLOT);
    sig.extend_from_slice(b" /Contents <");
    sig.extend(std::iter::repeat_n(b'0', 2 * PLACEHOLDER));
    sig.extend_from_slice(format!("> /M ({}) /Name ", pdf_date(info.at)).as_bytes());
    sig.extend_from_slice(&text_string(info.name));
    sig.extend_from_slice(b" /Reason ");
    sig.extend_from_slice(&text_string(info.reason));
    sig.extend_from_slice(b" >>");
    let mut widget = Vec::new();
    widget.extend_from_slice(b"<< /Type /Annot /Subtype /Widget /FT /Sig /T ");
    widget.extend_from_slice(&text_string(info.field));
    let shown = match ap {
        Some(ap) => format!(
            "/F 4 /Rect [{:.2} {:.2} {:.2} {:.2}] /AP << /N {ap} 0 R >>",
            rect[0], rect[1], rect[2], rect[3]
        ),
        None => "/F 132 /Rect [0 0 0 0]".to_string(),
    };
    widget.extend_from_slice(
        format!(
            " /V {sig_id} 0 R {shown} /P {} {} R >>",
            page_id.0, page_id.1
        )
        .as_bytes(),
    );
    let mut objects = vec![(sig_id, sig), (field_id, widget)];
    objects.extend(extra.list);
    objects.extend(updated);

    let (mut out, offsets) = append_update(original, &doc, root_id, objects, next_size);
    // The signed spans, written into the fixed-width slot (nothing moves).
    let sig_at = offsets
        .iter()
        .find(|(n, _)| *n == sig_id)
        .map(|(_, at)| *at)
        .unwrap_or(0);
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|p| p + from)
    };
    let a = find(&out, b"/Contents <", sig_at).ok_or(PdfError::NotPdf)? + b"/Contents ".len();
    let b = a + 2 + 2 * PLACEHOLDER;
    let range = [0, a, b, out.len() - b];
    let mut text = format!("/ByteRange [0 {} {} {}", range[1], range[2], range[3]).into_bytes();
    text.resize(BYTE_RANGE_SLOT.len() - 1, b' ');
    text.push(b']');
    let slot = find(&out, BYTE_RANGE_SLOT, sig_at).ok_or(PdfError::NotPdf)?;
    out[slot..slot + BYTE_RANGE_SLOT.len()].copy_from_slice(&text);
    Ok(Prepared {
        bytes: out,
        byte_range: range,
    })
}

/// Appends `objects` to `original` as one incremental update: the objects, then a
/// cross-reference section in the same form as the file's last one, its trailer pointing
/// back (`/Prev`) and keeping `/Root`, `/Info` and `/ID`. Returns the new bytes and where
/// each object starts.
pub(super) fn append_update(
    original: &[u8],
    doc: &Document,
    root_id: ObjectId,
    objects: Vec<(u32, Vec<u8>)>,
    mut next_size: u32,
) -> (Vec<u8>, Vec<(u32, usize)>) {
    let mut out = original.to_vec();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    let mut offsets: Vec<(u32, usize)> = Vec::new();
    for (n, body) in &objects {
        offsets.push((*n, out.len()));
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = out.len();
    let mut trailer = format!(
        "/Root {} {} R /Prev {}",
        root_id.0, root_id.1, doc.xref_start
    );
    if let Some(info_id) = as_ref(doc.trailer.get(b"Info").ok()) {
        trailer.push_str(&format!(" /Info {} {} R", info_id.0, info_id.1));
    }
    if let Ok(Object::Array(ids)) = doc.trailer.get(b"ID") {
        if let (Some(Object::String(a, _)), Some(Object::String(b, _))) = (ids.first(), ids.get(1))
        {
            trailer.push_str(&format!(" /ID [<{}> <{}>]", hex::encode(a), hex::encode(b)));
        }
    }
    offsets.sort();
    match doc.reference_table.cross_reference_type {
        lopdf::xref::XrefType::CrossReferenceTable => {
            out.extend_from_slice(b"xref\n");
            let mut i = 0;
            while i < offsets.len() {
                let mut j = i;
                while j + 1 < offsets.len() && offsets[j + 1].0 == offsets[j].0 + 1 {
                    j += 1;
                }
                out.extend_from_slice(format!("{} {}\n", offsets[i].0, j - i + 1).as_bytes());
                for (_, at) in &offsets[i..=j] {
                    out.extend_from_slice(format!("{at:010} 00000 n \n").as_bytes());
                }
                i = j + 1;
            }
            out.extend_from_slice(
                format!(
                    "trailer\n<< /Size {next_size} {trailer} >>\nstartxref\n{xref_at}\n%%EOF\n"
                )
                .as_bytes(),
            );
        }
        lopdf::xref::XrefType::CrossReferenceStream => {
            let xref_id = next_size;
            next_size += 1;
            offsets.push((xref_id, xref_at));
            offsets.sort();
            let mut rows = Vec::new();
            let mut index = Vec::new();
            for (n, at) in &offsets {
                rows.push(1u8);
                rows.extend_from_slice(&(*at as u32).to_be_bytes());
                rows.extend_from_slice(&0u16.to_be_bytes());
                index.push(format!("{n} 1"));
            }
            out.extend_from_slice(
                format!(
                    "{xref_id} 0 obj\n<< /Type /XRef /W [1 4 2] /Index [{}] /Size {next_size} {trailer} /Length {} >>\nstream\n",
                    index.join(" "),
                    rows.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(&rows);
            out.extend_from_slice(
                format!("\nendstream\nendobj\nstartxref\n{xref_at}\n%%EOF\n").as_bytes(),
            );
        }
    }
    (out, offsets)
}

/// Writes the CMS (DER) into the placeholder, upper-case hex, zero-padded.
pub fn embed(mut p: Prepared, cms: &[u8]) -> Result<Vec<u8>, PdfError> {
    if cms.len() > PLACEHOLDER {
        return Err(PdfError::TooLarge);
    }
    let start = p.byte_range[1] + 1;
    let hex = hex::encode_upper(cms);
    p.bytes[start..start + hex.len()].copy_from_slice(hex.as_bytes());
    Ok(p.bytes)
}
