//! The broadcaster between one camera session and many HTTP clients.
//!
//! Two pump threads pull video and audio frames from the [`Session`] and publish them here;
//! every client subscribes with its own small bounded queue. Publishing never blocks: when a
//! client's queue is full the item is dropped *for that client* (counted), so a slow or stuck
//! client cannot slow the session or the other clients. A third thread watches session events
//! (disconnect, reconnect, close) for the status page.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender, TrySendError};
use parking_lot::Mutex;
use pppp::client::{Frame, Session, SessionEvent};
use pppp::media::{AudioProfile, RateEstimator};
use pppp::proto::av::Codec;

/// A video frame as published: its sequence number lets a subscriber notice what it missed.
#[derive(Clone, Debug)]
pub struct VideoItem {
    /// Publication number (consecutive across all frames).
    pub seq: u64,
    /// The frame.
    pub frame: Arc<Frame>,
}

/// Decoded audio as published.
#[derive(Clone, Debug)]
pub struct AudioChunk {
    /// Sample rate.
    pub rate: u32,
    /// 16-bit mono samples.
    pub samples: Arc<Vec<i16>>,
}

struct Sub<T> {
    id: u64,
    tx: Sender<T>,
}

/// What the status page shows about one media kind.
#[derive(Clone, Debug, Default)]
pub(crate) struct MediaStats {
    pub(crate) frames: u64,
    pub(crate) bytes: u64,
    pub(crate) keyframes: u64,
    pub(crate) codec: Option<Codec>,
    pub(crate) size: Option<(u16, u16)>,
    pub(crate) last_index: Option<u32>,
    /// Arrival times of recent frames (for the rate).
    pub(crate) recent: VecDeque<Instant>,
    pub(crate) rate: Option<u32>,
}

impl MediaStats {
    pub(crate) fn per_second(&self) -> f64 {
        match (self.recent.front(), self.recent.back()) {
            (Some(a), Some(b)) if self.recent.len() >= 2 && b > a => {
                (self.recent.len() - 1) as f64 / (*b - *a).as_secs_f64()
            }
            _ => 0.0,
        }
    }
}

#[derive(Default)]
pub(crate) struct HubState {
    video_subs: Vec<Sub<VideoItem>>,
    audio_subs: Vec<Sub<AudioChunk>>,
    pub(crate) latest_video: Option<VideoItem>,
    pub(crate) latest_jpeg: Option<Arc<Frame>>,
    pub(crate) video: MediaStats,
    pub(crate) audio: MediaStats,
    pub(crate) events: VecDeque<(Instant, String)>,
    pub(crate) state: &'static str,
    pub(crate) error: Option<String>,
}

/// Shared between the pumps, the HTTP handlers and the server handle.
pub(crate) struct Hub {
    pub(crate) state: Mutex<HubState>,
    /// Signalled (notify_all) when a frame arrives, for handlers waiting for the first one.
    pub(crate) arrived: parking_lot::Condvar,
    pub(crate) stop: AtomicBool,
    next_id: AtomicU64,
    seq: AtomicU64,
    pub(crate) client_drops: AtomicU64,
    pub(crate) clients_served: AtomicU64,
    pub(crate) started: Instant,
    queue: usize,
}

/// A client's subscription; dropping it unsubscribes.
pub(crate) struct Subscription<T> {
    hub: Arc<Hub>,
    id: u64,
    pub(crate) rx: Receiver<T>,
    video: bool,
}

impl<T> Drop for Subscription<T> {
    fn drop(&mut self) {
        let mut s = self.hub.state.lock();
        if self.video {
            s.video_subs.retain(|x| x.id != self.id);
        } else {
            s.audio_subs.retain(|x| x.id != self.id);
        }
    }
}

const RECENT: usize = 50;
/// ADPCM frames collected at most to measure the sample rate (then the default is used).
const MEASURE_FRAMES: usize = 16;

impl Hub {
    pub(crate) fn new(queue: usize) -> Arc<Hub> {
        Arc::new(Hub {
            state: Mutex::new(HubState {
                state: "connected",
                ..HubState::default()
            }),
            arrived: parking_lot::Condvar::new(),
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            seq: AtomicU64::new(1),
            client_drops: AtomicU64::new(0),
            clients_served: AtomicU64::new(0),
            started: Instant::now(),
            queue: queue.max(1),
        })
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    pub(crate) fn subscribe_video(self: &Arc<Self>) -> Subscription<VideoItem> {
        let (tx, rx) = bounded(self.queue);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.state.lock().video_subs.push(Sub { id, tx });
        self.clients_served.fetch_add(1, Ordering::Relaxed);
        Subscription {
            hub: self.clone(),
            id,
            rx,
            video: true,
        }
    }

    pub(crate) fn subscribe_audio(self: &Arc<Self>) -> Subscription<AudioChunk> {
        // Audio chunks are small and frequent: a deeper queue (about 4 s).
        let (tx, rx) = bounded(self.queue * 8);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.state.lock().audio_subs.push(Sub { id, tx });
        self.clients_served.fetch_add(1, Ordering::Relaxed);
        Subscription {
            hub: self.clone(),
            id,
            rx,
            video: false,
        }
    }

    pub(crate) fn clients(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.video_subs.len(), s.audio_subs.len())
    }

    fn fan_out<T: Clone>(subs: &mut Vec<Sub<T>>, item: &T, drops: &AtomicU64) {
        subs.retain(|sub| match sub.tx.try_send(item.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                drops.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
    }

    pub(crate) fn publish_video(&self, frame: Frame) {
        let frame = Arc::new(frame);
        let item = VideoItem {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            frame: frame.clone(),
        };
        let mut s = self.state.lock();
        let st = &mut s.video;
        st.frames += 1;
        st.bytes += frame.data.len() as u64;
        st.keyframes += u64::from(frame.keyframe);
        st.codec = Some(frame.codec);
        st.last_index = Some(frame.index);
        if let Some(size) = frame.picture_size() {
            st.size = Some(size);
        }
        st.recent.push_back(Instant::now());
        if st.recent.len() > RECENT {
            st.recent.pop_front();
        }
        if frame.codec == Codec::Mjpeg {
            s.latest_jpeg = Some(frame.clone());
        }
        s.latest_video = Some(item.clone());
        Self::fan_out(&mut s.video_subs, &item, &self.client_drops);
        drop(s);
        self.arrived.notify_all();
    }

    pub(crate) fn publish_audio(&self, frame: &Frame, rate: u32, samples: Vec<i16>) {
        let chunk = AudioChunk {
            rate,
            samples: Arc::new(samples),
        };
        let mut s = self.state.lock();
        let st = &mut s.audio;
        st.frames += 1;
        st.bytes += frame.data.len() as u64;
        st.codec = Some(frame.codec);
        st.last_index = Some(frame.index);
        st.rate = Some(rate);
        st.recent.push_back(Instant::now());
        if st.recent.len() > RECENT {
            st.recent.pop_front();
        }
        Self::fan_out(&mut s.audio_subs, &chunk, &self.client_drops);
        drop(s);
        self.arrived.notify_all();
    }

    fn event(&self, text: String, state: Option<&'static str>) {
        let mut s = self.state.lock();
        s.events.push_back((Instant::now(), text));
        if s.events.len() > 20 {
            s.events.pop_front();
        }
        if let Some(st) = state {
            s.state = st;
        }
    }

    /// Waits until `pred` holds on the state, the server stops, or `timeout` passes.
    pub(crate) fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&HubState) -> bool,
    ) -> bool {
        let end = Instant::now() + timeout;
        let mut s = self.state.lock();
        loop {
            if pred(&s) {
                return true;
            }
            if self.stopped() || Instant::now() >= end {
                return false;
            }
            self.arrived
                .wait_for(&mut s, Duration::from_millis(100).min(end - Instant::now()));
        }
    }
}

/// Starts the pump threads: video, audio (decoded with `profile`, or at the rate measured
/// from the timestamps when `measure` is set), and session events.
pub(crate) fn start_pumps(
    hub: &Arc<Hub>,
    session: &Arc<Session>,
    profile: AudioProfile,
    measure: bool,
) -> std::io::Result<Vec<JoinHandle<()>>> {
    let mut threads = Vec::new();
    {
        let (hub, session) = (hub.clone(), session.clone());
        threads.push(
            std::thread::Builder::new()
                .name("pppp-serve-video".into())
                .spawn(move || {
                    while !hub.stopped() {
                        match session.next_frame(Duration::from_millis(200)) {
                            Ok(Some(f)) => hub.publish_video(f),
                            Ok(None) => {}
                            Err(e) => {
                                hub.state.lock().error = Some(e.to_string());
                                hub.event(format!("session ended: {e}"), Some("closed"));
                                hub.arrived.notify_all();
                                return;
                            }
                        }
                    }
                })?,
        );
    }
    {
        let (hub, session) = (hub.clone(), session.clone());
        threads.push(
            std::thread::Builder::new()
                .name("pppp-serve-audio".into())
                .spawn(move || {
                    let mut est = RateEstimator::default();
                    let mut decided: Option<u32> = None;
                    // ADPCM frames held (about a second at most) until the rate is measured.
                    let mut held: Vec<(Frame, Vec<i16>)> = Vec::new();
                    while !hub.stopped() {
                        match session.next_audio(Duration::from_millis(200)) {
                            Ok(Some(f)) => {
                                let Ok(pcm) = f.pcm() else {
                                    continue; // not audio we can decode: skipped
                                };
                                let Some(default_rate) = profile.sample_rate(f.codec) else {
                                    continue;
                                };
                                if !(measure && f.codec == Codec::Adpcm) {
                                    hub.publish_audio(&f, default_rate, pcm);
                                    continue;
                                }
                                if let Some(rate) = decided {
                                    hub.publish_audio(&f, rate, pcm);
                                    continue;
                                }
                                est.push(f.timestamp_ms, pcm.len());
                                held.push((f, pcm));
                                decided = est
                                    .estimate()
                                    .or((held.len() >= MEASURE_FRAMES).then_some(default_rate));
                                if let Some(rate) = decided {
                                    tracing::info!(rate, "audio sample rate");
                                    for (f, pcm) in held.drain(..) {
                                        hub.publish_audio(&f, rate, pcm);
                                    }
                                }
                            }
                            Ok(None) => {}
                            Err(_) => return,
                        }
                    }
                })?,
        );
    }
    {
        let (hub, session) = (hub.clone(), session.clone());
        threads.push(
            std::thread::Builder::new()
                .name("pppp-serve-events".into())
                .spawn(move || {
                    while !hub.stopped() {
                        match session.events().recv_timeout(Duration::from_millis(200)) {
                            Ok(ev) => {
                                let (text, state) = match &ev {
                                    SessionEvent::Connected { peer, cipher } => (
                                        format!("connected to {peer} (PSK {cipher})"),
                                        Some("connected"),
                                    ),
                                    SessionEvent::Disconnected { reason } => (
                                        format!("camera lost ({reason:?}); reconnecting"),
                                        Some("reconnecting"),
                                    ),
                                    SessionEvent::Reconnected { attempt } => (
                                        format!("reconnected (attempt {attempt})"),
                                        Some("connected"),
                                    ),
                                    SessionEvent::Closed(r) => {
                                        (format!("session closed ({r:?})"), Some("closed"))
                                    }
                                    #[allow(unreachable_patterns)]
                                    other => (format!("{other:?}"), None),
                                };
                                tracing::info!("{text}");
                                hub.event(text, state);
                            }
                            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
                            Err(_) => return,
                        }
                    }
                })?,
        );
    }
    Ok(threads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use pppp::proto::av::AvHeader;

    fn frame(index: u32) -> Frame {
        Frame {
            channel: 1,
            codec: Codec::Mjpeg,
            keyframe: true,
            index,
            timestamp_ms: u64::from(index) * 100,
            missing_before: 0,
            header: AvHeader::default(),
            data: vec![0xff, 0xd8, index as u8, 0xff, 0xd9],
        }
    }

    #[test]
    fn slow_clients_lose_frames_fast_ones_do_not_and_publishing_never_blocks() {
        let hub = Hub::new(2);
        let slow = hub.subscribe_video();
        let fast = hub.subscribe_video();
        let mut got = Vec::new();
        for i in 0..10 {
            hub.publish_video(frame(i)); // returns at once although `slow` never reads
            while let Ok(item) = fast.rx.try_recv() {
                got.push(item.frame.index);
            }
        }
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        assert_eq!(slow.rx.len(), 2, "the slow client keeps its first frames");
        assert_eq!(hub.client_drops.load(Ordering::Relaxed), 8);
        assert_eq!(hub.clients(), (2, 0));
        drop(slow);
        drop(fast);
        assert_eq!(
            hub.clients(),
            (0, 0),
            "dropping a subscription unsubscribes"
        );
        hub.publish_video(frame(10));
        assert_eq!(hub.state.lock().video.frames, 11);
    }
}
