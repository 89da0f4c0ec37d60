//! The exported functions: each vendor call is written once, as `PPCS_<name>`, and
//! [`vendor_api!`] also exports its legacy `PPPP_<name>` twin (same signature, same
//! semantics) where the vendor's legacy library has one. Each body runs inside the panic
//! boundary ([`vendor`]) and hands its arguments to the module that does the work.

use std::ffi::c_char;

use super::abi::*;
use super::channels::{check_buffer, pkt_recv, pkt_send, read, write};
use super::lifecycle::{
    check, close, connect, connect_break, deinitialize, initialize, login_status, network_detect,
    only_initialized,
};
use super::marshal::vendor;

/// Defines each vendor function once: `PPCS_<name>`, and with `/ PPPP_<name>` the legacy
/// export of the same signature, which forwards to it.
macro_rules! vendor_api {
    () => {};
    (
        $(#[doc = $doc:literal])*
        fn $ppcs:ident / $legacy:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        vendor_api! {
            $(#[doc = $doc])*
            fn $ppcs($($arg: $ty),*) -> $ret $body
        }

        #[doc = concat!("The legacy name of [`", stringify!($ppcs), "`].")]
        #[no_mangle]
        pub extern "C" fn $legacy($($arg: $ty),*) -> $ret {
            $ppcs($($arg),*)
        }

        vendor_api! { $($rest)* }
    };
    (
        $(#[doc = $doc:literal])*
        fn $ppcs:ident ($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $(#[doc = $doc])*
        #[no_mangle]
        pub extern "C" fn $ppcs($($arg: $ty),*) -> $ret $body

        vendor_api! { $($rest)* }
    };
}

vendor_api! {
    /// The API version, 4.2.0.0 packed as `0x04020000`.
    fn PPCS_GetAPIVersion / PPPP_GetAPIVersion() -> u32 {
        API_VERSION
    }

    /// A static information string (JSON): library name and version.
    fn PPCS_GetAPIInformation() -> *mut c_char {
        API_INFORMATION.as_ptr().cast_mut()
    }

    /// Looks up a DID by device name: needs the servers, [`ERROR_PPCS_NOT_SUPPORTED`].
    fn PPCS_QueryDID / PPPP_QueryDID(
        _DeviceName: *const c_char,
        _DID: *mut c_char,
        _DIDBufSize: i32,
    ) -> i32 {
        vendor(|| only_initialized("PPCS_QueryDID", ERROR_PPCS_NOT_SUPPORTED))
    }

    /// Initialises the library with an init string (`InitString[:P2PKey]` or the JSON form;
    /// NULL or empty: LAN only). 0, or `ERROR_PPCS_ALREADY_INITIALIZED`.
    fn PPCS_Initialize / PPPP_Initialize(Parameter: *mut c_char) -> i32 {
        vendor(|| initialize(Parameter))
    }

    /// Closes every session, ends pending connects, and forgets the init string.
    fn PPCS_DeInitialize / PPPP_DeInitialize() -> i32 {
        vendor(deinitialize)
    }

    /// Fills `NetInfo` from the local interfaces (no server is contacted).
    fn PPCS_NetworkDetect / PPPP_NetworkDetect(
        NetInfo: *mut st_PPCS_NetInfo,
        _UDP_Port: u16,
    ) -> i32 {
        vendor(|| network_detect(NetInfo))
    }

    /// As [`PPCS_NetworkDetect`]; the server string is not used.
    fn PPCS_NetworkDetectByServer / PPPP_NetworkDetectByServer(
        NetInfo: *mut st_PPCS_NetInfo,
        _UDP_Port: u16,
        _ServerString: *mut c_char,
    ) -> i32 {
        vendor(|| network_detect(NetInfo))
    }

    /// Relaying for others: not offered; returns 0.
    fn PPCS_Share_Bandwidth / PPPP_Share_Bandwidth(_bOnOff: c_char) -> i32 {
        vendor(|| only_initialized("PPCS_Share_Bandwidth", ERROR_PPCS_SUCCESSFUL))
    }

    /// Undocumented vendor switch: returns 0.
    fn PPCS_Enable_SmartDevice(_bOnOff: c_char) -> i32 {
        vendor(|| only_initialized("PPCS_Enable_SmartDevice", ERROR_PPCS_SUCCESSFUL))
    }

    /// Device side: [`ERROR_PPCS_NOT_SUPPORTED`] (the legacy `PPPP_Listen` has no license
    /// parameter: written below).
    fn PPCS_Listen(
        _MyID: *const c_char,
        _TimeOut_Sec: u32,
        _UDP_Port: u16,
        _bEnableInternet: c_char,
        _APILicense: *const c_char,
    ) -> i32 {
        vendor(|| only_initialized("PPCS_Listen (device side)", ERROR_PPCS_NOT_SUPPORTED))
    }

    /// Nothing to break (no `Listen`): returns 0.
    fn PPCS_Listen_Break / PPPP_Listen_Break() -> i32 {
        vendor(|| only_initialized("PPCS_Listen_Break", ERROR_PPCS_SUCCESSFUL))
    }

    /// `*bLoginStatus = 0`: never logged in to a P2P server.
    fn PPCS_LoginStatus_Check / PPPP_LoginStatus_Check(bLoginStatus: *mut c_char) -> i32 {
        vendor(|| login_status(bLoginStatus))
    }

    /// Connects to `TargetID` (`"DID"` or `"DID:DSKey"`) on the LAN; returns a session handle
    /// (0, 1, 2, … lowest free first) or an error. See the module docs for the flag byte.
    fn PPCS_Connect / PPPP_Connect(
        TargetID: *const c_char,
        bEnableLanSearch: c_char,
        UDP_Port: u16,
    ) -> i32 {
        vendor(|| connect(TargetID, bEnableLanSearch, UDP_Port, None))
    }

    /// As [`PPCS_Connect`]; a `ServerString` that names servers gets
    /// [`ERROR_PPCS_NOT_SUPPORTED`] (unless `PPPP_IGNORE_SERVERS=1`). The vendor's legacy
    /// library exports `PPPP_ConnectByServer` too.
    fn PPCS_ConnectByServer / PPPP_ConnectByServer(
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
    fn PPCS_Connect_Break / PPPP_Connect_Break() -> i32 {
        vendor(connect_break)
    }

    /// Fills `SInfo`; 0 while the session is up, else its close code.
    fn PPCS_Check / PPPP_Check(SessionHandle: i32, SInfo: *mut st_PPCS_Session) -> i32 {
        vendor(|| check(SessionHandle, SInfo))
    }

    /// Closes gracefully (written data gets up to 2 s to be acknowledged) and frees the
    /// handle; blocked calls on it return `ERROR_PPCS_SESSION_CLOSED_CALLED`.
    fn PPCS_Close / PPPP_Close(SessionHandle: i32) -> i32 {
        vendor(|| close(SessionHandle, false))
    }

    /// Closes at once and frees the handle.
    fn PPCS_ForceClose / PPPP_ForceClose(SessionHandle: i32) -> i32 {
        vendor(|| close(SessionHandle, true))
    }

    /// Queues `DataSizeToWrite` bytes on `Channel` (0–7); never blocks. Returns the count
    /// queued, or `ERROR_PPCS_REMOTE_SITE_BUFFER_FULL` when 2 MB would be unacknowledged.
    fn PPCS_Write / PPPP_Write(
        SessionHandle: i32,
        Channel: u8,
        DataBuf: *mut c_char,
        DataSizeToWrite: i32,
    ) -> i32 {
        vendor(|| write(SessionHandle, Channel, DataBuf, DataSizeToWrite))
    }

    /// Reads `*DataSize` bytes from `Channel`, waiting up to `TimeOut_ms` (0xFFFFFFFF:
    /// forever). On `ERROR_PPCS_TIME_OUT`, `*DataSize` holds the bytes read so far (possibly
    /// 0).
    fn PPCS_Read / PPPP_Read(
        SessionHandle: i32,
        Channel: u8,
        DataBuf: *mut c_char,
        DataSize: *mut i32,
        TimeOut_ms: u32,
    ) -> i32 {
        vendor(|| read(SessionHandle, Channel, DataBuf, DataSize, TimeOut_ms))
    }

    /// `*WriteSize`: bytes written and not yet acknowledged; `*ReadSize`: bytes readable.
    /// Either pointer may be NULL.
    fn PPCS_Check_Buffer / PPPP_Check_Buffer(
        SessionHandle: i32,
        Channel: u8,
        WriteSize: *mut u32,
        ReadSize: *mut u32,
    ) -> i32 {
        vendor(|| check_buffer(SessionHandle, Channel, WriteSize, ReadSize))
    }

    /// Sends one unreliable packet (MSG_PSR) of 1–1024 bytes; returns its size.
    fn PPCS_PktSend(SessionHandle: i32, Channel: u8, PktBuf: *mut c_char, PktSize: i32) -> i32 {
        vendor(|| pkt_send(SessionHandle, Channel, PktBuf, PktSize))
    }

    /// Receives one unreliable packet, waiting up to `TimeOut_ms`; `*PktSize` in: the buffer
    /// size, out: the bytes stored (a longer packet is truncated).
    fn PPCS_PktRecv(
        SessionHandle: i32,
        Channel: u8,
        PktBuf: *mut c_char,
        PktSize: *mut i32,
        TimeOut_ms: u32,
    ) -> i32 {
        vendor(|| pkt_recv(SessionHandle, Channel, PktBuf, PktSize, TimeOut_ms))
    }
}

/// The legacy `Listen` (four parameters, no license): [`ERROR_PPCS_NOT_SUPPORTED`].
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

/// Test hook of the vendor API (not in the vendor SDK): the calls blocked right now in
/// `PPCS_Read` or `PPCS_PktRecv` on a session, so that a test knows a read is waiting before
/// it checks that `PPCS_Close` wakes it. Returns the count (0 or more), or an `ERROR_PPCS_*`
/// code (negative) for a handle that names no session.
#[no_mangle]
pub extern "C" fn pppp_ppcs_blocked_calls(session_handle: i32) -> i32 {
    vendor(|| match super::state::session(session_handle) {
        Ok(s) => i32::try_from(s.blocked_calls()).unwrap_or(i32::MAX),
        Err(code) => code,
    })
}
