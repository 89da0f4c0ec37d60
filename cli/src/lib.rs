//! The `pppp` command-line tool, as a library so that other front ends (the Python package's
//! console script) run exactly the same code: call [`run`] with the argument list.
//!
//! Exit codes: 0 success, 1 other error, 2 usage error, 3 camera offline, 4 wrong password,
//! 5 timeout, 6 session closed by the camera, 130 interrupted.

mod bench;
mod camera;
mod cmd;
mod common;
mod demo;
mod discover;
mod dissect;
mod media;
mod record;
mod serve;
mod stream;
mod talk;

use std::ffi::OsString;

use clap::{Parser, Subcommand};

pub use common::CliError;
/// How `pppp dissect` reads a capture (pcap, pcapng or hex dump) held in memory; public for
/// the fuzz crate.
pub use dissect::parse_capture;

/// Talk to PPPP / CS2 / iLnkP2P cameras on your LAN, privately.
#[derive(Debug, Parser)]
#[command(name = "pppp", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// More log output (repeat for more); or set RUST_LOG.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find cameras on the LAN (broadcast and/or unicast LAN search).
    Discover(discover::Args),
    /// Run the built-in fake camera on real sockets, for testing clients without hardware.
    Camera(camera::Args),
    /// Connect, log in and stream video; save frames and print per-second status.
    Stream(stream::Args),
    /// Send one command (JSON for SHIX cameras) and print the reply.
    Cmd(cmd::Args),
    /// Start a fake camera on loopback, discover it, log in and stream from it.
    Demo(demo::Args),
    /// Serve the camera over HTTP: /video.mjpeg, /snapshot.jpg, /audio.wav, status page at /.
    Serve(serve::Args),
    /// Record video (PREFIX.avi or PREFIX.h264) and audio (PREFIX.wav) for N seconds.
    Record(record::Args),
    /// Save one picture as a JPEG file.
    Snapshot(record::SnapshotArgs),
    /// Play a WAV file through the camera's speaker.
    Talk(talk::Args),
    /// Decode a pcap/pcapng capture or a hex dump into one line per PPPP message.
    Dissect(dissect::Args),
    /// Benchmark many sessions in this process against the multi-camera emulator.
    Bench(bench::Args),
}

/// Runs the tool with `args` (the first item is the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match Cli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return code;
        }
    };
    common::init_logging(cli.verbose);
    common::quiet_panics();
    let result = match cli.command {
        Command::Discover(a) => discover::run(a),
        Command::Camera(a) => camera::run(a),
        Command::Stream(a) => stream::run(a),
        Command::Cmd(a) => cmd::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Record(a) => record::run(a),
        Command::Snapshot(a) => record::snapshot(a),
        Command::Talk(a) => talk::run(a),
        Command::Dissect(a) => dissect::run(a),
        Command::Bench(a) => bench::run(a),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("pppp: error: {e}");
            e.exit_code()
        }
    }
}
