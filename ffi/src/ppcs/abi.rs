//! The vendor ABI: error codes, the API version and the `#[repr(C)]` structs of
//! `include/PPCS_API.h` / `PPPP_API.h`, with their sizes and offsets checked.

use std::ffi::{c_char, CStr};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

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
    pub(super) fn from_addr(a: Option<SocketAddr>) -> SockAddrIn {
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

/// What `PPCS_GetAPIInformation` returns.
pub(super) static API_INFORMATION: &CStr = c"{\"Library\":\"pppp (open implementation, LAN only, client side)\",\"API\":\"4.2.0.0\",\"LastLoginAck\":-1}";

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
}
