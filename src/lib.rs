//! motcua: the appliance of a commune's public administrative service center.
//! See ARCHITECTURE.md for the codemap and the invariants.

pub mod app;
pub mod bench;
pub mod bench_dossiers;
pub mod busyday;
pub mod clock;
pub mod config;
pub mod crash;
pub mod devices;

pub mod domain;
pub mod events;
pub mod render;
pub mod service;
pub mod store;
pub mod tls;
pub mod update;
pub mod voice;
pub mod web;
