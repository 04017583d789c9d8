//! The JSON API under `/api/v1`, one file per resource. Handlers are thin: parse, call one
//! service method, shape the answer.

mod accounts;
mod areas;
mod audit;
mod backups;
mod catalogue;
mod devices;
mod dossiers;
mod ecopies;
mod health;
mod printer;
mod queue;
mod ratings;
mod reports;
mod scans;
mod sessions;
mod settings;
mod signatures;
mod sync;
mod updates;

pub use accounts::*;
pub use areas::*;
pub use audit::*;
pub use backups::*;
pub use catalogue::*;
pub use devices::*;
pub use dossiers::*;
pub use ecopies::*;
pub use health::*;
pub use printer::*;
pub use queue::*;
pub use ratings::*;
pub use reports::*;
pub use scans::*;
pub use sessions::*;
pub use settings::*;
pub use signatures::*;
pub use sync::*;
pub use updates::*;
