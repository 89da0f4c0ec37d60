//! The error type of the client API: one variant per thing a user can get wrong or meet.

use std::time::Duration;

use crate::proto::adpcm::AdpcmError;
use crate::proto::conn::CloseReason;
use crate::proto::controller::{CommandError, ControllerError};
use crate::proto::dialect::UnknownDialect;
use crate::proto::operation::ArgError;
use crate::proto::operation::Refusal;
use crate::proto::psk::PskError;
use crate::proto::uid::UidError;

/// Everything that can go wrong talking to a camera. Each variant a user can cause is distinct
/// so that bindings can map it to their own error types.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The UID is malformed.
    #[error(transparent)]
    InvalidUid(#[from] UidError),
    /// The PSK name is not known.
    #[error(transparent)]
    UnknownPsk(#[from] PskError),
    /// The device refused the user name or password.
    #[error("wrong user or password (the camera answered result {result})")]
    WrongPassword {
        /// The device's result code.
        result: i64,
    },
    /// Nothing answered the LAN search: the camera is off, elsewhere, or uses another PSK.
    #[error("camera {uid} is offline: no answer to the LAN search within {after:?} (is it powered, on this network, and is the PSK right?)")]
    Offline {
        /// The UID searched for.
        uid: String,
        /// How long we searched.
        after: Duration,
    },
    /// An operation did not complete in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What we were waiting for.
        what: &'static str,
        /// How long.
        after: Duration,
    },
    /// The session is closed (by us, by the device, or because the device went silent).
    #[error("session closed: {0}")]
    Closed(ClosedBy),
    /// The device answered something we cannot use.
    #[error("protocol error: {0}")]
    Protocol(#[source] Cause),
    /// The command was rejected before sending (not an object, unknown name …).
    #[error("invalid command: {0}")]
    InvalidCommand(#[source] Cause),
    /// The camera rejected the command (`result` other than 0).
    #[error("the camera rejected the command (result {result})")]
    Rejected {
        /// The device's result code.
        result: i64,
        /// The whole reply.
        reply: serde_json::Value,
    },
    /// A buffer limit was hit (the peer is not keeping up).
    #[error("buffer full: {0}")]
    BufferFull(#[source] Cause),
    /// An argument is out of range or malformed.
    #[error("invalid argument: {0}")]
    InvalidArgument(#[source] Cause),
    /// An address could not be parsed or resolved.
    #[error("invalid address {addr:?}: {reason}")]
    InvalidAddress {
        /// The input.
        addr: String,
        /// Why.
        reason: String,
    },
    /// A socket operation failed.
    #[error("network error: {0}")]
    Io(#[from] std::io::Error),
}

/// What an [`Error`] comes from: the lower layer's error, kept whole (it is the error's
/// [`source`](std::error::Error::source), and its message is the error's detail), or a
/// message when no lower layer is involved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Cause {
    /// The controller refused the request (malformed, unsupported by the dialect, not
    /// connected, a full buffer …).
    #[error(transparent)]
    Controller(#[from] ControllerError),
    /// A request got no usable reply (no login answered, a malformed answer).
    #[error(transparent)]
    Command(#[from] CommandError),
    /// The arguments of an operation.
    #[error(transparent)]
    Arguments(#[from] ArgError),
    /// A dialect name that is not known.
    #[error(transparent)]
    Dialect(#[from] UnknownDialect),
    /// Audio bytes that are not 16-bit samples.
    #[error(transparent)]
    Audio(#[from] AdpcmError),
    /// Anything else, described.
    #[error("{0}")]
    Message(String),
}

impl From<String> for Cause {
    fn from(s: String) -> Cause {
        Cause::Message(s)
    }
}

impl From<&str> for Cause {
    fn from(s: &str) -> Cause {
        Cause::Message(s.to_owned())
    }
}

/// Who or what closed a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedBy {
    /// This side (`close()`).
    Local,
    /// The camera sent MSG_CLOSE.
    Remote,
    /// The camera stopped answering.
    PeerTimeout,
}

impl std::fmt::Display for ClosedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClosedBy::Local => "closed by this side",
            ClosedBy::Remote => "the camera closed the session",
            ClosedBy::PeerTimeout => "the camera stopped answering",
        })
    }
}

impl Error {
    /// The error for a transport close reason.
    pub fn from_close(reason: CloseReason, uid: &str, connect_timeout: Duration) -> Error {
        match reason {
            CloseReason::Local => Error::Closed(ClosedBy::Local),
            CloseReason::Remote => Error::Closed(ClosedBy::Remote),
            CloseReason::PeerTimeout => Error::Closed(ClosedBy::PeerTimeout),
            CloseReason::NotFound => Error::Offline {
                uid: uid.to_owned(),
                after: connect_timeout,
            },
            CloseReason::LoginRefused { result } => Error::WrongPassword { result },
            CloseReason::HandshakeTimeout => Error::Timeout {
                what: "the handshake (the camera answered the search but never sent P2P_RDY)",
                after: connect_timeout,
            },
        }
    }
}

impl From<Refusal> for Error {
    /// A refusal of the credentials is [`Error::WrongPassword`], any other
    /// [`Error::Rejected`].
    fn from(r: Refusal) -> Error {
        if r.credentials {
            Error::WrongPassword { result: r.result }
        } else {
            Error::Rejected {
                result: r.result,
                reply: r.reply,
            }
        }
    }
}

/// Result alias of the client API.
pub type Result<T, E = Error> = std::result::Result<T, E>;
