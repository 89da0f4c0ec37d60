//! `pppp cmd`: one command, one reply, in the camera's dialect.

use pppp::proto::cgi::{self, CgiRequest};
use pppp::proto::dialect::{self, Dialect, DialectChoice, DialectSource};
use pppp::proto::operation::Refusal;
use pppp::{Error, Uid};
use serde_json::Value;

use crate::common::{CliError, CliResult, ConnectArgs};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    conn: ConnectArgs,
    /// Binary dialect: the command's payload as hex (sent XqBytes-encoded with the ticket).
    #[arg(long)]
    payload: Option<String>,
    /// Print the whole reply as JSON, whatever the dialect.
    #[arg(long)]
    json: bool,
    /// The command in the camera's dialect: a JSON object for SHIX cameras
    /// ('{"pro":"get_parms","cmd":101}'), a CGI name with parameters for VStarcam cameras
    /// ('get_status.cgi', 'decoder_control.cgi?command=0&onestep=0'; the credentials are added),
    /// a command number for iLnk binary cameras ('0x1008').
    command: String,
}

/// The command, read for one dialect.
#[derive(Debug)]
enum Parsed {
    Shix(Value),
    Cgi(CgiRequest),
    Binary(u16),
}

fn parse_for(d: Dialect, text: &str) -> Result<Parsed, CliError> {
    match d {
        Dialect::Shix => {
            let json: Value = serde_json::from_str(text)
                .map_err(|e| CliError::usage(format!("the command is not valid JSON: {e}")))?;
            if !json.is_object() {
                return Err(CliError::usage(
                    "the command must be a JSON object such as '{\"pro\":\"get_parms\",\"cmd\":101}'",
                ));
            }
            Ok(Parsed::Shix(json))
        }
        Dialect::Cgi => CgiRequest::parse(text)
            .map(Parsed::Cgi)
            .map_err(|e| CliError::usage(e.to_string())),
        Dialect::Binary => parse_number(text).map(Parsed::Binary).ok_or_else(|| {
            CliError::usage(format!(
                "a binary command is a number such as 0x1008 or 4104 (got {text:?})"
            ))
        }),
    }
}

fn parse_number(s: &str) -> Option<u16> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u16::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_hex(s: &str) -> Result<Vec<u8>, CliError> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if !s.len().is_multiple_of(2) || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(CliError::usage(format!(
            "--payload must be hex bytes such as 01000000 (got {s:?})"
        )));
    }
    Ok((0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("checked hex"))
        .collect())
}

pub fn run(a: Args) -> CliResult {
    // Check the command before connecting when the dialect is known already (configured or
    // from the UID prefix); otherwise it must at least fit one dialect.
    let choice =
        DialectChoice::parse(&a.conn.dialect).map_err(|e| CliError::usage(e.to_string()))?;
    let prefix = Uid::parse(&a.conn.uid).map_err(Error::from)?;
    let (order, source) = dialect::probe_order(choice, prefix.prefix());
    if source == DialectSource::Probed {
        if !Dialect::ALL
            .iter()
            .any(|d| parse_for(*d, &a.command).is_ok())
        {
            return Err(CliError::usage(format!(
                "{:?} is neither a JSON object (SHIX), a CGI request (VStarcam) nor a command number (binary)",
                a.command
            )));
        }
    } else {
        parse_for(order[0], &a.command)?;
    }
    let payload = a.payload.as_deref().map(parse_hex).transpose()?;
    let session = a.conn.connect_and_login()?;
    let d = session.dialect().unwrap_or(order[0]);
    let parsed = parse_for(d, &a.command)
        .map_err(|e| CliError::usage(format!("the camera speaks the {d} dialect: {e}")))?;
    if payload.is_some() && d != Dialect::Binary {
        return Err(CliError::usage("--payload is for binary-dialect commands"));
    }
    let reply = match parsed {
        Parsed::Shix(json) => session.command(json)?,
        Parsed::Cgi(req) => session.cgi(&format!("{}.cgi?{}", req.name, req.params))?,
        Parsed::Binary(cmd) => session.binary(cmd, payload.as_deref().unwrap_or(&[]))?,
    };
    if a.json || d == Dialect::Shix {
        println!(
            "{}",
            serde_json::to_string_pretty(&reply).unwrap_or_else(|_| reply.to_string())
        );
    } else if d == Dialect::Cgi {
        print_cgi(&reply);
    } else {
        print_binary(&reply);
    }
    session.close();
    // Core decides what a refusal is (and whether it is about the credentials).
    Refusal::check_json(reply)
        .map_err(|r| Error::from(r).into())
        .map(drop)
}

/// CGI replies: the key/values in the camera's order, one `key=value` per line (or the hex of
/// a binary body).
fn print_cgi(reply: &Value) {
    if let Some(text) = reply["text"].as_str() {
        for (k, v) in cgi::parse_fields(text).pairs {
            println!("{k}={v}");
        }
    } else if let Some(h) = reply["body_hex"].as_str() {
        println!("binary body, {} bytes:", reply["binary_len"]);
        println!("{h}");
    }
}

/// Binary replies: the reply command and the decoded payload as hex.
fn print_binary(reply: &Value) {
    let name = reply["name"].as_str().unwrap_or("unknown");
    println!(
        "{} {name} ticket {}",
        reply["cmd_hex"].as_str().unwrap_or("?"),
        reply["ticket"].as_str().unwrap_or("?")
    );
    println!("{}", reply["payload_hex"].as_str().unwrap_or(""));
}
