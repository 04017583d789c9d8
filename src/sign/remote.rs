//! A remote signing service (SIGNING.md §1, "remote (deferred)"): the key stays with the
//! CA; the appliance sends the hash of what is to be signed, the official approves it in
//! the CA's phone app minutes later, and the signature comes back on a later poll.
//!
//! The wire shape is the Vietnamese remote-signing API most public CAs follow (VNPT
//! SmartCA's "sp769" integration guide): every call a JSON POST carrying the service
//! provider's `sp_id`/`sp_password`;
//! - `/v1/credentials/get_certificate` {user_id} → `data.user_certificates[]` with
//!   `cert_data` (base64 DER) and `chain_data.{ca_cert, root_cert}`;
//! - `/v1/signatures/sign` {user_id, transaction_id, transaction_desc, sign_files[{
//!   data_to_be_signed: hex SHA-256, doc_id, file_type, sign_type: "hash"}]} →
//!   `data.transaction_id`;
//! - `/v1/signatures/sign/{transaction_id}/status` → `message` "SUCCESS" with
//!   `data.signatures[].signature_value` (base64: RSA PKCS#1 v1.5, or ECDSA) once
//!   approved; the guide names no other states, so a refusal or expiry is read from the
//!   message's words (REJECT…, EXPIRE…) and anything else is "still waiting" — never
//!   success without a signature value.
//!
//! The hash sent is SHA-256 of the CMS signed attributes (what a signer signs); the
//! signature that comes back is checked against the certificate before it is used.

use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

/// The service as configured (the password is the provider's, kept 0600 by the service
/// layer, never shown back).
#[derive(Clone)]
pub struct RemoteService {
    pub base_url: String,
    pub sp_id: String,
    sp_password: String,
    agent: ureq::Agent,
}

impl std::fmt::Debug for RemoteService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteService")
            .field("base_url", &self.base_url)
            .field("sp_id", &self.sp_id)
            .field("sp_password", &"***")
            .finish()
    }
}

/// What the service says of a signing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoteStatus {
    /// Not yet approved (or the service did not say).
    Waiting,
    /// Approved: the signature value (bytes).
    Signed(Vec<u8>),
    /// The official declined on the phone.
    Refused,
    /// The service let the request lapse.
    Expired,
}

/// A certificate as the service hands it over.
#[derive(Debug, Clone)]
pub struct RemoteCertificate {
    pub certificate: Vec<u8>,
    pub others: Vec<Vec<u8>>,
}

fn b64(s: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .ok()
        .filter(|b| !b.is_empty())
}

impl RemoteService {
    pub fn new(base_url: &str, sp_id: &str, sp_password: &str, timeout: Duration) -> Self {
        RemoteService {
            base_url: base_url.trim_end_matches('/').to_string(),
            sp_id: sp_id.to_string(),
            sp_password: sp_password.to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(timeout)
                .redirects(0)
                .build(),
        }
    }

    /// One call: the JSON answer, or why there is none (in Vietnamese).
    fn call(&self, path: &str, mut body: Value) -> Result<Value, String> {
        body["sp_id"] = json!(self.sp_id);
        body["sp_password"] = json!(self.sp_password);
        let url = format!("{}{}", self.base_url, path);
        let res = match self.agent.post(&url).send_json(body) {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                let v: Value = r.into_json().unwrap_or(Value::Null);
                return Err(match (code, v["message"].as_str()) {
                    (401, _) => {
                        "Dịch vụ ký số từ xa không nhận tài khoản của trung tâm (sp_id/sp_password)"
                            .into()
                    }
                    (_, Some(m)) => format!("Dịch vụ ký số từ xa báo lỗi: {m}"),
                    _ => format!("Dịch vụ ký số từ xa trả lỗi HTTP {code}"),
                });
            }
            Err(ureq::Error::Transport(t)) => {
                return Err(format!(
                    "Không liên lạc được dịch vụ ký số từ xa ({})",
                    t.kind()
                ))
            }
        };
        let text = res
            .into_string()
            .map_err(|_| "Dịch vụ ký số từ xa trả lời không đọc được".to_string())?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|_| "Dịch vụ ký số từ xa trả lời không phải JSON".to_string())?;
        match v["status_code"].as_i64() {
            Some(200) | None => Ok(v),
            Some(401) => Err("Dịch vụ ký số từ xa không nhận tài khoản của trung tâm".into()),
            Some(403) => Err(format!(
                "Chứng thư trên dịch vụ ký số từ xa không dùng được: {}",
                v["message"].as_str().unwrap_or("")
            )),
            Some(c) => Err(format!(
                "Dịch vụ ký số từ xa báo lỗi {c}: {}",
                v["message"].as_str().unwrap_or("")
            )),
        }
    }

    /// The official's certificate (the first active one) and its chain.
    pub fn certificate(&self, user_id: &str) -> Result<RemoteCertificate, String> {
        let v = self.call(
            "/v1/credentials/get_certificate",
            json!({"user_id": user_id, "serial_number": "", "transaction_id": random_id()}),
        )?;
        let certs = v["data"]["user_certificates"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let c = certs
            .iter()
            .find(|c| c["cert_data"].as_str().is_some())
            .ok_or_else(|| {
                format!("Dịch vụ ký số từ xa không có chứng thư nào của tài khoản {user_id}")
            })?;
        let certificate = c["cert_data"]
            .as_str()
            .and_then(b64)
            .ok_or("Dịch vụ ký số từ xa trả chứng thư không đọc được".to_string())?;
        let others = ["ca_cert", "root_cert"]
            .iter()
            .filter_map(|k| c["chain_data"][*k].as_str().and_then(b64))
            .collect();
        Ok(RemoteCertificate {
            certificate,
            others,
        })
    }

    /// Asks `user_id` to approve signing `digest` (SHA-256 of the signed attributes):
    /// the service's transaction id.
    pub fn request(
        &self,
        user_id: &str,
        transaction_id: &str,
        doc_id: &str,
        description: &str,
        digest: &[u8; 32],
    ) -> Result<String, String> {
        let v = self.call(
            "/v1/signatures/sign",
            json!({
                "user_id": user_id,
                "transaction_id": transaction_id,
                "transaction_desc": description,
                "serial_number": "",
                "sign_files": [{
                    "data_to_be_signed": hex::encode(digest),
                    "doc_id": doc_id,
                    "file_type": "pdf",
                    "sign_type": "hash",
                }],
            }),
        )?;
        Ok(v["data"]["transaction_id"]
            .as_str()
            .unwrap_or(transaction_id)
            .to_string())
    }

    /// Where request `transaction_id` stands.
    pub fn status(&self, transaction_id: &str) -> Result<RemoteStatus, String> {
        let v = self.call(
            &format!("/v1/signatures/sign/{transaction_id}/status"),
            json!({}),
        )?;
        Ok(read_status(&v))
    }
}

/// A status answer, read: a signature only with "SUCCESS" and a value.
pub fn read_status(v: &Value) -> RemoteStatus {
    let message = v["message"].as_str().unwrap_or("").to_uppercase();
    let value = v["data"]["signatures"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(|s| s["signature_value"].as_str())
        .and_then(b64);
    match value {
        Some(sig) if message == "SUCCESS" => RemoteStatus::Signed(sig),
        _ if message.contains("REJECT") || message.contains("DENIED") => RemoteStatus::Refused,
        _ if message.contains("EXPIRE") || message.contains("TIMEOUT") => RemoteStatus::Expired,
        _ => RemoteStatus::Waiting,
    }
}

/// An ECDSA signature as a service may send it: raw r‖s (64 bytes) becomes DER, as the
/// CMS wants; DER and RSA values pass as they are.
pub fn normalize_signature(sig: Vec<u8>, kind: super::KeyKind) -> Vec<u8> {
    if kind == super::KeyKind::EcdsaP256 && sig.len() == 64 {
        super::token::ecdsa_der(&sig)
    } else {
        sig
    }
}

/// A fresh transaction id (32 hex digits).
pub fn random_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_success_with_a_value_is_a_signature() {
        let sig = base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3]);
        let ok = json!({"status_code": 200, "message": "SUCCESS", "data": {"signatures": [{"doc_id": "x", "signature_value": sig}]}});
        assert_eq!(read_status(&ok), RemoteStatus::Signed(vec![1, 2, 3]));
        let odd = json!({"status_code": 200, "message": "SUCCESS", "data": {"signatures": null}});
        assert_eq!(read_status(&odd), RemoteStatus::Waiting);
        let waiting = json!({"status_code": 200, "message": "WAITING_FOR_SIGNER_CONFIRM"});
        assert_eq!(read_status(&waiting), RemoteStatus::Waiting);
        let value_but_not_success =
            json!({"message": "PENDING", "data": {"signatures": [{"signature_value": "AQID"}]}});
        assert_eq!(read_status(&value_but_not_success), RemoteStatus::Waiting);
        assert_eq!(
            read_status(&json!({"message": "USER_REJECTED"})),
            RemoteStatus::Refused
        );
        assert_eq!(
            read_status(&json!({"message": "EXPIRED"})),
            RemoteStatus::Expired
        );
        assert_eq!(read_status(&Value::Null), RemoteStatus::Waiting);
    }

    #[test]
    fn raw_ecdsa_values_become_der_and_rsa_ones_stay() {
        let raw = vec![0x11u8; 64];
        let der = normalize_signature(raw.clone(), crate::sign::KeyKind::EcdsaP256);
        assert_eq!(der[0], 0x30);
        assert_eq!(
            normalize_signature(raw.clone(), crate::sign::KeyKind::Rsa),
            raw
        );
        assert_eq!(
            normalize_signature(der.clone(), crate::sign::KeyKind::EcdsaP256),
            der
        );
    }

    #[test]
    fn the_password_never_prints() {
        let s = RemoteService::new("http://127.0.0.1:1", "sp", "bi-mat", Duration::from_secs(1));
        assert!(!format!("{s:?}").contains("bi-mat"));
    }
}
