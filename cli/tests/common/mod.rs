//! Shared by the CLI tests: the `pppp` binary and a `pppp camera` child to run it against.
#![allow(dead_code, unreachable_pub)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The `pppp` binary under test.
pub fn pppp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pppp"))
}

/// A `pppp camera` child on a free loopback port; killed on drop.
pub struct Camera {
    child: Child,
    /// Its LAN-search address, from the banner.
    pub lan: String,
    /// The first line it printed.
    pub banner: String,
}

impl Camera {
    /// Runs `pppp camera --lan-port 0 --duration 60 ARGS` and waits for its banner.
    pub fn start(args: &[&str]) -> Camera {
        let mut child = pppp()
            .args(["camera", "--lan-port", "0", "--duration", "60"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut banner = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut banner)
            .unwrap();
        let lan = banner
            .split_whitespace()
            .skip_while(|w| *w != "on")
            .nth(1)
            .unwrap_or_else(|| panic!("no address in {banner:?}"))
            .to_owned();
        Camera { child, lan, banner }
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
