//! USB inventory shared by the printer and scanner drivers: devices and their interfaces
//! as plain data ([`DeviceInfo`], made up in tests), the `usb:VVVV:PPPP[:SERIAL]`
//! address form, and reading them through rusb (vendored libusb, its own context per call).

use std::io;

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

/// How a USB device is configured: `usb:VVVV:PPPP[:SERIAL]`.
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

pub fn usb_err(e: rusb::Error) -> io::Error {
    let kind = match e {
        rusb::Error::Timeout => io::ErrorKind::TimedOut,
        rusb::Error::NoDevice | rusb::Error::NotFound => io::ErrorKind::NotConnected,
        rusb::Error::Access => io::ErrorKind::PermissionDenied,
        rusb::Error::Busy => io::ErrorKind::WouldBlock,
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, format!("USB: {e}"))
}

pub fn device_info(dev: &rusb::Device<rusb::Context>) -> Option<DeviceInfo> {
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

/// Every USB device this process may see (empty where USB is not reachable).
pub fn list_devices() -> io::Result<Vec<DeviceInfo>> {
    use rusb::UsbContext;
    if !std::path::Path::new("/dev/bus/usb").exists() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "không thấy /dev/bus/usb (máy ảo/container, hoặc dịch vụ không được cấp quyền USB)",
        ));
    }
    let ctx = rusb::Context::new().map_err(usb_err)?;
    let devs = ctx.devices().map_err(usb_err)?;
    Ok(devs.iter().filter_map(|d| device_info(&d)).collect())
}

/// Made-up descriptors for the drivers' unit tests.
#[cfg(test)]
pub mod tests_support {
    use super::{AltSetting, DeviceInfo};

    /// An alt setting with class/subclass/protocol `csp` and bulk endpoints.
    pub fn alt(
        interface: u8,
        alt: u8,
        csp: (u8, u8, u8),
        out: Option<u8>,
        inn: Option<u8>,
    ) -> AltSetting {
        AltSetting {
            interface,
            alt,
            class: csp.0,
            subclass: csp.1,
            protocol: csp.2,
            bulk_in: inn,
            bulk_out: out,
        }
    }

    pub fn device(vendor_id: u16, product_id: u16, alts: Vec<AltSetting>) -> DeviceInfo {
        DeviceInfo {
            bus: 1,
            address: 2,
            vendor_id,
            product_id,
            product: "USB device".into(),
            serial: String::new(),
            config: 1,
            alts,
        }
    }
}
