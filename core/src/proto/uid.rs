//! Device identifiers (UID / DID): text form and 20-byte wire form (docs/protocol.md §2.1).
//!
//! A UID such as `DGOA-933765-NDBND` has three parts: a vendor prefix, a serial number and a
//! check code. On the wire it is 20 bytes: the prefix NUL-padded to 8 bytes, the serial as a
//! big-endian `u32`, the check code NUL-padded to 8 bytes.
//!
//! Rules used by this crate: prefix and check code are 1–7 letters `A`–`Z`; the serial is a
//! decimal number that fits in a `u32`. The canonical text form is `PREFIX-NNNNNN-CHECK` with the
//! serial zero-padded to at least 6 digits. [`Uid::parse`] also accepts lower case, surrounding
//! whitespace, unpadded serials and the compact form without dashes (`DGOA933765NDBND`);
//! [`Uid::parse_strict`] accepts only the canonical form.

use std::fmt;
use std::str::FromStr;

/// Size of a DID on the wire.
pub const WIRE_LEN: usize = 20;

/// Maximum number of letters in the prefix or the check code.
pub const MAX_PART_LEN: usize = 7;

/// Longest input echoed back in an error message (in characters).
const MAX_ECHO: usize = 64;

/// Why a UID was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UidError {
    /// The prefix is empty or longer than 7 characters.
    #[error("invalid UID {input:?}: the prefix must be 1-7 letters A-Z, got {len} characters")]
    BadPrefixLength {
        /// The rejected input.
        input: String,
        /// Length of the prefix.
        len: usize,
    },
    /// The prefix contains something other than `A`–`Z`.
    #[error("invalid UID {input:?}: the prefix must be 1-7 letters A-Z")]
    BadPrefixChars {
        /// The rejected input.
        input: String,
    },
    /// The serial contains something other than decimal digits.
    #[error("invalid UID {input:?}: the serial must be decimal digits")]
    NonNumericSerial {
        /// The rejected input.
        input: String,
    },
    /// The serial is empty.
    #[error("invalid UID {input:?}: the serial is empty")]
    EmptySerial {
        /// The rejected input.
        input: String,
    },
    /// The serial is larger than 4294967295.
    #[error("invalid UID {input:?}: the serial does not fit in 32 bits (at most 4294967295)")]
    SerialOverflow {
        /// The rejected input.
        input: String,
    },
    /// Strict form only: the serial is not zero-padded to exactly 6 digits (or has extra
    /// leading zeros).
    #[error(
        "invalid UID {input:?}: the serial must be written with exactly 6 digits \
         (zero-padded), or without leading zeros when above 999999"
    )]
    BadSerialWidth {
        /// The rejected input.
        input: String,
    },
    /// The check code is empty or longer than 7 characters.
    #[error("invalid UID {input:?}: the check code must be 1-7 letters A-Z, got {len} characters")]
    BadCheckLength {
        /// The rejected input.
        input: String,
        /// Length of the check code.
        len: usize,
    },
    /// The check code contains something other than `A`–`Z`.
    #[error("invalid UID {input:?}: the check code must be 1-7 letters A-Z")]
    BadCheckChars {
        /// The rejected input.
        input: String,
    },
    /// The text does not have exactly three dash-separated parts.
    #[error(
        "invalid UID {input:?}: expected PREFIX-SERIAL-CHECK (3 dash-separated parts), got {parts}"
    )]
    BadPartCount {
        /// The rejected input.
        input: String,
        /// Number of dash-separated parts found.
        parts: usize,
    },
    /// The form without dashes is not letters, then digits, then letters.
    #[error(
        "invalid UID {input:?}: without dashes a UID must be letters, then digits, then letters \
         (like DGOA933765NDBND)"
    )]
    BadCompactForm {
        /// The rejected input.
        input: String,
    },
    /// The text contains non-ASCII characters.
    #[error("invalid UID {input:?}: a UID must be ASCII")]
    NonAscii {
        /// The rejected input.
        input: String,
    },
    /// The 20-byte wire form is malformed.
    #[error("invalid DID on the wire: {reason}")]
    BadWire {
        /// What is wrong with the bytes.
        reason: String,
    },
}

impl UidError {
    /// A stable machine-readable code for the reason (the `reason_code` of `uid.json`, plus
    /// `bad_serial_width` and `bad_wire`).
    pub fn code(&self) -> &'static str {
        match self {
            UidError::BadPrefixLength { .. } => "bad_prefix_length",
            UidError::BadPrefixChars { .. } => "bad_prefix_chars",
            UidError::NonNumericSerial { .. } => "non_numeric_serial",
            UidError::EmptySerial { .. } => "empty_serial",
            UidError::SerialOverflow { .. } => "serial_overflow",
            UidError::BadSerialWidth { .. } => "bad_serial_width",
            UidError::BadCheckLength { .. } => "bad_check_length",
            UidError::BadCheckChars { .. } => "bad_check_chars",
            UidError::BadPartCount { .. } => "bad_part_count",
            UidError::BadCompactForm { .. } => "bad_compact_form",
            UidError::NonAscii { .. } => "non_ascii",
            UidError::BadWire { .. } => "bad_wire",
        }
    }
}

/// A device identifier: prefix, serial and check code.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Uid {
    prefix: String,
    serial: u32,
    check: String,
}

impl Uid {
    /// Parses a UID leniently: surrounding whitespace and lower case are accepted, the serial
    /// may have any number of digits, and the dashes may be left out (`BATD156362WONJM`).
    pub fn parse(s: &str) -> Result<Uid, UidError> {
        let text = s.trim();
        if !text.is_ascii() {
            return Err(UidError::NonAscii { input: echo(s) });
        }
        let upper = text.to_ascii_uppercase();
        if upper.contains('-') {
            let (prefix, serial, check) = split_dashed(&upper, s)?;
            build(prefix, serial, check, false, s)
        } else {
            let (prefix, serial, check) = split_compact(&upper, s)?;
            build(prefix, serial, check, false, s)
        }
    }

    /// Parses the canonical form only: `PREFIX-NNNNNN-CHECK` in upper case, the serial with
    /// exactly 6 digits (more only when it is above 999999), no whitespace.
    pub fn parse_strict(s: &str) -> Result<Uid, UidError> {
        if !s.is_ascii() {
            return Err(UidError::NonAscii { input: echo(s) });
        }
        let (prefix, serial, check) = split_dashed(s, s)?;
        build(prefix, serial, check, true, s)
    }

    /// Builds a UID from its parts; prefix and check code must be 1–7 letters `A`–`Z`.
    pub fn new(prefix: &str, serial: u32, check: &str) -> Result<Uid, UidError> {
        let input = format!("{prefix}-{serial:06}-{check}");
        check_letters(prefix, Part::Prefix, &input)?;
        check_letters(check, Part::Check, &input)?;
        Ok(Uid {
            prefix: prefix.to_owned(),
            serial,
            check: check.to_owned(),
        })
    }

    /// The vendor prefix, e.g. `DGOA`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The serial number.
    pub fn serial(&self) -> u32 {
        self.serial
    }

    /// The check code, e.g. `NDBND`.
    pub fn check(&self) -> &str {
        &self.check
    }

    /// The 20-byte wire form: prefix (NUL-padded to 8) · serial u32 BE · check (NUL-padded to 8).
    pub fn to_wire(&self) -> [u8; WIRE_LEN] {
        let mut out = [0u8; WIRE_LEN];
        // Both parts are at most 7 bytes by construction; `zip` keeps this panic-free anyway.
        for (dst, src) in out[..MAX_PART_LEN].iter_mut().zip(self.prefix.bytes()) {
            *dst = src;
        }
        out[8..12].copy_from_slice(&self.serial.to_be_bytes());
        for (dst, src) in out[12..12 + MAX_PART_LEN]
            .iter_mut()
            .zip(self.check.bytes())
        {
            *dst = src;
        }
        out
    }

    /// Reads the wire form from the first 20 bytes of `b`.
    ///
    /// Each text field ends at its first NUL; lower-case letters are accepted and upper-cased,
    /// anything else that is not a letter is rejected.
    pub fn from_wire(b: &[u8]) -> Result<Uid, UidError> {
        let Some(did) = b.get(..WIRE_LEN) else {
            return Err(UidError::BadWire {
                reason: format!("a DID needs {WIRE_LEN} bytes, got {}", b.len()),
            });
        };
        let prefix = wire_text(&did[..8], "prefix")?;
        let serial = u32::from_be_bytes([did[8], did[9], did[10], did[11]]);
        let check = wire_text(&did[12..], "check code")?;
        Ok(Uid {
            prefix,
            serial,
            check,
        })
    }
}

impl fmt::Display for Uid {
    /// Writes the canonical form `PREFIX-NNNNNN-CHECK`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:06}-{}", self.prefix, self.serial, self.check)
    }
}

impl FromStr for Uid {
    type Err = UidError;

    /// Same as [`Uid::parse`] (lenient).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uid::parse(s)
    }
}

impl TryFrom<String> for Uid {
    type Error = UidError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uid::parse(&s)
    }
}

impl TryFrom<&str> for Uid {
    type Error = UidError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Uid::parse(s)
    }
}

impl From<Uid> for String {
    fn from(uid: Uid) -> Self {
        uid.to_string()
    }
}

#[derive(Clone, Copy)]
enum Part {
    Prefix,
    Check,
}

/// The input for an error message, shortened when very long.
fn echo(s: &str) -> String {
    match s.char_indices().nth(MAX_ECHO) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_owned(),
    }
}

/// Splits `PREFIX-SERIAL-CHECK`; `input` is the original text for error messages.
fn split_dashed<'a>(text: &'a str, input: &str) -> Result<(&'a str, &'a str, &'a str), UidError> {
    let mut parts = text.split('-');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(prefix), Some(serial), Some(check), None) => Ok((prefix, serial, check)),
        _ => Err(UidError::BadPartCount {
            input: echo(input),
            parts: text.split('-').count(),
        }),
    }
}

/// Splits the compact form `LETTERS DIGITS LETTERS`.
fn split_compact<'a>(text: &'a str, input: &str) -> Result<(&'a str, &'a str, &'a str), UidError> {
    let bytes = text.as_bytes();
    let prefix_end = bytes
        .iter()
        .position(|b| !b.is_ascii_alphabetic())
        .unwrap_or(bytes.len());
    let serial_end = prefix_end
        + bytes[prefix_end..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(bytes.len() - prefix_end);
    let rest = &bytes[serial_end..];
    let ok = prefix_end > 0
        && serial_end > prefix_end
        && !rest.is_empty()
        && rest.iter().all(u8::is_ascii_alphabetic);
    if !ok {
        return Err(UidError::BadCompactForm { input: echo(input) });
    }
    Ok((
        &text[..prefix_end],
        &text[prefix_end..serial_end],
        &text[serial_end..],
    ))
}

fn check_letters(part: &str, which: Part, input: &str) -> Result<(), UidError> {
    let len = part.chars().count();
    if len == 0 || len > MAX_PART_LEN {
        let input = echo(input);
        return Err(match which {
            Part::Prefix => UidError::BadPrefixLength { input, len },
            Part::Check => UidError::BadCheckLength { input, len },
        });
    }
    if !part.bytes().all(|b| b.is_ascii_uppercase()) {
        let input = echo(input);
        return Err(match which {
            Part::Prefix => UidError::BadPrefixChars { input },
            Part::Check => UidError::BadCheckChars { input },
        });
    }
    Ok(())
}

fn parse_serial(text: &str, strict: bool, input: &str) -> Result<u32, UidError> {
    if text.is_empty() {
        return Err(UidError::EmptySerial { input: echo(input) });
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(UidError::NonNumericSerial { input: echo(input) });
    }
    let mut value: u32 = 0;
    for digit in text.bytes() {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(digit - b'0')))
            .ok_or_else(|| UidError::SerialOverflow { input: echo(input) })?;
    }
    if strict {
        // Canonical width: 6 digits, more only when needed (no leading zeros then).
        let canonical_len = if value > 999_999 {
            value.to_string().len()
        } else {
            6
        };
        if text.len() != canonical_len {
            return Err(UidError::BadSerialWidth { input: echo(input) });
        }
    }
    Ok(value)
}

fn build(
    prefix: &str,
    serial: &str,
    check: &str,
    strict: bool,
    input: &str,
) -> Result<Uid, UidError> {
    check_letters(prefix, Part::Prefix, input)?;
    let serial = parse_serial(serial, strict, input)?;
    check_letters(check, Part::Check, input)?;
    Ok(Uid {
        prefix: prefix.to_owned(),
        serial,
        check: check.to_owned(),
    })
}

/// Reads a NUL-padded letter field of the wire form.
fn wire_text(field: &[u8], what: &str) -> Result<String, UidError> {
    let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
    let text = &field[..end];
    if text.is_empty() {
        return Err(UidError::BadWire {
            reason: format!("the {what} field is empty"),
        });
    }
    if text.len() > MAX_PART_LEN {
        return Err(UidError::BadWire {
            reason: format!(
                "the {what} field has no NUL terminator within {} bytes",
                field.len()
            ),
        });
    }
    if let Some(bad) = text.iter().find(|b| !b.is_ascii_alphabetic()) {
        return Err(UidError::BadWire {
            reason: format!("the {what} field contains byte 0x{bad:02x}, not a letter A-Z"),
        });
    }
    Ok(text
        .iter()
        .map(|b| char::from(b.to_ascii_uppercase()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_format() {
        let err = Uid::parse("AB1D-123456-EFGHJ").unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid UID \"AB1D-123456-EFGHJ\": the prefix must be 1-7 letters A-Z"
        );
        assert_eq!(err.code(), "bad_prefix_chars");
    }

    #[test]
    fn long_input_is_shortened_in_errors() {
        let long = "A".repeat(1000);
        let err = Uid::parse(&long).unwrap_err();
        assert_eq!(err.code(), "bad_compact_form");
        assert!(err.to_string().len() < 200);
    }

    #[test]
    fn strict_serial_width() {
        assert!(Uid::parse_strict("ABCD-0123456-EFGHJ").is_err());
        assert!(Uid::parse_strict("ABCD-12345-EFGHJ").is_err());
        assert!(Uid::parse_strict("ABCD-1234567-EFGHJ").is_ok());
        assert_eq!(
            Uid::parse("ABCD-0000000001-EFGHJ").unwrap().to_string(),
            "ABCD-000001-EFGHJ"
        );
    }

    #[test]
    fn serde_is_the_canonical_string() {
        let uid = Uid::parse("dgoa933765ndbnd").unwrap();
        let json = serde_json::to_string(&uid).unwrap();
        assert_eq!(json, "\"DGOA-933765-NDBND\"");
        let back: Uid = serde_json::from_str(&json).unwrap();
        assert_eq!(back, uid);
        assert!(serde_json::from_str::<Uid>("\"nope\"").is_err());
    }
}
