//! The typed operations of a [`Session`]: one method per entry of the operation table
//! ([`crate::proto::operation`]), each checking the camera's answer.

use serde_json::Value;

use super::Session;
use crate::error::{Error, Result};
use crate::proto::dialect::Reply;
use crate::proto::operation::{Outcome, ReplyKind};
use crate::proto::ops::{FlipMirror, Op, Params, PtzDirection, SdInfo, WifiNetwork};

impl Session {
    /// Starts moving the camera head (SHIX: the four axis directions only).
    pub fn ptz(&self, direction: PtzDirection) -> Result<()> {
        self.call(Op::Ptz(direction)).map(drop)
    }

    /// Stops moving the camera head.
    pub fn ptz_stop(&self) -> Result<()> {
        self.call(Op::PtzStop).map(drop)
    }

    /// Returns the camera head to its centre / home position.
    pub fn ptz_center(&self) -> Result<()> {
        self.call(Op::PtzCenter).map(drop)
    }

    /// Stores the current position as preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_preset(&self, n: u8) -> Result<()> {
        self.call(Op::PtzSetPreset(n)).map(drop)
    }

    /// Moves to preset `n` (0–15; VStarcam CGI cameras).
    pub fn ptz_goto_preset(&self, n: u8) -> Result<()> {
        self.call(Op::PtzGotoPreset(n)).map(drop)
    }

    /// Switches the IR cut filter / night vision on or off (SHIX, CGI).
    pub fn set_ir(&self, on: bool) -> Result<()> {
        self.call(Op::SetIr(on)).map(drop)
    }

    /// Toggles the IR cut filter (iLnk binary cameras, which have no on/off command).
    pub fn toggle_ir(&self) -> Result<()> {
        self.call(Op::ToggleIr).map(drop)
    }

    /// Switches the white light on or off (SHIX).
    pub fn set_white_light(&self, on: bool) -> Result<()> {
        self.call(Op::SetWhiteLight(on)).map(drop)
    }

    /// Switches the lamp on or off (SHIX).
    pub fn set_lamp(&self, on: bool) -> Result<()> {
        self.call(Op::SetLamp(on)).map(drop)
    }

    /// Sets the image orientation.
    pub fn set_flip_mirror(&self, fm: FlipMirror) -> Result<()> {
        self.call(Op::SetFlipMirror(fm)).map(drop)
    }

    /// Reads the camera's parameters (SHIX `get_parms`, CGI `get_status.cgi`, binary status).
    pub fn params(&self) -> Result<Params> {
        match self.call(Op::GetParams)? {
            Outcome::Params(p) => Ok(p),
            other => Err(unexpected(other)),
        }
    }

    /// Sets parameters by name (SHIX `dev_control` fields such as `{"lamp": 1}`).
    pub fn set_params(&self, fields: serde_json::Map<String, Value>) -> Result<()> {
        self.call(Op::SetParams(fields)).map(drop)
    }

    /// Scans for Wi-Fi networks.
    pub fn wifi_scan(&self) -> Result<Vec<WifiNetwork>> {
        match self.call(Op::WifiScan)? {
            Outcome::WifiNetworks(n) => Ok(n),
            other => Err(unexpected(other)),
        }
    }

    /// Makes the camera join a Wi-Fi network.
    pub fn set_wifi(&self, ssid: &str, password: &str) -> Result<()> {
        self.call(Op::SetWifi {
            ssid: ssid.to_owned(),
            password: password.to_owned(),
        })
        .map(drop)
    }

    /// Reboots the camera (the session ends when it goes down).
    pub fn reboot(&self) -> Result<()> {
        self.call(Op::Reboot).map(drop)
    }

    /// Sets the camera's clock: `epoch` seconds (UTC) and its time zone in seconds east of UTC.
    pub fn set_time(&self, epoch: i64, tz_offset_secs: i32) -> Result<()> {
        self.call(Op::SetTime {
            epoch,
            tz_offset_secs,
        })
        .map(drop)
    }

    /// Reads SD card information.
    pub fn sd_info(&self) -> Result<SdInfo> {
        match self.call(Op::SdInfo)? {
            Outcome::SdInfo(i) => Ok(i),
            other => Err(unexpected(other)),
        }
    }

    /// Starts video (SHIX resolution 1 = 640×480, 2 = 320×240); returns the camera's
    /// answer, [`Error::Rejected`] when it refuses.
    pub fn start_video_with(&self, resolution: u8) -> Result<Value> {
        self.call_raw(Op::start_video(resolution))
    }

    /// [`Session::call`] for the operations whose raw answer the caller keeps.
    fn call_raw(&self, op: Op) -> Result<Value> {
        match self.call(op)? {
            Outcome::Done(reply) => Ok(reply),
            other => Err(unexpected(other)),
        }
    }

    /// Starts video at the default resolution.
    pub fn start_video(&self) -> Result<Value> {
        self.start_video_with(1)
    }

    /// Stops video ([`Error::Rejected`] when the camera refuses).
    pub fn stop_video(&self) -> Result<Value> {
        self.call_raw(Op::StopVideo)
    }

    /// Starts audio ([`Error::Rejected`] when the camera refuses).
    pub fn start_audio(&self) -> Result<Value> {
        self.call_raw(Op::StartAudio)
    }

    /// Stops audio ([`Error::Rejected`] when the camera refuses).
    pub fn stop_audio(&self) -> Result<Value> {
        self.call_raw(Op::StopAudio)
    }
}

/// The typed outcome of an operation's reply, or the error its refusal is.
pub(super) fn outcome(kind: ReplyKind, reply: Reply) -> Result<Outcome> {
    Ok(Outcome::from_reply(kind, reply)?)
}

/// An outcome of another kind than the operation's (a broken invariant of the table).
fn unexpected(o: Outcome) -> Error {
    Error::Protocol(format!("unexpected outcome {o:?}").into())
}
