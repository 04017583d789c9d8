//! `motcua devices` (what the USB bus shows, with the line to configure) and
//! `motcua sim scanner` (the simulated eSCL scanner as its own process).

use anyhow::Context;

pub fn list(json: bool) -> anyhow::Result<()> {
    let list =
        motcua::devices::printer::usb::list_usb().context("cannot read the USB bus (libusb)")?;
    if json {
        println!("{}", serde_json::to_string_pretty(&list)?);
        return Ok(());
    }
    if list.is_empty() {
        println!("no USB devices visible (as this user)");
    }
    for d in &list {
        let role = match d.role {
            "ticket_printer" => "ticket printer",
            "ipp_usb" => "IPP-over-USB scanner/MFP",
            _ => "-",
        };
        println!(
            "{}  {:<28} {:<26} classes {}",
            d.vid_pid, d.product, role, d.classes
        );
        if let Some(p) = &d.profile {
            println!(
                "           profile: {p}, {} dots",
                d.width_dots.unwrap_or(0)
            );
        }
        if let Some(id) = &d.device_id {
            println!("           IEEE 1284: {id}");
        }
        match d.role {
            "ticket_printer" => println!("           config:  printer = \"{}\"", d.address),
            "ipp_usb" => println!(
                "           scanner: add on the admin page with address {}",
                d.address
            ),
            _ => {}
        }
    }
    Ok(())
}

pub fn sim_province(
    listen: &str,
    unit: &str,
    token: &str,
    login_user: Option<&str>,
) -> anyhow::Result<()> {
    let l = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    // The address first, on its own line: a test or a script reads it to find the port.
    println!(
        "simulated province at http://{} (unit {unit})",
        l.local_addr()?
    );
    let st = match login_user {
        Some(u) => motcua::province::sim::shared_login(unit, u, token),
        None => motcua::province::sim::shared(unit, token),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(motcua::province::sim::serve(l, st))?;
    Ok(())
}

pub fn sim_smartca(
    listen: &str,
    sp_id: &str,
    sp_password: &str,
    organisation: &str,
    users: &[String],
    root_out: Option<&std::path::Path>,
    auto_approve_ms: Option<u64>,
) -> anyhow::Result<()> {
    use motcua::sign::remote_sim::{shared, start, SimState};
    let mut st = SimState::new(sp_id, sp_password, organisation).map_err(anyhow::Error::msg)?;
    for u in users {
        let (id, name) = u.split_once('=').context("--user takes USER_ID=Name")?;
        st.register(id.trim(), name.trim())
            .map_err(anyhow::Error::msg)?;
    }
    st.auto_approve = auto_approve_ms.map(std::time::Duration::from_millis);
    if let Some(p) = root_out {
        std::fs::write(p, st.root_der())
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    let l = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    // The address first, on its own line: a test or a script reads it to find the port.
    println!("simulated remote signing at http://{}", l.local_addr()?);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move { start(l, shared(st))?.await })?;
    Ok(())
}

pub fn sim_tsa(listen: &str, root_out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let tsa = motcua::sign::tsa::SimTsa::new().map_err(anyhow::Error::msg)?;
    if let Some(p) = root_out {
        std::fs::write(p, &tsa.root_der)
            .with_context(|| format!("cannot write {}", p.display()))?;
    }
    let l = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!(
        "simulated timestamping authority at http://{}/",
        l.local_addr()?
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async move { motcua::sign::tsa::start(l, std::sync::Arc::new(tsa))?.await })?;
    Ok(())
}

pub fn sim_scanner(listen: &str, sheets: u32, no_reload: bool, warmup: u32) -> anyhow::Result<()> {
    use motcua::devices::scanner::sim::{SimScanner, SimScannerConfig};
    let sim = SimScanner::shared(SimScannerConfig {
        feeder_sheets: sheets,
        auto_reload: !no_reload,
        warmup,
        ..Default::default()
    });
    let l = std::net::TcpListener::bind(listen)
        .with_context(|| format!("cannot listen on {listen}"))?;
    println!("simulated eSCL scanner at http://{}/eSCL", l.local_addr()?);
    motcua::devices::scanner::sim::serve(l, sim);
    Ok(())
}
