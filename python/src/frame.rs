//! `Frame`: one video frame or audio chunk, immutable.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

use pppp::client::Frame as CoreFrame;

/// One media frame: a JPEG picture, an H.264/H.265 access unit, or a chunk of audio.
#[pyclass(frozen, module = "pppp", name = "Frame")]
pub(crate) struct Frame {
    data: Py<PyBytes>,
    codec: &'static str,
    codec_byte: u8,
    channel: u8,
    keyframe: bool,
    index: u32,
    timestamp_ms: u64,
    missing_before: u32,
}

static CODEC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl Frame {
    /// Copies a core frame's bytes into Python.
    pub(crate) fn new(py: Python<'_>, f: CoreFrame) -> Frame {
        Frame {
            data: PyBytes::new(py, &f.data).unbind(),
            codec: f.codec.name(),
            codec_byte: f.header.codec,
            channel: f.channel,
            keyframe: f.keyframe,
            index: f.index,
            timestamp_ms: f.timestamp_ms,
            missing_before: f.missing_before,
        }
    }
}

#[pymethods]
impl Frame {
    /// The media bytes (JPEG file, Annex-B access unit, or audio samples as sent).
    #[getter]
    fn data(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    /// The codec, a `pppp.Codec`.
    #[getter]
    fn codec<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        CODEC
            .import(py, "pppp._types", "Codec")?
            .call1((self.codec,))
    }

    /// The codec byte of the AV header as received (tells an `UNKNOWN` codec apart).
    #[getter]
    fn codec_byte(&self) -> u8 {
        self.codec_byte
    }

    /// The DRW channel it came on (1 video, 2 audio).
    #[getter]
    fn channel(&self) -> u8 {
        self.channel
    }

    /// True when a decoder can start from this frame (every JPEG; H.264/H.265 IDR).
    #[getter]
    fn keyframe(&self) -> bool {
        self.keyframe
    }

    /// The camera's frame counter.
    #[getter]
    fn index(&self) -> u32 {
        self.index
    }

    /// The camera's timestamp, in seconds since the Unix epoch by the camera's clock.
    #[getter]
    fn timestamp(&self) -> f64 {
        self.timestamp_ms as f64 / 1000.0
    }

    /// The camera's timestamp in milliseconds.
    #[getter]
    fn timestamp_ms(&self) -> u64 {
        self.timestamp_ms
    }

    /// Frames missing just before this one (a gap in the camera's counter).
    #[getter]
    fn missing_before(&self) -> u32 {
        self.missing_before
    }

    fn __len__(&self, py: Python<'_>) -> usize {
        self.data.bind(py).as_bytes().len()
    }

    fn __bytes__(&self, py: Python<'_>) -> Py<PyBytes> {
        self.data.clone_ref(py)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "Frame(codec={}, index={}, timestamp={:.3}, channel={}, keyframe={}, {} bytes)",
            self.codec,
            self.index,
            self.timestamp(),
            self.channel,
            if self.keyframe { "True" } else { "False" },
            self.__len__(py)
        )
    }
}
