//! The C side of libpppp, tested from C: installs the library built by cargo with
//! `scripts/install-c.sh` into the target directory, builds `examples/*.c` and
//! `ffi/tests/c/*.c` with `gcc -Wall -Wextra -Werror -pedantic -fsanitize=address,undefined`
//! (and some against the static library), runs them against the emulated camera on loopback,
//! runs the C API tests under valgrind's leak check, compiles every header as C++17, and checks
//! the header against Cargo.toml and the library's exports.
//!
//! Needs gcc, g++, nm and valgrind (`.ci/run` installs what is missing).

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use pppp::client::{CameraServer, CameraServerConfig};
use pppp::sim::CameraConfig;
use pppp::Uid;

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/ has a parent")
        .to_path_buf()
}

struct Stage {
    /// Install prefix (include/, lib/).
    prefix: PathBuf,
    /// Where the test programs are built.
    bin: PathBuf,
}

/// Installs the cargo-built library once per test run.
fn stage() -> &'static Stage {
    static STAGE: OnceLock<Stage> = OnceLock::new();
    STAGE.get_or_init(|| {
        // target/<profile>/deps/c_api-HASH → target/<profile>
        let exe = std::env::current_exe().expect("test executable path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps")
            .to_path_buf();
        let target_dir = profile_dir.parent().expect("target dir").to_path_buf();
        let profile = profile_dir
            .file_name()
            .and_then(|n| n.to_str())
            .expect("profile dir name")
            .to_owned();
        let cargo_profile = if profile == "debug" { "dev" } else { &profile };
        // `cargo test` leaves the fresh C libraries in deps/ without copying them up; `cargo
        // build` (a no-op when up to date) puts them where the install script looks.
        {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let st = Command::new(cargo)
                .current_dir(root())
                .env("CARGO_TARGET_DIR", &target_dir)
                .args([
                    "build",
                    "-p",
                    "pppp-ffi",
                    "--lib",
                    "--profile",
                    cargo_profile,
                ])
                .status()
                .expect("run cargo build");
            assert!(st.success(), "cargo build -p pppp-ffi failed");
        }
        let prefix = profile_dir.join("c-api-test");
        let _ = std::fs::remove_dir_all(&prefix);
        let out = Command::new("bash")
            .current_dir(root())
            .arg("scripts/install-c.sh")
            .arg("--no-build")
            .arg("--prefix")
            .arg(&prefix)
            .arg("--target-dir")
            .arg(&target_dir)
            .args(["--profile", cargo_profile])
            .output()
            .expect("run scripts/install-c.sh");
        check(&out, "scripts/install-c.sh");
        let bin = prefix.join("bin");
        std::fs::create_dir_all(&bin).expect("create bin dir");
        Stage { prefix, bin }
    })
}

fn check(out: &Output, what: &str) {
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    /// libpppp.so, with AddressSanitizer and UBSan.
    SharedAsan,
    /// libpppp.so, no sanitizer (for valgrind).
    Shared,
    /// libpppp.a, with the sanitizers.
    Static,
}

/// Builds `src` into the stage's bin dir as `name`, linking `-l<lib>` (or the static
/// library).
fn build(src: &Path, name: &str, lib: &str, link: Link) -> PathBuf {
    let s = stage();
    let out = s.bin.join(name);
    let libdir = s.prefix.join("lib");
    let mut cmd = Command::new("gcc");
    cmd.args([
        "-std=c11",
        "-g",
        "-Wall",
        "-Wextra",
        "-Werror",
        "-pedantic",
        "-pthread",
    ])
    .arg("-DLINUX")
    .arg(format!("-I{}", s.prefix.join("include").display()))
    .arg(format!("-I{}", s.prefix.join("include/pppp").display()))
    .arg(format!("-I{}", root().join("ffi/tests/c").display()));
    if link != Link::Shared {
        cmd.args([
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer",
        ]);
    }
    cmd.arg("-o").arg(&out).arg(src);
    match link {
        Link::Static => {
            cmd.arg(libdir.join("libpppp.a")).args([
                "-lgcc_s",
                "-lutil",
                "-lrt",
                "-lpthread",
                "-lm",
                "-ldl",
            ]);
        }
        _ => {
            cmd.arg(format!("-L{}", libdir.display()))
                .arg(format!("-l{lib}"))
                .arg(format!("-Wl,-rpath,{}", libdir.display()));
        }
    }
    let o = cmd.output().expect("run gcc");
    check(&o, &format!("gcc {}", src.display()));
    out
}

fn example(name: &str, link: Link) -> PathBuf {
    let lib = if name == "ppcs_client" {
        "PPCS_API"
    } else {
        "pppp"
    };
    let suffix = match link {
        Link::SharedAsan => "",
        Link::Shared => "-plain",
        Link::Static => "-static",
    };
    build(
        &root().join("examples").join(format!("{name}.c")),
        &format!("{name}{suffix}"),
        lib,
        link,
    )
}

fn c_test(name: &str, link: Link) -> PathBuf {
    let suffix = if link == Link::Shared { "-plain" } else { "" };
    build(
        &root().join("ffi/tests/c").join(format!("{name}.c")),
        &format!("{name}{suffix}"),
        "pppp",
        link,
    )
}

/// An emulated camera on loopback, any free ports.
fn camera(uid: &str) -> CameraServer {
    camera_with(uid, |_| {})
}

/// [`camera`], configured further by `setup`.
fn camera_with(uid: &str, setup: impl FnOnce(&mut CameraConfig)) -> CameraServer {
    let mut cam = CameraConfig::new(
        Uid::parse(uid).expect("valid uid"),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
    );
    cam.lan_addr.set_port(0);
    cam.session_addr.set_port(0);
    cam.psk = pppp::proto::psk::for_prefix(cam.uid.prefix())
        .first()
        .map(|s| s.to_string());
    setup(&mut cam);
    CameraServer::start(CameraServerConfig {
        camera: cam,
        link: None,
        driver: None,
    })
    .expect("start the emulated camera")
}

/// One C program at a time: under AddressSanitizer and valgrind they are slow enough that
/// several at once on a small machine could exceed the command timeouts they check.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs a built program with `PPPP_LAN_TARGETS` pointing at `cam`.
fn run(prog: &Path, args: &[&str], cam: &CameraServer) -> Output {
    let _serial = one_at_a_time();
    Command::new(prog)
        .args(args)
        .env("PPPP_LAN_TARGETS", cam.lan_addr().to_string())
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        .env("UBSAN_OPTIONS", "print_stacktrace=1")
        .output()
        .expect("run the test program")
}

fn run_ok(prog: &Path, args: &[&str], cam: &CameraServer) -> String {
    let out = run(prog, args, cam);
    check(&out, &prog.display().to_string());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const UID: &str = "DGOA-123456-ABCDE";
/// A VStarcam CGI camera streaming H.264, for the events test.
const CGI_UID: &str = "VSTC-222222-HHHHH";

fn cgi_camera() -> CameraServer {
    camera_with(CGI_UID, |c| c.video_codec = pppp::sim::VideoCodec::H264)
}

#[test]
fn examples_run_against_the_emulator() {
    let cam = camera(UID);
    let lan = cam.lan_addr().to_string();

    let out = run_ok(&example("discover", Link::SharedAsan), &[], &cam);
    assert!(out.contains(&format!("found {UID} at 127.0.0.1:")), "{out}");
    assert!(out.contains("search finished: 1 camera(s)"), "{out}");
    let out = run_ok(
        &example("discover", Link::SharedAsan),
        &["--array", &lan],
        &cam,
    );
    assert!(out.contains(&format!("found {UID} at")), "{out}");

    let command = example("command", Link::SharedAsan);
    let out = run_ok(&command, &[UID, &lan], &cam);
    assert!(out.contains("\"sysver\":\"PPPP_FAKE_1.0"), "{out}");
    let out = run_ok(
        &command,
        &[UID, "-", r#"{"pro":"get_wifi","cmd":112}"#],
        &cam,
    );
    assert!(out.contains("\"wifissid\":\"pppp-lab\""), "{out}");
    let bad = run(
        &command,
        &[
            UID,
            "-",
            r#"{"pro":"get_parms","cmd":101}"#,
            "admin",
            "wrong",
        ],
        &cam,
    );
    assert_eq!(bad.status.code(), Some(4), "wrong password exits 4");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("wrong user or password"));

    let out = run_ok(
        &example("stream_pull", Link::SharedAsan),
        &[UID, "-", "5"],
        &cam,
    );
    assert_eq!(out.matches(" mjpeg ").count(), 5, "{out}");
    let out = run_ok(
        &example("stream_callback", Link::SharedAsan),
        &[UID, &lan, "5"],
        &cam,
    );
    assert!(out.contains(" frames through the callback"), "{out}");
    assert!(out.matches("frame #").count() >= 5, "{out}");
    assert!(out.contains("kept the first frame"), "{out}");

    let out = run_ok(&example("ppcs_client", Link::SharedAsan), &[UID, "3"], &cam);
    assert!(out.contains("session handle 0"), "{out}");
    assert_eq!(out.matches("(JPEG)").count(), 3, "{out}");
    assert!(out.contains("packet echoed: ping over PSR"), "{out}");
    assert!(
        out.contains("PPCS_Close = 0, then PPCS_Check = -11"),
        "{out}"
    );
}

#[test]
fn examples_link_against_the_static_library() {
    let cam = camera(UID);
    let out = run_ok(&example("command", Link::Static), &[UID], &cam);
    assert!(out.contains("reply: {"), "{out}");
    let out = run_ok(&example("ppcs_client", Link::Static), &[UID, "1"], &cam);
    assert!(out.contains("(JPEG)"), "{out}");
}

#[test]
fn c_api_basics() {
    let cam = camera(UID);
    let out = run_ok(&c_test("api_basics", Link::SharedAsan), &[UID], &cam);
    assert!(out.contains("api_basics: all checks passed"), "{out}");
}

#[test]
fn c_api_callbacks() {
    let cam = camera(UID);
    let out = run_ok(&c_test("api_callbacks", Link::SharedAsan), &[UID], &cam);
    assert!(out.contains("api_callbacks: all checks passed"), "{out}");
}

#[test]
fn a_hundred_sessions_with_callbacks_in_one_c_process() {
    let cams: Vec<(String, CameraServer)> = (0..100)
        .map(|i| {
            let uid = format!("DGOA-{:06}-MANYC", 400_000 + i);
            // Small pictures: this checks that many sessions work, not how fast (an ASan
            // build receiving a hundred 320x240 streams would only measure the sanitizer).
            let cam = camera_with(&uid, |c| {
                c.width = 64;
                c.height = 48;
            });
            (uid, cam)
        })
        .collect();
    let args: Vec<String> = cams
        .iter()
        .map(|(uid, cam)| format!("{uid}@{}", cam.lan_addr()))
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run_ok(
        &c_test("many_sessions", Link::SharedAsan),
        &args,
        &cams[0].1,
    );
    assert!(out.contains("many_sessions: all checks passed"), "{out}");
}

#[test]
fn c_api_events() {
    let cam = camera(UID);
    let cgi = cgi_camera();
    let host = cgi.lan_addr().to_string();
    let out = run_ok(
        &c_test("api_events", Link::SharedAsan),
        &[UID, CGI_UID, &host],
        &cam,
    );
    assert!(out.contains("api_events: all checks passed"), "{out}");
}

#[test]
fn vendor_api() {
    let cam = camera(UID);
    let out = run_ok(&c_test("ppcs_api", Link::SharedAsan), &[UID], &cam);
    assert!(out.contains("ppcs_api: all checks passed"), "{out}");
}

#[test]
fn valgrind_finds_no_leaks() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        if std::env::var_os("PPPP_SKIP_VALGRIND").is_some() {
            eprintln!("valgrind not installed; skipped (PPPP_SKIP_VALGRIND)");
            return;
        }
        panic!("valgrind is not installed (apt-get install valgrind, or set PPPP_SKIP_VALGRIND=1)");
    }
    let cam = camera(UID);
    let cgi = cgi_camera();
    let host = cgi.lan_addr().to_string();
    for name in ["api_basics", "api_callbacks", "api_events"] {
        let prog = c_test(name, Link::Shared);
        let _serial = one_at_a_time();
        let out = Command::new("valgrind")
            .args([
                "-q",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=9",
            ])
            .arg(&prog)
            .args([UID, CGI_UID, &host])
            .env("PPPP_LAN_TARGETS", cam.lan_addr().to_string())
            .output()
            .expect("run valgrind");
        check(&out, &format!("valgrind {name}"));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("all checks passed"),
            "{name} under valgrind"
        );
    }
}

#[test]
fn headers_compile_as_cpp17_and_c99() {
    let s = stage();
    let inc = s.prefix.join("include");
    let cases = [
        ("pppp.h", "pppp.h"),
        ("PPCS_API.h", "pppp/PPCS_API.h"),
        ("PPPP_API.h", "pppp/PPPP_API.h"),
    ];
    let all = "#include \"pppp.h\"\n#include \"pppp/PPCS_API.h\"\n#include \"pppp/PPPP_API.h\"\n";
    let mut units: Vec<(String, String)> = cases
        .iter()
        .map(|(name, path)| (name.to_string(), format!("#include \"{path}\"\n")))
        .collect();
    units.push(("all".into(), all.into()));
    for (name, text) in units {
        let body = format!("{text}\nint main(void) {{ return 0; }}\n");
        let cpp = s.bin.join(format!("hdr-{name}.cpp"));
        std::fs::write(&cpp, &body).expect("write the C++ unit");
        let o = Command::new("g++")
            .args([
                "-std=c++17",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
            ])
            .arg(format!("-I{}", inc.display()))
            .arg(&cpp)
            .output()
            .expect("run g++");
        check(&o, &format!("g++ -std=c++17 {name}"));
        let c = s.bin.join(format!("hdr-{name}.c"));
        std::fs::write(&c, &body).expect("write the C unit");
        let o = Command::new("gcc")
            .args([
                "-std=c99",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
            ])
            .arg(format!("-I{}", inc.display()))
            .arg(&c)
            .output()
            .expect("run gcc");
        check(&o, &format!("gcc -std=c99 {name}"));
    }
}

#[test]
fn header_version_macros_match_cargo_toml() {
    let h = std::fs::read_to_string(root().join("include/pppp.h")).expect("read pppp.h");
    let def = |name: &str| -> String {
        h.lines()
            .find_map(|l| l.strip_prefix(&format!("#define {name} ")))
            .unwrap_or_else(|| panic!("pppp.h defines {name}"))
            .trim()
            .trim_matches('"')
            .to_owned()
    };
    assert_eq!(
        def("PPPP_VERSION"),
        env!("CARGO_PKG_VERSION"),
        "update ffi/cbindgen.toml"
    );
    assert_eq!(def("PPPP_VERSION_MAJOR"), env!("CARGO_PKG_VERSION_MAJOR"));
    assert_eq!(def("PPPP_VERSION_MINOR"), env!("CARGO_PKG_VERSION_MINOR"));
    assert_eq!(def("PPPP_VERSION_PATCH"), env!("CARGO_PKG_VERSION_PATCH"));
}

/// Every function the headers declare is exported by the library (and the vendor libraries
/// are the same file).
#[test]
fn every_declared_function_is_exported() {
    let s = stage();
    let lib = s.prefix.join("lib");
    let nm = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(lib.join("libpppp.so"))
        .output()
        .expect("run nm");
    check(&nm, "nm");
    let exported = String::from_utf8_lossy(&nm.stdout).into_owned();
    let has = |f: &str| {
        exported
            .lines()
            .any(|l| l.split_whitespace().last() == Some(f))
    };
    let mut declared = 0;
    for h in ["pppp.h", "PPCS_API.h", "PPPP_API.h"] {
        let text = std::fs::read_to_string(root().join("include").join(h)).expect("read header");
        // Declarations start in column 0; comments start with "/" or " *".
        let decls: String = text
            .lines()
            .filter(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()))
            .collect::<Vec<_>>()
            .join("\n");
        for (i, _) in decls.match_indices('(') {
            let before = &decls[..i];
            let name_start = before
                .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .map_or(0, |p| p + 1);
            let name = &before[name_start..];
            let ours =
                name.starts_with("pppp_") || name.starts_with("PPCS_") || name.starts_with("PPPP_");
            if ours && name != "PPPP_API_API" {
                declared += 1;
                assert!(
                    has(name),
                    "{h} declares {name} but libpppp.so does not export it"
                );
            }
        }
    }
    assert!(declared > 80, "found only {declared} declarations");
    for vendor in ["libPPCS_API.so", "libPPPP_API.so"] {
        let target = std::fs::read_link(lib.join(vendor)).expect("a symlink");
        assert_eq!(target, Path::new("libpppp.so.0"));
    }
}
