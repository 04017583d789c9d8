//! The remote signing service's simulated twin: it speaks the wire shape of
//! [`super::remote`] (and only that), keeps a small CA of its own whose root the
//! appliance must pin like any real CA's, holds each registered official's P-256 key,
//! and signs a request's hash only once "the official approves on the phone": its own
//! phone page `/_sim/app` (Xác nhận / Từ chối), `POST /_sim/approve/{id}` or
//! `/_sim/reject/{id}`, or by itself after `auto_approve`. Requests lapse after
//! `expire_after`. Faults: `PUT /_sim/faults {"silent": true}` makes every call hang
//! past a client's timeout (a service that never answers).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::Engine;
use serde_json::{json, Value};

struct User {
    name: String,
    key: p256::ecdsa::SigningKey,
    /// The key as PKCS#8 (kept by [`SimState::save`]).
    pkcs8: Vec<u8>,
    cert: Vec<u8>,
}

#[derive(Clone, PartialEq)]
enum TxState {
    Waiting,
    Approved(Vec<u8>),
    Rejected,
    Expired,
}

struct Tx {
    user_id: String,
    digest: Vec<u8>,
    description: String,
    created: Instant,
    state: TxState,
}

pub struct SimState {
    sp_id: String,
    sp_password: String,
    root_der: Vec<u8>,
    root: (rcgen::Certificate, rcgen::KeyPair),
    organisation: String,
    year: i32,
    users: BTreeMap<String, User>,
    txs: BTreeMap<String, Tx>,
    pub auto_approve: Option<Duration>,
    pub expire_after: Duration,
    silent: bool,
    serial: u64,
}

pub type Shared = Arc<Mutex<SimState>>;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

impl SimState {
    /// A service with its own root ("… – CA ký số từ xa mô phỏng"), officials of
    /// `organisation`, none registered yet.
    pub fn new(sp_id: &str, sp_password: &str, organisation: &str) -> Result<SimState, String> {
        let key = rcgen::KeyPair::generate().map_err(|e| format!("sim CA: {e}"))?;
        Self::with_root_key(sp_id, sp_password, organisation, key, None)
    }

    /// A service whose CA (and officials) were kept by [`SimState::save`]: signatures it
    /// made before a restart still lead to the same pinned root.
    pub fn load(
        sp_id: &str,
        sp_password: &str,
        organisation: &str,
        kept: &Value,
    ) -> Result<SimState, String> {
        use p256::pkcs8::DecodePrivateKey;
        let bytes = |k: &str| -> Result<Vec<u8>, String> {
            kept[k]
                .as_str()
                .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                .ok_or_else(|| format!("sim state: {k}"))
        };
        let key = rcgen::KeyPair::try_from(bytes("root_key")?.as_slice())
            .map_err(|e| format!("sim CA: {e}"))?;
        let mut st =
            Self::with_root_key(sp_id, sp_password, organisation, key, Some(bytes("root")?))?;
        for u in kept["users"].as_array().cloned().unwrap_or_default() {
            let get = |k: &str| {
                u[k].as_str()
                    .and_then(|s| base64::engine::general_purpose::STANDARD.decode(s).ok())
                    .unwrap_or_default()
            };
            let pkcs8 = get("key");
            let key = p256::ecdsa::SigningKey::from_pkcs8_der(&pkcs8)
                .map_err(|e| format!("sim key: {e}"))?;
            st.users.insert(
                u["id"].as_str().unwrap_or_default().to_string(),
                User {
                    name: u["name"].as_str().unwrap_or_default().to_string(),
                    key,
                    pkcs8,
                    cert: get("cert"),
                },
            );
        }
        Ok(st)
    }

    /// The CA's key and root and the officials' keys and certificates, to keep.
    pub fn save(&self) -> Value {
        json!({
            "root_key": b64(&self.root.1.serialize_der()),
            "root": b64(&self.root_der),
            "users": self.users.iter().map(|(id, u)| json!({
                "id": id, "name": u.name, "cert": b64(&u.cert),
                "key": b64(&u.pkcs8),
            })).collect::<Vec<_>>(),
        })
    }

    /// Whether `user_id` is registered.
    pub fn has_user(&self, user_id: &str) -> bool {
        self.users.contains_key(user_id)
    }

    fn with_root_key(
        sp_id: &str,
        sp_password: &str,
        organisation: &str,
        key: rcgen::KeyPair,
        root_der: Option<Vec<u8>>,
    ) -> Result<SimState, String> {
        use rcgen::{
            BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyUsagePurpose,
        };
        let err = |e: rcgen::Error| format!("sim CA: {e}");
        let year = chrono::Datelike::year(&chrono::Utc::now());
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(DnType::OrganizationName, "motcua – ký số từ xa mô phỏng");
        dn.push(DnType::CommonName, "SmartCA mô phỏng (không dùng thật)");
        p.distinguished_name = dn;
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        p.not_before = rcgen::date_time_ymd(year - 2, 1, 1);
        p.not_after = rcgen::date_time_ymd(year + 10, 12, 31);
        // Issued again from the same key and name when loaded: certificates it issues
        // still chain to the root kept (`root_der`).
        let cert = p.self_signed(&key).map_err(err)?;
        Ok(SimState {
            sp_id: sp_id.into(),
            sp_password: sp_password.into(),
            root_der: root_der.unwrap_or_else(|| cert.der().to_vec()),
            root: (cert, key),
            organisation: organisation.into(),
            year,
            users: BTreeMap::new(),
            txs: BTreeMap::new(),
            auto_approve: None,
            expire_after: Duration::from_secs(300),
            silent: false,
            serial: 500,
        })
    }

    /// The root the appliance pins (DER).
    pub fn root_der(&self) -> Vec<u8> {
        self.root_der.clone()
    }

    /// Registers an official: a P-256 key and a certificate from the sim's CA.
    pub fn register(&mut self, user_id: &str, name: &str) -> Result<(), String> {
        use p256::pkcs8::DecodePrivateKey;
        use rcgen::{CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose};
        let err = |e: rcgen::Error| format!("sim user: {e}");
        let kp = KeyPair::generate().map_err(err)?;
        let pkcs8 = kp.serialize_der();
        let key =
            p256::ecdsa::SigningKey::from_pkcs8_der(&pkcs8).map_err(|e| format!("sim key: {e}"))?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "VN");
        dn.push(DnType::OrganizationName, self.organisation.clone());
        dn.push(DnType::CommonName, name);
        p.distinguished_name = dn;
        p.is_ca = IsCa::ExplicitNoCa;
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        p.use_authority_key_identifier_extension = true;
        self.serial += 1;
        p.serial_number = Some(rcgen::SerialNumber::from(self.serial));
        p.not_before = rcgen::date_time_ymd(self.year - 1, 1, 1);
        p.not_after = rcgen::date_time_ymd(self.year + 2, 12, 31);
        let cert = p
            .signed_by(&kp, &self.root.0, &self.root.1)
            .map_err(err)?
            .der()
            .to_vec();
        self.users.insert(
            user_id.to_string(),
            User {
                name: name.to_string(),
                key,
                pkcs8,
                cert,
            },
        );
        Ok(())
    }

    fn tick(&mut self) {
        let (auto, expire) = (self.auto_approve, self.expire_after);
        let ids: Vec<String> = self.txs.keys().cloned().collect();
        for id in ids {
            let Some(t) = self.txs.get(&id) else { continue };
            if t.state != TxState::Waiting {
                continue;
            }
            let age = t.created.elapsed();
            if age > expire {
                self.txs.get_mut(&id).map(|t| t.state = TxState::Expired);
            } else if auto.is_some_and(|a| age >= a) {
                self.approve(&id);
            }
        }
    }

    /// The official approves request `id` on the phone: the hash is signed.
    pub fn approve(&mut self, id: &str) -> bool {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let Some(t) = self.txs.get(id) else {
            return false;
        };
        if t.state != TxState::Waiting {
            return false;
        }
        let Some(u) = self.users.get(&t.user_id) else {
            return false;
        };
        let sig: Result<p256::ecdsa::Signature, _> = u.key.sign_prehash(&t.digest);
        let Ok(sig) = sig else { return false };
        let der = sig.to_der().as_bytes().to_vec();
        if let Some(t) = self.txs.get_mut(id) {
            t.state = TxState::Approved(der);
        }
        true
    }

    pub fn reject(&mut self, id: &str) -> bool {
        match self.txs.get_mut(id) {
            Some(t) if t.state == TxState::Waiting => {
                t.state = TxState::Rejected;
                true
            }
            _ => false,
        }
    }

    /// Requests still waiting: (id, official's name, description).
    pub fn waiting(&self) -> Vec<(String, String, String)> {
        self.txs
            .iter()
            .filter(|(_, t)| t.state == TxState::Waiting)
            .map(|(id, t)| {
                let name = self
                    .users
                    .get(&t.user_id)
                    .map(|u| u.name.clone())
                    .unwrap_or_default();
                (id.clone(), name, t.description.clone())
            })
            .collect()
    }
}

pub fn shared(state: SimState) -> Shared {
    Arc::new(Mutex::new(state))
}

fn lock(st: &Shared) -> std::sync::MutexGuard<'_, SimState> {
    st.lock().unwrap_or_else(|p| p.into_inner())
}

fn refuse(code: i64, message: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({"status_code": code, "message": message, "data": null}))
}

/// The provider's credentials, then the service's own clock.
async fn gate(st: &Shared, body: &Value) -> Result<(), HttpResponse> {
    let silent = lock(st).silent;
    if silent {
        tokio::time::sleep(Duration::from_secs(120)).await;
    }
    let mut s = lock(st);
    s.tick();
    if body["sp_id"].as_str() != Some(s.sp_id.as_str())
        || body["sp_password"].as_str() != Some(s.sp_password.as_str())
    {
        return Err(refuse(401, "SP_CREDENTIAL_INVALID"));
    }
    Ok(())
}

async fn get_certificate(st: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    if let Err(r) = gate(&st, &body).await {
        return r;
    }
    let s = lock(&st);
    let Some(u) = body["user_id"].as_str().and_then(|id| s.users.get(id)) else {
        return refuse(400, "USER_NOT_FOUND");
    };
    HttpResponse::Ok().json(json!({
        "status_code": 200,
        "message": "SUCCESS",
        "data": {"user_certificates": [{
            "service_type": "SMARTCA",
            "cert_id": "sim-1",
            "cert_status": "Đang hoạt động",
            "cert_subject": format!("CN={}", u.name),
            "cert_data": b64(&u.cert),
            "chain_data": {"ca_cert": b64(&s.root_der), "root_cert": null},
        }]},
    }))
}

async fn sign(st: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    if let Err(r) = gate(&st, &body).await {
        return r;
    }
    let mut s = lock(&st);
    let user_id = body["user_id"].as_str().unwrap_or("").to_string();
    if !s.users.contains_key(&user_id) {
        return refuse(400, "USER_NOT_FOUND");
    }
    let Some(id) = body["transaction_id"].as_str().filter(|t| !t.is_empty()) else {
        return refuse(400, "transaction_id is required");
    };
    if s.txs.contains_key(id) {
        return refuse(400, "transaction_id already used");
    }
    let file = &body["sign_files"][0];
    let digest = file["data_to_be_signed"]
        .as_str()
        .and_then(|h| hex::decode(h).ok())
        .filter(|d| d.len() == 32);
    let (Some(digest), Some("hash")) = (digest, file["sign_type"].as_str()) else {
        return refuse(400, "data_to_be_signed must be the hex of a SHA-256 hash");
    };
    let id = id.to_string();
    s.txs.insert(
        id.clone(),
        Tx {
            user_id,
            digest,
            description: body["transaction_desc"].as_str().unwrap_or("").to_string(),
            created: Instant::now(),
            state: TxState::Waiting,
        },
    );
    HttpResponse::Ok().json(json!({
        "status_code": 200,
        "message": "sig_wait_for_user_confirm",
        "data": {"transaction_id": id, "tran_code": format!("TC-{}", &id[..8.min(id.len())])},
    }))
}

async fn status(
    st: web::Data<Shared>,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    if let Err(r) = gate(&st, &body).await {
        return r;
    }
    let s = lock(&st);
    let id = path.into_inner();
    let Some(t) = s.txs.get(&id) else {
        return refuse(400, "TRANSACTION_NOT_FOUND");
    };
    let (message, signatures) = match &t.state {
        TxState::Waiting => ("WAITING_FOR_SIGNER_CONFIRM", Value::Null),
        TxState::Approved(sig) => (
            "SUCCESS",
            json!([{"doc_id": "1", "signature_value": b64(sig), "timestamp_signature": null}]),
        ),
        TxState::Rejected => ("USER_REJECTED", Value::Null),
        TxState::Expired => ("EXPIRED", Value::Null),
    };
    HttpResponse::Ok().json(json!({
        "status_code": 200,
        "message": message,
        "data": {"transaction_id": id, "signatures": signatures},
    }))
}

async fn approve(st: web::Data<Shared>, path: web::Path<String>) -> HttpResponse {
    if lock(&st).approve(&path) {
        HttpResponse::SeeOther()
            .insert_header(("Location", "/_sim/app"))
            .finish()
    } else {
        HttpResponse::NotFound().body("không có yêu cầu đang chờ này")
    }
}

async fn reject(st: web::Data<Shared>, path: web::Path<String>) -> HttpResponse {
    if lock(&st).reject(&path) {
        HttpResponse::SeeOther()
            .insert_header(("Location", "/_sim/app"))
            .finish()
    } else {
        HttpResponse::NotFound().body("không có yêu cầu đang chờ này")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The phone app, simulated: what waits for approval, with its two buttons.
async fn phone(st: web::Data<Shared>) -> HttpResponse {
    let mut s = lock(&st);
    s.tick();
    let rows: String = s
        .waiting()
        .iter()
        .map(|(id, name, desc)| {
            format!(
                "<li><p><b>{}</b><br>{}</p><form method=post action=\"/_sim/approve/{id}\"><button class=ok>Xác nhận ký</button></form> <form method=post action=\"/_sim/reject/{id}\"><button>Từ chối</button></form></li>",
                escape(name),
                escape(desc)
            )
        })
        .collect();
    let body = if rows.is_empty() {
        "<p>Không có yêu cầu ký nào đang chờ.</p>".to_string()
    } else {
        format!("<ul>{rows}</ul>")
    };
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html lang=vi><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><meta http-equiv=refresh content=5><title>Ứng dụng ký số (mô phỏng)</title><style>body{{font:18px sans-serif;margin:16px}}ul{{padding:0}}li{{list-style:none;border:1px solid #ccc;border-radius:8px;padding:12px;margin:12px 0}}form{{display:inline}}button{{font-size:18px;padding:10px 16px}}.ok{{background:#1d4ed8;color:#fff;border:0;border-radius:6px}}</style></head><body><h1>Ứng dụng ký số từ xa — mô phỏng</h1><p>Màn hình điện thoại của người ký. Bản thật là ứng dụng của tổ chức chứng thực.</p>{body}</body></html>"
        ))
}

async fn pending(st: web::Data<Shared>) -> HttpResponse {
    let mut s = lock(&st);
    s.tick();
    let list: Vec<Value> = s
        .waiting()
        .into_iter()
        .map(|(id, name, desc)| json!({"transaction_id": id, "name": name, "description": desc}))
        .collect();
    HttpResponse::Ok().json(list)
}

async fn faults(st: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let mut s = lock(&st);
    if let Some(v) = body["silent"].as_bool() {
        s.silent = v;
    }
    if let Some(v) = body["auto_approve_ms"].as_u64() {
        s.auto_approve = Some(Duration::from_millis(v)).filter(|d| !d.is_zero());
    }
    if let Some(v) = body["expire_after_ms"].as_u64() {
        s.expire_after = Duration::from_millis(v);
    }
    HttpResponse::NoContent().finish()
}

async fn register(st: web::Data<Shared>, body: web::Json<Value>) -> HttpResponse {
    let (Some(id), Some(name)) = (body["user_id"].as_str(), body["name"].as_str()) else {
        return HttpResponse::BadRequest().body("user_id, name");
    };
    match lock(&st).register(id, name) {
        Ok(()) => HttpResponse::Created().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e),
    }
}

async fn root(st: web::Data<Shared>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pkix-cert")
        .body(lock(&st).root_der())
}

/// The simulated service's server, bound (spawn it, or await it).
pub fn start(
    listener: std::net::TcpListener,
    st: Shared,
) -> std::io::Result<actix_web::dev::Server> {
    let data = web::Data::new(st);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/v1/credentials/get_certificate",
                web::post().to(get_certificate),
            )
            .route("/v1/signatures/sign", web::post().to(sign))
            .route("/v1/signatures/sign/{id}/status", web::post().to(status))
            .route("/_sim/app", web::get().to(phone))
            .route("/_sim/pending", web::get().to(pending))
            .route("/_sim/approve/{id}", web::post().to(approve))
            .route("/_sim/reject/{id}", web::post().to(reject))
            .route("/_sim/faults", web::put().to(faults))
            .route("/_sim/users", web::post().to(register))
            .route("/_sim/root.der", web::get().to(root))
    })
    .workers(2)
    .listen(listener)?
    .run())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_approved_hash_is_signed_by_the_officials_certificate() {
        use der::Decode;
        let mut s = SimState::new("sp", "pw", "UBND xã Tân Phú").unwrap();
        s.register("079", "Nguyễn Văn An").unwrap();
        let digest = [7u8; 32];
        s.txs.insert(
            "t1".into(),
            Tx {
                user_id: "079".into(),
                digest: digest.to_vec(),
                description: "Ký kết quả".into(),
                created: Instant::now(),
                state: TxState::Waiting,
            },
        );
        assert_eq!(s.waiting().len(), 1);
        assert!(s.approve("t1"));
        assert!(!s.approve("t1"), "approved once");
        let TxState::Approved(sig) = s.txs["t1"].state.clone() else {
            panic!()
        };
        // The signature checks against the certificate's key over the prehash.
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        let cert = x509_cert::Certificate::from_der(&s.users["079"].cert).unwrap();
        let vk = p256::ecdsa::VerifyingKey::from_sec1_bytes(
            cert.tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
        )
        .unwrap();
        let sig = p256::ecdsa::Signature::from_der(&sig).unwrap();
        vk.verify_prehash(&digest, &sig).unwrap();
        assert!(!s.reject("t1"));
    }
}
