//! Recording a camera to files without ffmpeg: MJPEG video into `PREFIX.avi`, H.264/H.265
//! into `PREFIX.h264` / `PREFIX.h265` (raw Annex-B, from the first key frame), audio into
//! `PREFIX.wav` (16-bit mono PCM).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pppp::client::{Frame, Session};
use pppp::media::{AudioProfile, RateEstimator};
use pppp::proto::av::Codec;

use crate::avi::AviWriter;

/// What to record.
#[derive(Clone, Debug)]
pub struct RecordConfig {
    /// How long.
    pub duration: Duration,
    /// Output prefix: `PREFIX.avi` / `PREFIX.h264` / `PREFIX.h265` and `PREFIX.wav`.
    pub prefix: PathBuf,
    /// Record audio too (the camera's audio must already be started).
    pub audio: bool,
    /// How ADPCM audio is interpreted.
    pub profile: AudioProfile,
    /// Measure the ADPCM sample rate from timestamps (falls back to `profile`).
    pub measure_audio_rate: bool,
}

impl RecordConfig {
    /// Record `duration` of video and audio into files named after `prefix`.
    pub fn new(prefix: impl Into<PathBuf>, duration: Duration) -> Self {
        RecordConfig {
            duration,
            prefix: prefix.into(),
            audio: true,
            profile: AudioProfile::default(),
            measure_audio_rate: true,
        }
    }
}

/// What a recording produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RecordSummary {
    /// The video file, if any frame was written.
    pub video_path: Option<PathBuf>,
    /// Video codec recorded.
    pub video_codec: Option<Codec>,
    /// Video frames written.
    pub video_frames: u64,
    /// Video frames skipped (P frames before the first key frame, other codecs).
    pub video_skipped: u64,
    /// Picture size in the file header (first frame).
    pub size: Option<(u16, u16)>,
    /// Frame rate written into the AVI header.
    pub fps: Option<f64>,
    /// The WAV file, if any audio was written.
    pub audio_path: Option<PathBuf>,
    /// Audio samples written.
    pub audio_samples: u64,
    /// Audio sample rate.
    pub audio_rate: Option<u32>,
}

/// Why recording failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The session failed.
    #[error(transparent)]
    Session(#[from] pppp::Error),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The WAV file could not be written.
    #[error("cannot write {path}: {source}")]
    Wav {
        /// The file.
        path: PathBuf,
        /// Why.
        source: hound::Error,
    },
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

enum VideoOut {
    Avi(AviWriter<BufWriter<File>>, PathBuf),
    Raw(BufWriter<File>, PathBuf, Codec),
}

struct AudioOut {
    path: PathBuf,
    est: RateEstimator,
    /// PCM held until the rate is decided.
    pending: Vec<i16>,
    pending_frames: u32,
    rate: Option<u32>,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    samples: u64,
}

/// Audio frames held before the sample rate is decided (about a second).
const RATE_FRAMES: u32 = 16;

impl AudioOut {
    fn push(&mut self, f: &Frame, cfg: &RecordConfig) -> Result<(), RecordError> {
        let Ok(pcm) = f.pcm() else {
            return Ok(()); // not decodable audio: skipped
        };
        let Some(default_rate) = cfg.profile.sample_rate(f.codec) else {
            return Ok(());
        };
        if self.rate.is_none() {
            if cfg.measure_audio_rate && f.codec == Codec::Adpcm {
                self.est.push(f.timestamp_ms, pcm.len());
                self.pending.extend_from_slice(&pcm);
                self.pending_frames += 1;
                match self.est.estimate() {
                    Some(r) => self.open(r)?,
                    None if self.pending_frames >= RATE_FRAMES => self.open(default_rate)?,
                    None => {}
                }
                return Ok(());
            }
            self.open(default_rate)?;
        }
        self.write(&pcm)
    }

    fn open(&mut self, rate: u32) -> Result<(), RecordError> {
        let w = hound::WavWriter::create(&self.path, crate::wav::mono16(rate)).map_err(|e| {
            RecordError::Wav {
                path: self.path.clone(),
                source: e,
            }
        })?;
        self.rate = Some(rate);
        self.writer = Some(w);
        let pending = std::mem::take(&mut self.pending);
        self.write(&pending)
    }

    fn write(&mut self, pcm: &[i16]) -> Result<(), RecordError> {
        if let Some(w) = self.writer.as_mut() {
            for &s in pcm {
                w.write_sample(s).map_err(|e| RecordError::Wav {
                    path: self.path.clone(),
                    source: e,
                })?;
            }
            self.samples += pcm.len() as u64;
        }
        Ok(())
    }

    fn finish(
        mut self,
        profile: &AudioProfile,
    ) -> Result<Option<(PathBuf, u64, u32)>, RecordError> {
        if self.writer.is_none() && !self.pending.is_empty() {
            let rate = self.est.estimate().unwrap_or(profile.adpcm_rate);
            self.open(rate)?;
        }
        let Some(w) = self.writer.take() else {
            return Ok(None);
        };
        w.finalize().map_err(|e| RecordError::Wav {
            path: self.path.clone(),
            source: e,
        })?;
        Ok(Some((self.path, self.samples, self.rate.unwrap_or(0))))
    }
}

/// Records from `session` (whose video, and audio if wanted, are already started) for
/// `cfg.duration`, then finishes the files.
pub fn record(session: &Session, cfg: &RecordConfig) -> Result<RecordSummary, RecordError> {
    let mut rec = Recorder::new(cfg.clone());
    let end = Instant::now() + cfg.duration;
    while Instant::now() < end {
        let wait = end
            .saturating_duration_since(Instant::now())
            .min(Duration::from_millis(20));
        if let Some(f) = session.next_frame(wait)? {
            rec.push_video(&f)?;
        }
        if cfg.audio {
            while let Some(f) = session.next_audio(Duration::ZERO)? {
                rec.push_audio(&f)?;
            }
        }
    }
    rec.finish(cfg.duration)
}

/// A recording fed frame by frame, for callers that receive the frames themselves (the JNI
/// library's `RecordLocal`, event-driven hosts): [`record`] is this recorder fed from a
/// session for a fixed time.
pub struct Recorder {
    cfg: RecordConfig,
    summary: RecordSummary,
    video: Option<VideoOut>,
    audio: Option<AudioOut>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("prefix", &self.cfg.prefix)
            .field("summary", &self.summary)
            .finish()
    }
}

impl Recorder {
    /// A recording into the files named after `cfg.prefix` (opened with the first frame;
    /// `cfg.duration` is not used).
    pub fn new(cfg: RecordConfig) -> Recorder {
        let audio = cfg.audio.then(|| AudioOut {
            path: with_ext(&cfg.prefix, "wav"),
            est: RateEstimator::default(),
            pending: Vec::new(),
            pending_frames: 0,
            rate: None,
            writer: None,
            samples: 0,
        });
        Recorder {
            cfg,
            summary: RecordSummary::default(),
            video: None,
            audio,
        }
    }

    /// Writes a video frame (H.264/H.265 from the first key frame on).
    pub fn push_video(&mut self, f: &Frame) -> Result<(), RecordError> {
        match &mut self.video {
            None => {
                if matches!(f.codec, Codec::H264 | Codec::H265) && !f.keyframe {
                    self.summary.video_skipped += 1; // a decoder needs a key frame first
                } else {
                    self.video = Some(open_video(&self.cfg, f, &mut self.summary)?);
                }
            }
            Some(out) => write_video(out, f, &mut self.summary)?,
        }
        Ok(())
    }

    /// Writes an audio frame (ignored when the configuration records no audio).
    pub fn push_audio(&mut self, f: &Frame) -> Result<(), RecordError> {
        match self.audio.as_mut() {
            Some(a) => a.push(f, &self.cfg),
            None => Ok(()),
        }
    }

    /// Finishes the files; `elapsed` is how long was recorded (the AVI frame rate falls back
    /// to frames / elapsed when the timestamps give none).
    pub fn finish(mut self, elapsed: Duration) -> Result<RecordSummary, RecordError> {
        let file_err = |path: &Path| {
            let path = path.to_owned();
            move |source| RecordError::File { path, source }
        };
        let mut summary = self.summary;
        match self.video.take() {
            Some(VideoOut::Avi(w, path)) => {
                let secs = elapsed.as_secs_f64().max(0.001);
                let fps = w.measured_fps(summary.video_frames as f64 / secs);
                let mut out = w.finish(fps).map_err(file_err(&path))?;
                out.flush().map_err(file_err(&path))?;
                summary.fps = Some(fps);
                summary.video_path = Some(path);
            }
            Some(VideoOut::Raw(mut out, path, _)) => {
                out.flush().map_err(file_err(&path))?;
                summary.video_path = Some(path);
            }
            None => {}
        }
        if let Some(a) = self.audio.take() {
            if let Some((path, samples, rate)) = a.finish(&self.cfg.profile)? {
                summary.audio_path = Some(path);
                summary.audio_samples = samples;
                summary.audio_rate = Some(rate);
            }
        }
        Ok(summary)
    }
}

fn open_video(
    cfg: &RecordConfig,
    f: &Frame,
    summary: &mut RecordSummary,
) -> Result<VideoOut, RecordError> {
    let (ext, codec) = match f.codec {
        Codec::H264 => ("h264", Codec::H264),
        Codec::H265 => ("h265", Codec::H265),
        _ => ("avi", Codec::Mjpeg),
    };
    let path = with_ext(&cfg.prefix, ext);
    let file = File::create(&path).map_err(|source| RecordError::File {
        path: path.clone(),
        source,
    })?;
    summary.video_codec = Some(codec);
    summary.size = f.picture_size();
    let mut out = if codec == Codec::Mjpeg {
        let (w, h) = summary.size.unwrap_or((0, 0));
        VideoOut::Avi(
            AviWriter::new(BufWriter::new(file), w, h).map_err(|source| RecordError::File {
                path: path.clone(),
                source,
            })?,
            path,
        )
    } else {
        VideoOut::Raw(BufWriter::new(file), path, codec)
    };
    write_video(&mut out, f, summary)?;
    Ok(out)
}

fn write_video(
    out: &mut VideoOut,
    f: &Frame,
    summary: &mut RecordSummary,
) -> Result<(), RecordError> {
    let r = match out {
        VideoOut::Avi(w, path) if f.codec == Codec::Mjpeg => w
            .write_frame(&f.data, f.timestamp_ms)
            .map_err(|source| (path.clone(), source)),
        VideoOut::Raw(w, path, codec) if f.codec == *codec => w
            .write_all(&f.data)
            .map_err(|source| (path.clone(), source)),
        _ => {
            summary.video_skipped += 1; // the camera changed codec mid-recording
            return Ok(());
        }
    };
    r.map_err(|(path, source)| RecordError::File { path, source })?;
    summary.video_frames += 1;
    Ok(())
}

/// Writes the latest video frame of `session` as a JPEG (waiting up to `timeout` for one).
pub fn snapshot(session: &Session, path: &Path, timeout: Duration) -> Result<Frame, RecordError> {
    let end = Instant::now() + timeout;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match session.next_frame(left.min(Duration::from_millis(200)))? {
            Some(f) if f.codec == Codec::Mjpeg => {
                std::fs::write(path, &f.data).map_err(|source| RecordError::File {
                    path: path.to_owned(),
                    source,
                })?;
                return Ok(f);
            }
            Some(f) => {
                return Err(RecordError::Session(pppp::Error::InvalidArgument(
                    format!(
                        "the camera streams {}, not JPEG: use `pppp record` to save it",
                        f.codec
                    )
                    .into(),
                )))
            }
            None if left.is_zero() => {
                return Err(RecordError::Session(pppp::Error::Timeout {
                    what: "a video frame",
                    after: timeout,
                }))
            }
            None => {}
        }
    }
}
