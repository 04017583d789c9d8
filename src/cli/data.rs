//! The data commands of a stopped appliance: audit verify, reindex, backup, restore, import,
//! and the root helper that copies a backup to a USB stick.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use motcua::clock::SystemClock;
use motcua::config::Config;

use super::init_logs;

pub fn audit_verify(data: &Path) -> anyhow::Result<()> {
    let store = motcua::store::Store::open(&data.join("motcua.redb"))?;
    match motcua::store::verify_chain(&store)? {
        None => {
            println!("audit chain OK");
            Ok(())
        }
        Some(seq) => {
            eprintln!("audit chain BROKEN at event {seq}");
            std::process::exit(1);
        }
    }
}

pub fn usb_backup(data: &Path) -> anyhow::Result<()> {
    init_logs("info");
    match motcua::update::usb_backup::handle_request(data) {
        None => tracing::info!("usb backup: no request"),
        Some(o) if o.ok => tracing::info!("usb backup: {} → {:?}", o.message, o.file),
        Some(o) => {
            tracing::error!("usb backup failed: {}", o.message);
            std::process::exit(1);
        }
    }
    Ok(())
}

pub fn import_dossiers(file: &Path, data: &Path, already_synced: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let cfg = Config::defaults(data, "127.0.0.1:0");
    let s = motcua::app::open_services(&cfg, Arc::new(SystemClock))
        .context("is the motcua service still running? stop it first, or use the admin page")?;
    let report = s.import_dossiers_csv(&super::shell_actor(), &bytes, already_synced)?;
    if !report.errors.is_empty() {
        for e in &report.errors {
            eprintln!("dòng {}: {}", e.line, e.reason);
        }
        anyhow::bail!(
            "{} lỗi; không nhập hồ sơ nào. Sửa tệp rồi chạy lại.",
            report.errors.len()
        );
    }
    println!(
        "đã nhập {} hồ sơ; {} hồ sơ đã có từ trước (bỏ qua)",
        report.imported, report.duplicates
    );
    Ok(())
}

pub fn reindex(data: &Path) -> anyhow::Result<()> {
    let store = motcua::store::Store::open(&data.join("motcua.redb"))
        .context("is the motcua service running? stop it first")?;
    let live = store.read()?.report_tables()?;
    let t = std::time::Instant::now();
    let n = store.rebuild_reports()?;
    let rebuilt = store.read()?.report_tables()?;
    let rows: usize = rebuilt.iter().map(Vec::len).sum();
    println!(
        "report aggregates rebuilt from {n} dossiers in {:.2} s: {rows} rows; {}",
        t.elapsed().as_secs_f64(),
        if live == rebuilt {
            "identical to the live sums"
        } else {
            "the live sums differed and were replaced"
        }
    );
    Ok(())
}

pub fn backup(data: &Path, out: &Path) -> anyhow::Result<()> {
    let store = motcua::store::Store::open(&data.join("motcua.redb")).context(
        "is the motcua service running? use the admin page (Sao lưu) instead, or stop it",
    )?;
    let f =
        std::fs::File::create(out).with_context(|| format!("cannot write {}", out.display()))?;
    let files = motcua::store::files::FileStore::open(&data.join("files"))?;
    store.export_with_files(std::io::BufWriter::new(f), Some(&files))?;
    println!("backup written to {}", out.display());
    Ok(())
}

pub fn restore(data: &Path, file: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(data)?;
    let input =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let files = motcua::store::files::FileStore::open(&data.join("files"))?;
    let store = motcua::store::Store::import_with_files(
        &data.join("motcua.redb"),
        std::io::BufReader::new(input),
        Some(&files),
    )?;
    match motcua::store::verify_chain(&store)? {
        None => println!("restored into {}; audit chain OK", data.display()),
        Some(seq) => {
            anyhow::bail!("restored, but the audit chain is broken at event {seq}")
        }
    }
    Ok(())
}
