//! JSON request bodies of the commands that change data: decoding never panics (the HTTP
//! layer turns a decode error into 400 before any handler runs).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = serde_json::from_slice::<motcua::service::dossiers::ReceiveDossier>(data);
    let _ = serde_json::from_slice::<motcua::service::dossiers::DossierCommand>(data);
    let _ = serde_json::from_slice::<motcua::domain::dossier::Action>(data);
    let _ = serde_json::from_slice::<motcua::domain::report::Conventions>(data);
    let _ = serde_json::from_slice::<motcua::domain::calendar::WorkingCalendar>(data);
    let _ = serde_json::from_slice::<Vec<motcua::domain::dossier::ProcedureSnapshot>>(data);
    let _ = serde_json::from_slice::<motcua::domain::update::Manifest>(data);
});
