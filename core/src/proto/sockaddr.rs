//! The 16-byte "byte-swapped `sockaddr_in`" of server and relay messages (docs/protocol.md §2.2).
//!
//! | offset | size | content |
//! |---|---|---|
//! | 0 | 2 | address family, big-endian (`00 02` = AF_INET) |
//! | 2 | 2 | port, little-endian |
//! | 4 | 4 | IPv4 address, byte-reversed (`a.b.c.d` is sent as `d c b a`) |
//! | 8 | 8 | zero |
//!
//! Example: `192.168.1.10:32108` ↔ `00 02 6c 7d 0a 01 a8 c0 00 00 00 00 00 00 00 00`.

use std::net::{Ipv4Addr, SocketAddrV4};

/// Size of the encoded address.
pub const LEN: usize = 16;

/// AF_INET, the only family this encoding carries.
const AF_INET: u16 = 2;

/// Why 16 bytes could not be read as an address.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SockaddrError {
    /// Fewer than 16 bytes were given.
    #[error("a sockaddr needs {LEN} bytes, got {len}")]
    TooShort {
        /// Number of bytes available.
        len: usize,
    },
    /// The family field is not AF_INET (2) in either byte order.
    #[error("sockaddr family is {:02x} {:02x}, expected AF_INET (00 02)", .family[0], .family[1])]
    BadFamily {
        /// The two family bytes as received.
        family: [u8; 2],
    },
}

/// Encodes an IPv4 address and port (family `00 02`, trailing bytes zero).
pub fn encode(addr: SocketAddrV4) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    out[..2].copy_from_slice(&AF_INET.to_be_bytes());
    out[2..4].copy_from_slice(&addr.port().to_le_bytes());
    let mut ip = addr.ip().octets();
    ip.reverse();
    out[4..8].copy_from_slice(&ip);
    out
}

/// Decodes the first 16 bytes of `b`.
///
/// The family is accepted as 2 in either byte order; the 8 trailing bytes are ignored.
pub fn decode(b: &[u8]) -> Result<SocketAddrV4, SockaddrError> {
    let Some(raw) = b.get(..LEN) else {
        return Err(SockaddrError::TooShort { len: b.len() });
    };
    let family = [raw[0], raw[1]];
    if u16::from_be_bytes(family) != AF_INET && u16::from_le_bytes(family) != AF_INET {
        return Err(SockaddrError::BadFamily { family });
    }
    let port = u16::from_le_bytes([raw[2], raw[3]]);
    let ip = Ipv4Addr::new(raw[7], raw[6], raw[5], raw[4]);
    Ok(SocketAddrV4::new(ip, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_in_either_order() {
        let mut b = encode(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 80));
        b.swap(0, 1);
        assert_eq!(
            decode(&b),
            Ok(SocketAddrV4::new(Ipv4Addr::new(10, 0, 0, 1), 80))
        );
        b[0] = 0;
        b[1] = 0;
        assert_eq!(
            decode(&b).unwrap_err().to_string(),
            "sockaddr family is 00 00, expected AF_INET (00 02)"
        );
    }
}
