//! The CMS `SignedData` of a PAdES signature (baseline B-B), assembled by hand from the
//! `cms` crate's types so that one code path serves every signer — a key here, a token, or
//! a remote signer answering minutes later: the signed attributes are built first, their
//! DER (a SET, tag 0x31) is what the signer signs, and the signature is put in after.
//!
//! Signed attributes: contentType (id-data), messageDigest (SHA-256 of the ByteRange
//! bytes) and signingCertificateV2 (the signer's certificate hash, with its issuer and
//! serial). No signingTime: PAdES puts the time in the signature dictionary's `/M`.

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedAttributes, SignedData, SignerIdentifier,
    SignerInfo, SignerInfos,
};
use const_oid::db::{rfc5911, rfc5912};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use sha2::{Digest, Sha256};
use spki::AlgorithmIdentifierOwned;
use x509_cert::attr::Attribute;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::serial_number::SerialNumber;
use x509_cert::Certificate;

/// How the signer's key signs (the CMS names the algorithm).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    Rsa,
}

#[derive(der::Sequence)]
struct IssuerSerial {
    issuer: Vec<GeneralName>,
    serial_number: SerialNumber,
}

/// ESSCertIDv2 with the hash algorithm left at its DEFAULT (SHA-256).
#[derive(der::Sequence)]
struct EssCertIdV2 {
    cert_hash: OctetString,
    issuer_serial: IssuerSerial,
}

#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
}

fn der_err(e: der::Error) -> String {
    format!("lỗi mã hoá chữ ký: {e}")
}

fn attr(oid: const_oid::ObjectIdentifier, value: Any) -> Result<Attribute, String> {
    let mut values = SetOfVec::new();
    values.insert(value).map_err(der_err)?;
    Ok(Attribute { oid, values })
}

fn sha256_alg() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: rfc5912::ID_SHA_256,
        parameters: None,
    }
}

/// The signed attributes for `digest` by the holder of `cert` (DER), and their DER as
/// a SET: the bytes the signer signs.
pub fn signed_attributes(
    digest: &[u8; 32],
    cert_der: &[u8],
) -> Result<(SignedAttributes, Vec<u8>), String> {
    signed_attributes_for(rfc5911::ID_DATA, digest, cert_der)
}

/// [`signed_attributes`] for content of type `content_type` (a timestamp token signs
/// its TSTInfo, id-ct-TSTInfo).
pub fn signed_attributes_for(
    content_type: const_oid::ObjectIdentifier,
    digest: &[u8; 32],
    cert_der: &[u8],
) -> Result<(SignedAttributes, Vec<u8>), String> {
    let cert = Certificate::from_der(cert_der).map_err(der_err)?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            cert_hash: OctetString::new(Sha256::digest(cert_der).to_vec()).map_err(der_err)?,
            issuer_serial: IssuerSerial {
                issuer: vec![GeneralName::DirectoryName(
                    cert.tbs_certificate.issuer.clone(),
                )],
                serial_number: cert.tbs_certificate.serial_number.clone(),
            },
        }],
    };
    let attrs = vec![
        attr(
            rfc5911::ID_CONTENT_TYPE,
            Any::encode_from(&content_type).map_err(der_err)?,
        )?,
        attr(
            rfc5911::ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.to_vec()).map_err(der_err)?)
                .map_err(der_err)?,
        )?,
        attr(
            rfc5911::ID_AA_SIGNING_CERTIFICATE_V_2,
            Any::encode_from(&ess).map_err(der_err)?,
        )?,
    ];
    let set = SignedAttributes::try_from(attrs).map_err(der_err)?;
    let tbs = set.to_der().map_err(der_err)?;
    Ok((set, tbs))
}

/// The whole `ContentInfo` (DER) once the signer signed `tbs`: the signer's certificate
/// and the others of its chain ride along.
pub fn signed_data(
    attrs: SignedAttributes,
    signature: &[u8],
    kind: KeyKind,
    cert_der: &[u8],
    chain_der: &[Vec<u8>],
) -> Result<Vec<u8>, String> {
    signed_data_with(attrs, signature, kind, cert_der, chain_der, None, None)
}

/// The signature-time-stamp unsigned attribute (id-aa-signatureTimeStampToken).
pub const ID_AA_SIGNATURE_TIME_STAMP_TOKEN: const_oid::ObjectIdentifier =
    const_oid::ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.2.14");

/// [`signed_data`] with, optionally, encapsulated content (type, bytes: a timestamp
/// token carries its TSTInfo) and a timestamp token (DER) as unsigned attribute.
pub fn signed_data_with(
    attrs: SignedAttributes,
    signature: &[u8],
    kind: KeyKind,
    cert_der: &[u8],
    chain_der: &[Vec<u8>],
    content: Option<(const_oid::ObjectIdentifier, &[u8])>,
    timestamp: Option<&[u8]>,
) -> Result<Vec<u8>, String> {
    let cert = Certificate::from_der(cert_der).map_err(der_err)?;
    let signature_algorithm = AlgorithmIdentifierOwned {
        oid: match kind {
            KeyKind::EcdsaP256 => rfc5912::ECDSA_WITH_SHA_256,
            KeyKind::Rsa => rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        },
        parameters: match kind {
            KeyKind::EcdsaP256 => None,
            KeyKind::Rsa => Some(Any::null()),
        },
    };
    let info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: cert.tbs_certificate.issuer.clone(),
            serial_number: cert.tbs_certificate.serial_number.clone(),
        }),
        digest_alg: sha256_alg(),
        signed_attrs: Some(attrs),
        signature_algorithm,
        signature: OctetString::new(signature.to_vec()).map_err(der_err)?,
        unsigned_attrs: match timestamp {
            Some(token) => Some(
                cms::signed_data::UnsignedAttributes::try_from(vec![attr(
                    ID_AA_SIGNATURE_TIME_STAMP_TOKEN,
                    Any::from_der(token).map_err(der_err)?,
                )?])
                .map_err(der_err)?,
            ),
            None => None,
        },
    };
    let mut certs = SetOfVec::new();
    certs
        .insert(CertificateChoices::Certificate(cert))
        .map_err(der_err)?;
    for c in chain_der {
        let c = Certificate::from_der(c).map_err(der_err)?;
        let _ = certs.insert(CertificateChoices::Certificate(c));
    }
    let mut digests = SetOfVec::new();
    digests.insert(sha256_alg()).map_err(der_err)?;
    let mut infos = SetOfVec::new();
    infos.insert(info).map_err(der_err)?;
    let sd = SignedData {
        version: if content.is_some() {
            CmsVersion::V3
        } else {
            CmsVersion::V1
        },
        digest_algorithms: digests,
        encap_content_info: match content {
            Some((oid, bytes)) => EncapsulatedContentInfo {
                econtent_type: oid,
                econtent: Some(
                    Any::encode_from(&OctetString::new(bytes.to_vec()).map_err(der_err)?)
                        .map_err(der_err)?,
                ),
            },
            None => EncapsulatedContentInfo {
                econtent_type: rfc5911::ID_DATA,
                econtent: None,
            },
        },
        certificates: Some(CertificateSet(certs)),
        crls: None,
        signer_infos: SignerInfos(infos),
    };
    ContentInfo {
        content_type: rfc5911::ID_SIGNED_DATA,
        content: Any::encode_from(&sd).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}
