//! Init-string decoding, "PPPP_DecodeString" (docs/protocol.md §5.6).
//!
//! Vendor apps pass the CS2 library an *init string* that hides the list of P2P servers. This is
//! unrelated to the datagram cipher of [`crate::proto::cipher`]. Two styles exist:
//!
//! * **CS2**: `ENCODED[:PSK]` — `ENCODED` is pairs of capital letters; pair *i* gives
//!   x = (16·(c1−'A') + (c2−'A')) mod 256 and output byte *i* = x ⊕ T54\[i mod 54\] ⊕ 0x39 ⊕ (XOR of
//!   all previous output bytes). The output is a comma-separated host list; the PSK after `:` is
//!   in clear.
//! * **iLnk** (contains `-`): `ENCODED-SUFFIX` — pair *i* gives index = 26·(c1−'A') + (c2−'A') and
//!   character (index mod 0x5E) + 0x20. The output is `N;host;host;…` (count first).
//!
//! Newer apps may pass JSON such as `{"InitString":"…","MaxNumSess":5}`; [`decode`] accepts that
//! too and decodes the `InitString` member; [`parse_config`] also reads the session settings
//! of that form.

use std::time::Duration;

/// The 54-byte table of the CS2 style.
pub const CS2_TABLE: [u8; 54] = [
    0x49, 0x59, 0x43, 0x3d, 0xb5, 0xbf, 0x6d, 0xa3, 0x47, 0x53, 0x4f, 0x61, 0x65, 0xe3, 0x71, 0xe9,
    0x67, 0x7f, 0x02, 0x03, 0x0b, 0xad, 0xb3, 0x89, 0x2b, 0x2f, 0x35, 0xc1, 0x6b, 0x8b, 0x95, 0x97,
    0x11, 0xe5, 0xa7, 0x0d, 0xef, 0xf1, 0x05, 0x07, 0x83, 0xfb, 0x9d, 0x3b, 0xc5, 0xc7, 0x13, 0x17,
    0x1d, 0x1f, 0x25, 0x29, 0xd3, 0xdf,
];

/// Which obfuscation an init string uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InitStyle {
    /// CS2 Network: 54-byte table, comma-separated list, optional `:PSK`.
    Cs2,
    /// Shenzhen Yunni iLnk: base-26 pairs, `N;host;…` list, `-suffix`.
    Ilnk,
}

/// A decoded init string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitString {
    /// The P2P server hosts, in order, empty entries dropped.
    pub servers: Vec<String>,
    /// The datagram PSK given after `:` (CS2 style only).
    pub psk: Option<String>,
    /// The style that was detected.
    pub style: InitStyle,
}

/// Why an init string could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InitStringError {
    /// Nothing to decode.
    #[error("the init string is empty")]
    Empty,
    /// The encoded part has an odd number of letters.
    #[error(
        "the encoded part of the init string has an odd length ({len} letters); it must be \
         pairs of capital letters"
    )]
    OddLength {
        /// Number of characters in the encoded part.
        len: usize,
    },
    /// The encoded part contains something other than `A`–`Z`.
    #[error(
        "invalid character {ch:?} at position {position} of the init string; the encoded part \
         must be capital letters A-Z"
    )]
    BadChar {
        /// The offending character.
        ch: char,
        /// Its character position in the encoded part.
        position: usize,
    },
    /// A CS2-style string decoded to bytes that are not printable text.
    #[error(
        "the init string decodes to non-text byte 0x{byte:02x} at position {position}; it is \
         not a CS2 init string or uses another table"
    )]
    NotText {
        /// The decoded byte.
        byte: u8,
        /// Its position in the decoded output.
        position: usize,
    },
    /// An iLnk-style string did not start with the server count.
    #[error(
        "the iLnk init string decodes to {decoded:?}, which does not start with a server count"
    )]
    BadIlnkCount {
        /// The decoded text.
        decoded: String,
    },
    /// The JSON form could not be parsed.
    #[error("the init string looks like JSON but is not valid JSON: {0}")]
    Json(String),
    /// The JSON form has no `InitString` string member.
    #[error("the init string JSON has no string member \"InitString\"")]
    MissingJsonField,
}

/// Decodes an init string of either style, or the JSON form that carries one.
pub fn decode(init: &str) -> Result<InitString, InitStringError> {
    let text = init.trim();
    if text.starts_with('{') {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| InitStringError::Json(e.to_string()))?;
        let inner = value
            .get("InitString")
            .and_then(serde_json::Value::as_str)
            .ok_or(InitStringError::MissingJsonField)?;
        return decode_plain(inner.trim());
    }
    decode_plain(text)
}

/// What a PPCS init string or server string configures (`PPCS_Initialize`,
/// `PPCS_ConnectByServer`): `InitString[:P2PKey]`, or the JSON form
/// `{"InitString":…,"MaxNumSess":…,"SessAliveSec":…,"0x7X_Timeout":…}` (docs/protocol.md §5.6).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InitConfig {
    /// The P2P servers it names. A non-empty string that does not decode still names servers:
    /// one placeholder entry `<undecoded: …>` (never contacted; pppp has no server support).
    pub servers: Vec<String>,
    /// The datagram PSK after `:` (CS2 style).
    pub psk: Option<String>,
    /// `MaxNumSess` as given (the caller bounds it by what it can hold).
    pub max_sessions: Option<u64>,
    /// `SessAliveSec`, clamped to 6–30 s.
    pub alive: Option<Duration>,
    /// `0x7X_Timeout` (seconds, 0 ignored), at most an hour.
    pub timeout_7x: Option<Duration>,
}

/// Parses an init or server string: empty is no configuration, `{…}` must be valid JSON
/// (only that is an error), anything else is decoded as an init string.
pub fn parse_config(s: &str) -> Result<InitConfig, InitStringError> {
    let s = s.trim();
    let mut config = InitConfig::default();
    let plain = if s.starts_with('{') {
        let v: serde_json::Value =
            serde_json::from_str(s).map_err(|e| InitStringError::Json(e.to_string()))?;
        let num = |k: &str| v.get(k).and_then(serde_json::Value::as_u64);
        config.max_sessions = num("MaxNumSess");
        config.alive = num("SessAliveSec").map(|n| Duration::from_secs(n.clamp(6, 30)));
        config.timeout_7x = num("0x7X_Timeout")
            .filter(|n| *n > 0)
            .map(|n| Duration::from_secs(n.min(3600)));
        v.get("InitString")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("")
            .trim()
            .to_owned()
    } else {
        s.to_owned()
    };
    if !plain.is_empty() {
        match decode(&plain) {
            Ok(d) => {
                config.servers = d.servers;
                config.psk = d.psk;
            }
            Err(e) => {
                tracing::warn!("init string not decoded ({e}); it is kept as naming servers");
                config.servers = vec![format!("<undecoded: {e}>")];
            }
        }
    }
    Ok(config)
}

/// Decodes a non-JSON init string; the first `:` or `-` decides the style.
fn decode_plain(text: &str) -> Result<InitString, InitStringError> {
    if text.is_empty() {
        return Err(InitStringError::Empty);
    }
    match text.find([':', '-']) {
        Some(at) if text[at..].starts_with('-') => {
            let decoded = decode_ilnk_raw(&text[..at])?;
            let mut fields = decoded.split(';');
            let count_ok = fields
                .next()
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
            if !count_ok {
                return Err(InitStringError::BadIlnkCount { decoded });
            }
            Ok(InitString {
                servers: hosts(fields),
                psk: None,
                style: InitStyle::Ilnk,
            })
        }
        split => {
            let (encoded, psk) = match split {
                Some(at) => (&text[..at], Some(&text[at + 1..])),
                None => (text, None),
            };
            let decoded = decode_cs2_raw(encoded)?;
            Ok(InitString {
                servers: hosts(decoded.split(',')),
                psk: psk.filter(|p| !p.is_empty()).map(str::to_owned),
                style: InitStyle::Cs2,
            })
        }
    }
}

fn hosts<'a>(fields: impl Iterator<Item = &'a str>) -> Vec<String> {
    fields
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Checks that `encoded` is pairs of `A`–`Z` and yields each pair's two letter values (0–25).
fn letter_pairs(encoded: &str) -> Result<impl Iterator<Item = (u8, u8)> + '_, InitStringError> {
    if encoded.is_empty() {
        return Err(InitStringError::Empty);
    }
    if let Some((position, ch)) = encoded
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_uppercase())
    {
        return Err(InitStringError::BadChar { ch, position });
    }
    if !encoded.len().is_multiple_of(2) {
        return Err(InitStringError::OddLength { len: encoded.len() });
    }
    Ok(encoded
        .as_bytes()
        .chunks_exact(2)
        .map(|p| (p[0] - b'A', p[1] - b'A')))
}

/// Decodes the encoded part of a CS2-style init string (the text before `:`) to its raw text.
pub fn decode_cs2_raw(encoded: &str) -> Result<String, InitStringError> {
    let mut out = Vec::with_capacity(encoded.len() / 2);
    let mut running = 0u8;
    for (i, (hi, lo)) in letter_pairs(encoded)?.enumerate() {
        let x = hi.wrapping_mul(16).wrapping_add(lo);
        let byte = x ^ CS2_TABLE[i % CS2_TABLE.len()] ^ 0x39 ^ running;
        running ^= byte;
        out.push(byte);
    }
    // Tolerate C-string padding at the end.
    while out.last() == Some(&0) {
        out.pop();
    }
    if let Some(position) = out.iter().position(|b| !(0x20..=0x7e).contains(b)) {
        return Err(InitStringError::NotText {
            byte: out[position],
            position,
        });
    }
    Ok(out.into_iter().map(char::from).collect())
}

/// Decodes the encoded part of an iLnk-style init string (the text before `-`) to its raw text.
pub fn decode_ilnk_raw(encoded: &str) -> Result<String, InitStringError> {
    Ok(letter_pairs(encoded)?
        .map(|(hi, lo)| {
            let index = 26 * u32::from(hi) + u32::from(lo);
            // index % 0x5E + 0x20 is at most 0x7D, always a printable ASCII character.
            char::from(b' ' + (index % 0x5E) as u8)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert_eq!(decode(""), Err(InitStringError::Empty));
        assert_eq!(decode("ABC"), Err(InitStringError::OddLength { len: 3 }));
        assert_eq!(
            decode("ABcD"),
            Err(InitStringError::BadChar {
                ch: 'c',
                position: 2
            })
        );
        assert_eq!(decode(":camera"), Err(InitStringError::Empty));
        assert_eq!(decode("{}"), Err(InitStringError::MissingJsonField));
        assert!(matches!(decode("{"), Err(InitStringError::Json(_))));
        assert!(matches!(
            decode("AAAA-$$"),
            Err(InitStringError::BadIlnkCount { .. })
        ));
    }

    #[test]
    fn config_strings() {
        assert_eq!(parse_config("  "), Ok(InitConfig::default()));
        let c = parse_config(r#"{"MaxNumSess":2000,"SessAliveSec":1,"0x7X_Timeout":4}"#).unwrap();
        assert_eq!(c.max_sessions, Some(2000));
        assert_eq!(c.alive, Some(Duration::from_secs(6)));
        assert_eq!(c.timeout_7x, Some(Duration::from_secs(4)));
        assert!(c.servers.is_empty());
        let c = parse_config(r#"{"SessAliveSec":99,"0x7X_Timeout":0}"#).unwrap();
        assert_eq!(c.alive, Some(Duration::from_secs(30)));
        assert_eq!(c.timeout_7x, None);
        assert!(matches!(
            parse_config("{not json"),
            Err(InitStringError::Json(_))
        ));
        // Something that is no init string still counts as naming servers.
        let c = parse_config("abc").unwrap();
        assert_eq!(c.servers.len(), 1);
        assert!(c.servers[0].starts_with("<undecoded: "));
    }
}
