//! Integration tests: one binary, the real app on a random port, HTTP only.

mod accounts;
mod dossier_pages;
pub mod dossiers;
mod ecopies;
mod full_disk;
mod helpers;
mod listing;
mod pages;
mod printing;
mod queue_api;
mod ratings;
mod remote_signing;
mod reports;
mod scanner;
mod security;
mod signers;
pub mod signing;
mod sync;
mod updates;
