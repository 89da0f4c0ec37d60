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

//!
//! The module is split by job: [`abi`] (the vendor's types and codes), [`handles`] and
//! [`state`] (the handle table and what the library holds), [`marshal`] (codes, detail
//! messages, strings), [`lifecycle`] (initialise, connect, check, close), [`channels`] (the
//! data calls) and [`exports`] (the exported functions, each `PPPP_*` generated from its
//! `PPCS_*`).

#![allow(non_snake_case, non_camel_case_types)]

mod abi;
mod channels;
mod exports;
mod handles;
mod lifecycle;
mod marshal;
mod state;

pub use abi::*;
pub use exports::*;
