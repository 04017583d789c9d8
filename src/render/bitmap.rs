//! 1-bit bitmaps for thermal printers, and a vertical "canvas" that lays out
//! text, rules, QR codes and logos onto one.
//!
//! * Rows are packed MSB-first (bit 7 of the first byte = leftmost dot) and a
//!   set bit is a black dot: exactly the layout of ESC/POS `GS v 0`.
//! * Text is NFC-normalized, rendered with the embedded DejaVu Sans fonts via
//!   `fontdue`, and thresholded at coverage >= 128. No dithering anywhere:
//!   logos arrive already thresholded, QR codes are drawn at an integral
//!   module size.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// Embedded regular face (DejaVu Sans, see assets/fonts/LICENSE-DejaVu.txt).
pub const FONT_REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// Embedded bold face (DejaVu Sans Bold).
pub const FONT_BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Coverage (0..=255) from which a dot is printed black.
pub const COVERAGE_THRESHOLD: u8 = 128;

/// Errors from the renderer.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("bitmap data has {got} bytes, {width}x{height} needs {expected}")]
    BadBitmapData {
        width: u32,
        height: u32,
        expected: usize,
        got: usize,
    },
    #[error("bitmap hex data is not valid hex")]
    BadHex,
    #[error("cannot make a PNG of an empty ({width}x{height}) bitmap")]
    EmptyImage { width: u32, height: u32 },
    #[error("PNG encoding failed: {0}")]
    Png(#[from] png::EncodingError),
    #[error("QR code cannot be built: {0}")]
    Qr(String),
    #[error("ảnh logo không đọc được (cần tệp PNG): {0}")]
    Logo(String),
    #[error("QR code of {modules} modules (with quiet zone) does not fit in {width} dots at {min_module} dots per module")]
    QrTooLarge {
        modules: u32,
        width: u32,
        min_module: u32,
    },
}

// ---------------------------------------------------------------------------
// Bitmap
// ---------------------------------------------------------------------------

/// A 1-bit image: `height` rows of `ceil(width / 8)` bytes, MSB = leftmost
/// dot, 1 = black. Padding bits at the end of a row are always 0.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BitmapRepr", into = "BitmapRepr")]
pub struct Bitmap {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

/// Serialized form of a [`Bitmap`]: the packed rows as one hex string (so a
/// logo fits in a TOML/JSON config without a 10 000-element array).
#[derive(Serialize, Deserialize)]
struct BitmapRepr {
    width: u32,
    height: u32,
    rows_hex: String,
}

impl TryFrom<BitmapRepr> for Bitmap {
    type Error = RenderError;
    fn try_from(r: BitmapRepr) -> Result<Self, Self::Error> {
        let data = hex_decode(&r.rows_hex).ok_or(RenderError::BadHex)?;
        Bitmap::from_packed(r.width, r.height, data)
    }
}

impl From<Bitmap> for BitmapRepr {
    fn from(b: Bitmap) -> Self {
        let mut rows_hex = String::with_capacity(b.data.len() * 2);
        for byte in &b.data {
            rows_hex.push_str(&format!("{byte:02x}"));
        }
        BitmapRepr {
            width: b.width,
            height: b.height,
            rows_hex,
        }
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    let nibble = |c: u8| -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    };
    digits
        .chunks(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Bitmap({}x{}, {} black)",
            self.width,
            self.height,
            self.count_black()
        )
    }
}

impl Bitmap {
    /// An all-white bitmap.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = Self::stride_for(width);
        Bitmap {
            width,
            height,
            data: vec![0; stride * height as usize],
        }
    }

    /// Bytes per row for a given width in dots.
    pub fn stride_for(width: u32) -> usize {
        (width as usize).div_ceil(8)
    }

    /// Wraps already-packed rows (MSB-first, 1 = black). Padding bits are
    /// cleared.
    pub fn from_packed(width: u32, height: u32, data: Vec<u8>) -> Result<Self, RenderError> {
        let expected = Self::stride_for(width) * height as usize;
        if data.len() != expected {
            return Err(RenderError::BadBitmapData {
                width,
                height,
                expected,
                got: data.len(),
            });
        }
        let mut b = Bitmap {
            width,
            height,
            data,
        };
        b.clear_padding();
        Ok(b)
    }

    /// Builds a bitmap from a predicate `black(x, y)`.
    pub fn from_fn(width: u32, height: u32, mut black: impl FnMut(u32, u32) -> bool) -> Self {
        let mut b = Bitmap::new(width, height);
        for y in 0..height {
            for x in 0..width {
                if black(x, y) {
                    b.set(x, y, true);
                }
            }
        }
        b
    }

    /// A logo from a PNG, for thermal paper: transparent and light pixels are paper,
    /// dark ones are ink (luma < 128), and the image is shrunk (never enlarged) by
    /// whole-pixel sampling to fit `max_w` × `max_h` dots.
    pub fn logo_from_png(png_bytes: &[u8], max_w: u32, max_h: u32) -> Result<Bitmap, RenderError> {
        let bad = |m: &str| RenderError::Logo(m.to_string());
        if png_bytes.len() > 4 * 1024 * 1024 {
            return Err(bad("quá 4 MB"));
        }
        let mut dec = png::Decoder::new(png_bytes);
        dec.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = dec
            .read_info()
            .map_err(|e| RenderError::Logo(e.to_string()))?;
        let (w, h) = (reader.info().width, reader.info().height);
        if w == 0 || h == 0 || w > 8000 || h > 8000 {
            return Err(bad("kích thước ảnh không hợp lệ"));
        }
        let mut buf = vec![0; reader.output_buffer_size()];
        let frame = reader
            .next_frame(&mut buf)
            .map_err(|e| RenderError::Logo(e.to_string()))?;
        let channels = match frame.color_type {
            png::ColorType::Grayscale => 1,
            png::ColorType::GrayscaleAlpha => 2,
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            png::ColorType::Indexed => return Err(bad("bảng màu chưa được mở rộng")),
        };
        let ink = |x: u32, y: u32| -> bool {
            let i = (y as usize * frame.line_size) + x as usize * channels;
            let px = &buf[i..i + channels];
            let (luma, alpha) = match channels {
                1 => (px[0] as u32, 255),
                2 => (px[0] as u32, px[1] as u32),
                3 => (
                    (px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000,
                    255,
                ),
                _ => (
                    (px[0] as u32 * 299 + px[1] as u32 * 587 + px[2] as u32 * 114) / 1000,
                    px[3] as u32,
                ),
            };
            alpha >= 128 && luma < 128
        };
        let scale = (w as f64 / max_w.max(1) as f64)
            .max(h as f64 / max_h.max(1) as f64)
            .max(1.0);
        let (ow, oh) = (
            ((w as f64 / scale) as u32).max(1),
            ((h as f64 / scale) as u32).max(1),
        );
        Ok(Bitmap::from_fn(ow, oh, |x, y| {
            let sx = ((x as f64 + 0.5) * scale) as u32;
            let sy = ((y as f64 + 0.5) * scale) as u32;
            ink(sx.min(w - 1), sy.min(h - 1))
        }))
    }

    pub fn width(&self) -> u32 {
        self.width
    }
    pub fn height(&self) -> u32 {
        self.height
    }
    /// Bytes per row.
    pub fn stride(&self) -> usize {
        Self::stride_for(self.width)
    }
    /// All packed rows.
    pub fn data(&self) -> &[u8] {
        &self.data
    }
    /// One packed row (empty slice if `y` is out of range).
    pub fn row(&self, y: u32) -> &[u8] {
        let s = self.stride();
        let start = y as usize * s;
        self.data.get(start..start + s).unwrap_or(&[])
    }
    /// Packed rows `y0 .. y0 + n` (clamped to the bitmap).
    pub fn rows(&self, y0: u32, n: u32) -> &[u8] {
        let s = self.stride();
        let start = (y0.min(self.height) as usize) * s;
        let end = ((y0 as u64 + n as u64).min(self.height as u64) as usize) * s;
        &self.data[start..end]
    }

    /// Is the dot black? Out-of-range reads are white.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        self.data[i] & (0x80 >> (x % 8)) != 0
    }

    /// Sets one dot. Out-of-range writes are ignored (drawing clips at the
    /// paper edge rather than panicking).
    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let i = y as usize * self.stride() + (x / 8) as usize;
        let mask = 0x80 >> (x % 8);
        if black {
            self.data[i] |= mask;
        } else {
            self.data[i] &= !mask;
        }
    }

    /// Fills a rectangle (clipped to the bitmap).
    pub fn fill_rect(&mut self, x: u32, y: u32, w: u32, h: u32, black: bool) {
        let x_end = x.saturating_add(w).min(self.width);
        let y_end = y.saturating_add(h).min(self.height);
        for yy in y..y_end {
            for xx in x..x_end {
                self.set(xx, yy, black);
            }
        }
    }

    /// Copies the black dots of `src` onto `self` with its top-left at (x, y).
    pub fn blit(&mut self, src: &Bitmap, x: u32, y: u32) {
        for sy in 0..src.height {
            for sx in 0..src.width {
                if src.get(sx, sy) {
                    self.set(x.saturating_add(sx), y.saturating_add(sy), true);
                }
            }
        }
    }

    /// Grows (with white rows) or shrinks the bitmap to `height` rows.
    pub fn set_height(&mut self, height: u32) {
        self.height = height;
        self.data.resize(self.stride() * height as usize, 0);
    }

    /// Appends `src`'s rows below this bitmap. If the widths differ, the rows
    /// are cut or padded with white on the right.
    pub fn push_rows(&mut self, src: &Bitmap) {
        let s = self.stride();
        for y in 0..src.height {
            let row = src.row(y);
            let mut out = vec![0u8; s];
            let n = s.min(row.len());
            out[..n].copy_from_slice(&row[..n]);
            self.data.extend_from_slice(&out);
        }
        self.height += src.height;
        self.clear_padding();
    }

    /// Number of black dots.
    pub fn count_black(&self) -> u64 {
        self.data.iter().map(|b| b.count_ones() as u64).sum()
    }

    fn clear_padding(&mut self) {
        let rem = self.width % 8;
        if rem == 0 {
            return;
        }
        let keep: u8 = !(0xFFu8 >> rem);
        let s = self.stride();
        for y in 0..self.height as usize {
            self.data[y * s + s - 1] &= keep;
        }
    }

    /// Encodes the bitmap as a 1-bit grayscale PNG (black on white).
    pub fn to_png(&self) -> Result<Vec<u8>, RenderError> {
        if self.width == 0 || self.height == 0 {
            return Err(RenderError::EmptyImage {
                width: self.width,
                height: self.height,
            });
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, self.width, self.height);
            enc.set_color(png::ColorType::Grayscale);
            enc.set_depth(png::BitDepth::One);
            let mut writer = enc.write_header()?;
            // PNG grayscale: 0 = black, so invert our 1 = black.
            let inverted: Vec<u8> = self.data.iter().map(|b| !b).collect();
            writer.write_image_data(&inverted)?;
            writer.finish()?;
        }
        Ok(out)
    }

    /// A coarse text preview (one character per `cell_w` x `cell_h` block;
    /// `#` mostly black, `+` some black, `.` a few dots, space white). Used in
    /// snapshot tests so a reviewer can see the layout in a `.snap` file.
    pub fn ascii_preview(&self, cell_w: u32, cell_h: u32) -> String {
        let cw = cell_w.max(1);
        let ch = cell_h.max(1);
        let mut s = String::new();
        let mut y = 0;
        while y < self.height {
            let mut line = String::new();
            let mut x = 0;
            while x < self.width {
                let mut black = 0u32;
                let mut total = 0u32;
                for yy in y..(y + ch).min(self.height) {
                    for xx in x..(x + cw).min(self.width) {
                        total += 1;
                        if self.get(xx, yy) {
                            black += 1;
                        }
                    }
                }
                let c = if black == 0 {
                    ' '
                } else if black * 2 >= total {
                    '#'
                } else if black * 6 >= total {
                    '+'
                } else {
                    '.'
                };
                line.push(c);
                x += cw;
            }
            s.push_str(line.trim_end());
            s.push('\n');
            y += ch;
        }
        s
    }
}

// ---------------------------------------------------------------------------
// Fonts and text
// ---------------------------------------------------------------------------

/// Font weight (both faces are embedded).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Weight {
    Regular,
    Bold,
}

/// Horizontal alignment inside the canvas' content area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    Left,
    Center,
}

/// How a line of text is laid out.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TextStyle {
    /// Font size in dots (pixels) per em.
    pub px: f32,
    pub weight: Weight,
    pub align: Align,
    /// Line box = the ink of the glyphs instead of the font's ascent/descent.
    /// Used for the huge ticket number so it doesn't carry 30 dots of empty
    /// descender space.
    pub tight: bool,
}

impl TextStyle {
    pub fn new(px: f32, weight: Weight, align: Align) -> Self {
        TextStyle {
            px,
            weight,
            align,
            tight: false,
        }
    }
    pub fn tight(mut self) -> Self {
        self.tight = true;
        self
    }
}

/// The embedded font for a weight.
pub fn font(weight: Weight) -> &'static fontdue::Font {
    static REGULAR: OnceLock<fontdue::Font> = OnceLock::new();
    static BOLD: OnceLock<fontdue::Font> = OnceLock::new();
    let (cell, bytes) = match weight {
        Weight::Regular => (&REGULAR, FONT_REGULAR_TTF),
        Weight::Bold => (&BOLD, FONT_BOLD_TTF),
    };
    cell.get_or_init(|| {
        // Invariant: the bytes are the DejaVu TTFs compiled into the binary;
        // they parse (checked by the `embedded_fonts_parse` test), so this can
        // only fail if the asset files were replaced by garbage at build time.
        fontdue::Font::from_bytes(bytes, fontdue::FontSettings::default())
            .expect("embedded DejaVu font must parse")
    })
}

/// Does the embedded font of this weight have a real glyph for `c`?
pub fn has_glyph(weight: Weight, c: char) -> bool {
    font(weight).has_glyph(c)
}

/// Text is NFC-normalized so each Vietnamese letter is one precomposed glyph;
/// control characters other than '\n' become spaces.
pub fn normalize_text(s: &str) -> String {
    s.nfc()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

/// One laid-out line: glyph pen positions relative to the line origin.
#[derive(Clone, Debug)]
struct LineLayout {
    glyphs: Vec<(char, f32)>,
    /// Horizontal extent from the origin (max of advance and ink).
    width: f32,
    /// Highest ink above the baseline / lowest ink below it (positive down).
    ink_top: i32,
    ink_bottom: i32,
}

fn layout_line(text: &str, px: f32, weight: Weight) -> LineLayout {
    let f = font(weight);
    let mut pen = 0.0f32;
    let mut right = 0.0f32;
    let mut prev: Option<char> = None;
    let mut glyphs = Vec::with_capacity(text.len());
    let mut ink_top = 0i32;
    let mut ink_bottom = 0i32;
    for c in text.chars() {
        if let Some(p) = prev {
            pen += f.horizontal_kern(p, c, px).unwrap_or(0.0);
        }
        let m = f.metrics(c, px);
        glyphs.push((c, pen));
        if m.width > 0 && m.height > 0 {
            right = right.max(pen + m.xmin as f32 + m.width as f32);
            ink_top = ink_top.max(m.ymin + m.height as i32);
            ink_bottom = ink_bottom.min(m.ymin);
        }
        pen += m.advance_width;
        prev = Some(c);
    }
    // Trailing spaces don't count towards the width.
    let trimmed_pen = {
        let f2 = font(weight);
        let mut p = pen;
        for (c, _) in glyphs.iter().rev() {
            if c.is_whitespace() {
                p -= f2.metrics(*c, px).advance_width;
            } else {
                break;
            }
        }
        p
    };
    LineLayout {
        glyphs,
        width: trimmed_pen.max(right),
        ink_top,
        ink_bottom: -ink_bottom,
    }
}

/// Width in dots of a single line of text (no wrapping).
pub fn measure_text(text: &str, px: f32, weight: Weight) -> u32 {
    layout_line(&normalize_text(text), px, weight)
        .width
        .ceil()
        .max(0.0) as u32
}

/// Splits text into lines no wider than `max_width` dots. Words are kept
/// whole where possible; a word wider than a line is broken between
/// characters. Explicit '\n' forces a break. Never returns an empty vector.
pub fn wrap_text(text: &str, px: f32, weight: Weight, max_width: u32) -> Vec<String> {
    let text = normalize_text(text);
    let fits = |s: &str| measure_norm(s, px, weight) <= max_width;
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut current = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if fits(&candidate) {
                current = candidate;
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            if fits(word) {
                current = word.to_string();
                continue;
            }
            // Over-long word: break it by characters.
            for c in word.chars() {
                let mut candidate = current.clone();
                candidate.push(c);
                if current.is_empty() || fits(&candidate) {
                    current = candidate;
                } else {
                    lines.push(std::mem::take(&mut current));
                    current.push(c);
                }
            }
        }
        if !current.is_empty() || lines.is_empty() {
            lines.push(current);
        }
    }
    lines
}

/// For centered text: the narrowest wrap with the same number of lines as
/// `greedy`, so a two-line name doesn't end in one orphan word.
fn balance_lines(
    text: &str,
    px: f32,
    weight: Weight,
    max_width: u32,
    greedy: Vec<String>,
) -> Vec<String> {
    let target = greedy.len();
    let (mut lo, mut hi) = (max_width / 2, max_width);
    let mut best = greedy;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let lines = wrap_text(text, px, weight, mid);
        if lines.len() <= target && lines.iter().all(|l| measure_norm(l, px, weight) <= mid) {
            best = lines;
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    best
}

fn measure_norm(s: &str, px: f32, weight: Weight) -> u32 {
    layout_line(s, px, weight).width.ceil().max(0.0) as u32
}

/// Draws one laid-out line with its origin at (x, baseline).
fn draw_line(
    bmp: &mut Bitmap,
    line: &LineLayout,
    px: f32,
    weight: Weight,
    x: i64,
    baseline: i64,
    black: bool,
) {
    let f = font(weight);
    for &(c, pen) in &line.glyphs {
        if c.is_whitespace() {
            continue;
        }
        let (m, coverage) = f.rasterize(c, px);
        if m.width == 0 || m.height == 0 {
            continue;
        }
        let gx = x + (pen + m.xmin as f32).round() as i64;
        let gy = baseline - (m.ymin as i64 + m.height as i64);
        for row in 0..m.height {
            for col in 0..m.width {
                if coverage[row * m.width + col] >= COVERAGE_THRESHOLD {
                    let px_x = gx + col as i64;
                    let px_y = gy + row as i64;
                    if px_x >= 0 && px_y >= 0 && px_x <= u32::MAX as i64 && px_y <= u32::MAX as i64
                    {
                        bmp.set(px_x as u32, px_y as u32, black);
                    }
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Canvas
// ---------------------------------------------------------------------------

/// A fixed-width bitmap that grows downwards as content is added.
#[derive(Debug, Clone)]
pub struct Canvas {
    bmp: Bitmap,
    margin: u32,
}

/// Vertical extent of a line of text.
struct LineBox {
    layout: LineLayout,
    ascent: u32,
    descent: u32,
}

impl Canvas {
    /// `margin` dots are left blank on the left and right.
    pub fn new(width: u32, margin: u32) -> Self {
        let margin = margin.min(width / 4);
        Canvas {
            bmp: Bitmap::new(width, 0),
            margin,
        }
    }

    pub fn width(&self) -> u32 {
        self.bmp.width
    }
    /// Width available for content (between the margins).
    pub fn content_width(&self) -> u32 {
        self.bmp.width - 2 * self.margin
    }
    /// Current height (= where the next item starts).
    pub fn cursor(&self) -> u32 {
        self.bmp.height
    }

    fn grow(&mut self, h: u32) -> u32 {
        let top = self.bmp.height;
        self.bmp.set_height(top + h);
        top
    }

    /// Blank space.
    pub fn space(&mut self, dots: u32) {
        self.grow(dots);
    }

    fn line_boxes(&self, text: &str, style: &TextStyle, max_width: u32) -> Vec<LineBox> {
        let f = font(style.weight);
        let (asc, desc) = match f.horizontal_line_metrics(style.px) {
            Some(lm) => (lm.ascent.ceil() as i32, (-lm.descent).ceil() as i32),
            None => (
                (style.px * 0.93).ceil() as i32,
                (style.px * 0.24).ceil() as i32,
            ),
        };
        let mut lines = wrap_text(text, style.px, style.weight, max_width);
        if style.align == Align::Center && lines.len() > 1 {
            lines = balance_lines(text, style.px, style.weight, max_width, lines);
        }
        lines
            .into_iter()
            .map(|l| {
                let layout = layout_line(&l, style.px, style.weight);
                let (a, d) = if style.tight {
                    (layout.ink_top, layout.ink_bottom)
                } else {
                    // Stacked Vietnamese diacritics on capitals can rise above
                    // the font's ascent: extend the box so nothing is clipped.
                    (asc.max(layout.ink_top), desc.max(layout.ink_bottom))
                };
                LineBox {
                    layout,
                    ascent: a.max(0) as u32,
                    descent: d.max(0) as u32,
                }
            })
            .collect()
    }

    fn line_x(&self, width: f32, align: Align, area_x: u32, area_w: u32) -> i64 {
        match align {
            Align::Left => area_x as i64,
            Align::Center => {
                area_x as i64 + ((area_w as f32 - width) / 2.0).round().max(0.0) as i64
            }
        }
    }

    /// Text, word-wrapped to the content width. Returns the number of lines.
    pub fn text(&mut self, text: &str, style: &TextStyle) -> usize {
        let boxes = self.line_boxes(text, style, self.content_width());
        for b in &boxes {
            let top = self.grow(b.ascent + b.descent);
            let baseline = top as i64 + b.ascent as i64;
            let x = self.line_x(
                b.layout.width,
                style.align,
                self.margin,
                self.content_width(),
            );
            draw_line(
                &mut self.bmp,
                &b.layout,
                style.px,
                style.weight,
                x,
                baseline,
                true,
            );
        }
        boxes.len()
    }

    /// White text in a black box (`pad` dots around the text). The box hugs
    /// the text and is positioned per `style.align`.
    pub fn text_inverted(&mut self, text: &str, style: &TextStyle, pad: u32) -> usize {
        let pad = pad.min(self.content_width() / 4);
        let inner_w = self.content_width() - 2 * pad;
        let boxes = self.line_boxes(text, style, inner_w);
        let text_w = boxes
            .iter()
            .map(|b| b.layout.width.ceil() as u32)
            .max()
            .unwrap_or(0);
        let box_w = (text_w + 2 * pad).min(self.content_width());
        let box_h: u32 = boxes.iter().map(|b| b.ascent + b.descent).sum::<u32>() + 2 * pad;
        let box_x =
            self.line_x(box_w as f32, style.align, self.margin, self.content_width()) as u32;
        let top = self.grow(box_h);
        self.bmp.fill_rect(box_x, top, box_w, box_h, true);
        let mut y = top + pad;
        for b in &boxes {
            let baseline = y as i64 + b.ascent as i64;
            let x = self.line_x(b.layout.width, style.align, box_x + pad, box_w - 2 * pad);
            draw_line(
                &mut self.bmp,
                &b.layout,
                style.px,
                style.weight,
                x,
                baseline,
                false,
            );
            y += b.ascent + b.descent;
        }
        boxes.len()
    }

    /// A solid horizontal rule across the content width.
    pub fn rule(&mut self, thickness: u32) {
        let top = self.grow(thickness);
        let (m, w) = (self.margin, self.content_width());
        self.bmp.fill_rect(m, top, w, thickness, true);
    }

    /// A dashed horizontal rule across the content width.
    pub fn dashed_rule(&mut self, thickness: u32, dash: u32, gap: u32) {
        let top = self.grow(thickness);
        let period = (dash + gap).max(1);
        for x in 0..self.content_width() {
            if x % period < dash {
                let m = self.margin;
                self.bmp.fill_rect(m + x, top, 1, thickness, true);
            }
        }
    }

    /// A QR code for `data`, centered, with a 4-module quiet zone, at the
    /// largest integral module size in `min_module..=max_module` that fits.
    /// Returns the module size used. Never scaled non-integrally or dithered.
    pub fn qr(&mut self, data: &str, min_module: u32, max_module: u32) -> Result<u32, RenderError> {
        let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
            .map_err(|e| RenderError::Qr(e.to_string()))?;
        let n = code.width() as u32;
        let total = n + 8; // 4-module quiet zone each side
        let min_module = min_module.max(1);
        let avail = self.width(); // the quiet zone may use the margins
        let module = (min_module..=max_module.max(min_module))
            .rev()
            .find(|m| total * m <= avail)
            .ok_or(RenderError::QrTooLarge {
                modules: total,
                width: avail,
                min_module,
            })?;
        let colors = code.to_colors();
        let side = total * module;
        let x0 = (self.width() - side) / 2;
        let top = self.grow(side);
        for my in 0..n {
            for mx in 0..n {
                if colors[(my * n + mx) as usize] == qrcode::Color::Dark {
                    self.bmp.fill_rect(
                        x0 + (mx + 4) * module,
                        top + (my + 4) * module,
                        module,
                        module,
                        true,
                    );
                }
            }
        }
        Ok(module)
    }

    /// An already-thresholded image, aligned in the content area (cropped on
    /// the right if wider than the paper; never scaled).
    pub fn image(&mut self, img: &Bitmap, align: Align) {
        let x = if img.width() >= self.width() {
            0
        } else {
            match align {
                Align::Left => self.margin.min(self.width() - img.width()),
                Align::Center => (self.width() - img.width()) / 2,
            }
        };
        let top = self.grow(img.height());
        self.bmp.blit(img, x, top);
    }

    /// The finished bitmap.
    pub fn finish(self) -> Bitmap {
        self.bmp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_fonts_parse() {
        assert!(
            fontdue::Font::from_bytes(FONT_REGULAR_TTF, fontdue::FontSettings::default()).is_ok()
        );
        assert!(fontdue::Font::from_bytes(FONT_BOLD_TTF, fontdue::FontSettings::default()).is_ok());
    }

    #[test]
    fn set_get_and_padding() {
        let mut b = Bitmap::new(10, 3);
        assert_eq!(b.stride(), 2);
        b.set(0, 0, true);
        b.set(9, 2, true);
        b.set(10, 2, true); // out of range: ignored
        assert!(b.get(0, 0) && b.get(9, 2) && !b.get(10, 2));
        assert_eq!(b.row(0), &[0x80, 0x00]);
        assert_eq!(b.row(2), &[0x00, 0x40]);
        let p = Bitmap::from_packed(10, 1, vec![0xFF, 0xFF]).unwrap();
        assert_eq!(p.row(0), &[0xFF, 0xC0]);
        assert!(Bitmap::from_packed(10, 2, vec![0; 3]).is_err());
    }

    #[test]
    fn serde_roundtrip_hex() {
        let b = Bitmap::from_fn(12, 2, |x, y| (x + y) % 3 == 0);
        let json = serde_json_like(&b);
        assert!(json.contains("rows_hex"));
        let repr: BitmapRepr = b.clone().into();
        let back = Bitmap::try_from(repr).unwrap();
        assert_eq!(back, b);
        assert!(Bitmap::try_from(BitmapRepr {
            width: 8,
            height: 1,
            rows_hex: "zz".into()
        })
        .is_err());
        assert!(Bitmap::try_from(BitmapRepr {
            width: 8,
            height: 2,
            rows_hex: "ff".into()
        })
        .is_err());
    }

    fn serde_json_like(b: &Bitmap) -> String {
        let r: BitmapRepr = b.clone().into();
        format!(
            "width={} height={} rows_hex={}",
            r.width, r.height, r.rows_hex
        )
    }

    #[test]
    fn png_roundtrip_header() {
        let b = Bitmap::from_fn(20, 5, |x, _| x < 3);
        let png = b.to_png().unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (20, 5));
        assert_eq!(info.bit_depth, png::BitDepth::One);
        // first dot black (0 in PNG), 4th dot white
        assert_eq!(buf[0] & 0x80, 0);
        assert_ne!(buf[0] & 0x10, 0);
        assert!(Bitmap::new(0, 0).to_png().is_err());
    }

    #[test]
    fn wrap_keeps_words_and_breaks_long_ones() {
        let lines = wrap_text(
            "Đăng ký khai sinh, kết hôn, khai tử",
            30.0,
            Weight::Regular,
            200,
        );
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(measure_text(l, 30.0, Weight::Regular) <= 200, "{l}");
        }
        assert_eq!(lines.join(" "), "Đăng ký khai sinh, kết hôn, khai tử");
        let long = "X".repeat(60);
        let lines = wrap_text(&long, 30.0, Weight::Bold, 200);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), long);
        for l in &lines {
            assert!(measure_text(l, 30.0, Weight::Bold) <= 200);
        }
        assert_eq!(
            wrap_text("", 20.0, Weight::Regular, 100),
            vec![String::new()]
        );
        assert_eq!(
            wrap_text("a\nb", 20.0, Weight::Regular, 100),
            vec!["a".to_string(), "b".to_string()]
        );
    }

    #[test]
    fn centered_text_is_balanced() {
        let style = TextStyle::new(30.0, Weight::Bold, Align::Center);
        let c = Canvas::new(576, 9);
        let text = "Lao động - Thương binh và Xã hội";
        let greedy = wrap_text(text, 30.0, Weight::Bold, c.content_width());
        assert_eq!(greedy.len(), 2);
        assert_eq!(greedy[1], "hội");
        let boxes = c.line_boxes(text, &style, c.content_width());
        let lines: Vec<String> = boxes
            .iter()
            .map(|b| b.layout.glyphs.iter().map(|g| g.0).collect())
            .collect();
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| l.contains(' ')), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn nfd_and_nfc_render_identically() {
        let nfc = "Người cao tuổi";
        let nfd: String = nfc.nfd().collect();
        assert_ne!(nfc, nfd);
        let draw = |s: &str| {
            let mut c = Canvas::new(384, 8);
            c.text(s, &TextStyle::new(28.0, Weight::Regular, Align::Left));
            c.finish()
        };
        assert_eq!(draw(nfc), draw(&nfd));
    }

    #[test]
    fn text_inverted_has_white_text_in_black_box() {
        let mut c = Canvas::new(384, 8);
        c.text_inverted(
            "Ưu tiên",
            &TextStyle::new(28.0, Weight::Bold, Align::Center),
            8,
        );
        let b = c.finish();
        let black = b.count_black();
        let total = b.width() as u64 * b.height() as u64;
        assert!(black > 0 && black < total);
        // the box's corners are black, the paper edges white
        let row = b.height() / 2;
        assert!(!b.get(0, row));
        let first_black = (0..b.width()).find(|&x| b.get(x, 1)).unwrap();
        assert!(b.get(first_black, b.height() - 2));
    }

    #[test]
    fn qr_module_size_is_integral_with_quiet_zone() {
        let mut c = Canvas::new(576, 8);
        let m = c.qr("https://motcua.invalid/t/A001", 5, 6).unwrap();
        assert_eq!(m, 6);
        let b = c.finish();
        // square, multiple of the module size
        assert_eq!(b.height() % 6, 0);
        let side = b.height();
        let x0 = (576 - side) / 2;
        // quiet zone (4 modules) is white on every side
        for y in 0..side {
            for x in 0..24 {
                assert!(!b.get(x0 + x, y) && !b.get(x0 + side - 1 - x, y));
            }
        }
        // top-left finder pattern starts right after the quiet zone
        assert!(b.get(x0 + 24, 24) && b.get(x0 + 24 + 5, 24 + 5));
        // too large for a tiny canvas
        let mut tiny = Canvas::new(64, 0);
        assert!(tiny.qr("https://motcua.invalid/t/A001", 5, 6).is_err());
    }

    #[test]
    fn logo_from_png_thresholds_and_shrinks() {
        // 400×100 RGBA: left half black, right half transparent black (paper).
        let (w, h) = (400u32, 100u32);
        let mut px = Vec::new();
        for _y in 0..h {
            for x in 0..w {
                px.extend_from_slice(&[0, 0, 0, if x < w / 2 { 255 } else { 0 }]);
            }
        }
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, w, h);
            e.set_color(png::ColorType::Rgba);
            e.set_depth(png::BitDepth::Eight);
            e.write_header().unwrap().write_image_data(&px).unwrap();
        }
        let b = Bitmap::logo_from_png(&out, 200, 200).unwrap();
        assert_eq!((b.width(), b.height()), (200, 50));
        assert!(b.get(10, 10) && !b.get(190, 10));
        assert_eq!(b.count_black(), 100 * 50);
        // Small images are not enlarged.
        assert_eq!(
            Bitmap::logo_from_png(&out, 1000, 1000).unwrap().width(),
            400
        );
        assert!(matches!(
            Bitmap::logo_from_png(b"GIF89a", 10, 10),
            Err(RenderError::Logo(_))
        ));
        assert!(matches!(
            Bitmap::logo_from_png(&out[..out.len() / 2], 10, 10),
            Err(RenderError::Logo(_))
        ));
    }
}
