//! The ticket printer: ESC/POS encoding, decoding (for tests and the
//! simulator), DLE EOT status, transports and the simulated printer.
//!
//! Flow: `render::ticket::render_ticket` → [`encode::encode_ticket`] →
//! [`transport::write_all_chunked`] over a [`transport::PrinterTransport`]
//! (TCP 9100, `/dev/usb/lpN`, native USB in [`usb`], [`sim::SimPrinter`]), with [`transport::query_status`] before and after.

pub mod decode;
pub mod encode;
pub mod kiosk;
pub mod sim;
pub mod status;
pub mod transport;
pub mod usb;

pub use decode::{decode, Decoded};
pub use encode::{encode_ticket, CutMode};
pub use sim::{SharedFaults, SimFaults, SimJob, SimPrinter};
pub use status::{parse_status, PaperState, PrinterStatus, StatusError, StatusReply};
pub use transport::{
    query_status, write_all_chunked, DeviceFileTransport, PrinterTransport, TcpTransport,
    TransportError,
};
