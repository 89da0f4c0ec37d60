//! Tests of the VStarcam SDK methods: setters, reply layouts, the other requests.

use super::*;
use crate::proto::cgi::reply_value;
use crate::proto::ops::{FlipMirror, Op, PtzDirection};
use serde_json::{Map, Value};

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
