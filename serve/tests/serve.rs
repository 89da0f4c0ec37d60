//! `MediaServer` on loopback against the fake camera: many MJPEG clients on one session, a
//! client leaving mid-frame, snapshot, streaming WAV, status JSON, H.264 cameras, errors, and
//! the status page in headless Chromium (skipped with a notice when Chromium is absent).

mod rig;

use std::io::Read;

use pppp::sim::VideoCodec;
use pppp_serve::BOUNDARY;
use rig::*;

#[test]
fn many_clients_share_one_session_and_a_leaver_hurts_nobody() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();
    // A client that leaves in the middle of a JPEG.
    let mut leaver = connect(addr, "/video.mjpeg");
    let (code, headers) = head(&mut leaver);
    assert_eq!(code, 200);
    assert!(headers.contains(&format!("multipart/x-mixed-replace; boundary={BOUNDARY}")));
    let mut some = [0u8; 100];
    leaver.read_exact(&mut some).unwrap();
    drop(leaver);
    let clients: Vec<_> = (0..3)
        .map(|_| {
            std::thread::spawn(move || {
                let mut r = connect(addr, "/video.mjpeg");
                assert_eq!(head(&mut r).0, 200);
                let mut last = None;
                for _ in 0..10 {
                    let jpeg = part(&mut r);
                    assert_eq!(decode(&jpeg), (160, 96));
                    let i = jpeg_index(&jpeg);
                    assert!(last.is_none_or(|l| i > l), "frames in order");
                    last = Some(i);
                }
            })
        })
        .collect();
    for c in clients {
        c.join().unwrap();
    }
    // Still serving after all that.
    let mut r = connect(addr, "/video.mjpeg");
    head(&mut r);
    decode(&part(&mut r));
    let st = cam.stats();
    assert_eq!(st.sessions, 1, "one camera session shared by every client");
    assert!(server.stats().clients_served >= 5);
}

#[test]
fn snapshot_audio_status_and_errors() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();

    let (code, headers, jpeg) = get(addr, "/snapshot.jpg");
    assert_eq!(code, 200);
    assert!(headers.contains("content-type: image/jpeg"));
    assert_eq!(decode(&jpeg), (160, 96));

    let mut r = connect(addr, "/audio.wav");
    let (code, headers) = head(&mut r);
    assert_eq!(code, 200);
    assert!(headers.contains("audio/wav"));
    let mut h = [0u8; 44];
    r.read_exact(&mut h).unwrap();
    assert_eq!(&h[0..4], b"RIFF");
    assert_eq!(&h[8..16], b"WAVEfmt ");
    let u16at = |i: usize| u16::from_le_bytes([h[i], h[i + 1]]);
    let u32at = |i: usize| u32::from_le_bytes([h[i], h[i + 1], h[i + 2], h[i + 3]]);
    assert_eq!(
        (u16at(20), u16at(22), u16at(34)),
        (1, 1, 16),
        "PCM, mono, 16 bit"
    );
    assert_eq!(u32at(24), 8000);
    assert_eq!(&h[36..40], b"data");
    let mut pcm = vec![0u8; 16000]; // one second
    r.read_exact(&mut pcm).unwrap();
    let samples: Vec<i16> = pcm
        .chunks(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect();
    let energy = samples
        .iter()
        .map(|s| i64::from(s.unsigned_abs()))
        .sum::<i64>()
        / 8000;
    assert!(energy > 1000, "the camera's tone, not silence ({energy})");
    drop(r);

    let (code, headers, body) = get(addr, "/status.json");
    assert_eq!(code, 200);
    assert!(headers.contains("application/json"));
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["uid"], UID);
    assert_eq!(v["state"], "connected");
    assert_eq!(v["encryption"], "encrypted");
    assert!(
        !String::from_utf8_lossy(&body).contains("camera\""),
        "the PSK is never shown: {v}"
    );
    assert_eq!(v["video"]["codec"], "mjpeg");
    assert_eq!(v["video"]["width"], 160);
    assert!(v["video"]["frames"].as_u64().unwrap() > 0);
    assert_eq!(v["audio"]["codec"], "adpcm");
    assert_eq!(v["audio"]["sample_rate"], 8000);
    assert!(v["session"]["retransmits"].is_u64());

    let (code, _, page) = get(addr, "/");
    assert_eq!(code, 200);
    let page = String::from_utf8(page).unwrap();
    assert!(page.contains(r#"<img id="live" src="/video.mjpeg""#));
    assert!(page.contains("/status.json"));

    assert_eq!(get(addr, "/nope").0, 404);
    let mut r = request(addr, "POST", "/snapshot.jpg", &["Content-Length: 0"]);
    assert_eq!(head(&mut r).0, 405);
}

#[test]
fn an_11025_hz_camera_is_recognised_from_its_timestamps() {
    let cam = camera_with(VideoCodec::Mjpeg, 11025);
    let server = serve(&cam);
    let mut r = connect(server.local_addr(), "/audio.wav");
    assert_eq!(head(&mut r).0, 200);
    let mut h = [0u8; 44];
    r.read_exact(&mut h).unwrap();
    assert_eq!(u32::from_le_bytes([h[24], h[25], h[26], h[27]]), 11025);
}

#[test]
fn h264_cameras_stream_annex_b() {
    let cam = camera(VideoCodec::H264);
    let server = serve(&cam);
    let addr = server.local_addr();
    let mut r = connect(addr, "/video.h264");
    let (code, headers) = head(&mut r);
    assert_eq!(code, 200);
    assert!(headers.contains("video/h264"));
    let mut start = [0u8; 5];
    r.read_exact(&mut start).unwrap();
    assert_eq!(start, [0, 0, 0, 1, 0x67], "starts at a key frame's SPS");
    drop(r);
    let (code, _, body) = get(addr, "/snapshot.jpg");
    assert_eq!(code, 415, "{}", String::from_utf8_lossy(&body));
    assert_eq!(get(addr, "/video.mjpeg").0, 415);
    assert_eq!(get(addr, "/video.h265").0, 415);
}

#[test]
fn status_page_in_headless_chromium() {
    let Some(chromium) = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
    else {
        println!("NOTICE: chromium is not installed; skipping the headless browser check (apt-get install chromium)");
        return;
    };
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let profile = std::env::temp_dir().join(format!("pppp-chromium-{}", std::process::id()));
    let out = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("http://{}/", server.local_addr()))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(
        dom.contains(r#"data-live="1""#),
        "the live picture did not load: {dom}"
    );
    assert!(dom.contains(UID), "status not shown: {dom}");
    assert!(dom.contains("mjpeg 160×96"), "video stats not shown: {dom}");
    assert!(server.stats().clients_served >= 1);
}
