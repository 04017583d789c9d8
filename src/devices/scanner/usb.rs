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
use crate::devices::usb::{device_info, usb_err};
pub use crate::devices::usb::{AltSetting, DeviceInfo, UsbAddress};

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

// ---------------------------------------------------------------------------------------
// The real thing, over rusb. Every call blocks: callers are scan threads.
// ---------------------------------------------------------------------------------------

type Handle = rusb::DeviceHandle<rusb::Context>;

/// USB devices that speak IPP-over-USB, for the admin page's "found on USB" list.
pub fn list_ippusb_devices() -> io::Result<Vec<DeviceInfo>> {
    Ok(crate::devices::usb::list_devices()?
        .into_iter()
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

    /// (IN, OUT) endpoints, as the tests below list them.
    fn alt(interface: u8, alt: u8, csp: (u8, u8, u8), eps: (Option<u8>, Option<u8>)) -> AltSetting {
        crate::devices::usb::tests_support::alt(interface, alt, csp, eps.1, eps.0)
    }

    fn dev(vendor_id: u16, alts: Vec<AltSetting>) -> DeviceInfo {
        DeviceInfo {
            product: "MFP".into(),
            serial: "X1".into(),
            bus: 1,
            address: 4,
            ..crate::devices::usb::tests_support::device(vendor_id, 0x1234, alts)
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
