//! What a signature looks like on the page (Decree 30/2020 Phụ lục I, SIGNING.md §2): the
//! competent person's signature image in blue with "Ký bởi / Cơ quan / Thời gian ký" under
//! it, and the organisation's red seal over the left third of it. Standard-14 fonts have no
//! Vietnamese, so the text is set in a subset of DejaVu Sans embedded as a Type0 /
//! CIDFontType2 font (Identity-H, `/W` scaled to 1000 units, `/ToUnicode` so readers and
//! `pdftotext` get the words back).
//!
//! A center without image files of its own gets drawn ones (a blue stroke for the
//! signature, a ring with the organisation's name and a star for the seal): they mark
//! where and by whom, the cryptographic signature is what proves it.

use std::collections::BTreeMap;

use unicode_normalization::UnicodeNormalization;

/// Objects written in one update: numbers handed out from the file's next free one.
pub struct Objects {
    pub list: Vec<(u32, Vec<u8>)>,
    next: u32,
}

impl Objects {
    pub fn new(first: u32) -> Objects {
        Objects {
            list: Vec::new(),
            next: first,
        }
    }
    /// The next free object number (reserved).
    pub fn reserve(&mut self) -> u32 {
        let n = self.next;
        self.next += 1;
        n
    }
    /// The first number not handed out.
    pub fn next(&self) -> u32 {
        self.next
    }
    pub fn put(&mut self, id: u32, body: Vec<u8>) {
        self.list.push((id, body));
    }
    /// A stream object, Flate-compressed; `dict` is the inside of its dictionary.
    pub fn stream(&mut self, id: u32, dict: &str, data: &[u8]) {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = z.write_all(data);
        let packed = z.finish().unwrap_or_default();
        let mut body = format!(
            "<< {dict} /Filter /FlateDecode /Length {} >>\nstream\n",
            packed.len()
        )
        .into_bytes();
        body.extend_from_slice(&packed);
        body.extend_from_slice(b"\nendstream");
        self.put(id, body);
    }
}

/// A TrueType font embedded as a subset of the glyphs the text used.
pub struct EmbeddedFont {
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    remap: subsetter::GlyphRemapper,
    /// New glyph id → (advance in 1/1000 em, the text it stands for).
    used: BTreeMap<u16, (u32, char)>,
    name: &'static str,
}

impl EmbeddedFont {
    pub fn dejavu() -> EmbeddedFont {
        EmbeddedFont::new(crate::render::bitmap::FONT_REGULAR_TTF, "DejaVuSans")
    }

    fn new(data: &'static [u8], name: &'static str) -> EmbeddedFont {
        let face = ttf_parser::Face::parse(data, 0).expect("the embedded font parses");
        EmbeddedFont {
            data,
            face,
            remap: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
            name,
        }
    }

    fn advance(&self, gid: u16) -> u32 {
        let upem = self.face.units_per_em().max(1) as u32;
        let adv = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(gid))
            .unwrap_or(0) as u32;
        (adv * 1000 + upem / 2) / upem
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let sum: u32 = text
            .nfc()
            .map(|c| {
                let g = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
                self.advance(g)
            })
            .sum();
        sum as f32 * size / 1000.0
    }

    /// The text as a hex string of (new) glyph ids, for `Tj`; the glyphs join the subset.
    pub fn encode(&mut self, text: &str) -> String {
        let mut out = String::from("<");
        for c in text.nfc() {
            let old = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
            let new = self.remap.remap(old);
            let adv = self.advance(old);
            self.used.entry(new).or_insert((adv, c));
            out.push_str(&format!("{new:04X}"));
        }
        out.push('>');
        out
    }

    /// Writes the font's objects; returns the Type0 font's number.
    pub fn write(&self, objs: &mut Objects) -> Result<u32, String> {
        let sub = subsetter::subset(self.data, 0, &self.remap)
            .map_err(|e| format!("không nhúng được phông chữ: {e:?}"))?;
        let (font, cid, desc, file, tounicode) = (
            objs.reserve(),
            objs.reserve(),
            objs.reserve(),
            objs.reserve(),
            objs.reserve(),
        );
        // Subset tag: six capitals from the glyph set (same glyphs, same tag).
        let tag: String = {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            for g in self.remap.remapped_gids() {
                h.update(g.to_be_bytes());
            }
            h.finalize()
                .iter()
                .take(6)
                .map(|b| (b'A' + b % 26) as char)
                .collect()
        };
        let base = format!("{tag}+{}", self.name);
        let upem = self.face.units_per_em().max(1) as i32;
        let s = |v: i32| v * 1000 / upem;
        let bb = self.face.global_bounding_box();
        let widths: Vec<String> = (0..self.remap.num_gids())
            .map(|g| {
                self.used
                    .get(&g)
                    .map(|(w, _)| *w)
                    .unwrap_or_else(|| {
                        // .notdef and glyphs pulled in as components.
                        let old = self.remap.remapped_gids().nth(g as usize).unwrap_or(0);
                        self.advance(old)
                    })
                    .to_string()
            })
            .collect();
        objs.put(
            font,
            format!(
                "<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H /DescendantFonts [{cid} 0 R] /ToUnicode {tounicode} 0 R >>"
            )
            .into_bytes(),
        );
        objs.put(
            cid,
            format!(
                "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor {desc} 0 R /CIDToGIDMap /Identity /DW 1000 /W [0 [{}]] >>",
                widths.join(" ")
            )
            .into_bytes(),
        );
        objs.put(
            desc,
            format!(
                "<< /Type /FontDescriptor /FontName /{base} /Flags 32 /FontBBox [{} {} {} {}] /ItalicAngle 0 /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file} 0 R >>",
                s(bb.x_min as i32),
                s(bb.y_min as i32),
                s(bb.x_max as i32),
                s(bb.y_max as i32),
                s(self.face.ascender() as i32),
                s(self.face.descender() as i32),
                s(self.face.capital_height().unwrap_or(self.face.ascender()) as i32),
            )
            .into_bytes(),
        );
        objs.stream(file, &format!("/Length1 {}", sub.len()), &sub);
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().filter(|(g, _)| **g != 0).collect();
        for chunk in entries.chunks(100) {
            cmap.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (g, (_, c)) in chunk {
                let mut u = [0u16; 2];
                let hex: String = c
                    .encode_utf16(&mut u)
                    .iter()
                    .map(|x| format!("{x:04X}"))
                    .collect();
                cmap.push_str(&format!("<{g:04X}> <{hex}>\n"));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        objs.stream(tounicode, "", cmap.as_bytes());
        Ok(font)
    }
}

/// How a signature shows on the page.
#[derive(Debug, Clone, PartialEq)]
pub enum Look {
    /// No visible mark (a signature field only).
    Hidden,
    /// The competent person's signature: the signature image (their own PNG, blue on a
    /// transparent ground, as Decree 30/2020 Phụ lục I asks; a drawn one when none was
    /// set up), then the three lines.
    Person {
        name: String,
        org: String,
        at: chrono::DateTime<chrono::Utc>,
        image: Option<std::sync::Arc<Vec<u8>>>,
    },
    /// The organisation's seal (its PNG, red, transparent; a drawn one when none), over
    /// the left third of the person's signature.
    Seal {
        org: String,
        image: Option<std::sync::Arc<Vec<u8>>>,
    },
}

/// A PNG made into an image XObject with its transparency as a soft mask; the image's
/// number and its width/height ratio. Refused plainly when it is not a readable PNG.
pub fn png_image(png: &[u8], objs: &mut Objects) -> Result<(u32, f32), String> {
    let mut dec = png::Decoder::new(std::io::Cursor::new(png));
    dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = dec
        .read_info()
        .map_err(|_| "Ảnh chữ ký/con dấu không phải tệp PNG đọc được".to_string())?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|_| "Ảnh chữ ký/con dấu PNG bị hỏng".to_string())?;
    let (w, h) = (info.width, info.height);
    if w == 0 || h == 0 || w > 4000 || h > 4000 {
        return Err("Ảnh chữ ký/con dấu phải từ 1 đến 4000 điểm mỗi chiều".into());
    }
    let px = (w * h) as usize;
    let (mut rgb, mut alpha) = (Vec::with_capacity(px * 3), Vec::with_capacity(px));
    let data = &buf[..info.buffer_size()];
    match info.color_type {
        png::ColorType::Rgba => data.chunks_exact(4).for_each(|p| {
            rgb.extend_from_slice(&p[..3]);
            alpha.push(p[3]);
        }),
        png::ColorType::Rgb => data.chunks_exact(3).for_each(|p| {
            rgb.extend_from_slice(p);
            alpha.push(255);
        }),
        png::ColorType::GrayscaleAlpha => data.chunks_exact(2).for_each(|p| {
            rgb.extend_from_slice(&[p[0], p[0], p[0]]);
            alpha.push(p[1]);
        }),
        png::ColorType::Grayscale => data.iter().for_each(|&g| {
            rgb.extend_from_slice(&[g, g, g]);
            alpha.push(255);
        }),
        png::ColorType::Indexed => return Err("Ảnh PNG dạng bảng màu chưa đọc được".into()),
    }
    let mask = objs.reserve();
    objs.stream(
        mask,
        &format!("/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8"),
        &alpha,
    );
    let img = objs.reserve();
    objs.stream(
        img,
        &format!("/Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceRGB /BitsPerComponent 8 /SMask {mask} 0 R"),
        &rgb,
    );
    Ok((img, w as f32 / h as f32))
}

/// `cm` placing an image of width/height `ratio` centred in the box (x, y, bw, bh).
fn fit(ratio: f32, x: f32, y: f32, bw: f32, bh: f32) -> String {
    let (w, h) = if bw / bh > ratio {
        (bh * ratio, bh)
    } else {
        (bw, bw / ratio)
    };
    format!(
        "q {} 0 0 {} {} {} cm /Im1 Do Q\n",
        f(w),
        f(h),
        f(x + (bw - w) / 2.0),
        f(y + (bh - h) / 2.0)
    )
}

/// Where the person's box sits on a page of `w`×`h` points (bottom right, inside the
/// margins; smaller on small pages). The seal's square is placed from it.
pub fn person_rect(page: [f32; 4]) -> [f32; 4] {
    let (pw, ph) = (page[2] - page[0], page[3] - page[1]);
    let w = (pw * 0.40).min(220.0);
    let h = w * 0.5;
    let x1 = page[2] - (pw * 0.07).min(42.0);
    let y0 = page[1] + (ph * 0.06).min(48.0);
    [x1 - w, y0, x1, y0 + h]
}

/// The seal: a square centred on the left third of the person's signature image, its
/// bottom just above the "Ký bởi" lines so they stay readable (the image is the box's
/// upper part, the text its lower 38 %).
pub fn seal_rect(page: [f32; 4]) -> [f32; 4] {
    let p = person_rect(page);
    let (w, h) = (p[2] - p[0], p[3] - p[1]);
    let d = h * 0.64;
    let (cx, cy) = (p[0] + w / 6.0, p[1] + h * TEXT_TOP + d / 2.0);
    [cx - d / 2.0, cy - d / 2.0, cx + d / 2.0, cy + d / 2.0]
}

/// Where the text lines end, as a share of the person's box height from its bottom.
const TEXT_TOP: f32 = 0.40;

/// A number for a content stream: two decimals at most, no trailing zeros.
pub(super) fn f(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// A circle path (four Bézier quarters).
fn circle(cx: f32, cy: f32, r: f32) -> String {
    let k = 0.5523 * r;
    format!(
        "{} {} m {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c h\n",
        f(cx + r), f(cy),
        f(cx + r), f(cy + k), f(cx + k), f(cy + r), f(cx), f(cy + r),
        f(cx - k), f(cy + r), f(cx - r), f(cy + k), f(cx - r), f(cy),
        f(cx - r), f(cy - k), f(cx - k), f(cy - r), f(cx), f(cy - r),
        f(cx + k), f(cy - r), f(cx + r), f(cy - k), f(cx + r), f(cy),
    )
}

/// Text set along an arc, each glyph upright to the circle: on the top half reading
/// clockwise (tops outward), on the bottom half reading left to right (tops inward).
fn arc_text(
    font: &mut EmbeddedFont,
    text: &str,
    size: f32,
    cx: f32,
    cy: f32,
    r: f32,
    top: bool,
) -> String {
    let chars: Vec<String> = text.nfc().map(|c| c.to_string()).collect();
    let widths: Vec<f32> = chars.iter().map(|c| font.width(c, size)).collect();
    let spacing = size * 0.12;
    let total: f32 = widths.iter().sum::<f32>() + spacing * chars.len().saturating_sub(1) as f32;
    let span = total / r;
    let mut out = String::new();
    let mut along = 0.0f32;
    for (c, w) in chars.iter().zip(&widths) {
        let mid = along + w / 2.0;
        along += w + spacing;
        let (theta, phi) = if top {
            let t = std::f32::consts::FRAC_PI_2 + span / 2.0 - mid / r;
            (t, t - std::f32::consts::FRAC_PI_2)
        } else {
            let t = 3.0 * std::f32::consts::FRAC_PI_2 - span / 2.0 + mid / r;
            (t, t + std::f32::consts::FRAC_PI_2)
        };
        let (px, py) = (cx + r * theta.cos(), cy + r * theta.sin());
        // The glyph's origin: half its width back along the baseline.
        let (ox, oy) = (px - phi.cos() * w / 2.0, py - phi.sin() * w / 2.0);
        out.push_str(&format!(
            "{} {} {} {} {} {} Tm {} Tj\n",
            f(phi.cos()),
            f(phi.sin()),
            f(-phi.sin()),
            f(phi.cos()),
            f(ox),
            f(oy),
            font.encode(c)
        ));
    }
    out
}

/// The appearance stream's content for `look` in a box of `w`×`h`.
fn content(look: &Look, w: f32, h: f32, font: &mut EmbeddedFont, image: Option<f32>) -> String {
    let mut c = String::new();
    match look {
        Look::Hidden => {}
        Look::Person { name, org, at, .. } => {
            // A light white ground so the lines read over a scanned page.
            c.push_str(&format!(
                "q /Gs1 gs 1 1 1 rg 0 0 {} {} re f Q\n",
                f(w),
                f(h)
            ));
            let (x0, y0, sw, sh) = (w * 0.12, h * 0.45, w * 0.76, h * 0.42);
            if let Some(ratio) = image {
                c.push_str(&fit(ratio, x0, y0 - sh * 0.1, sw, sh * 1.2));
            }
            // The drawn signature (blue), varied a little by the name.
            let seed = name
                .bytes()
                .fold(7u32, |a, b| a.wrapping_mul(31).wrapping_add(b as u32));
            let j = |i: u32| ((seed >> (i * 3)) % 7) as f32 / 7.0 - 0.5;
            let drawn = format!(
                "q 0.05 0.2 0.65 RG {} w 1 J 1 j\n{} {} m {} {} {} {} {} {} c {} {} {} {} {} {} c {} {} {} {} {} {} c S\n{} {} m {} {} {} {} {} {} c S Q\n",
                f(h * 0.022),
                f(x0), f(y0 + sh * 0.35),
                f(x0 + sw * 0.10), f(y0 + sh * (1.0 + 0.2 * j(0))), f(x0 + sw * 0.22), f(y0 + sh * 0.95), f(x0 + sw * 0.25), f(y0 + sh * 0.40),
                f(x0 + sw * 0.30), f(y0 - sh * 0.10), f(x0 + sw * 0.42), f(y0 + sh * (0.85 + 0.2 * j(1))), f(x0 + sw * 0.52), f(y0 + sh * 0.55),
                f(x0 + sw * 0.62), f(y0 + sh * 0.20), f(x0 + sw * 0.78), f(y0 + sh * (0.90 + 0.2 * j(2))), f(x0 + sw), f(y0 + sh * 0.50),
                f(x0 + sw * 0.05), f(y0 + sh * 0.05),
                f(x0 + sw * 0.40), f(y0 - sh * 0.15), f(x0 + sw * 0.70), f(y0 + sh * 0.15), f(x0 + sw * 0.95), f(y0 - sh * 0.02),
            );
            if image.is_none() {
                c.push_str(&drawn);
            }
            let local = crate::domain::time::local(*at);
            let lines = [
                format!("Ký bởi: {name}"),
                format!("Cơ quan: {org}"),
                format!("Thời gian ký: {}", local.format("%d/%m/%Y %H:%M:%S +07:00")),
            ];
            let mut size = (h * 0.085).clamp(5.0, 9.0);
            let widest = lines
                .iter()
                .map(|l| font.width(l, size))
                .fold(0.0f32, f32::max);
            if widest > w * 0.96 {
                size *= w * 0.96 / widest;
            }
            c.push_str("BT 0 0 0 rg\n");
            for (i, l) in lines.iter().enumerate() {
                let y = h * 0.30 - i as f32 * size * 1.3;
                c.push_str(&format!(
                    "/F1 {} Tf 1 0 0 1 {} {} Tm {} Tj\n",
                    f(size),
                    f(w * 0.02),
                    f(y),
                    font.encode(l)
                ));
            }
            c.push_str("ET\n");
        }
        Look::Seal { image: Some(_), .. } => {
            if let Some(ratio) = image {
                c.push_str(&format!("q /Gs1 gs\n{}Q\n", fit(ratio, 0.0, 0.0, w, h)));
            }
        }
        Look::Seal { org, .. } => {
            let (cx, cy) = (w / 2.0, h / 2.0);
            let r = w.min(h) / 2.0 - 1.0;
            let red = "0.82 0.08 0.1";
            c.push_str(&format!("q /Gs1 gs {red} RG {red} rg\n"));
            c.push_str(&format!(
                "{} w\n{}S\n",
                f(r * 0.05),
                circle(cx, cy, r * 0.96)
            ));
            c.push_str(&format!(
                "{} w\n{}S\n",
                f(r * 0.025),
                circle(cx, cy, r * 0.70)
            ));
            // The star at the centre.
            let mut star = String::new();
            for i in 0..10 {
                let a = std::f32::consts::FRAC_PI_2 + i as f32 * std::f32::consts::PI / 5.0;
                let rr = if i % 2 == 0 { r * 0.30 } else { r * 0.12 };
                star.push_str(&format!(
                    "{} {} {} ",
                    f(cx + rr * a.cos()),
                    f(cy + rr * a.sin()),
                    if i == 0 { "m" } else { "l" }
                ));
            }
            c.push_str(&star);
            c.push_str("h f\n");
            let upper: String = org.nfc().collect::<String>().to_uppercase();
            let (top, bottom) = match upper.strip_prefix("UBND ") {
                Some(rest) => ("ỦY BAN NHÂN DÂN".to_string(), rest.to_string()),
                None => (upper.clone(), String::new()),
            };
            let size = r * 0.17;
            c.push_str("BT\n");
            c.push_str(&format!("/F1 {} Tf\n", f(size)));
            c.push_str(&arc_text(font, &top, size, cx, cy, r * 0.76, true));
            if !bottom.is_empty() {
                c.push_str(&arc_text(font, &bottom, size, cx, cy, r * 0.88, false));
            }
            c.push_str("ET Q\n");
        }
    }
    c
}

/// Writes the appearance of `look` for a page whose box is `page`; returns the widget's
/// rectangle and the appearance stream's number (`None` for a hidden signature).
pub fn write(
    look: &Look,
    page: [f32; 4],
    objs: &mut Objects,
) -> Result<([f32; 4], Option<u32>), String> {
    let rect = match look {
        Look::Hidden => return Ok(([0.0; 4], None)),
        Look::Person { .. } => person_rect(page),
        Look::Seal { .. } => seal_rect(page),
    };
    let (w, h) = (rect[2] - rect[0], rect[3] - rect[1]);
    let png = match look {
        Look::Person { image, .. } | Look::Seal { image, .. } => image.clone(),
        Look::Hidden => None,
    };
    let image = match png {
        Some(p) => Some(png_image(&p, objs)?),
        None => None,
    };
    let mut font = EmbeddedFont::dejavu();
    let body = content(look, w, h, &mut font, image.map(|i| i.1));
    let ap = objs.reserve();
    let font_id = font.write(objs)?;
    let xobject = image
        .map(|(id, _)| format!(" /XObject << /Im1 {id} 0 R >>"))
        .unwrap_or_default();
    let gs = match look {
        Look::Seal { .. } => "<< /Type /ExtGState /BM /Multiply /CA 0.9 /ca 0.9 >>",
        _ => "<< /Type /ExtGState /ca 0.82 >>",
    };
    objs.stream(
        ap,
        &format!(
            "/Type /XObject /Subtype /Form /BBox [0 0 {} {}] /Resources << /Font << /F1 {font_id} 0 R >> /ExtGState << /Gs1 {gs} >>{xobject} >>",
            f(w),
            f(h)
        ),
        body.as_bytes(),
    );
    Ok((rect, Some(ap)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_encoded_as_glyphs_with_a_unicode_map_and_scaled_widths() {
        let mut font = EmbeddedFont::dejavu();
        let hex = font.encode("Ký bởi");
        assert_eq!(hex.len(), 2 + 4 * 6, "one 2-byte glyph id per character");
        let mut objs = Objects::new(10);
        let id = font.write(&mut objs).unwrap();
        assert_eq!(id, 10);
        let all: Vec<u8> = objs.list.iter().flat_map(|(_, b)| b.clone()).collect();
        let text = String::from_utf8_lossy(&all);
        assert!(text.contains("/Identity-H"));
        assert!(text.contains("/ToUnicode"));
        // DejaVu Sans has 2048 units an em: the space is 651 units, 318 in /W.
        assert!(text.contains(" 318"), "widths in 1/1000 em: {text}");
        let sub_len = objs
            .list
            .iter()
            .find_map(|(_, b)| {
                let s = String::from_utf8_lossy(b);
                s.split("/Length1 ").nth(1).map(|r| {
                    r.split(' ')
                        .next()
                        .unwrap_or("0")
                        .parse::<usize>()
                        .unwrap_or(0)
                })
            })
            .unwrap();
        assert!(
            sub_len < 60_000,
            "a subset, not the whole font ({sub_len} bytes)"
        );
    }

    #[test]
    fn decomposed_text_is_composed_first() {
        let mut a = EmbeddedFont::dejavu();
        let mut b = EmbeddedFont::dejavu();
        assert_eq!(a.encode("Hòa"), b.encode("Ho\u{300}a"));
    }

    #[test]
    fn the_seal_covers_the_left_third_of_the_signature() {
        let page = [0.0, 0.0, 595.0, 842.0];
        let p = person_rect(page);
        let s = seal_rect(page);
        let cx = (s[0] + s[2]) / 2.0;
        assert!((cx - (p[0] + (p[2] - p[0]) / 6.0)).abs() < 0.01);
        assert!(p[2] <= 595.0 && p[0] > 300.0 && p[1] > 0.0);
        assert!(
            s[1] >= p[1] + (p[3] - p[1]) * 0.38,
            "the seal stays above the text lines"
        );
        assert!(s[0] >= p[0], "and inside the signature's box on the left");
    }
}

#[cfg(test)]
mod image_tests {
    use super::*;

    fn png_rgba(w: u32, h: u32) -> Vec<u8> {
        let mut px = vec![0u8; (w * h * 4) as usize];
        for (i, p) in px.chunks_exact_mut(4).enumerate() {
            if i % 7 < 3 {
                p.copy_from_slice(&[20, 50, 170, 255]);
            }
        }
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            e.write_header().unwrap().write_image_data(&px).unwrap();
        }
        out
    }

    #[test]
    fn a_png_becomes_an_image_with_its_transparency_as_a_soft_mask() {
        let mut objs = Objects::new(10);
        let (id, ratio) = png_image(&png_rgba(40, 20), &mut objs).unwrap();
        assert_eq!(ratio, 2.0);
        let body = |n: u32| {
            String::from_utf8_lossy(&objs.list.iter().find(|(i, _)| *i == n).unwrap().1).to_string()
        };
        assert!(body(id).contains("/SMask 10 0 R") && body(id).contains("/DeviceRGB"));
        assert!(body(10).contains("/DeviceGray"));
        assert!(png_image(b"not a png", &mut objs).is_err());
        let look = Look::Person {
            name: "Nguyễn Văn An".into(),
            org: "UBND xã Tân Phú".into(),
            at: chrono::Utc::now(),
            image: Some(std::sync::Arc::new(png_rgba(60, 30))),
        };
        let mut objs = Objects::new(1);
        let (_, ap) = write(&look, [0.0, 0.0, 595.0, 842.0], &mut objs).unwrap();
        let ap = ap.unwrap();
        let form = String::from_utf8_lossy(&objs.list.iter().find(|(i, _)| *i == ap).unwrap().1)
            .to_string();
        assert!(form.contains("/XObject << /Im1 "), "{form}");
    }
}
