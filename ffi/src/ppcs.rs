//! The vendor CS2 SDK's C API, `PPCS_*` and the legacy `PPPP_*` names, with the vendor's
//! signatures, struct layouts, error codes and semantics (`include/PPCS_API.h`,
//! `include/PPPP_API.h`), so that programs written for the vendor library relink unchanged.
//!
//! What differs from the vendor library, on purpose:
//!
//! * **LAN only, no servers are ever contacted.** `PPCS_Connect` finds the device by the LAN
//!   search (broadcast on every IPv4 interface, or unicast to the addresses of the environment
//!   variable `PPPP_LAN_TARGETS=host[:port],...`). An init string with servers is accepted by
//!   `PPCS_Initialize`, but `PPCS_ConnectByServer` with a server string that names servers
//!   returns [`ERROR_PPCS_NOT_SUPPORTED`] (relay/P2P-server support does not exist), unless
//!   `PPPP_IGNORE_SERVERS=1` asks to connect on the LAN anyway. Flag bytes that disable the LAN
//!   search (bit 0 clear, except the special codes 0x79–0x7F) also get
//!   [`ERROR_PPCS_NOT_SUPPORTED`].
//! * **Client side only.** `PPCS_Listen`/`PPPP_Listen` (device side) return
//!   [`ERROR_PPCS_NOT_SUPPORTED`]; `PPCS_Listen_Break` does nothing and returns 0;
//!   `PPCS_LoginStatus_Check` reports "not logged in"; `PPCS_QueryDID` returns
//!   [`ERROR_PPCS_NOT_SUPPORTED`].
//! * `PPCS_NetworkDetect` fills `MyLanIP` from the local interfaces and leaves the
//!   server-derived fields 0 / `"0.0.0.0"`: no server is contacted.
//! * A failure also leaves a detail message for `pppp_last_error_message` (pppp.h).
//! * **Handles carry a generation**: `handle = generation × 512 + slot` (see [`handles`]). The
//!   first 512 sessions get 0, 1, 2, …; a closed handle stays invalid
//!   ([`ERROR_PPCS_INVALID_SESSION_HANDLE`]) instead of naming the next session that takes
//!   its slot.

#![allow(non_snake_case, non_camel_case_types)]

use std::ffi::{c_char, CStr};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use parking_lot::Mutex;
use pppp::client::{RawConfig, RawSession, RawState, MAX_PACKET};
use pppp::error::ClosedBy;
use pppp::proto::conn::CloseReason;
use pppp::proto::initstring;
use pppp::Error;

use crate::error::{fill_fixed, set_last_error};
use crate::pppp_result;

mod handles;
use handles::Handles;

/// Success.
pub const ERROR_PPCS_SUCCESSFUL: i32 = 0;
/// `PPCS_Initialize` was not called.
pub const ERROR_PPCS_NOT_INITIALIZED: i32 = -1;
/// `PPCS_Initialize` was already called (callers treat it as success).
pub const ERROR_PPCS_ALREADY_INITIALIZED: i32 = -2;
/// Timeout (Read: normal, with partial data; Connect: no answer).
pub const ERROR_PPCS_TIME_OUT: i32 = -3;
/// Malformed device ID.
pub const ERROR_PPCS_INVALID_ID: i32 = -4;
/// Bad argument.
pub const ERROR_PPCS_INVALID_PARAMETER: i32 = -5;
/// The device is not online (0x7F probe: no answer on the LAN).
pub const ERROR_PPCS_DEVICE_NOT_ONLINE: i32 = -6;
/// A server name could not be resolved (never returned: no servers are used).
pub const ERROR_PPCS_FAIL_TO_RESOLVE_NAME: i32 = -7;
/// The DID prefix was refused by the server (never returned).
pub const ERROR_PPCS_INVALID_PREFIX: i32 = -8;
/// The device ID is out of date (never returned).
pub const ERROR_PPCS_ID_OUT_OF_DATE: i32 = -9;
/// No relay server available (never returned).
pub const ERROR_PPCS_NO_RELAY_SERVER_AVAILABLE: i32 = -10;
/// No session has this handle.
pub const ERROR_PPCS_INVALID_SESSION_HANDLE: i32 = -11;
/// The device closed the session.
pub const ERROR_PPCS_SESSION_CLOSED_REMOTE: i32 = -12;
/// The device went silent.
pub const ERROR_PPCS_SESSION_CLOSED_TIMEOUT: i32 = -13;
/// This side closed the session.
pub const ERROR_PPCS_SESSION_CLOSED_CALLED: i32 = -14;
/// The channel's write buffer (2 MB) is full.
pub const ERROR_PPCS_REMOTE_SITE_BUFFER_FULL: i32 = -15;
/// `Listen_Break` ended a `Listen` (never returned: no device side).
pub const ERROR_PPCS_USER_LISTEN_BREAK: i32 = -16;
/// Too many sessions (`MaxNumSess`).
pub const ERROR_PPCS_MAX_SESSION: i32 = -17;
/// The UDP port could not be bound.
pub const ERROR_PPCS_UDP_PORT_BIND_FAILED: i32 = -18;
/// `Connect_Break` ended a pending `Connect`.
pub const ERROR_PPCS_USER_CONNECT_BREAK: i32 = -19;
/// Closed for lack of memory (never returned).
pub const ERROR_PPCS_SESSION_CLOSED_INSUFFICIENT_MEMORY: i32 = -20;
/// Bad API license (never returned).
pub const ERROR_PPCS_INVALID_APILICENSE: i32 = -21;
/// A thread could not be created.
pub const ERROR_PPCS_FAIL_TO_CREATE_THREAD: i32 = -22;
/// Bad DSK (never returned: DSKs are not checked).
pub const ERROR_PPCS_INVALID_DSK: i32 = -23;
/// TCP relay failed (never returned).
pub const ERROR_PPCS_FAILED_TO_CONNECT_TCP_RELAY: i32 = -24;
/// Out of memory.
pub const ERROR_PPCS_FAIL_TO_ALLOCATE_MEMORY: i32 = -25;
/// pppp extension: the request needs the P2P/relay servers or the device side, which this
/// library does not implement.
pub const ERROR_PPCS_NOT_SUPPORTED: i32 = -100;
/// pppp extension: an internal error (a bug; see `pppp_last_error_message`).
pub const ERROR_PPCS_INTERNAL: i32 = -101;

/// The version `PPCS_GetAPIVersion` reports: 4.2.0.0 (JSON init strings are understood).
pub const API_VERSION: u32 = 0x0402_0000;

/// Channels per session.
const CHANNELS: u8 = 8;

/// Default and largest `MaxNumSess`.
const DEFAULT_MAX_SESSIONS: usize = 128;
const MAX_SESSIONS: usize = handles::SLOTS;

/// `st_PPCS_NetInfo` (36 bytes, align 1).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct st_PPCS_NetInfo {
    /// Internet reachable? (0: unknown — no server is contacted).
    pub bFlagInternet: c_char,
    /// P2P server resolved? (always 0).
    pub bFlagHostResolved: c_char,
    /// Hello from a P2P server? (always 0).
    pub bFlagServerHello: c_char,
    /// NAT type (0: unknown).
    pub NAT_Type: c_char,
    /// Own LAN IP, dotted, NUL-terminated.
    pub MyLanIP: [c_char; 16],
    /// Own WAN IP (`"0.0.0.0"`: unknown).
    pub MyWanIP: [c_char; 16],
}

/// The legacy name of [`st_PPCS_NetInfo`].
pub type st_PPPP_NetInfo = st_PPCS_NetInfo;

/// `struct sockaddr_in` as the platform lays it out (16 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
pub struct SockAddrIn {
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ))]
    sin_len: u8,
    #[cfg(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    ))]
    sin_family: u8,
    #[cfg(not(any(
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly"
    )))]
    sin_family: u16,
    /// Port, network byte order.
    sin_port: u16,
    /// Address, network byte order.
    sin_addr: u32,
    sin_zero: [u8; 8],
}

impl SockAddrIn {
    fn from_addr(a: Option<SocketAddr>) -> SockAddrIn {
        let mut s = SockAddrIn::default();
        if let Some(SocketAddr::V4(v4)) = a {
            s.sin_family = 2; // AF_INET everywhere
            #[cfg(any(
                target_os = "macos",
                target_os = "ios",
                target_os = "freebsd",
                target_os = "netbsd",
                target_os = "openbsd",
                target_os = "dragonfly"
            ))]
            {
                s.sin_len = 16;
            }
            s.sin_port = v4.port().to_be();
            s.sin_addr = u32::from_ne_bytes(v4.ip().octets());
        }
        s
    }

    /// The address (for tests).
    pub fn to_addr(&self) -> Option<SocketAddr> {
        if self.sin_family != 2 {
            return None;
        }
        let ip = Ipv4Addr::from(self.sin_addr.to_ne_bytes());
        Some(SocketAddr::new(IpAddr::V4(ip), u16::from_be(self.sin_port)))
    }
}

/// `st_PPCS_Session` (84 bytes, align 4).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct st_PPCS_Session {
    /// The session's UDP socket descriptor.
    pub Skt: i32,
    /// The device's address.
    pub RemoteAddr: SockAddrIn,
    /// Our address toward the device.
    pub MyLocalAddr: SockAddrIn,
    /// Our WAN address (zero: unknown, no server is contacted).
    pub MyWanAddr: SockAddrIn,
    /// Seconds since the connection was built.
    pub ConnectTime: u32,
    /// The device ID, NUL-terminated.
    pub DID: [c_char; 24],
    /// Our role: 0 client.
    pub bCorD: c_char,
    /// Connection mode: 0 P2P (LAN).
    pub bMode: c_char,
    /// Reserved.
    pub Reserved: [c_char; 2],
}

/// The legacy name of [`st_PPCS_Session`].
pub type st_PPPP_Session = st_PPCS_Session;

const _: () = assert!(std::mem::size_of::<SockAddrIn>() == 16);
const _: () = assert!(std::mem::size_of::<st_PPCS_NetInfo>() == 36);
const _: () = assert!(std::mem::align_of::<st_PPCS_NetInfo>() == 1);
const _: () = assert!(std::mem::size_of::<st_PPCS_Session>() == 84);
const _: () = assert!(std::mem::align_of::<st_PPCS_Session>() == 4);

struct Pending {
    id: u64,
    session: Arc<RawSession>,
    broken: Arc<AtomicBool>,
}

struct Global {
    initialized: bool,
    servers: Vec<String>,
    psk: Option<String>,
    max_sessions: usize,
    dead_after: Option<Duration>,
    /// Open sessions by handle (see [`handles`] for the encoding).
    sessions: Handles<Arc<RawSession>>,
    pending: Vec<Pending>,
}

impl Global {
    fn in_use(&self) -> usize {
        self.sessions.len() + self.pending.len()
    }
}

static GLOBAL: LazyLock<Mutex<Global>> = LazyLock::new(|| {
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

static NEXT_CONNECT: AtomicU64 = AtomicU64::new(1);

/// Records the detail of a failing vendor call and returns its code.
fn fail(code: i32, msg: impl AsRef<str>) -> i32 {
    let r = match code {
        ERROR_PPCS_TIME_OUT => pppp_result::Timeout,
        ERROR_PPCS_INVALID_ID => pppp_result::InvalidUid,
        ERROR_PPCS_DEVICE_NOT_ONLINE => pppp_result::Offline,
        ERROR_PPCS_SESSION_CLOSED_REMOTE => pppp_result::ClosedRemote,
        ERROR_PPCS_SESSION_CLOSED_TIMEOUT => pppp_result::ClosedPeerTimeout,
        ERROR_PPCS_SESSION_CLOSED_CALLED => pppp_result::ClosedLocal,
        ERROR_PPCS_REMOTE_SITE_BUFFER_FULL => pppp_result::BufferFull,
        ERROR_PPCS_UDP_PORT_BIND_FAILED | ERROR_PPCS_FAIL_TO_CREATE_THREAD => pppp_result::Io,
        ERROR_PPCS_INTERNAL => pppp_result::Internal,
        _ => pppp_result::InvalidArgument,
    };
    set_last_error(r, msg.as_ref());
    code
}

/// Runs a vendor function's body inside the panic boundary.
fn vendor(body: impl FnOnce() -> i32) -> i32 {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(_) => fail(ERROR_PPCS_INTERNAL, "panic inside pppp (a bug)"),
    }
}

/// The vendor code of a session error.
fn code_of(e: &Error) -> i32 {
    let c = match e {
        Error::Closed(ClosedBy::Local) => ERROR_PPCS_SESSION_CLOSED_CALLED,
        Error::Closed(ClosedBy::Remote) => ERROR_PPCS_SESSION_CLOSED_REMOTE,
        Error::Closed(ClosedBy::PeerTimeout) => ERROR_PPCS_SESSION_CLOSED_TIMEOUT,
        Error::BufferFull(_) => ERROR_PPCS_REMOTE_SITE_BUFFER_FULL,
        Error::Offline { .. } | Error::Timeout { .. } => ERROR_PPCS_TIME_OUT,
        Error::InvalidUid(_) => ERROR_PPCS_INVALID_ID,
        Error::Io(_) => ERROR_PPCS_UDP_PORT_BIND_FAILED,
        _ => ERROR_PPCS_INVALID_PARAMETER,
    };
    fail(c, e.to_string())
}

fn close_code(r: CloseReason) -> i32 {
    match r {
        CloseReason::Remote => ERROR_PPCS_SESSION_CLOSED_REMOTE,
        CloseReason::PeerTimeout => ERROR_PPCS_SESSION_CLOSED_TIMEOUT,
        _ => ERROR_PPCS_SESSION_CLOSED_CALLED,
    }
}

/// The live session of `h`.
fn session(h: i32) -> Result<Arc<RawSession>, i32> {
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

fn initialized() -> Result<(), i32> {
    if GLOBAL.lock().initialized {
        Ok(())
    } else {
        Err(fail(
            ERROR_PPCS_NOT_INITIALIZED,
            "PPCS_Initialize was not called",
        ))
    }
}

/// # Safety
/// `p` must be NULL or NUL-terminated.
unsafe fn text<'a>(p: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: per the contract.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// Parses `InitString[:P2PKey]` or the JSON form (`{"InitString":…,"MaxNumSess":…,…}`).
fn parse_init(s: &str) -> Result<initstring::InitConfig, String> {
    initstring::parse_config(s).map_err(|e| e.to_string())
}

/// The session limit an init string sets: its `MaxNumSess` bounded by the handle table.
fn max_sessions(c: &initstring::InitConfig) -> usize {
    c.max_sessions.map_or(DEFAULT_MAX_SESSIONS, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_SESSIONS)
    })
}

fn initialize(param: *const c_char) -> i32 {
    // SAFETY: the vendor contract: NULL or a NUL-terminated string.
    let bytes = unsafe { text(param) }.unwrap_or_default();
    let Ok(s) = std::str::from_utf8(bytes) else {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "the init string is not UTF-8");
    };
    let info = match parse_init(s) {
        Ok(i) => i,
        Err(m) => return fail(ERROR_PPCS_INVALID_PARAMETER, m),
    };
    let mut g = GLOBAL.lock();
    if g.initialized {
        return ERROR_PPCS_ALREADY_INITIALIZED;
    }
    g.initialized = true;
    g.max_sessions = max_sessions(&info);
    g.servers = info.servers;
    g.psk = info.psk;
    g.dead_after = info.alive;
    ERROR_PPCS_SUCCESSFUL
}

fn deinitialize() -> i32 {
    let (sessions, pending) = {
        let mut g = GLOBAL.lock();
        if !g.initialized {
            return fail(ERROR_PPCS_NOT_INITIALIZED, "PPCS_Initialize was not called");
        }
        g.initialized = false;
        g.servers.clear();
        g.psk = None;
        (g.sessions.drain(), std::mem::take(&mut g.pending))
    };
    for p in pending {
        p.broken.store(true, Ordering::Release);
        p.session.abort();
    }
    for s in sessions {
        s.abort();
    }
    ERROR_PPCS_SUCCESSFUL
}

fn ignore_servers() -> bool {
    std::env::var("PPPP_IGNORE_SERVERS").is_ok_and(|v| !matches!(v.trim(), "" | "0"))
}

/// The LAN search time for a flag byte below 0x79 (bit 0 set): the P2P try time of bits 1–4.
fn bit_timeout(flag: u8) -> Duration {
    let n = (flag >> 1) & 0x0F;
    Duration::from_secs(match n {
        0 => 5,
        15 => 3,
        n => u64::from(n).max(2),
    })
}

/// `PPCS_Connect` / `PPCS_ConnectByServer`.
fn connect(target: *const c_char, flag: c_char, port: u16, server: Option<*const c_char>) -> i32 {
    let (psk, max, dead_after) = {
        let g = GLOBAL.lock();
        if !g.initialized {
            return fail(ERROR_PPCS_NOT_INITIALIZED, "PPCS_Initialize was not called");
        }
        (g.psk.clone(), g.max_sessions, g.dead_after)
    };
    // SAFETY: vendor contract: NULL or NUL-terminated.
    let Some(t) = (unsafe { text(target) }) else {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "TargetID is NULL");
    };
    let Ok(t) = std::str::from_utf8(t) else {
        return fail(ERROR_PPCS_INVALID_ID, "TargetID is not text");
    };
    // "DID" or "DID:DSKey"; the DSKey is not checked.
    let did = t.split(':').next().unwrap_or("").trim();
    if let Err(e) = pppp::Uid::parse(did) {
        return fail(ERROR_PPCS_INVALID_ID, e.to_string());
    }
    let mut timeout_7x = None;
    if let Some(sp) = server {
        // SAFETY: vendor contract: NULL or NUL-terminated.
        let bytes = unsafe { text(sp) }.unwrap_or_default();
        let Ok(s) = std::str::from_utf8(bytes) else {
            return fail(ERROR_PPCS_INVALID_PARAMETER, "ServerString is not UTF-8");
        };
        match parse_init(s) {
            Ok(info) => {
                if !info.servers.is_empty() && !ignore_servers() {
                    return fail(
                        ERROR_PPCS_NOT_SUPPORTED,
                        format!(
                            "the server string names P2P servers ({}); pppp connects on the LAN \
                             only and has no relay/P2P-server support (pass an empty server \
                             string, use PPCS_Connect, or set PPPP_IGNORE_SERVERS=1 to connect \
                             on the LAN anyway)",
                            info.servers.join(", ")
                        ),
                    );
                }
                timeout_7x = info.timeout_7x;
            }
            Err(m) => return fail(ERROR_PPCS_INVALID_PARAMETER, m),
        }
    }
    let flag = flag as u8;
    let (probe, timeout) = match flag {
        0x79 | 0x7F => (true, Duration::from_secs(3)),
        0x7A..=0x7E => (false, timeout_7x.unwrap_or(Duration::from_secs(10))),
        f if f & 1 == 0 => {
            return fail(
                ERROR_PPCS_NOT_SUPPORTED,
                format!(
                    "bEnableLanSearch 0x{f:02x} disables the LAN search; pppp connects on the LAN \
                     only (set bit 0)"
                ),
            )
        }
        f => (false, bit_timeout(f)),
    };
    let mut cfg = RawConfig::new(did);
    cfg.connect_timeout = timeout;
    if let Some(d) = dead_after {
        cfg.dead_after = d;
    }
    if let Some(p) = psk {
        cfg.psk = format!("custom:{p}");
    }
    if port != 0 {
        cfg.bind = Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port));
    }
    let id = NEXT_CONNECT.fetch_add(1, Ordering::Relaxed);
    let broken = Arc::new(AtomicBool::new(false));
    let s = {
        let mut g = GLOBAL.lock();
        if g.in_use() >= max {
            return fail(
                ERROR_PPCS_MAX_SESSION,
                format!("{max} sessions are open or connecting (MaxNumSess)"),
            );
        }
        let s = match RawSession::start(cfg) {
            Ok(s) => Arc::new(s),
            Err(e @ Error::Io(_)) => {
                return fail(
                    ERROR_PPCS_UDP_PORT_BIND_FAILED,
                    format!("cannot bind UDP port {port}: {e}"),
                )
            }
            Err(e) => return code_of(&e),
        };
        g.pending.push(Pending {
            id,
            session: s.clone(),
            broken: broken.clone(),
        });
        s
    };
    let r = s.wait_connected();
    let mut g = GLOBAL.lock();
    g.pending.retain(|p| p.id != id);
    if broken.load(Ordering::Acquire) || !g.initialized {
        drop(g);
        s.abort();
        return fail(
            ERROR_PPCS_USER_CONNECT_BREAK,
            "PPCS_Connect_Break (or PPCS_DeInitialize) ended the connect",
        );
    }
    match r {
        Ok(()) if probe => {
            drop(g);
            s.abort();
            ERROR_PPCS_SUCCESSFUL // online (0x79: "0 seconds since its last login")
        }
        Ok(()) => match g.sessions.insert(s.clone()) {
            Some(h) => h,
            None => {
                drop(g);
                s.abort();
                fail(
                    ERROR_PPCS_MAX_SESSION,
                    format!("all {MAX_SESSIONS} session handles are in use"),
                )
            }
        },
        Err(e) => {
            drop(g);
            s.abort();
            match e {
                Error::Offline { .. } | Error::Timeout { .. } if probe => {
                    fail(ERROR_PPCS_DEVICE_NOT_ONLINE, e.to_string())
                }
                Error::Offline { .. } | Error::Timeout { .. } => {
                    fail(ERROR_PPCS_TIME_OUT, e.to_string())
                }
                Error::Closed(_) => fail(ERROR_PPCS_USER_CONNECT_BREAK, e.to_string()),
                e => code_of(&e),
            }
        }
    }
}

fn connect_break() -> i32 {
    let pending: Vec<Arc<RawSession>> = {
        let g = GLOBAL.lock();
        if !g.initialized {
            return fail(ERROR_PPCS_NOT_INITIALIZED, "PPCS_Initialize was not called");
        }
        g.pending
            .iter()
            .map(|p| {
                p.broken.store(true, Ordering::Release);
                p.session.clone()
            })
            .collect()
    };
    for s in pending {
        s.abort();
    }
    ERROR_PPCS_SUCCESSFUL
}

fn close(h: i32, force: bool) -> i32 {
    let s = {
        let mut g = GLOBAL.lock();
        if !g.initialized {
            return fail(ERROR_PPCS_NOT_INITIALIZED, "PPCS_Initialize was not called");
        }
        match g.sessions.remove(h) {
            Some(s) => s,
            None => {
                return fail(
                    ERROR_PPCS_INVALID_SESSION_HANDLE,
                    format!("no session has the handle {h}"),
                )
            }
        }
    };
    if force {
        s.abort();
    } else {
        s.close();
    }
    ERROR_PPCS_SUCCESSFUL
}

/// Our address toward `peer` (the routing decision only: nothing is sent).
fn local_toward(peer: SocketAddr, port: u16) -> Option<SocketAddr> {
    let probe = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    probe.connect(peer).ok()?;
    let ip = probe.local_addr().ok()?.ip();
    Some(SocketAddr::new(ip, port))
}

fn check(h: i32, info: *mut st_PPCS_Session) -> i32 {
    if info.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "SInfo is NULL");
    }
    let s = match session(h) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let i = s.info();
    let local = match (i.peer, i.local) {
        (Some(p), Some(l)) if l.ip().is_unspecified() => local_toward(p, l.port()).or(Some(l)),
        (_, l) => l,
    };
    let mut v = st_PPCS_Session {
        Skt: i.socket_fd.unwrap_or(-1),
        RemoteAddr: SockAddrIn::from_addr(i.peer),
        MyLocalAddr: SockAddrIn::from_addr(local),
        MyWanAddr: SockAddrIn::default(),
        ConnectTime: i
            .connected_for
            .map_or(0, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX)),
        DID: [0; 24],
        bCorD: 0,
        bMode: 0,
        Reserved: [0; 2],
    };
    fill_fixed(&mut v.DID, &s.uid().to_string());
    // SAFETY: checked non-NULL; the caller's struct.
    unsafe { info.write(v) };
    if s.is_close_called() {
        return fail(ERROR_PPCS_SESSION_CLOSED_CALLED, "the session was closed");
    }
    match s.state() {
        RawState::Closed(r) => fail(close_code(r), format!("the session ended: {r:?}")),
        _ => ERROR_PPCS_SUCCESSFUL,
    }
}

fn network_detect(info: *mut st_PPCS_NetInfo) -> i32 {
    if info.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "NetInfo is NULL");
    }
    if let Err(c) = initialized() {
        return c;
    }
    let lan = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .find_map(|i| match i.ip() {
            IpAddr::V4(v4) => Some(v4),
            IpAddr::V6(_) => None,
        })
        .unwrap_or(Ipv4Addr::UNSPECIFIED);
    let mut v = st_PPCS_NetInfo {
        bFlagInternet: 0,
        bFlagHostResolved: 0,
        bFlagServerHello: 0,
        NAT_Type: 0,
        MyLanIP: [0; 16],
        MyWanIP: [0; 16],
    };
    fill_fixed(&mut v.MyLanIP, &lan.to_string());
    fill_fixed(&mut v.MyWanIP, "0.0.0.0");
    // SAFETY: checked non-NULL; the caller's struct.
    unsafe { info.write(v) };
    ERROR_PPCS_SUCCESSFUL
}

fn channel_ok(ch: u8) -> Result<(), i32> {
    if ch < CHANNELS {
        Ok(())
    } else {
        Err(fail(
            ERROR_PPCS_INVALID_PARAMETER,
            format!("invalid channel {ch} (channels are 0-7)"),
        ))
    }
}

/// The live session of `h`, once `ch` is checked to be a valid channel.
fn channel_session(h: i32, ch: u8) -> Result<Arc<RawSession>, i32> {
    channel_ok(ch)?;
    session(h)
}

/// A vendor `TimeOut_ms`: `0xFFFFFFFF` waits forever.
fn read_timeout(timeout_ms: u32) -> Option<Duration> {
    (timeout_ms != u32::MAX).then(|| Duration::from_millis(u64::from(timeout_ms)))
}

fn read(h: i32, ch: u8, buf: *mut c_char, size: *mut i32, timeout_ms: u32) -> i32 {
    if size.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "DataSize is NULL");
    }
    // SAFETY: non-NULL in/out parameter of the caller.
    let want = unsafe { size.read() };
    let zero = || {
        // SAFETY: as above.
        unsafe { size.write(0) }
    };
    if buf.is_null() || want <= 0 {
        zero();
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "DataBuf is NULL or *DataSize is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => {
            zero();
            return c;
        }
    };
    // SAFETY: the caller's buffer holds at least `*DataSize` bytes (vendor contract).
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), want as usize) };
    let timeout = read_timeout(timeout_ms);
    match s.read(ch, out, timeout) {
        Ok(o) => {
            // SAFETY: as above.
            unsafe { size.write(o.len as i32) };
            if o.complete {
                ERROR_PPCS_SUCCESSFUL
            } else {
                fail(
                    ERROR_PPCS_TIME_OUT,
                    format!("{} of {want} bytes before the timeout", o.len),
                )
            }
        }
        Err(e) => {
            zero();
            code_of(&e)
        }
    }
}

fn write(h: i32, ch: u8, buf: *const c_char, len: i32) -> i32 {
    if buf.is_null() || len <= 0 {
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "DataBuf is NULL or DataSizeToWrite is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    // SAFETY: the caller's buffer holds `len` bytes (vendor contract).
    let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len as usize) };
    match s.write(ch, data) {
        Ok(()) => len,
        Err(e) => code_of(&e),
    }
}

fn check_buffer(h: i32, ch: u8, w: *mut u32, r: *mut u32) -> i32 {
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    match s.buffered(ch) {
        Ok((wn, rn)) => {
            if !w.is_null() {
                // SAFETY: non-NULL out-parameter of the caller.
                unsafe { w.write(u32::try_from(wn).unwrap_or(u32::MAX)) };
            }
            if !r.is_null() {
                // SAFETY: as above.
                unsafe { r.write(u32::try_from(rn).unwrap_or(u32::MAX)) };
            }
            ERROR_PPCS_SUCCESSFUL
        }
        Err(e) => code_of(&e),
    }
}

fn pkt_send(h: i32, ch: u8, buf: *const c_char, len: i32) -> i32 {
    if buf.is_null() || len <= 0 || len as usize > MAX_PACKET {
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            format!("PktBuf is NULL or PktSize is not 1-{MAX_PACKET}"),
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => return c,
    };
    // SAFETY: the caller's buffer holds `len` bytes (vendor contract).
    let data = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len as usize) };
    match s.send_packet(ch, data) {
        Ok(()) => len,
        Err(e) => code_of(&e),
    }
}

fn pkt_recv(h: i32, ch: u8, buf: *mut c_char, size: *mut i32, timeout_ms: u32) -> i32 {
    if size.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "PktSize is NULL");
    }
    // SAFETY: non-NULL in/out parameter of the caller.
    let want = unsafe { size.read() };
    let set = |n: i32| {
        // SAFETY: as above.
        unsafe { size.write(n) }
    };
    if buf.is_null() || want <= 0 {
        set(0);
        return fail(
            ERROR_PPCS_INVALID_PARAMETER,
            "PktBuf is NULL or *PktSize is not positive",
        );
    }
    let s = match channel_session(h, ch) {
        Ok(s) => s,
        Err(c) => {
            set(0);
            return c;
        }
    };
    // SAFETY: the caller's buffer holds at least `*PktSize` bytes (vendor contract).
    let out = unsafe { std::slice::from_raw_parts_mut(buf.cast::<u8>(), want as usize) };
    let timeout = read_timeout(timeout_ms);
    match s.recv_packet(ch, out, timeout) {
        Ok(Some((n, _))) => {
            set(n as i32);
            ERROR_PPCS_SUCCESSFUL
        }
        Ok(None) => {
            set(0);
            fail(ERROR_PPCS_TIME_OUT, "no packet before the timeout")
        }
        Err(e) => {
            set(0);
            code_of(&e)
        }
    }
}

fn only_initialized(what: &str, ret: i32) -> i32 {
    match initialized() {
        Ok(()) => {
            if ret < 0 {
                fail(
                    ret,
                    format!("{what} is not supported by pppp (client side, LAN only)"),
                )
            } else {
                ret
            }
        }
        Err(c) => c,
    }
}

fn login_status(b: *mut c_char) -> i32 {
    if b.is_null() {
        return fail(ERROR_PPCS_INVALID_PARAMETER, "bLoginStatus is NULL");
    }
    if let Err(c) = initialized() {
        return c;
    }
    // SAFETY: non-NULL out-parameter of the caller.
    unsafe { b.write(0) }; // never logged in to a P2P server
    ERROR_PPCS_SUCCESSFUL
}

static API_INFORMATION: &CStr = c"{\"Library\":\"pppp (open implementation, LAN only, client side)\",\"API\":\"4.2.0.0\",\"LastLoginAck\":-1}";

// ---------------------------------------------------------------------------------------
// Exports: PPCS_*

/// The API version, 4.2.0.0 packed as `0x04020000`.
#[no_mangle]
pub extern "C" fn PPCS_GetAPIVersion() -> u32 {
    API_VERSION
}

/// A static information string (JSON): library name and version.
#[no_mangle]
pub extern "C" fn PPCS_GetAPIInformation() -> *mut c_char {
    API_INFORMATION.as_ptr().cast_mut()
}

/// Looks up a DID by device name: needs the servers, [`ERROR_PPCS_NOT_SUPPORTED`].
#[no_mangle]
pub extern "C" fn PPCS_QueryDID(
    _DeviceName: *const c_char,
    _DID: *mut c_char,
    _DIDBufSize: i32,
) -> i32 {
    vendor(|| only_initialized("PPCS_QueryDID", ERROR_PPCS_NOT_SUPPORTED))
}

/// Initialises the library with an init string (`InitString[:P2PKey]` or the JSON form; NULL
/// or empty: LAN only). 0, or `ERROR_PPCS_ALREADY_INITIALIZED`.
#[no_mangle]
pub extern "C" fn PPCS_Initialize(Parameter: *mut c_char) -> i32 {
    vendor(|| initialize(Parameter))
}

/// Closes every session, ends pending connects, and forgets the init string.
#[no_mangle]
pub extern "C" fn PPCS_DeInitialize() -> i32 {
    vendor(deinitialize)
}

/// Fills `NetInfo` from the local interfaces (no server is contacted).
#[no_mangle]
pub extern "C" fn PPCS_NetworkDetect(NetInfo: *mut st_PPCS_NetInfo, _UDP_Port: u16) -> i32 {
    vendor(|| network_detect(NetInfo))
}

/// As [`PPCS_NetworkDetect`]; the server string is not used.
#[no_mangle]
pub extern "C" fn PPCS_NetworkDetectByServer(
    NetInfo: *mut st_PPCS_NetInfo,
    _UDP_Port: u16,
    _ServerString: *mut c_char,
) -> i32 {
    vendor(|| network_detect(NetInfo))
}

/// Relaying for others: not offered; returns 0.
#[no_mangle]
pub extern "C" fn PPCS_Share_Bandwidth(_bOnOff: c_char) -> i32 {
    vendor(|| only_initialized("PPCS_Share_Bandwidth", ERROR_PPCS_SUCCESSFUL))
}

/// Undocumented vendor switch: returns 0.
#[no_mangle]
pub extern "C" fn PPCS_Enable_SmartDevice(_bOnOff: c_char) -> i32 {
    vendor(|| only_initialized("PPCS_Enable_SmartDevice", ERROR_PPCS_SUCCESSFUL))
}

/// Device side: [`ERROR_PPCS_NOT_SUPPORTED`].
#[no_mangle]
pub extern "C" fn PPCS_Listen(
    _MyID: *const c_char,
    _TimeOut_Sec: u32,
    _UDP_Port: u16,
    _bEnableInternet: c_char,
    _APILicense: *const c_char,
) -> i32 {
    vendor(|| only_initialized("PPCS_Listen (device side)", ERROR_PPCS_NOT_SUPPORTED))
}

/// Nothing to break (no `Listen`): returns 0.
#[no_mangle]
pub extern "C" fn PPCS_Listen_Break() -> i32 {
    vendor(|| only_initialized("PPCS_Listen_Break", ERROR_PPCS_SUCCESSFUL))
}

/// `*bLoginStatus = 0`: never logged in to a P2P server.
#[no_mangle]
pub extern "C" fn PPCS_LoginStatus_Check(bLoginStatus: *mut c_char) -> i32 {
    vendor(|| login_status(bLoginStatus))
}

/// Connects to `TargetID` (`"DID"` or `"DID:DSKey"`) on the LAN; returns a session handle
/// (0, 1, 2, … lowest free first) or an error. See the module docs for the flag byte.
#[no_mangle]
pub extern "C" fn PPCS_Connect(
    TargetID: *const c_char,
    bEnableLanSearch: c_char,
    UDP_Port: u16,
) -> i32 {
    vendor(|| connect(TargetID, bEnableLanSearch, UDP_Port, None))
}

/// As [`PPCS_Connect`]; a `ServerString` that names servers gets
/// [`ERROR_PPCS_NOT_SUPPORTED`] (unless `PPPP_IGNORE_SERVERS=1`).
#[no_mangle]
pub extern "C" fn PPCS_ConnectByServer(
    TargetID: *const c_char,
    bEnableLanSearch: c_char,
    UDP_Port: u16,
    ServerString: *mut c_char,
) -> i32 {
    vendor(|| {
        connect(
            TargetID,
            bEnableLanSearch,
            UDP_Port,
            Some(ServerString.cast_const()),
        )
    })
}

/// Makes every pending connect return `ERROR_PPCS_USER_CONNECT_BREAK`.
#[no_mangle]
pub extern "C" fn PPCS_Connect_Break() -> i32 {
    vendor(connect_break)
}

/// Fills `SInfo`; 0 while the session is up, else its close code.
#[no_mangle]
pub extern "C" fn PPCS_Check(SessionHandle: i32, SInfo: *mut st_PPCS_Session) -> i32 {
    vendor(|| check(SessionHandle, SInfo))
}

/// Closes gracefully (written data gets up to 2 s to be acknowledged) and frees the handle;
/// blocked calls on it return `ERROR_PPCS_SESSION_CLOSED_CALLED`.
#[no_mangle]
pub extern "C" fn PPCS_Close(SessionHandle: i32) -> i32 {
    vendor(|| close(SessionHandle, false))
}

/// Closes at once and frees the handle.
#[no_mangle]
pub extern "C" fn PPCS_ForceClose(SessionHandle: i32) -> i32 {
    vendor(|| close(SessionHandle, true))
}

/// Queues `DataSizeToWrite` bytes on `Channel` (0–7); never blocks. Returns the count queued,
/// or `ERROR_PPCS_REMOTE_SITE_BUFFER_FULL` when 2 MB would be unacknowledged.
#[no_mangle]
pub extern "C" fn PPCS_Write(
    SessionHandle: i32,
    Channel: u8,
    DataBuf: *mut c_char,
    DataSizeToWrite: i32,
) -> i32 {
    vendor(|| write(SessionHandle, Channel, DataBuf, DataSizeToWrite))
}

/// Reads `*DataSize` bytes from `Channel`, waiting up to `TimeOut_ms` (0xFFFFFFFF: forever).
/// On `ERROR_PPCS_TIME_OUT`, `*DataSize` holds the bytes read so far (possibly 0).
#[no_mangle]
pub extern "C" fn PPCS_Read(
    SessionHandle: i32,
    Channel: u8,
    DataBuf: *mut c_char,
    DataSize: *mut i32,
    TimeOut_ms: u32,
) -> i32 {
    vendor(|| read(SessionHandle, Channel, DataBuf, DataSize, TimeOut_ms))
}

/// `*WriteSize`: bytes written and not yet acknowledged; `*ReadSize`: bytes readable. Either
/// pointer may be NULL.
#[no_mangle]
pub extern "C" fn PPCS_Check_Buffer(
    SessionHandle: i32,
    Channel: u8,
    WriteSize: *mut u32,
    ReadSize: *mut u32,
) -> i32 {
    vendor(|| check_buffer(SessionHandle, Channel, WriteSize, ReadSize))
}

/// Sends one unreliable packet (MSG_PSR) of 1–1024 bytes; returns its size.
#[no_mangle]
pub extern "C" fn PPCS_PktSend(
    SessionHandle: i32,
    Channel: u8,
    PktBuf: *mut c_char,
    PktSize: i32,
) -> i32 {
    vendor(|| pkt_send(SessionHandle, Channel, PktBuf, PktSize))
}

/// Receives one unreliable packet, waiting up to `TimeOut_ms`; `*PktSize` in: the buffer
/// size, out: the bytes stored (a longer packet is truncated).
#[no_mangle]
pub extern "C" fn PPCS_PktRecv(
    SessionHandle: i32,
    Channel: u8,
    PktBuf: *mut c_char,
    PktSize: *mut i32,
    TimeOut_ms: u32,
) -> i32 {
    vendor(|| pkt_recv(SessionHandle, Channel, PktBuf, PktSize, TimeOut_ms))
}

// ---------------------------------------------------------------------------------------
// Exports: legacy PPPP_* (same semantics; PPPP_Listen has four parameters)

/// Legacy name of [`PPCS_GetAPIVersion`].
#[no_mangle]
pub extern "C" fn PPPP_GetAPIVersion() -> u32 {
    API_VERSION
}

/// Legacy name of [`PPCS_QueryDID`].
#[no_mangle]
pub extern "C" fn PPPP_QueryDID(
    DeviceName: *const c_char,
    DID: *mut c_char,
    DIDBufSize: i32,
) -> i32 {
    PPCS_QueryDID(DeviceName, DID, DIDBufSize)
}

/// Legacy name of [`PPCS_Initialize`].
#[no_mangle]
pub extern "C" fn PPPP_Initialize(Parameter: *mut c_char) -> i32 {
    PPCS_Initialize(Parameter)
}

/// Legacy name of [`PPCS_DeInitialize`].
#[no_mangle]
pub extern "C" fn PPPP_DeInitialize() -> i32 {
    PPCS_DeInitialize()
}

/// Legacy name of [`PPCS_NetworkDetect`].
#[no_mangle]
pub extern "C" fn PPPP_NetworkDetect(NetInfo: *mut st_PPPP_NetInfo, UDP_Port: u16) -> i32 {
    PPCS_NetworkDetect(NetInfo, UDP_Port)
}

/// Legacy name of [`PPCS_NetworkDetectByServer`].
#[no_mangle]
pub extern "C" fn PPPP_NetworkDetectByServer(
    NetInfo: *mut st_PPPP_NetInfo,
    UDP_Port: u16,
    ServerString: *mut c_char,
) -> i32 {
    PPCS_NetworkDetectByServer(NetInfo, UDP_Port, ServerString)
}

/// Legacy name of [`PPCS_Share_Bandwidth`].
#[no_mangle]
pub extern "C" fn PPPP_Share_Bandwidth(bOnOff: c_char) -> i32 {
    PPCS_Share_Bandwidth(bOnOff)
}

/// Legacy `Listen` (four parameters, no license): [`ERROR_PPCS_NOT_SUPPORTED`].
#[no_mangle]
pub extern "C" fn PPPP_Listen(
    MyID: *const c_char,
    TimeOut_Sec: u32,
    UDP_Port: u16,
    bEnableInternet: c_char,
) -> i32 {
    PPCS_Listen(
        MyID,
        TimeOut_Sec,
        UDP_Port,
        bEnableInternet,
        std::ptr::null(),
    )
}

/// Legacy name of [`PPCS_Listen_Break`].
#[no_mangle]
pub extern "C" fn PPPP_Listen_Break() -> i32 {
    PPCS_Listen_Break()
}

/// Legacy name of [`PPCS_LoginStatus_Check`].
#[no_mangle]
pub extern "C" fn PPPP_LoginStatus_Check(bLoginStatus: *mut c_char) -> i32 {
    PPCS_LoginStatus_Check(bLoginStatus)
}

/// Legacy name of [`PPCS_Connect`].
#[no_mangle]
pub extern "C" fn PPPP_Connect(
    TargetID: *const c_char,
    bEnableLanSearch: c_char,
    UDP_Port: u16,
) -> i32 {
    PPCS_Connect(TargetID, bEnableLanSearch, UDP_Port)
}

/// Legacy name of [`PPCS_ConnectByServer`] (exported by the vendor's legacy library too).
#[no_mangle]
pub extern "C" fn PPPP_ConnectByServer(
    TargetID: *const c_char,
    bEnableLanSearch: c_char,
    UDP_Port: u16,
    ServerString: *mut c_char,
) -> i32 {
    PPCS_ConnectByServer(TargetID, bEnableLanSearch, UDP_Port, ServerString)
}

/// Legacy name of [`PPCS_Connect_Break`].
#[no_mangle]
pub extern "C" fn PPPP_Connect_Break() -> i32 {
    PPCS_Connect_Break()
}

/// Legacy name of [`PPCS_Check`].
#[no_mangle]
pub extern "C" fn PPPP_Check(SessionHandle: i32, SInfo: *mut st_PPPP_Session) -> i32 {
    PPCS_Check(SessionHandle, SInfo)
}

/// Legacy name of [`PPCS_Close`].
#[no_mangle]
pub extern "C" fn PPPP_Close(SessionHandle: i32) -> i32 {
    PPCS_Close(SessionHandle)
}

/// Legacy name of [`PPCS_ForceClose`].
#[no_mangle]
pub extern "C" fn PPPP_ForceClose(SessionHandle: i32) -> i32 {
    PPCS_ForceClose(SessionHandle)
}

/// Legacy name of [`PPCS_Write`].
#[no_mangle]
pub extern "C" fn PPPP_Write(
    SessionHandle: i32,
    Channel: u8,
    DataBuf: *mut c_char,
    DataSizeToWrite: i32,
) -> i32 {
    PPCS_Write(SessionHandle, Channel, DataBuf, DataSizeToWrite)
}

/// Legacy name of [`PPCS_Read`].
#[no_mangle]
pub extern "C" fn PPPP_Read(
    SessionHandle: i32,
    Channel: u8,
    DataBuf: *mut c_char,
    DataSize: *mut i32,
    TimeOut_ms: u32,
) -> i32 {
    PPCS_Read(SessionHandle, Channel, DataBuf, DataSize, TimeOut_ms)
}

/// Legacy name of [`PPCS_Check_Buffer`].
#[no_mangle]
pub extern "C" fn PPPP_Check_Buffer(
    SessionHandle: i32,
    Channel: u8,
    WriteSize: *mut u32,
    ReadSize: *mut u32,
) -> i32 {
    PPCS_Check_Buffer(SessionHandle, Channel, WriteSize, ReadSize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_layouts_match_the_vendor_headers() {
        assert_eq!(std::mem::offset_of!(st_PPCS_NetInfo, MyLanIP), 4);
        assert_eq!(std::mem::offset_of!(st_PPCS_NetInfo, MyWanIP), 20);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, RemoteAddr), 4);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, MyLocalAddr), 20);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, MyWanAddr), 36);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, ConnectTime), 52);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, DID), 56);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, bCorD), 80);
        assert_eq!(std::mem::offset_of!(st_PPCS_Session, bMode), 81);
    }

    #[test]
    fn sockaddr_round_trip_is_network_order() {
        let a: SocketAddr = "192.168.1.20:32108".parse().unwrap();
        let s = SockAddrIn::from_addr(Some(a));
        assert_eq!(s.to_addr(), Some(a));
        assert_eq!(s.sin_port.to_ne_bytes(), 32108u16.to_be_bytes());
        assert_eq!(s.sin_addr.to_ne_bytes(), [192, 168, 1, 20]);
    }

    #[test]
    fn flag_byte_timeouts() {
        assert_eq!(bit_timeout(0x01), Duration::from_secs(5));
        assert_eq!(bit_timeout(0x21), Duration::from_secs(5));
        assert_eq!(bit_timeout(0x01 | (7 << 1)), Duration::from_secs(7));
        assert_eq!(bit_timeout(0x01 | (1 << 1)), Duration::from_secs(2));
        assert_eq!(bit_timeout(0x1F), Duration::from_secs(3));
    }

    #[test]
    fn init_strings() {
        let i = parse_init("").unwrap();
        assert!(i.servers.is_empty());
        let i = parse_init(r#"{"MaxNumSess":2000,"SessAliveSec":1,"0x7X_Timeout":4}"#).unwrap();
        assert_eq!(max_sessions(&i), MAX_SESSIONS);
        assert_eq!(max_sessions(&parse_init(r#"{"MaxNumSess":0}"#).unwrap()), 1);
        assert_eq!(max_sessions(&parse_init("").unwrap()), DEFAULT_MAX_SESSIONS);
        assert_eq!(i.alive, Some(Duration::from_secs(6)));
        assert_eq!(i.timeout_7x, Some(Duration::from_secs(4)));
        assert!(parse_init("{not json").is_err());
        // Something that is no init string still counts as naming servers.
        assert!(!parse_init("abc").unwrap().servers.is_empty());
    }
}
