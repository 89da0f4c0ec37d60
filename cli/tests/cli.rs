//! The `pppp` binary end to end, on loopback.

mod common;

use common::{pppp, Camera};

/// A `pppp camera` child showing 160x120 pictures at 20 fps, with `extra` options.
fn start_camera(extra: &[&str]) -> Camera {
    let picture = ["--width", "160", "--height", "120", "--fps", "20"];
    Camera::start(&[&picture[..], extra].concat())
}

#[test]
fn demo_runs_and_reports() {
    let out = pppp().args(["demo", "--seconds", "1.5"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("discovered DGOA-123456-ABCDE"), "{text}");
    assert!(text.contains("logged in"), "{text}");
    assert!(text.contains("demo OK"), "{text}");
}

#[test]
fn discover_stream_cmd_against_pppp_camera() {
    let cam = start_camera(&["--psk", "SHIX"]);
    let out = pppp()
        .args([
            "discover",
            "--no-broadcast",
            "--json",
            "--timeout",
            "0.6",
            "--to",
            &cam.lan,
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["uid"], "DGOA-123456-ABCDE");
    assert_eq!(list[0]["psk"], "SHIX");

    let dir = std::env::temp_dir().join(format!("pppp-cli-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = pppp()
        .args([
            "stream",
            "--uid",
            "DGOA-123456-ABCDE",
            "--host",
            &cam.lan,
            "--frames",
            "8",
        ])
        .args(["--no-broadcast", "--json", "--out"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let summary: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(summary["summary"]["frames"], 8);
    let saved: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(saved.len(), 8);
    let first = std::fs::read(dir.join("frame-000001.jpg")).unwrap();
    assert_eq!(&first[..2], &[0xff, 0xd8]);
    std::fs::remove_dir_all(&dir).unwrap();

    let out = pppp()
        .args([
            "cmd",
            "--uid",
            "DGOA-123456-ABCDE",
            "--host",
            &cam.lan,
            "--no-broadcast",
        ])
        .arg(r#"{"pro":"get_parms","cmd":101}"#)
        .output()
        .unwrap();
    assert!(out.status.success());
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["cmd"], 101);
    assert_eq!(reply["result"], 0);
}

#[test]
fn errors_are_one_line_with_specific_exit_codes() {
    let cam = start_camera(&[]);
    let run = |args: &[&str]| {
        let out = pppp().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        (out.status.code().unwrap(), err)
    };
    let (code, err) = run(&[
        "cmd",
        "--uid",
        "DGOA-12x456-ABCDE",
        "--host",
        &cam.lan,
        "{}",
    ]);
    assert_eq!(code, 2);
    assert!(err.starts_with("pppp: error: invalid UID"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let (code, err) = run(&[
        "cmd",
        "--uid",
        "DGOA-123456-ABCDE",
        "--host",
        &cam.lan,
        "--password",
        "x",
        "{}",
    ]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("wrong user or password"), "{err}");

    let (code, err) = run(&[
        "cmd",
        "--uid",
        "DGOA-123456-ABCDE",
        "--host",
        &cam.lan,
        "--psk",
        "nope",
        "{}",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown PSK"), "{err}");

    let (code, err) = run(&[
        "cmd",
        "--uid",
        "DGOA-999999-ABCDE",
        "--host",
        &cam.lan,
        "--no-broadcast",
        "--timeout",
        "0.5",
        "{}",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("offline"), "{err}");

    let (code, err) = run(&[
        "cmd",
        "--uid",
        "DGOA-123456-ABCDE",
        "--host",
        &cam.lan,
        "not json",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not valid JSON"), "{err}");
    assert!(!err.contains("panicked") && !err.contains("backtrace"));

    let (code, err) = run(&["camera", "--lan-port", "0", "--max-sessions", "0"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--max-sessions must be 1-1024"), "{err}");
}
