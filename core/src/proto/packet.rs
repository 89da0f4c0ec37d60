//! The PPPP datagram codec: the 4-byte header and the payloads of the LAN message types.
//!
//! Every UDP datagram is one message: `F1 · type · u16 BE payload length · payload`
//! (docs/protocol.md §1). [`decode`] accepts any byte string and never panics; it takes the payload
//! from the length field and ignores surplus bytes (real devices send 28-byte P2P_RDY with a
//! length of 20 and ALIVE with trailing zeros). [`Message::encode`] always writes exact lengths.

use std::fmt;

/// First byte of every plaintext PPPP datagram.
pub const MAGIC: u8 = 0xF1;
/// Size of the common header.
pub const HEADER_LEN: usize = 4;
/// Size of the DRW / DRW_ACK sub-header (`D1 · channel · u16`).
pub const DRW_HEADER_LEN: usize = 4;
/// Largest amount of data one DRW carries (docs/protocol.md §3.2).
pub const MAX_DRW_DATA: usize = 1024;
/// Largest DRW datagram (`4 + 4 + 1024`).
pub const MAX_DRW_DATAGRAM: usize = HEADER_LEN + DRW_HEADER_LEN + MAX_DRW_DATA;
/// Number of DRW channels.
pub const CHANNELS: usize = 8;
/// The marker byte the CS2 library writes in DRW and DRW_ACK (send this one).
pub const DRW_MARKER: u8 = 0xD1;
/// The marker some iLnk libraries write in DRW_ACK (accepted on receive).
pub const DRW_MARKER_ILNK: u8 = 0xD2;
/// Size of a DID on the wire.
pub const DID_LEN: usize = 20;
/// Most indexes one DRW_ACK may carry before the CS2 receiver aborts the session.
pub const MAX_ACK_INDEXES: usize = 0x51;

/// Message type numbers (docs/protocol.md §1.2) used by the LAN path, plus a few for naming.
pub mod msg {
    /// Client/device → P2P server greeting.
    pub const HELLO: u8 = 0x00;
    /// Server → peer: the peer's public address.
    pub const HELLO_ACK: u8 = 0x01;
    /// Client → server: connect me to a DID.
    pub const P2P_REQ: u8 = 0x20;
    /// Server → client: result of P2P_REQ.
    pub const P2P_REQ_ACK: u8 = 0x21;
    /// LAN discovery probe (broadcast or unicast to UDP 32108).
    pub const LAN_SEARCH: u8 = 0x30;
    /// iLnk extended LAN search (also Yi LAN_NOTIFY_ACK).
    pub const LAN_SEARCH_EXT: u8 = 0x32;
    /// Server → peer: punch this address.
    pub const PUNCH_TO: u8 = 0x40;
    /// Punch packet carrying a DID; the device's answer to a LAN search.
    pub const PUNCH_PKT: u8 = 0x41;
    /// "Ready" packet carrying a DID; completes the handshake.
    pub const P2P_RDY: u8 = 0x42;
    /// Acknowledgement of P2P_RDY (Yi, AnkerMake; Xiaomi uses it for TCP mode).
    pub const P2P_RDY_ACK: u8 = 0x43;
    /// Reliable data.
    pub const DRW: u8 = 0xD0;
    /// Acknowledgement of reliable data.
    pub const DRW_ACK: u8 = 0xD1;
    /// Unacknowledged data (same sub-header as DRW).
    pub const PSR: u8 = 0xD8;
    /// Keepalive.
    pub const ALIVE: u8 = 0xE0;
    /// Keepalive answer.
    pub const ALIVE_ACK: u8 = 0xE1;
    /// Session end.
    pub const CLOSE: u8 = 0xF0;
}

/// Human-readable name of a message type byte (`MSG_…`), or `"MSG_UNKNOWN"`.
pub fn type_name(t: u8) -> &'static str {
    match t {
        0x00 => "MSG_HELLO",
        0x01 => "MSG_HELLO_ACK",
        0x02 => "MSG_HELLO_TO",
        0x03 => "MSG_HELLO_TO_ACK",
        0x08 => "MSG_QUERY_DID",
        0x09 => "MSG_QUERY_DID_ACK",
        0x10 => "MSG_DEV_LGN",
        0x11 => "MSG_DEV_LGN_ACK",
        0x12 => "MSG_DEV_LGN_CRC",
        0x13 => "MSG_DEV_LGN_ACK_CRC",
        0x14 => "MSG_DEV_LGN_KEY",
        0x15 => "MSG_DEV_LGN_ACK_KEY",
        0x16 => "MSG_DEV_LGN_DSK",
        0x18 => "MSG_DEV_ONLINE_REQ",
        0x19 => "MSG_DEV_ONLINE_REQ_ACK",
        0x20 => "MSG_P2P_REQ",
        0x21 => "MSG_P2P_REQ_ACK",
        0x26 => "MSG_P2P_REQ_DSK",
        0x30 => "MSG_LAN_SEARCH",
        0x31 => "MSG_LAN_NOTIFY",
        0x32 => "MSG_LAN_SEARCH_EXT",
        0x33 => "MSG_LAN_SEARCH_EXT_ACK",
        0x40 => "MSG_PUNCH_TO",
        0x41 => "MSG_PUNCH_PKT",
        0x42 => "MSG_P2P_RDY",
        0x43 => "MSG_P2P_RDY_ACK",
        0x60 => "MSG_RS_LGN",
        0x61 => "MSG_RS_LGN_ACK",
        0x62 => "MSG_RS_LGN1",
        0x63 => "MSG_RS_LGN1_ACK",
        0x67 => "MSG_LIST_REQ1",
        0x68 => "MSG_LIST_REQ",
        0x69 => "MSG_LIST_REQ_ACK",
        0x6A => "MSG_LIST_REQ_DSK",
        0x70 => "MSG_RLY_HELLO",
        0x71 => "MSG_RLY_HELLO_ACK",
        0x72 => "MSG_RLY_PORT",
        0x73 => "MSG_RLY_PORT_ACK",
        0x74 => "MSG_RLY_PORT_KEY",
        0x75 => "MSG_RLY_PORT_ACK_KEY",
        0x78 => "MSG_RLY_BYTE_COUNT",
        0x80 => "MSG_RLY_REQ",
        0x81 => "MSG_RLY_REQ_ACK",
        0x82 => "MSG_RLY_TO",
        0x83 => "MSG_RLY_PKT",
        0x84 => "MSG_RLY_RDY",
        0x85 => "MSG_RLY_TO_ACK",
        0x87 => "MSG_RLY_SERVER_REQ",
        0x90 => "MSG_SDEV_RUN",
        0x91 => "MSG_SDEV_LGN",
        0x92 => "MSG_SDEV_LGN_CRC",
        0x93 => "MSG_SDEV_LGN_KEY",
        0x94 => "MSG_SDEV_REPORT",
        0xA0 => "MSG_CONNECT_REPORT",
        0xA1 => "MSG_REPORT_REQ",
        0xA2 => "MSG_REPORT",
        0xD0 => "MSG_DRW",
        0xD1 => "MSG_DRW_ACK",
        0xD8 => "MSG_PSR",
        0xE0 => "MSG_ALIVE",
        0xE1 => "MSG_ALIVE_ACK",
        0xF0 => "MSG_CLOSE",
        0xF4 => "MSG_MGM_DUMP_LOGIN_DID",
        0xF5 => "MSG_MGM_DUMP_LOGIN_DID_DETAIL",
        0xF6 => "MSG_MGM_DUMP_LOGIN_DID_1",
        0xF7 => "MSG_MGM_LOG_CONTROL",
        0xF8 => "MSG_MGM_REMOTE_MANAGEMENT",
        0xF9 => "MSG_REPORT_SESSION_READY",
        _ => "MSG_UNKNOWN",
    }
}

/// A DID exactly as it travels in PUNCH_PKT / P2P_RDY (20 bytes, see [`crate::proto::uid`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WireDid(pub [u8; DID_LEN]);

impl WireDid {
    /// Parses the DID into a [`crate::Uid`], if it is well-formed.
    pub fn to_uid(&self) -> Result<crate::Uid, crate::proto::uid::UidError> {
        crate::Uid::from_wire(&self.0)
    }
}

impl From<&crate::Uid> for WireDid {
    fn from(uid: &crate::Uid) -> Self {
        WireDid(uid.to_wire())
    }
}

impl fmt::Debug for WireDid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_uid() {
            Ok(uid) => write!(f, "WireDid({uid})"),
            Err(_) => write!(f, "WireDid({:02x?})", &self.0),
        }
    }
}

/// The index list of a DRW_ACK, borrowed from the datagram (u16 big-endian each).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AckIndexes<'a>(&'a [u8]);

impl<'a> AckIndexes<'a> {
    /// Number of indexes.
    pub fn len(&self) -> usize {
        self.0.len() / 2
    }
    /// True when the ACK carries no index.
    pub fn is_empty(&self) -> bool {
        self.0.len() < 2
    }
    /// Iterates the indexes in datagram order.
    pub fn iter(&self) -> impl Iterator<Item = u16> + 'a {
        self.0
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
    }
}

impl fmt::Debug for AckIndexes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// One decoded PPPP message, borrowing its payload from the datagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    /// MSG_HELLO (to a P2P server).
    Hello,
    /// MSG_LAN_SEARCH.
    LanSearch,
    /// MSG_LAN_SEARCH_EXT (iLnk).
    LanSearchExt,
    /// MSG_PUNCH_PKT with the sender's or target's DID.
    PunchPkt(WireDid),
    /// MSG_P2P_RDY with a DID.
    P2pRdy(WireDid),
    /// MSG_P2P_RDY_ACK (payload ignored).
    P2pRdyAck,
    /// MSG_ALIVE.
    Alive,
    /// MSG_ALIVE_ACK.
    AliveAck,
    /// MSG_CLOSE.
    Close,
    /// MSG_DRW: reliable data on a channel.
    Drw {
        /// Channel 0–7.
        channel: u8,
        /// Per-channel, per-direction packet index.
        index: u16,
        /// The data bytes (at most [`MAX_DRW_DATA`] when we send; anything when received).
        data: &'a [u8],
    },
    /// MSG_DRW_ACK: acknowledgement of DRW indexes on a channel.
    DrwAck {
        /// Channel 0–7.
        channel: u8,
        /// Acknowledged indexes.
        indexes: AckIndexes<'a>,
    },
    /// Any other message type, undecoded.
    Other {
        /// Message type byte.
        msg_type: u8,
        /// Payload selected by the length field.
        payload: &'a [u8],
    },
}

/// Why a datagram is not a PPPP message.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer than 4 bytes.
    #[error("datagram too short ({len} bytes, the header alone is 4)")]
    TooShort {
        /// Datagram length.
        len: usize,
    },
    /// The first byte is not 0xF1 (wrong PSK, or not PPPP at all).
    #[error("bad magic byte 0x{0:02x} (expected 0xf1: wrong PSK or not PPPP)")]
    BadMagic(u8),
    /// The length field promises more than the datagram holds.
    #[error("length field says {declared} payload bytes but only {available} arrived")]
    Truncated {
        /// Length field value.
        declared: usize,
        /// Bytes present after the header.
        available: usize,
    },
    /// The payload does not fit the message type.
    #[error("malformed {name} payload: {reason}")]
    BadPayload {
        /// Message type name.
        name: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
}

fn bad(t: u8, reason: &'static str) -> DecodeError {
    DecodeError::BadPayload {
        name: type_name(t),
        reason,
    }
}

/// Reads the header: `(type, payload)` with the payload cut to the length field.
pub fn split_header(dgram: &[u8]) -> Result<(u8, &[u8]), DecodeError> {
    if dgram.len() < HEADER_LEN {
        return Err(DecodeError::TooShort { len: dgram.len() });
    }
    if dgram[0] != MAGIC {
        return Err(DecodeError::BadMagic(dgram[0]));
    }
    let declared = u16::from_be_bytes([dgram[2], dgram[3]]) as usize;
    let available = dgram.len() - HEADER_LEN;
    if declared > available {
        return Err(DecodeError::Truncated {
            declared,
            available,
        });
    }
    Ok((dgram[1], &dgram[HEADER_LEN..HEADER_LEN + declared]))
}

fn did(t: u8, payload: &[u8]) -> Result<WireDid, DecodeError> {
    let bytes = payload
        .get(..DID_LEN)
        .ok_or_else(|| bad(t, "shorter than a 20-byte DID"))?;
    let mut out = [0u8; DID_LEN];
    out.copy_from_slice(bytes);
    Ok(WireDid(out))
}

/// Decodes one plaintext datagram. Never panics; surplus bytes after the declared payload
/// are ignored.
pub fn decode(dgram: &[u8]) -> Result<Message<'_>, DecodeError> {
    let (t, p) = split_header(dgram)?;
    Ok(match t {
        msg::HELLO => Message::Hello,
        msg::LAN_SEARCH => Message::LanSearch,
        msg::LAN_SEARCH_EXT => Message::LanSearchExt,
        msg::PUNCH_PKT => Message::PunchPkt(did(t, p)?),
        msg::P2P_RDY => Message::P2pRdy(did(t, p)?),
        msg::P2P_RDY_ACK => Message::P2pRdyAck,
        msg::ALIVE => Message::Alive,
        msg::ALIVE_ACK => Message::AliveAck,
        msg::CLOSE => Message::Close,
        msg::DRW => {
            let (channel, index, data) = drw_sub_header(t, p, "shorter than the DRW sub-header")?;
            Message::Drw {
                channel,
                index,
                data,
            }
        }
        msg::DRW_ACK => {
            let (channel, count, list) =
                drw_sub_header(t, p, "shorter than the DRW_ACK sub-header")?;
            let count = count as usize;
            if count * 2 > list.len() {
                return Err(bad(t, "index count larger than the payload"));
            }
            Message::DrwAck {
                channel,
                indexes: AckIndexes(&list[..count * 2]),
            }
        }
        _ => Message::Other {
            msg_type: t,
            payload: p,
        },
    })
}

/// Checks the sub-header that DRW and DRW_ACK share (marker, channel, a big-endian u16: the
/// index or the count); returns the channel, the u16 and what follows. `short` is the reason
/// given when `p` is too short for it.
fn drw_sub_header<'a>(
    t: u8,
    p: &'a [u8],
    short: &'static str,
) -> Result<(u8, u16, &'a [u8]), DecodeError> {
    if p.len() < DRW_HEADER_LEN {
        return Err(bad(t, short));
    }
    if p[0] != DRW_MARKER && p[0] != DRW_MARKER_ILNK {
        return Err(bad(t, "marker is neither 0xd1 nor 0xd2"));
    }
    if p[1] as usize >= CHANNELS {
        return Err(bad(t, "channel number above 7"));
    }
    Ok((p[1], u16::from_be_bytes([p[2], p[3]]), &p[DRW_HEADER_LEN..]))
}

fn put_header(out: &mut Vec<u8>, t: u8, len: usize) {
    debug_assert!(len <= u16::MAX as usize);
    // One allocation of the exact size for a fresh vector, not a few growing ones.
    out.reserve(HEADER_LEN + len);
    out.push(MAGIC);
    out.push(t);
    out.extend_from_slice(&(len as u16).to_be_bytes());
}

impl Message<'_> {
    /// The message type byte.
    pub fn msg_type(&self) -> u8 {
        match self {
            Message::Hello => msg::HELLO,
            Message::LanSearch => msg::LAN_SEARCH,
            Message::LanSearchExt => msg::LAN_SEARCH_EXT,
            Message::PunchPkt(_) => msg::PUNCH_PKT,
            Message::P2pRdy(_) => msg::P2P_RDY,
            Message::P2pRdyAck => msg::P2P_RDY_ACK,
            Message::Alive => msg::ALIVE,
            Message::AliveAck => msg::ALIVE_ACK,
            Message::Close => msg::CLOSE,
            Message::Drw { .. } => msg::DRW,
            Message::DrwAck { .. } => msg::DRW_ACK,
            Message::Other { msg_type, .. } => *msg_type,
        }
    }

    /// Appends the plaintext datagram to `out` with an exact length field.
    ///
    /// DRW data longer than 65531 bytes and DRW_ACKs with more than 32765 indexes cannot be
    /// expressed; callers never build them (they split at [`MAX_DRW_DATA`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Message::PunchPkt(d) | Message::P2pRdy(d) => {
                put_header(out, self.msg_type(), DID_LEN);
                out.extend_from_slice(&d.0);
            }
            Message::Drw {
                channel,
                index,
                data,
            } => {
                put_header(out, msg::DRW, DRW_HEADER_LEN + data.len());
                out.extend_from_slice(&[DRW_MARKER, *channel]);
                out.extend_from_slice(&index.to_be_bytes());
                out.extend_from_slice(data);
            }
            Message::DrwAck { channel, indexes } => {
                put_header(out, msg::DRW_ACK, DRW_HEADER_LEN + indexes.0.len());
                out.extend_from_slice(&[DRW_MARKER, *channel]);
                out.extend_from_slice(&(indexes.len() as u16).to_be_bytes());
                out.extend_from_slice(indexes.0);
            }
            Message::Other { msg_type, payload } => {
                put_header(out, *msg_type, payload.len());
                out.extend_from_slice(payload);
            }
            _ => put_header(out, self.msg_type(), 0),
        }
    }

    /// Encodes into a fresh vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

/// Builds a DRW datagram directly into `out` (avoids an intermediate borrow of the data).
pub fn encode_drw(out: &mut Vec<u8>, channel: u8, index: u16, data: &[u8]) {
    Message::Drw {
        channel,
        index,
        data,
    }
    .encode(out)
}

/// Builds a DRW_ACK datagram for `indexes` (callers keep the list at most
/// [`MAX_ACK_INDEXES`] long).
pub fn encode_drw_ack(out: &mut Vec<u8>, channel: u8, indexes: &[u16]) {
    put_header(out, msg::DRW_ACK, DRW_HEADER_LEN + indexes.len() * 2);
    out.extend_from_slice(&[DRW_MARKER, channel]);
    out.extend_from_slice(&(indexes.len() as u16).to_be_bytes());
    for i in indexes {
        out.extend_from_slice(&i.to_be_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surplus_bytes_are_ignored() {
        let d = hex("f14200144241544500000000000a8f61495552514d0000000000000000000000");
        match decode(&d).unwrap() {
            Message::P2pRdy(did) => {
                assert_eq!(did.to_uid().unwrap().to_string(), "BATE-692065-IURQM")
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn drw_ack_round_trip() {
        let mut v = Vec::new();
        encode_drw_ack(&mut v, 1, &[0x0652, 0x0653]);
        assert_eq!(v, hex("f1d10008d101000206520653"));
        match decode(&v).unwrap() {
            Message::DrwAck { channel, indexes } => {
                assert_eq!(channel, 1);
                assert_eq!(indexes.iter().collect::<Vec<_>>(), vec![0x0652, 0x0653]);
            }
            m => panic!("{m:?}"),
        }
    }

    #[test]
    fn d2_marker_accepted_and_bad_channel_rejected() {
        assert!(matches!(
            decode(&hex("f1d10006d20000010007")),
            Ok(Message::DrwAck { .. })
        ));
        assert!(decode(&hex("f1d00005d108000001")).is_err());
        assert!(decode(&hex("f1d1000ad10000050001")).is_err());
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
