//! The library in a real JVM: our own Java programs (written from docs/vendor-api.md, in
//! `tests/java/`) declare the natives of the newest and the oldest vstc2 SDK generation and of
//! a SHIX-family `object.p2pipcam` app, and run against emulated cameras on loopback, found
//! through `PPPP_LAN_TARGETS`. The programs ask this harness about the cameras (`ASK …` lines)
//! and to kill and restart one.
//!
//! Needs a JDK (`javac`, `java`) and ffmpeg (x264): scripts/test-all.sh installs them; without
//! them the test fails.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use pppp::client::{CameraServer, CameraServerConfig};
use pppp::sim::video::H264File;
use pppp::sim::{CameraConfig, VideoCodec};
use pppp::Uid;

const MJPEG: &str = "VSTC-111111-MJPEG";
const H264: &str = "VSTC-222222-HHHHH";
const SHIX: &str = "DGOA-333333-SHIXA";

fn java_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java")
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pppp-jni-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A directory holding the library under both names the Java classes load.
fn library_dir(tmp: &Path) -> PathBuf {
    static LIB: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let lib = LIB.get_or_init(build_library);
    let dir = tmp.join("lib");
    std::fs::create_dir_all(&dir).unwrap();
    for name in ["libvstc2_jni.so", "libobject_jni.so"] {
        std::os::unix::fs::symlink(lib, dir.join(name)).unwrap();
    }
    dir
}

fn build_library() -> PathBuf {
    // `cargo test` links this test with the rlib and does not rebuild the cdylib: build it
    // (same profile, same target directory) so that Java loads the code under test.
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap(); // target/<profile>/deps/…
    let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    build.args(["build", "-q", "-p", "pppp-jni", "--lib"]);
    if profile_dir.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    build.env("CARGO_TARGET_DIR", profile_dir.parent().unwrap());
    assert!(
        build.status().unwrap().success(),
        "cannot build libvstc2_jni.so"
    );
    let lib = profile_dir.join("libvstc2_jni.so");
    assert!(lib.exists(), "{} was not built", lib.display());
    lib
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "java") {
            out.push(p);
        }
    }
}

/// Compiles `common/` and one generation's sources into their own class path.
fn compile(generation: &str, tmp: &Path) -> PathBuf {
    let classes = tmp.join(format!("classes-{generation}"));
    std::fs::create_dir_all(&classes).unwrap();
    let mut files = Vec::new();
    sources(&java_dir().join("common"), &mut files);
    sources(&java_dir().join(generation), &mut files);
    let out = Command::new("javac")
        .args(["-nowarn", "-d"])
        .arg(&classes)
        .args(&files)
        .output()
        .expect("javac is needed (scripts/test-all.sh installs default-jdk-headless)");
    assert!(
        out.status.success(),
        "javac: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    classes
}

fn camera(uid: &str, lan: SocketAddr, setup: impl Fn(&mut CameraConfig)) -> CameraServer {
    let mut c = CameraConfig::new(Uid::parse(uid).unwrap(), "127.0.0.1".parse().unwrap());
    c.lan_addr = lan;
    c.session_addr = "127.0.0.1:0".parse().unwrap();
    c.width = 320;
    c.height = 240;
    c.fps = 20;
    setup(&mut c);
    CameraServer::start(CameraServerConfig {
        camera: c,
        link: None,
        driver: None,
    })
    .unwrap()
}

/// An x264 High profile stream of ffmpeg's test pattern.
fn high_profile(tmp: &Path) -> Arc<H264File> {
    let path = tmp.join("high.h264");
    let out = Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=320x240:rate=20",
        ])
        .args([
            "-frames:v",
            "40",
            "-c:v",
            "libx264",
            "-profile:v",
            "high",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-g", "20", "-f", "h264"])
        .arg(&path)
        .output()
        .expect("ffmpeg is needed (scripts/test-all.sh installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Arc::new(H264File::parse(&std::fs::read(&path).unwrap()).unwrap())
}

/// A camera's UID, its server, and how it was configured (to restart it the same way).
type Entry = (String, CameraServer, Box<dyn Fn(&mut CameraConfig)>);

struct Cameras {
    servers: Vec<Entry>,
    tmp: PathBuf,
}

impl Cameras {
    fn add(&mut self, uid: &str, setup: impl Fn(&mut CameraConfig) + 'static) {
        let server = camera(uid, "127.0.0.1:0".parse().unwrap(), &setup);
        self.servers.push((uid.to_owned(), server, Box::new(setup)));
    }

    fn targets(&self) -> String {
        self.servers
            .iter()
            .map(|(_, s, _)| s.lan_addr().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn get(&mut self, uid: &str) -> &mut Entry {
        self.servers.iter_mut().find(|(u, _, _)| u == uid).unwrap()
    }

    fn answer(&mut self, question: &str) -> String {
        let mut words = question.split_whitespace();
        let (what, arg) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
        match what {
            "last_ptz" => format!(
                "{:?}",
                self.get(arg).1.stats().last_ptz_command.unwrap_or(-1)
            ),
            "clock" => format!("{}", self.get(arg).1.stats().clock.unwrap_or(-1)),
            "talk_samples" => format!("{}", self.get(arg).1.stats().talk_samples),
            "kill" => {
                self.get(arg).1.stop();
                "ok".into()
            }
            "restart" => {
                let entry = self.get(arg);
                let lan = entry.1.lan_addr();
                entry.1 = camera(arg, lan, &entry.2);
                "ok".into()
            }
            "tmp" => self.tmp.display().to_string(),
            "h264_file" => {
                let data = std::fs::read(arg).unwrap_or_default();
                match H264File::parse(&data) {
                    Ok(f) if f.len() >= 10 && f.unit(0).1 => "ok".into(),
                    other => format!("bad: {} bytes, {:?}", data.len(), other.map(|f| f.len())),
                }
            }
            _ => "unknown question".into(),
        }
    }
}

/// Runs `main_class` of `generation` with `args`; fails unless it prints DONE and exits 0.
fn run_java(generation: &str, main_class: &str, args: &[&str], cams: &mut Cameras) {
    let classes = compile(generation, &cams.tmp);
    let libs = library_dir(&cams.tmp.join(generation));
    let mut child = Command::new("java")
        .arg(format!("-Djava.library.path={}", libs.display()))
        .arg("-Xcheck:jni")
        .arg("-cp")
        .arg(&classes)
        .arg(main_class)
        .args(args)
        .env("PPPP_LAN_TARGETS", cams.targets())
        .env(
            "PPPP_JNI_LOG",
            std::env::var("PPPP_JNI_LOG").unwrap_or_else(|_| "off".into()),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("java is needed (scripts/test-all.sh installs default-jdk-headless)");
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut s);
        s
    });
    let mut done = false;
    let mut passed = 0;
    for line in stdout.lines() {
        let line = line.unwrap();
        println!("{generation}: {line}");
        if let Some(q) = line.strip_prefix("ASK ") {
            let a = cams.answer(q);
            writeln!(stdin, "{a}").unwrap();
            stdin.flush().unwrap();
        }
        passed += usize::from(line.starts_with("PASS "));
        done |= line == "DONE";
    }
    let status = child.wait().unwrap();
    let err = err_thread.join().unwrap();
    // The exception thrown on purpose in VideoData is described on stderr; nothing else may
    // be (a JNI misuse shows up there under -Xcheck:jni).
    let unexpected: Vec<&str> = err
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter(|l| {
            !(l.contains("thrown by VideoData on purpose") || l.trim_start().starts_with("at "))
        })
        .collect();
    assert!(
        status.success() && done,
        "{generation} failed ({status}); stderr:\n{err}"
    );
    assert!(passed > 0);
    assert!(
        unexpected.is_empty(),
        "{generation}: unexpected stderr:\n{err}"
    );
}

#[test]
fn newest_generation_against_cgi_cameras() {
    let tmp = tmpdir("newest");
    let file = high_profile(&tmp);
    let mut cams = Cameras {
        servers: Vec::new(),
        tmp: tmp.clone(),
    };
    cams.add(MJPEG, |_| {});
    cams.add(H264, move |c| {
        c.video_codec = VideoCodec::H264;
        c.h264_file = Some(file.clone());
    });
    run_java("newest", "NewestTest", &[MJPEG, H264], &mut cams);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn oldest_generation_against_a_cgi_camera() {
    let tmp = tmpdir("oldest");
    let mut cams = Cameras {
        servers: Vec::new(),
        tmp: tmp.clone(),
    };
    cams.add(MJPEG, |_| {});
    run_java("oldest", "OldestTest", &[MJPEG], &mut cams);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn object_class_against_a_shix_camera() {
    let tmp = tmpdir("object");
    let mut cams = Cameras {
        servers: Vec::new(),
        tmp: tmp.clone(),
    };
    cams.add(SHIX, |_| {});
    run_java("object", "ObjectTest", &[SHIX], &mut cams);
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn timeouts_are_bounded() {
    // The unknown-camera check waits for the connect timeout: keep it short enough for tests.
    assert!(vstc2_jni::device::CONNECT_TIMEOUT <= Duration::from_secs(10));
}
