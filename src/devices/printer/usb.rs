//! Native USB ticket printers over rusb: which interface to use (pure, tested on made-up
//! descriptors), the known-printer table from `hardware/devices.toml`, the IEEE 1284
//! device ID, and the bulk transport. The kernel's `usblp` driver is detached while we
//! hold the interface and given back when we let go, so `/dev/usb/lpN` keeps working for
//! other tools between jobs.

use std::time::Duration;

use serde::Deserialize;

use super::transport::{PrinterTransport, TransportError};
use crate::devices::usb::{usb_err, DeviceInfo, UsbAddress};

/// One entry of `hardware/devices.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KnownPrinter {
    pub vid: String,
    pub pid: String,
    pub family: String,
    pub model: String,
    pub width_dots: u32,
    pub cut: bool,
    #[serde(default)]
    pub id_confirmed: bool,
    #[serde(default)]
    pub profile_confirmed: bool,
}

#[derive(Deserialize)]
struct Table {
    #[serde(default)]
    printer: Vec<KnownPrinter>,
}

/// The table the package ships (embedded: the binary and `/usr/share/motcua` agree).
pub fn known_printers() -> Vec<KnownPrinter> {
    toml::from_str::<Table>(include_str!("../../../hardware/devices.toml"))
        .map(|t| t.printer)
        .unwrap_or_default()
}

/// The known profile for a device: an exact VID:PID entry first, then a vendor-wide one.
pub fn profile_for(table: &[KnownPrinter], vid: u16, pid: u16) -> Option<KnownPrinter> {
    let v = format!("{vid:04x}");
    let p = format!("{pid:04x}");
    table
        .iter()
        .find(|k| k.vid == v && k.pid == p)
        .or_else(|| table.iter().find(|k| k.vid == v && k.pid == "any"))
        .cloned()
}

/// The interface a ticket is sent to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrinterInterface {
    pub interface: u8,
    pub alt: u8,
    pub ep_out: u8,
    /// Bidirectional printers answer DLE EOT on it.
    pub ep_in: Option<u8>,
}

/// Printer class 07/01 with bulk OUT, preferring bidirectional (protocol 2) over
/// unidirectional (1) and IEEE 1284.4 (3); never IPP-over-USB (4, that is the scanner and
/// office printer path). A known ticket printer with only a vendor-class (FF) interface
/// uses that.
pub fn printer_interface(d: &DeviceInfo, known: bool) -> Option<PrinterInterface> {
    let rank = |p: u8| match p {
        2 => 0,
        1 => 1,
        3 => 2,
        _ => 9,
    };
    let class_07 = d
        .alts
        .iter()
        .filter(|a| a.class == 7 && a.subclass == 1 && a.protocol != 4 && a.bulk_out.is_some())
        .min_by_key(|a| rank(a.protocol));
    let chosen = class_07.or_else(|| {
        known
            .then(|| {
                d.alts
                    .iter()
                    .find(|a| a.class == 0xff && a.bulk_out.is_some())
            })
            .flatten()
    })?;
    Some(PrinterInterface {
        interface: chosen.interface,
        alt: chosen.alt,
        ep_out: chosen.bulk_out?,
        ep_in: chosen.bulk_in,
    })
}

/// The IEEE 1284 device ID from GET_DEVICE_ID's answer: two bytes of big-endian length
/// (which counts themselves), then `KEY:value;` pairs.
pub fn parse_device_id(raw: &[u8]) -> Option<String> {
    if raw.len() < 2 {
        return None;
    }
    let n = (usize::from(raw[0]) << 8 | usize::from(raw[1])).min(raw.len());
    if n < 2 {
        return None;
    }
    let s = String::from_utf8_lossy(&raw[2..n]).trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// A field of a 1284 ID (`MFG`/`MANUFACTURER`, `MDL`/`MODEL`, `CMD`/`COMMAND SET`).
pub fn device_id_field<'a>(id: &'a str, keys: &[&str]) -> Option<&'a str> {
    id.split(';').find_map(|kv| {
        let (k, v) = kv.split_once(':')?;
        keys.iter()
            .any(|want| k.trim().eq_ignore_ascii_case(want))
            .then(|| v.trim())
    })
}

/// What `motcua devices` and the admin page show for one USB device.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UsbListing {
    pub address: String,
    pub vid_pid: String,
    pub product: String,
    /// `ticket_printer`, `ipp_usb` (scanner/MFP), or `other`.
    pub role: &'static str,
    pub classes: String,
    pub device_id: Option<String>,
    pub profile: Option<String>,
    pub width_dots: Option<u32>,
    /// What to put in `printer = …` (ticket printers) or a scanner's address.
    pub config: Option<String>,
}

/// Lists devices with their role and matched profile (and, where the device can be
/// opened, its 1284 ID).
pub fn describe(
    devices: &[DeviceInfo],
    read_id: &mut dyn FnMut(&DeviceInfo, &PrinterInterface) -> Option<String>,
) -> Vec<UsbListing> {
    let table = known_printers();
    devices
        .iter()
        .map(|d| {
            let profile = profile_for(&table, d.vendor_id, d.product_id);
            let pi = printer_interface(d, profile.is_some());
            let ipp = !crate::devices::scanner::usb::ippusb_interfaces(d).is_empty();
            let role = if pi.is_some() && (profile.is_some() || !ipp) {
                "ticket_printer"
            } else if ipp {
                "ipp_usb"
            } else {
                "other"
            };
            let mut classes: Vec<String> = d
                .alts
                .iter()
                .map(|a| format!("{:02x}/{:02x}/{:02x}", a.class, a.subclass, a.protocol))
                .collect();
            classes.dedup();
            let address = UsbAddress::of(d);
            UsbListing {
                vid_pid: format!("{:04x}:{:04x}", d.vendor_id, d.product_id),
                product: d.product.clone(),
                role,
                classes: classes.join(" "),
                device_id: pi.as_ref().and_then(|p| read_id(d, p)),
                profile: profile
                    .as_ref()
                    .map(|p| format!("{} ({})", p.family, p.model)),
                width_dots: profile.as_ref().map(|p| p.width_dots),
                config: match role {
                    "ticket_printer" => Some(address.clone()),
                    "ipp_usb" => Some(address.clone()),
                    _ => None,
                },
                address,
            }
        })
        .collect()
}

/// The real listing, over rusb.
pub fn list_usb() -> std::io::Result<Vec<UsbListing>> {
    let devices = crate::devices::usb::list_devices()?;
    Ok(describe(&devices, &mut |d, p| read_device_id(d, p)))
}

type Handle = rusb::DeviceHandle<rusb::Context>;

fn find(
    addr: Option<&UsbAddress>,
) -> Result<(rusb::Device<rusb::Context>, DeviceInfo, PrinterInterface), TransportError> {
    use rusb::UsbContext;
    let gone = |m: &str| TransportError::Disconnected(m.to_string());
    let ctx = rusb::Context::new().map_err(|e| gone(&e.to_string()))?;
    let table = known_printers();
    for dev in ctx.devices().map_err(|e| gone(&e.to_string()))?.iter() {
        let Some(info) = crate::devices::usb::device_info(&dev) else {
            continue;
        };
        if addr.is_some_and(|a| !a.matches(&info)) {
            continue;
        }
        let known = profile_for(&table, info.vendor_id, info.product_id).is_some();
        if let Some(pi) = printer_interface(&info, known) {
            return Ok((dev, info, pi));
        }
    }
    Err(gone("không thấy máy in USB (đã cắm và bật chưa?)"))
}

fn read_device_id(d: &DeviceInfo, p: &PrinterInterface) -> Option<String> {
    let (dev, _, _) = find(Some(&UsbAddress::parse(&UsbAddress::of(d))?)).ok()?;
    let h = dev.open().ok()?;
    let mut buf = [0u8; 1024];
    let n = h
        .read_control(
            0xA1,
            0,
            0,
            (u16::from(p.interface) << 8) | u16::from(p.alt),
            &mut buf,
            Duration::from_millis(500),
        )
        .ok()?;
    parse_device_id(&buf[..n])
}

/// A claimed printer interface.
pub struct UsbPrinterTransport {
    handle: Handle,
    pi: PrinterInterface,
    reattach: bool,
    name: String,
}

impl UsbPrinterTransport {
    /// Opens the first ticket printer (or the one at `addr`), detaching `usblp`.
    pub fn open(addr: Option<&UsbAddress>) -> Result<UsbPrinterTransport, TransportError> {
        let (dev, info, pi) = find(addr)?;
        let h = dev.open().map_err(|e| TransportError::Io(usb_err(e)))?;
        let reattach = h.kernel_driver_active(pi.interface).unwrap_or(false);
        if reattach {
            h.detach_kernel_driver(pi.interface)
                .map_err(|e| TransportError::Io(usb_err(e)))?;
        }
        h.claim_interface(pi.interface)
            .map_err(|e| TransportError::Io(usb_err(e)))?;
        if pi.alt != 0 {
            h.set_alternate_setting(pi.interface, pi.alt)
                .map_err(|e| TransportError::Io(usb_err(e)))?;
        }
        Ok(UsbPrinterTransport {
            handle: h,
            pi,
            reattach,
            name: format!("usb {}", UsbAddress::of(&info)),
        })
    }
}

impl Drop for UsbPrinterTransport {
    fn drop(&mut self) {
        let _ = self.handle.release_interface(self.pi.interface);
        if self.reattach {
            let _ = self.handle.attach_kernel_driver(self.pi.interface);
        }
    }
}

fn map(e: rusb::Error, t: Duration) -> TransportError {
    match e {
        rusb::Error::Timeout => TransportError::Timeout(t),
        rusb::Error::NoDevice | rusb::Error::Pipe | rusb::Error::Io => {
            TransportError::Disconnected(e.to_string())
        }
        e => TransportError::Io(usb_err(e)),
    }
}

impl PrinterTransport for UsbPrinterTransport {
    fn write(&mut self, buf: &[u8], timeout: Duration) -> Result<usize, TransportError> {
        // rusb: Ok(n) when some bytes moved before the timeout, Err(Timeout) when none did.
        self.handle
            .write_bulk(self.pi.ep_out, buf, timeout)
            .map_err(|e| map(e, timeout))
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        match self.pi.ep_in {
            Some(ep) => self
                .handle
                .read_bulk(ep, buf, timeout)
                .map_err(|e| map(e, timeout)),
            None => Err(TransportError::Timeout(timeout)),
        }
    }
    fn describe(&self) -> String {
        self.name.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::usb::tests_support::{alt, device as dev};

    #[test]
    fn the_table_parses_and_matches_exact_then_vendor() {
        let t = known_printers();
        assert!(t.len() >= 5, "{t:?}");
        let epson = profile_for(&t, 0x04b8, 0x0202).unwrap();
        assert_eq!(
            (epson.family.as_str(), epson.width_dots),
            ("escpos-epson", 576)
        );
        let xp = profile_for(&t, 0x1fc9, 0x2016).unwrap();
        assert_eq!(xp.family, "escpos-generic");
        assert!(profile_for(&t, 0x1fc9, 0x0001).is_none());
        assert!(profile_for(&t, 0x1234, 0x5678).is_none());
    }

    #[test]
    fn interface_choice() {
        // A bidirectional printer-class interface is preferred to a unidirectional one.
        let d = dev(
            0x04b8,
            0x0202,
            vec![
                alt(0, 0, (7, 1, 1), Some(0x01), None),
                alt(0, 1, (7, 1, 2), Some(0x02), Some(0x82)),
            ],
        );
        assert_eq!(
            printer_interface(&d, true),
            Some(PrinterInterface {
                interface: 0,
                alt: 1,
                ep_out: 0x02,
                ep_in: Some(0x82)
            })
        );
        // Vendor class only: used for a known printer, not for an unknown gadget.
        let v = dev(
            0x0416,
            0x5011,
            vec![alt(0, 0, (0xff, 0, 0), Some(0x03), Some(0x81))],
        );
        assert_eq!(printer_interface(&v, true).unwrap().ep_out, 0x03);
        assert_eq!(printer_interface(&v, false), None);
        // IPP-over-USB interfaces are the scanner's, never the ticket path.
        let mfp = dev(
            0x03f0,
            0x1,
            vec![
                alt(0, 0, (7, 1, 4), Some(1), Some(0x81)),
                alt(1, 0, (7, 1, 4), Some(2), Some(0x82)),
            ],
        );
        assert_eq!(printer_interface(&mfp, false), None);
        // No bulk OUT: nothing to print to.
        let broken = dev(0x04b8, 1, vec![alt(0, 0, (7, 1, 2), None, Some(0x81))]);
        assert_eq!(printer_interface(&broken, true), None);
    }

    #[test]
    fn device_ids() {
        let mut raw = vec![0u8, 0];
        let body = b"MFG:EPSON;CMD:ESCPOS;MDL:TM-T20II;CLS:PRINTER;";
        let n = body.len() + 2;
        raw[0] = (n >> 8) as u8;
        raw[1] = n as u8;
        raw.extend_from_slice(body);
        raw.extend_from_slice(&[0; 10]); // padding after the declared length
        let id = parse_device_id(&raw).unwrap();
        assert_eq!(
            device_id_field(&id, &["MFG", "MANUFACTURER"]),
            Some("EPSON")
        );
        assert_eq!(device_id_field(&id, &["MDL", "MODEL"]), Some("TM-T20II"));
        assert_eq!(
            device_id_field(&id, &["CMD", "COMMAND SET"]),
            Some("ESCPOS")
        );
        assert_eq!(parse_device_id(&[0]), None);
        assert_eq!(parse_device_id(&[0, 1]), None);
        // A length larger than what came is cut to what came.
        assert_eq!(
            parse_device_id(&[0, 200, b'M', b':']).as_deref(),
            Some("M:")
        );
    }

    #[test]
    fn listing_roles_and_config_lines() {
        let devs = vec![
            dev(
                0x04b8,
                0x0202,
                vec![alt(0, 0, (7, 1, 2), Some(1), Some(0x81))],
            ),
            dev(
                0x03f0,
                0x1,
                vec![
                    alt(0, 0, (7, 1, 4), Some(1), Some(0x81)),
                    alt(1, 0, (7, 1, 4), Some(2), Some(0x82)),
                ],
            ),
            dev(0x046d, 0xc077, vec![alt(0, 0, (3, 1, 2), None, None)]),
        ];
        let l = describe(&devs, &mut |_, _| Some("MFG:EPSON;MDL:TM-T20II;".into()));
        assert_eq!(l[0].role, "ticket_printer");
        assert_eq!(l[0].config.as_deref(), Some("usb:04b8:0202"));
        assert_eq!(l[0].width_dots, Some(576));
        assert!(l[0].device_id.as_deref().unwrap().contains("TM-T20II"));
        assert_eq!(l[1].role, "ipp_usb");
        assert_eq!(l[2].role, "other");
        assert_eq!(l[2].device_id, None);
    }
}
