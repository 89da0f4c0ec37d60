//! `Frame`: one video frame or audio chunk, immutable.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyBytes;

use pppp::client::Frame as CoreFrame;
use pppp::proto::av::AvHeader;

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
    dimensions: Option<(u16, u16)>,
    header: AvHeader,
    received_at: Option<std::time::Instant>,
}

static CODEC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static AV_HEADER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

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
            dimensions: f.dimensions,
            header: f.header,
            received_at: f.received_at,
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

    /// The picture's width in pixels: from the frame itself (JPEG SOF, the SPS of an
    /// H.264/H.265 key frame), else the stream's last known size (P frames); None for audio
    /// and before the stream's first size is known.
    #[getter]
    fn width(&self) -> Option<u16> {
        self.dimensions.map(|(w, _)| w)
    }

    /// The picture's height in pixels (see `width`).
    #[getter]
    fn height(&self) -> Option<u16> {
        self.dimensions.map(|(_, h)| h)
    }

    /// Seconds since the last datagram of this frame arrived (the kernel's receive time):
    /// read as the frame is handed over, its latency in pppp. None for a frame not received
    /// by a session.
    #[getter]
    fn age(&self) -> Option<f64> {
        self.received_at
            .map(|t| pppp::client::since(t).as_secs_f64())
    }

    /// The frame's AV header as the camera sent it, a `pppp.AvHeader`.
    #[getter]
    fn av_header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let h = &self.header;
        AV_HEADER.import(py, "pppp._types", "AvHeader")?.call1((
            h.codec,
            h.stream,
            h.millis,
            h.seconds,
            h.index,
            h.len,
            h.version,
            h.sessid,
            PyBytes::new(py, &h.other),
        ))
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
