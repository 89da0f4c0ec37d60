//! The VStarcam "Eye4" SDK's typed camera methods (the `vstc2` `NativeCaller` Java API) as CGI
//! requests, and the CGI replies read back into the argument lists of its `CallBack_*Params`
//! callbacks (docs/protocol.md §8.3; VStarcam `PPPPChannel.mm`/`CgiPacket.cpp` request formats
//! and reply field names, the SDK's `ContentCommon` constants).
//!
//! Everything here is data and pure functions, so any binding (the JNI library, C, Python) can
//! offer the same methods:
//!
//! * [`param_type`]: the SDK's `MSG_TYPE_*` numbers that name a request and its result;
//! * [`Setter`]: one per `PPPP*Setting` method — its CGI name, the query keys in the order of the
//!   method's arguments, and the `param_type` its `CallBack_SetSystemParamsResult` reports;
//!   [`Setter::request`] builds the request from the arguments;
//! * [`getter`]: the CGI a `PPPPGetSystemParams(type)` sends and the [`ReplyLayout`]s its reply
//!   fills (one per callback); [`ReplyLayout::values`] reads a reply into the callback's
//!   arguments, [`wifi_scan_results`] the per-network `CallBack_WifiScanResult` lists;
//! * [`ptz_request`], [`camera_control_request`], [`live_stream_request`]: the other CGI lines;
//! * [`ptz_op`], [`camera_control_op`]: the same methods as typed [`Op`]s for the other
//!   dialects.

use serde_json::{Map, Value};

use crate::proto::cgi::CgiRequest;
use crate::proto::ops::{FlipMirror, Op, PtzDirection};

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
    fn query_value(&self) -> String {
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

/// A `PPPP*Setting` method: the CGI it sends and the query keys its arguments fill, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Setter {
    /// The Java method (for messages).
    pub method: &'static str,
    /// The CGI name without `.cgi`.
    pub cgi: &'static str,
    /// `(query key, argument type)` in the order of the method's arguments after the DID.
    pub keys: &'static [(&'static str, Kind)],
    /// The `param_type` of its `CallBack_SetSystemParamsResult`.
    pub param_type: i32,
}

impl Setter {
    /// Builds the request from the method's arguments (after the DID).
    pub fn request(&self, args: &[Arg]) -> Result<CgiRequest, Vstc2Error> {
        if args.len() != self.keys.len() {
            return Err(Vstc2Error::ArgCount {
                method: self.method,
                expected: self.keys.len(),
                got: args.len(),
            });
        }
        let mut pairs = Vec::with_capacity(args.len());
        for (i, ((key, kind), arg)) in self.keys.iter().zip(args).enumerate() {
            let ok = matches!(
                (kind, arg),
                (Kind::Int, Arg::Int(_)) | (Kind::Text, Arg::Text(_))
            );
            if !ok {
                return Err(Vstc2Error::ArgType {
                    method: self.method,
                    index: i,
                    key,
                    expected: *kind,
                });
            }
            pairs.push((*key, arg.query_value()));
        }
        Ok(CgiRequest::with(self.cgi, &pairs))
    }
}

use Kind::{Int as I, Text as T};

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

/// `defense_plan1` … `defense_plan21`.
const DEFENSE_PLAN: [(&str, Kind); 21] = [
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

const ALARM_HEAD: [(&str, Kind); 12] = [
    ("motion_armed", I),
    ("motion_sensitivity", I),
    ("input_armed", I),
    ("ioin_level", I),
    ("iolinkage", I),
    ("ioout_level", I),
    ("mail", I),
    ("upload_interval", I),
    ("record", I),
    ("preset", I),
    ("snapshot", I),
    ("schedule_enable", I),
];

const fn concat_keys<const A: usize, const B: usize, const N: usize>(
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

const ALARM_33: [(&str, Kind); 33] = concat_keys(ALARM_HEAD, schedule_keys!("schedule_"));
const ALARM_34: [(&str, Kind); 34] = concat_keys([("alarm_audio", I)], ALARM_33);
const ALARM_55: [(&str, Kind); 55] = concat_keys(ALARM_34, DEFENSE_PLAN);
const ALARM_56: [(&str, Kind); 56] = concat_keys(ALARM_55, [("remind_rate", I)]);

const RECORD_HEAD_OLD: [(&str, Kind); 4] = [
    ("record_cover", I),
    ("record_timer", I),
    ("record_size", I),
    ("time_schedule_enable", I),
];
const RECORD_25: [(&str, Kind); 25] = concat_keys(RECORD_HEAD_OLD, schedule_keys!("schedule_"));
const RECORD_HEAD_NEW: [(&str, Kind); 5] = [
    ("record_cover", I),
    ("record_timer", I),
    ("record_size", I),
    ("record_chnl", I),
    ("time_schedule_enable", I),
];
const RECORD_26: [(&str, Kind); 26] = concat_keys(RECORD_HEAD_NEW, schedule_keys!("schedule_"));
const RECORD_27: [(&str, Kind); 27] = concat_keys(RECORD_26, [("record_audio", I)]);

/// `PPPPWifiSetting(did, enable, ssid, channel, mode, authtype, encryp, keyformat, defkey,
/// key1..key4, key1_bits..key4_bits, wpa_psk)`.
pub const WIFI: Setter = Setter {
    method: "PPPPWifiSetting",
    cgi: "set_wifi",
    keys: &[
        ("enable", I),
        ("ssid", T),
        ("channel", I),
        ("mode", I),
        ("authtype", I),
        ("encrypt", I),
        ("keyformat", I),
        ("defkey", I),
        ("key1", T),
        ("key2", T),
        ("key3", T),
        ("key4", T),
        ("key1_bits", I),
        ("key2_bits", I),
        ("key3_bits", I),
        ("key4_bits", I),
        ("wpa_psk", T),
    ],
    param_type: param_type::SET_WIFI,
};

/// `PPPPNetworkSetting(did, ipaddr, netmask, gateway, dns1, dns2, dhcp, port, rtsport)`.
pub const NETWORK: Setter = Setter {
    method: "PPPPNetworkSetting",
    cgi: "set_network",
    keys: &[
        ("ipaddr", T),
        ("mask", T),
        ("gateway", T),
        ("dns1", T),
        ("dns2", T),
        ("dhcp", I),
        ("port", I),
        ("rtsport", I),
    ],
    param_type: param_type::SET_NETWORK,
};

/// `PPPPUserSetting(did, user1, pwd1, user2, pwd2, user3, pwd3)`.
pub const USERS: Setter = Setter {
    method: "PPPPUserSetting",
    cgi: "set_users",
    keys: &[
        ("user1", T),
        ("pwd1", T),
        ("user2", T),
        ("pwd2", T),
        ("user3", T),
        ("pwd3", T),
    ],
    param_type: param_type::SET_USER,
};

/// `PPPPDatetimeSetting(did, now, tz, ntp_enable, ntp_svr)`.
pub const DATETIME: Setter = Setter {
    method: "PPPPDatetimeSetting",
    cgi: "set_datetime",
    keys: &[("now", I), ("tz", I), ("ntp_enable", I), ("ntp_svr", T)],
    param_type: param_type::SET_DATETIME,
};

/// `PPPPDDNSSetting(did, service, user, pwd, host, proxy_svr, ddns_mode, proxy_port)`.
pub const DDNS: Setter = Setter {
    method: "PPPPDDNSSetting",
    cgi: "set_ddns",
    keys: &[
        ("service", I),
        ("user", T),
        ("pwd", T),
        ("host", T),
        ("proxy_svr", T),
        ("ddns_mode", I),
        ("proxy_port", I),
    ],
    param_type: param_type::SET_DDNS,
};

/// `PPPPMailSetting(did, svr, port, user, pwd, ssl, sender, receiver1..receiver4)`.
pub const MAIL: Setter = Setter {
    method: "PPPPMailSetting",
    cgi: "set_mail",
    keys: &[
        ("svr", T),
        ("port", I),
        ("user", T),
        ("pwd", T),
        ("ssl", I),
        ("sender", T),
        ("receiver1", T),
        ("receiver2", T),
        ("receiver3", T),
        ("receiver4", T),
    ],
    param_type: param_type::SET_MAIL,
};

/// `PPPPFtpSetting(did, svr_ftp, user, pwd, dir, port, mode, upload_interval)`.
pub const FTP: Setter = Setter {
    method: "PPPPFtpSetting",
    cgi: "set_ftp",
    keys: &[
        ("svr", T),
        ("user", T),
        ("pwd", T),
        ("dir", T),
        ("port", I),
        ("mode", I),
        ("upload_interval", I),
    ],
    param_type: param_type::SET_FTP,
};

/// `PPPPPTZSetting(did, led_mod, ptz_center_onstart, ptz_run_times, ptz_patrol_rate,
/// ptz_patrul_up_rate, ptz_patrol_down_rate, ptz_patrol_left_rate, ptz_patrol_right_rate,
/// disable_preset)`.
pub const PTZ: Setter = Setter {
    method: "PPPPPTZSetting",
    cgi: "set_misc",
    keys: &[
        ("led_mode", I),
        ("ptz_center_onstart", I),
        ("ptz_run_times", I),
        ("ptz_patrol_rate", I),
        ("ptz_patrol_up_rate", I),
        ("ptz_patrol_down_rate", I),
        ("ptz_patrol_left_rate", I),
        ("ptz_patrol_right_rate", I),
        ("ptz_disable_preset", I),
    ],
    param_type: param_type::SET_PTZ,
};

/// `PPPPAlarmSetting(did, 33 ints)` of the oldest SDK generation.
pub const ALARM_OLD: Setter = Setter {
    method: "PPPPAlarmSetting",
    cgi: "set_alarm",
    keys: &ALARM_33,
    param_type: param_type::SET_ALARM,
};

/// `PPPPAlarmSetting(did, alarm_audio, 33 ints, defense_plan1..21, remind_rate)` (56 ints).
pub const ALARM: Setter = Setter {
    method: "PPPPAlarmSetting",
    cgi: "set_alarm",
    keys: &ALARM_56,
    param_type: param_type::SET_ALARM,
};

/// `PPPPSDRecordSetting(did, 25 ints)` of the oldest SDK generation.
pub const RECORD_OLD: Setter = Setter {
    method: "PPPPSDRecordSetting",
    cgi: "set_recordsch",
    keys: &RECORD_25,
    param_type: param_type::SET_RECORD_SCH,
};

/// `PPPPSDRecordSetting(did, record_cover_enable, record_timer, record_size, record_chnl,
/// record_time_enable, 21 schedule ints, audio_enable)` (27 ints).
pub const RECORD: Setter = Setter {
    method: "PPPPSDRecordSetting",
    cgi: "set_recordsch",
    keys: &RECORD_27,
    param_type: param_type::SET_RECORD_SCH,
};

/// `PPPPEverydaySetting(did, record_cover_enable, record_timer, record_size, record_chnl,
/// record_time_enable, audio_enble)`.
pub const EVERYDAY: Setter = Setter {
    method: "PPPPEverydaySetting",
    cgi: "set_recordsch",
    keys: &[
        ("record_cover", I),
        ("record_timer", I),
        ("record_size", I),
        ("record_chnl", I),
        ("time_schedule_enable", I),
        ("record_audio", I),
    ],
    param_type: param_type::SET_RECORD_SCH,
};

/// Every setter.
pub const SETTERS: &[Setter] = &[
    WIFI, NETWORK, USERS, DATETIME, DDNS, MAIL, FTP, PTZ, ALARM_OLD, ALARM, RECORD_OLD, RECORD,
    EVERYDAY,
];

/// How a reply fills one callback: the callback's name and, per argument after the DID, the
/// reply field (alternatives separated by `|`, the first present wins) and its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyLayout {
    /// The Java callback.
    pub callback: &'static str,
    /// `(field, type)` per argument after the DID.
    pub fields: &'static [(&'static str, Kind)],
}

impl ReplyLayout {
    /// Reads the reply fields (`reply["fields"]` of a CGI reply) into the callback's arguments:
    /// a missing integer is 0 (−1 for none is not what the SDK's apps expect), a missing
    /// string empty.
    pub fn values(&self, fields: &Map<String, Value>) -> Vec<Arg> {
        self.fields
            .iter()
            .map(|(keys, kind)| {
                let v = keys.split('|').find_map(|k| fields.get(k));
                match kind {
                    Kind::Int => Arg::Int(v.and_then(value_int).unwrap_or(0)),
                    Kind::Text => Arg::Text(v.map(value_text).unwrap_or_default()),
                }
            })
            .collect()
    }
}

fn value_int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// `CallBack_CameraParams(did, resolution, brightness, contrast, hue, saturation, flip, fram,
/// mode)` from `get_camera_params.cgi`.
pub const CAMERA_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_CameraParams",
    fields: &[
        ("resolution", I),
        ("vbright", I),
        ("vcontrast", I),
        ("vhue", I),
        ("vsaturation", I),
        ("flip", I),
        ("enc_framerate", I),
        ("mode", I),
    ],
};

/// `CallBack_CameraStatusParams(did, sysver, devname, devid, appver, oemid, alarmstatus,
/// sdcardstatus, sdcardtotalsize, sdcardremainsize)` from `get_status.cgi`.
pub const STATUS_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_CameraStatusParams",
    fields: &[
        ("sys_ver", T),
        ("alias", T),
        ("deviceid", T),
        ("app_version", T),
        ("oem_id", T),
        ("alarm_status", I),
        ("sdstatus", I),
        ("sdtotal", I),
        ("sdfree|sdlevel", I),
    ],
};

/// `CallBack_NetworkParams(did, ipaddr, netmask, gateway, dns1, dns2, dhcp, port, rtsport)`.
pub const NETWORK_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_NetworkParams",
    fields: &[
        ("ip", T),
        ("mask", T),
        ("gateway", T),
        ("dns1", T),
        ("dns2", T),
        ("dhcpen", I),
        ("port", I),
        ("rtsp_port|rtsport", I),
    ],
};

/// `CallBack_WifiParams(did, enable, ssid, channel, mode, authtype, encryp, keyformat, defkey,
/// key1..key4, key1_bits..key4_bits, wpa_psk)`.
pub const WIFI_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_WifiParams",
    fields: &[
        ("wifi_enable", I),
        ("wifi_ssid", T),
        ("wifi_channel", I),
        ("wifi_mode", I),
        ("wifi_authtype", I),
        ("wifi_encrypt", I),
        ("wifi_keyformat", I),
        ("wifi_defkey", I),
        ("wifi_key1", T),
        ("wifi_key2", T),
        ("wifi_key3", T),
        ("wifi_key4", T),
        ("wifi_key1_bits", I),
        ("wifi_key2_bits", I),
        ("wifi_key3_bits", I),
        ("wifi_key4_bits", I),
        ("wifi_wpa_psk", T),
    ],
};

/// `CallBack_UserParams(did, user1, pwd1, user2, pwd2, user3, pwd3)`.
pub const USER_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_UserParams",
    fields: &[
        ("user1_name", T),
        ("user1_pwd", T),
        ("user2_name", T),
        ("user2_pwd", T),
        ("user3_name", T),
        ("user3_pwd", T),
    ],
};

/// `CallBack_DatetimeParams(did, now, tz, ntp_enable, ntp_svr)`.
pub const DATETIME_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_DatetimeParams",
    fields: &[("now", I), ("tz", I), ("ntp_enable", I), ("ntp_svr", T)],
};

/// `CallBack_FtpParams(did, svr_ftp, user, pwd, dir, port, mode, upload_interval)`.
pub const FTP_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_FtpParams",
    fields: &[
        ("ftp_svr", T),
        ("ftp_user", T),
        ("ftp_pwd", T),
        ("ftp_dir", T),
        ("ftp_port", I),
        ("ftp_mode", I),
        ("ftp_upload_interval", I),
    ],
};

/// `CallBack_DDNSParams(did, service, user, pwd, host, proxy_svr, ddns_mode, proxy_port)`.
pub const DDNS_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_DDNSParams",
    fields: &[
        ("ddns_service", I),
        ("ddns_user", T),
        ("ddns_pwd", T),
        ("ddns_host", T),
        ("ddns_proxy_svr", T),
        ("ddns_mode", I),
        ("ddns_proxy_port", I),
    ],
};

/// `CallBack_MailParams(did, svr, port, user, pwd, ssl, sender, receiver1..receiver4)`.
pub const MAIL_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_MailParams",
    fields: &[
        ("mail_svr", T),
        ("mail_port", I),
        ("mail_user", T),
        ("mail_pwd", T),
        ("mail_ssl", I),
        ("mail_sender", T),
        ("mail_receiver1", T),
        ("mail_receiver2", T),
        ("mail_receiver3", T),
        ("mail_receiver4", T),
    ],
};

/// `CallBack_PTZParams(did, led_mod, ptz_center_onstart, ptz_run_times, ptz_patrol_rate,
/// ptz_patrol_up_rate, ptz_patrol_down_rate, ptz_patrol_left_rate, ptz_patrol_right_rate,
/// disable_preset)` from `get_misc.cgi`.
pub const PTZ_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_PTZParams",
    fields: PTZ.keys,
};

/// `CallBack_AlarmParams(did, alarm_audio, 33 ints, defense_plan1..21, remind_rate)`.
pub const ALARM_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_AlarmParams",
    fields: &ALARM_REPLY_56,
};

/// `CallBack_AlarmParams(did, 33 ints)` of the oldest SDK generation.
pub const ALARM_PARAMS_OLD: ReplyLayout = ReplyLayout {
    callback: "CallBack_AlarmParams",
    fields: &ALARM_REPLY_33,
};

const ALARM_REPLY_HEAD: [(&str, Kind); 12] = [
    ("alarm_motion_armed", I),
    ("alarm_motion_sensitivity", I),
    ("alarm_input_armed", I),
    ("alarm_ioin_level", I),
    ("alarm_iolinkage", I),
    ("alarm_ioout_level", I),
    ("alarm_mail", I),
    ("alarm_upload_interval", I),
    ("alarm_record", I),
    ("alarm_presetsit", I),
    ("alarm_snapshot", I),
    ("alarm_schedule_enable", I),
];
const ALARM_REPLY_33: [(&str, Kind); 33] =
    concat_keys(ALARM_REPLY_HEAD, schedule_keys!("alarm_schedule_"));
const ALARM_REPLY_34: [(&str, Kind); 34] = concat_keys([("alarm_audio", I)], ALARM_REPLY_33);
const ALARM_REPLY_55: [(&str, Kind); 55] = concat_keys(ALARM_REPLY_34, DEFENSE_PLAN);
const ALARM_REPLY_56: [(&str, Kind); 56] = concat_keys(ALARM_REPLY_55, [("remind_rate", I)]);

/// `CallBack_RecordSchParams(did, record_cover_enable, record_timer, record_size,
/// record_time_enable, record_chnl, 21 schedule ints, record_sd_status, sdtotal, sdfree,
/// enable_audio)` from `get_record.cgi`.
pub const RECORD_PARAMS: ReplyLayout = ReplyLayout {
    callback: "CallBack_RecordSchParams",
    fields: &RECORD_REPLY_30,
};

/// `CallBack_RecordSchParams` without `record_chnl` and `enable_audio` (28 ints).
pub const RECORD_PARAMS_OLD: ReplyLayout = ReplyLayout {
    callback: "CallBack_RecordSchParams",
    fields: &RECORD_REPLY_28,
};

const RECORD_REPLY_HEAD: [(&str, Kind); 5] = [
    ("record_cover_enable", I),
    ("record_timer", I),
    ("record_size", I),
    ("record_time_enable", I),
    ("record_chnl", I),
];
const RECORD_REPLY_26: [(&str, Kind); 26] =
    concat_keys(RECORD_REPLY_HEAD, schedule_keys!("record_schedule_"));
const RECORD_REPLY_30: [(&str, Kind); 30] = concat_keys(
    RECORD_REPLY_26,
    [
        ("record_sd_status", I),
        ("sdtotal", I),
        ("sdfree", I),
        ("record_audio", I),
    ],
);
const RECORD_REPLY_HEAD_OLD: [(&str, Kind); 4] = [
    ("record_cover_enable", I),
    ("record_timer", I),
    ("record_size", I),
    ("record_time_enable", I),
];
const RECORD_REPLY_25: [(&str, Kind); 25] =
    concat_keys(RECORD_REPLY_HEAD_OLD, schedule_keys!("record_schedule_"));
const RECORD_REPLY_28: [(&str, Kind); 28] = concat_keys(
    RECORD_REPLY_25,
    [("record_sd_status", I), ("sdtotal", I), ("sdfree", I)],
);

/// Every reply layout (for bindings that look their callbacks up once).
pub const LAYOUTS: &[ReplyLayout] = &[
    CAMERA_PARAMS,
    STATUS_PARAMS,
    NETWORK_PARAMS,
    WIFI_PARAMS,
    USER_PARAMS,
    DATETIME_PARAMS,
    FTP_PARAMS,
    DDNS_PARAMS,
    MAIL_PARAMS,
    PTZ_PARAMS,
    ALARM_PARAMS,
    ALARM_PARAMS_OLD,
    RECORD_PARAMS,
    RECORD_PARAMS_OLD,
];

/// What a `PPPPGetSystemParams(type)` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Getter {
    /// The CGI name without `.cgi`.
    pub cgi: &'static str,
    /// The callbacks the reply fills; a callback with several layouts (SDK generations) is
    /// listed once per layout, the binding calls the one the app declares.
    pub layouts: &'static [ReplyLayout],
    /// The reply is a Wi-Fi scan: [`wifi_scan_results`] gives one callback per network.
    pub wifi_scan: bool,
}

const SETTINGS_LAYOUTS: &[ReplyLayout] = &[
    NETWORK_PARAMS,
    WIFI_PARAMS,
    USER_PARAMS,
    DATETIME_PARAMS,
    FTP_PARAMS,
    DDNS_PARAMS,
    MAIL_PARAMS,
    ALARM_PARAMS,
    ALARM_PARAMS_OLD,
];

/// The request and the callbacks of `PPPPGetSystemParams(did, param_type)`.
pub fn getter(kind: i32) -> Result<Getter, Vstc2Error> {
    use self::param_type as t;
    let g = |cgi, layouts| Getter {
        cgi,
        layouts,
        wifi_scan: false,
    };
    Ok(match kind {
        t::GET_CAMERA_PARAMS => g("get_camera_params", &[CAMERA_PARAMS]),
        t::GET_STATUS => g("get_status", &[STATUS_PARAMS]),
        t::GET_PTZ_PARAMS => g("get_misc", &[PTZ_PARAMS]),
        t::GET_RECORD => g("get_record", &[RECORD_PARAMS, RECORD_PARAMS_OLD]),
        t::GET_PARAMS => g("get_params", SETTINGS_LAYOUTS),
        t::WIFI_PARAMS => g("get_params", &[WIFI_PARAMS]),
        t::MAIL_PARAMS => g("get_params", &[MAIL_PARAMS]),
        t::FTP_PARAMS => g("get_params", &[FTP_PARAMS]),
        t::NETWORK_PARAMS => g("get_params", &[NETWORK_PARAMS]),
        t::USER_INFO => g("get_params", &[USER_PARAMS]),
        t::DDNS_PARAMS => g("get_params", &[DDNS_PARAMS]),
        t::DATETIME_PARAMS => g("get_params", &[DATETIME_PARAMS]),
        t::ALARM_PARAMS => g("get_params", &[ALARM_PARAMS, ALARM_PARAMS_OLD]),
        t::WIFI_SCAN => Getter {
            cgi: "wifi_scan",
            layouts: &[],
            wifi_scan: true,
        },
        other => return Err(Vstc2Error::UnknownParamType(other)),
    })
}

/// `CallBack_WifiScanResult(did, ssid, mac, security, dbm0, dbm1, mode, channel, bEnd)`: its
/// argument types after the DID.
pub const WIFI_SCAN_RESULT: ReplyLayout = ReplyLayout {
    callback: "CallBack_WifiScanResult",
    fields: &[
        ("ssid", T),
        ("mac", T),
        ("security", I),
        ("dbm0", I),
        ("dbm1", I),
        ("mode", I),
        ("channel", I),
        ("end", I),
    ],
};

/// One argument list of [`WIFI_SCAN_RESULT`] per network of a `wifi_scan.cgi` reply
/// (`ap_number`, `ap_ssid[i]`, …), the last with `bEnd = 1`. At most 256 networks.
pub fn wifi_scan_results(fields: &Map<String, Value>) -> Vec<Vec<Arg>> {
    let n = fields.get("ap_number").and_then(value_int).unwrap_or(0);
    let n = n.clamp(0, 256) as usize;
    (0..n)
        .map(|i| {
            let get = |k: &str| fields.get(&format!("ap_{k}[{i}]"));
            let int = |k: &str| Arg::Int(get(k).and_then(value_int).unwrap_or(0));
            let text = |k: &str| Arg::Text(get(k).map(value_text).unwrap_or_default());
            vec![
                text("ssid"),
                text("mac"),
                int("security"),
                int("dbm0"),
                int("dbm1"),
                int("mode"),
                int("channel"),
                Arg::Int((i + 1 == n) as i64),
            ]
        })
        .collect()
}

/// `PPPPPTZControl(did, command)`: `decoder_control.cgi?command=N&onestep=0`.
pub fn ptz_request(command: i32) -> CgiRequest {
    CgiRequest::with(
        "decoder_control",
        &[("command", command.to_string()), ("onestep", "0".into())],
    )
}

/// `PPPPCameraControl(did, param, value)`: `camera_control.cgi?param=P&value=V`.
pub fn camera_control_request(param: i32, value: i32) -> CgiRequest {
    CgiRequest::with(
        "camera_control",
        &[("param", param.to_string()), ("value", value.to_string())],
    )
}

/// `PPPPGetSDCardRecordFileList(did, PageIndex, PageSize)`: `get_record_file.cgi`.
pub fn record_file_request(page_index: i32, page_size: i32) -> CgiRequest {
    CgiRequest::with(
        "get_record_file",
        &[
            ("PageIndex", page_index.to_string()),
            ("PageSize", page_size.to_string()),
        ],
    )
}

/// A CGI without parameters (`reboot`, `restore_factory`, `set_formatsd`, `snapshot`).
pub fn plain_request(name: &str) -> CgiRequest {
    CgiRequest::with(name, &[])
}

/// The vendor's PTZ command number as a typed operation, for dialects without
/// `decoder_control.cgi` (SHIX, iLnk): 0/2/4/6 move up/down/left/right, the odd numbers up to 7
/// stop, 25 centres, 30 + 2n stores preset n and 31 + 2n moves to it.
pub fn ptz_op(command: i32) -> Result<Op, Vstc2Error> {
    Ok(match command {
        0 => Op::Ptz(PtzDirection::Up),
        2 => Op::Ptz(PtzDirection::Down),
        4 => Op::Ptz(PtzDirection::Left),
        6 => Op::Ptz(PtzDirection::Right),
        1 | 3 | 5 | 7 | 27 | 29 => Op::PtzStop,
        25 => Op::PtzCenter,
        30..=61 if command % 2 == 0 => Op::PtzSetPreset(((command - 30) / 2) as u8),
        31..=61 => Op::PtzGotoPreset(((command - 31) / 2) as u8),
        other => return Err(Vstc2Error::UnknownPtzCommand(other)),
    })
}

/// `PPPPCameraControl(param, value)` as a typed operation where one exists (param 5
/// flip/mirror 0–3, param 14 IR on/off), for dialects without `camera_control.cgi`.
pub fn camera_control_op(param: i32, value: i32) -> Option<Op> {
    match (param, value) {
        (5, v) => FlipMirror::from_value(i64::from(v)).map(Op::SetFlipMirror),
        (14, v @ 0..=1) => Some(Op::SetIr(v == 1)),
        _ => None,
    }
}

/// [`STATUS_PARAMS`] arguments from the parameters of a camera of another dialect (SHIX
/// `get_parms`, iLnk status): firmware, name, the DID, the application version (SHIX: the
/// MCU's version), and zeros for what they do not report.
pub fn status_from_params(p: &crate::proto::ops::Params, did: &str) -> Vec<Arg> {
    let appver = p.app_version.as_ref().or(p.mcu_version.as_ref());
    vec![
        Arg::Text(p.firmware.clone().unwrap_or_default()),
        Arg::Text(p.name.clone().unwrap_or_default()),
        Arg::Text(did.to_owned()),
        Arg::Text(appver.cloned().unwrap_or_default()),
        Arg::Text(String::new()),
        Arg::Int(0),
        Arg::Int(0),
        Arg::Int(0),
        Arg::Int(0),
    ]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::cgi::reply_value;

    fn fields(text: &str) -> Map<String, Value> {
        reply_value(0x6002, 0, text.as_bytes(), None)["fields"]
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn setter_lengths_match_the_sdk_signatures() {
        assert_eq!(WIFI.keys.len(), 17);
        assert_eq!(NETWORK.keys.len(), 8);
        assert_eq!(USERS.keys.len(), 6);
        assert_eq!(PTZ.keys.len(), 9);
        assert_eq!(ALARM_OLD.keys.len(), 33);
        assert_eq!(ALARM.keys.len(), 56);
        assert_eq!(RECORD_OLD.keys.len(), 25);
        assert_eq!(RECORD.keys.len(), 27);
        assert_eq!(ALARM_PARAMS.fields.len(), 56);
        assert_eq!(ALARM_PARAMS_OLD.fields.len(), 33);
        assert_eq!(RECORD_PARAMS.fields.len(), 30);
        assert_eq!(ALARM.keys[0].0, "alarm_audio");
        assert_eq!(ALARM.keys[13].0, "schedule_sun_0");
        assert_eq!(ALARM.keys[33].0, "schedule_sat_2");
        assert_eq!(ALARM.keys[55].0, "remind_rate");
        for s in SETTERS {
            let mut keys: Vec<_> = s.keys.iter().map(|(k, _)| *k).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), s.keys.len(), "{} repeats a key", s.method);
        }
    }

    #[test]
    fn setter_requests() {
        let args: Vec<Arg> = vec![
            Arg::Text("192.168.1.9".into()),
            Arg::Text("255.255.255.0".into()),
            Arg::Text("192.168.1.1".into()),
            Arg::Text("8.8.8.8".into()),
            Arg::Text("".into()),
            Arg::Int(0),
            Arg::Int(81),
            Arg::Int(554),
        ];
        let r = NETWORK.request(&args).unwrap();
        assert_eq!(
            r.to_text("admin", "pw"),
            "GET /set_network.cgi?ipaddr=192.168.1.9&mask=255.255.255.0&gateway=192.168.1.1&dns1=8.8.8.8&dns2=&dhcp=0&port=81&rtsport=554&loginuse=admin&loginpas=pw&user=admin&pwd=pw&"
        );
        let e = NETWORK.request(&args[..3]).unwrap_err();
        assert!(e.to_string().contains("takes 8 arguments"), "{e}");
        let mut bad = args.clone();
        bad[5] = Arg::Text("x".into());
        assert!(matches!(
            NETWORK.request(&bad),
            Err(Vstc2Error::ArgType { index: 5, .. })
        ));
        let users = USERS
            .request(
                &(0..6)
                    .map(|i| Arg::Text(format!("a b{i}")))
                    .collect::<Vec<_>>(),
            )
            .unwrap();
        assert!(users
            .to_text("u", "p")
            .starts_with("GET /set_users.cgi?user1=a%20b0&pwd1=a%20b1&"));
        let alarm = ALARM.request(&vec![Arg::Int(1); 56]).unwrap();
        assert_eq!(alarm.params.matches('&').count(), 55);
    }

    #[test]
    fn status_reply_fills_the_callback() {
        let f = fields(
            "var alias=\"cam\";\r\nvar deviceid=\"VSTC-123456-ABCDE\";\r\nvar sys_ver=\"48.1\";\r\n\
             var alarm_status=1;\r\nvar sdstatus=2;\r\nvar sdtotal=30436;\r\nvar sdlevel=29112;\r\n",
        );
        let v = STATUS_PARAMS.values(&f);
        assert_eq!(
            v,
            vec![
                Arg::Text("48.1".into()),
                Arg::Text("cam".into()),
                Arg::Text("VSTC-123456-ABCDE".into()),
                Arg::Text(String::new()),
                Arg::Text(String::new()),
                Arg::Int(1),
                Arg::Int(2),
                Arg::Int(30436),
                Arg::Int(29112),
            ]
        );
    }

    #[test]
    fn settings_reply_fills_every_callback() {
        let f = fields(
            "var ip=\"10.0.0.2\";\r\nvar dhcpen=1;\r\nvar port=81;\r\nvar user1_name=\"u1\";\r\n\
             var wifi_ssid=\"lab\";\r\nvar wifi_enable=1;\r\nvar now=1700000000;\r\nvar tz=-3600;\r\n\
             var alarm_audio=3;\r\nvar remind_rate=9;\r\nvar alarm_motion_armed=1;\r\n",
        );
        let g = getter(param_type::GET_PARAMS).unwrap();
        assert_eq!(g.cgi, "get_params");
        let net = NETWORK_PARAMS.values(&f);
        assert_eq!(net[0], Arg::Text("10.0.0.2".into()));
        assert_eq!((net[5].int(), net[6].int()), (1, 81));
        assert_eq!(USER_PARAMS.values(&f)[0], Arg::Text("u1".into()));
        let wifi = WIFI_PARAMS.values(&f);
        assert_eq!((wifi[0].int(), wifi[1].text()), (1, "lab".to_owned()));
        let dt = DATETIME_PARAMS.values(&f);
        assert_eq!((dt[0].int(), dt[1].int()), (1_700_000_000, -3600));
        let alarm = ALARM_PARAMS.values(&f);
        assert_eq!((alarm[0].int(), alarm[1].int(), alarm[55].int()), (3, 1, 9));
        assert_eq!(ALARM_PARAMS_OLD.values(&f)[0].int(), 1);
        assert!(matches!(
            getter(0x77),
            Err(Vstc2Error::UnknownParamType(0x77))
        ));
    }

    #[test]
    fn wifi_scan_lists_networks_with_end_flag() {
        let f = fields(
            "var ap_number=2;\r\nap_ssid[0]=\"a\";\r\nap_dbm0[0]='50';\r\nap_security[0]=4;\r\n\
             ap_ssid[1]=\"b\";\r\nap_channel[1]=11;\r\n",
        );
        let r = wifi_scan_results(&f);
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][0], Arg::Text("a".into()));
        assert_eq!((r[0][2].int(), r[0][3].int(), r[0][7].int()), (4, 50, 0));
        assert_eq!((r[1][6].int(), r[1][7].int()), (11, 1));
        assert_eq!(r[0].len(), WIFI_SCAN_RESULT.fields.len());
        let huge = fields("var ap_number=99999999;\r\n");
        assert_eq!(wifi_scan_results(&huge).len(), 256);
    }

    #[test]
    fn status_of_other_dialects() {
        let p = crate::proto::ops::Params {
            firmware: Some("fw".into()),
            name: Some("cam".into()),
            mcu_version: Some("1.1".into()),
            ..Default::default()
        };
        let v = status_from_params(&p, "DGOA-1");
        assert_eq!(v.len(), STATUS_PARAMS.fields.len());
        assert_eq!(
            (v[0].text(), v[1].text(), v[2].text(), v[3].text()),
            ("fw".into(), "cam".into(), "DGOA-1".into(), "1.1".into())
        );
    }

    #[test]
    fn ptz_and_camera_control() {
        assert_eq!(
            ptz_request(4).to_text("u", "p"),
            "GET /decoder_control.cgi?command=4&onestep=0&loginuse=u&loginpas=p&user=u&pwd=p&"
        );
        assert_eq!(
            camera_control_request(5, 3).to_text("u", "p"),
            "GET /camera_control.cgi?param=5&value=3&loginuse=u&loginpas=p&user=u&pwd=p&"
        );
        assert_eq!(ptz_op(4).unwrap(), Op::Ptz(PtzDirection::Left));
        assert_eq!(ptz_op(5).unwrap(), Op::PtzStop);
        assert_eq!(ptz_op(25).unwrap(), Op::PtzCenter);
        assert_eq!(ptz_op(34).unwrap(), Op::PtzSetPreset(2));
        assert_eq!(ptz_op(35).unwrap(), Op::PtzGotoPreset(2));
        assert!(ptz_op(62).is_err());
        assert!(ptz_op(-1).is_err());
        assert_eq!(
            camera_control_op(5, 2),
            Some(Op::SetFlipMirror(FlipMirror::Mirror))
        );
        assert_eq!(camera_control_op(14, 1), Some(Op::SetIr(true)));
        assert_eq!(camera_control_op(1, 128), None);
    }
}
