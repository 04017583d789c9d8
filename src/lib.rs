//! motcua: the appliance of a commune's public administrative service center.
//! See ARCHITECTURE.md for the codemap and the invariants. The command line and the
//! benchmark harnesses are binary-side (`src/cli/`, `src/bench/`), not library modules.

pub mod app;
pub mod clock;
pub mod config;
pub mod datadir;
pub mod devices;
pub mod domain;
pub mod events;
pub mod province;
pub mod render;
pub mod service;
pub mod sign;
pub mod store;
pub mod tls;
pub mod update;
pub mod web;
