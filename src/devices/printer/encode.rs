//! ESC/POS byte encoding of a rendered ticket (HARDWARE.md §1.3).
//!
//! We send our own bytes rather than going through the `escpos` crate: the
//! whole ticket is one raster image, sent as `GS v 0` bands of at most
//! [`MAX_BAND_ROWS`] rows, then a feed and a cut.

use serde::{Deserialize, Serialize};

use crate::render::bitmap::Bitmap;

/// Rows per `GS v 0` band. HARDWARE.md advises 128–256; 128 keeps a 576-dot
/// band at 9 KiB, small enough for the cheapest printers' buffers.
pub const MAX_BAND_ROWS: u32 = 128;
/// Lines fed (`ESC d n`) before the cut so the last line clears the cutter.
pub const FEED_LINES_BEFORE_CUT: u8 = 4;

/// `ESC @`: initialize.
pub const INIT: [u8; 2] = [0x1B, 0x40];
/// `GS V 41 00`: feed to the cutter and cut fully (function B).
pub const CUT_FULL: [u8; 4] = [0x1D, 0x56, 0x41, 0x00];
/// `GS V 42 00`: feed to the cutter and cut partially (function B).
pub const CUT_PARTIAL: [u8; 4] = [0x1D, 0x56, 0x42, 0x00];

/// How the ticket is cut off the roll.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum CutMode {
    Full,
    /// Leaves a hinge; the default (the ticket doesn't fall on the floor).
    #[default]
    Partial,
}

/// The `GS v 0` bands for a bitmap (no init, no cut). Empty for an empty
/// bitmap.
pub fn encode_raster(bmp: &Bitmap) -> Vec<u8> {
    let stride = bmp.stride();
    let mut out =
        Vec::with_capacity(bmp.data().len() + 8 * (bmp.height() / MAX_BAND_ROWS + 1) as usize);
    // A row wider than 65535 bytes can't be expressed; such a bitmap (half a
    // million dots wide) is not a ticket, so send nothing rather than garbage.
    if stride == 0 || stride > u16::MAX as usize {
        return out;
    }
    let x = stride as u16;
    let blank = |y: u32| bmp.row(y).iter().all(|&b| b == 0);
    let mut y0 = 0;
    while y0 < bmp.height() {
        // A run of white rows is sent as a paper feed (`ESC J n`, n dots) instead of
        // raster bytes: a ticket is mostly white, and every byte costs time on the wire.
        let mut white = 0;
        while y0 + white < bmp.height() && blank(y0 + white) {
            white += 1;
        }
        if white >= MIN_FEED_RUN {
            let mut left = white;
            while left > 0 {
                let n = left.min(255);
                // n <= 255 so it fits in u8.
                out.extend_from_slice(&[0x1B, 0x4A, n as u8]);
                left -= n;
            }
            y0 += white;
            continue;
        }
        // A band runs until the next long white run (or MAX_BAND_ROWS).
        let mut rows = 0;
        let mut run = 0;
        while y0 + rows < bmp.height() && rows < MAX_BAND_ROWS {
            if blank(y0 + rows) {
                run += 1;
                if run >= MIN_FEED_RUN {
                    rows -= run - 1;
                    break;
                }
            } else {
                run = 0;
            }
            rows += 1;
        }
        // rows <= MAX_BAND_ROWS (128) so it fits in u16.
        let y = rows as u16;
        out.extend_from_slice(&[0x1D, 0x76, 0x30, 0x00]);
        out.extend_from_slice(&x.to_le_bytes());
        out.extend_from_slice(&y.to_le_bytes());
        out.extend_from_slice(bmp.rows(y0, rows));
        y0 += rows;
    }
    out
}

/// White runs at least this tall become a feed rather than raster rows.
pub const MIN_FEED_RUN: u32 = 8;

/// A complete ticket job: `ESC @`, raster bands, `ESC d 4`, cut.
pub fn encode_ticket(bmp: &Bitmap, cut: CutMode) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&INIT);
    out.extend_from_slice(&encode_raster(bmp));
    out.extend_from_slice(&[0x1B, 0x64, FEED_LINES_BEFORE_CUT]);
    out.extend_from_slice(match cut {
        CutMode::Full => &CUT_FULL,
        CutMode::Partial => &CUT_PARTIAL,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::printer::decode::decode;
    use crate::render::ticket::{render_ticket, tests::sample, TicketLayout};

    #[test]
    fn exact_bytes_small_image() {
        let bmp = Bitmap::from_fn(10, 2, |x, y| x == 0 || (y == 1 && x == 9));
        let bytes = encode_ticket(&bmp, CutMode::Partial);
        assert_eq!(
            bytes,
            vec![
                0x1B, 0x40, // init
                0x1D, 0x76, 0x30, 0x00, 0x02, 0x00, 0x02, 0x00, // 2 bytes x 2 rows
                0x80, 0x00, 0x80, 0x40, // rows
                0x1B, 0x64, 0x04, // feed 4
                0x1D, 0x56, 0x42, 0x00, // partial cut
            ]
        );
        let full = encode_ticket(&bmp, CutMode::Full);
        assert_eq!(&full[full.len() - 4..], &CUT_FULL);
    }

    #[test]
    fn bands_are_at_most_128_rows() {
        let bmp = Bitmap::from_fn(576, 300, |x, y| (x + y) % 7 == 0);
        let bytes = encode_raster(&bmp);
        // 128 + 128 + 44
        assert_eq!(
            &bytes[..8],
            &[0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 0x80, 0x00]
        );
        let second = 8 + 72 * 128;
        assert_eq!(
            &bytes[second..second + 8],
            &[0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 0x80, 0x00]
        );
        let third = second + 8 + 72 * 128;
        assert_eq!(
            &bytes[third..third + 8],
            &[0x1D, 0x76, 0x30, 0x00, 0x48, 0x00, 44, 0x00]
        );
        assert_eq!(bytes.len(), third + 8 + 72 * 44);
        assert!(encode_raster(&Bitmap::new(576, 0)).is_empty());
    }

    #[test]
    fn encode_decode_roundtrip_image() {
        let bmp = Bitmap::from_fn(384, 260, |x, y| (x * 3 + y * 5) % 11 < 4);
        let d = decode(&encode_ticket(&bmp, CutMode::Full));
        assert_eq!(d.image.as_ref(), Some(&bmp));
        assert_eq!(d.listing.first().map(String::as_str), Some("[INIT]"));
        assert_eq!(d.listing.last().map(String::as_str), Some("[CUT full]"));
    }

    // ---- snapshot tests of whole tickets -------------------------------------------

    /// The decoded listing plus a coarse picture of the raster, so a reviewer
    /// of the .snap file can see the layout.
    fn snapshot_text(name: &str, bmp: &Bitmap, cut: CutMode) -> String {
        let bytes = encode_ticket(bmp, cut);
        let d = decode(&bytes);
        let img = d.image.expect("ticket has a raster image");
        assert_eq!(&img, bmp, "decoded raster equals the rendered bitmap");
        if let Ok(dir) = std::env::var("MOTCUA_TICKET_PNG_DIR") {
            let _ = std::fs::create_dir_all(&dir);
            std::fs::write(format!("{dir}/{name}.png"), img.to_png().expect("png"))
                .expect("write png");
        }
        let cell_w = if img.width() > 400 { 6 } else { 4 };
        format!(
            "{} bytes, image {}x{}\n{}\n--- preview ({}x{} dots per char) ---\n{}",
            bytes.len(),
            img.width(),
            img.height(),
            d.listing.join("\n"),
            cell_w,
            cell_w * 2,
            img.ascii_preview(cell_w, cell_w * 2)
        )
    }

    fn layout(w: u32) -> TicketLayout {
        TicketLayout {
            width_dots: w,
            ..Default::default()
        }
    }

    #[test]
    fn snapshot_checklist_576() {
        use crate::render::ticket::{render_checklist, ChecklistPrint};
        let c = ChecklistPrint {
            center_name: "Trung tâm Phục vụ hành chính công xã Tân Phú".into(),
            procedure_name: "Đăng ký khai sinh".into(),
            procedure_code: "1.001193".into(),
            papers: vec![
                "Tờ khai đăng ký khai sinh — Bản chính: 1".into(),
                "Giấy chứng sinh hoặc giấy tờ thay thế — Bản chính: 1".into(),
            ],
            time: "Trong ngày (nhận sau 15 giờ: ngày làm việc tiếp theo)".into(),
            fee: "Miễn phí (Miễn lệ phí khi đăng ký đúng hạn)".into(),
            counter: "Quầy 1 — Tư pháp - Hộ tịch - Chứng thực".into(),
            printed_local: chrono::NaiveDate::from_ymd_opt(2026, 3, 5)
                .and_then(|d| d.and_hms_opt(9, 15, 0))
                .expect("valid time"),
        };
        insta::assert_snapshot!(snapshot_text(
            "checklist_576",
            &render_checklist(&c, &layout(576)),
            CutMode::Partial
        ));
    }

    #[test]
    fn snapshot_ticket_576() {
        let t = sample("A001", "Tư pháp - Hộ tịch", None, None);
        insta::assert_snapshot!(snapshot_text(
            "ticket_576",
            &render_ticket(&t, &layout(576)),
            CutMode::Partial
        ));
    }

    #[test]
    fn snapshot_ticket_384() {
        let t = sample("A001", "Tư pháp - Hộ tịch", None, None);
        insta::assert_snapshot!(snapshot_text(
            "ticket_384",
            &render_ticket(&t, &layout(384)),
            CutMode::Partial
        ));
    }

    #[test]
    fn snapshot_ticket_long_service_name() {
        let t = sample(
            "2015",
            "Chứng thực bản sao từ bản chính, chữ ký, hợp đồng, giao dịch liên quan đến quyền sử dụng đất và nhà ở",
            None,
            None,
        );
        insta::assert_snapshot!(snapshot_text(
            "ticket_long_name_576",
            &render_ticket(&t, &layout(576)),
            CutMode::Partial
        ));
    }

    #[test]
    fn snapshot_ticket_priority_384() {
        let mut t = sample("B-025", "Đất đai - Xây dựng", Some("Người cao tuổi"), None);
        t.issued_local = t
            .issued_local
            .date()
            .and_hms_opt(14, 5, 9)
            .expect("valid time");
        t.waiting_ahead = 0;
        insta::assert_snapshot!(snapshot_text(
            "ticket_priority_384",
            &render_ticket(&t, &layout(384)),
            CutMode::Full
        ));
    }

    #[test]
    fn snapshot_ticket_pickup_576() {
        let mut t = sample("A014", "Tư pháp - Hộ tịch - Chứng thực", None, None);
        t.purpose = Some("Nhận kết quả".into());
        t.dossier = Some("H40.14-260305-0001".into());
        insta::assert_snapshot!(snapshot_text(
            "ticket_pickup_576",
            &render_ticket(&t, &layout(576)),
            CutMode::Partial
        ));
    }

    #[test]
    fn snapshot_ticket_qr_576() {
        let t = sample(
            "C012",
            "Lao động - Thương binh và Xã hội",
            None,
            Some("https://motcua.invalid/t/2026-03-05/C012"),
        );
        let l = TicketLayout {
            header_lines: vec!["ỦY BAN NHÂN DÂN XÃ TÂN PHÚ".into()],
            ..layout(576)
        };
        insta::assert_snapshot!(snapshot_text(
            "ticket_qr_576",
            &render_ticket(&t, &l),
            CutMode::Partial
        ));
    }
}
