//! `motcua sign …`: verify a signed PDF from a shell, and make the demo PKI's signed
//! samples that CI hands to the independent verifiers (pyHanko, pdfsig, qpdf).

use std::path::Path;

use anyhow::Context;

/// Prints each signature's verdict; exit 1 unless all are *Hợp lệ*.
pub fn verify(
    file: &Path,
    roots: &[std::path::PathBuf],
    tsa_roots: &[std::path::PathBuf],
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let read = |paths: &[std::path::PathBuf]| -> anyhow::Result<Vec<Vec<u8>>> {
        let mut out = Vec::new();
        for r in paths {
            let b = std::fs::read(r).with_context(|| format!("cannot read {}", r.display()))?;
            out.push(pem_or_der(&b)?);
        }
        Ok(out)
    };
    let (pinned, tsa) = (read(roots)?, read(tsa_roots)?);
    let reports = motcua::sign::verify::verify_pdf_anchored(
        &bytes,
        &motcua::sign::verify::Anchors {
            roots: &pinned,
            intermediates: &[],
            tsa_roots: &tsa,
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    let mut all = true;
    for (i, r) in reports.iter().enumerate() {
        println!(
            "Chữ ký {}: {} — {} ({}), lúc {}; {}; SHA-256 chứng thư {}",
            i + 1,
            r.verdict.label(),
            r.signer,
            r.organisation,
            motcua::sign::verify::time_shown(&r.time),
            r.reason,
            r.fingerprint
        );
        all &= r.verdict == motcua::sign::verify::Verdict::Valid;
    }
    if !all {
        std::process::exit(1);
    }
    Ok(())
}

fn pem_or_der(b: &[u8]) -> anyhow::Result<Vec<u8>> {
    if b.starts_with(b"-----BEGIN") {
        let text = std::str::from_utf8(b)?;
        let body: String = text.lines().filter(|l| !l.starts_with("-----")).collect();
        use base64::Engine;
        Ok(base64::engine::general_purpose::STANDARD.decode(body.trim())?)
    } else {
        Ok(b.to_vec())
    }
}

fn pem(der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = b
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or(""))
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// Into `out`: root.pem, the demo PKI's signers' certificates, a 2-page result signed by
/// an official (`signed-1.pdf`) and then by the organisation (`signed-2.pdf`).
pub fn demo(out: &Path, at: Option<&str>) -> anyhow::Result<()> {
    use motcua::sign::{appearance::Look, pdf::SigInfo, sign_pdf, DemoPki};
    std::fs::create_dir_all(out)?;
    let now = match at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .context("--at takes a time like 2026-03-05T09:00:00+07:00")?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let pki = DemoPki::new("xã Tân Phú", &["Nguyễn Văn An", "Trần Thị Bình"], now)
        .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("root.pem"), pem(&pki.root_der))?;
    let settings = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let page = motcua::devices::scanner::sim::render_page(&settings, 1, 1)?;
    let original = motcua::render::pdf::pdf_from_jpegs(&[&page, &page], "Kết quả giải quyết")?;
    std::fs::write(out.join("original.pdf"), &original)?;
    let one = sign_pdf(
        &original,
        &pki.signer(1).map_err(|e| anyhow::anyhow!(e))?,
        &SigInfo {
            field: "ChuKyLanhDao",
            name: "Nguyễn Văn An",
            reason: "Ký kết quả giải quyết",
            at: now,
            look: Look::Person {
                name: "Nguyễn Văn An".into(),
                org: "UBND xã Tân Phú".into(),
                at: now,
                image: None,
            },
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("signed-1.pdf"), &one)?;
    let two = sign_pdf(
        &one,
        &pki.signer(0).map_err(|e| anyhow::anyhow!(e))?,
        &SigInfo {
            field: "ChuKyCoQuan",
            name: "UBND xã Tân Phú",
            reason: "Ký số của cơ quan",
            at: now,
            look: Look::Seal {
                org: "UBND xã Tân Phú".into(),
                image: None,
            },
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("signed-2.pdf"), &two)?;
    // A certified e-copy of the same original: the lời chứng page, then both signatures.
    let number = motcua::domain::ecopy::CertNumber {
        number: 1,
        year: chrono::Datelike::year(&motcua::domain::time::local_day(now)),
    };
    let lines = motcua::domain::ecopy::attestation(
        &number,
        motcua::domain::time::local_day(now),
        "Nguyễn Văn An",
        "CHỦ TỊCH",
    );
    let with_page = motcua::sign::copy::append_attestation(
        &original,
        &motcua::sign::copy::Attestation {
            body: ["ỦY BAN NHÂN DÂN", "XÃ TÂN PHÚ"],
            lines: &lines,
            document: "Giấy khai sinh số 12/2001, UBND xã Tân Phú cấp ngày 05/03/2001",
            url: "http://192.168.1.10:8080/xac-thuc/0123456789abcdef0123456789abcdef",
        },
    )
    .map_err(|e| anyhow::anyhow!(e.to_string()))?;
    let copy = motcua::sign::sign_person_then_org(
        &with_page,
        (
            &pki.signer(1).map_err(|e| anyhow::anyhow!(e))?,
            "Nguyễn Văn An",
        ),
        (
            &pki.signer(0).map_err(|e| anyhow::anyhow!(e))?,
            "UBND xã Tân Phú",
        ),
        "Chứng thực bản sao đúng với bản chính",
        now,
        None,
        [None, None],
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("copy.pdf"), &copy)?;
    // Both signatures timestamped by the simulated TSA (its root apart: trusted for
    // timestamps only).
    let tsa = motcua::sign::tsa::SimTsa::new().map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("tsa-root.pem"), pem(&tsa.root_der))?;
    let stamped = motcua::sign::sign_person_then_org(
        &original,
        (
            &pki.signer(1).map_err(|e| anyhow::anyhow!(e))?,
            "Nguyễn Văn An",
        ),
        (
            &pki.signer(0).map_err(|e| anyhow::anyhow!(e))?,
            "UBND xã Tân Phú",
        ),
        "Ký kết quả giải quyết",
        now,
        Some(&tsa),
        [None, None],
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("signed-ts.pdf"), &stamped)?;
    println!(
        "{}: root.pem, original.pdf, signed-1.pdf (official), signed-2.pdf (+ organisation), copy.pdf (certified e-copy), signed-ts.pdf (both timestamped; tsa-root.pem)",
        out.display()
    );
    Ok(())
}

/// Into `out`: root.pem and `signed-token.pdf`, a result signed through a PKCS#11 token
/// (SoftHSM2 in CI): a P-256 key made on the token (label `label`), its certificate
/// issued by the demo root and written next to it.
pub fn token_demo(
    module: &str,
    token: &str,
    pin: &str,
    label: &str,
    out: &Path,
) -> anyhow::Result<()> {
    use motcua::sign::{appearance::Look, pdf::SigInfo, sign_pdf, token, DemoPki};
    std::fs::create_dir_all(out)?;
    let now = chrono::Utc::now();
    let pki = DemoPki::new("xã Tân Phú", &[], now).map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("root.pem"), pem(&pki.root_der))?;
    let name = "Trần Thị Bình";
    token::provision(module, token, pin, label, |point| {
        pki.issue_for_point(name, point, 200)
    })
    .map_err(|e| anyhow::anyhow!(e))?;
    let signer = token::TokenSigner::open(module, token, pin, label, vec![pki.root_der.clone()])
        .map_err(|e| anyhow::anyhow!(e))?;
    let settings = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        75,
    );
    let page = motcua::devices::scanner::sim::render_page(&settings, 1, 1)?;
    let original = motcua::render::pdf::pdf_from_jpegs(&[&page, &page], "Kết quả giải quyết")?;
    let signed = sign_pdf(
        &original,
        &signer,
        &SigInfo {
            field: "ChuKyToken",
            name,
            reason: "Ký kết quả giải quyết",
            at: now,
            look: Look::Person {
                name: name.into(),
                org: "UBND xã Tân Phú".into(),
                at: now,
                image: None,
            },
        },
    )
    .map_err(|e| anyhow::anyhow!(e))?;
    std::fs::write(out.join("signed-token.pdf"), &signed)?;
    println!(
        "{}: root.pem, signed-token.pdf (signed on token {token}, key {label})",
        out.display()
    );
    Ok(())
}
