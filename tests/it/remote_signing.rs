//! Remote (deferred) signing against the simulated service running as its own process
//! (`motcua sim smartca`), speaking only the documented wire shape over loopback: the
//! leader presses *Ký số kết quả*, the request survives a restart, the official approves
//! on the phone, the văn thư adds the seal; a refusal and a request nobody answers end
//! with a history row and change nothing.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::TestApp;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/signing");

/// The simulator process; killed when dropped.
struct Smartca {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
    root: Vec<u8>,
}

impl Smartca {
    fn start() -> Smartca {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root.der");
        let mut child = Command::new(env!("CARGO_BIN_EXE_motcua"))
            .args([
                "sim",
                "smartca",
                "--listen",
                "127.0.0.1:0",
                "--sp-id",
                "xa-tan-phu",
            ])
            .args(["--sp-password", "bi-mat-tich-hop"])
            .args(["--user", "079090000001=Nguyễn Văn An"])
            .arg("--root-out")
            .arg(&root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulated remote signing service");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("the simulator prints its address")
            .to_string();
        let root = std::fs::read(&root).unwrap();
        Smartca {
            child,
            base,
            _dir: dir,
            root,
        }
    }

    fn pending(&self) -> Vec<Value> {
        ureq::get(&format!("{}/_sim/pending", self.base))
            .call()
            .unwrap()
            .into_json::<Vec<Value>>()
            .unwrap()
    }

    fn press(&self, what: &str, id: &str) {
        let agent = ureq::AgentBuilder::new().redirects(0).build();
        let r = agent
            .post(&format!("{}/_sim/{what}/{id}", self.base))
            .call();
        assert!(
            matches!(r, Ok(_) | Err(ureq::Error::Status(303, _))),
            "{r:?}"
        );
    }
}

impl Drop for Smartca {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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

fn login_leader(app: &TestApp) -> String {
    let (s, v) = app.call(
        "POST",
        "/api/v1/session",
        None,
        Some(json!({"username": "chutich", "password": "mat-khau-chu-tich-2026"})),
    );
    assert_eq!(s, 201, "{v}");
    v["token"].as_str().unwrap().to_string()
}

/// A resolved dossier with an unsigned result; its code and the result's bytes.
fn resolved_with_result(app: &TestApp, officer: &str) -> (String, Vec<u8>) {
    let d = crate::dossiers::receive(app, officer, "1.004873");
    let code = d["code"].as_str().unwrap().to_string();
    let (s, r) = app.post(
        &format!("/api/v1/dossiers/{code}/actions"),
        officer,
        json!({"action": "resolve"}),
    );
    assert_eq!(s, 200, "{r}");
    let pdf = crate::signing::a_pdf();
    let (s, _, _) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code}/files/result?filename=ket-qua.pdf"),
        Some(officer),
        Some(&pdf),
        "application/pdf",
    );
    assert_eq!(s, 200);
    (code, pdf)
}

fn result_of(app: &TestApp, officer: &str, code: &str) -> Vec<u8> {
    app.bytes(
        "GET",
        &format!("/api/v1/dossiers/{code}/files/result"),
        Some(officer),
        None,
        "",
    )
    .2
}

fn history(app: &TestApp, code: &str) -> String {
    let d = app.running().services.dossier(code).unwrap();
    d.history
        .iter()
        .map(|h| h.note.clone())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_leader_signs_on_the_phone_the_request_survives_a_restart_and_the_seal_follows() {
    let sim = Smartca::start();
    let (app, admin, officer) = roots_and_chairman(&sim);

    // The service with a wrong password: the setup says so; nothing is kept.
    let service = |pw: &str| {
        app.call(
            "PUT",
            "/api/v1/signers/remote-service",
            Some(&admin),
            Some(json!({"url": sim.base, "sp_id": "xa-tan-phu", "sp_password": pw})),
        )
    };
    assert_eq!(service("sai").0, 204);
    let remote =
        json!({"id": "chutich", "title": "Chủ tịch", "kind": "remote", "user_id": "079090000001"});
    let (s, e) = app.post("/api/v1/signers", &admin, remote.clone());
    assert_eq!(s, 422, "{e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("không nhận tài khoản"),
        "{e}"
    );
    assert_eq!(service("bi-mat-tich-hop").0, 204);
    let (_, v) = app.call("GET", "/api/v1/signers/remote-service", Some(&admin), None);
    assert_eq!(v["has_password"], true);
    assert!(!v.to_string().contains("bi-mat"), "{v}");
    // An account the service does not know.
    let (s, e) = app.post(
        "/api/v1/signers",
        &admin,
        json!({"id": "chutich", "title": "Chủ tịch", "kind": "remote", "user_id": "000"}),
    );
    assert_eq!(s, 422, "{e}");
    let (s, v) = app.post("/api/v1/signers", &admin, remote);
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["name"], "Nguyễn Văn An");
    // The organisation's seal: a key file the văn thư opens with its password.
    let (s, v) = app.post(
        "/api/v1/signers",
        &admin,
        json!({"id": "co-quan", "kind": "key_file", "secret": "vanthu",
               "key_file": base64::engine::general_purpose::STANDARD.encode(
                   std::fs::read(format!("{FIXTURES}/co-quan-legacy.p12")).unwrap())}),
    );
    assert_eq!(s, 201, "{v}");

    let leader = login_leader(&app);
    let (code, pdf) = resolved_with_result(&app, &officer);
    // The form asks for no PIN for the leader (the phone is the PIN).
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&leader), None, "");
    assert!(
        !page.contains("name=\"pin\""),
        "no PIN field for a remote signer"
    );
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code}/ky-so"), "");
    assert_eq!(s, 303);
    let waiting = sim.pending();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert_eq!(waiting[0]["name"], "Nguyễn Văn An");
    let id = waiting[0]["transaction_id"].as_str().unwrap().to_string();
    assert!(history(&app, &code).contains("Đã gửi yêu cầu ký số tới điện thoại của Nguyễn Văn An"));
    // Pressing again while it waits: told, nothing doubled.
    let (s, page) = form(&app, &leader, &format!("/ho-so/{code}/ky-so"), "");
    assert_eq!(s, 409);
    assert!(page.contains("Đang chờ Nguyễn Văn An xác nhận"), "{page}");
    assert_eq!(sim.pending().len(), 1);

    // The appliance restarts while the official has the phone in hand.
    let app = app.restart();
    let leader = login_leader(&app);
    let officer = app.login("canbo1");
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&leader), None, "");
    assert!(
        page.contains("Đang chờ Nguyễn Văn An xác nhận ký trên điện thoại"),
        "{page}"
    );
    assert!(page.contains("http-equiv=\"refresh\""));
    assert_eq!(
        result_of(&app, &officer, &code),
        pdf,
        "unchanged while waiting"
    );
    assert_eq!(
        app.running().services.remote_poll().unwrap(),
        0,
        "still waiting"
    );

    // Approved on the phone: the official's signature comes back; the seal is awaited.
    sim.press("approve", &id);
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    assert!(history(&app, &code).contains("đã xác nhận ký trên điện thoại; chờ văn thư"));
    assert_eq!(
        result_of(&app, &officer, &code),
        pdf,
        "not half-signed in the book"
    );
    let (_, page) = app.raw("GET", &format!("/ho-so/{code}"), Some(&leader), None, "");
    assert!(page.contains("Ký số của cơ quan"), "{page}");
    assert!(page.contains("name=\"org_pin\""));
    let (s, page) = form(
        &app,
        &leader,
        &format!("/ho-so/{code}/ky-so"),
        "org_pin=sai",
    );
    assert_eq!(s, 422);
    assert!(page.contains("Sai mật khẩu tệp khóa"));
    let (s, _) = form(
        &app,
        &leader,
        &format!("/ho-so/{code}/ky-so"),
        "org_pin=vanthu",
    );
    assert_eq!(s, 303);
    let signed = result_of(&app, &officer, &code);
    assert!(signed.starts_with(&pdf));
    let (s, _, body) = app.bytes(
        "POST",
        "/api/v1/signatures/verify",
        Some(&officer),
        Some(&signed),
        "application/pdf",
    );
    assert_eq!(s, 200);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v[0]["verdict"], "hop_le", "{v}");
    assert_eq!(v[0]["signer"], "Nguyễn Văn An");
    assert_eq!(v[1]["verdict"], "hop_le", "{v}");
    assert_eq!(v[1]["signer"], "UBND xã Tân Phú");
    assert!(history(&app, &code).contains("(ký từ xa, xác nhận trên điện thoại)"));
    assert!(app.running().services.remote_requests().unwrap().is_empty());

    // Refused on the phone: said on the dossier, nothing else changed.
    let (code2, pdf2) = resolved_with_result(&app, &officer);
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code2}/ky-so"), "");
    assert_eq!(s, 303);
    let id2 = sim.pending()[0]["transaction_id"]
        .as_str()
        .unwrap()
        .to_string();
    sim.press("reject", &id2);
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    assert!(history(&app, &code2).contains("Nguyễn Văn An đã từ chối ký trên điện thoại"));
    assert_eq!(result_of(&app, &officer, &code2), pdf2);

    // Nobody answers: after ten minutes the appliance ends the request itself.
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code2}/ky-so"), "");
    assert_eq!(s, 303);
    app.clock.advance(chrono::Duration::minutes(11));
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    assert!(
        history(&app, &code2).contains("hết hạn"),
        "{}",
        history(&app, &code2)
    );
    assert_eq!(result_of(&app, &officer, &code2), pdf2);

    // A leader cancels a request still waiting.
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code2}/ky-so"), "");
    assert_eq!(s, 303);
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code2}/ky-so/huy"), "");
    assert_eq!(s, 303);
    assert!(app.running().services.remote_requests().unwrap().is_empty());
    // The phone approves too late: nothing happens to the dossier.
    let late = sim.pending();
    sim.press("approve", late[0]["transaction_id"].as_str().unwrap());
    assert_eq!(app.running().services.remote_poll().unwrap(), 0);
    assert_eq!(result_of(&app, &officer, &code2), pdf2);

    // The result is replaced while the phone waits: the request ends, nothing is signed.
    let (s, _) = form(&app, &leader, &format!("/ho-so/{code2}/ky-so"), "");
    assert_eq!(s, 303);
    let mut other = crate::signing::a_pdf();
    other.extend_from_slice(b"\n% khac\n");
    let (s, _, _) = app.bytes(
        "PUT",
        &format!("/api/v1/dossiers/{code2}/files/result?filename=moi.pdf"),
        Some(&officer),
        Some(&other),
        "application/pdf",
    );
    assert_eq!(s, 200);
    let pending = sim.pending();
    sim.press("approve", pending[0]["transaction_id"].as_str().unwrap());
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    assert!(history(&app, &code2).contains("Tệp kết quả đã thay trong khi chờ ký số từ xa"));
    assert!(app.running().services.remote_requests().unwrap().is_empty());
    assert_eq!(result_of(&app, &officer, &code2), other);

    let (_, audit) = app.call(
        "GET",
        "/api/v1/audit?limit=300",
        Some(&admin_token(&app)),
        None,
    );
    let audit = audit.to_string();
    assert!(audit.contains("Ký số từ xa"), "{audit}");
    assert!(!audit.contains("bi-mat-tich-hop"));
}

fn admin_token(app: &TestApp) -> String {
    app.login("admin")
}

/// A center whose chairman signs remotely (the simulator) and whose seal is a key file.
/// A center with the CA roots district IT pins (the remote service's and the seal's
/// file's) and a chairman account with his own password; (app, admin, officer).
fn roots_and_chairman(sim: &Smartca) -> (TestApp, String, String) {
    let app = TestApp::start();
    let admin = app.login("admin");
    let officer = app.login("canbo1");
    let trust = app.data_dir().join("trust");
    std::fs::create_dir_all(&trust).unwrap();
    std::fs::write(trust.join("smartca-root.der"), &sim.root).unwrap();
    std::fs::write(
        trust.join("test-root.pem"),
        std::fs::read(format!("{FIXTURES}/root.pem")).unwrap(),
    )
    .unwrap();
    let (s, _) = app.post(
        "/api/v1/users",
        &admin,
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
    (app, admin, officer)
}

fn remote_center(sim: &Smartca) -> (TestApp, String, String) {
    let (app, admin, officer) = roots_and_chairman(sim);
    let (s, _) = app.call(
        "PUT",
        "/api/v1/signers/remote-service",
        Some(&admin),
        Some(json!({"url": sim.base, "sp_id": "xa-tan-phu", "sp_password": "bi-mat-tich-hop"})),
    );
    assert_eq!(s, 204);
    for body in [
        json!({"id": "chutich", "title": "Chủ tịch", "kind": "remote", "user_id": "079090000001"}),
        json!({"id": "co-quan", "kind": "key_file", "secret": "vanthu",
               "key_file": base64::engine::general_purpose::STANDARD.encode(
                   std::fs::read(format!("{FIXTURES}/co-quan-legacy.p12")).unwrap())}),
    ] {
        let (s, v) = app.post("/api/v1/signers", &admin, body);
        assert_eq!(s, 201, "{v}");
    }
    (app, admin, officer)
}

#[test]
fn a_remote_signer_issues_certified_copies_and_a_refused_one_leaves_its_number_unused() {
    let sim = Smartca::start();
    let (app, admin, officer) = remote_center(&sim);
    let leader = login_leader(&app);
    let request = |who: &str| {
        let (s, _, body) = app.bytes(
            "POST",
            &format!(
                "/api/v1/ecopies?citizen={}&document=Gi%E1%BA%A5y%20khai%20sinh&copies=1",
                who
            ),
            Some(&officer),
            Some(&crate::signing::a_pdf()),
            "application/pdf",
        );
        assert_eq!(s, 201, "{}", String::from_utf8_lossy(&body));
        serde_json::from_slice::<Value>(&body).unwrap()["id"]
            .as_u64()
            .unwrap()
    };
    let record = |id: u64| {
        let (_, v) = app.call("GET", "/api/v1/ecopies", Some(&officer), None);
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    let issue = |id: u64, body: &str| form(&app, &leader, &format!("/chung-thuc/{id}/cap"), body);

    // The chairman issues from the desk: the number is held, the phone asked.
    let a = request("An");
    assert_eq!(issue(a, "").0, 303);
    let r = record(a);
    assert_eq!(r["state"], "signing", "{r}");
    assert_eq!(r["number"]["number"], 1, "{r}");
    let waiting = sim.pending();
    assert!(waiting[0]["description"]
        .as_str()
        .unwrap()
        .contains("Số chứng thực 1 Quyển số"));
    let (_, page) = app.raw("GET", "/chung-thuc", Some(&leader), None, "");
    assert!(
        page.contains("Đang chờ Nguyễn Văn An xác nhận ký trên điện thoại"),
        "{page}"
    );
    // Approved: the văn thư adds the seal with its password; the copy is issued.
    sim.press("approve", waiting[0]["transaction_id"].as_str().unwrap());
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    let (_, page) = app.raw("GET", "/chung-thuc", Some(&leader), None, "");
    assert!(page.contains("Ký số của cơ quan và cấp"), "{page}");
    assert_eq!(issue(a, "org_pin=vanthu").0, 303);
    let r = record(a);
    assert_eq!(r["state"], "issued", "{r}");
    assert_eq!(r["number"]["number"], 1);
    assert_eq!(r["fee_vnd"], 2000);
    let (s, _, copy) = app.bytes(
        "GET",
        &format!("/chung-thuc/{a}/ban-sao.pdf"),
        Some(&leader),
        None,
        "",
    );
    assert_eq!(s, 200);
    let (_, _, v) = app.bytes(
        "POST",
        "/api/v1/signatures/verify",
        Some(&officer),
        Some(&copy),
        "application/pdf",
    );
    let v: Value = serde_json::from_slice(&v).unwrap();
    assert!(
        v.as_array()
            .unwrap()
            .iter()
            .all(|x| x["verdict"] == "hop_le"),
        "{v}"
    );
    assert_eq!(v[0]["signer"], "Nguyễn Văn An");

    // Refused on the phone: number 2 stays in the book as unused, the request goes back.
    let b = request("Binh");
    assert_eq!(issue(b, "").0, 303);
    assert_eq!(record(b)["number"]["number"], 2);
    sim.press(
        "reject",
        sim.pending()[0]["transaction_id"].as_str().unwrap(),
    );
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    let r = record(b);
    assert_eq!(r["state"], "pending", "{r}");
    assert!(r["number"].is_null(), "{r}");
    // Signed again: it takes the next number, never 2.
    assert_eq!(issue(b, "").0, 303);
    sim.press(
        "approve",
        sim.pending()[0]["transaction_id"].as_str().unwrap(),
    );
    assert_eq!(app.running().services.remote_poll().unwrap(), 1);
    assert_eq!(issue(b, "org_pin=vanthu").0, 303);
    let r = record(b);
    assert_eq!(
        (r["state"].as_str(), r["number"]["number"].as_u64()),
        (Some("issued"), Some(3))
    );
    let (_, book) = app.raw("GET", "/chung-thuc/so?nam=2026", Some(&admin), None, "");
    assert!(book.contains("Số không sử dụng"), "{book}");
    assert!(book.contains("đã từ chối ký trên điện thoại"), "{book}");
    assert!(book.contains("Cộng: 2 lượt chứng thực"), "{book}");
}
