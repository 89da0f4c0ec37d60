//! The library's state: whether it is initialised, what the init string set, the open
//! sessions by handle (see [`super::handles`]) and the connects under way.

use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;
use pppp::client::RawSession;

use super::abi::{ERROR_PPCS_INVALID_SESSION_HANDLE, ERROR_PPCS_NOT_INITIALIZED};
use super::handles::{self, Handles};
use super::marshal::fail;

/// Channels per session.
pub(super) const CHANNELS: u8 = 8;

/// Default and largest `MaxNumSess`.
pub(super) const DEFAULT_MAX_SESSIONS: usize = 128;
pub(super) const MAX_SESSIONS: usize = handles::SLOTS;

/// A connect under way (`PPCS_Connect_Break` and `PPCS_DeInitialize` end it).
pub(super) struct Pending {
    pub(super) id: u64,
    pub(super) session: Arc<RawSession>,
    pub(super) broken: Arc<AtomicBool>,
}

/// What the library holds between calls.
pub(super) struct Global {
    pub(super) initialized: bool,
    pub(super) servers: Vec<String>,
    pub(super) psk: Option<String>,
    pub(super) max_sessions: usize,
    pub(super) dead_after: Option<Duration>,
    /// Open sessions by handle (see [`handles`] for the encoding).
    pub(super) sessions: Handles<Arc<RawSession>>,
    pub(super) pending: Vec<Pending>,
}

impl Global {
    /// Sessions open or connecting (what `MaxNumSess` bounds).
    pub(super) fn in_use(&self) -> usize {
        self.sessions.len() + self.pending.len()
    }
}

pub(super) static GLOBAL: LazyLock<Mutex<Global>> = LazyLock::new(|| {
    Mutex::new(Global {
        initialized: false,
        servers: Vec::new(),
        psk: None,
        max_sessions: DEFAULT_MAX_SESSIONS,
        dead_after: None,
        sessions: Handles::new(),
        pending: Vec::new(),
    })
});

pub(super) static NEXT_CONNECT: AtomicU64 = AtomicU64::new(1);

/// The live session of `h`.
pub(super) fn session(h: i32) -> Result<Arc<RawSession>, i32> {
    let g = GLOBAL.lock();
    if !g.initialized {
        return Err(fail(
            ERROR_PPCS_NOT_INITIALIZED,
            "PPCS_Initialize was not called",
        ));
    }
    g.sessions.get(h).cloned().ok_or_else(|| {
        fail(
            ERROR_PPCS_INVALID_SESSION_HANDLE,
            format!("no session has the handle {h}"),
        )
    })
}

pub(super) fn initialized() -> Result<(), i32> {
    if GLOBAL.lock().initialized {
        Ok(())
    } else {
        Err(fail(
            ERROR_PPCS_NOT_INITIALIZED,
            "PPCS_Initialize was not called",
        ))
    }
}
