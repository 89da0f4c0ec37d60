//! The life of the library and its sessions: `PPCS_Initialize` / `PPCS_DeInitialize` (the
//! init string), connecting on the LAN (the flag byte, server strings), breaking connects,
//! closing, `PPCS_Check`, `PPCS_NetworkDetect` and the device-side and server-side calls
//! pppp does not offer.

use std::ffi::c_char;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pppp::client::{RawConfig, RawSession, RawState};
use pppp::proto::initstring;
use pppp::proto::psk::PskChoice;
use pppp::Error;

use super::abi::*;
use super::marshal::{close_code, code_of, fail, text};
use super::state::{
    initialized, session, Pending, DEFAULT_MAX_SESSIONS, GLOBAL, MAX_SESSIONS, NEXT_CONNECT,
};
use crate::error::fill_fixed;

/// Parses `InitString[:P2PKey]` or the JSON form (`{"InitString":…,"MaxNumSess":…,…}`).
pub(super) fn parse_init(s: &str) -> Result<initstring::InitConfig, String> {
    initstring::parse_config(s).map_err(|e| e.to_string())
}

/// The session limit an init string sets: its `MaxNumSess` bounded by the handle table.
pub(super) fn max_sessions(c: &initstring::InitConfig) -> usize {
    c.max_sessions.map_or(DEFAULT_MAX_SESSIONS, |n| {
        usize::try_from(n)
            .unwrap_or(usize::MAX)
            .clamp(1, MAX_SESSIONS)
    })
}

pub(super) fn initialize(param: *const c_char) -> i32 {
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

pub(super) fn deinitialize() -> i32 {
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

pub(super) fn ignore_servers() -> bool {
    std::env::var("PPPP_IGNORE_SERVERS").is_ok_and(|v| !matches!(v.trim(), "" | "0"))
}

/// The LAN search time for a flag byte below 0x79 (bit 0 set): the P2P try time of bits 1–4.
pub(super) fn bit_timeout(flag: u8) -> Duration {
    let n = (flag >> 1) & 0x0F;
    Duration::from_secs(match n {
        0 => 5,
        15 => 3,
        n => u64::from(n).max(2),
    })
}

/// `PPCS_Connect` / `PPCS_ConnectByServer`.
pub(super) fn connect(
    target: *const c_char,
    flag: c_char,
    port: u16,
    server: Option<*const c_char>,
) -> i32 {
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
        cfg.psk = PskChoice::Named(p);
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

pub(super) fn connect_break() -> i32 {
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

pub(super) fn close(h: i32, force: bool) -> i32 {
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
pub(super) fn local_toward(peer: SocketAddr, port: u16) -> Option<SocketAddr> {
    let probe = UdpSocket::bind(("0.0.0.0", 0)).ok()?;
    probe.connect(peer).ok()?;
    let ip = probe.local_addr().ok()?.ip();
    Some(SocketAddr::new(ip, port))
}

pub(super) fn check(h: i32, info: *mut st_PPCS_Session) -> i32 {
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

pub(super) fn network_detect(info: *mut st_PPCS_NetInfo) -> i32 {
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

pub(super) fn only_initialized(what: &str, ret: i32) -> i32 {
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

pub(super) fn login_status(b: *mut c_char) -> i32 {
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

#[cfg(test)]
mod tests {
    use super::*;

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
