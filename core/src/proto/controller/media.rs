//! Media reassembly: AV records of channels 1 (video) and 2 (audio) into [`Frame`]s, each
//! video frame given the picture size of its stream.

use std::collections::VecDeque;
use std::time::Instant;

use super::{Counters, Event, Frame};
use crate::proto::av::{Codec, FrameAssembler};
use crate::proto::drw::{channel, Delivery};

/// The video and audio reassemblers and what they know of the video stream.
#[derive(Debug)]
pub(super) struct Media {
    video: FrameAssembler,
    audio: FrameAssembler,
    /// The codec and picture size of the last video frame that carried one.
    picture: Option<(Codec, (u16, u16))>,
}

impl Media {
    /// Reassemblers for frames of at most `max_frame` (video) and `max_audio_frame` bytes.
    pub(super) fn new(max_frame: usize, max_audio_frame: usize) -> Media {
        Media {
            video: FrameAssembler::new(max_frame),
            audio: FrameAssembler::new(max_audio_frame),
            picture: None,
        }
    }

    /// A new transport session: the reassemblers start empty (the stream's picture size is
    /// kept).
    pub(super) fn new_session(&mut self, max_frame: usize, max_audio_frame: usize) {
        self.video = FrameAssembler::new(max_frame);
        self.audio = FrameAssembler::new(max_audio_frame);
    }

    fn assembler(&mut self, c: u8) -> &mut FrameAssembler {
        if c == channel::VIDEO {
            &mut self.video
        } else {
            &mut self.audio
        }
    }

    /// A stream (re)starts on channel `c`: its frame counter starts over.
    pub(super) fn reset_index(&mut self, c: u8) {
        self.assembler(c).reset_index();
    }

    /// Takes one delivery of channel `c` (video or audio), made at `now`: complete frames
    /// become [`Event::Frame`]s received at `now` and are counted; skipped indexes
    /// resynchronise the reassembler.
    pub(super) fn handle(
        &mut self,
        c: u8,
        d: Delivery,
        now: Instant,
        stats: &mut Counters,
        events: &mut VecDeque<Event>,
    ) {
        let v = match d {
            Delivery::Data(v) => v,
            Delivery::Skipped(_) => {
                self.assembler(c).resync();
                return;
            }
        };
        self.assembler(c).push(&v);
        while let Some(f) = self.assembler(c).next_frame() {
            let mut frame = Frame::from_av(c, f);
            frame.received_at = Some(now);
            if c == channel::VIDEO {
                frame.dimensions = picture_of(&mut self.picture, &frame);
                stats.video_frames += 1;
            } else {
                stats.audio_frames += 1;
            }
            stats.media_bytes += frame.data.len() as u64;
            stats.missing_frames += frame.missing_before as u64;
            events.push_back(Event::Frame(frame));
        }
    }

    /// Brings the reassemblers' counters into `stats`.
    pub(super) fn update_stats(&self, stats: &mut Counters) {
        let (v, a) = (self.video.stats(), self.audio.stats());
        stats.garbage_bytes = v.garbage_bytes + a.garbage_bytes;
        stats.media_held_peak = stats.media_held_peak.max(v.peak_buffered + a.peak_buffered);
    }
}

/// The picture size of a video frame: its own, else `last`, the last one of the same codec
/// (updated).
fn picture_of(last: &mut Option<(Codec, (u16, u16))>, frame: &Frame) -> Option<(u16, u16)> {
    match frame.picture_size() {
        Some(size) => *last = Some((frame.codec, size)),
        None if last.is_some_and(|(c, _)| c != frame.codec) => *last = None,
        None => {}
    }
    last.map(|(_, size)| size)
}
