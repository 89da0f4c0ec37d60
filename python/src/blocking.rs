//! Waiting without holding the GIL, interruptibly.
//!
//! Every call that may block runs with the GIL released in slices of at most [`SLICE`], and
//! calls `py.check_signals()` between slices, so that other Python threads run meanwhile and
//! Ctrl-C raises `KeyboardInterrupt` within 100 ms.

use std::time::{Duration, Instant};

use crossbeam_channel::RecvTimeoutError;
use pyo3::prelude::*;

use crate::error::new_err;

/// The longest time the GIL stays released before signals are checked.
pub(crate) const SLICE: Duration = Duration::from_millis(100);

/// Runs `f` on a helper thread and waits for its result in slices. If a signal handler
/// raises meanwhile (Ctrl-C), the exception is returned at once and `f` finishes in the
/// background; its result is dropped (a session it returns is closed by its `Drop`).
pub(crate) fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::Builder::new()
        .name("pppp-py-call".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| {
            new_err(
                py,
                "NetworkError",
                format!("cannot start a thread: {e}"),
                &[],
            )
        })?;
    loop {
        match py.detach(|| rx.recv_timeout(SLICE)) {
            Ok(v) => return Ok(v),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(new_err(
                    py,
                    "PpppError",
                    "internal error: the call ended without a result (please report)",
                    &[],
                ))
            }
        }
    }
}

/// Waits for `poll(slice)` to return `Some`, for at most `timeout` (`None`: forever), in
/// slices of at most [`SLICE`] with the GIL released. `Ok(None)` when the time is up.
pub(crate) fn wait<T, F>(
    py: Python<'_>,
    timeout: Option<Duration>,
    mut poll: F,
) -> PyResult<Option<T>>
where
    T: Send,
    F: FnMut(Duration) -> Option<T> + Send,
{
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(SLICE),
            None => SLICE,
        };
        if let Some(v) = py.detach(|| poll(slice)) {
            return Ok(Some(v));
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(None);
        }
    }
}

/// Converts seconds from Python into a duration: finite, not negative, below 10^9 s.
pub(crate) fn seconds(py: Python<'_>, s: f64, what: &str) -> PyResult<Duration> {
    if s.is_finite() && (0.0..1e9).contains(&s) {
        Ok(Duration::from_secs_f64(s))
    } else {
        Err(new_err(
            py,
            "InvalidArgument",
            format!("{what} must be a non-negative number of seconds, not {s}"),
            &[],
        ))
    }
}

/// [`seconds`] for an optional value (`None`: no limit).
pub(crate) fn opt_seconds(
    py: Python<'_>,
    s: Option<f64>,
    what: &str,
) -> PyResult<Option<Duration>> {
    s.map(|s| seconds(py, s, what)).transpose()
}

/// Reads an integer argument in `lo..=hi` (`default` when None): a non-int is a `TypeError`,
/// anything out of range (however large) an `InvalidArgument` (a `ValueError`), never an
/// `OverflowError`.
pub(crate) fn int_arg<T: TryFrom<i64>>(
    obj: Option<&Bound<'_, PyAny>>,
    what: &str,
    lo: i64,
    hi: i64,
    default: T,
) -> PyResult<T> {
    let Some(obj) = obj.filter(|o| !o.is_none()) else {
        return Ok(default);
    };
    let py = obj.py();
    if !obj.is_instance_of::<pyo3::types::PyInt>() || obj.is_instance_of::<pyo3::types::PyBool>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what} must be an int, not {}",
            obj.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        )));
    }
    let out_of_range = || {
        new_err(
            py,
            "InvalidArgument",
            format!("{what} must be {lo}-{hi}, not {obj}"),
            &[],
        )
    };
    let v: i64 = obj.extract().map_err(|_| out_of_range())?;
    if !(lo..=hi).contains(&v) {
        return Err(out_of_range());
    }
    T::try_from(v).map_err(|_| out_of_range())
}
