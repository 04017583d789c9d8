//! Document scanners over eSCL (HARDWARE.md §5): XML documents ([`escl`]), HTTP/1.1
//! framing ([`http1`]), transports — TCP to LAN scanners and the bulk pipes of
//! IPP-over-USB ([`transport`]) — the job state machine ([`client`]) and the simulated
//! device ([`sim`]) that the demo, the tests and `motcua sim scanner` run.

pub mod client;
pub mod escl;
pub mod http1;
pub mod sim;
pub mod transport;
pub mod usb;

pub use client::{EsclClient, EsclHttp, ScanError, ScannedPage};
pub use escl::{Capabilities, ColorMode, InputSource, ScanSettings, ScannerStatus};
pub use transport::{EsclUrl, TcpEscl};
