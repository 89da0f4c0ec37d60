//! `Reactor`: how `pppp.aio` learns, on its event loop, that sessions have news — without a
//! thread per camera or per call.
//!
//! The driver's I/O thread records what happened (a request completed; a session or search
//! queued frames, events or devices) in the reactor and writes one byte to a socket pair the
//! first time since the loop last looked. The event loop watches the other end
//! (`loop.add_reader(reactor.fileno(), ...)`) and calls `drain()`, which hands over the
//! completions and the ids of the sessions with news, all at once. The I/O thread never takes
//! the GIL and never waits for Python.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use pyo3::prelude::*;
use pyo3::types::PyList;

use crate::error::to_py;

/// A completed request: its token and its JSON result or error.
pub(crate) type Done = (u64, Result<serde_json::Value, pppp::Error>);

/// The half the I/O threads use.
pub(crate) struct Shared {
    write: UnixStream,
    /// A byte is in the socket and the loop has not drained yet.
    signalled: AtomicBool,
    done: Mutex<Vec<Done>>,
    ready: Mutex<Vec<u64>>,
}

impl Shared {
    fn signal(&self) {
        if !self.signalled.swap(true, Ordering::SeqCst) {
            // A full socket buffer means the loop has a byte to read already.
            let _ = (&self.write).write(&[1]);
        }
    }

    /// Records the outcome of request `token`.
    pub(crate) fn complete(&self, token: u64, r: Result<serde_json::Value, pppp::Error>) {
        self.done.lock().push((token, r));
        self.signal();
    }

    /// Records that the session or search `id` has news.
    pub(crate) fn ready(&self, id: u64) {
        self.ready.lock().push(id);
        self.signal();
    }
}

/// The wake-up channel of one asyncio event loop (see the module documentation).
#[pyclass(frozen, module = "pppp._native", name = "Reactor")]
pub(crate) struct Reactor {
    read: UnixStream,
    pub(crate) shared: Arc<Shared>,
}

#[pymethods]
impl Reactor {
    #[new]
    fn new() -> PyResult<Reactor> {
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        write.set_nonblocking(true)?;
        Ok(Reactor {
            read,
            shared: Arc::new(Shared {
                write,
                signalled: AtomicBool::new(false),
                done: Mutex::new(Vec::new()),
                ready: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The file descriptor to watch for reading.
    fn fileno(&self) -> i32 {
        use std::os::fd::AsRawFd;
        self.read.as_raw_fd()
    }

    /// Takes what happened since the last call: `(completions, ready)` where completions are
    /// `(token, ok, value)` tuples (`value` is the result, or the exception when `ok` is
    /// false) and `ready` lists the ids of sessions and searches with news (repeats possible).
    fn drain<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyList>, Vec<u64>)> {
        // Empty the socket, then re-arm the signal, then take the news: news recorded after
        // the re-arm writes a new byte, so none is stranded (re-arming before emptying the
        // socket could swallow the byte of news taken later).
        let mut buf = [0u8; 256];
        while matches!((&self.read).read(&mut buf), Ok(n) if n > 0) {}
        self.shared.signalled.store(false, Ordering::SeqCst);
        let done = std::mem::take(&mut *self.shared.done.lock());
        let ready = std::mem::take(&mut *self.shared.ready.lock());
        let out = PyList::empty(py);
        for (token, r) in done {
            match r {
                Ok(v) => out.append((token, true, crate::json::to_py(py, &v)?))?,
                Err(e) => out.append((token, false, to_py(py, e).into_value(py)))?,
            }
        }
        Ok((out, ready))
    }
}
