//! What the desk must have before a dossier is received: every problem at once, each tied
//! to its field, so the officer fixes the form in one pass instead of one refusal at a time.

use super::{Applicant, Paper};

/// One problem with the reception form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The form field it belongs to (`name`, `id_number`, `phone`, `address`, `email`,
    /// `sets`, `papers`), so the page can mark it.
    pub field: &'static str,
    /// Stable code for programs (`lookup_key_required` is the one the API names).
    pub code: &'static str,
    pub message: String,
}

fn problem(field: &'static str, code: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        field,
        code,
        message: message.into(),
    }
}

/// The applicant as stored (trimmed), or every problem found, in the form's order.
pub fn check_applicant(a: &Applicant) -> Result<Applicant, Vec<Problem>> {
    let mut a = a.clone();
    a.name = a.name.split_whitespace().collect::<Vec<_>>().join(" ");
    a.id_number = a.id_number.trim().to_string();
    a.phone = a.phone.trim().to_string();
    a.address = a.address.trim().to_string();
    a.email = a.email.trim().to_string();
    let mut out = Vec::new();
    if a.name.is_empty() {
        out.push(problem(
            "name",
            "name_required",
            "Cần nhập họ tên người nộp hồ sơ",
        ));
    } else if a.name.chars().count() > 100 {
        out.push(problem(
            "name",
            "name_too_long",
            "Họ tên quá dài (tối đa 100 ký tự)",
        ));
    }
    if !a.id_number.is_empty() {
        if let Err(e) = crate::domain::citizen::validate_cccd(&a.id_number, None, None) {
            out.push(problem(
                "id_number",
                "bad_id_number",
                format!("Số định danh: {e}"),
            ));
        }
    }
    let phone_ok = a.phone.is_empty()
        || (a.phone.len() <= 15
            && a.phone.chars().filter(|c| c.is_ascii_digit()).count() >= 9
            && a.phone
                .chars()
                .all(|c| c.is_ascii_digit() || c == '+' || c == ' ' || c == '.'));
    if !phone_ok {
        out.push(problem(
            "phone",
            "bad_phone",
            "Số điện thoại không hợp lệ (ít nhất 9 chữ số)",
        ));
    }
    // The receipt promises a lookup by the last 4 digits of one of them.
    if a.phone.is_empty() && a.id_number.is_empty() {
        out.push(problem(
            "phone",
            "lookup_key_required",
            "Cần số điện thoại hoặc số CCCD của người nộp: công dân dùng 4 số cuối để tra cứu hồ sơ",
        ));
    }
    if a.address.chars().count() > 300 {
        out.push(problem(
            "address",
            "address_too_long",
            "Địa chỉ quá dài (tối đa 300 ký tự)",
        ));
    }
    if !a.email.is_empty() {
        let ok = a.email.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
        }) && !a.email.contains(char::is_whitespace);
        if !ok {
            out.push(problem(
                "email",
                "bad_email",
                "Thư điện tử không đúng dạng (ví dụ: ten@gmail.com)",
            ));
        }
    }
    if out.is_empty() {
        Ok(a)
    } else {
        Err(out)
    }
}

/// What was handed in: every paper named with a count, 1–100 sets.
pub fn check_papers(papers: &[Paper], sets: u32) -> Vec<Problem> {
    let mut out = Vec::new();
    if papers
        .iter()
        .any(|p| p.name.trim().is_empty() || p.count == 0)
    {
        out.push(problem(
            "papers",
            "bad_paper",
            "Mỗi giấy tờ nhận cần có tên và số lượng",
        ));
    }
    if !(1..=100).contains(&sets) {
        out.push(problem("sets", "bad_sets", "Số bộ hồ sơ phải từ 1 đến 100"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applicant(name: &str, id: &str, phone: &str, email: &str) -> Applicant {
        Applicant {
            name: name.into(),
            id_number: id.into(),
            phone: phone.into(),
            address: String::new(),
            email: email.into(),
        }
    }

    #[test]
    fn every_problem_is_reported_at_once_with_its_field() {
        let e = check_applicant(&applicant("  ", "12ab", "12", "lan@")).unwrap_err();
        let fields: Vec<_> = e.iter().map(|p| p.field).collect();
        assert_eq!(fields, ["name", "id_number", "phone", "email"]);
        let e = check_applicant(&applicant("", "", "", "")).unwrap_err();
        let codes: Vec<_> = e.iter().map(|p| p.code).collect();
        assert_eq!(codes, ["name_required", "lookup_key_required"]);
    }

    #[test]
    fn a_good_applicant_is_tidied() {
        let a = check_applicant(&applicant(
            " Nguyễn  Văn   An ",
            "",
            " 0912 345 678 ",
            "an@gmail.com",
        ))
        .unwrap();
        assert_eq!(
            (a.name.as_str(), a.phone.as_str()),
            ("Nguyễn Văn An", "0912 345 678")
        );
    }

    #[test]
    fn papers_and_sets() {
        let p = Paper {
            name: "Tờ khai".into(),
            kind: crate::domain::dossier::PaperKind::Original,
            count: 0,
        };
        let codes: Vec<_> = check_papers(&[p], 0).iter().map(|x| x.code).collect();
        assert_eq!(codes, ["bad_paper", "bad_sets"]);
        assert!(check_papers(&[], 1).is_empty());
    }
}
