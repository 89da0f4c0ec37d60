//! `discover()`: LAN search.

use pyo3::prelude::*;

use pppp::client::{discover as core_discover, parse_host, DiscoverOptions, LAN_PORT};

use crate::blocking::{self, int_arg, seconds};
use crate::error::ToPyResult;

/// Searches the LAN for cameras for `timeout` seconds and returns every one that answered
/// as `(uid, ip, port, cipher)` tuples. Probes go by unicast to each `to` address
/// (`HOST[:PORT]`, port 32108 by default), and by broadcast on every IPv4 interface when
/// `broadcast` is true (default: only when `to` is empty).
#[pyfunction]
#[pyo3(signature = (timeout = 2.0, to = None, *, broadcast = None, psk = "auto".to_owned(), port = None, bind = None))]
pub(crate) fn discover(
    py: Python<'_>,
    timeout: f64,
    to: Option<Vec<String>>,
    broadcast: Option<bool>,
    psk: String,
    port: Option<&Bound<'_, PyAny>>,
    bind: Option<String>,
) -> PyResult<Vec<(String, String, u16, String)>> {
    let port: u16 = int_arg(port, "port", 1, 65535, LAN_PORT)?;
    let to = to.unwrap_or_default();
    let options = DiscoverOptions {
        broadcast: broadcast.unwrap_or(to.is_empty()),
        to,
        port,
        timeout: seconds(py, timeout, "timeout")?,
        psk,
        bind: bind.map(|b| parse_host(&b, 0)).transpose().py_err(py)?,
        driver: None,
    };
    let devices = blocking::run(py, move || core_discover(&options))?.py_err(py)?;
    Ok(devices
        .into_iter()
        .map(|d| {
            (
                d.uid.to_string(),
                d.addr.ip().to_string(),
                d.addr.port(),
                d.cipher.to_string(),
            )
        })
        .collect())
}
