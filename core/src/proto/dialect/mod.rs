//! The application dialects spoken on channel 0 (docs/protocol.md §4), one file each, and how
//! the one a camera speaks is chosen: a user override, the UID prefix tables, or probing (a
//! login attempt per dialect).
//!
//! ## One place per dialect
//!
//! A dialect is a type implementing [`DialectRules`], in its own file: [`shix`] (SHIX JSON),
//! [`cgi`] (VStarcam CGI) and [`binary`] (iLnk binary). It holds everything the controller
//! needs to know about that dialect: the start code and length field of its channel-0 blocks,
//! the UID prefixes that name it, how it logs in, how it encodes a request and plans a typed
//! [`Op`], how it reads a reply and matches it to the request it answers, and how the typed
//! results ([`Params`], [`WifiNetwork`]s, [`SdInfo`]) come out of its replies. The controller,
//! the supervisor, the operation table and the dissector only go through the trait, and the
//! byte formats are the codecs ([`crate::proto::shix`], [`crate::proto::cgi`],
//! [`crate::proto::ilnk`]) shared with the emulator.
//!
//! **Adding a fourth dialect touches one new file (its [`DialectRules`]) and one registration
//! line (in the `dialects!` list below)**: login, probing, typed operations, reply matching,
//! typed results, the operation table's dialect lists and the dissector follow. Extras a
//! dialect may want besides are not required: a raw-request method of its own (as
//! [`crate::proto::controller::Controller::cgi`] is CGI's), and the fake camera's side of it
//! in the emulator ([`crate::sim`]).
//!
//! ## Choosing the dialect
//!
//! Nothing in PPPP itself tells the dialect (docs/protocol.md §4.5): it is a property of the
//! manufacturer's firmware, which is tied to the UID prefix. Each dialect lists the prefixes
//! the research notes tie to it ([`Identity::prefixes`], with the evidence next to them).
//! A family entry (`VST`, `DG`, `BAT` …) matches any prefix starting with it; the others match
//! exactly. A prefix in no list (`PPCS` and other generic CS2 prefixes are used by several
//! vendors) is probed: a login in each dialect in [`Dialect::ALL`] order (see
//! [`crate::proto::controller`]). A prefix hit is a hint, not a verdict: when the camera does
//! not answer the login in that dialect, the others are probed too.

pub mod binary;
pub mod cgi;
mod reply;
pub mod shix;

use std::fmt;
use std::str::FromStr;

use serde_json::Value;

pub use reply::Reply;

use crate::proto::command::{Block, HEADER_LEN};
use crate::proto::controller::ControllerError;
use crate::proto::ops::{Op, Params, PtzDirection, SdInfo, WifiNetwork};
use crate::proto::shix::Family;

/// Declares the dialects: each line is a [`Dialect`] variant and the type of its rules. The
/// order is the probing order.
macro_rules! dialects {
    ($($(#[$doc:meta])* $variant:ident => $rules:path,)*) => {
        /// A channel-0 application dialect (also the kind of a channel-0 block: its start code
        /// names the dialect).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "lowercase")]
        pub enum Dialect {
            $($(#[$doc])* $variant,)*
        }

        impl Dialect {
            /// All dialects, in probing order.
            pub const ALL: [Dialect; [$(stringify!($variant)),*].len()] = [$(Dialect::$variant),*];

            /// What this dialect is made of.
            pub fn rules(self) -> &'static dyn DialectRules {
                match self {
                    $(Dialect::$variant => &$rules,)*
                }
            }
        }
    };
}

dialects! {
    /// SHIX JSON blocks `06 0a a0 80` (vi365, HDWiFiCam Pro, LookCam …).
    Shix => shix::Shix,
    /// VStarcam CGI text blocks `01 0a` (VStarcam, Eye4, O-KAM).
    Cgi => cgi::Cgi,
    /// iLnk binary blocks `11 0a` (YsxLite, FtyCamPro).
    Binary => binary::Binary,
}

/// Everything the controller knows about one dialect. Implemented once per dialect, in its own
/// file; see the [module documentation](self).
pub trait DialectRules: Sync + fmt::Debug {
    /// How the dialect is named, which UID prefixes name it and how its blocks are framed.
    fn identity(&self) -> &'static Identity;

    /// The login request, with the user's credentials.
    fn login(&self, cx: &Context<'_>) -> Result<WireRequest, ControllerError>;

    /// The requests of a typed operation, encoded (an operation may take several, e.g. a PTZ
    /// stop on every axis); [`ControllerError::Unsupported`] when the dialect has no command
    /// for it.
    fn plan(&self, op: &Op, cx: &Context<'_>) -> Result<Vec<WireRequest>, ControllerError>;

    /// Reads a block of this dialect as a reply; `Err` for one that is unusable (it is counted
    /// and dropped).
    fn read(&self, block: &Block) -> Result<Incoming, String>;

    /// True when a reply keyed `reply` answers a request that expects `request`. `family` is
    /// the SHIX command numbering, for dialects whose replies may carry another number than
    /// their request.
    fn answers(&self, family: &Family, request: i64, reply: i64) -> bool {
        let _ = family;
        request == reply
    }

    /// A reply keyed `reply` that no request expects and no timed-out request may own: the
    /// index in `waiting` (this dialect's requests not holding a reply, oldest first) of the
    /// one it answers anyway, if any.
    fn fallback(&self, reply: i64, waiting: &[Waiting<'_>]) -> Option<usize> {
        let _ = (reply, waiting);
        None
    }

    /// Marks a reply with the request it is taken to answer (CGI names it after the request).
    fn attribute(&self, reply: &mut Value, request: &Expect) {
        let _ = (reply, request);
    }

    /// The login verdict of a reply matched to a login request; `Err` for an answer that
    /// cannot be read as one.
    fn login_answer(&self, block: &Block, reply: &Value) -> Result<LoginAnswer, String>;

    /// The camera's parameters from a `get_parameters` reply.
    fn params(&self, reply: &Value) -> Params;

    /// The networks of a Wi-Fi scan reply.
    fn wifi_networks(&self, reply: &Value) -> Vec<WifiNetwork>;

    /// SD card information from its reply (by default the JSON fields `isExistTf`,
    /// `sdStatus`/`status`, `totalSize`/`sdtotal`/`total`, `freeSize`/`sdfree`/`free`).
    fn sd_info(&self, reply: &Value) -> SdInfo {
        crate::proto::ops::sd_info_of_fields(reply)
    }

    /// True when a refusal with `result` is about the credentials every request carries, not
    /// about the operation.
    fn refuses_credentials(&self, result: i64) -> bool {
        let _ = result;
        false
    }

    /// One line describing a block of this dialect, for the dissector.
    fn describe(&self, block: &Block) -> String;

    /// A short description of a block header of this dialect (the payload may be missing).
    fn describe_header(&self, header: &[u8; HEADER_LEN]) -> String;
}

/// How a dialect is named, recognised and framed.
#[derive(Clone, Copy, Debug)]
pub struct Identity {
    /// The lower-case name used on the command line and in replies (`shix`, `cgi`, `binary`);
    /// the same as [`Dialect`]'s serde name.
    pub name: &'static str,
    /// Other names accepted when parsing a dialect (`json` for SHIX …).
    pub aliases: &'static [&'static str],
    /// The UID prefixes that name this dialect.
    pub prefixes: &'static [Prefix],
    /// The two start-code bytes of its channel-0 blocks.
    pub start: [u8; 2],
    /// The payload length a block header (starting with `start`) announces.
    pub payload_len: fn(&[u8; HEADER_LEN]) -> usize,
}

/// A UID prefix that names a dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Prefix {
    /// The prefix, upper case.
    pub prefix: &'static str,
    /// A family: matches any prefix starting with it (else only this exact prefix).
    pub family: bool,
}

impl Prefix {
    /// A prefix matched exactly.
    pub const fn exact(prefix: &'static str) -> Prefix {
        Prefix {
            prefix,
            family: false,
        }
    }

    /// A family of prefixes starting with `prefix`.
    pub const fn family(prefix: &'static str) -> Prefix {
        Prefix {
            prefix,
            family: true,
        }
    }
}

/// What a dialect needs to encode a request: the session's settings and state.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// Numbering of SHIX commands.
    pub family: &'static Family,
    /// Login user.
    pub user: &'a str,
    /// Login password.
    pub password: &'a str,
    /// The session ticket a login answer gave (iLnk; zero before).
    pub ticket: [u8; 4],
    /// The PTZ direction last started, so that a stop can name it.
    pub last_ptz: Option<PtzDirection>,
}

impl Context<'static> {
    /// The numbering `family` with empty credentials and no session state: what planning
    /// needs when no session exists (e.g. to tell which dialects take an operation).
    pub fn sessionless(family: &'static Family) -> Context<'static> {
        Context {
            family,
            user: "",
            password: "",
            ticket: [0; 4],
            last_ptz: None,
        }
    }
}

/// One encoded request of a dialect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRequest {
    /// The channel-0 block.
    pub block: Vec<u8>,
    /// How its reply is recognised.
    pub expect: Expect,
    /// Cameras may not answer it (stream starts, reboots): a missing reply is not an error.
    pub optional: bool,
}

/// How the reply to a request is recognised.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// The key of its reply (SHIX: the command number; CGI: the response code, when known;
    /// binary: the ACK command). `None`: no reply carries a known key.
    pub key: Option<i64>,
    /// The request's name, when replies are reported under it (CGI).
    pub name: Option<String>,
}

/// A request waiting for its reply, as [`DialectRules::fallback`] sees it.
#[derive(Clone, Copy, Debug)]
pub struct Waiting<'a> {
    /// How its reply is recognised.
    pub expect: &'a Expect,
    /// It is a login.
    pub login: bool,
}

/// A block read by its dialect, before it is matched to a request.
#[derive(Clone, Debug, PartialEq)]
pub struct Incoming {
    /// What says which request it answers ([`Expect::key`]); `None` when the reply carries no
    /// key (it is then unsolicited, and counted as a bad reply).
    pub key: Option<i64>,
    /// The reply's JSON form.
    pub reply: Value,
    /// Part of it could not be read: counted as a bad reply, but delivered.
    pub damaged: bool,
}

/// A login verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginAnswer {
    /// The camera's result: 0 accepts, anything else refuses.
    pub result: i64,
    /// A session ticket later requests carry (iLnk).
    pub ticket: Option<[u8; 4]>,
}

impl Dialect {
    /// The lower-case name used on the command line and in replies (`shix`, `cgi`, `binary`).
    pub fn name(self) -> &'static str {
        self.rules().identity().name
    }

    /// The two start-code bytes of this dialect's blocks.
    pub fn start(self) -> [u8; 2] {
        self.rules().identity().start
    }

    /// The payload length a header of this dialect's blocks announces.
    pub fn payload_len(self, header: &[u8; HEADER_LEN]) -> usize {
        (self.rules().identity().payload_len)(header)
    }

    /// The dialect whose blocks start with `b0 b1`.
    pub fn of_start(b0: u8, b1: u8) -> Option<Dialect> {
        Dialect::ALL.into_iter().find(|d| d.start() == [b0, b1])
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A dialect name that is not known.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown dialect {0:?} (expected auto, {names})", names = names())]
pub struct UnknownDialect(pub String);

/// `shix, cgi or binary`.
fn names() -> String {
    let n: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
    match n.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

impl FromStr for Dialect {
    type Err = UnknownDialect;
    /// A dialect's name or one of its aliases (`json`, `vstarcam`, `ilnk`); any case.
    fn from_str(s: &str) -> Result<Dialect, UnknownDialect> {
        let t = s.trim().to_ascii_lowercase();
        Dialect::ALL
            .into_iter()
            .find(|d| d.name() == t || d.rules().identity().aliases.contains(&t.as_str()))
            .ok_or_else(|| UnknownDialect(s.to_owned()))
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

/// The dialect the UID prefix tables give for `prefix` (case-insensitive), if any: an exact
/// entry first, else a family the prefix starts with.
pub fn for_prefix(prefix: &str) -> Option<Dialect> {
    let p = prefix.to_ascii_uppercase();
    let entries = || {
        Dialect::ALL
            .into_iter()
            .flat_map(|d| d.rules().identity().prefixes.iter().map(move |e| (d, e)))
    };
    entries()
        .find(|(_, e)| e.prefix == p)
        .or_else(|| entries().find(|(_, e)| e.family && p.starts_with(e.prefix)))
        .map(|(d, _)| d)
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

/// The `u16` at bytes 4–5 of a block header: the payload length of dialects with a 16-bit
/// length field.
pub fn u16_len(header: &[u8; HEADER_LEN]) -> usize {
    u16::from_le_bytes([header[4], header[5]]) as usize
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
        assert_eq!("json".parse::<Dialect>(), Ok(Dialect::Shix));
        assert_eq!("VStarcam".parse::<Dialect>(), Ok(Dialect::Cgi));
        assert_eq!(DialectChoice::parse("auto"), Ok(DialectChoice::Auto));
        assert_eq!(
            DialectChoice::parse("shix"),
            Ok(DialectChoice::Fixed(Dialect::Shix))
        );
        let e = DialectChoice::parse("xml").unwrap_err();
        assert!(e.to_string().contains("expected auto, shix, cgi or binary"));
    }

    #[test]
    fn every_dialect_is_consistent() {
        for d in Dialect::ALL {
            // The serde name (replies, configuration files) is the dialect's name.
            assert_eq!(serde_json::to_value(d).unwrap(), d.name());
            assert_eq!(d.name().parse::<Dialect>(), Ok(d));
            assert_eq!(Dialect::of_start(d.start()[0], d.start()[1]), Some(d));
            for p in d.rules().identity().prefixes {
                assert_eq!(p.prefix, p.prefix.to_ascii_uppercase(), "{d}: {p:?}");
                assert_eq!(for_prefix(p.prefix), Some(d), "{d}: {p:?}");
            }
        }
        let starts: std::collections::HashSet<_> = Dialect::ALL.map(Dialect::start).into();
        assert_eq!(starts.len(), Dialect::ALL.len(), "start codes are distinct");
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
