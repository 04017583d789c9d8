//! mDNS/DNS-SD on the center's LAN: finding eSCL scanners (`_uscan._tcp`) so the admin
//! picks one instead of typing an IP, and announcing the appliance (`motcua.local`, an
//! `_http._tcp` service) so officers type a name. Both are best effort: a LAN without
//! multicast just finds nothing.

use std::time::{Duration, Instant};

use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};

/// A scanner that answered on the LAN.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FoundScanner {
    pub name: String,
    pub url: String,
}

/// The eSCL root of a `_uscan._tcp` answer: TXT `rs` (without slashes), default `eSCL`.
pub fn escl_url(ip: std::net::Ipv4Addr, port: u16, rs: Option<&str>) -> String {
    let rs = rs
        .map(|r| r.trim_matches('/'))
        .filter(|r| !r.is_empty())
        .unwrap_or("eSCL");
    format!("http://{ip}:{port}/{rs}")
}

/// Listens for `_uscan._tcp` answers for `wait`.
pub fn browse_scanners(wait: Duration) -> Result<Vec<FoundScanner>, String> {
    let d = ServiceDaemon::new().map_err(|e| e.to_string())?;
    let rx = d.browse("_uscan._tcp.local.").map_err(|e| e.to_string())?;
    let deadline = Instant::now() + wait;
    let mut found: Vec<FoundScanner> = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(ServiceEvent::ServiceResolved(r)) => {
                let Some(ip) = r.get_addresses_v4().into_iter().next() else {
                    continue;
                };
                let url = escl_url(ip, r.port, r.get_property_val_str("rs"));
                let name = r
                    .get_property_val_str("ty")
                    .map(str::to_string)
                    .unwrap_or_else(|| {
                        r.fullname.split("._uscan").next().unwrap_or("").to_string()
                    });
                if !found.iter().any(|f| f.url == url) {
                    found.push(FoundScanner { name, url });
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    let _ = d.shutdown();
    Ok(found)
}

/// Announces the appliance as `<host>.local` with an `_http._tcp` service on `port`.
/// Keep the returned daemon alive for as long as the announcement should last.
pub fn announce(host: &str, instance: &str, port: u16) -> Result<ServiceDaemon, String> {
    let d = ServiceDaemon::new().map_err(|e| e.to_string())?;
    let info = ServiceInfo::new(
        "_http._tcp.local.",
        instance,
        &format!("{host}.local."),
        (),
        port,
        &[("path", "/")][..],
    )
    .map_err(|e| e.to_string())?
    .enable_addr_auto();
    d.register(info).map_err(|e| e.to_string())?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escl_roots() {
        let ip = std::net::Ipv4Addr::new(192, 168, 1, 9);
        assert_eq!(escl_url(ip, 80, None), "http://192.168.1.9:80/eSCL");
        assert_eq!(
            escl_url(ip, 8080, Some("/eSCL/")),
            "http://192.168.1.9:8080/eSCL"
        );
        assert_eq!(escl_url(ip, 80, Some("")), "http://192.168.1.9:80/eSCL");
    }
}

/// Needs multicast on the test machine's network: run by hand with
/// `cargo test --lib mdns -- --ignored`.
#[cfg(test)]
mod live {
    #[test]
    #[ignore]
    fn a_scanner_announced_here_is_found() {
        let d = mdns_sd::ServiceDaemon::new().unwrap();
        let info = mdns_sd::ServiceInfo::new(
            "_uscan._tcp.local.",
            "Sim scanner",
            "simscan.local.",
            (),
            8090,
            &[("rs", "eSCL"), ("ty", "motcua Sim")][..],
        )
        .unwrap()
        .enable_addr_auto();
        d.register(info).unwrap();
        let found = super::browse_scanners(std::time::Duration::from_secs(3)).unwrap();
        let _ = d.shutdown();
        assert!(
            found
                .iter()
                .any(|f| f.name == "motcua Sim" && f.url.ends_with(":8090/eSCL")),
            "{found:?}"
        );
    }
}
