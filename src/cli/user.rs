//! `motcua user`: accounts from the shell (first admin, a locked-out admin).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use motcua::clock::SystemClock;
use motcua::config::Config;

use super::{read_password, UserCmd};

/// Works on the database file directly; the server must be stopped (redb locks the file).
pub fn run(cmd: UserCmd) -> anyhow::Result<()> {
    let open = |data: &PathBuf| -> anyhow::Result<motcua::service::Services> {
        let cfg = Config::defaults(data, "127.0.0.1:0");
        motcua::app::open_services(&cfg, Arc::new(SystemClock))
            .context("is the motcua service still running? stop it first")
    };
    let shell = super::shell_actor();
    match cmd {
        UserCmd::Add {
            name,
            role,
            display_name,
            data,
            ..
        } => {
            let role = motcua::domain::center::Role::parse(&role)
                .context("role must be admin, leader or officer")?;
            let pw = read_password()?;
            let s = open(&data)?;
            s.create_user(
                &shell,
                &name,
                display_name.as_deref().unwrap_or(&name),
                role,
                &pw,
                false,
            )?;
            println!("created {name} ({})", role.as_str());
        }
        UserCmd::ResetPassword { name, data } => {
            let pw = read_password()?;
            let s = open(&data)?;
            s.reset_password(&shell, &name, &pw)?;
            println!("password of {name} reset; it must be changed at the next login");
        }
    }
    Ok(())
}
