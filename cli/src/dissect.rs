//! `pppp dissect FILE`: one line per PPPP message of a pcap/pcapng capture or a hex dump.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};
use pppp::proto::dissect::{self, Captured, Dissector};
use pppp::proto::psk::PskChoice;

use crate::common::{CliError, CliResult};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A pcap or pcapng capture (UDP over Ethernet, Linux cooked, raw IP or loopback), or a
    /// text hex dump with one datagram per line (optional `>` controller→camera or `<`
    /// camera→controller prefix; `#` comments).
    file: PathBuf,
    /// PSK: auto (detect per flow among every known PSK), none, a known name, or custom:<psk>.
    #[arg(long, default_value = "auto")]
    psk: String,
    /// Only datagrams to or from this UDP port.
    #[arg(long)]
    port: Option<u16>,
    /// Skip MSG_ALIVE / MSG_ALIVE_ACK and DRW_ACK lines.
    #[arg(long)]
    quiet: bool,
    /// One JSON object per message instead of text.
    #[arg(long)]
    json: bool,
}

/// What kind of file `data` is.
#[derive(Debug, PartialEq, Eq)]
enum Kind {
    Pcap,
    PcapNg,
    Text,
}

fn kind(data: &[u8]) -> Kind {
    match data.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0xa1, 0xb2, 0xc3, 0xd4])
        | Some([0x4d, 0x3c, 0xb2, 0xa1] | [0xa1, 0xb2, 0x3c, 0x4d]) => Kind::Pcap,
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => Kind::PcapNg,
        _ => Kind::Text,
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Reads the UDP datagrams of a capture file (pcap, pcapng or hex dump), in file order.
/// Returns them and the number of frames that were not UDP.
pub fn read_capture(path: &Path) -> Result<(Vec<Captured>, u64), CliError> {
    let mut data = Vec::new();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(&mut data))
        .map_err(|e| CliError::msg(format!("cannot read {}: {e}", path.display())))?;
    parse_capture(data, &path.display().to_string())
}

/// The UDP datagrams of a capture (pcap, pcapng or hex dump) held in memory, in file order,
/// with times relative to the first; and the number of frames that were not UDP. `name`
/// (the file's) prefixes error messages.
pub fn parse_capture(data: Vec<u8>, name: &str) -> Result<(Vec<Captured>, u64), CliError> {
    let bad = |e: pcap_file::PcapError| CliError::msg(format!("{name}: not a valid capture: {e}"));
    let mut out = Vec::new();
    let mut skipped = 0u64;
    let mut push = |link: u32, t: Duration, frame: &[u8]| match dissect::udp_from_link(link, frame)
    {
        Some(u) => out.push(Captured::udp(Some(secs(t)), u.src, u.dst, u.payload)),
        None => skipped += 1,
    };
    match kind(&data) {
        Kind::Pcap => {
            let mut r = PcapReader::new(&data[..]).map_err(bad)?;
            let link = u32::from(r.header().datalink);
            while let Some(p) = r.next_packet() {
                let p = p.map_err(bad)?;
                push(link, p.timestamp, &p.data);
            }
        }
        Kind::PcapNg => {
            let mut r = PcapNgReader::new(&data[..]).map_err(bad)?;
            let mut links: Vec<u32> = Vec::new();
            while let Some(b) = r.next_block() {
                match b.map_err(bad)? {
                    Block::InterfaceDescription(idb) => links.push(u32::from(idb.linktype)),
                    Block::EnhancedPacket(p) => {
                        let link = links.get(p.interface_id as usize).copied().unwrap_or(1);
                        push(link, p.timestamp, &p.data);
                    }
                    Block::SimplePacket(p) => {
                        push(links.first().copied().unwrap_or(1), Duration::ZERO, &p.data)
                    }
                    Block::Packet(p) => {
                        let link = links.get(usize::from(p.interface_id)).copied().unwrap_or(1);
                        push(link, Duration::from_micros(p.timestamp), &p.data);
                    }
                    _ => {}
                }
            }
        }
        Kind::Text => {
            let text = String::from_utf8(data).map_err(|_| {
                CliError::usage(format!(
                    "{name}: neither a pcap/pcapng capture nor a text hex dump"
                ))
            })?;
            out = dissect::parse_hex_dump(&text)
                .map_err(|e| CliError::usage(format!("{name}: {e}")))?;
        }
    }
    // Times relative to the first datagram.
    if let Some(t0) = out.iter().find_map(|c| c.time) {
        for c in &mut out {
            c.time = c.time.map(|t| t - t0);
        }
    }
    Ok((out, skipped))
}

pub fn run(a: Args) -> CliResult {
    let psk = PskChoice::parse(&a.psk).map_err(pppp::Error::from)?;
    let (datagrams, skipped) = read_capture(&a.file)?;
    let mut d = Dissector::with_psk(&psk);
    let mut shown = 0u64;
    for c in &datagrams {
        if let Some(port) = a.port {
            let hit = |s: Option<std::net::SocketAddr>| s.is_some_and(|s| s.port() == port);
            if !hit(c.src) && !hit(c.dst) {
                continue;
            }
        }
        let line = d.dissect(c);
        if a.quiet
            && matches!(
                line.type_name,
                "MSG_ALIVE" | "MSG_ALIVE_ACK" | "MSG_DRW_ACK"
            )
        {
            continue;
        }
        shown += 1;
        if a.json {
            println!(
                "{}",
                serde_json::json!({
                    "time": line.time,
                    "direction": line.direction.arrow(),
                    "src": line.src.map(|s| s.to_string()),
                    "dst": line.dst.map(|s| s.to_string()),
                    "psk": line.psk,
                    "type": line.type_name,
                    "channel": line.channel,
                    "index": line.index,
                    "acks": line.acks,
                    "details": line.details,
                })
            );
        } else {
            println!("{line}");
        }
    }
    let st = d.stats();
    eprintln!(
        "{} datagrams ({} shown), {} not decodable, {} command blocks, {} AV headers, {} retransmissions{}",
        st.datagrams,
        shown,
        st.undecodable,
        st.blocks,
        st.av_headers,
        st.retransmissions,
        if skipped > 0 {
            format!(", {skipped} non-UDP frames skipped")
        } else {
            String::new()
        }
    );
    Ok(())
}
