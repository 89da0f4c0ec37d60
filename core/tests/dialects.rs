//! The three channel-0 dialects end to end against the emulator (docs/protocol.md §4, §8): login
//! (accepted and refused), raw commands, the typed command catalogue and video in SHIX, VStarcam
//! CGI and iLnk binary; dialect selection by UID prefix, by probing (silent cameras and cameras
//! that close the session), a forced wrong dialect, and malformed replies.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::{CommandError, ControllerConfig, ControllerError, Event, RequestId};
use pppp::proto::dialect::{Dialect, DialectChoice, DialectSource, Reply};
use pppp::proto::ilnk;
use pppp::proto::ops::{self, FlipMirror, Op, Params, PtzDirection};
use pppp::proto::shix;
use pppp::sim::{CameraConfig, FakeCamera, LinkConfig};
use pppp::Uid;
use serde_json::json;

const VSTC: &str = "VSTC-999999-EFGHJ";
const BATD: &str = "BATD-156362-WONJM";
const UNKNOWN: &str = "QQQZ-246810-MNBVC";

fn cam(uid: &str, dialect: Option<Dialect>) -> CameraConfig {
    let mut c = camera_config();
    c.uid = Uid::parse(uid).unwrap();
    // As `CameraConfig::new` does: the dialect of the UID prefix unless told otherwise.
    c.dialect = dialect
        .or_else(|| pppp::proto::dialect::for_prefix(c.uid.prefix()))
        .unwrap_or(Dialect::Shix);
    c
}

fn rig_with(cam: CameraConfig, seed: u64, tweak: impl FnOnce(&mut ControllerConfig)) -> Rig {
    let mut ctl = controller_config(&cam);
    tweak(&mut ctl);
    Rig::new(LinkConfig::perfect(), seed, cam, ctl)
}

fn camera_mut(rig: &mut Rig) -> &mut FakeCamera {
    let id = rig.cam;
    rig.net.get_mut::<FakeCamera>(id)
}

/// Drives until `id` has an outcome.
fn outcome(rig: &mut Rig, id: RequestId) -> Result<Reply, CommandError> {
    let ok = rig.until(Duration::from_secs(20), |e| {
        e.iter().any(|e| match e {
            Event::Reply { id: i, .. } | Event::CommandFailed { id: i, .. } => *i == id,
            _ => false,
        })
    });
    assert!(ok, "no outcome for {id:?}; events: {:?}", rig.events);
    match rig.outcome(id) {
        Some(Event::Reply { reply, .. }) => Ok(reply.clone()),
        Some(Event::CommandFailed { error, .. }) => Err(error.clone()),
        e => panic!("{e:?}"),
    }
}

/// Sends a typed op and returns its reply, which must not be a refusal.
fn op(rig: &mut Rig, o: Op) -> Reply {
    let now = rig.net.now();
    let id = rig
        .controller()
        .op(now, o.clone())
        .unwrap_or_else(|e| panic!("{o:?}: {e}"));
    let reply = outcome(rig, id).unwrap_or_else(|e| panic!("{o:?}: {e}"));
    assert_eq!(ops::check(&reply), Ok(()), "{o:?}: {reply}");
    reply
}

fn dialect_events(rig: &Rig) -> Vec<(Dialect, DialectSource)> {
    rig.events
        .iter()
        .filter_map(|e| match e {
            Event::Dialect { dialect, source } => Some((*dialect, *source)),
            _ => None,
        })
        .collect()
}

fn count(rig: &Rig, f: impl Fn(&Event) -> bool) -> usize {
    rig.events.iter().filter(|e| f(e)).count()
}

fn login_event(rig: &mut Rig) -> (bool, i64, Reply) {
    match rig.login() {
        Event::Login {
            accepted,
            result,
            reply,
        } => (accepted, result, reply),
        e => panic!("{e:?}"),
    }
}

#[test]
fn cgi_camera_end_to_end() {
    let c = cam(VSTC, None);
    assert_eq!(
        c.dialect,
        Dialect::Cgi,
        "the emulator follows the prefix table"
    );
    let mut rig = rig_with(c.clone(), 1, |_| {});
    rig.connect();
    assert_eq!(
        dialect_events(&rig),
        [(Dialect::Cgi, DialectSource::Prefix)]
    );
    let (accepted, result, reply) = login_event(&mut rig);
    assert!(accepted);
    assert_eq!(result, 0);
    assert_eq!(reply["cgi"], "check_user");
    assert_eq!(reply["cmd"], 0x60a0);
    assert_eq!(rig.controller_ref().dialect(), Some(Dialect::Cgi));

    // Raw CGI: the credentials are added, the reply's key/values parsed.
    let now = rig.net.now();
    let id = rig.controller().cgi(now, "get_status.cgi").unwrap();
    let status = outcome(&mut rig, id).unwrap();
    assert_eq!(status["dialect"], "cgi");
    assert_eq!(status["cmd"], 0x6001);
    assert_eq!(status["cgi"], "get_status");
    assert_eq!(status["fields"]["deviceid"], VSTC);
    assert_eq!(status["fields"]["sdtotal"], 30436);
    assert!(status["text"].as_str().unwrap().contains("var sys_ver=\""));
    assert_eq!(rig.camera().stats().last_cgi.as_deref(), Some("get_status"));

    // A message the camera sends on its own (the emulator's push hook) is reported as
    // unsolicited, with its text; the request that triggered it got its own answer.
    let now = rig.net.now();
    let id = rig
        .controller()
        .cgi(now, "pppp_push.cgi?message=motion")
        .unwrap();
    assert_eq!(ops::check(&outcome(&mut rig, id).unwrap()), Ok(()));
    let pushed = |e: &[Event]| {
        e.iter().any(|e| {
            matches!(e, Event::Unsolicited(v)
                if v["text"] == "var message=\"motion\";\r\n" && v["fields"]["message"] == "motion")
        })
    };
    assert!(
        rig.until(Duration::from_secs(5), pushed),
        "{:?}",
        rig.events
    );

    // A CGI the camera does not know is answered with a refusal, not a hang.
    let now = rig.net.now();
    let id = rig.controller().cgi(now, "no_such_thing.cgi").unwrap();
    let r = outcome(&mut rig, id).unwrap();
    assert_eq!(ops::check(&r), Err(-1));

    // The typed catalogue.
    op(&mut rig, Op::Ptz(PtzDirection::Left));
    assert_eq!(rig.camera().stats().last_ptz_command, Some(4));
    op(&mut rig, Op::PtzStop);
    assert_eq!(rig.camera().stats().last_ptz_command, Some(5));
    op(&mut rig, Op::Ptz(PtzDirection::DownRight));
    assert_eq!(rig.camera().stats().last_ptz_command, Some(93));
    op(&mut rig, Op::PtzStop);
    assert_eq!(rig.camera().stats().last_ptz_command, Some(1));
    op(&mut rig, Op::PtzCenter);
    assert_eq!(rig.camera().stats().last_ptz_command, Some(25));
    op(&mut rig, Op::PtzSetPreset(3));
    op(&mut rig, Op::PtzGotoPreset(3));
    let s = rig.camera().stats();
    assert_eq!((s.preset_stored, s.preset_recalled), (Some(3), Some(3)));
    op(&mut rig, Op::SetIr(true));
    op(&mut rig, Op::SetFlipMirror(FlipMirror::FlipMirror));
    let s = rig.camera().stats();
    assert!(s.ir);
    assert_eq!(s.flip_mirror, 3);
    let p = Params::from_reply(&op(&mut rig, Op::GetParams));
    assert_eq!(p.firmware.as_deref(), Some("48.53.64.1 (pppp emulator)"));
    assert_eq!(p.name.as_deref(), Some("pppp emulator"));
    assert_eq!(p.mac.as_deref(), Some("00:b9:c0:00:a9:b3"));
    assert_eq!(p.app_version.as_deref(), Some("1.0.0.1 (pppp emulator)"));
    assert!(p.time.is_some());
    let nets = ops::wifi_networks(&op(&mut rig, Op::WifiScan));
    assert_eq!(nets.len(), 2);
    assert_eq!(nets[0].ssid, "pppp-lab");
    assert_eq!(nets[0].signal, Some(100));
    assert_eq!(nets[1].channel, Some(11));
    op(
        &mut rig,
        Op::SetWifi {
            ssid: "home net".into(),
            password: "p&ss=word".into(),
        },
    );
    assert_eq!(
        rig.camera().stats().wifi,
        Some(("home net".into(), "p&ss=word".into()))
    );
    op(
        &mut rig,
        Op::SetTime {
            epoch: 1_750_000_000,
            tz_offset_secs: 7200,
        },
    );
    assert_eq!(rig.camera().stats().clock, Some(1_750_000_000));
    let sd = ops::sd_info(&op(&mut rig, Op::SdInfo));
    assert_eq!(
        (sd.present, sd.total, sd.free),
        (Some(true), Some(30436), Some(29112))
    );

    // Unsupported operations are refused before sending.
    let now = rig.net.now();
    assert!(matches!(
        rig.controller().op(now, Op::SetWhiteLight(true)),
        Err(ControllerError::Unsupported(_))
    ));
    assert!(matches!(
        rig.controller().op(now, Op::start_video(2)),
        Err(ControllerError::Unsupported(_))
    ));

    // Video through livestream.cgi.
    rig.stream(4, Duration::from_secs(10));
    assert_frames_intact(&rig.frames(), &c, 4);
    let now = rig.net.now();
    let id = rig.controller().stop_video(now).unwrap();
    outcome(&mut rig, id).unwrap();
    assert_eq!(rig.controller_ref().stats().bad_replies, 0);
}

#[test]
fn binary_camera_end_to_end() {
    let c = cam(BATD, None);
    assert_eq!(c.dialect, Dialect::Binary);
    let mut rig = rig_with(c.clone(), 2, |_| {});
    rig.connect();
    assert_eq!(
        dialect_events(&rig),
        [(Dialect::Binary, DialectSource::Prefix)]
    );
    let (accepted, result, reply) = login_event(&mut rig);
    assert!(accepted, "{reply}");
    assert_eq!(result, 0);
    assert_eq!(reply["cmd"], 0x1120);
    // The ticket of the login reply (A18's, varied per session by the emulator).
    let ticket = rig.controller_ref().ticket();
    assert_eq!(&ticket[..3], &[0x35, 0x55, 0x62]);

    // Raw binary command: the status (ACK = cmd + 0x100) with its decoded fields.
    let now = rig.net.now();
    let id = rig.controller().binary(now, 0x1008, &[]).unwrap();
    let st = outcome(&mut rig, id).unwrap();
    assert_eq!(st["dialect"], "binary");
    assert_eq!(st["cmd"], 0x1108);
    assert_eq!(st["payload_hex"].as_str().unwrap().len(), 248);
    assert_eq!(st["status"]["firmware"], "1.0.2.53");
    let p = Params::from_reply(&st);
    assert_eq!((p.signal, p.battery), (Some(-60), Some(3900)));

    op(&mut rig, Op::ToggleIr);
    assert!(rig.camera().stats().ir);
    op(&mut rig, Op::ToggleIr);
    assert!(!rig.camera().stats().ir);
    op(&mut rig, Op::Ptz(PtzDirection::Right));
    assert_eq!(rig.camera().stats().last_ptz_command, Some(3));
    op(&mut rig, Op::PtzStop);
    assert_eq!(rig.camera().stats().last_ptz_command, Some(12));
    op(&mut rig, Op::SetFlipMirror(FlipMirror::Flip));
    assert_eq!(rig.camera().stats().flip_mirror, 1);
    let nets = ops::wifi_networks(&op(&mut rig, Op::WifiScan));
    assert_eq!(nets.len(), 2);
    assert_eq!(nets[0].ssid, "pppp-lab");
    assert_eq!(nets[1].signal, Some(-77));
    assert_eq!(nets[0].mac.as_deref(), Some("a6:40:a0:59:23:a0"));
    op(
        &mut rig,
        Op::SetWifi {
            ssid: "lab".into(),
            password: "secret".into(),
        },
    );
    assert_eq!(
        rig.camera().stats().wifi,
        Some(("lab".into(), "secret".into()))
    );
    let now = rig.net.now();
    for unsupported in [Op::SetIr(true), Op::SdInfo, Op::PtzGotoPreset(1)] {
        let e = rig.controller().op(now, unsupported).unwrap_err();
        assert!(
            e.to_string()
                .contains("not supported by the binary dialect"),
            "{e}"
        );
    }

    rig.stream(4, Duration::from_secs(10));
    assert_frames_intact(&rig.frames(), &c, 4);
    assert_eq!(rig.camera().stats().binary_resolution, Some(2));
    assert_eq!(rig.controller_ref().stats().bad_replies, 0);
}

#[test]
fn shix_typed_catalogue() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 3);
    rig.connect();
    assert_eq!(
        dialect_events(&rig),
        [(Dialect::Shix, DialectSource::Prefix)]
    );
    rig.connect_and_login();
    op(&mut rig, Op::Ptz(PtzDirection::Up));
    assert_eq!(rig.camera().stats().last_ptz, Some((0, 0)));
    op(&mut rig, Op::PtzStop);
    assert_eq!(rig.camera().stats().last_ptz, Some((0, 1)));
    // Direction unknown: every axis is stopped, one reply is reported.
    let r = op(&mut rig, Op::PtzStop);
    assert_eq!(r["cmd"], 128);
    assert_eq!(rig.camera().stats().last_ptz, Some((0, 7)));
    op(&mut rig, Op::PtzCenter);
    assert_eq!(rig.camera().stats().last_ptz, Some((1, 132)));
    op(&mut rig, Op::SetIr(true));
    op(&mut rig, Op::SetWhiteLight(true));
    op(&mut rig, Op::SetFlipMirror(FlipMirror::Mirror));
    let s = rig.camera().stats();
    assert!(s.ir && s.white_light);
    assert_eq!(s.flip_mirror, 2);
    let p = Params::from_reply(&op(&mut rig, Op::GetParams));
    assert_eq!(p.firmware.as_deref(), Some("PPPP_FAKE_1.0 (pppp emulator)"));
    assert_eq!(p.battery, Some(90));
    let nets = ops::wifi_networks(&op(&mut rig, Op::WifiScan));
    assert_eq!(nets.len(), 2);
    op(
        &mut rig,
        Op::SetWifi {
            ssid: "x".into(),
            password: "y".into(),
        },
    );
    assert_eq!(rig.camera().stats().wifi, Some(("x".into(), "y".into())));
    // set_datetime is answered as 128 (reply alias).
    let r = op(
        &mut rig,
        Op::SetTime {
            epoch: 1_700_000_123,
            tz_offset_secs: 3600,
        },
    );
    assert_eq!(r["cmd"], 128);
    assert_eq!(rig.camera().stats().clock, Some(1_700_000_123));
    let sd = ops::sd_info(&op(&mut rig, Op::SdInfo));
    assert_eq!(sd.present, Some(false));
    let mut fields = serde_json::Map::new();
    fields.insert("lamp".into(), json!(0));
    op(&mut rig, Op::SetParams(fields));
    let now = rig.net.now();
    for o in [
        Op::Ptz(PtzDirection::UpLeft),
        Op::PtzSetPreset(1),
        Op::ToggleIr,
    ] {
        let e = rig.controller().op(now, o).unwrap_err();
        assert!(e.to_string().contains("shix dialect"), "{e}");
    }
    op(&mut rig, Op::Reboot);
    rig.net.drive_for(Duration::from_secs(1));
    assert_eq!(rig.camera().stats().reboots, 1);
}

#[test]
fn shix_family_numbering_is_per_family() {
    let mut c = camera_config();
    c.family = &shix::HDWIFICAM_PRO;
    let mut rig = rig_with(c, 4, |ctl| ctl.family = &shix::HDWIFICAM_PRO);
    rig.connect_and_login();
    // get_sd exists in this family only (109).
    let r = op(&mut rig, Op::SdInfo);
    assert_eq!(r["cmd"], 109);
    let sd = ops::sd_info(&r);
    assert_eq!((sd.present, sd.total), (Some(true), Some(30436)));
    op(
        &mut rig,
        Op::SetTime {
            epoch: 1_234_567_890,
            tz_offset_secs: -3600,
        },
    );
    assert_eq!(rig.camera().stats().clock, Some(1_234_567_890));
    // The shared numbers still work through the name mapping.
    let p = Params::from_reply(&op(&mut rig, Op::GetParams));
    assert!(p.firmware.is_some());
    // vi365's get_attribute (103) is get_user in this family: a raw command by name uses the
    // family's number.
    let now = rig.net.now();
    let id = rig
        .controller()
        .command(now, json!({"pro": "get_user"}))
        .unwrap();
    assert_eq!(outcome(&mut rig, id).unwrap()["cmd"], 103);
}

#[test]
fn wrong_password_is_refused_in_every_dialect() {
    for (i, (uid, want)) in [(UID, -3), (VSTC, -1), (BATD, -1010)]
        .into_iter()
        .enumerate()
    {
        let mut rig = rig_with(cam(uid, None), 10 + i as u64, |ctl| {
            ctl.password = "wrong".into();
        });
        rig.connect();
        let (accepted, result, _) = login_event(&mut rig);
        assert!(!accepted, "{uid}");
        assert_eq!(result, want, "{uid}");
        let s = rig.camera().stats();
        assert_eq!((s.logins_ok, s.logins_failed), (0, 1), "{uid}");
        // Nothing streams after a refused login.
        let now = rig.net.now();
        let _ = rig.controller().start_video(now, 1).unwrap();
        rig.net.drive_for(Duration::from_secs(3));
        rig.collect();
        assert_eq!(rig.video_count(), 0, "{uid}");
        assert_eq!(rig.camera().stats().video_frames, 0, "{uid}");
    }
}

#[test]
fn probing_finds_each_dialect_on_an_unknown_prefix() {
    for (i, d) in Dialect::ALL.into_iter().enumerate() {
        let c = cam(UNKNOWN, Some(d));
        let mut rig = rig_with(c.clone(), 20 + i as u64, |_| {});
        rig.connect();
        assert!(dialect_events(&rig).is_empty(), "unknown until the login");
        // Typed operations need the dialect.
        let now = rig.net.now();
        assert_eq!(
            rig.controller().op(now, Op::GetParams).unwrap_err(),
            ControllerError::DialectUnknown
        );
        let (accepted, _, _) = login_event(&mut rig);
        assert!(accepted, "{d}");
        assert_eq!(dialect_events(&rig), [(d, DialectSource::Probed)], "{d}");
        let cs = rig.controller_ref().stats();
        assert_eq!(
            cs.dialect_probes, i as u64,
            "{d}: silent wrong dialects before"
        );
        assert_eq!(cs.probe_reconnects, 0);
        // CGI and binary cameras ignore the foreign logins.
        assert_eq!(rig.camera().stats().foreign_blocks, i as u64, "{d}");
        rig.stream(3, Duration::from_secs(10));
        assert_frames_intact(&rig.frames(), &c, 3);
        assert_eq!(count(&rig, |e| matches!(e, Event::Connected { .. })), 1);
    }
}

#[test]
fn probing_reconnects_when_the_camera_closes_on_a_wrong_dialect() {
    let mut c = cam(UNKNOWN, Some(Dialect::Binary));
    c.close_on_foreign = Some(true);
    let mut rig = rig_with(c, 30, |_| {});
    rig.connect();
    let (accepted, _, _) = login_event(&mut rig);
    assert!(accepted);
    assert_eq!(
        dialect_events(&rig),
        [(Dialect::Binary, DialectSource::Probed)]
    );
    let cs = rig.controller_ref().stats();
    assert_eq!(
        cs.probe_reconnects, 2,
        "closed on the SHIX and on the CGI login"
    );
    assert_eq!(rig.camera().stats().sessions, 3);
    // The reconnections are internal: one Connected, no Closed.
    assert_eq!(count(&rig, |e| matches!(e, Event::Connected { .. })), 1);
    assert!(rig.closed().is_none());
    let now = rig.net.now();
    let id = rig.controller().binary(now, 0x1008, &[]).unwrap();
    assert_eq!(outcome(&mut rig, id).unwrap()["cmd"], 0x1108);
}

#[test]
fn a_wrong_prefix_hint_falls_back_to_probing() {
    // A VSTC UID on a SHIX camera: the CGI login makes it close, SHIX is found next.
    let c = cam(VSTC, Some(Dialect::Shix));
    let mut rig = rig_with(c, 31, |_| {});
    rig.connect();
    let (accepted, _, reply) = login_event(&mut rig);
    assert!(accepted);
    assert_eq!(reply["checkstr"], "SHIX");
    assert_eq!(
        dialect_events(&rig),
        [
            (Dialect::Cgi, DialectSource::Prefix),
            (Dialect::Shix, DialectSource::Probed)
        ]
    );
    assert_eq!(rig.controller_ref().stats().probe_reconnects, 1);
    let p = Params::from_reply(&op(&mut rig, Op::GetParams));
    assert!(p.firmware.is_some());
}

#[test]
fn a_forced_wrong_dialect_is_a_clear_error() {
    // A SHIX camera closes on a binary login.
    let mut rig = rig_with(cam(UID, None), 40, |ctl| {
        ctl.dialect = DialectChoice::Fixed(Dialect::Binary);
    });
    rig.connect();
    assert_eq!(
        dialect_events(&rig),
        [(Dialect::Binary, DialectSource::Configured)]
    );
    let now = rig.net.now();
    let id = rig.controller().login(now).unwrap();
    let e = outcome(&mut rig, id).unwrap_err();
    assert_eq!(
        e,
        CommandError::LoginUnanswered {
            tried: vec![Dialect::Binary],
            closed: true
        }
    );
    assert!(
        e.to_string().contains("does not speak the binary dialect"),
        "{e}"
    );
    assert!(rig.closed().is_some());

    // A binary camera ignores a CGI login: no answer within the command timeout.
    let mut rig = rig_with(cam(BATD, None), 41, |ctl| {
        ctl.dialect = DialectChoice::Fixed(Dialect::Cgi);
    });
    rig.connect();
    let now = rig.net.now();
    let id = rig.controller().login(now).unwrap();
    let e = outcome(&mut rig, id).unwrap_err();
    assert_eq!(
        e,
        CommandError::LoginUnanswered {
            tried: vec![Dialect::Cgi],
            closed: false
        }
    );
    assert!(e.to_string().contains("no answer to the cgi login"), "{e}");
    // The session goes on: the right dialect still works on it.
    assert!(rig.closed().is_none());
    let now = rig.net.now();
    let id = rig
        .controller()
        .binary(
            now,
            ilnk::cmd::USER_CHK,
            &ilnk::login_payload("admin", "6666").unwrap(),
        )
        .unwrap();
    assert_eq!(outcome(&mut rig, id).unwrap()["cmd"], 0x1120);
}

#[test]
fn malformed_replies_are_skipped_and_counted() {
    let mut rig = Rig::simple(LinkConfig::perfect(), 50);
    rig.connect_and_login();
    let garbage: Vec<Vec<u8>> = vec![
        // SHIX block that is not JSON.
        pppp::proto::command::encode_shix(0x80a1, b"{not json"),
        // Truncated CGI text (unsolicited, a quote never closed).
        pppp::proto::command::encode_cgi(0x6001, 0x0100, b"var alias=\"cut"),
        // Binary block shorter than its ticket.
        vec![0x11, 0x0a, 0x08, 0x11, 0x02, 0x00, 0x00, 0x00, 0xaa, 0xbb],
        // Bytes with no start code at all.
        vec![0x20, 0x00, 0x00, 0x01, 0x01, 0x00, 0x10, 0x00, 0x77],
        // A start code with an absurd length.
        vec![0x06, 0x0a, 0xa1, 0x80, 0xff, 0xff, 0xff, 0x7f],
    ];
    for g in &garbage {
        assert!(camera_mut(&mut rig).inject_command_bytes(ctl_addr(), g));
    }
    rig.net.drive_for(Duration::from_millis(500));
    rig.collect();
    let id = rig.command(json!({"pro": "get_parms"}));
    let reply = rig.reply(id, Duration::from_secs(5));
    assert_eq!(reply["cmd"], 101);
    let cs = rig.controller_ref().stats();
    assert!(cs.bad_replies >= 3, "{cs:?}");
    assert!(rig.closed().is_none());
    // The unsolicited truncated CGI reply was still reported.
    assert!(rig
        .events
        .iter()
        .any(|e| matches!(e, Event::Unsolicited(v) if v["dialect"] == "cgi")));
}

#[test]
fn bad_requests_are_errors_before_sending() {
    let mut rig = rig_with(cam(VSTC, None), 60, |_| {});
    rig.connect_and_login();
    let now = rig.net.now();
    for bad in ["", "get status.cgi", "x.cgi?a=1 2", "bad/name.cgi"] {
        assert!(
            matches!(rig.controller().cgi(now, bad), Err(ControllerError::Cgi(_))),
            "{bad:?}"
        );
    }
    assert!(matches!(
        rig.controller().binary(now, 0x1008, &vec![0; 70_000]),
        Err(ControllerError::Binary(_))
    ));
    assert!(matches!(
        rig.controller().login(now),
        Ok(_) | Err(ControllerError::LoginInProgress)
    ));
    assert!(matches!(
        rig.controller().login(now),
        Err(ControllerError::LoginInProgress)
    ));
}
