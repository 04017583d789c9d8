//! The queue ticket: what it says (DOMAIN.md §2 "Ticket lines") and how it is
//! laid out as a 1-bit raster for 58 mm (384 dots) and 80 mm (512/576 dots)
//! thermal paper.

pub use crate::domain::printing::{ChecklistPrint, TicketPrint};
use chrono::{NaiveDateTime, Timelike};
use serde::{Deserialize, Serialize};

use crate::render::bitmap::{measure_text, Align, Bitmap, Canvas, TextStyle, Weight};

/// Fixed texts printed on every ticket.
pub const TITLE: &str = "PHIẾU SỐ THỨ TỰ";
pub const PRIORITY_PREFIX: &str = "Ưu tiên: ";
pub const WAITING_PREFIX: &str = "Số người chờ trước: ";
pub const TIME_PREFIX: &str = "Thời gian: ";
pub const SESSION_PREFIX: &str = "Buổi: ";
pub const SESSION_MORNING: &str = "Sáng";
pub const SESSION_AFTERNOON: &str = "Chiều";
pub const DEFAULT_FOOTER: &str = "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!";
/// Under the QR: a code with no words is a code nobody scans (or one that looks like a
/// payment). It opens the ticket's own page: the number, how many are ahead, the call.
pub const DOSSIER_PREFIX: &str = "Hồ sơ: ";
pub const QR_CAPTION: &str = "Quét mã để theo dõi lượt gọi trên điện thoại";

/// All fixed template strings (for glyph-coverage checks).
pub const TEMPLATE_STRINGS: &[&str] = &[
    TITLE,
    PRIORITY_PREFIX,
    WAITING_PREFIX,
    TIME_PREFIX,
    SESSION_PREFIX,
    SESSION_MORNING,
    SESSION_AFTERNOON,
    DEFAULT_FOOTER,
    QR_CAPTION,
    DOSSIER_PREFIX,
];

/// Narrowest / widest paper the layout accepts (dots); other values are
/// clamped.
pub const MIN_WIDTH_DOTS: u32 = 128;
pub const MAX_WIDTH_DOTS: u32 = 2048;

/// Printer/paper-dependent layout settings (part of the kiosk config).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TicketLayout {
    /// Printable width in dots at 203 dpi: 384 (58 mm), 512 (80 mm, TM-T88V)
    /// or 576 (80 mm).
    pub width_dots: u32,
    /// Small centered lines above the center name (e.g. the commune's
    /// People's Committee).
    pub header_lines: Vec<String>,
    /// Last line(s), wrapped and centered.
    pub footer: String,
    /// Print the QR code when the ticket has a URL.
    pub show_qr: bool,
    /// Optional logo, already thresholded to 1 bit (1 = black), printed
    /// centered at the top, never scaled. Serialized as
    /// `{ width, height, rows_hex }` with rows packed MSB-first.
    pub logo: Option<Bitmap>,
}

impl Default for TicketLayout {
    fn default() -> Self {
        TicketLayout {
            width_dots: 576,
            header_lines: Vec::new(),
            footer: DEFAULT_FOOTER.to_string(),
            show_qr: true,
            logo: None,
        }
    }
}

impl From<&crate::domain::center::TicketSettings> for TicketLayout {
    /// The admin's layout settings (no logo: it is not configurable yet).
    fn from(t: &crate::domain::center::TicketSettings) -> Self {
        TicketLayout {
            width_dots: t.width_dots,
            header_lines: t.header_lines.clone(),
            footer: t.footer.clone(),
            show_qr: t.show_qr,
            logo: None,
        }
    }
}

/// `Sáng` before 12:00, `Chiều` from 12:00.
pub fn session_label(t: &NaiveDateTime) -> &'static str {
    if t.hour() < 12 {
        SESSION_MORNING
    } else {
        SESSION_AFTERNOON
    }
}

/// `HH:MM:SS DD/MM/YYYY`.
pub fn format_time(t: &NaiveDateTime) -> String {
    t.format("%H:%M:%S %d/%m/%Y").to_string()
}

/// The ticket's text lines in print order (without wrapping, logo or QR);
/// used for previews, logs and tests.
pub fn ticket_lines(t: &TicketPrint, layout: &TicketLayout) -> Vec<String> {
    let mut v: Vec<String> = layout.header_lines.clone();
    v.push(t.center_name.clone());
    v.push(TITLE.to_string());
    v.push(t.number.clone());
    v.push(t.service_name.clone());
    if let Some(p) = &t.priority {
        v.push(format!("{PRIORITY_PREFIX}{p}"));
    }
    v.push(format!("{WAITING_PREFIX}{}", t.waiting_ahead));
    v.push(format!("{TIME_PREFIX}{}", format_time(&t.issued_local)));
    v.push(format!(
        "{SESSION_PREFIX}{}",
        session_label(&t.issued_local)
    ));
    if !layout.footer.trim().is_empty() {
        v.push(layout.footer.clone());
    }
    v
}

/// Sizes in dots for a given paper width. Designed at 576 dots; the number
/// and the rules scale with the width, text shrinks less so that it stays
/// readable on 58 mm paper.
struct Metrics {
    margin: u32,
    /// scale for big elements (number, spacing)
    s: f32,
    /// scale for running text
    ts: f32,
}

impl Metrics {
    fn new(width: u32) -> Self {
        let s = width as f32 / 576.0;
        Metrics {
            margin: (width / 64).max(2),
            s,
            ts: 0.55 + 0.45 * s,
        }
    }
    fn d(&self, dots: f32) -> u32 {
        (dots * self.s).round().max(1.0) as u32
    }
    fn text(&self, px: f32, weight: Weight, align: Align) -> TextStyle {
        TextStyle::new((px * self.ts).round(), weight, align)
    }
}

/// The top of every printout: logo, the admin's header lines, the center's name (at
/// `name_px`), a rule, then `after` dots of paper (scaled).
fn letterhead(
    c: &mut Canvas,
    m: &Metrics,
    layout: &TicketLayout,
    center: &str,
    name_px: f32,
    after: f32,
) {
    c.space(m.d(4.0));
    if let Some(logo) = &layout.logo {
        c.image(logo, Align::Center);
        c.space(m.d(10.0));
    }
    let header_style = m.text(22.0, Weight::Regular, Align::Center);
    for line in layout.header_lines.iter().filter(|l| !l.trim().is_empty()) {
        c.text(line, &header_style);
    }
    if !center.trim().is_empty() {
        c.text(center, &m.text(name_px, Weight::Bold, Align::Center));
    }
    c.space(m.d(10.0));
    c.rule(m.d(3.0));
    c.space(m.d(after));
}

/// Renders the ticket as a 1-bit bitmap `layout.width_dots` wide.
pub fn render_ticket(t: &TicketPrint, layout: &TicketLayout) -> Bitmap {
    let width = layout.width_dots.clamp(MIN_WIDTH_DOTS, MAX_WIDTH_DOTS);
    let m = Metrics::new(width);
    let mut c = Canvas::new(width, m.margin);

    // 1. logo, header lines and center name
    letterhead(&mut c, &m, layout, &t.center_name, 28.0, 14.0);

    // 2. title
    c.text(TITLE, &m.text(36.0, Weight::Bold, Align::Center));
    c.space(m.d(20.0));

    // 3. the number, as large as fits on one line
    let number = t.number.trim();
    let target = 160.0 * m.s;
    let mut px = target.round();
    while px > target * 0.35 && measure_text(number, px, Weight::Bold) > c.content_width() {
        px -= 2.0;
    }
    c.text(
        number,
        &TextStyle::new(px, Weight::Bold, Align::Center).tight(),
    );
    c.space(m.d(22.0));

    // 4. service area
    if !t.service_name.trim().is_empty() {
        c.text(&t.service_name, &m.text(30.0, Weight::Bold, Align::Center));
    }

    // 5. priority, white on black
    if let Some(p) = t.priority.as_deref().filter(|p| !p.trim().is_empty()) {
        c.space(m.d(12.0));
        let style = m.text(28.0, Weight::Bold, Align::Center);
        c.text_inverted(&format!("{PRIORITY_PREFIX}{}", p.trim()), &style, m.d(10.0));
    }

    // 5b. a return visit: what for, white on black, and the dossier's code (the counter
    // opens it), so the officer sees at once that this is not a new filing.
    if let Some(p) = t.purpose.as_deref().filter(|p| !p.trim().is_empty()) {
        c.space(m.d(12.0));
        let style = m.text(28.0, Weight::Bold, Align::Center);
        c.text_inverted(&p.trim().to_uppercase(), &style, m.d(10.0));
        if let Some(code) = t.dossier.as_deref().filter(|d| !d.trim().is_empty()) {
            c.space(m.d(6.0));
            c.text(
                &format!("{DOSSIER_PREFIX}{}", code.trim()),
                &m.text(22.0, Weight::Regular, Align::Center),
            );
        }
    }

    c.space(m.d(14.0));
    c.dashed_rule(m.d(2.0), m.d(8.0), m.d(6.0));
    c.space(m.d(12.0));

    // 6.-8. details
    let detail = m.text(26.0, Weight::Regular, Align::Left);
    c.text(&format!("{WAITING_PREFIX}{}", t.waiting_ahead), &detail);
    c.space(m.d(4.0));
    c.text(
        &format!("{TIME_PREFIX}{}", format_time(&t.issued_local)),
        &detail,
    );
    c.space(m.d(4.0));
    c.text(
        &format!("{SESSION_PREFIX}{}", session_label(&t.issued_local)),
        &detail,
    );

    // 9. QR (its quiet zone provides the spacing)
    if layout.show_qr {
        if let Some(url) = t.qr_url.as_deref().filter(|u| !u.trim().is_empty()) {
            c.space(m.d(6.0));
            // 6 dots per module on 80 mm, 5 on 58 mm; smaller only if the
            // URL is too long for that (then still integral, >= 3).
            let max_module = if width >= 512 { 6 } else { 5 };
            if c.qr(url.trim(), 3, max_module).is_err() {
                // Unprintable as QR: print the URL so it's not lost.
                c.space(m.d(8.0));
                c.text(url.trim(), &m.text(18.0, Weight::Regular, Align::Center));
            } else {
                c.text(QR_CAPTION, &m.text(20.0, Weight::Regular, Align::Center));
            }
        }
    }

    // 10. footer
    if !layout.footer.trim().is_empty() {
        c.space(m.d(12.0));
        c.dashed_rule(m.d(2.0), m.d(8.0), m.d(6.0));
        c.space(m.d(10.0));
        c.text(
            &layout.footer,
            &m.text(22.0, Weight::Regular, Align::Center),
        );
    }
    c.space(m.d(8.0));
    c.finish()
}

pub const CHECKLIST_TITLE: &str = "GIẤY TỜ CẦN CHUẨN BỊ";

/// Renders the checklist with the ticket's layout (width, header lines, logo).
pub fn render_checklist(t: &ChecklistPrint, layout: &TicketLayout) -> Bitmap {
    let width = layout.width_dots.clamp(MIN_WIDTH_DOTS, MAX_WIDTH_DOTS);
    let m = Metrics::new(width);
    let mut c = Canvas::new(width, m.margin);
    letterhead(&mut c, &m, layout, &t.center_name, 26.0, 12.0);
    c.text(CHECKLIST_TITLE, &m.text(32.0, Weight::Bold, Align::Center));
    c.space(m.d(10.0));
    c.text(
        &t.procedure_name,
        &m.text(30.0, Weight::Bold, Align::Center),
    );
    if !t.procedure_code.is_empty() {
        c.text(
            &format!("Mã thủ tục: {}", t.procedure_code),
            &m.text(20.0, Weight::Regular, Align::Center),
        );
    }
    c.space(m.d(12.0));
    c.dashed_rule(m.d(2.0), m.d(8.0), m.d(6.0));
    c.space(m.d(10.0));
    let item = m.text(26.0, Weight::Regular, Align::Left);
    for (i, p) in t.papers.iter().enumerate() {
        c.text(&format!("[  ] {}. {p}", i + 1), &item);
        c.space(m.d(6.0));
    }
    c.space(m.d(6.0));
    c.dashed_rule(m.d(2.0), m.d(8.0), m.d(6.0));
    c.space(m.d(10.0));
    let detail = m.text(24.0, Weight::Regular, Align::Left);
    for (label, value) in [
        ("Thời hạn giải quyết: ", &t.time),
        ("Phí, lệ phí: ", &t.fee),
        ("Nộp tại: ", &t.counter),
    ] {
        if !value.trim().is_empty() {
            c.text(&format!("{label}{value}"), &detail);
            c.space(m.d(4.0));
        }
    }
    c.space(m.d(8.0));
    c.text(
        &format!("In lúc {}", format_time(&t.printed_local)),
        &m.text(20.0, Weight::Regular, Align::Center),
    );
    c.space(m.d(4.0));
    c.finish()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::render::bitmap::{has_glyph, normalize_text};
    use chrono::NaiveDate;

    /// The 67 lowercase Vietnamese letters that are not plain ASCII: the
    /// twelve vowels in every tone (minus a e i o u y) plus đ.
    pub const VIETNAMESE_LOWER: &str = concat!(
        "àáảãạ",
        "ăằắẳẵặ",
        "âầấẩẫậ",
        "èéẻẽẹ",
        "êềếểễệ",
        "ìíỉĩị",
        "òóỏõọ",
        "ôồốổỗộ",
        "ơờớởỡợ",
        "ùúủũụ",
        "ưừứửữự",
        "ỳýỷỹỵ",
        "đ",
    );

    pub fn vietnamese_letters() -> Vec<char> {
        let lower: Vec<char> = VIETNAMESE_LOWER.chars().collect();
        let mut all = lower.clone();
        for c in lower {
            let mut up = c.to_uppercase();
            let u = up.next().unwrap();
            assert!(up.next().is_none(), "{c} uppercases to one letter");
            all.push(u);
        }
        all
    }

    pub fn sample(
        number: &str,
        service: &str,
        priority: Option<&str>,
        qr: Option<&str>,
    ) -> TicketPrint {
        TicketPrint {
            center_name: "Bộ phận Một cửa UBND xã Tân Phú".into(),
            service_name: service.into(),
            number: number.into(),
            priority: priority.map(Into::into),
            purpose: None,
            dossier: None,
            waiting_ahead: 3,
            issued_local: NaiveDate::from_ymd_opt(2026, 3, 5)
                .unwrap()
                .and_hms_opt(8, 42, 17)
                .unwrap(),
            qr_url: qr.map(Into::into),
        }
    }

    #[test]
    fn all_vietnamese_letters_are_precomposed_and_distinct() {
        let all = vietnamese_letters();
        assert_eq!(all.len(), 134);
        let mut dedup = all.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), 134);
        for c in &all {
            let s = c.to_string();
            assert_eq!(normalize_text(&s), s, "{c} is NFC");
            assert!(!c.is_ascii());
        }
    }

    #[test]
    fn every_template_and_vietnamese_char_has_a_glyph() {
        let mut chars: Vec<char> = vietnamese_letters();
        for s in TEMPLATE_STRINGS {
            chars.extend(normalize_text(s).chars());
        }
        chars.extend((0x20u8..0x7F).map(char::from)); // ASCII: digits, A-Z, punctuation
        let mut missing = Vec::new();
        for w in [Weight::Regular, Weight::Bold] {
            for &c in &chars {
                if c != ' ' && !has_glyph(w, c) {
                    missing.push((w, c));
                }
            }
        }
        assert!(missing.is_empty(), "missing glyphs: {missing:?}");
    }

    #[test]
    fn session_and_time_format() {
        let t = sample("A001", "Tư pháp", None, None);
        assert_eq!(format_time(&t.issued_local), "08:42:17 05/03/2026");
        assert_eq!(session_label(&t.issued_local), "Sáng");
        let noon = NaiveDate::from_ymd_opt(2026, 3, 5)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(session_label(&noon), "Chiều");
        let before = NaiveDate::from_ymd_opt(2026, 3, 5)
            .unwrap()
            .and_hms_opt(11, 59, 59)
            .unwrap();
        assert_eq!(session_label(&before), "Sáng");
    }

    #[test]
    fn lines_in_order() {
        let layout = TicketLayout {
            header_lines: vec!["UBND XÃ TÂN PHÚ".into()],
            ..Default::default()
        };
        let t = sample("A015", "Tư pháp - Hộ tịch", Some("Người cao tuổi"), None);
        assert_eq!(
            ticket_lines(&t, &layout),
            vec![
                "UBND XÃ TÂN PHÚ",
                "Bộ phận Một cửa UBND xã Tân Phú",
                "PHIẾU SỐ THỨ TỰ",
                "A015",
                "Tư pháp - Hộ tịch",
                "Ưu tiên: Người cao tuổi",
                "Số người chờ trước: 3",
                "Thời gian: 08:42:17 05/03/2026",
                "Buổi: Sáng",
                "Vui lòng giữ phiếu và chờ gọi số. Xin cảm ơn!",
            ]
        );
    }

    #[test]
    fn layout_default_and_serde() {
        let d = TicketLayout::default();
        assert_eq!(d.width_dots, 576);
        assert!(d.show_qr);
        assert_eq!(d.footer, DEFAULT_FOOTER);
        assert!(d.logo.is_none());
    }

    #[test]
    fn render_widths_and_number_size() {
        for w in [384u32, 512, 576] {
            let layout = TicketLayout {
                width_dots: w,
                ..Default::default()
            };
            let b = render_ticket(&sample("A001", "Tư pháp", None, None), &layout);
            assert_eq!(b.width(), w);
            assert!(b.height() > 300 && b.height() < 2000, "{w}: {}", b.height());
        }
    }

    #[test]
    fn long_number_shrinks_instead_of_clipping() {
        let layout = TicketLayout {
            width_dots: 384,
            ..Default::default()
        };
        let b = render_ticket(
            &sample("ĐKKD-99999", "Đăng ký kinh doanh", None, None),
            &layout,
        );
        // nothing is drawn in the outer 2 dots (margins hold)
        for y in 0..b.height() {
            assert!(!b.get(0, y) && !b.get(383, y));
        }
    }

    #[test]
    fn logo_is_printed() {
        let logo = Bitmap::from_fn(64, 32, |x, y| (x / 8 + y / 8) % 2 == 0);
        let with = TicketLayout {
            logo: Some(logo),
            ..Default::default()
        };
        let a = render_ticket(
            &sample("A001", "Tư pháp", None, None),
            &TicketLayout::default(),
        );
        let b = render_ticket(&sample("A001", "Tư pháp", None, None), &with);
        assert!(b.height() > a.height() + 32);
        assert!(b.get(256, 4));
    }

    #[test]
    fn nothing_goes_past_the_paper() {
        // A name of one endless word must wrap by characters, never clip.
        let layout = TicketLayout {
            width_dots: 384,
            ..Default::default()
        };
        let long = "Ủyban".repeat(30);
        let b = render_ticket(&sample("A001", &long, Some(&long), None), &layout);
        for y in 0..b.height() {
            assert!(!b.get(383, y), "dot at right edge, row {y}");
        }
    }
}
