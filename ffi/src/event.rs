//! `pppp_event`: what happened to a session (connecting, connected, logged in, refused, a
//! message from the camera, disconnected, reconnected, closed), for C hosts that watch a
//! session's life instead of blocking in `pppp_session_connect`.

use std::ffi::{c_char, CString};

use pppp::client::SessionEvent;
use pppp::proto::conn::CloseReason;

use crate::error::{boundary_value, fill_fixed};

/// The kind of a `pppp_event`. Values are explicit and never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum pppp_event_kind {
    /// A search and handshake begins: when the session starts, and before every reconnection
    /// attempt.
    Connecting = 1,
    /// The session is up (`peer`, `cipher`).
    Connected = 2,
    /// A login was accepted (`json`: the camera's reply; `text` for a CGI camera).
    LoggedIn = 3,
    /// A login was refused: wrong user or password (`result`: the camera's code).
    LoginRefused = 4,
    /// A channel-0 message the camera sent on its own (`json`: the message as a JSON object
    /// like a reply; `text`: a CGI camera's text as sent).
    Message = 5,
    /// The camera was lost (`reason`); reconnection attempts follow (config `reconnect`).
    Disconnected = 6,
    /// The session is up again after `DISCONNECTED` (`attempt`); it logs in again and restarts
    /// the video and audio that were running.
    Reconnected = 7,
    /// The session ended (`reason`): the last event.
    Closed = 8,
}

/// Why a session closed or was lost. Values are explicit and never renumbered.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum pppp_close_reason {
    /// Not a close (events other than `DISCONNECTED` and `CLOSED`).
    None = 0,
    /// `pppp_session_close` (or free) was called.
    Local = 1,
    /// The camera closed the session.
    Remote = 2,
    /// The camera stopped answering.
    PeerTimeout = 3,
    /// Nothing answered the LAN search within the connect timeout.
    NotFound = 4,
    /// The camera answered the search but never completed the handshake.
    HandshakeTimeout = 5,
    /// The camera refused the login after a reconnection (`result`: its code).
    LoginRefused = 6,
}

impl From<CloseReason> for pppp_close_reason {
    fn from(r: CloseReason) -> Self {
        match r {
            CloseReason::Local => pppp_close_reason::Local,
            CloseReason::Remote => pppp_close_reason::Remote,
            CloseReason::PeerTimeout => pppp_close_reason::PeerTimeout,
            CloseReason::NotFound => pppp_close_reason::NotFound,
            CloseReason::HandshakeTimeout => pppp_close_reason::HandshakeTimeout,
            CloseReason::LoginRefused { .. } => pppp_close_reason::LoginRefused,
        }
    }
}

/// One session event. From `pppp_session_next_event` it is owned (free it with
/// `pppp_event_free`); in an event callback it is borrowed for the duration of the call.
/// Fields that do not apply to `kind` are zero, empty or NULL.
#[repr(C)]
#[derive(Debug)]
#[allow(non_camel_case_types)]
pub struct pppp_event {
    /// What happened.
    pub kind: pppp_event_kind,
    /// `CONNECTED`: the camera's session address `"IP:PORT"`.
    pub peer: [c_char; 64],
    /// `CONNECTED`: the cipher, `"plain"` or the PSK's name.
    pub cipher: [c_char; 64],
    /// `LOGIN_REFUSED` (and `CLOSED` with reason `LOGIN_REFUSED`): the camera's result code.
    pub result: i64,
    /// `RECONNECTED`: the attempt that succeeded (1-based).
    pub attempt: u32,
    /// `DISCONNECTED`, `CLOSED`: why.
    pub reason: pppp_close_reason,
    /// `LOGGED_IN`: the login reply; `MESSAGE`: the message; as a JSON object (NULL for other
    /// kinds). Owned by the event.
    pub json: *const c_char,
    /// `LOGGED_IN`, `MESSAGE` from a VStarcam CGI camera: the text as the camera sent it
    /// (`var key=value;` lines); NULL otherwise. Owned by the event.
    pub text: *const c_char,
}

/// An event and the strings it points to; the C pointer is the address of `ev`, the first
/// field.
#[repr(C)]
pub(crate) struct EventBox {
    ev: pppp_event,
    json: Option<CString>,
    text: Option<CString>,
}

fn c_string(s: String) -> CString {
    CString::new(s.replace('\0', "")).expect("NULs removed")
}

impl EventBox {
    /// The C form of a session event.
    pub(crate) fn new(e: &SessionEvent) -> Box<EventBox> {
        let mut b = Box::new(EventBox {
            ev: pppp_event {
                kind: pppp_event_kind::Connecting,
                peer: [0; 64],
                cipher: [0; 64],
                result: 0,
                attempt: 0,
                reason: pppp_close_reason::None,
                json: std::ptr::null(),
                text: std::ptr::null(),
            },
            json: None,
            text: None,
        });
        let reason = |b: &mut EventBox, r: CloseReason| {
            b.ev.reason = r.into();
            if let CloseReason::LoginRefused { result } = r {
                b.ev.result = result;
            }
        };
        let with_json = |b: &mut EventBox, v: &serde_json::Value| {
            b.json = Some(c_string(v.to_string()));
            b.text = v
                .get("text")
                .and_then(|t| t.as_str())
                .map(|t| c_string(t.to_owned()));
        };
        b.ev.kind = match e {
            SessionEvent::Connecting => pppp_event_kind::Connecting,
            SessionEvent::Connected { peer, cipher } => {
                fill_fixed(&mut b.ev.peer, &peer.to_string());
                fill_fixed(&mut b.ev.cipher, cipher);
                pppp_event_kind::Connected
            }
            SessionEvent::LoggedIn { reply } => {
                with_json(&mut b, reply);
                pppp_event_kind::LoggedIn
            }
            SessionEvent::LoginRefused { result } => {
                b.ev.result = *result;
                pppp_event_kind::LoginRefused
            }
            SessionEvent::Message(v) => {
                with_json(&mut b, v);
                pppp_event_kind::Message
            }
            SessionEvent::Disconnected { reason: r } => {
                reason(&mut b, *r);
                pppp_event_kind::Disconnected
            }
            SessionEvent::Reconnected { attempt } => {
                b.ev.attempt = *attempt;
                pppp_event_kind::Reconnected
            }
            SessionEvent::Closed(r) => {
                reason(&mut b, *r);
                pppp_event_kind::Closed
            }
        };
        b.ev.json = b.json.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        b.ev.text = b.text.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
        b
    }

    /// The event as C sees it.
    pub(crate) fn as_ptr(&self) -> *const pppp_event {
        &self.ev
    }

    /// Gives the event to C (freed by `pppp_event_free`).
    pub(crate) fn into_raw(self: Box<Self>) -> *mut pppp_event {
        Box::into_raw(self).cast()
    }
}

/// Frees an event from `pppp_session_next_event` (its strings included) and sets `*event` to
/// NULL. Accepts NULL and a NULL `*event`. Never call it on an event borrowed in a callback.
#[no_mangle]
pub unsafe extern "C" fn pppp_event_free(event: *mut *mut pppp_event) {
    boundary_value((), || {
        if event.is_null() {
            return;
        }
        // SAFETY: `event` points to the caller's handle slot.
        let p = unsafe { std::ptr::replace(event, std::ptr::null_mut()) };
        if !p.is_null() {
            // SAFETY: an owned event was made by `EventBox::into_raw` (its first field).
            drop(unsafe { Box::from_raw(p.cast::<EventBox>()) });
        }
    })
}

/// Short lower-case name of an event kind (`"connecting"`, `"connected"`, `"logged_in"`,
/// `"login_refused"`, `"message"`, `"disconnected"`, `"reconnected"`, `"closed"`;
/// `"unknown"` for anything else). Never NULL.
#[no_mangle]
pub extern "C" fn pppp_event_kind_name(kind: i32) -> *const c_char {
    boundary_value(c"unknown".as_ptr(), || {
        match kind {
            1 => c"connecting",
            2 => c"connected",
            3 => c"logged_in",
            4 => c"login_refused",
            5 => c"message",
            6 => c"disconnected",
            7 => c"reconnected",
            8 => c"closed",
            _ => c"unknown",
        }
        .as_ptr()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_their_fields() {
        let b = EventBox::new(&SessionEvent::Message(serde_json::json!({
            "dialect": "cgi", "cmd": 24832, "text": "var message=\"x\";\r\n"
        })));
        assert_eq!(b.ev.kind, pppp_event_kind::Message);
        // SAFETY: the pointers are the box's own NUL-terminated strings.
        let text = unsafe { std::ffi::CStr::from_ptr(b.ev.text) };
        assert_eq!(text.to_str().unwrap(), "var message=\"x\";\r\n");
        assert!(!b.ev.json.is_null());
        let b = EventBox::new(&SessionEvent::Closed(CloseReason::LoginRefused {
            result: -1,
        }));
        assert_eq!(
            (b.ev.kind, b.ev.reason, b.ev.result),
            (pppp_event_kind::Closed, pppp_close_reason::LoginRefused, -1)
        );
        assert!(b.ev.json.is_null() && b.ev.text.is_null());
    }
}
