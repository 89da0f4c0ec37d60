//! `pppp._native`: the Python bindings of pppp. The package `pppp` (python/pppp/) wraps this
//! module in typed, documented Python classes; use that.
//!
//! * Every call that may block releases the GIL in slices of at most 100 ms and checks for
//!   signals in between ([`blocking`]), so Ctrl-C interrupts it.
//! * Errors map to the `PpppError` classes in one place ([`error`]).
//! * Classes are `frozen`: their state is behind the core's own locks and channels, so they
//!   are safe to share between threads.

mod blocking;
mod cli;
mod discover;
mod emulator;
mod error;
mod frame;
mod json;
mod reactor;
mod session;

use pyo3::prelude::*;

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("LAN_PORT", pppp::client::LAN_PORT)?;
    m.add(
        "KNOWN_PSKS",
        pppp::proto::psk::KNOWN_PSKS
            .iter()
            .map(|k| k.psk)
            .collect::<Vec<_>>(),
    )?;
    // The operation table, one dict per operation (see `pppp::proto::operation`): the test
    // suite checks `Camera` and `AsyncCamera` against it.
    let ops = pppp::proto::operation::OPERATIONS
        .iter()
        .map(|s| json::to_py(m.py(), &s.to_json()))
        .collect::<PyResult<Vec<_>>>()?;
    m.add("OPERATIONS", ops)?;
    error::register(m)?;
    m.add_class::<frame::Frame>()?;
    m.add_class::<session::Session>()?;
    m.add_class::<session::FrameIterator>()?;
    m.add_class::<emulator::FakeCamera>()?;
    m.add_class::<reactor::Reactor>()?;
    m.add_class::<discover::Search>()?;
    m.add_function(wrap_pyfunction!(session::start, m)?)?;
    m.add_function(wrap_pyfunction!(cli::cli_main, m)?)?;
    Ok(())
}
