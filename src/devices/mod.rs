//! The only module that touches device transports (USB, sockets to devices, device
//! files). Every device has a simulated twin behind the same trait.

pub mod mdns;
pub mod printer;
pub mod scanner;
pub mod usb;
