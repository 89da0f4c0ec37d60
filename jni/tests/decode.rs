//! The H.264 decoder on Main and High profile streams from a real encoder (x264 through
//! ffmpeg, which the test command installs): every access unit decodes, and every picture
//! matches ffmpeg's own decoding of the same file.

use std::path::{Path, PathBuf};
use std::process::Command;

use pppp::sim::video::H264File;
use vstc2_jni::decode::{i420_len, H264Decoder};

const W: usize = 320;
const H: usize = 240;
const FRAMES: usize = 30;

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg is needed (scripts/test-all.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn encode(dir: &Path, profile: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(format!("{profile}.h264"));
    let frames = FRAMES.to_string();
    let mut args = vec![
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=320x240:rate=15",
        "-frames:v",
        &frames,
        "-c:v",
        "libx264",
        "-profile:v",
        profile,
        "-pix_fmt",
        "yuv420p",
        "-g",
        "10",
    ];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["-f", "h264", out.to_str().unwrap()]);
    ffmpeg(&args);
    out
}

/// ffmpeg's decoding of `file` as raw I420 pictures in display order.
fn reference(file: &Path) -> Vec<Vec<u8>> {
    let raw = file.with_extension("yuv");
    ffmpeg(&[
        "-i",
        file.to_str().unwrap(),
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        raw.to_str().unwrap(),
    ]);
    let data = std::fs::read(raw).unwrap();
    data.chunks(i420_len(W, H)).map(<[u8]>::to_vec).collect()
}

fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) - f64::from(*y)).powi(2))
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64.powi(2) / mse).log10()
    }
}

fn check(profile: &str, profile_idc: u8, extra: &[&str]) {
    let tag = format!("{profile}{}", extra.join(""));
    let dir = std::env::temp_dir().join(format!("pppp-jni-decode-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = encode(&dir, profile, extra);
    let data = std::fs::read(&file).unwrap();
    let sps = pppp::media::nal_units(&data)
        .find(|n| n[0] & 0x1f == 7)
        .unwrap();
    assert_eq!(sps[1], profile_idc, "x264 wrote the {profile} profile");
    let units = H264File::parse(&data).unwrap();
    assert_eq!(units.len(), FRAMES);
    let mut dec = H264Decoder::new().unwrap();
    let mut pictures = Vec::new();
    for i in 0..units.len() {
        let out = dec
            .decode(units.unit(i).0)
            .unwrap_or_else(|e| panic!("{profile}: unit {i} (key {}): {e}", units.unit(i).1));
        if let Some(p) = out {
            assert_eq!((p.width, p.height), (W, H));
            assert_eq!(p.yuv.len(), W * H * 3 / 2);
            pictures.push(p.yuv);
        }
    }
    let reference = reference(&file);
    assert_eq!(reference.len(), FRAMES);
    // B frames are reordered: the decoder may hold the last pictures back until the stream
    // goes on (a live stream always does); every picture it gave matches ffmpeg's, in order.
    assert!(
        pictures.len() >= FRAMES - 3,
        "{profile}: {} of {FRAMES} pictures",
        pictures.len()
    );
    for (i, (p, r)) in pictures.iter().zip(&reference).enumerate() {
        let q = psnr(p, r);
        assert!(
            q > 45.0,
            "{profile}: picture {i} differs from ffmpeg's (PSNR {q:.1} dB)"
        );
    }
    dec.reset().unwrap();
    assert!(
        dec.decode(units.unit(1).0).unwrap_or(None).is_none(),
        "a reset decoder has no references"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn decodes_x264_main_profile() {
    check("main", 77, &[]);
}

#[test]
fn decodes_x264_high_profile() {
    check("high", 100, &[]);
}

#[test]
fn decodes_x264_high_profile_without_b_frames() {
    check("high", 100, &["-bf", "0"]);
}

#[test]
fn decodes_x264_baseline_profile() {
    check("baseline", 66, &[]);
}
