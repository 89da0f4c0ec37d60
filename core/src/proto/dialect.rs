//! The three application dialects spoken on channel 0 (PROTOCOL.md §4) and how the one a camera
//! speaks is chosen: a user override, the UID prefix table below, or probing (a login attempt per
//! dialect).
//!
//! Nothing in PPPP itself tells the dialect (PROTOCOL.md §4.5): it is a property of the
//! manufacturer's firmware, which is tied to the UID prefix. The table maps the prefixes the
//! research notes tie to a dialect:
//!
//! | dialect | prefixes | evidence |
//! |---|---|---|
//! | SHIX JSON | `DG…` (DGOA, DGOC, DGOD, DGOG, DGOK …), `PIXA`–`PIXD`, `EEE` | §4.1 "DGxx, PIXA, EEE"; §8.1 verified on DGOA/DGOC/DGOD/DGOK; NOTES (EEE, DGOG) |
//! | SHIX JSON | `AAA`, `ABC`, `DDD`, `FFF`, `HBW`, `NNN`, `XIAODOU` | §5.3: these use the PSK named `SHIX` |
//! | VStarcam CGI | `VST…` (VSTA, VSTB, VSTC, VSTH, VSTJ …), `VE…`, `VC0…`, `OBJ` | §4.3, §5.3 (VE/VSTJ/VC0 PSKs, the real VSTH camera of B6), VSC sample status `deviceid="OBJ-…"` |
//! | iLnk binary | `BAT…` (BATC, BATD, BATE), `FTY…`, `PTZ…`, `XHA` | §4.1 "BATx, FTYx, PTZx"; §5.3 "CR's XHA camera is iLnk" |
//!
//! Families (a prefix followed by more letters, `VST`, `VE`, `VC0`, `DG`, `BAT`, `FTY`, `PTZ`) match
//! any prefix starting with them; the others match exactly. A prefix in no row (`PPCS` and other
//! generic CS2 prefixes are used by several vendors) is probed: a SHIX login first, then CGI,
//! then binary (see [`crate::proto::controller`]). A prefix hit is a hint, not a verdict: when the
//! camera does not answer the login in that dialect, the other two are probed too.

use std::fmt;
use std::str::FromStr;

/// A channel-0 application dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// SHIX JSON blocks `06 0a a0 80` (vi365, HDWiFiCam Pro, LookCam …).
    Shix,
    /// VStarcam CGI text blocks `01 0a` (VStarcam, Eye4, O-KAM).
    Cgi,
    /// iLnk binary blocks `11 0a` (YsxLite, FtyCamPro).
    Binary,
}

impl Dialect {
    /// All dialects, in probing order.
    pub const ALL: [Dialect; 3] = [Dialect::Shix, Dialect::Cgi, Dialect::Binary];

    /// The lower-case name used on the command line and in replies (`shix`, `cgi`, `binary`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Shix => "shix",
            Dialect::Cgi => "cgi",
            Dialect::Binary => "binary",
        }
    }

    /// The block kind of this dialect.
    pub fn block_kind(self) -> crate::proto::command::BlockKind {
        use crate::proto::command::BlockKind;
        match self {
            Dialect::Shix => BlockKind::Shix,
            Dialect::Cgi => BlockKind::Cgi,
            Dialect::Binary => BlockKind::Binary,
        }
    }

    /// The dialect of a block kind.
    pub fn of_block(kind: crate::proto::command::BlockKind) -> Dialect {
        use crate::proto::command::BlockKind;
        match kind {
            BlockKind::Shix => Dialect::Shix,
            BlockKind::Cgi => Dialect::Cgi,
            BlockKind::Binary => Dialect::Binary,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dialect name that is not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect {0:?} (expected auto, shix, cgi or binary)")]
pub struct UnknownDialect(pub String);

impl FromStr for Dialect {
    type Err = UnknownDialect;
    /// `shix` (alias `json`), `cgi` (alias `vstarcam`), `binary` (alias `ilnk`); any case.
    fn from_str(s: &str) -> Result<Dialect, UnknownDialect> {
        match s.trim().to_ascii_lowercase().as_str() {
            "shix" | "json" => Ok(Dialect::Shix),
            "cgi" | "vstarcam" => Ok(Dialect::Cgi),
            "binary" | "ilnk" => Ok(Dialect::Binary),
            _ => Err(UnknownDialect(s.to_owned())),
        }
    }
}

/// Which dialect a controller uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum DialectChoice {
    /// The prefix table, then probing.
    #[default]
    Auto,
    /// Exactly this one (no probing; a camera that does not answer it is an error).
    Fixed(Dialect),
}

impl DialectChoice {
    /// Parses `auto` or a dialect name.
    pub fn parse(s: &str) -> Result<DialectChoice, UnknownDialect> {
        if s.trim().eq_ignore_ascii_case("auto") {
            Ok(DialectChoice::Auto)
        } else {
            s.parse().map(DialectChoice::Fixed)
        }
    }
}

impl FromStr for DialectChoice {
    type Err = UnknownDialect;
    fn from_str(s: &str) -> Result<DialectChoice, UnknownDialect> {
        DialectChoice::parse(s)
    }
}

impl fmt::Display for DialectChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DialectChoice::Auto => f.write_str("auto"),
            DialectChoice::Fixed(d) => d.fmt(f),
        }
    }
}

/// How the dialect in use was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DialectSource {
    /// The user chose it.
    Configured,
    /// The UID prefix table.
    Prefix,
    /// A login attempt in that dialect was answered.
    Probed,
}

impl fmt::Display for DialectSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DialectSource::Configured => "configured",
            DialectSource::Prefix => "UID prefix",
            DialectSource::Probed => "probed",
        })
    }
}

/// `(prefix, is_family, dialect)`: a family entry matches any prefix starting with it.
const PREFIXES: &[(&str, bool, Dialect)] = &[
    ("DG", true, Dialect::Shix),
    ("PIXA", false, Dialect::Shix),
    ("PIXB", false, Dialect::Shix),
    ("PIXC", false, Dialect::Shix),
    ("PIXD", false, Dialect::Shix),
    ("EEE", false, Dialect::Shix),
    ("AAA", false, Dialect::Shix),
    ("ABC", false, Dialect::Shix),
    ("DDD", false, Dialect::Shix),
    ("FFF", false, Dialect::Shix),
    ("HBW", false, Dialect::Shix),
    ("NNN", false, Dialect::Shix),
    ("XIAODOU", false, Dialect::Shix),
    ("VST", true, Dialect::Cgi),
    ("VE", true, Dialect::Cgi),
    ("VC0", true, Dialect::Cgi),
    ("OBJ", false, Dialect::Cgi),
    ("BAT", true, Dialect::Binary),
    ("FTY", true, Dialect::Binary),
    ("PTZ", true, Dialect::Binary),
    ("XHA", false, Dialect::Binary),
];

/// The dialect the UID prefix table gives for `prefix` (case-insensitive), if any.
pub fn for_prefix(prefix: &str) -> Option<Dialect> {
    let p = prefix.to_ascii_uppercase();
    PREFIXES
        .iter()
        .find(|(q, _, _)| *q == p)
        .or_else(|| {
            PREFIXES
                .iter()
                .filter(|(_, family, _)| *family)
                .find(|(q, _, _)| p.starts_with(q))
        })
        .map(|(_, _, d)| *d)
}

/// The order in which dialects are tried for a camera: the `first` one (from the
/// configuration or the prefix table) and then the rest in [`Dialect::ALL`] order. A fixed
/// choice tries only that one.
pub fn probe_order(choice: DialectChoice, prefix: &str) -> (Vec<Dialect>, DialectSource) {
    match choice {
        DialectChoice::Fixed(d) => (vec![d], DialectSource::Configured),
        DialectChoice::Auto => match for_prefix(prefix) {
            Some(d) => {
                let mut v = vec![d];
                v.extend(Dialect::ALL.into_iter().filter(|x| *x != d));
                (v, DialectSource::Prefix)
            }
            None => (Dialect::ALL.to_vec(), DialectSource::Probed),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_table() {
        assert_eq!(for_prefix("DGOA"), Some(Dialect::Shix));
        assert_eq!(for_prefix("dgok"), Some(Dialect::Shix));
        assert_eq!(for_prefix("PIXA"), Some(Dialect::Shix));
        assert_eq!(for_prefix("VSTC"), Some(Dialect::Cgi));
        assert_eq!(for_prefix("VSTH"), Some(Dialect::Cgi));
        assert_eq!(for_prefix("VEAB"), Some(Dialect::Cgi));
        assert_eq!(for_prefix("BATD"), Some(Dialect::Binary));
        assert_eq!(for_prefix("XHA"), Some(Dialect::Binary));
        assert_eq!(for_prefix("XHAB"), None);
        assert_eq!(for_prefix("QQQZ"), None);
        assert_eq!(for_prefix("PPCS"), None);
    }

    #[test]
    fn parse_names() {
        assert_eq!("CGI".parse::<Dialect>(), Ok(Dialect::Cgi));
        assert_eq!("ilnk".parse::<Dialect>(), Ok(Dialect::Binary));
        assert_eq!(DialectChoice::parse("auto"), Ok(DialectChoice::Auto));
        assert_eq!(
            DialectChoice::parse("shix"),
            Ok(DialectChoice::Fixed(Dialect::Shix))
        );
        let e = DialectChoice::parse("xml").unwrap_err();
        assert!(e.to_string().contains("expected auto, shix, cgi or binary"));
    }

    #[test]
    fn order() {
        let (o, s) = probe_order(DialectChoice::Auto, "VSTC");
        assert_eq!(o, [Dialect::Cgi, Dialect::Shix, Dialect::Binary]);
        assert_eq!(s, DialectSource::Prefix);
        let (o, s) = probe_order(DialectChoice::Auto, "QQQZ");
        assert_eq!(o, Dialect::ALL);
        assert_eq!(s, DialectSource::Probed);
        let (o, _) = probe_order(DialectChoice::Fixed(Dialect::Binary), "DGOA");
        assert_eq!(o, [Dialect::Binary]);
    }
}
