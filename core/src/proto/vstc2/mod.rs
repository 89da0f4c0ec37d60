//! The VStarcam "Eye4" SDK's typed camera methods (the `vstc2` `NativeCaller` Java API) as CGI
//! requests, and the CGI replies read back into the argument lists of its `CallBack_*Params`
//! callbacks (docs/protocol.md §8.3; VStarcam `PPPPChannel.mm`/`CgiPacket.cpp` request formats
//! and reply field names, the SDK's `ContentCommon` constants).
//!
//! Everything here is data and pure functions, so any binding (the JNI library, C, Python) can
//! offer the same methods:
//!
//! * [`param_type`]: the SDK's `MSG_TYPE_*` numbers that name a request and its result;
//! * [`setters`]: one [`Setter`] per `PPPP*Setting` method — its CGI name, the query keys in
//!   the order of the method's arguments, and the `param_type` its
//!   `CallBack_SetSystemParamsResult` reports; [`Setter::request`] builds the request from the
//!   arguments;
//! * [`replies`]: the CGI a `PPPPGetSystemParams(type)` sends ([`getter`]) and the
//!   [`ReplyLayout`]s its reply fills (one per callback); [`ReplyLayout::values`] reads a reply
//!   into the callback's arguments, [`wifi_scan_results`] the per-network
//!   `CallBack_WifiScanResult` lists;
//! * [`requests`]: the other CGI lines ([`ptz_request`], [`camera_control_request`] …) and the
//!   same methods as typed [`Op`](crate::proto::ops::Op)s for the other dialects ([`ptz_op`],
//!   [`camera_control_op`]).

pub mod replies;
pub mod requests;
pub mod setters;
#[cfg(test)]
mod tests;

pub use replies::*;
pub use requests::*;
pub use setters::*;

/// The SDK's `MSG_TYPE_*` numbers (`ContentCommon`): what `PPPPGetSystemParams` asks for and
/// what `CallBack_SetSystemParamsResult` reports.
pub mod param_type {
    /// `get_camera_params.cgi` → `CallBack_CameraParams`.
    pub const GET_CAMERA_PARAMS: i32 = 0x2;
    /// `decoder_control.cgi` (PTZ).
    pub const DECODER_CONTROL: i32 = 0x3;
    /// `get_params.cgi` → every settings callback.
    pub const GET_PARAMS: i32 = 0x4;
    /// `snapshot.cgi` → `CallBack_Snapshot`.
    pub const SNAPSHOT: i32 = 0x5;
    /// `camera_control.cgi`.
    pub const CAMERA_CONTROL: i32 = 0x6;
    /// `set_network.cgi`.
    pub const SET_NETWORK: i32 = 0x7;
    /// `reboot.cgi`.
    pub const REBOOT_DEVICE: i32 = 0x8;
    /// `restore_factory.cgi`.
    pub const RESTORE_FACTORY: i32 = 0x9;
    /// `set_users.cgi`.
    pub const SET_USER: i32 = 0xa;
    /// `set_wifi.cgi`.
    pub const SET_WIFI: i32 = 0xb;
    /// `set_datetime.cgi`.
    pub const SET_DATETIME: i32 = 0xc;
    /// `get_status.cgi` → `CallBack_CameraStatusParams`.
    pub const GET_STATUS: i32 = 0xd;
    /// `get_misc.cgi` → `CallBack_PTZParams`.
    pub const GET_PTZ_PARAMS: i32 = 0xe;
    /// `set_ddns.cgi`.
    pub const SET_DDNS: i32 = 0xf;
    /// `set_mail.cgi`.
    pub const SET_MAIL: i32 = 0x10;
    /// `set_ftp.cgi`.
    pub const SET_FTP: i32 = 0x11;
    /// `set_alarm.cgi`.
    pub const SET_ALARM: i32 = 0x12;
    /// `set_misc.cgi` (PTZ settings).
    pub const SET_PTZ: i32 = 0x13;
    /// `wifi_scan.cgi` → `CallBack_WifiScanResult` per network.
    pub const WIFI_SCAN: i32 = 0x14;
    /// `get_record.cgi` → `CallBack_RecordSchParams`.
    pub const GET_RECORD: i32 = 0x16;
    /// `get_record_file.cgi` → `CallBack_RecordFileSearchResult`.
    pub const GET_RECORD_FILE: i32 = 0x17;
    /// `set_recordsch.cgi`.
    pub const SET_RECORD_SCH: i32 = 0x1c;
    /// `get_params.cgi` → `CallBack_WifiParams`.
    pub const WIFI_PARAMS: i32 = 0x1f;
    /// `get_params.cgi` → `CallBack_MailParams`.
    pub const MAIL_PARAMS: i32 = 0x20;
    /// `get_params.cgi` → `CallBack_FtpParams`.
    pub const FTP_PARAMS: i32 = 0x21;
    /// `get_params.cgi` → `CallBack_NetworkParams`.
    pub const NETWORK_PARAMS: i32 = 0x22;
    /// `get_params.cgi` → `CallBack_UserParams`.
    pub const USER_INFO: i32 = 0x23;
    /// `get_params.cgi` → `CallBack_DDNSParams`.
    pub const DDNS_PARAMS: i32 = 0x24;
    /// `get_params.cgi` → `CallBack_DatetimeParams`.
    pub const DATETIME_PARAMS: i32 = 0x25;
    /// `get_params.cgi` → `CallBack_AlarmParams`.
    pub const ALARM_PARAMS: i32 = 0x26;
}

/// The type of one argument of a typed method or callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A Java `int`.
    Int,
    /// A Java `String`.
    Text,
}

/// One argument value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// An integer.
    Int(i64),
    /// A string.
    Text(String),
}

impl Arg {
    pub(crate) fn query_value(&self) -> String {
        match self {
            Arg::Int(n) => n.to_string(),
            Arg::Text(s) => s.clone(),
        }
    }

    /// The value as an integer (text that is not a number is 0).
    pub fn int(&self) -> i64 {
        match self {
            Arg::Int(n) => *n,
            Arg::Text(s) => s.trim().parse().unwrap_or(0),
        }
    }

    /// The value as text.
    pub fn text(&self) -> String {
        self.query_value()
    }
}

/// Why a typed method cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Vstc2Error {
    /// The method got another number of arguments than its layout has.
    #[error("{method} takes {expected} arguments after the DID, got {got}")]
    ArgCount {
        /// The method.
        method: &'static str,
        /// Arguments of the layout.
        expected: usize,
        /// Arguments given.
        got: usize,
    },
    /// An argument has the wrong type.
    #[error("argument {index} ({key}) of {method} must be {expected:?}")]
    ArgType {
        /// The method.
        method: &'static str,
        /// Zero-based position.
        index: usize,
        /// The query key it fills.
        key: &'static str,
        /// The type the layout wants.
        expected: Kind,
    },
    /// The `param_type` names nothing that can be read.
    #[error("PPPPGetSystemParams type {0:#x} names no readable parameters")]
    UnknownParamType(i32),
    /// A PTZ command number outside the SDK's table.
    #[error("PTZ command {0} is not in the SDK's table (0-7, 25-29, presets 30-61)")]
    UnknownPtzCommand(i32),
}

use Kind::Int as I;

/// The 21 schedule fields of alarm and record schedules (`schedule_sun_0` … `schedule_sat_2`).
macro_rules! schedule_keys {
    ($p:literal) => {
        [
            (concat!($p, "sun_0"), I),
            (concat!($p, "sun_1"), I),
            (concat!($p, "sun_2"), I),
            (concat!($p, "mon_0"), I),
            (concat!($p, "mon_1"), I),
            (concat!($p, "mon_2"), I),
            (concat!($p, "tue_0"), I),
            (concat!($p, "tue_1"), I),
            (concat!($p, "tue_2"), I),
            (concat!($p, "wed_0"), I),
            (concat!($p, "wed_1"), I),
            (concat!($p, "wed_2"), I),
            (concat!($p, "thu_0"), I),
            (concat!($p, "thu_1"), I),
            (concat!($p, "thu_2"), I),
            (concat!($p, "fri_0"), I),
            (concat!($p, "fri_1"), I),
            (concat!($p, "fri_2"), I),
            (concat!($p, "sat_0"), I),
            (concat!($p, "sat_1"), I),
            (concat!($p, "sat_2"), I),
        ]
    };
}
pub(crate) use schedule_keys;

/// `defense_plan1` … `defense_plan21`.
pub(crate) const DEFENSE_PLAN: [(&str, Kind); 21] = [
    ("defense_plan1", I),
    ("defense_plan2", I),
    ("defense_plan3", I),
    ("defense_plan4", I),
    ("defense_plan5", I),
    ("defense_plan6", I),
    ("defense_plan7", I),
    ("defense_plan8", I),
    ("defense_plan9", I),
    ("defense_plan10", I),
    ("defense_plan11", I),
    ("defense_plan12", I),
    ("defense_plan13", I),
    ("defense_plan14", I),
    ("defense_plan15", I),
    ("defense_plan16", I),
    ("defense_plan17", I),
    ("defense_plan18", I),
    ("defense_plan19", I),
    ("defense_plan20", I),
    ("defense_plan21", I),
];

pub(crate) const fn concat_keys<const A: usize, const B: usize, const N: usize>(
    a: [(&'static str, Kind); A],
    b: [(&'static str, Kind); B],
) -> [(&'static str, Kind); N] {
    let mut out = [("", I); N];
    let mut i = 0;
    while i < A {
        out[i] = a[i];
        i += 1;
    }
    while i < N {
        out[i] = b[i - A];
        i += 1;
    }
    out
}

/// The SDK's `PPPP_STATUS_*` values delivered with message type [`MSG_STATUS`].
pub mod status {
    /// Connecting (before every attempt).
    pub const CONNECTING: i32 = 0;
    /// Initialising.
    pub const INITIALING: i32 = 1;
    /// The session is up (before the credentials are checked).
    pub const ON_LINE: i32 = 2;
    /// Connect failed.
    pub const CONNECT_FAILED: i32 = 3;
    /// The session was lost.
    pub const DISCONNECT: i32 = 4;
    /// The DID is malformed.
    pub const INVALID_ID: i32 = 5;
    /// Nothing answered the search in time.
    pub const DEVICE_NOT_ON_LINE: i32 = 6;
    /// Connect timeout.
    pub const CONNECT_TIMEOUT: i32 = 7;
    /// The login was refused (vstc2: "wrong user or password").
    pub const INVALID_USER_PWD: i32 = 8;
    /// The login was refused, as SHIX-family `object` apps name it ("password wrong").
    pub const PWD_WRONG_OBJECT: i32 = 10;
}

/// `PPPPMsgNotify` message type: `param` is a [`status`] value.
pub const MSG_STATUS: i32 = 0;
/// `PPPPMsgNotify` message type: `param` is 1 (P2P) or 2 (relay).
pub const MSG_MODE: i32 = 1;
/// `PPPPMsgNotify` message type: `param` is 0 (H.264) or 1 (JPEG), sent before the first frame.
pub const MSG_STREAM: i32 = 2;
/// [`MSG_MODE`] value of a direct (LAN) session.
pub const MODE_P2P: i32 = 1;
