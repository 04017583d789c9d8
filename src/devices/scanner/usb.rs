//! IPP-over-USB scanners attached to the appliance (HARDWARE.md §5.2): which USB devices
//! qualify (pure, tested on fabricated descriptors), and the real bulk pipes over rusb.
//! The HTTP framing on top is [`super::transport::IppUsbEscl`], tested against simulated
//! endpoints; tests never open real USB.
//!
//! Alternative kept open by design: when the `ipp-usb` daemon is installed it claims the
//! device first and serves it on loopback — configure `http://127.0.0.1:60000/eSCL` then.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use super::transport::BulkPipe;

/// One alternate setting of one interface, as read from the descriptors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltSetting {
    pub interface: u8,
    pub alt: u8,
    pub class: u8,
    pub subclass: u8,
    pub protocol: u8,
    /// Bulk endpoint addresses (with the direction bit), IN and OUT.
    pub bulk_in: Option<u8>,
    pub bulk_out: Option<u8>,
}

/// A USB device as plain data (from rusb, or made up in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    pub bus: u8,
    pub address: u8,
    pub vendor_id: u16,
    pub product_id: u16,
    pub product: String,
    pub serial: String,
    pub config: u8,
    pub alts: Vec<AltSetting>,
}

/// An interface usable for IPP-over-USB: its alt setting and bulk endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IppUsbInterface {
    pub interface: u8,
    pub alt: u8,
    pub ep_in: u8,
    pub ep_out: u8,
}

const HP_VENDOR: u16 = 0x03f0;

/// The IPP-over-USB interfaces of a device: alt settings of class 7/1/4 (HP also uses
/// FF/09/01) with bulk IN and OUT, one per interface. A device qualifies with at least
/// two (one to scan, one to poll status meanwhile).
pub fn ippusb_interfaces(d: &DeviceInfo) -> Vec<IppUsbInterface> {
    let mut out: Vec<IppUsbInterface> = Vec::new();
    for a in &d.alts {
        let ipp = (a.class, a.subclass, a.protocol) == (7, 1, 4)
            || (d.vendor_id == HP_VENDOR
                && (a.class, a.subclass, a.protocol) == (0xff, 0x09, 0x01));
        if !ipp || out.iter().any(|i| i.interface == a.interface) {
            continue;
        }
        if let (Some(ep_in), Some(ep_out)) = (a.bulk_in, a.bulk_out) {
            out.push(IppUsbInterface {
                interface: a.interface,
                alt: a.alt,
                ep_in,
                ep_out,
            });
        }
    }
    if out.len() < 2 {
        return Vec::new();
    }
    out
}

/// The address a scanner on USB is configured with: `usb:VVVV:PPPP[:SERIAL]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsbAddress {
    pub vendor_id: u16,
    pub product_id: u16,
    pub serial: Option<String>,
}

impl UsbAddress {
    pub fn parse(s: &str) -> Option<UsbAddress> {
        let rest = s.trim().strip_prefix("usb:")?;
        let mut parts = rest.splitn(3, ':');
        let vendor_id = u16::from_str_radix(parts.next()?, 16).ok()?;
        let product_id = u16::from_str_radix(parts.next()?, 16).ok()?;
        let serial = parts.next().map(str::to_string).filter(|s| !s.is_empty());
        Some(UsbAddress {
            vendor_id,
            product_id,
            serial,
        })
    }
    pub fn of(d: &DeviceInfo) -> String {
        if d.serial.is_empty() {
            format!("usb:{:04x}:{:04x}", d.vendor_id, d.product_id)
        } else {
            format!("usb:{:04x}:{:04x}:{}", d.vendor_id, d.product_id, d.serial)
        }
    }
    pub fn matches(&self, d: &DeviceInfo) -> bool {
        self.vendor_id == d.vendor_id
            && self.product_id == d.product_id
            && self.serial.as_ref().is_none_or(|s| *s == d.serial)
    }
}

// ---------------------------------------------------------------------------------------
// The real thing, over rusb. Every call blocks: callers are scan threads.
// ---------------------------------------------------------------------------------------

type Handle = rusb::DeviceHandle<rusb::Context>;

fn usb_err(e: rusb::Error) -> io::Error {
    let kind = match e {
        rusb::Error::Timeout => io::ErrorKind::TimedOut,
        rusb::Error::NoDevice | rusb::Error::NotFound => io::ErrorKind::NotConnected,
        rusb::Error::Access => io::ErrorKind::PermissionDenied,
        rusb::Error::Busy => io::ErrorKind::WouldBlock,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("USB: {e}"))
}

fn device_info(dev: &rusb::Device<rusb::Context>) -> Option<DeviceInfo> {
    let desc = dev.device_descriptor().ok()?;
    let config = dev
        .active_config_descriptor()
        .or_else(|_| dev.config_descriptor(0))
        .ok()?;
    let mut alts = Vec::new();
    for iface in config.interfaces() {
        for a in iface.descriptors() {
            let mut bulk_in = None;
            let mut bulk_out = None;
            for ep in a.endpoint_descriptors() {
                if ep.transfer_type() != rusb::TransferType::Bulk {
                    continue;
                }
                // address(), not number(): rusb 0.9.4 masks the number with 0x07.
                match ep.direction() {
                    rusb::Direction::In => bulk_in = bulk_in.or(Some(ep.address())),
                    rusb::Direction::Out => bulk_out = bulk_out.or(Some(ep.address())),
                }
            }
            alts.push(AltSetting {
                interface: a.interface_number(),
                alt: a.setting_number(),
                class: a.class_code(),
                subclass: a.sub_class_code(),
                protocol: a.protocol_code(),
                bulk_in,
                bulk_out,
            });
        }
    }
    // Strings need the device open; a device we may not open is listed without them.
    let (product, serial) = match dev.open() {
        Ok(h) => (
            h.read_product_string_ascii(&desc).unwrap_or_default(),
            h.read_serial_number_string_ascii(&desc).unwrap_or_default(),
        ),
        Err(_) => (String::new(), String::new()),
    };
    Some(DeviceInfo {
        bus: dev.bus_number(),
        address: dev.address(),
        vendor_id: desc.vendor_id(),
        product_id: desc.product_id(),
        product,
        serial,
        config: config.number(),
        alts,
    })
}

/// USB devices that speak IPP-over-USB, for the admin page's "found on USB" list.
pub fn list_ippusb_devices() -> io::Result<Vec<DeviceInfo>> {
    use rusb::UsbContext;
    let ctx = rusb::Context::new().map_err(usb_err)?;
    let devs = ctx.devices().map_err(usb_err)?;
    Ok(devs
        .iter()
        .filter_map(|d| device_info(&d))
        .filter(|d| !ippusb_interfaces(d).is_empty())
        .collect())
}

/// One claimed IPP-over-USB interface.
pub struct RusbPipe {
    handle: Arc<Handle>,
    ep_in: u8,
    ep_out: u8,
}

impl BulkPipe for RusbPipe {
    fn write_bulk(&mut self, data: &[u8], timeout: Duration) -> io::Result<usize> {
        self.handle
            .write_bulk(self.ep_out, data, timeout)
            .map_err(usb_err)
    }
    fn read_bulk(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        self.handle
            .read_bulk(self.ep_in, buf, timeout)
            .map_err(usb_err)
    }
}

/// Opens the device at `addr` and claims its first IPP-over-USB interface the way the
/// `ipp-usb` daemon does: detach kernel drivers, set the configuration, wait 250 ms,
/// claim, select the alt setting. Its own `rusb::Context`, so nothing else in the
/// process shares its event handling.
pub fn open_ippusb(addr: &UsbAddress) -> io::Result<RusbPipe> {
    use rusb::UsbContext;
    let ctx = rusb::Context::new().map_err(usb_err)?;
    let devs = ctx.devices().map_err(usb_err)?;
    let (dev, info) = devs
        .iter()
        .filter_map(|d| device_info(&d).map(|i| (d, i)))
        .find(|(_, i)| addr.matches(i))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                "không thấy máy quét USB (đã cắm chưa?)",
            )
        })?;
    let ifaces = ippusb_interfaces(&info);
    let first = *ifaces.first().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "thiết bị USB không hỗ trợ IPP-over-USB",
        )
    })?;
    let h = dev.open().map_err(usb_err)?;
    let _ = h.set_auto_detach_kernel_driver(true);
    for i in &ifaces {
        if h.kernel_driver_active(i.interface).unwrap_or(false) {
            let _ = h.detach_kernel_driver(i.interface);
        }
    }
    if h.active_configuration().ok() != Some(info.config) {
        h.set_active_configuration(info.config).map_err(usb_err)?;
    }
    std::thread::sleep(Duration::from_millis(250));
    h.claim_interface(first.interface).map_err(usb_err)?;
    h.set_alternate_setting(first.interface, first.alt)
        .map_err(usb_err)?;
    Ok(RusbPipe {
        handle: Arc::new(h),
        ep_in: first.ep_in,
        ep_out: first.ep_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alt(interface: u8, alt: u8, csp: (u8, u8, u8), eps: (Option<u8>, Option<u8>)) -> AltSetting {
        AltSetting {
            interface,
            alt,
            class: csp.0,
            subclass: csp.1,
            protocol: csp.2,
            bulk_in: eps.0,
            bulk_out: eps.1,
        }
    }

    fn dev(vendor_id: u16, alts: Vec<AltSetting>) -> DeviceInfo {
        DeviceInfo {
            bus: 1,
            address: 4,
            vendor_id,
            product_id: 0x1234,
            product: "MFP".into(),
            serial: "X1".into(),
            config: 1,
            alts,
        }
    }

    #[test]
    fn a_typical_mfp_qualifies_with_its_ipp_interfaces() {
        // Printer class interface 0 (7/1/2, plain printing), then two IPP-USB ones, the
        // second listed twice as alt settings.
        let d = dev(
            0x04f9,
            vec![
                alt(0, 0, (7, 1, 2), (Some(0x81), Some(0x01))),
                alt(1, 0, (0xff, 0, 0), (None, None)),
                alt(1, 1, (7, 1, 4), (Some(0x83), Some(0x03))),
                alt(2, 0, (7, 1, 4), (Some(0x84), Some(0x04))),
                alt(2, 1, (7, 1, 4), (Some(0x85), Some(0x05))),
            ],
        );
        let i = ippusb_interfaces(&d);
        assert_eq!(i.len(), 2);
        assert_eq!(
            i[0],
            IppUsbInterface {
                interface: 1,
                alt: 1,
                ep_in: 0x83,
                ep_out: 0x03
            }
        );
        assert_eq!(i[1].interface, 2);
        assert_eq!(UsbAddress::of(&d), "usb:04f9:1234:X1");
        assert!(UsbAddress::parse("usb:04f9:1234:X1").unwrap().matches(&d));
        assert!(UsbAddress::parse("usb:04f9:1234").unwrap().matches(&d));
        assert!(!UsbAddress::parse("usb:04f9:1234:OTHER")
            .unwrap()
            .matches(&d));
    }

    #[test]
    fn what_does_not_qualify() {
        // One interface only.
        assert!(
            ippusb_interfaces(&dev(1, vec![alt(0, 0, (7, 1, 4), (Some(0x81), Some(1)))]))
                .is_empty()
        );
        // No bulk OUT.
        assert!(ippusb_interfaces(&dev(
            1,
            vec![
                alt(0, 0, (7, 1, 4), (Some(0x81), None)),
                alt(1, 0, (7, 1, 4), (Some(0x82), None))
            ]
        ))
        .is_empty());
        // Vendor class counts only for HP.
        let vendor = vec![
            alt(0, 0, (0xff, 9, 1), (Some(0x81), Some(1))),
            alt(1, 0, (0xff, 9, 1), (Some(0x82), Some(2))),
        ];
        assert!(ippusb_interfaces(&dev(0x04a9, vendor.clone())).is_empty());
        assert_eq!(ippusb_interfaces(&dev(0x03f0, vendor)).len(), 2);
        assert_eq!(UsbAddress::parse("http://x"), None);
        assert_eq!(UsbAddress::parse("usb:zz:1"), None);
    }
}
