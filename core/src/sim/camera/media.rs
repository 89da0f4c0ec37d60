//! What the fake camera streams: MJPEG or H.264 video frames of the configured size and
//! clock, and audio frames.

use super::*;

impl FakeCamera {
    /// The picture size of frame `index` (after the configured resolution switch).
    pub fn frame_size(&self, index: u32) -> (u16, u16) {
        let c = &self.config;
        match c.switch_resolution_after {
            Some(n) if index >= n => c.switch_size.unwrap_or((
                (c.width / 2 / 16).max(1) * 16,
                (c.height / 2 / 16).max(1) * 16,
            )),
            _ => (c.width, c.height),
        }
    }

    /// Seconds and milliseconds of the device clock, for AV headers.
    fn av_time(&self) -> (u32, u16) {
        let elapsed = self.now - self.started;
        (
            self.config
                .epoch_seconds
                .wrapping_add(elapsed.as_secs() as u32),
            elapsed.subsec_millis() as u16,
        )
    }

    /// JPEG frame `index` of `size`: encoded, or patched into the pre-encoded picture.
    fn mjpeg(&mut self, index: u32, size: (u16, u16)) -> Vec<u8> {
        let Some(bytes) = self.config.frame_size else {
            return jpeg::frame(u64::from(index), size.0, size.1, self.config.quality);
        };
        let quality = self.config.quality;
        if self.patched.as_ref().is_none_or(|(s, _)| *s != size) {
            self.patched = Some((size, jpeg::Patched::new(size.0, size.1, quality, bytes)));
        }
        let stamp = self
            .config
            .wall_clock
            .map(|(at, us)| us + self.now.saturating_duration_since(at).as_micros() as u64);
        match &self.patched {
            Some((_, p)) => p.frame(u64::from(index), stamp),
            None => Vec::new(),
        }
    }

    pub(super) fn video_frame(&mut self, to: SocketAddr) {
        let index = self.frame_counter;
        self.frame_counter = self.frame_counter.wrapping_add(1);
        let size = self.frame_size(index);
        let (codec, gop) = (self.config.video_codec, self.config.gop.max(1));
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.queued() > self.config.send_buffer {
            self.stats.frames_skipped += 1;
            // The decoder's reference chain is broken: restart it with a key frame.
            p.last_size = None;
            return;
        }
        let file = match (codec, &self.config.h264_file) {
            (VideoCodec::H264, Some(f)) => Some(f),
            _ => None,
        };
        if let Some(file) = file {
            if p.last_size.is_none() {
                p.file_pos = file.next_key(p.file_pos); // (re)start on a key frame
            }
            let (au, key) = file.unit(p.file_pos);
            p.file_pos = (p.file_pos + 1) % file.len();
            p.last_size = Some(size);
            let t = if key {
                av::codec_byte::H264_I
            } else {
                av::codec_byte::H264_P
            };
            let data = au.to_vec();
            self.queue_video(to, t, &data, index);
            return;
        }
        if p.last_size != Some(size) || p.gop_pos >= gop {
            p.gop_pos = 0;
        }
        let spec = video::FrameSpec {
            index,
            gop_pos: p.gop_pos,
            key_count: p.key_count,
            width: size.0,
            height: size.1,
        };
        p.last_size = Some(size);
        p.gop_pos += 1;
        if spec.is_key() {
            p.key_count = p.key_count.wrapping_add(1);
        }
        let (type_byte, data) = match codec {
            VideoCodec::Mjpeg => (av::codec_byte::MJPEG, self.mjpeg(index, size)),
            VideoCodec::H264 | VideoCodec::H265 => {
                let t = if spec.is_key() {
                    av::codec_byte::H264_I
                } else {
                    av::codec_byte::H264_P
                };
                let au = if codec == VideoCodec::H264 {
                    video::h264_access_unit(&spec)
                } else {
                    video::h265_access_unit(&spec)
                };
                (t, au)
            }
        };
        self.queue_video(to, type_byte, &data, index);
    }

    /// Queues video frame `index` behind its AV header on channel 1 of peer `to`.
    fn queue_video(&mut self, to: SocketAddr, type_byte: u8, data: &[u8], index: u32) {
        let (seconds, millis) = self.av_time();
        let h = AvHeader {
            codec: type_byte,
            stream: 0,
            millis,
            seconds,
            index,
            ..AvHeader::default()
        };
        let rec = h.record(data);
        self.stats.video_frames += 1;
        if let Some(p) = self.peers.get_mut(&to) {
            p.tx[1].queue(&rec, None);
        }
    }

    /// The PCM of audio frame `index`: a 500 Hz tone, continuous across frames.
    pub fn audio_pcm(&self, index: u32) -> Vec<i16> {
        let rate = f64::from(self.audio_rate());
        let base = index as usize * AUDIO_SAMPLES;
        (0..AUDIO_SAMPLES)
            .map(|i| {
                let t = (base + i) as f64 / rate;
                (6000.0 * (2.0 * std::f64::consts::PI * 500.0 * t).sin()) as i16
            })
            .collect()
    }

    /// The sample rate of the audio the camera sends.
    pub fn audio_rate(&self) -> u32 {
        match self.config.audio_codec {
            AudioCodec::Adpcm => self.config.audio_rate.clamp(4000, 48000),
            AudioCodec::Alaw => 8000,
        }
    }

    /// The time one audio frame of [`AUDIO_SAMPLES`] samples lasts.
    pub(super) fn audio_interval(&self) -> Duration {
        Duration::from_micros(AUDIO_SAMPLES as u64 * 1_000_000 / u64::from(self.audio_rate()))
    }

    pub(super) fn audio_frame(&mut self, to: SocketAddr) {
        let index = self.audio_counter;
        self.audio_counter = self.audio_counter.wrapping_add(1);
        let pcm = self.audio_pcm(index);
        let (codec, data) = match self.config.audio_codec {
            AudioCodec::Adpcm => (av::codec_byte::ADPCM, adpcm::encode(&pcm)),
            AudioCodec::Alaw => (av::codec_byte::ILNK_ALAW, adpcm::alaw_encode(&pcm)),
        };
        let (seconds, millis) = self.av_time();
        let h = AvHeader {
            codec,
            stream: 1,
            millis,
            seconds,
            index,
            ..AvHeader::default()
        };
        let rec = h.record(&data);
        let Some(p) = self.peers.get_mut(&to) else {
            return;
        };
        if p.queued() + rec.len() > self.config.send_buffer {
            self.stats.audio_skipped += 1;
            return;
        }
        self.stats.audio_frames += 1;
        p.tx[2].queue(&rec, None);
    }
}
