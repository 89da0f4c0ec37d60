//! The `PPPP*Setting` methods: the CGI each sends and the query keys its arguments fill.

use super::{concat_keys, param_type, schedule_keys, Arg, Kind, Vstc2Error, DEFENSE_PLAN};
use crate::proto::cgi::CgiRequest;
use Kind::{Int as I, Text as T};

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
