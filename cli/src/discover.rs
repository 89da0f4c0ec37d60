//! `pppp discover`.

use std::time::Duration;

use pppp::client::{discover, DiscoverOptions, LAN_PORT};

use crate::common::{seconds, CliResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also search this address by unicast, HOST[:PORT] (repeatable).
    #[arg(long, value_name = "HOST[:PORT]")]
    to: Vec<String>,
    /// Seconds to listen for answers.
    #[arg(long, default_value_t = 2.0)]
    timeout: f64,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    json: bool,
    /// Do not broadcast; only search the --to addresses (and PPPP_LAN_TARGETS).
    #[arg(long)]
    no_broadcast: bool,
    /// The devices' LAN-search port for broadcasts and for --to without a port.
    #[arg(long, default_value_t = LAN_PORT)]
    port: u16,
    /// PSK of the probes: auto (every known PSK), none, a name, or custom:<psk>.
    #[arg(long, default_value = "auto")]
    psk: String,
}

pub fn run(a: Args) -> CliResult {
    let devices = discover(&DiscoverOptions {
        to: a.to,
        broadcast: !a.no_broadcast,
        port: a.port,
        timeout: seconds(a.timeout, "--timeout")?.max(Duration::from_millis(100)),
        psk: pppp::client::parse_psk(&a.psk)?,
        bind: None,
        driver: None,
    })?;
    if a.json {
        let list: Vec<serde_json::Value> = devices
            .iter()
            .map(|d| {
                serde_json::json!({
                    "uid": d.uid.to_string(),
                    "addr": d.addr.to_string(),
                    "psk": d.cipher.name(),
                    "duplicates": d.duplicates.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(list));
    } else if devices.is_empty() {
        eprintln!("no camera answered");
    } else {
        println!("{:<24} {:<22} PSK", "UID", "ADDRESS");
        for d in &devices {
            println!(
                "{:<24} {:<22} {}",
                d.uid.to_string(),
                d.addr.to_string(),
                d.cipher
            );
        }
    }
    for d in devices.iter().filter(|d| !d.duplicates.is_empty()) {
        let others: Vec<String> = d.duplicates.iter().map(|a| a.to_string()).collect();
        eprintln!(
            "pppp: warning: {} answered from more than one device: {} and {} (a duplicate UID or \
             an impostor; a connection by broadcast goes to whichever answers first)",
            d.uid,
            d.addr,
            others.join(", ")
        );
    }
    Ok(())
}
