//! `pppp camera --codec h264 --h264-file FILE`: a real encoder's Main/High profile stream
//! (x264 through ffmpeg, which the test command installs) is sent access unit by access unit,
//! looped, with key frames where the file has them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use pppp::sim::video::H264File;

const UID: &str = "VSTC-424242-FILEH";

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pppp-h264-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Encodes `frames` frames of ffmpeg's test pattern with x264 at `profile`.
fn x264(dir: &Path, profile: &str, frames: u32) -> PathBuf {
    let out = dir.join(format!("{profile}.h264"));
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i"])
        .arg("testsrc=size=320x240:rate=15")
        .args([
            "-frames:v",
            &frames.to_string(),
            "-c:v",
            "libx264",
            "-profile:v",
            profile,
        ])
        .args(["-pix_fmt", "yuv420p", "-g", "15", "-f", "h264"])
        .arg(&out)
        .status()
        .expect("ffmpeg is needed (scripts/test-all.sh installs it)");
    assert!(status.success(), "ffmpeg could not encode {profile}");
    out
}

struct Camera(Child);

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `pppp camera` with `args` on free loopback ports; returns it and its LAN address.
fn camera(args: &[&str]) -> (Camera, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pppp"))
        .args([
            "camera",
            "--uid",
            UID,
            "--lan-port",
            "0",
            "--duration",
            "30",
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("listening on ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    (Camera(child), addr)
}

#[test]
fn camera_streams_a_high_profile_file_in_a_loop() {
    let dir = tmpdir("loop");
    let file = x264(&dir, "high", 20);
    let data = std::fs::read(&file).unwrap();
    let units = H264File::parse(&data).unwrap();
    assert_eq!(units.len(), 20);
    let (first, key) = units.unit(0);
    assert!(key);
    assert_eq!(units.next_key(1), 15, "-g 15: the second IDR is unit 15");
    let (_cam, addr) = camera(&[
        "--codec",
        "h264",
        "--fps",
        "30",
        "--h264-file",
        file.to_str().unwrap(),
    ]);
    let prefix = dir.join("rec");
    let out = Command::new(env!("CARGO_BIN_EXE_pppp"))
        .args([
            "record",
            "--uid",
            UID,
            "--host",
            &addr,
            "--no-broadcast",
            "--seconds",
            "1.5",
        ])
        .args(["--no-audio", "--out"])
        .arg(&prefix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rec = std::fs::read(dir.join("rec.h264")).unwrap();
    // The recording starts at the file's first access unit and goes on past its end (looped).
    assert!(
        rec.starts_with(first),
        "recording does not start with the file's IDR"
    );
    assert!(
        rec.len() > data.len(),
        "{} bytes recorded, file {}",
        rec.len(),
        data.len()
    );
    let sps = pppp::media::nal_units(&rec).next().unwrap();
    assert_eq!(
        (sps[0] & 0x1f, sps[1]),
        (7, 100),
        "SPS of the High profile (profile_idc 100)"
    );
    let dec = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(dir.join("rec.h264"))
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    assert!(
        dec.status.success() && dec.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&dec.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn h264_file_needs_h264_and_a_readable_stream() {
    let dir = tmpdir("bad");
    let junk = dir.join("junk.h264");
    std::fs::write(&junk, b"no start codes here").unwrap();
    for (args, expect) in [
        (
            vec!["--h264-file", junk.to_str().unwrap()],
            "--h264-file needs --codec h264",
        ),
        (
            vec!["--codec", "h264", "--h264-file", junk.to_str().unwrap()],
            "no H.264 picture",
        ),
        (
            vec!["--codec", "h264", "--h264-file", "/nonexistent.h264"],
            "cannot read",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_pppp"))
            .args(["camera", "--uid", UID, "--lan-port", "0", "--duration", "0"])
            .args(&args)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && text.contains(expect),
            "{args:?}: {text}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
