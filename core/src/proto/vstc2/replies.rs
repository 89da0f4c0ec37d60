//! The replies of `PPPPGetSystemParams`: which CGI each parameter type reads and how its
//! reply fills the SDK's `CallBack_*Params` callbacks.

use serde_json::{Map, Value};

use super::{concat_keys, param_type, schedule_keys, Arg, Kind, Vstc2Error, DEFENSE_PLAN, PTZ};
use Kind::{Int as I, Text as T};

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
