//! A real center's signers: district IT sets up the chairman's key file (made by OpenSSL,
//! RSA, a Vietnamese password) and the organisation's (OpenSSL's legacy 3DES/RC2 export),
//! the certificates must lead to a pinned root, and the leader signs a result with the
//! passwords typed at the desk — never kept, and a wrong one changes nothing.

use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/signing");

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}")).unwrap()
}

fn key_file(
    app: &TestApp,
    admin: &str,
    id: &str,
    title: &str,
    file: &str,
    pw: &str,
) -> (u16, Value) {
    key_file_with(app, admin, id, title, file, pw, "")
}

fn key_file_with(
    app: &TestApp,
    admin: &str,
    id: &str,
    title: &str,
    file: &str,
    pw: &str,
    image: &str,
) -> (u16, Value) {
    app.post(
        "/api/v1/signers",
        admin,
        json!({
            "id": id, "title": title, "kind": "key_file",
            "key_file": base64::engine::general_purpose::STANDARD.encode(fixture(file)),
            "secret": pw, "image": image,
        }),
    )
}

/// A signature as a PNG: a blue wave on a transparent ground (what a center scans and
/// cleans from the leader's handwriting).
pub fn signature_png() -> Vec<u8> {
    let (w, h) = (240u32, 90u32);
    let mut px = vec![0u8; (w * h * 4) as usize];
    for x in 10..230 {
        let y = 45.0 + 25.0 * ((x as f32) / 18.0).sin();
        for dy in -3i32..=3 {
            let yy = (y as i32 + dy).clamp(0, h as i32 - 1) as u32;
            let i = ((yy * w + x) * 4) as usize;
            px[i..i + 4].copy_from_slice(&[20, 50, 170, 255]);
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

fn leader(app: &TestApp, admin: &str) -> String {
    let (s, _) = app.post(
        "/api/v1/users",
        admin,
        json!({"username": "chutich", "display_name": "Nguyễn Văn An", "role": "leader", "password": "demo"}),
    );
    assert_eq!(s, 201);
    let first = app.login("chutich");
    let (s, _) = app.post(
        "/api/v1/me/password",
        &first,
        json!({"current": "demo", "new": "mat-khau-chu-tich-2026"}),
    );
    assert_eq!(s, 204);
    let (s, v) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "chutich", "password": "mat-khau-chu-tich-2026"})),
    );
    assert_eq!(s, 201, "{v}");
    v["token"].as_str().unwrap().to_string()
}

fn form(app: &TestApp, token: &str, path: &str, body: &str) -> (u16, String) {
    app.raw(
        "POST",
        path,
        Some(token),
        Some(body.to_string()),
        "application/x-www-form-urlencoded",
    )
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn district_it_sets_up_key_files_and_the_chairman_signs_with_the_password_typed_at_the_desk() {
    let app = TestApp::start();
    let admin = app.login("admin");
    let chutich = leader(&app, &admin);

    // Nothing set up: the leader is told so on the dossier page.
    let officer = app.login("canbo1");
    let d = crate::dossiers::receive(&app, &officer, "1.004873");
    let code = d["code"].as_str().unwrap().to_string();

    // The root is not pinned yet: the certificate is refused at setup, not at the desk.
    let (s, e) = key_file(
        &app,
        &admin,
        "chutich",
        "Chủ tịch",
        "chu-tich.p12",
        "mậtkhẩu 2026",
    );
    assert_eq!(s, 422, "{e}");
    let m = e["message"].as_str().unwrap();
    assert!(
        m.contains("không dẫn tới tổ chức chứng thực tin cậy"),
        "{m}"
    );
    assert!(m.contains("Test Root CA motcua"), "{m}");

    // District IT pins the root on this machine (a trust bundle does the same).
    let trust = app.data_dir().join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    std::fs::write(trust.join("test-root.pem"), fixture("root.pem")).unwrap();

    // Wrong password, a stranger's certificate, an expired one, a broken file, an officer.
    let (s, e) = key_file(
        &app,
        &admin,
        "chutich",
        "Chủ tịch",
        "chu-tich.p12",
        "matkhau",
    );
    assert_eq!(
        (s, e["message"].as_str().unwrap()),
        (422, "Sai mật khẩu tệp khóa")
    );
    let (s, e) = key_file(&app, &admin, "chutich", "Chủ tịch", "la.p12", "123456");
    assert_eq!(s, 422, "{e}");
    assert!(e["message"].as_str().unwrap().contains("Người lạ"), "{e}");
    let (s, e) = key_file(&app, &admin, "chutich", "Chủ tịch", "het-han.p12", "123456");
    assert_eq!(s, 422, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("đã hết hạn ngày 01/01/2021"),
        "{e}"
    );
    let (s, e) = app.post(
        "/api/v1/signers",
        &admin,
        json!({"id": "chutich", "title": "Chủ tịch", "kind": "key_file", "key_file": "AAAA", "secret": "x"}),
    );
    assert_eq!(s, 422, "{e}");
    let (s, e) = key_file(
        &app,
        &admin,
        "canbo1",
        "Cán bộ",
        "chu-tich.p12",
        "mậtkhẩu 2026",
    );
    assert_eq!(s, 422, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("không phải lãnh đạo"),
        "{e}"
    );
    let (s, _) = key_file(
        &app,
        &officer,
        "chutich",
        "Chủ tịch",
        "chu-tich.p12",
        "mậtkhẩu 2026",
    );
    assert_eq!(s, 403, "only the admin sets up signers");
    let (_, v) = app.call("GET", "/api/v1/signers", Some(&admin), None);
    assert_eq!(v["setups"].as_array().unwrap().len(), 0, "{v}");

    // An image that is no PNG: refused, nothing kept.
    let (s, e) = key_file_with(
        &app,
        &admin,
        "chutich",
        "Chủ tịch",
        "chu-tich.p12",
        "mậtkhẩu 2026",
        "bm90IGEgcG5n",
    );
    assert_eq!(s, 422, "{e}");
    assert!(e["message"].as_str().unwrap().contains("PNG"), "{e}");
    // The chairman's file (OpenSSL 3 default, with his signature's image) and the
    // organisation's (legacy export, the drawn seal).
    let png = base64::engine::general_purpose::STANDARD.encode(signature_png());
    let (s, v) = key_file_with(
        &app,
        &admin,
        "chutich",
        "Chủ tịch",
        "chu-tich.p12",
        "mậtkhẩu 2026",
        &png,
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["name"], "Nguyễn Văn An");
    let (s, v) = key_file(&app, &admin, "co-quan", "", "co-quan-legacy.p12", "vanthu");
    assert_eq!(s, 201, "{v}");
    let kept = app.data_dir().join("signing/keys/chutich.p12");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let (_, v) = app.call("GET", "/api/v1/signers", Some(&admin), None);
    let text = v.to_string();
    assert!(
        !text.contains("mậtkhẩu") && !text.contains("vanthu"),
        "{text}"
    );
    assert_eq!(v["setups"][1]["title"], "CHỦ TỊCH", "{v}");
    assert_eq!(v["setups"][1]["has_image"], true, "{v}");
    assert_eq!(v["setups"][0]["has_image"], false, "{v}");
    assert!(!text.contains(&png[..40]), "the image is not sent back");
    assert_eq!(v["setups"][0]["holder"], "Cơ quan (con dấu số)", "{v}");
    assert!(v["trust"]
        .as_array()
        .unwrap()
        .iter()
        .any(|t| t["name"] == "RootCA chuyên dùng Chính phủ G2" && t["root"] == true));

    // The result to sign.
    let (s, r) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        &officer,
        json!({"action": "resolve"}),
    );
    assert_eq!(s, 200, "{r}");
    let pdf = crate::signing::a_pdf();
    let (s, _, _) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code}/files/result?filename=ket-qua.pdf"),
        Some(&officer),
        Some(&pdf),
        "application/pdf",
    );
    assert_eq!(s, 200);

    // The page asks for both passwords.
    let (s, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&chutich), None, "");
    assert_eq!(s, 200);
    assert!(
        page.contains("Mật khẩu tệp khóa"),
        "person's password field"
    );
    assert!(
        page.contains("của cơ quan (văn thư nhập)"),
        "organisation's field"
    );
    assert!(page.contains("Nguyễn Văn An (chủ tịch)"));

    // A wrong password: said on the page, the file unchanged.
    let sign = format!("/ho-so/{code}/ky-so");
    let (s, page) = form(
        &app,
        &chutich,
        &sign,
        &format!("pin=sai&org_pin={}", enc("vanthu")),
    );
    assert_eq!(s, 422);
    assert!(page.contains("Sai mật khẩu tệp khóa"), "{page}");
    let before = app.running().services.dossier(&code).unwrap();
    let result = |d: &motcua::domain::dossier::Dossier| {
        d.files
            .iter()
            .find(|f| f.slot == motcua::domain::dossier::digitize::Slot::Result)
            .unwrap()
            .pdf
            .sha256
            .clone()
    };
    assert_eq!(result(&before), motcua::store::files::sha256_hex(&pdf));
    // The organisation's missing: asked for, nothing signed.
    let (s, page) = form(
        &app,
        &chutich,
        &sign,
        &format!("pin={}", enc("mậtkhẩu 2026")),
    );
    assert_eq!(s, 422);
    assert!(page.contains("văn thư giữ"), "{page}");

    let (s, _) = form(
        &app,
        &chutich,
        &sign,
        &format!("pin={}&org_pin=vanthu", enc("mậtkhẩu 2026")),
    );
    assert_eq!(s, 303);
    let after = app.running().services.dossier(&code).unwrap();
    let f = after
        .files
        .iter()
        .find(|f| f.slot == motcua::domain::dossier::digitize::Slot::Result)
        .unwrap();
    assert_eq!(f.signatures.len(), 2, "{:?}", f.signatures);
    assert!(
        f.signatures.iter().all(|s| s.starts_with("Hợp lệ")),
        "{:?}",
        f.signatures
    );
    let note = &after.history.last().unwrap().note;
    assert!(note.contains("Ký số kết quả: Nguyễn Văn An"), "{note}");
    assert!(!note.contains("chứng thư thử"), "{note}");
    // The signed file is RSA-signed by the chairman, chained to the pinned test root.
    let (_, _, signed) = app.bytes(
        "GET",
        &format!("/api/v1/dossiers/{code}/files/result"),
        Some(&officer),
        None,
        "",
    );
    assert!(signed.starts_with(&pdf), "appended, never rewritten");
    let tail = String::from_utf8_lossy(&signed[pdf.len()..]);
    assert!(
        tail.contains("/SMask") && tail.contains("/XObject << /Im1 "),
        "his signature's image, transparent"
    );
    let (s, v) = app
        .bytes(
            "POST",
            "/api/v1/signatures/verify",
            Some(&officer),
            Some(&signed),
            "application/pdf",
        )
        .pipe(|(s, _, b)| (s, serde_json::from_slice::<Value>(&b).unwrap()));
    assert_eq!(s, 200);
    assert_eq!(v[0]["signer"], "Nguyễn Văn An");
    assert_eq!(v[1]["signer"], "UBND xã Tân Phú");

    // Nothing secret reached the audit trail.
    let (_, audit) = app.call("GET", "/api/v1/audit?limit=200", Some(&admin), None);
    let audit = audit.to_string();
    assert!(!audit.contains("mậtkhẩu") && !audit.contains("vanthu"));
    assert!(audit.contains("Chữ ký số của trung tâm"), "{audit}");

    // Removing a setup removes its key file; the signed result stays signed.
    let (s, _) = app.call("DELETE", "/api/v1/signers/chutich", Some(&admin), None);
    assert_eq!(s, 204);
    assert!(!kept.exists());
    let (s, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&chutich), None, "");
    assert_eq!(s, 200);
    assert!(
        page.contains("Tài khoản này chưa được cài chữ ký số"),
        "{page}"
    );
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}
