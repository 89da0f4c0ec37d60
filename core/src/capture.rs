//! Capture input for the dissector (`pppp dissect`): UDP datagrams read out of link-layer
//! frames (the pcap/pcapng link types of Ethernet, Linux cooked captures, raw IP and
//! loopback), and datagrams read out of text hex dumps. Not protocol: the PPPP side is
//! [`crate::proto::dissect`]; the pcap/pcapng container is read by the CLI.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::proto::dissect::{text_short, Captured, Direction};

/// A UDP datagram read out of a link-layer frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UdpDatagram {
    /// Source address.
    pub src: SocketAddr,
    /// Destination address.
    pub dst: SocketAddr,
    /// The UDP payload.
    pub payload: Vec<u8>,
}

/// pcap link types [`udp_from_link`] understands.
pub mod linktype {
    /// BSD loopback (4-byte address family in host order).
    pub const NULL: u32 = 0;
    /// Ethernet II (with optional 802.1Q tags).
    pub const ETHERNET: u32 = 1;
    /// Raw IP (OpenBSD value).
    pub const RAW_OPENBSD: u32 = 12;
    /// Raw IP.
    pub const RAW: u32 = 101;
    /// OpenBSD loopback (4-byte address family, network order).
    pub const LOOP: u32 = 108;
    /// Linux cooked capture v1 (`tcpdump -i any`).
    pub const LINUX_SLL: u32 = 113;
    /// Raw IPv4.
    pub const IPV4: u32 = 228;
    /// Raw IPv6.
    pub const IPV6: u32 = 229;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

/// Reads the UDP datagram out of a captured frame of link type `link` (IPv4 or IPv6; first
/// fragments only). `None` for anything else.
pub fn udp_from_link(link: u32, frame: &[u8]) -> Option<UdpDatagram> {
    let ip = match link {
        linktype::NULL | linktype::LOOP => frame.get(4..)?,
        linktype::ETHERNET => {
            let mut off = 12;
            let mut ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
            while matches!(ethertype, 0x8100 | 0x88a8 | 0x9100) {
                off += 4;
                ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
            }
            if !matches!(ethertype, 0x0800 | 0x86dd) {
                return None;
            }
            frame.get(off + 2..)?
        }
        linktype::RAW | linktype::RAW_OPENBSD | linktype::IPV4 | linktype::IPV6 => frame,
        linktype::LINUX_SLL => frame.get(16..)?,
        linktype::LINUX_SLL2 => frame.get(20..)?,
        _ => return None,
    };
    udp_from_ip(ip)
}

/// Reads the UDP datagram out of an IPv4 or IPv6 packet.
pub fn udp_from_ip(ip: &[u8]) -> Option<UdpDatagram> {
    let version = ip.first()? >> 4;
    let (src, dst, udp) = match version {
        4 => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            if ihl < 20 || *ip.get(9)? != 17 {
                return None;
            }
            let frag = u16::from_be_bytes([*ip.get(6)?, *ip.get(7)?]);
            if frag & 0x1fff != 0 {
                return None; // a later fragment: no UDP header
            }
            let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            let end = if total >= ihl {
                total.min(ip.len())
            } else {
                ip.len()
            };
            let a: [u8; 8] = ip.get(12..20)?.try_into().ok()?;
            let s = Ipv4Addr::new(a[0], a[1], a[2], a[3]);
            let d = Ipv4Addr::new(a[4], a[5], a[6], a[7]);
            (IpAddr::V4(s), IpAddr::V4(d), ip.get(ihl..end)?)
        }
        6 => {
            if *ip.get(6)? != 17 {
                return None; // extension headers are not followed
            }
            let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            let s: [u8; 16] = ip.get(8..24)?.try_into().ok()?;
            let d: [u8; 16] = ip.get(24..40)?.try_into().ok()?;
            let end = (40 + plen).min(ip.len());
            (
                IpAddr::V6(Ipv6Addr::from(s)),
                IpAddr::V6(Ipv6Addr::from(d)),
                ip.get(40..end)?,
            )
        }
        _ => return None,
    };
    let sport = u16::from_be_bytes([*udp.first()?, *udp.get(1)?]);
    let dport = u16::from_be_bytes([*udp.get(2)?, *udp.get(3)?]);
    let ulen = usize::from(u16::from_be_bytes([*udp.get(4)?, *udp.get(5)?]));
    let end = if ulen >= 8 {
        ulen.min(udp.len())
    } else {
        udp.len()
    };
    Some(UdpDatagram {
        src: SocketAddr::new(src, sport),
        dst: SocketAddr::new(dst, dport),
        payload: udp.get(8..end)?.to_vec(),
    })
}

/// Builds an Ethernet/IPv4/UDP frame around `payload` (for writing test captures).
pub fn ethernet_ipv4_udp(
    src: std::net::SocketAddrV4,
    dst: std::net::SocketAddrV4,
    payload: &[u8],
) -> Vec<u8> {
    let mut f = Vec::with_capacity(42 + payload.len());
    f.extend_from_slice(&[0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00]);
    let total = (20 + 8 + payload.len()) as u16;
    let mut ip = vec![0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0];
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip.extend_from_slice(&src.ip().octets());
    ip.extend_from_slice(&dst.ip().octets());
    let mut sum: u32 = ip
        .chunks(2)
        .map(|c| u32::from(u16::from_be_bytes([c[0], c[1]])))
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    let csum = !(sum as u16);
    ip[10..12].copy_from_slice(&csum.to_be_bytes());
    f.extend_from_slice(&ip);
    f.extend_from_slice(&src.port().to_be_bytes());
    f.extend_from_slice(&dst.port().to_be_bytes());
    f.extend_from_slice(&((8 + payload.len()) as u16).to_be_bytes());
    f.extend_from_slice(&[0, 0]); // no UDP checksum (allowed over IPv4)
    f.extend_from_slice(payload);
    f
}

/// Why a hex dump line was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {reason}")]
pub struct HexDumpError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Parses a hex dump: one datagram per line, hex digits with optional spaces, `:` or `0x`
/// separators; an optional `>` (controller → device) or `<` (device → controller) prefix;
/// blank lines and lines starting with `#` are skipped.
pub fn parse_hex_dump(text: &str) -> Result<Vec<Captured>, HexDumpError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (direction, rest) = match line.as_bytes()[0] {
            b'>' => (Some(Direction::ToDevice), &line[1..]),
            b'<' => (Some(Direction::ToController), &line[1..]),
            _ => (None, line),
        };
        let digits: String = rest
            .replace("0x", "")
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ':' && *c != ',')
            .collect();
        if digits.is_empty()
            || !digits.len().is_multiple_of(2)
            || !digits.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(HexDumpError {
                line: i + 1,
                reason: format!(
                    "expected an even number of hex digits (optionally after '>' or '<'), got {:?}",
                    text_short(rest.as_bytes())
                ),
            });
        }
        let data = (0..digits.len())
            .step_by(2)
            .map(|k| u8::from_str_radix(&digits[k..k + 2], 16).unwrap_or(0))
            .collect();
        out.push(Captured {
            time: None,
            src: None,
            dst: None,
            direction,
            data,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_layers() {
        let src: std::net::SocketAddrV4 = "10.0.0.1:5000".parse().unwrap();
        let dst: std::net::SocketAddrV4 = "10.0.0.2:32108".parse().unwrap();
        let eth = ethernet_ipv4_udp(src, dst, &[0xf1, 0x30, 0, 0]);
        let u = udp_from_link(linktype::ETHERNET, &eth).unwrap();
        assert_eq!((u.src, u.dst), (src.into(), dst.into()));
        assert_eq!(u.payload, vec![0xf1, 0x30, 0, 0]);
        assert_eq!(
            udp_from_link(linktype::RAW, &eth[14..])
                .unwrap()
                .payload
                .len(),
            4
        );
        let mut sll = vec![0u8; 16];
        sll[14..16].copy_from_slice(&[0x08, 0x00]);
        sll.extend_from_slice(&eth[14..]);
        assert!(udp_from_link(linktype::LINUX_SLL, &sll).is_some());
        for n in 0..eth.len() {
            let _ = udp_from_link(linktype::ETHERNET, &eth[..n]);
        }
    }

    #[test]
    fn hex_dumps() {
        let got =
            parse_hex_dump("# a comment\n\n> f1 30 00 00\n<0xf1:0x41,00 00\nf130 0000\n").unwrap();
        let dirs: Vec<_> = got.iter().map(|c| c.direction).collect();
        assert_eq!(
            dirs,
            [
                Some(Direction::ToDevice),
                Some(Direction::ToController),
                None
            ]
        );
        assert_eq!(got[1].data, [0xf1, 0x41, 0, 0]);
        assert!(got.iter().all(|c| c.time.is_none() && c.src.is_none()));
        let e = parse_hex_dump("f130\nf13\x01").unwrap_err();
        assert_eq!(e.line, 2);
        // The line as text, its control character escaped (and quoted).
        assert!(e.reason.ends_with(r#"got "f13\\x01""#), "{}", e.reason);
    }
}
