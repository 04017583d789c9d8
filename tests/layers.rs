//! The layers form a one-way graph (ARCHITECTURE.md, "Layers"): this test reads every
//! source file under `src/` and fails on a `crate::…` path that points the wrong way, so
//! a forbidden import is caught the moment it is written, with the file and line.
//!
//!   web → service → {store, devices, render, update, province, sign} → domain
//!
//! `app.rs` wires everything; `cli/` and `bench/` are binary-side and use the library as a
//! client (`motcua::…`), so they are not checked here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// For each library module (the first path segment under `src/`), the modules it may
/// name. A module may always name itself.
fn allowed() -> BTreeMap<&'static str, &'static [&'static str]> {
    BTreeMap::from([
        // Pure rules: nothing else.
        ("domain", &[][..]),
        ("clock", &[][..]),
        ("datadir", &[][..]),
        ("config", &["domain"][..]),
        ("events", &["domain"][..]),
        ("render", &["domain"][..]),
        ("devices", &["domain", "render"][..]),
        ("update", &["domain", "datadir"][..]),
        // The provincial system's connector and its simulated twin.
        ("province", &["domain"][..]),
        // Signing and verifying PDFs (its tests build PDFs with render/).
        ("sign", &["domain", "render"][..]),
        // The only module that knows redb.
        ("store", &["domain", "events", "datadir"][..]),
        (
            "service",
            &[
                "domain", "events", "store", "devices", "render", "update", "clock", "config",
                "datadir", "province", "sign",
            ][..],
        ),
        // HTTP speaks to the service layer only (and shapes domain types and events).
        ("web", &["service", "domain", "events", "clock"][..]),
        ("tls", &[][..]),
    ])
}

/// Modules that wire or drive the whole library and may name any of it.
const WIRING: &[&str] = &["app", "lib", "main", "cli", "bench"];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The line without its `//` comment (doc comments name other layers in prose).
fn code_of(line: &str) -> &str {
    match line.find("//") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ if line.trim_start().starts_with("//") => "",
        _ => line,
    }
}

/// Every module named by a `crate::x` path or in a `crate::{x, y::…}` group.
fn named_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // Top-level names of the group: each follows `{` or a `,` at depth 0.
            let mut depth = 0;
            let mut at_start = true;
            let mut name = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => at_start = true,
                    c if at_start && (c.is_alphanumeric() || c == '_') => name.push(c),
                    _ if at_start && !name.is_empty() => {
                        out.push(std::mem::take(&mut name));
                        at_start = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                out.push(name);
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.push(name);
        }
        rest = after;
    }
    out
}

fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_string()
}

#[test]
fn imports_point_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let rules = allowed();
    let mut broken = Vec::new();
    for f in &files {
        let layer = layer_of(&src, f);
        if WIRING.contains(&layer.as_str()) {
            continue;
        }
        let Some(ok) = rules.get(layer.as_str()) else {
            broken.push(format!(
                "{}: module `{layer}` has no rule here: add it to tests/layers.rs and ARCHITECTURE.md",
                f.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = code_of(line);
            for m in named_modules(code) {
                if m != layer && !ok.contains(&m.as_str()) {
                    broken.push(format!(
                        "{}:{}: `{layer}` may not name `crate::{m}`: {}",
                        f.strip_prefix(&src).unwrap().display(),
                        n + 1,
                        line.trim()
                    ));
                }
            }
            // Only the service layer reads the store, also through the services' field.
            if layer == "web" && (code.contains(".store.") || code.contains(".store\n")) {
                broken.push(format!(
                    "{}:{}: web reads the store directly: {}",
                    f.strip_prefix(&src).unwrap().display(),
                    n + 1,
                    line.trim()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports against the layers:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_check_sees_what_it_must() {
    assert_eq!(named_modules("use crate::store::Tx;"), ["store"]);
    assert_eq!(
        named_modules("use crate::{service::Services, domain::{queue, center}};"),
        ["service", "domain"]
    );
    assert_eq!(
        named_modules("let x = crate::service::printing::PrintJob::default();"),
        ["service"]
    );
    assert!(named_modules(code_of("    // see crate::service")).is_empty());
    assert_eq!(
        code_of("use crate::domain::x; // crate::web"),
        "use crate::domain::x; "
    );
    assert!(named_modules(code_of("//! (`crate::update`)")).is_empty());
}
