//! The start page: where each role goes.

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::web::common::request_token;
use crate::web::{blocking, ApiError};

use super::*;

type Data = actix_web::web::Data<crate::web::AppState>;

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage {
    center: String,
    user: Option<String>,
    /// The screens this person may open: (link, title, what it is for).
    screens: Vec<(&'static str, &'static str, &'static str)>,
}

/// Every screen of the start page; each is shown only to roles its route admits.
const SCREENS: &[(&str, &str, &str)] = &[
    (
        "/kiosk",
        "Ki-ốt lấy số",
        "Màn hình cảm ứng cho công dân lấy số thứ tự",
    ),
    (
        "/counter",
        "Quầy giao dịch",
        "Cán bộ gọi số, phục vụ, chuyển quầy",
    ),
    (
        "/ho-so",
        "Hồ sơ một cửa",
        "Tiếp nhận, xử lý, trả kết quả, sổ theo dõi",
    ),
    (
        "/bao-cao",
        "Báo cáo",
        "Kết quả giải quyết hồ sơ, tỷ lệ đúng hạn, mức độ hài lòng",
    ),
    (
        "/tra-cuu",
        "Tra cứu hồ sơ",
        "Công dân xem tiến độ hồ sơ bằng mã trên giấy hẹn",
    ),
    ("/display", "Màn hình TV", "Bảng gọi số và loa thông báo"),
    (
        "/admin",
        "Quản trị",
        "Tài khoản, lĩnh vực, quầy, thiết bị, sao lưu",
    ),
];

pub async fn index(state: Data, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let s = state.services.clone();
    let token = request_token(&req);
    let (center, principal) = blocking(move || {
        let principal = match token {
            Some(t) => s.authenticate(&t)?,
            None => None,
        };
        Ok((s.settings()?.name, principal))
    })
    .await?;
    let role = principal.as_ref().map(|p| p.role);
    let screens = SCREENS
        .iter()
        .copied()
        .filter(|(path, _, _)| crate::web::routes::may_open(path, role))
        .collect();
    html(IndexPage {
        center,
        user: principal.map(|p| p.display_name),
        screens,
    })
}
