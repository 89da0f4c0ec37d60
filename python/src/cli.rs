//! The `pppp` console script: the Rust command-line tool, run in this process.

use pyo3::prelude::*;

/// Runs the `pppp` command-line tool with `argv` (the first item is the program name) and
/// returns its exit code. The GIL is released while it runs.
#[pyfunction]
pub(crate) fn cli_main(py: Python<'_>, argv: Vec<String>) -> i32 {
    py.detach(move || pppp_cli::run(argv))
}
