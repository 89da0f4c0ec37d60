//! `pppp cmd` in each dialect against `pppp camera --dialect …`, on loopback: the CGI reply's
//! key/values and the binary reply's payload hex are printed, the chosen dialect is reported,
//! and dialect mistakes are clear one-line errors.

use std::process::Output;

mod common;

use common::{pppp, Camera};

/// A `pppp camera` child showing 96x64 pictures, with `extra` options.
fn start_camera(extra: &[&str]) -> Camera {
    let picture = ["--width", "96", "--height", "64"];
    Camera::start(&[&picture[..], extra].concat())
}

fn cmd(uid: &str, cam: &Camera, extra: &[&str]) -> Output {
    pppp()
        .args(["cmd", "--uid", uid, "--host", &cam.lan, "--no-broadcast"])
        .args(["--timeout", "5"])
        .args(extra)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn cgi_command_prints_key_values() {
    let uid = "QQQZ-000001-ABCDE";
    let cam = start_camera(&["--uid", uid, "--dialect", "cgi"]);
    assert!(cam.banner.contains("dialect cgi"), "{}", cam.banner);
    let out = cmd(uid, &cam, &["--dialect", "cgi", "get_status.cgi"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "alias=pppp emulator", "{stdout}");
    assert!(lines.contains(&"deviceid=QQQZ-000001-ABCDE"), "{stdout}");
    assert!(lines.contains(&"sdtotal=30436"), "{stdout}");
    assert!(
        stderr.contains("speaking the cgi dialect (configured)"),
        "{stderr}"
    );

    // Parameters pass through; --json prints the whole reply.
    let out = cmd(
        uid,
        &cam,
        &[
            "--dialect",
            "cgi",
            "--json",
            "camera_control.cgi?param=5&value=3",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let reply: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["cgi"], "camera_control");
    assert_eq!(reply["result"], 0);

    // Auto: the unknown prefix is probed (SHIX gets no answer, CGI does).
    let out = cmd(uid, &cam, &["get_camera_params.cgi"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.lines().any(|l| l == "flip=3"), "{stdout}");
    assert!(
        stderr.contains("speaking the cgi dialect (probed)"),
        "{stderr}"
    );

    // A request the camera refuses: the reply is printed, the exit code says so.
    let out = cmd(uid, &cam, &["--dialect", "cgi", "no_such.cgi"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("result=-1"));
    assert!(text(&out.stderr).contains("rejected the command (result -1)"));

    // Wrong credentials: the CGI check_user refusal is "wrong password" (exit 4).
    let out = cmd(
        uid,
        &cam,
        &["--dialect", "cgi", "--password", "x", "get_status.cgi"],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("wrong user or password"));
}

#[test]
fn binary_command_prints_payload_hex() {
    let uid = "BATD-156362-WONJM";
    let cam = start_camera(&["--uid", uid]);
    assert!(cam.banner.contains("dialect binary"), "{}", cam.banner);
    let out = cmd(uid, &cam, &["--dialect", "binary", "0x1008"]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines[0].starts_with("0x1108 ACK_SYSTEM_STATUS_GET ticket"),
        "{stdout}"
    );
    // The decoded 124-byte status: firmware bytes first.
    assert_eq!(lines[1].len(), 248, "{stdout}");
    assert!(lines[1].starts_with("35020001"), "{stdout}");
    assert!(stderr.contains("speaking the binary dialect"), "{stderr}");

    // By prefix (no --dialect), with a payload: VIDEOPARAM_SET resolution.
    let out = cmd(uid, &cam, &["--payload", "0100000002000000", "12312"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("0x3118 ACK_PEER_VIDEOPARAM_SET"));
}

#[test]
fn dialect_mistakes_are_clear_errors() {
    let cam = start_camera(&[]); // DGOA: SHIX
    let run = |extra: &[&str]| {
        let out = cmd("DGOA-123456-ABCDE", &cam, extra);
        (
            out.status.code().unwrap(),
            text(&out.stderr).trim().to_owned(),
        )
    };
    let (code, err) = run(&["--dialect", "xml", "{}"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown dialect \"xml\""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let (code, err) = run(&["--dialect", "binary", "get_status.cgi"]);
    assert_eq!(code, 2);
    assert!(err.contains("a binary command is a number"), "{err}");

    let (code, err) = run(&["--dialect", "cgi", "get status"]);
    assert_eq!(code, 2);
    assert!(err.contains("CGI request"), "{err}");

    // Forcing a dialect the camera does not speak: the SHIX camera closes the session.
    let (code, err) = run(&["--dialect", "binary", "0x1008"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("does not speak the binary dialect"), "{err}");

    let (code, err) = run(&["--family", "nope", "{}"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown SHIX command family"), "{err}");

    let out = pppp()
        .args([
            "camera",
            "--lan-port",
            "0",
            "--dialect",
            "nope",
            "--duration",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown dialect"));
}
