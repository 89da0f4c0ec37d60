//! The synchronous client against the fake camera on real loopback sockets.

mod common;

use std::time::Duration;

use pppp::client::{discover, CameraServer, DiscoverOptions, Session, SessionConfig};
use pppp::Error;

const UID: &str = "DGOA-654321-QWERT";

fn camera(psk: Option<&str>) -> CameraServer {
    let mut c = common::loopback_config(UID);
    c.width = 160;
    c.height = 120;
    c.fps = 25;
    c.psk = psk.map(str::to_owned);
    common::start_loopback(c)
}

fn config(cam: &CameraServer) -> SessionConfig {
    let mut c = SessionConfig::new(UID).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(5);
    c
}

#[test]
fn connect_login_stream_close() {
    let cam = camera(Some("camera"));
    let s = Session::connect(config(&cam)).unwrap();
    assert_eq!(
        s.peer(),
        Some(cam.session_addr()),
        "follows the camera to its session port"
    );
    assert_eq!(s.cipher().unwrap().name(), Some("camera"));
    let info = s.login().unwrap();
    assert_eq!(info["result"], 0);
    s.start_video().unwrap();
    let mut got = 0;
    while got < 10 {
        let f = s
            .next_frame(Duration::from_secs(5))
            .unwrap()
            .expect("a frame within 5 s");
        jpeg_decoder::Decoder::new(&f.data[..]).decode().unwrap();
        got += 1;
    }
    let reply = s.command(serde_json::json!({"pro": "get_parms"})).unwrap();
    assert_eq!(reply["cmd"], 101);
    s.close();
    assert!(!s.is_open());
    assert!(matches!(
        s.command(serde_json::json!({"cmd": 101})),
        Err(Error::Closed(_))
    ));
}

#[test]
fn wrong_password_is_a_distinct_error() {
    let cam = camera(None);
    let s = Session::connect(config(&cam).credentials("admin", "nope")).unwrap();
    match s.login() {
        Err(Error::WrongPassword { result }) => assert_eq!(result, -3),
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_input_errors() {
    let cam = camera(None);
    let mut c = config(&cam);
    c.uid = "DGOA-12X456-ABCDE".into();
    assert!(matches!(Session::connect(c), Err(Error::InvalidUid(_))));
    assert!(matches!(
        pppp::client::parse_psk("nosuchpsk"),
        Err(Error::UnknownPsk(_))
    ));
    let mut c = config(&cam);
    c.host = Some("127.0.0.1:notaport".into());
    assert!(matches!(
        Session::connect(c),
        Err(Error::InvalidAddress { .. })
    ));
}

#[test]
fn offline_camera() {
    let cam = camera(None);
    let mut c = config(&cam);
    c.uid = "DGOA-000001-AAAAA".into(); // nobody answers for this UID
    c.connect_timeout = Duration::from_millis(800);
    match Session::connect(c) {
        Err(Error::Offline { uid, .. }) => assert_eq!(uid, "DGOA-000001-AAAAA"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn discovery_by_unicast() {
    let cam = camera(Some("SHIX"));
    let devices = discover(&DiscoverOptions {
        to: vec![cam.lan_addr().to_string()],
        broadcast: false,
        timeout: Duration::from_millis(600),
        ..DiscoverOptions::default()
    })
    .unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0].uid.to_string(), UID);
    assert_eq!(devices[0].addr, cam.session_addr());
    assert_eq!(devices[0].cipher.name(), Some("SHIX"));
}

#[test]
fn close_wakes_readers_blocked_in_next_frame_and_next_audio() {
    let cam = camera(None);
    let s = std::sync::Arc::new(Session::connect(config(&cam)).unwrap());
    s.login().unwrap();
    let (done, ended) = std::sync::mpsc::channel();
    for audio in [false, true] {
        let (s, done) = (s.clone(), done.clone());
        std::thread::spawn(move || {
            // Neither video nor audio was started: only the close ends these waits.
            let r = if audio {
                s.next_audio(Duration::from_secs(3600))
            } else {
                s.next_frame(Duration::from_secs(3600))
            };
            let _ = done.send(r.map(|f| f.is_some()));
        });
    }
    common::spin_until("both readers block", || s.blocked_readers() == 2);
    s.close();
    for _ in 0..2 {
        let r = ended
            .recv_timeout(Duration::from_secs(60))
            .expect("the close woke the blocked reader");
        assert!(matches!(r, Err(Error::Closed(_))), "{r:?}");
    }
    assert_eq!(s.blocked_readers(), 0);
}

#[test]
fn a_frame_taken_is_already_counted() {
    let cam = camera(Some("camera"));
    let s = Session::connect(config(&cam)).unwrap();
    s.login().unwrap();
    s.start_video().unwrap();
    // Take each frame the moment it is queued (spinning, so that the I/O thread is caught
    // right after it hands the frame over): the counters must already include it.
    for got in 1..=10 {
        common::spin_until("a frame", || s.try_next_frame().is_some());
        let counted = s.stats().controller.video_frames;
        assert!(counted >= got, "frame {got} taken, {counted} counted");
    }
    s.close();
}
