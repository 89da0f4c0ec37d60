//! Known pre-shared keys by UID prefix and PSK auto-detection (docs/protocol.md §5.3).
//!
//! Cheap cameras encrypt their LAN traffic with a PSK chosen by the vendor, which is tied to the
//! UID prefix. [`KNOWN_PSKS`] lists the public ones; [`auto_candidates`] orders them for
//! detection and [`detect`] finds the one under which a received datagram decrypts to a
//! well-formed PPPP header.

use std::fmt;
use std::str::FromStr;

use crate::proto::cipher::Cipher;

/// One known PSK with the UID prefixes whose devices use it.
#[derive(Debug)]
pub struct KnownPsk {
    /// The PSK, exactly as the vendor library receives it.
    pub psk: &'static str,
    /// UID prefixes known to use this PSK (empty for the P2P-server PSK).
    pub prefixes: &'static [&'static str],
    /// Where the PSK is used, in a few words.
    pub note: &'static str,
}

/// Every PSK of docs/protocol.md §5.3, in the order auto-detection tries them after the prefix's own.
pub static KNOWN_PSKS: &[KnownPsk] = &[
    KnownPsk {
        psk: "camera",
        prefixes: &[
            "DGB", "DGHA", "DGHG", "DGKA", "DGKB", "DGKC", "DGOA", "DGOB", "DGOC", "DGOD", "DGOE",
            "DGOF", "DGOG", "DGOH", "DGOI", "DGOJ", "DGOK", "NMSA", "NMSB", "NMSZ", "PETA",
            "PETAA",
        ],
        note: "SHIX JSON cameras (vi365 / HDWiFiCam, A9 mini cameras)",
    },
    KnownPsk {
        psk: "SHIX",
        prefixes: &[
            "AAA", "ABC", "DDD", "EEE", "FFF", "HBW", "NNN", "PIXA", "PIXB", "PIXC", "PIXD",
            "XIAODOU",
        ],
        note: "SHIX JSON cameras of other vendors",
    },
    KnownPsk {
        psk: "@@@@....",
        prefixes: &["ACCQ", "ACCR", "ACCS", "BCCQ"],
        note: "vendor table of §5.3 (ACCQ: Little Stars cameras)",
    },
    KnownPsk {
        psk: "VMSV",
        prefixes: &["VMA", "VMP", "VMS", "VMV"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "FERRY@88",
        prefixes: &["FYIOT", "FYPPCS", "FYRTOS"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "mycamera",
        prefixes: &["PPIL", "PPLL", "PPSL"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "Deng123abc",
        prefixes: &["LIUX", "PIR", "TUT"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "Duncom",
        prefixes: &["DUNIOTA", "NANOIOT"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "JX20130716",
        prefixes: &["AYS", "XYX"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "hyWHzyhtzH",
        prefixes: &["THPC"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "JYDGAOZHANP2P",
        prefixes: &["JYDGZ"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "SZGMBESTER",
        prefixes: &["XGAK"],
        note: "vendor table of §5.3",
    },
    KnownPsk {
        psk: "vstarcam2018",
        prefixes: &["VE"],
        note: "VStarcam / Besder / O-KAM; VE is a family prefix (any prefix starting with VE)",
    },
    KnownPsk {
        psk: "vstarcam2019",
        prefixes: &["VSTJ", "VC0"],
        note: "newer VStarcam and O-KAM; family prefixes (any prefix starting with VSTJ or VC0)",
    },
    KnownPsk {
        psk: "SSD@cs2-network.",
        prefixes: &[],
        note: "traffic with the CS2 P2P servers (all vendors)",
    },
];

/// UID prefixes whose devices send their LAN traffic unencrypted (the "none" row of §5.3).
pub static PLAIN_PREFIXES: &[&str] = &[
    "AES", "ASH", "BRTC", "BRTD", "CTW", "ESN", "EST", "GBE", "HWAA", "ICB", "IKB", "JWEV", "KBC",
    "LAM", "MATE", "MEYE", "MIL", "OBJ", "OEMAAAA", "OEMAAAB", "OPCS", "PPCN", "PPCS", "PROCAM",
    "RTOS", "SPCN", "TSD", "VSTB", "VSTC", "WXH", "WXO", "XHA", "XLT", "ZSKJ",
];

/// Listed prefixes that stand for a whole family: they match every UID prefix starting with them.
const FAMILY_PREFIXES: &[&str] = &["VE", "VSTJ", "VC0"];

/// Looks a known PSK up by name: exact spelling first, then ignoring ASCII case.
pub fn find(name: &str) -> Option<&'static KnownPsk> {
    KNOWN_PSKS
        .iter()
        .find(|k| k.psk == name)
        .or_else(|| KNOWN_PSKS.iter().find(|k| k.psk.eq_ignore_ascii_case(name)))
}

/// The known PSKs used by devices with this UID prefix (case-insensitive), best match first.
///
/// A PSK matches when it lists the prefix exactly; the family entries `VE`, `VSTJ` and `VC0`
/// also match any prefix that starts with them. Exact matches come before family matches.
pub fn for_prefix(prefix: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = KNOWN_PSKS
        .iter()
        .filter(|k| k.prefixes.iter().any(|p| p.eq_ignore_ascii_case(prefix)))
        .map(|k| k.psk)
        .collect();
    for k in KNOWN_PSKS {
        let family = k
            .prefixes
            .iter()
            .any(|p| FAMILY_PREFIXES.contains(p) && starts_with_ignore_case(prefix, p));
        if family && !out.contains(&k.psk) {
            out.push(k.psk);
        }
    }
    out
}

/// True when devices with this UID prefix (case-insensitive) are known to send in the clear.
pub fn is_plain_prefix(prefix: &str) -> bool {
    PLAIN_PREFIXES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(prefix))
}

fn starts_with_ignore_case(s: &str, head: &str) -> bool {
    s.len() >= head.len() && s.as_bytes()[..head.len()].eq_ignore_ascii_case(head.as_bytes())
}

/// Why a PSK setting was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PskError {
    /// The name is neither a keyword nor a known PSK.
    #[error("unknown PSK {name:?}; known PSKs: {known} (or use custom:<psk> for another one)")]
    Unknown {
        /// The name as given.
        name: String,
        /// The known PSK names, comma-separated.
        known: String,
    },
    /// `custom:` was given without a PSK after it.
    #[error("empty custom PSK; use \"none\" for no encryption or custom:<psk> with a PSK")]
    EmptyCustom,
}

/// How a session picks its datagram cipher.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PskChoice {
    /// Detect the PSK from the device's replies (see [`auto_candidates`] and [`detect`]).
    Auto,
    /// No encryption.
    Plain,
    /// This PSK (a known one in its canonical spelling, or any custom string).
    Named(String),
}

impl PskChoice {
    /// Parses `auto`, `none` / `plain` / empty, a known PSK name (any case) or `custom:<psk>`.
    pub fn parse(s: &str) -> Result<PskChoice, PskError> {
        if s.eq_ignore_ascii_case("auto") {
            return Ok(PskChoice::Auto);
        }
        if s.is_empty() || s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("plain") {
            return Ok(PskChoice::Plain);
        }
        if let Some(custom) = s.strip_prefix("custom:") {
            if custom.is_empty() {
                return Err(PskError::EmptyCustom);
            }
            return Ok(PskChoice::Named(custom.to_owned()));
        }
        match find(s) {
            Some(known) => Ok(PskChoice::Named(known.psk.to_owned())),
            None => Err(PskError::Unknown {
                name: s.to_owned(),
                known: KNOWN_PSKS
                    .iter()
                    .map(|k| k.psk)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// The ciphers to try for a device with this UID prefix, in order.
    pub fn candidates(&self, prefix: Option<&str>) -> Vec<Cipher> {
        match self {
            PskChoice::Auto => auto_candidates(prefix),
            PskChoice::Plain => vec![Cipher::plain()],
            PskChoice::Named(psk) => vec![Cipher::from_psk(psk)],
        }
    }
}

impl FromStr for PskChoice {
    type Err = PskError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PskChoice::parse(s)
    }
}

impl fmt::Display for PskChoice {
    /// Writes a form that [`PskChoice::parse`] reads back: `auto`, `none`, a known name or
    /// `custom:<psk>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PskChoice::Auto => f.write_str("auto"),
            PskChoice::Plain => f.write_str("none"),
            PskChoice::Named(psk) if KNOWN_PSKS.iter().any(|k| k.psk == psk) => f.write_str(psk),
            PskChoice::Named(psk) => write!(f, "custom:{psk}"),
        }
    }
}

/// The ciphers to try, in order, when detecting the PSK of a device with this UID prefix:
/// plain first, then the prefix's PSKs, then every other known PSK (the server PSK last).
pub fn auto_candidates(prefix: Option<&str>) -> Vec<Cipher> {
    let mut names: Vec<&'static str> = prefix.map(for_prefix).unwrap_or_default();
    for k in KNOWN_PSKS {
        if !names.contains(&k.psk) {
            names.push(k.psk);
        }
    }
    std::iter::once(Cipher::plain())
        .chain(names.into_iter().map(Cipher::from_psk))
        .collect()
}

/// True when `plain` starts with a well-formed PPPP header: magic 0xF1, a known message type
/// and a big-endian length field no larger than the bytes that follow the header.
pub fn is_valid_header(plain: &[u8]) -> bool {
    match plain {
        [a, b, c, d, ..] => header_ok([*a, *b, *c, *d], plain.len()),
        _ => false,
    }
}

fn header_ok(header: [u8; 4], datagram_len: usize) -> bool {
    let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
    header[0] == 0xF1 && is_known_type(header[1]) && length <= datagram_len.saturating_sub(4)
}

fn is_known_type(t: u8) -> bool {
    matches!(
        t,
        0x00..=0x03
            | 0x08
            | 0x09
            | 0x10..=0x16
            | 0x18
            | 0x19
            | 0x20
            | 0x21
            | 0x26
            | 0x30..=0x33
            | 0x40..=0x43
            | 0x60..=0x63
            | 0x67..=0x6A
            | 0x70..=0x75
            | 0x78
            | 0x80..=0x85
            | 0x87
            | 0x90..=0x94
            | 0xA0..=0xA2
            | 0xD0
            | 0xD1
            | 0xD8
            | 0xE0
            | 0xE1
            | 0xF0
            | 0xF4..=0xF9
    )
}

/// Finds the first candidate under which `datagram` decrypts to a valid PPPP header
/// ([`is_valid_header`]); returns its index and the decrypted datagram.
pub fn detect(datagram: &[u8], candidates: &[Cipher]) -> Option<(usize, Vec<u8>)> {
    let head: [u8; 4] = datagram.get(..4)?.try_into().ok()?;
    candidates.iter().enumerate().find_map(|(i, cipher)| {
        // The cipher feeds back ciphertext only, so the header decrypts on its own.
        let mut h = head;
        cipher.decrypt(&mut h);
        header_ok(h, datagram.len()).then(|| (i, cipher.open(datagram)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(for_prefix("VE"), ["vstarcam2018"]);
        assert_eq!(for_prefix("VEXX"), ["vstarcam2018"]);
        assert_eq!(for_prefix("VSTJX"), ["vstarcam2019"]);
        assert_eq!(for_prefix("vc0"), ["vstarcam2019"]);
        assert!(for_prefix("VSTC").is_empty());
        assert!(for_prefix("V").is_empty());
        assert!(for_prefix("").is_empty());
        assert_eq!(for_prefix("dgoa"), ["camera"]);
    }

    #[test]
    fn short_datagrams_are_not_headers() {
        assert!(!is_valid_header(&[]));
        assert!(!is_valid_header(&[0xf1, 0x30, 0]));
        assert!(is_valid_header(&[0xf1, 0x30, 0, 0]));
        assert!(!is_valid_header(&[0xf1, 0x30, 0, 1]));
        assert!(!is_valid_header(&[0xf1, 0x04, 0, 0]));
        assert_eq!(detect(&[0xf1, 0x30, 0], &[Cipher::plain()]), None);
    }
}
