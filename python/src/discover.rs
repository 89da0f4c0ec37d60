//! `Search`: a LAN search, started and then waited for (`discover()`) or polled (asyncio).

use std::sync::Arc;

use pyo3::prelude::*;

use pppp::client::{parse_host, parse_psk, DiscoverOptions, Discovery, LAN_PORT};
use pppp::proto::discovery::Device;

use crate::blocking::{self, int_arg, opt_seconds, seconds};
use crate::error::ToPyResult;
use crate::reactor::Reactor;

/// A device as `(uid, ip, port, cipher)`.
type DeviceTuple = (String, String, u16, String);

fn tuple(d: &Device) -> DeviceTuple {
    (
        d.uid.to_string(),
        d.addr.ip().to_string(),
        d.addr.port(),
        d.cipher.to_string(),
    )
}

/// A LAN search under way (for event loops): devices arrive with `try_next_device`; `watch`
/// reports news to a reactor; `cancel` ends it early.
#[pyclass(frozen, module = "pppp._native", name = "Search")]
pub(crate) struct Search {
    inner: Arc<Discovery>,
}

#[pymethods]
impl Search {
    #[new]
    #[pyo3(signature = (timeout = 2.0, to = None, *, broadcast = None, psk = "auto".to_owned(), port = None, bind = None))]
    fn new(
        py: Python<'_>,
        timeout: f64,
        to: Option<Vec<String>>,
        broadcast: Option<bool>,
        psk: String,
        port: Option<&Bound<'_, PyAny>>,
        bind: Option<String>,
    ) -> PyResult<Search> {
        let port: u16 = int_arg(port, "port", 1, 65535, LAN_PORT)?;
        let to = to.unwrap_or_default();
        let options = DiscoverOptions {
            broadcast: broadcast.unwrap_or(to.is_empty()),
            to,
            port,
            timeout: seconds(py, timeout, "timeout")?,
            psk: parse_psk(&psk).py_err(py)?,
            bind: bind.map(|b| parse_host(&b, 0)).transpose().py_err(py)?,
            driver: None,
        };
        Ok(Search {
            inner: Arc::new(Discovery::start(&options).py_err(py)?),
        })
    }

    /// The next device found, as `(uid, ip, port, cipher)`, or None (never waits).
    fn try_next_device(&self) -> Option<DeviceTuple> {
        self.inner.try_next_device().map(|d| tuple(&d))
    }

    /// The next device found, waiting up to `timeout` seconds (None: until the search is
    /// over); None on timeout, or once the search is over and every device was returned.
    /// Interruptible with Ctrl-C.
    #[pyo3(signature = (timeout = None))]
    fn next_device(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<DeviceTuple>> {
        let t = opt_seconds(py, timeout, "timeout")?;
        let d = &self.inner;
        let got = blocking::wait(py, t, |slice| match d.next_device(slice) {
            Some(dev) => Some(Some(dev)),
            None if d.is_finished() => Some(d.try_next_device()),
            None => None,
        })?;
        Ok(got.flatten().map(|d| tuple(&d)))
    }

    /// Waits until the search is over and returns every device found (core's `discover`),
    /// as `(uid, ip, port, cipher)` tuples. Interruptible with Ctrl-C.
    fn wait_found(&self, py: Python<'_>) -> PyResult<Vec<DeviceTuple>> {
        let d = &self.inner;
        let found = blocking::wait(py, None, |slice| {
            // Devices are also kept in `found`; the queue only paces the wait.
            let _ = d.next_device(slice);
            d.is_finished().then(|| d.found())
        })?;
        Ok(found.unwrap_or_default().iter().map(tuple).collect())
    }

    /// True once the search is over (devices may still wait to be read).
    #[getter]
    fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// Reports news (a device, the end) to `reactor` under `id`.
    fn watch(&self, reactor: &Reactor, id: u64) {
        let shared = reactor.shared.clone();
        self.inner
            .set_notify(Some(Arc::new(move || shared.ready(id))));
    }

    /// Ends the search now.
    fn cancel(&self, py: Python<'_>) {
        let d = self.inner.clone();
        py.detach(|| d.cancel());
    }
}
