//! Hostile HTTP clients against `MediaServer` on loopback: a 1 MB header, 100 stalled streaming
//! clients, slowloris, a foreign `Host`, a page of another origin, missing credentials, a
//! client that stops reading, `stop()` with stalled clients, HEAD. In each, the hostile client
//! gets the answer the README states and the others are still served.
//!
//! Nothing here sleeps to wait for something: conditions are polled with a bound that only
//! turns a hang into a failure.

mod rig;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use base64::Engine as _;
use pppp::sim::VideoCodec;
use pppp_serve::{MediaServer, BOUNDARY, PAGE};
use rig::*;

/// Polls `cond` until it holds; fails after `bound` (a failure bound, not a wait).
fn eventually(what: &str, bound: Duration, mut cond: impl FnMut() -> bool) {
    let end = Instant::now() + bound;
    while !cond() {
        assert!(Instant::now() < end, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Still serving: the status and a picture from the live stream.
fn still_serving(addr: SocketAddr) {
    assert_eq!(get(addr, "/status.json").0, 200);
    let mut r = connect(addr, "/video.mjpeg");
    assert_eq!(head(&mut r).0, 200);
    assert!(part(&mut r).starts_with(&[0xff, 0xd8]));
}

/// A client that asks for a stream and never reads, with a small receive buffer so that the
/// server's writes block soon.
fn stalled_client(addr: SocketAddr, path: &str) -> TcpStream {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    s.set_recv_buffer_size(4096).unwrap();
    s.connect(&addr.into()).unwrap();
    let mut s: TcpStream = s.into();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    s
}

/// Reads until the server closes the connection; everything it sent.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

#[test]
fn a_megabyte_header_gets_431_and_others_are_still_served() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let big = "a".repeat(1 << 20);
        // The server may close before taking it all: errors are expected.
        let _ = write!(w, "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {big}\r\n\r\n");
    });
    let mut status = String::new();
    BufReader::new(&mut s).read_line(&mut status).unwrap();
    assert!(status.starts_with("HTTP/1.1 431"), "{status:?}");
    writer.join().unwrap();

    // Too many header fields, each small.
    let many: Vec<String> = (0..100).map(|i| format!("X-H{i}: {i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(response(request(addr, "GET", "/", &many)).0, 431);
    still_serving(addr);
}

#[test]
fn a_hundred_stalled_streaming_clients_do_not_lock_anyone_out() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();
    let stalled: Vec<TcpStream> = (0..100)
        .map(|_| stalled_client(addr, "/video.mjpeg"))
        .collect();
    still_serving(addr);
    let st = server.stats();
    assert!(
        st.evictions >= 100 - 32,
        "the cap of 32 connections was kept by evicting: {st:?}"
    );
    assert!(st.connections <= 32, "{st:?}");
    drop(stalled);
}

#[test]
fn slowloris_is_cut_by_the_header_timeout_while_others_are_served() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve_with(&cam, |c| c.header_timeout = Duration::from_secs(1));
    let addr = server.local_addr();
    let mut slow = TcpStream::connect(addr).unwrap();
    write!(
        slow,
        "GET /status.json HTTP/1.1\r\nHost: {addr}\r\nX-Slow: "
    )
    .unwrap();
    let mut w = slow.try_clone().unwrap();
    let started = Instant::now();
    // One byte every 50 ms, until the server closes (or 20 s pass).
    let trickle = std::thread::spawn(move || {
        let mut sent = 0;
        while started.elapsed() < Duration::from_secs(20) && w.write_all(b"a").is_ok() {
            sent += 1;
            std::thread::sleep(Duration::from_millis(50));
        }
        sent
    });
    still_serving(addr);
    let answer = read_until_closed(&mut slow);
    assert!(
        !String::from_utf8_lossy(&answer).contains(" 200 "),
        "no answer to an unfinished request"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    let sent = trickle.join().unwrap();
    assert!(
        sent >= 5,
        "the client kept sending ({sent} bytes) and was cut all the same"
    );
    assert!(server.stats().timeouts >= 1);
    still_serving(addr);
}

#[test]
fn foreign_hosts_get_403_and_no_page_of_another_origin_may_read() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();
    let port = addr.port();
    for host in ["evil.example", &format!("evil.example:{port}"), "127.0.0.2"] {
        let (code, _, _) = response(raw_request(
            addr,
            "GET",
            "/snapshot.jpg",
            &[&format!("Host: {host}")],
        ));
        assert_eq!(code, 403, "Host: {host}");
    }
    assert_eq!(
        response(raw_request(addr, "GET", "/", &[])).0,
        403,
        "no Host"
    );
    for host in [
        format!("localhost:{port}"),
        "localhost".into(),
        addr.to_string(),
    ] {
        let (code, _, _) = response(raw_request(
            addr,
            "GET",
            "/status.json",
            &[&format!("Host: {host}")],
        ));
        assert_eq!(code, 200, "Host: {host}");
    }
    let origin = "Origin: https://evil.example";
    for path in ["/status.json", "/snapshot.jpg", "/"] {
        let (code, headers, _) = response(request(addr, "GET", path, &[origin]));
        assert_eq!(code, 200);
        assert!(
            !headers.contains("access-control-allow-origin"),
            "{path}: {headers}"
        );
    }
    for path in ["/video.mjpeg", "/audio.wav"] {
        let (code, headers) = head(&mut request(addr, "GET", path, &[origin]));
        assert_eq!(code, 200);
        assert!(
            !headers.contains("access-control-allow-origin"),
            "{path}: {headers}"
        );
    }

    let named = serve_with(&cam, |c| c.allow_hosts = vec!["camera.lan".into()]);
    let (code, _, _) = response(raw_request(
        named.local_addr(),
        "GET",
        "/",
        &["Host: Camera.LAN:8080"],
    ));
    assert_eq!(code, 200, "a name given with --allow-host");
}

#[test]
fn cors_allows_exactly_the_configured_origin() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve_with(&cam, |c| c.cors = Some("https://home.example:8123".into()));
    let addr = server.local_addr();
    for origin in ["https://home.example:8123", "https://evil.example"] {
        let (code, headers, _) = response(request(
            addr,
            "GET",
            "/status.json",
            &[&format!("Origin: {origin}")],
        ));
        assert_eq!(code, 200);
        assert!(
            headers.contains("access-control-allow-origin: https://home.example:8123\r\n"),
            "{headers}"
        );
        assert!(!headers.contains("access-control-allow-origin: *"));
    }
    let (_, headers) = head(&mut connect(addr, "/video.mjpeg"));
    assert!(headers.contains("access-control-allow-origin: https://home.example:8123\r\n"));
}

#[test]
fn basic_auth_when_configured() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve_with(&cam, |c| c.auth = Some("viewer:s3cret:x".parse().unwrap()));
    let addr = server.local_addr();
    let basic = |cred: &str| {
        format!(
            "Authorization: Basic {}",
            base64::engine::general_purpose::STANDARD.encode(cred)
        )
    };
    for path in [
        "/",
        "/status.json",
        "/snapshot.jpg",
        "/video.mjpeg",
        "/audio.wav",
    ] {
        let (code, headers, _) = response(request(addr, "GET", path, &[]));
        assert_eq!(code, 401, "{path}");
        assert!(
            headers.contains("www-authenticate: basic realm=\"pppp\""),
            "{headers}"
        );
    }
    for wrong in ["viewer:s3cret", "viewer:s3cret:y", "Viewer:s3cret:x", ""] {
        assert_eq!(
            response(request(addr, "GET", "/", &[&basic(wrong)])).0,
            401,
            "{wrong}"
        );
    }
    let good = basic("viewer:s3cret:x");
    let (code, _, body) = response(request(addr, "GET", "/status.json", &[&good]));
    assert_eq!(code, 200);
    assert!(!String::from_utf8_lossy(&body).contains("s3cret"));
    let mut r = request(addr, "GET", "/video.mjpeg", &[&good]);
    assert_eq!(head(&mut r).0, 200);
    part(&mut r);
    let (code, _, _) = response(raw_request(
        addr,
        "GET",
        "/",
        &["Host: evil.example", &good],
    ));
    assert_eq!(code, 403, "credentials do not excuse a foreign Host");
}

#[test]
fn a_client_that_stops_reading_is_dropped_by_the_write_timeout() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve_with(&cam, |c| {
        c.write_timeout = Duration::from_secs(1);
        c.send_buffer = 4096;
    });
    let addr = server.local_addr();
    let mut stalled = stalled_client(addr, "/video.mjpeg");
    eventually(
        "the server times the writer out",
        Duration::from_secs(60),
        || server.stats().timeouts >= 1,
    );
    let got = read_until_closed(&mut stalled);
    assert!(got.starts_with(b"HTTP/1.0 200 OK\r\n"));
    let st = server.stats();
    assert!(st.client_drops > 0, "it skipped frames meanwhile: {st:?}");
    still_serving(addr);
}

#[test]
fn stop_returns_within_two_seconds_with_stalled_clients() {
    let cam = camera(VideoCodec::Mjpeg);
    let mut server = serve_with(&cam, |c| {
        c.write_timeout = Duration::from_secs(600);
        c.send_buffer = 4096;
    });
    let addr = server.local_addr();
    let stalled: Vec<TcpStream> = (0..8)
        .map(|i| {
            stalled_client(
                addr,
                if i % 2 == 0 {
                    "/video.mjpeg"
                } else {
                    "/audio.wav"
                },
            )
        })
        .collect();
    // A client with a request half sent, and one that sent nothing.
    let mut half = TcpStream::connect(addr).unwrap();
    half.write_all(b"GET /snapshot.jpg HTTP/1.1\r\nHo").unwrap();
    let _silent = TcpStream::connect(addr).unwrap();
    eventually("a writer blocks", Duration::from_secs(60), || {
        server.stats().stalled_clients >= 1
    });
    let (tx, rx) = std::sync::mpsc::channel();
    let stopper = std::thread::spawn(move || {
        let started = Instant::now();
        server.stop();
        tx.send(started.elapsed()).unwrap();
        server
    });
    let took = rx
        .recv_timeout(Duration::from_secs(2))
        .expect("stop() returned within 2 s");
    assert!(took < Duration::from_secs(2), "{took:?}");
    let server: MediaServer = stopper.join().unwrap();
    assert!(
        TcpStream::connect(server.local_addr()).is_err(),
        "no longer listening"
    );
    drop(stalled);
}

#[test]
fn head_answers_headers_only() {
    let cam = camera(VideoCodec::Mjpeg);
    let server = serve(&cam);
    let addr = server.local_addr();
    let (code, headers, body) = response(request(addr, "HEAD", "/", &[]));
    assert_eq!(code, 200);
    assert!(
        headers.contains(&format!("content-length: {}\r\n", PAGE.len())),
        "{headers}"
    );
    assert!(body.is_empty());
    for (path, ty) in [
        (
            "/video.mjpeg",
            format!("multipart/x-mixed-replace; boundary={BOUNDARY}"),
        ),
        ("/audio.wav", "audio/wav".into()),
        ("/snapshot.jpg", "image/jpeg".into()),
        ("/status.json", "application/json".into()),
    ] {
        let (code, headers, body) = response(request(addr, "HEAD", path, &[]));
        assert_eq!(code, 200, "{path}");
        assert!(
            headers.contains(&format!("content-type: {ty}\r\n")),
            "{path}: {headers}"
        );
        assert!(body.is_empty(), "{path}: {} bytes of body", body.len());
    }
    assert_eq!(
        server.stats().video_clients,
        0,
        "HEAD subscribes to nothing"
    );
}
