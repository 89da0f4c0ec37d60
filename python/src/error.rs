//! The exception classes of the package and the one mapping from [`pppp::Error`] to them.
//!
//! Every class derives from `PpppError`; the ones a caller causes with a bad argument also
//! derive from `ValueError`, `Timeout` also from `TimeoutError` and `NetworkError` from
//! `OSError`, so that generic handlers catch them too. The classes are created when the module
//! is initialised (Python's `type()` allows the multiple bases) and report `pppp` as their
//! module, where the package re-exports them.

use std::time::Duration;

use pyo3::exceptions::{PyException, PyOSError, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule, PyTuple, PyType};
use pyo3::IntoPyObjectExt;

use pppp::error::ClosedBy;
use pppp::proto::conn::CloseReason;
use pppp::Error;

/// The bases of each class, besides `PpppError`.
#[derive(Clone, Copy)]
enum Extra {
    None,
    Value,
    Timeout,
    Os,
}

/// `(name, extra base, doc, attributes)` of every subclass of `PpppError`, in a fixed order.
/// The attributes are None on the class and set on the instances pppp raises.
type ClassSpec = (&'static str, Extra, &'static str, &'static [&'static str]);
const CLASSES: &[ClassSpec] = &[
    (
        "InvalidUid",
        Extra::Value,
        "The UID is malformed (expected PREFIX-NNNNNN-CHECK, e.g. DGOA-123456-ABCDE).",
        &[],
    ),
    (
        "UnknownPsk",
        Extra::Value,
        "The PSK name is not known (use 'auto', 'none', a known name or 'custom:<psk>').",
        &[],
    ),
    (
        "InvalidArgument",
        Extra::Value,
        "An argument is out of range or malformed.",
        &[],
    ),
    (
        "InvalidAddress",
        Extra::Value,
        "An address could not be parsed or resolved (attribute: address).",
        &["address"],
    ),
    (
        "InvalidCommand",
        Extra::Value,
        "The command was rejected before sending (not an object, unknown name ...).",
        &[],
    ),
    (
        "WrongPassword",
        Extra::None,
        "The camera refused the user name or password (attribute: result).",
        &["result"],
    ),
    (
        "Offline",
        Extra::None,
        "Nothing answered the LAN search in time (attributes: uid, after).",
        &["uid", "after"],
    ),
    (
        "Timeout",
        Extra::Timeout,
        "An operation did not complete in time (attributes: what, after).",
        &["what", "after"],
    ),
    (
        "Closed",
        Extra::None,
        "The session is closed (attribute: reason: 'local', 'remote' or 'peer_timeout').",
        &["reason"],
    ),
    (
        "ProtocolError",
        Extra::None,
        "The camera answered something pppp cannot use.",
        &[],
    ),
    (
        "Rejected",
        Extra::None,
        "The camera answered a command with a failure (attributes: result, reply).",
        &["result", "reply"],
    ),
    (
        "BufferFull",
        Extra::None,
        "A buffer limit was hit: the camera is not keeping up.",
        &[],
    ),
    ("NetworkError", Extra::Os, "A socket operation failed.", &[]),
];

/// The created classes: the base, then [`CLASSES`] in order.
struct Classes {
    base: Py<PyType>,
    subs: Vec<Py<PyType>>,
}

static CLASSES_CELL: PyOnceLock<Classes> = PyOnceLock::new();

fn make_classes(py: Python<'_>) -> PyResult<Classes> {
    let type_ = py.get_type::<PyType>();
    let make = |name: &str,
                bases: Bound<'_, PyTuple>,
                doc: &str,
                attrs: &[&str]|
     -> PyResult<Py<PyType>> {
        let dict = PyDict::new(py);
        dict.set_item("__module__", "pppp")?;
        dict.set_item("__doc__", doc)?;
        for a in attrs {
            dict.set_item(*a, py.None())?;
        }
        let t = type_.call1((name, bases, dict))?;
        Ok(t.cast_into::<PyType>()?.unbind())
    };
    let base = make(
        "PpppError",
        PyTuple::new(py, [py.get_type::<PyException>()])?,
        "Base class of every error raised by pppp.",
        &[],
    )?;
    let mut subs = Vec::with_capacity(CLASSES.len());
    for (name, extra, doc, attrs) in CLASSES {
        let mut bases = vec![base.bind(py).clone()];
        match extra {
            Extra::None => {}
            Extra::Value => bases.push(py.get_type::<PyValueError>()),
            Extra::Timeout => bases.push(py.get_type::<PyTimeoutError>()),
            Extra::Os => bases.push(py.get_type::<PyOSError>()),
        }
        subs.push(make(name, PyTuple::new(py, bases)?, doc, attrs)?);
    }
    Ok(Classes { base, subs })
}

fn classes(py: Python<'_>) -> &Classes {
    // Creating a handful of classes with `type()` cannot fail short of memory exhaustion.
    CLASSES_CELL
        .get_or_try_init(py, || make_classes(py))
        .expect("creating the exception classes")
}

/// Adds the classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let c = CLASSES_CELL.get_or_try_init(py, || make_classes(py))?;
    m.add("PpppError", c.base.bind(py))?;
    for ((name, ..), t) in CLASSES.iter().zip(&c.subs) {
        m.add(*name, t.bind(py))?;
    }
    Ok(())
}

/// The class called `name` (one of [`CLASSES`] or `PpppError`).
pub(crate) fn class<'py>(py: Python<'py>, name: &str) -> Bound<'py, PyType> {
    let c = classes(py);
    CLASSES
        .iter()
        .position(|(n, ..)| *n == name)
        .map_or(&c.base, |i| &c.subs[i])
        .bind(py)
        .clone()
}

/// An exception of class `name` with `message` and attributes.
pub(crate) fn new_err(
    py: Python<'_>,
    name: &str,
    message: impl Into<String>,
    attrs: &[(&str, Py<PyAny>)],
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let e = class(py, name).call1((message.into(),))?;
        for (k, v) in attrs {
            e.setattr(*k, v.bind(py))?;
        }
        Ok(PyErr::from_value(e))
    };
    build().unwrap_or_else(|e| e)
}

/// A Python value for an exception attribute (None if it cannot be made).
fn val<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, v: T) -> Py<PyAny> {
    v.into_py_any(py).unwrap_or_else(|_| py.None())
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// The `reason` attribute of `Closed` and `Camera.close_reason`.
pub(crate) fn closed_by_name(c: ClosedBy) -> &'static str {
    match c {
        ClosedBy::Local => "local",
        ClosedBy::Remote => "remote",
        ClosedBy::PeerTimeout => "peer_timeout",
    }
}

/// The name of a transport close reason, as `Camera.close_reason` reports it.
pub(crate) fn close_reason_name(r: CloseReason) -> &'static str {
    match r {
        CloseReason::Local => "local",
        CloseReason::Remote => "remote",
        CloseReason::PeerTimeout => "peer_timeout",
        CloseReason::NotFound => "not_found",
        CloseReason::HandshakeTimeout => "handshake_timeout",
        CloseReason::LoginRefused { .. } => "login_refused",
    }
}

/// Converts a pppp error to the matching Python exception.
pub(crate) fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let msg = e.to_string();
    match e {
        Error::InvalidUid(_) => new_err(py, "InvalidUid", msg, &[]),
        Error::UnknownPsk(_) => new_err(py, "UnknownPsk", msg, &[]),
        Error::InvalidArgument(_) => new_err(py, "InvalidArgument", msg, &[]),
        Error::InvalidAddress { addr, .. } => {
            new_err(py, "InvalidAddress", msg, &[("address", val(py, addr))])
        }
        Error::InvalidCommand(_) => new_err(py, "InvalidCommand", msg, &[]),
        Error::WrongPassword { result } => {
            new_err(py, "WrongPassword", msg, &[("result", val(py, result))])
        }
        Error::Offline { uid, after } => new_err(
            py,
            "Offline",
            msg,
            &[("uid", val(py, uid)), ("after", val(py, seconds(after)))],
        ),
        Error::Timeout { what, after } => new_err(
            py,
            "Timeout",
            msg,
            &[("what", val(py, what)), ("after", val(py, seconds(after)))],
        ),
        Error::Closed(by) => closed(py, by),
        Error::Protocol(_) => new_err(py, "ProtocolError", msg, &[]),
        Error::Rejected { result, reply } => new_err(
            py,
            "Rejected",
            msg,
            &[
                ("result", val(py, result)),
                (
                    "reply",
                    crate::json::to_py(py, &reply).map_or(py.None(), Bound::unbind),
                ),
            ],
        ),
        Error::BufferFull(_) => new_err(py, "BufferFull", msg, &[]),
        Error::Io(io) => {
            let errno = io.raw_os_error();
            new_err(py, "NetworkError", msg, &[("errno", val(py, errno))])
        }
        // `pppp::Error` is non-exhaustive: a variant added later is still a PpppError.
        _ => new_err(py, "PpppError", msg, &[]),
    }
}

/// The `Closed` exception for `by`.
pub(crate) fn closed(py: Python<'_>, by: ClosedBy) -> PyErr {
    let reason = closed_by_name(by);
    new_err(
        py,
        "Closed",
        Error::Closed(by).to_string(),
        &[("reason", val(py, reason))],
    )
}

/// Extension: `result.map_err(|e| to_py(py, e))` in short.
pub(crate) trait ToPyResult<T> {
    /// Converts the error to its Python exception.
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> ToPyResult<T> for Result<T, Error> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py(py, e))
    }
}
