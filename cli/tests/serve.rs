//! `pppp serve` end to end on loopback: `--auth`, `--cors` and `--allow-host` reach the server,
//! bad values fail before anything connects, and the warning for a server reachable from
//! other machines without `--auth`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::Duration;

use common::{pppp, Camera};

const UID: &str = "DGOA-123456-ABCDE";

/// Sends a GET with these header lines; returns the status line and the lower-cased headers.
fn get(addr: &str, path: &str, headers: &[&str]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut text = format!("GET {path} HTTP/1.1\r\n");
    for h in headers {
        text.push_str(&format!("{h}\r\n"));
    }
    text.push_str("Connection: close\r\n\r\n");
    s.write_all(text.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut r = BufReader::new(s);
    loop {
        let mut l = String::new();
        if r.read_line(&mut l).unwrap() == 0 || l == "\r\n" {
            break;
        }
        head.push(l.to_ascii_lowercase());
    }
    let _ = r.read_to_end(&mut Vec::new());
    head.concat()
}

#[test]
fn auth_cors_and_allowed_hosts_reach_the_server() {
    let cam = Camera::start(&["--width", "160", "--height", "96", "--fps", "20"]);
    let mut serve = pppp()
        .args(["serve", "--uid", UID, "--host", &cam.lan, "--no-broadcast"])
        .args(["--listen", "127.0.0.1:0", "--duration", "60", "--no-audio"])
        .args(["--auth", "viewer:pw", "--cors", "https://home.example"])
        .args(["--allow-host", "camera.lan"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(serve.stdout.as_mut().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let addr = banner
        .split("http://")
        .nth(1)
        .and_then(|a| a.split('/').next())
        .unwrap_or_else(|| panic!("no address in {banner:?}"))
        .to_owned();
    let host = format!("Host: {addr}");
    // "viewer:pw" in base64.
    let auth = "Authorization: Basic dmlld2VyOnB3";
    let without = get(&addr, "/status.json", &[&host]);
    assert!(without.starts_with("http/1.1 401"), "{without}");
    let with = get(&addr, "/status.json", &[&host, auth]);
    assert!(with.starts_with("http/1.1 200"), "{with}");
    assert!(with.contains("access-control-allow-origin: https://home.example\r\n"));
    let named = get(&addr, "/status.json", &["Host: camera.lan", auth]);
    assert!(named.starts_with("http/1.1 200"), "{named}");
    let evil = get(&addr, "/status.json", &["Host: evil.example", auth]);
    assert!(evil.starts_with("http/1.1 403"), "{evil}");
    let _ = serve.kill();
    let out = serve.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("warning"),
        "loopback with --auth: no warning: {err}"
    );
}

#[test]
fn bad_values_fail_before_connecting_and_exposure_is_warned() {
    // Nothing listens on the discard port: these must fail before trying it.
    let base = [
        "serve",
        "--uid",
        UID,
        "--host",
        "127.0.0.1:9",
        "--no-broadcast",
    ];
    for (bad, says) in [
        (&["--cors", "evil.example"][..], "CORS origin"),
        (&["--cors", "https://a/b"][..], "CORS origin"),
        (&["--allow-host", "http://camera.lan"][..], "allowed host"),
        (&["--auth", "nopassword"][..], "--auth"),
        (&["--auth", ":pw"][..], "--auth"),
    ] {
        let out = pppp().args(base).args(bad).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {err}");
        assert!(err.contains(says), "{bad:?}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
    }
    // A listen address other machines can reach, without --auth: a warning, before the
    // (failing) connection to the camera. 192.0.2.1 is a documentation address: nothing is
    // bound or sent there.
    let exposed = ["--listen", "192.0.2.1:8080", "--timeout", "0.3"];
    let out = pppp().args(base).args(exposed).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: listening on 192.0.2.1:8080 without authentication"),
        "{err}"
    );
    let out = pppp()
        .args(base)
        .args(exposed)
        .args(["--auth", "a:b"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("warning"), "{err}");
}
