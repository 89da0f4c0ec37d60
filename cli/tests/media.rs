//! `pppp record`, `snapshot`, `talk`, `dissect` and `camera --codec/--audio` end to end, on
//! loopback against the fake camera (in-process, so its counters can be checked).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use pcap_file::pcap::{PcapHeader, PcapPacket, PcapWriter};
use pcap_file::DataLink;
use pppp::capture::ethernet_ipv4_udp;
use pppp::client::{CameraServer, CameraServerConfig};
use pppp::proto::adpcm;
use pppp::proto::conn::ConnConfig;
use pppp::proto::controller::{Controller, ControllerConfig, Event};
use pppp::sim::video::{h264_access_unit, FrameSpec};
use pppp::sim::{
    jpeg, AudioCodec, CameraConfig, CameraStats, Endpoint, FakeCamera, LinkConfig, Network,
    VideoCodec,
};
use pppp::Uid;

const UID: &str = "DGOA-515151-MEDIA";

fn pppp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pppp"))
}

fn camera(codec: VideoCodec, audio: AudioCodec) -> CameraServer {
    camera_at(codec, audio, 8000)
}

fn camera_at(codec: VideoCodec, audio: AudioCodec, audio_rate: u32) -> CameraServer {
    CameraServer::start(CameraServerConfig {
        camera: config_at(codec, audio, audio_rate),
        link: None,
        driver: None,
    })
    .unwrap()
}

fn config_at(codec: VideoCodec, audio: AudioCodec, audio_rate: u32) -> CameraConfig {
    let mut c = CameraConfig::new(Uid::parse(UID).unwrap(), "127.0.0.1".parse().unwrap());
    c.lan_addr = "127.0.0.1:0".parse().unwrap();
    c.session_addr = "127.0.0.1:0".parse().unwrap();
    c.width = 160;
    c.height = 96;
    c.fps = 20;
    c.video_codec = codec;
    c.audio_codec = audio;
    c.audio_rate = audio_rate;
    c.psk = Some("camera".into());
    c
}

/// The counters of `cam` once the session that recorded from it has ended (the camera
/// publishes them a few times per second).
fn stats_after_session(cam: &CameraServer) -> CameraStats {
    let start = Instant::now();
    loop {
        let st = cam.stats();
        if st.active_sessions == 0 || start.elapsed() > Duration::from_secs(30) {
            return st;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The PCM a recording of the emulator's first `n` audio frames holds: each frame as the
/// camera made it, through the camera's encoder and the recorder's decoder.
fn emulator_audio(config: &CameraConfig, n: usize) -> Vec<i16> {
    let model = FakeCamera::new(config.clone(), Instant::now());
    (0..n as u32)
        .flat_map(|i| {
            let pcm = model.audio_pcm(i);
            match config.audio_codec {
                AudioCodec::Adpcm => adpcm::decode(&adpcm::encode(&pcm)),
                AudioCodec::Alaw => adpcm::alaw_decode(&adpcm::alaw_encode(&pcm)),
            }
        })
        .collect()
}

/// Checks a WAV file of the emulator's audio: whole frames of 512 samples, exactly the first
/// ones the camera sent (no gap, nothing repeated), no more than it sent.
fn check_emulator_wav(path: &Path, config: &CameraConfig, st: &CameraStats) -> usize {
    let mut wav = hound::WavReader::open(path).unwrap();
    let samples: Vec<i16> = wav.samples::<i16>().map(Result::unwrap).collect();
    assert!(
        !samples.is_empty() && samples.len().is_multiple_of(512),
        "{}",
        samples.len()
    );
    let frames = samples.len() / 512;
    assert!(
        frames as u64 <= st.audio_frames,
        "{frames} frames recorded, {} sent",
        st.audio_frames
    );
    assert!(
        samples == emulator_audio(config, frames),
        "the WAV holds the emulator's first {frames} audio frames"
    );
    frames
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pppp-media-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(cmd: &mut Command) -> (Output, String) {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn conn_args(cam: &CameraServer) -> Vec<String> {
    vec![
        "--uid".into(),
        UID.into(),
        "--host".into(),
        cam.lan_addr().to_string(),
        "--no-broadcast".into(),
    ]
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// ffprobe's `key=value` output for `path`, if ffprobe is installed.
fn ffprobe(path: &Path) -> Option<String> {
    if !have("ffprobe") {
        println!("NOTICE: ffprobe is not installed; the files are checked by parsing only");
        return None;
    }
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-show_entries"])
        .arg("stream=codec_name,width,height,nb_read_frames,sample_rate,channels")
        .args(["-of", "default=noprint_wrappers=1"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "ffprobe rejects {}", path.display());
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn record_mjpeg_avi_and_wav() {
    // At 11025 Hz the emulator's 500 Hz tone differs from one 512-sample frame to the next
    // (at 8000 Hz every frame is the same), so the WAV shows a lost or repeated frame. The rate
    // is given, so the file does not depend on the rate measured from timestamps.
    let config = config_at(VideoCodec::Mjpeg, AudioCodec::Adpcm, 11025);
    let cam = camera_at(VideoCodec::Mjpeg, AudioCodec::Adpcm, 11025);
    let dir = tmpdir("avi");
    let prefix = dir.join("clip");
    let (out, text) = run(pppp()
        .arg("record")
        .args(conn_args(&cam))
        .args(["--seconds", "2", "--audio-rate", "8000", "--out"])
        .arg(&prefix));
    assert!(out.status.success(), "{text}");
    let st = stats_after_session(&cam);
    let avi = std::fs::read(dir.join("clip.avi")).unwrap();
    let info = pppp_serve::avi::parse(&avi).expect("a RIFF AVI");
    assert_eq!(&info.handler, b"MJPG");
    assert_eq!(info.size, (160, 96));
    let n = info.frames.len();
    assert!(n >= 2, "{n} frames");
    assert!(text.contains(&format!("{n} mjpeg frames")), "{text}");
    assert_eq!(info.total_frames as usize, n);
    assert_eq!(info.index.len(), n, "idx1 lists every frame");
    assert!(
        info.fps.is_finite() && (1.0..=120.0).contains(&info.fps),
        "fps {}",
        info.fps
    );
    // The emulator's frames from its first on, in order, none missing or repeated, no more
    // than it sent.
    assert!(
        n as u64 <= st.video_frames,
        "{n} recorded, {} sent",
        st.video_frames
    );
    for (i, f) in info.frames.iter().enumerate() {
        assert!(
            *f == jpeg::frame(i as u64, config.width, config.height, config.quality),
            "frame {i} of {n} is not the emulator's frame {i}"
        );
    }
    jpeg_decoder::Decoder::new(&info.frames[0][..])
        .decode()
        .unwrap();
    let wav = hound::WavReader::open(dir.join("clip.wav")).unwrap();
    let spec = wav.spec();
    assert_eq!(
        (spec.channels, spec.bits_per_sample, spec.sample_rate),
        (1, 16, 8000)
    );
    let frames = check_emulator_wav(&dir.join("clip.wav"), &config, &st);
    assert!(
        text.contains(&format!("{} samples at 8000 Hz", frames * 512)),
        "{text}"
    );
    if let Some(p) = ffprobe(&dir.join("clip.avi")) {
        assert!(
            p.contains("codec_name=mjpeg") && p.contains("width=160"),
            "{p}"
        );
        assert!(p.contains(&format!("nb_read_frames={n}")), "{p}");
    }
    if let Some(p) = ffprobe(&dir.join("clip.wav")) {
        assert!(
            p.contains("codec_name=pcm_s16le") && p.contains("sample_rate=8000"),
            "{p}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The emulator's H.264 stream: frame `i` of a `gop`-frame group of pictures (what
/// `FakeCamera` sends when the picture size does not change).
fn emulator_h264(config: &CameraConfig, frames: u32) -> Vec<u8> {
    let gop = config.gop.max(1);
    (0..frames)
        .flat_map(|index| {
            h264_access_unit(&FrameSpec {
                index,
                gop_pos: index % gop,
                key_count: index.div_ceil(gop), // key frames sent before this one
                width: config.width,
                height: config.height,
            })
        })
        .collect()
}

#[test]
fn record_h264_and_alaw() {
    let config = config_at(VideoCodec::H264, AudioCodec::Alaw, 8000);
    let cam = camera_at(VideoCodec::H264, AudioCodec::Alaw, 8000);
    let dir = tmpdir("h264");
    let prefix = dir.join("cam");
    let (out, text) = run(pppp()
        .arg("record")
        .args(conn_args(&cam))
        .args(["--seconds", "1.5", "--out"])
        .arg(&prefix));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("h264"), "{text}");
    let st = stats_after_session(&cam);
    let h264 = std::fs::read(dir.join("cam.h264")).unwrap();
    assert_eq!(
        &h264[..5],
        &[0, 0, 0, 1, 0x67],
        "starts with the SPS of a key frame"
    );
    assert_eq!(
        pppp::media::picture_size(pppp::proto::av::Codec::H264, &h264),
        Some((160, 96))
    );
    // Exactly the emulator's first n access units, no more than it sent.
    let n = (1..=st.video_frames as u32)
        .find(|&n| emulator_h264(&config, n).len() >= h264.len())
        .expect("no longer than what the camera sent");
    assert!(
        h264 == emulator_h264(&config, n),
        "the file is the emulator's first {n} access units"
    );
    assert!(text.contains(&format!("{n} h264 frames")), "{text}");
    let wav = hound::WavReader::open(dir.join("cam.wav")).unwrap();
    assert_eq!(wav.spec().sample_rate, 8000, "A-law is 8 kHz");
    // (At 8000 Hz the emulator's frames are all alike: this checks their content and count.)
    check_emulator_wav(&dir.join("cam.wav"), &config, &st);
    if let Some(p) = ffprobe(&dir.join("cam.h264")) {
        assert!(
            p.contains("codec_name=h264") && p.contains("height=96"),
            "{p}"
        );
    }
    if have("ffmpeg") {
        // The emulator's H.264 decodes without a single error.
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(dir.join("cam.h264"))
            .args(["-f", "null", "-"])
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn record_measures_the_audio_rate_or_takes_it_from_the_option() {
    let cam = camera_at(VideoCodec::Mjpeg, AudioCodec::Adpcm, 11025);
    let dir = tmpdir("rate");
    for (args, want) in [(vec![], 11025), (vec!["--audio-rate", "8000"], 8000)] {
        let prefix = dir.join(format!("r{want}"));
        let (out, text) = run(pppp()
            .arg("record")
            .args(conn_args(&cam))
            .args(["--seconds", "1.5", "--out"])
            .arg(&prefix)
            .args(&args));
        assert!(out.status.success(), "{text}");
        let wav = hound::WavReader::open(dir.join(format!("r{want}.wav"))).unwrap();
        assert_eq!(wav.spec().sample_rate, want, "{text}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snapshot_writes_a_jpeg() {
    let cam = camera(VideoCodec::Mjpeg, AudioCodec::Adpcm);
    let dir = tmpdir("snap");
    let file = dir.join("now.jpg");
    let (out, text) = run(pppp()
        .arg("snapshot")
        .args(conn_args(&cam))
        .arg("--out")
        .arg(&file));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("160x96"), "{text}");
    let jpeg = std::fs::read(&file).unwrap();
    let mut d = jpeg_decoder::Decoder::new(&jpeg[..]);
    d.decode().unwrap();
    assert_eq!(d.info().unwrap().width, 160);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn talk_plays_a_stereo_44k_wav_through_the_speaker() {
    let cam = camera(VideoCodec::Mjpeg, AudioCodec::Adpcm);
    let dir = tmpdir("talk");
    let file = dir.join("hello.wav");
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 44100,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&file, spec).unwrap();
    for i in 0..44100 {
        let s = (12000.0 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 44100.0).sin()) as i16;
        w.write_sample(s).unwrap();
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
    let (out, text) = run(pppp().arg("talk").args(conn_args(&cam)).arg(&file));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("44100 Hz"), "{text}");
    // The camera decoded one second of 8 kHz audio (padded to whole 512-sample frames).
    let mut st = cam.stats();
    for _ in 0..50 {
        if st.talk_samples >= 8000 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
        st = cam.stats();
    }
    assert_eq!(st.talk_samples, 8192, "{st:?}");
    assert_eq!(st.talk_frames, 16);
    assert!(
        st.talk_energy / st.talk_samples > 3000,
        "the tone arrived, not silence"
    );

    // The same file for a camera that plays 11025 Hz: 22 frames of 512 samples more.
    let (out, text) = run(pppp()
        .arg("talk")
        .args(conn_args(&cam))
        .args(["--rate", "11025"])
        .arg(&file));
    assert!(out.status.success(), "{text}");
    assert!(text.contains("11025 samples at 11025 Hz"), "{text}");
    for _ in 0..50 {
        if cam.stats().talk_samples >= 8192 + 11264 {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(cam.stats().talk_samples, 8192 + 11264);

    // Not a WAV file: a clear usage error before any network traffic.
    std::fs::write(dir.join("bad.wav"), b"not a wav").unwrap();
    let (out, text) = run(pppp()
        .arg("talk")
        .args(conn_args(&cam))
        .arg(dir.join("bad.wav")));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("cannot read"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn camera_rejects_unknown_codecs_and_bad_options() {
    let (out, _) = run(pppp().args(["camera", "--codec", "vp9", "--duration", "0"]));
    assert_eq!(out.status.code(), Some(2));
    let (out, _) = run(pppp().args(["camera", "--audio", "mp3", "--duration", "0"]));
    assert_eq!(out.status.code(), Some(2));
    let (out, text) = run(pppp().args([
        "record",
        "--uid",
        UID,
        "--seconds",
        "1",
        "--out",
        "x",
        "--audio-rate",
        "fast",
    ]));
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("--audio-rate"), "{text}");
    let (out, text) = run(pppp().args(["dissect", "/nonexistent/capture.pcap"]));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("cannot read"), "{text}");
}

// ---- dissect ----

struct Vector {
    hex: String,
    expect: Vec<String>,
}

/// Every packet of the protocol's vector file with the fields its dissection must show.
fn vectors() -> Vec<Vector> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/vectors/packets.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for p in v["packets"].as_array().unwrap() {
        let d = &p["decoded"];
        let mut expect = vec![d["type_name"].as_str().unwrap().to_owned()];
        if let Some(psk) = p["psk"].as_str() {
            expect.push(format!("[psk {psk}]"));
        }
        if let Some(t) = d["did"]["text"].as_str() {
            expect.push(format!("did={t}"));
        }
        if d["drw"].is_object() {
            expect.push(format!(
                "ch={} idx={}",
                d["drw"]["channel"], d["drw"]["index"]
            ));
        }
        if d["drw_ack"].is_object() {
            let idx: Vec<String> = d["drw_ack"]["indexes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.to_string())
                .collect();
            expect.push(format!("acks=[{}]", idx.join(", ")));
        }
        for b in d["app_blocks"].as_array().into_iter().flatten() {
            match b["dialect"].as_str().unwrap() {
                "shix_json" => {
                    let json: serde_json::Value =
                        serde_json::from_str(b["json"].as_str().unwrap()).unwrap();
                    let pro = json["pro"].as_str().unwrap();
                    expect.push("shix request {".to_owned());
                    expect.push(format!("\"pro\":\"{pro}\""));
                }
                "vstarcam_cgi" => {
                    let text = b["text"].as_str().unwrap_or("");
                    if text.starts_with("GET") {
                        expect.push(text.to_owned());
                    } else {
                        expect.push(format!("cgi cmd=0x{:04x}", b["cmd"].as_u64().unwrap()));
                    }
                }
                "ilnk_binary" => {
                    expect.push(format!("ilnk cmd=0x{:04x}", b["cmd"].as_u64().unwrap()));
                    if let Some(n) = b["cmd_name"].as_str() {
                        expect.push(n.to_owned());
                    }
                    if let Some(x) = b["payload_xq_decoded_hex"].as_str() {
                        expect.push(x[..x.len().min(64)].to_owned());
                    }
                }
                other => panic!("unknown dialect {other}"),
            }
        }
        out.push(Vector {
            hex: p["hex"].as_str().unwrap().to_owned(),
            expect,
        });
    }
    out
}

fn check_lines(text: &str, vectors: &[Vector]) {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), vectors.len(), "one line per datagram:\n{text}");
    for (line, v) in lines.iter().zip(vectors) {
        for e in &v.expect {
            assert!(line.contains(e.as_str()), "{:?} missing in: {line}", e);
        }
        assert!(!line.contains("UNDECODABLE"), "{line}");
    }
}

#[test]
fn dissect_vector_packets_as_hex_dump_and_pcap() {
    let vectors = vectors();
    assert!(vectors.len() >= 30);
    let dir = tmpdir("dissect");
    let dump: String = vectors.iter().map(|v| format!("{}\n", v.hex)).collect();
    std::fs::write(dir.join("packets.txt"), format!("# vectors\n{dump}")).unwrap();
    let out = pppp()
        .arg("dissect")
        .arg(dir.join("packets.txt"))
        .output()
        .unwrap();
    assert!(out.status.success());
    check_lines(&String::from_utf8_lossy(&out.stdout), &vectors);

    // The same packets in a pcap, each in its own flow.
    let mut w = PcapWriter::with_header(
        std::fs::File::create(dir.join("packets.pcap")).unwrap(),
        PcapHeader {
            datalink: DataLink::ETHERNET,
            ..PcapHeader::default()
        },
    )
    .unwrap();
    for (i, v) in vectors.iter().enumerate() {
        let data = hex_decode(&v.hex);
        let src = format!("192.0.2.1:{}", 40000 + i).parse().unwrap();
        let dst = format!("192.0.2.2:{}", 50000 + i).parse().unwrap();
        let frame = ethernet_ipv4_udp(src, dst, &data);
        w.write_packet(&PcapPacket::new(
            Duration::from_millis(i as u64),
            frame.len() as u32,
            &frame,
        ))
        .unwrap();
    }
    drop(w);
    let out = pppp()
        .arg("dissect")
        .arg(dir.join("packets.pcap"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    check_lines(&text, &vectors);
    assert!(
        text.lines()
            .all(|l| l.contains("192.0.2.1:") && l.contains("C>D")),
        "{text}"
    );
    // --json: one object per datagram with the same fields.
    let out = pppp()
        .args(["dissect", "--json"])
        .arg(dir.join("packets.pcap"))
        .output()
        .unwrap();
    let objs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objs.len(), vectors.len());
    assert_eq!(objs[0]["type"], "MSG_LAN_SEARCH");
    assert_eq!(objs[0]["direction"], "C>D");
    assert!(objs
        .iter()
        .any(|o| o["psk"] == "vstarcam2019" && o["channel"] == 0));
    let _ = std::fs::remove_dir_all(&dir);
}

fn hex_decode(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn dissect_a_capture_of_an_emulator_session() {
    // A whole session in the simulator, captured like tcpdump on the LAN would.
    let uid = Uid::parse(UID).unwrap();
    let mut cam = CameraConfig::new(uid.clone(), "10.0.0.2".parse().unwrap());
    cam.psk = Some("camera".into());
    cam.width = 96;
    cam.height = 64;
    let mut net = Network::new(LinkConfig::perfect(), 5);
    net.capture(true);
    let now = net.now();
    net.add(FakeCamera::new(cam.clone(), now));
    let ctl_addr = "10.0.0.1:50000".parse().unwrap();
    let mut c = Controller::new(
        ControllerConfig::new(ConnConfig::new(uid, vec![cam.lan_addr])),
        now,
    );
    c.start(now);
    let ctl = net.add(Endpoint::new(ctl_addr, c));
    let mut events = Vec::new();
    let mut step = |net: &mut Network, until: &dyn Fn(&[Event]) -> bool| {
        assert!(net.drive_until(Duration::from_secs(10), |n| {
            let m = &mut n.get_mut::<Endpoint<Controller>>(ctl).machine;
            while let Some(e) = m.poll_event() {
                events.push(e);
            }
            until(&events)
        }));
    };
    step(&mut net, &|e| {
        e.iter().any(|e| matches!(e, Event::Connected { .. }))
    });
    let now = net.now();
    net.get_mut::<Endpoint<Controller>>(ctl)
        .machine
        .login(now)
        .unwrap();
    step(&mut net, &|e| {
        e.iter().any(|e| matches!(e, Event::Login { .. }))
    });
    let now = net.now();
    let m = &mut net.get_mut::<Endpoint<Controller>>(ctl).machine;
    m.start_video(now, 1).unwrap();
    m.start_audio(now).unwrap();
    step(&mut net, &|e| {
        e.iter()
            .filter(|e| matches!(e, Event::Frame(f) if f.channel == 1))
            .count()
            >= 3
    });
    let captured = net.take_captured();
    assert!(captured.len() > 20);

    let dir = tmpdir("session");
    let mut w = PcapWriter::with_header(
        std::fs::File::create(dir.join("session.pcap")).unwrap(),
        PcapHeader {
            datalink: DataLink::ETHERNET,
            ..PcapHeader::default()
        },
    )
    .unwrap();
    for d in &captured {
        let (std::net::SocketAddr::V4(from), std::net::SocketAddr::V4(to)) = (d.from, d.to) else {
            panic!("IPv4 only")
        };
        let frame = ethernet_ipv4_udp(from, to, &d.data);
        w.write_packet(&PcapPacket::new(d.at, frame.len() as u32, &frame))
            .unwrap();
    }
    drop(w);
    let out = pppp()
        .arg("dissect")
        .arg(dir.join("session.pcap"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), captured.len(), "one line per datagram");
    // The controller searches under every PSK (auto mode); from the camera's answer on,
    // everything decodes under the camera's.
    assert!(
        lines
            .iter()
            .filter(|l| !l.contains("MSG_LAN_SEARCH"))
            .all(|l| l.contains("[psk camera]")),
        "PSK detected:\n{text}"
    );
    assert!(lines
        .iter()
        .any(|l| l.contains("[psk vstarcam2018] MSG_LAN_SEARCH")));
    // The expected conversation, in order.
    let steps: [(&str, &[&str]); 8] = [
        (
            "search",
            &["C>D", "10.0.0.1:50000 > 10.0.0.2:32108", "MSG_LAN_SEARCH"],
        ),
        (
            "punch",
            &[
                "D>C",
                "10.0.0.2:40000 > 10.0.0.1:50000",
                "MSG_PUNCH_PKT",
                UID,
            ],
        ),
        ("echo", &["C>D", "MSG_PUNCH_PKT", UID]),
        ("ready", &["D>C", "MSG_P2P_RDY", UID]),
        (
            "login",
            &[
                "C>D",
                "MSG_DRW ch=0 idx=0",
                "shix request",
                "\"pro\":\"check_user\"",
                "\"user\":\"admin\"",
            ],
        ),
        (
            "reply",
            &[
                "D>C",
                "MSG_DRW ch=0 idx=0",
                "shix response",
                "\"checkstr\":\"SHIX\"",
            ],
        ),
        (
            "video",
            &["D>C", "MSG_DRW ch=1", "av type=0x03(mjpeg)", "frame=0"],
        ),
        (
            "audio",
            &["D>C", "MSG_DRW ch=2", "av type=0x08(adpcm)", "frame=0"],
        ),
    ];
    let mut at = 0;
    for (name, want) in steps {
        let found = lines[at..]
            .iter()
            .position(|l| want.iter().all(|w| l.contains(w)))
            .unwrap_or_else(|| panic!("no {name} line {want:?} after line {at}:\n{text}"));
        if name != "audio" {
            at += found; // audio interleaves with video
        }
    }
    assert!(
        lines.iter().any(|l| l.contains("MSG_DRW_ACK ch=1")),
        "video ACKs"
    );
    assert!(text.contains("frame=2"), "three video frames");
    let _ = std::fs::remove_dir_all(&dir);
}
