//! A wrong password (docs/protocol.md §4.2: result −3): the login is refused, every later command is
//! answered with −3, and no video starts; the right password works on the same camera.

mod common;

use std::time::Duration;

use common::*;
use pppp::proto::controller::Event;
use pppp::sim::LinkConfig;
use serde_json::json;

fn rig_with_password(password: &str, seed: u64) -> Rig {
    let cam = camera_config();
    let mut ctl = controller_config(&cam);
    ctl.password = password.into();
    Rig::new(LinkConfig::perfect(), seed, cam, ctl)
}

#[test]
fn wrong_password_is_refused_with_minus_3() {
    let mut rig = rig_with_password("not-the-password", 1);
    rig.connect();
    match rig.login() {
        Event::Login {
            accepted,
            result,
            reply,
        } => {
            assert!(!accepted);
            assert_eq!(result, -3);
            assert_eq!(reply["cmd"], 100);
            assert_eq!(reply["result"], -3);
            assert!(
                reply.get("checkstr").is_none(),
                "no login details leak: {reply}"
            );
        }
        e => panic!("{e:?}"),
    }
    let cs = rig.camera().stats();
    assert_eq!((cs.logins_ok, cs.logins_failed), (0, 1));
}

#[test]
fn commands_after_a_refused_login_get_minus_3_and_no_video() {
    let mut rig = rig_with_password("1234", 2);
    rig.connect();
    assert!(matches!(
        rig.login(),
        Event::Login {
            accepted: false,
            result: -3,
            ..
        }
    ));
    let now = rig.net.now();
    let video = rig.controller().start_video(now, 1).unwrap();
    let audio = rig.controller().start_audio(now).unwrap();
    let parms = rig.command(json!({"pro": "get_parms"}));
    let ptz = rig.command(json!({"pro": "ptz_control", "parms": 0, "value": 2}));
    for (id, cmd) in [(video, 111), (audio, 111), (parms, 101), (ptz, 128)] {
        let reply = rig.reply(id, Duration::from_secs(5));
        assert_eq!(reply["result"], -3, "{cmd}: {reply}");
        assert_eq!(reply["cmd"], cmd);
        assert!(
            reply.get("tz").is_none(),
            "no data in a refused reply: {reply}"
        );
    }
    // Nothing streams and nothing was executed.
    rig.net.drive_for(Duration::from_secs(3));
    rig.collect();
    assert_eq!(rig.video_count(), 0);
    assert!(!rig.events.iter().any(|e| matches!(e, Event::Frame(_))));
    let cs = rig.camera().stats();
    assert_eq!(cs.video_frames, 0);
    assert_eq!(cs.audio_frames, 0);
    assert_eq!(cs.last_ptz, None);
    assert_eq!(cs.commands, 5);
    let st = rig.controller_ref().stats();
    assert_eq!(st.conn.recv[1].packets, 0);
    assert_eq!(st.conn.recv[2].packets, 0);
    // The session itself stays up: a refused login is not a transport error.
    assert_eq!(rig.closed(), None);
}

#[test]
fn right_password_works_on_the_same_camera() {
    let mut cam = camera_config();
    cam.password = "s3cret".into();
    let mut ctl = controller_config(&cam);
    ctl.password = "s3cret".into();
    let mut rig = Rig::new(LinkConfig::perfect(), 3, cam.clone(), ctl);
    rig.connect();
    match rig.login() {
        Event::Login {
            accepted, result, ..
        } => {
            assert!(accepted);
            assert_eq!(result, 0);
        }
        e => panic!("{e:?}"),
    }
    rig.stream(5, Duration::from_secs(5));
    assert_frames_intact(&rig.frames(), &cam, 5);

    // The default password is now the wrong one.
    let mut ctl = controller_config(&cam);
    ctl.password = "6666".into();
    let mut rig = Rig::new(LinkConfig::perfect(), 4, cam, ctl);
    rig.connect();
    assert!(matches!(
        rig.login(),
        Event::Login {
            accepted: false,
            result: -3,
            ..
        }
    ));
}

#[test]
fn wrong_user_is_refused_too() {
    let cam = camera_config();
    let mut ctl = controller_config(&cam);
    ctl.user = "root".into();
    let mut rig = Rig::new(LinkConfig::perfect(), 5, cam, ctl);
    rig.connect();
    match rig.login() {
        Event::Login {
            accepted, result, ..
        } => {
            assert!(!accepted);
            assert!(result < 0, "{result}");
        }
        e => panic!("{e:?}"),
    }
}
