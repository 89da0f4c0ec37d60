//! The synchronous client in every dialect, against the fake camera on loopback: the dialect is
//! reported, typed methods return typed results, refusals and wrong credentials are distinct
//! errors, and a bad dialect name is a clear configuration error.

mod common;

use std::time::Duration;

use pppp::client::{parse_dialect, parse_family, CameraServer, Session, SessionConfig};
use pppp::proto::dialect::{Dialect, DialectChoice, DialectSource};
use pppp::proto::ops::{FlipMirror, PtzDirection};
use pppp::Error;

fn camera(uid: &str, dialect: Option<Dialect>) -> CameraServer {
    let mut c = common::loopback_config(uid);
    c.width = 96;
    c.height = 64;
    c.fps = 25;
    if let Some(d) = dialect {
        c.dialect = d;
    }
    common::start_loopback(c)
}

fn config(uid: &str, cam: &CameraServer) -> SessionConfig {
    let mut c = SessionConfig::new(uid).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(5);
    c.probe_timeout = Duration::from_millis(500);
    c.command_timeout = Duration::from_secs(2);
    c
}

#[test]
fn cgi_session_typed_methods() {
    let uid = "VSTC-000123-ABCDE";
    let cam = camera(uid, None);
    let s = Session::connect(config(uid, &cam)).unwrap();
    assert_eq!(s.dialect(), Some(Dialect::Cgi));
    assert_eq!(s.dialect_source(), Some(DialectSource::Prefix));
    s.login().unwrap();
    let p = s.params().unwrap();
    assert_eq!(p.name.as_deref(), Some("pppp emulator"));
    s.ptz(PtzDirection::Up).unwrap();
    s.ptz_stop().unwrap();
    s.ptz_preset(2).unwrap();
    s.ptz_goto_preset(2).unwrap();
    s.set_ir(true).unwrap();
    s.set_flip_mirror(FlipMirror::Flip).unwrap();
    assert_eq!(s.wifi_scan().unwrap().len(), 2);
    assert_eq!(s.sd_info().unwrap().total, Some(30436));
    let st = cam.stats();
    assert!(st.ir);
    assert_eq!(st.flip_mirror, 1);
    assert_eq!(st.preset_recalled, Some(2));
    let raw = s.cgi("get_camera_params.cgi").unwrap();
    assert_eq!(raw["fields"]["flip"], 1);
    // A refusal is Rejected, an unsupported operation InvalidCommand.
    match s.cgi("camera_control.cgi") {
        Ok(r) => assert_eq!(r["result"], -1),
        Err(e) => panic!("{e}"),
    }
    assert!(matches!(
        s.set_white_light(true),
        Err(Error::InvalidCommand(m)) if m.to_string().contains("not supported by the cgi dialect")
    ));
    s.start_video().unwrap();
    assert!(s.next_frame(Duration::from_secs(5)).unwrap().is_some());
    s.close();
}

#[test]
fn binary_session_typed_methods() {
    let uid = "BATE-692065-IURQM";
    let cam = camera(uid, None);
    let s = Session::connect(config(uid, &cam)).unwrap();
    assert_eq!(s.dialect(), Some(Dialect::Binary));
    s.login().unwrap();
    assert_eq!(s.params().unwrap().firmware.as_deref(), Some("1.0.2.53"));
    s.toggle_ir().unwrap();
    assert!(cam.stats().ir);
    let r = s.binary(0x1008, &[]).unwrap();
    assert_eq!(r["cmd"], 0x1108);
    assert!(matches!(s.set_ir(true), Err(Error::InvalidCommand(_))));
    s.start_video().unwrap();
    assert!(s.next_frame(Duration::from_secs(5)).unwrap().is_some());
    s.close();
}

#[test]
fn probing_and_errors_through_the_session() {
    // Unknown prefix, CGI camera: found by probing.
    let uid = "QQQZ-246810-MNBVC";
    let cam = camera(uid, Some(Dialect::Cgi));
    let s = Session::connect(config(uid, &cam)).unwrap();
    assert_eq!(s.dialect(), None);
    assert!(matches!(s.params(), Err(Error::InvalidCommand(_))));
    s.login().unwrap();
    assert_eq!(s.dialect(), Some(Dialect::Cgi));
    assert_eq!(s.dialect_source(), Some(DialectSource::Probed));
    s.close();

    // Wrong password: WrongPassword in the CGI dialect too.
    let s = Session::connect(config(uid, &cam).credentials("admin", "nope")).unwrap();
    assert!(matches!(
        s.login(),
        Err(Error::WrongPassword { result: -1 })
    ));
    s.close();

    // A forced wrong dialect: a clear protocol error, not a hang or a silent success.
    let s =
        Session::connect(config(uid, &cam).dialect(DialectChoice::Fixed(Dialect::Binary))).unwrap();
    match s.login() {
        Err(Error::Protocol(m)) => assert!(m.to_string().contains("binary login"), "{m}"),
        r => panic!("{r:?}"),
    }
    s.close();

    // Unknown names are configuration errors.
    match parse_dialect("xml") {
        Err(Error::InvalidArgument(m)) => {
            assert!(
                m.to_string().contains("expected auto, shix, cgi or binary"),
                "{m}"
            )
        }
        r => panic!("{r:?}"),
    }
    match parse_family("nope") {
        Err(Error::InvalidArgument(m)) => assert!(m.to_string().contains("vi365"), "{m}"),
        r => panic!("{r:?}"),
    }
}

#[test]
fn shix_session_rejected_command() {
    let uid = "DGOA-111111-ABCDE";
    let cam = camera(uid, None);
    let s = Session::connect(config(uid, &cam)).unwrap();
    s.login().unwrap();
    s.set_white_light(true).unwrap();
    assert!(cam.stats().white_light);
    s.set_time(1_700_000_000, 0).unwrap();
    assert_eq!(cam.stats().clock, Some(1_700_000_000));
    // With a wrong password every typed command is refused with SHIX's -3, which is a
    // refusal of the credentials, not of the command.
    let s3 = Session::connect(config(uid, &cam).credentials("admin", "bad")).unwrap();
    match s3.params() {
        Err(Error::WrongPassword { result }) => assert_eq!(result, -3),
        r => panic!("{r:?}"),
    }
    s3.close();
    s.close();
}
