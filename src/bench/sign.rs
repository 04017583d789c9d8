//! `motcua bench sign`: sign (the person's visible signature) and verify a 2-page and a
//! 50-page PDF, against pyHanko signing and validating the same file with the same key in
//! the same run (its library, timed inside one Python process, so its start-up is not
//! counted against it). pyHanko is the one `tests/signing/check.sh` installs; without it
//! the motcua numbers are printed alone and the run says so.

use std::path::{Path, PathBuf};
use std::time::Instant;

use motcua::sign::{appearance::Look, pdf::SigInfo, sign_pdf, verify::verify_pdf, DemoPki};

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for line in b.as_bytes().chunks(64) {
        s.push_str(std::str::from_utf8(line).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn original(pages: u32) -> anyhow::Result<Vec<u8>> {
    let s = motcua::devices::scanner::ScanSettings::a4(
        motcua::devices::scanner::InputSource::Platen,
        motcua::devices::scanner::ColorMode::Gray,
        150,
    );
    let imgs: Vec<Vec<u8>> = (1..=pages)
        .map(|i| motcua::devices::scanner::sim::render_page(&s, i, pages))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    Ok(motcua::render::pdf::pdf_from_jpegs(&refs, "Kết quả")?)
}

const PY: &str = r#"
import sys, time, io, statistics
from pyhanko.sign import signers, fields
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko.keys import load_cert_from_pemder
key, cert, root, pdf, rounds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
signer = signers.SimpleSigner.load(key, cert, key_passphrase=None)
data = open(pdf, 'rb').read()
vc = ValidationContext(trust_roots=[load_cert_from_pemder(root)])
sign_t, verify_t = [], []
for i in range(rounds):
    t = time.perf_counter()
    w = IncrementalPdfFileWriter(io.BytesIO(data))
    out = signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name='Sig%d' % i),
        signer=signer, new_field_spec=fields.SigFieldSpec('Sig%d' % i, box=(300, 50, 520, 160)))
    signed = out.getvalue()
    sign_t.append((time.perf_counter() - t) * 1000)
    t = time.perf_counter()
    r = PdfFileReader(io.BytesIO(signed))
    st = validate_pdf_signature(r.embedded_signatures[0], vc)
    assert st.intact and st.valid, st
    verify_t.append((time.perf_counter() - t) * 1000)
print("%.3f %.3f" % (statistics.median(sign_t), statistics.median(verify_t)))
"#;

fn pyhanko_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("PYHANKO_PYTHON").map(PathBuf::from),
        Some(
            PathBuf::from(
                std::env::var_os("SIGN_TOOLS")
                    .unwrap_or_else(|| "/var/cache/motcua-ci/sign-tools".into()),
            )
            .join("venv/bin/python"),
        ),
    ];
    candidates.into_iter().flatten().find(|p| p.exists())
}

fn pyhanko(py: &Path, dir: &Path, pdf: &Path, rounds: usize) -> anyhow::Result<(f64, f64)> {
    let out = std::process::Command::new(py)
        .arg("-c")
        .arg(PY)
        .arg(dir.join("key.pem"))
        .arg(dir.join("cert.pem"))
        .arg(dir.join("root.pem"))
        .arg(pdf)
        .arg(rounds.to_string())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "pyHanko failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let v: Vec<f64> = text
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    anyhow::ensure!(v.len() == 2, "pyHanko printed {text}");
    Ok((v[0], v[1]))
}

/// A scratch directory removed at the end.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn run(rounds: usize) -> anyhow::Result<()> {
    let rounds = rounds.max(3);
    let now = chrono::Utc::now();
    let pki =
        DemoPki::new("xã Tân Phú", &["Nguyễn Văn An"], now).map_err(|e| anyhow::anyhow!(e))?;
    let dir =
        TempDir(std::env::temp_dir().join(format!("motcua-bench-sign-{}", std::process::id())));
    std::fs::create_dir_all(dir.path())?;
    let (_, key, cert) = &pki.holders[1];
    std::fs::write(dir.path().join("key.pem"), pem("PRIVATE KEY", key))?;
    std::fs::write(dir.path().join("cert.pem"), pem("CERTIFICATE", cert))?;
    std::fs::write(
        dir.path().join("root.pem"),
        pem("CERTIFICATE", &pki.root_der),
    )?;
    let signer = pki.signer(1).map_err(|e| anyhow::anyhow!(e))?;
    let roots = vec![pki.root_der.clone()];
    let py = pyhanko_python();
    println!(
        "motcua bench sign: {rounds} rounds each, medians; one P-256 key (the demo PKI's official)"
    );
    if py.is_none() {
        println!("  (pyHanko not found: run tests/signing/check.sh once, or set PYHANKO_PYTHON; motcua alone below)");
    }
    println!("| file | size | motcua sign | motcua verify | pyHanko sign | pyHanko validate | sign ratio | verify ratio |");
    println!("|---|---|---|---|---|---|---|---|");
    for pages in [2u32, 50] {
        let pdf = original(pages)?;
        let path = dir.path().join(format!("p{pages}.pdf"));
        std::fs::write(&path, &pdf)?;
        let (mut s, mut v) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            let t = Instant::now();
            let signed = sign_pdf(
                &pdf,
                &signer,
                &SigInfo {
                    field: "ChuKyNguoiCoThamQuyen",
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
            s.push(t.elapsed().as_secs_f64() * 1000.0);
            let t = Instant::now();
            let r = verify_pdf(&signed, &roots).map_err(|e| anyhow::anyhow!(e))?;
            v.push(t.elapsed().as_secs_f64() * 1000.0);
            anyhow::ensure!(
                r.len() == 1 && r[0].verdict == motcua::sign::verify::Verdict::Valid,
                "motcua's own signature did not verify: {:?}",
                r.first().map(|x| &x.reason)
            );
        }
        let (ms, mv) = (median(s), median(v));
        let reference = match &py {
            Some(py) => Some(pyhanko(py, dir.path(), &path, rounds)?),
            None => None,
        };
        let cell = |x: Option<f64>| x.map_or("—".to_string(), |x| format!("{x:.1} ms"));
        let ratio =
            |a: f64, b: Option<f64>| b.map_or("—".to_string(), |b| format!("{:.2}", a / b));
        println!(
            "| {pages} pages | {:.0} KB | {ms:.1} ms | {mv:.1} ms | {} | {} | {} | {} |",
            pdf.len() as f64 / 1024.0,
            cell(reference.map(|r| r.0)),
            cell(reference.map(|r| r.1)),
            ratio(ms, reference.map(|r| r.0)),
            ratio(mv, reference.map(|r| r.1)),
        );
    }
    Ok(())
}
