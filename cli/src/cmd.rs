//! `pppp cmd`: one command, one reply.

use crate::common::{CliError, CliResult, ConnectArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// The command: a JSON object for SHIX cameras, e.g. '{"pro":"get_parms","cmd":101}'.
    command: String,
}

pub fn run(a: Args) -> CliResult {
    let json: serde_json::Value = serde_json::from_str(&a.command)
        .map_err(|e| CliError::usage(format!("the command is not valid JSON: {e}")))?;
    if !json.is_object() {
        return Err(CliError::usage("the command must be a JSON object such as '{\"pro\":\"get_parms\",\"cmd\":101}'"));
    }
    let session = a.conn.connect_and_login()?;
    let reply = session.command(json)?;
    println!("{}", serde_json::to_string_pretty(&reply).unwrap_or_else(|_| reply.to_string()));
    session.close();
    Ok(())
}
