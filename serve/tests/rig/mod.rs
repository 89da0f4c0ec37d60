//! Shared by the serve tests: a fake camera on loopback, a `MediaServer` on it, and raw HTTP
//! clients that see exactly what goes over the wire.
#![allow(dead_code)] // each test file uses a different part

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use pppp::client::{CameraServer, CameraServerConfig, Session, SessionConfig};
use pppp::sim::{CameraConfig, VideoCodec};
use pppp::Uid;
use pppp_serve::{MediaServer, ServeConfig, BOUNDARY};

pub const UID: &str = "DGOA-424242-SERVE";

pub fn camera(codec: VideoCodec) -> CameraServer {
    camera_with(codec, 8000)
}

pub fn camera_with(codec: VideoCodec, audio_rate: u32) -> CameraServer {
    let mut c = CameraConfig::new(Uid::parse(UID).unwrap(), "127.0.0.1".parse().unwrap());
    c.lan_addr = "127.0.0.1:0".parse().unwrap();
    c.session_addr = "127.0.0.1:0".parse().unwrap();
    c.width = 160;
    c.height = 96;
    c.fps = 20;
    c.video_codec = codec;
    c.audio_rate = audio_rate;
    c.psk = Some("camera".into());
    CameraServer::start(CameraServerConfig {
        camera: c,
        link: None,
        driver: None,
    })
    .unwrap()
}

pub fn serve(cam: &CameraServer) -> MediaServer {
    serve_with(cam, |_| {})
}

/// A server on a new session with `cam`, configured by `tweak`.
pub fn serve_with(cam: &CameraServer, tweak: impl FnOnce(&mut ServeConfig)) -> MediaServer {
    let mut c = SessionConfig::new(UID).host(cam.lan_addr().to_string());
    c.broadcast = false;
    c.connect_timeout = Duration::from_secs(5);
    let s = Session::connect(c).unwrap();
    s.login().unwrap();
    let mut config = ServeConfig::new("127.0.0.1:0".parse().unwrap());
    tweak(&mut config);
    MediaServer::start(Arc::new(s), config).unwrap()
}

pub fn connect(addr: SocketAddr, path: &str) -> BufReader<TcpStream> {
    request(addr, "GET", path, &[])
}

/// Sends a request with `Host: addr`, `Connection: close` and the `extra` header lines.
pub fn request(addr: SocketAddr, method: &str, path: &str, extra: &[&str]) -> BufReader<TcpStream> {
    let host = format!("Host: {addr}");
    let lines: Vec<&str> = std::iter::once(host.as_str())
        .chain(extra.iter().copied())
        .collect();
    raw_request(addr, method, path, &lines)
}

/// Sends a request with exactly the `headers` given (and `Connection: close`).
pub fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[&str],
) -> BufReader<TcpStream> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let mut text = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        text.push_str(h);
        text.push_str("\r\n");
    }
    text.push_str("Connection: close\r\n\r\n");
    s.write_all(text.as_bytes()).unwrap();
    BufReader::new(s)
}

/// Reads the status line and headers; returns the status and the lower-cased header block.
pub fn head(r: &mut BufReader<TcpStream>) -> (u16, String) {
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let code = status.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = String::new();
    loop {
        let mut l = String::new();
        r.read_line(&mut l).unwrap();
        if l == "\r\n" || l.is_empty() {
            break;
        }
        headers.push_str(&l.to_ascii_lowercase());
    }
    (code, headers)
}

pub fn get(addr: SocketAddr, path: &str) -> (u16, String, Vec<u8>) {
    response(connect(addr, path))
}

/// The status, lower-cased headers and body of a response that ends.
pub fn response(mut r: BufReader<TcpStream>) -> (u16, String, Vec<u8>) {
    let (code, headers) = head(&mut r);
    let mut body = Vec::new();
    r.read_to_end(&mut body).unwrap();
    (code, headers, body)
}

/// Reads one multipart part and returns its body.
pub fn part(r: &mut BufReader<TcpStream>) -> Vec<u8> {
    let mut l = String::new();
    loop {
        l.clear();
        assert!(r.read_line(&mut l).unwrap() > 0, "stream ended");
        if l.trim_end() == format!("--{BOUNDARY}") {
            break;
        }
    }
    let mut len = None;
    loop {
        l.clear();
        r.read_line(&mut l).unwrap();
        if l == "\r\n" {
            break;
        }
        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
            len = Some(v.trim().parse::<usize>().unwrap());
        }
    }
    let mut body = vec![0; len.expect("Content-Length in every part")];
    r.read_exact(&mut body).unwrap();
    body
}

/// The frame number the fake camera writes into each JPEG's comment.
pub fn jpeg_index(jpeg: &[u8]) -> u64 {
    let tag = b"frame=";
    let at = jpeg
        .windows(tag.len())
        .position(|w| w == tag)
        .expect("fake camera comment");
    let digits: String = jpeg[at + tag.len()..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| b as char)
        .collect();
    digits.parse().unwrap()
}

pub fn decode(jpeg: &[u8]) -> (u16, u16) {
    let mut d = jpeg_decoder::Decoder::new(jpeg);
    d.decode().expect("a complete, decodable JPEG");
    let i = d.info().unwrap();
    (i.width, i.height)
}
