//! The broadcaster between one camera session and many HTTP clients.
//!
//! Two pump threads pull video and audio frames from the [`Session`] and publish them here;
//! every client subscribes with its own small bounded queue. Publishing never blocks: when a
//! client's queue is full the item is dropped *for that client* (counted), so a slow or stuck
//! client cannot slow the session or the other clients. A third thread watches session events
//! (disconnect, reconnect, close) for the status page.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use parking_lot::Mutex;
use pppp::client::{Frame, Session, SessionEvent};
use pppp::media::{AudioProfile, RateEstimator};
use pppp::proto::av::Codec;
use pppp::proto::cipher::Cipher;

use crate::mailbox::Mailbox;

/// A video frame as published: its sequence number lets a subscriber notice what it missed.
#[derive(Clone, Debug)]
pub(crate) struct VideoItem {
    /// Publication number (consecutive across all frames).
    pub(crate) seq: u64,
    pub(crate) codec: Codec,
    pub(crate) keyframe: bool,
    /// The frame's bytes, shared by every client.
    pub(crate) data: Bytes,
}

/// Decoded audio as published.
#[derive(Clone, Debug)]
pub(crate) struct AudioChunk {
    /// Sample rate.
    pub(crate) rate: u32,
    /// 16-bit little-endian mono samples, converted once and shared by every client.
    pub(crate) pcm: Bytes,
}

pub(crate) struct Sub<T> {
    id: u64,
    mailbox: Arc<Mailbox<T>>,
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

    fn arrived(&mut self, codec: Codec, index: u32, bytes: usize) {
        self.frames += 1;
        self.bytes += bytes as u64;
        self.codec = Some(codec);
        self.last_index = Some(index);
        self.recent.push_back(Instant::now());
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
    }
}

#[derive(Default)]
pub(crate) struct HubState {
    video_subs: Vec<Sub<VideoItem>>,
    audio_subs: Vec<Sub<AudioChunk>>,
    pub(crate) latest_jpeg: Option<Bytes>,
    pub(crate) video: MediaStats,
    pub(crate) audio: MediaStats,
    pub(crate) events: VecDeque<(Instant, String)>,
    pub(crate) state: &'static str,
    pub(crate) error: Option<String>,
}

impl HubState {
    fn closed(&self) -> bool {
        self.state == "closed"
    }
}

/// Shared between the pumps, the HTTP handlers and the server handle.
pub(crate) struct Hub {
    pub(crate) state: Mutex<HubState>,
    /// Bumped whenever a frame or an event arrives, for handlers waiting for the first frame.
    arrived: tokio::sync::watch::Sender<u64>,
    pub(crate) stop: AtomicBool,
    next_id: AtomicU64,
    seq: AtomicU64,
    pub(crate) client_drops: AtomicU64,
    pub(crate) clients_served: AtomicU64,
    pub(crate) started: Instant,
    queue: usize,
    client_bytes: usize,
}

/// A client's subscription; dropping it unsubscribes.
pub(crate) struct Subscription<T: SubKind> {
    hub: Arc<Hub>,
    id: u64,
    mailbox: Arc<Mailbox<T>>,
}

/// Where the subscriptions of one item type live in the hub's state.
pub(crate) trait SubKind: Clone + Sized {
    fn subs(state: &mut HubState) -> &mut Vec<Sub<Self>>;
}

impl SubKind for VideoItem {
    fn subs(state: &mut HubState) -> &mut Vec<Sub<Self>> {
        &mut state.video_subs
    }
}

impl SubKind for AudioChunk {
    fn subs(state: &mut HubState) -> &mut Vec<Sub<Self>> {
        &mut state.audio_subs
    }
}

impl<T: SubKind> Subscription<T> {
    /// The next item; `Ready(None)` when the session closed or the server stopped.
    pub(crate) fn poll_recv(&self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.mailbox.poll_recv(cx)
    }

    /// The next item, or `None` when closed or after `timeout`.
    pub(crate) async fn recv_timeout(&self, timeout: Duration) -> Option<T> {
        tokio::time::timeout(timeout, poll_fn(|cx| self.poll_recv(cx)))
            .await
            .ok()
            .flatten()
    }
}

impl<T: SubKind> Drop for Subscription<T> {
    fn drop(&mut self) {
        T::subs(&mut self.hub.state.lock()).retain(|x| x.id != self.id);
    }
}

const RECENT: usize = 50;
/// ADPCM frames collected at most to measure the sample rate (then the default is used).
const MEASURE_FRAMES: usize = 16;
/// Decoded audio held at most while the rate is measured.
const MEASURE_BYTES: usize = 256 * 1024;
/// Audio backlog of one client, in bytes (several seconds at 8–16 kHz).
const AUDIO_CLIENT_BYTES: usize = 128 * 1024;
/// A decoded audio chunk larger than this is not served (no camera sends such frames; the
/// bound keeps what a stalled `/audio.wav` client can pin small).
const MAX_AUDIO_CHUNK: usize = 1024 * 1024;

impl Hub {
    /// A hub whose clients each hold at most `queue` video frames (8 × `queue` audio chunks)
    /// and `client_bytes` bytes of video.
    pub(crate) fn new(queue: usize, client_bytes: usize) -> Arc<Hub> {
        Arc::new(Hub {
            state: Mutex::new(HubState {
                state: "connected",
                ..HubState::default()
            }),
            arrived: tokio::sync::watch::Sender::new(0),
            stop: AtomicBool::new(false),
            next_id: AtomicU64::new(1),
            seq: AtomicU64::new(1),
            client_drops: AtomicU64::new(0),
            clients_served: AtomicU64::new(0),
            started: Instant::now(),
            queue: queue.max(1),
            client_bytes,
        })
    }

    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Stops: every subscription ends and waiters wake.
    pub(crate) fn shut(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.close_subscriptions();
    }

    fn subscribe<T: SubKind>(self: &Arc<Self>, items: usize, bytes: usize) -> Subscription<T> {
        let mailbox = Arc::new(Mailbox::new(items, bytes));
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut s = self.state.lock();
        if s.closed() || self.stopped() {
            mailbox.close();
        }
        T::subs(&mut s).push(Sub {
            id,
            mailbox: mailbox.clone(),
        });
        drop(s);
        self.clients_served.fetch_add(1, Ordering::Relaxed);
        Subscription {
            hub: self.clone(),
            id,
            mailbox,
        }
    }

    pub(crate) fn subscribe_video(self: &Arc<Self>) -> Subscription<VideoItem> {
        self.subscribe(self.queue, self.client_bytes)
    }

    pub(crate) fn subscribe_audio(self: &Arc<Self>) -> Subscription<AudioChunk> {
        // Audio chunks are small and frequent: a deeper queue, bounded in bytes of its own.
        self.subscribe(self.queue * 8, AUDIO_CLIENT_BYTES)
    }

    pub(crate) fn clients(&self) -> (usize, usize) {
        let s = self.state.lock();
        (s.video_subs.len(), s.audio_subs.len())
    }

    fn fan_out<T: Clone>(subs: &[Sub<T>], item: &T, size: usize, drops: &AtomicU64) {
        for sub in subs {
            let dropped = sub.mailbox.offer(item.clone(), size);
            drops.fetch_add(dropped as u64, Ordering::Relaxed);
        }
    }

    fn close_subscriptions(&self) {
        let s = self.state.lock();
        s.video_subs.iter().for_each(|x| x.mailbox.close());
        s.audio_subs.iter().for_each(|x| x.mailbox.close());
        drop(s);
        self.arrived.send_modify(|n| *n += 1);
    }

    pub(crate) fn publish_video(&self, frame: Frame) {
        let size = frame.picture_size();
        let item = VideoItem {
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            codec: frame.codec,
            keyframe: frame.keyframe,
            data: Bytes::from(frame.data),
        };
        let mut s = self.state.lock();
        let st = &mut s.video;
        st.arrived(item.codec, frame.index, item.data.len());
        st.keyframes += u64::from(item.keyframe);
        if size.is_some() {
            st.size = size;
        }
        if item.codec == Codec::Mjpeg {
            s.latest_jpeg = Some(item.data.clone());
        }
        Self::fan_out(&s.video_subs, &item, item.data.len(), &self.client_drops);
        drop(s);
        self.arrived.send_modify(|n| *n += 1);
    }

    pub(crate) fn publish_audio(&self, frame: &Frame, rate: u32, samples: &[i16]) {
        let pcm: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        if pcm.len() > MAX_AUDIO_CHUNK {
            tracing::debug!(bytes = pcm.len(), "audio chunk too large to serve: skipped");
            return;
        }
        let chunk = AudioChunk {
            rate,
            pcm: Bytes::from(pcm),
        };
        let mut s = self.state.lock();
        let st = &mut s.audio;
        st.arrived(frame.codec, frame.index, frame.data.len());
        st.rate = Some(rate);
        Self::fan_out(&s.audio_subs, &chunk, chunk.pcm.len(), &self.client_drops);
        drop(s);
        self.arrived.send_modify(|n| *n += 1);
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
        let closed = s.closed();
        drop(s);
        if closed {
            self.close_subscriptions();
        }
    }

    /// Waits until `pred` holds on the state, the server stops, or `timeout` passes.
    pub(crate) async fn wait_for(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&HubState) -> bool,
    ) -> bool {
        let mut arrived = self.arrived.subscribe();
        let wait = async {
            loop {
                if pred(&self.state.lock()) {
                    return true;
                }
                if self.stopped() || arrived.changed().await.is_err() {
                    return false;
                }
            }
        };
        tokio::time::timeout(timeout, wait).await.unwrap_or(false)
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
                    // ADPCM frames held (about a second, and MEASURE_BYTES, at most) until the
                    // rate is measured.
                    let mut held: Vec<(Frame, Vec<i16>)> = Vec::new();
                    let mut held_bytes = 0;
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
                                    hub.publish_audio(&f, default_rate, &pcm);
                                    continue;
                                }
                                if let Some(rate) = decided {
                                    hub.publish_audio(&f, rate, &pcm);
                                    continue;
                                }
                                est.push(f.timestamp_ms, pcm.len());
                                held_bytes += f.data.len() + 2 * pcm.len();
                                held.push((f, pcm));
                                let enough =
                                    held.len() >= MEASURE_FRAMES || held_bytes >= MEASURE_BYTES;
                                decided = est.estimate().or(enough.then_some(default_rate));
                                if let Some(rate) = decided {
                                    tracing::info!(rate, "audio sample rate");
                                    for (f, pcm) in held.drain(..) {
                                        hub.publish_audio(&f, rate, &pcm);
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
                                    // The PSK is a secret: say only whether it is used.
                                    SessionEvent::Connected { peer, .. } => (
                                        format!(
                                            "connected to {peer} ({})",
                                            encryption(session.cipher())
                                        ),
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

/// How a session's datagrams are protected, without naming the PSK.
pub(crate) fn encryption(cipher: Option<Cipher>) -> &'static str {
    match cipher {
        Some(c) if !c.is_plain() => "encrypted",
        Some(_) => "plain",
        None => "unknown",
    }
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
            dimensions: None,
            data: vec![0xff, 0xd8, index as u8, 0xff, 0xd9],
            received_at: None,
        }
    }

    fn recv<T: SubKind>(sub: &Subscription<T>) -> Option<T> {
        match sub.poll_recv(&mut Context::from_waker(std::task::Waker::noop())) {
            Poll::Ready(x) => x,
            Poll::Pending => None,
        }
    }

    #[test]
    fn slow_clients_lose_frames_fast_ones_do_not_and_publishing_never_blocks() {
        let hub = Hub::new(2, 1 << 20);
        let slow = hub.subscribe_video();
        let fast = hub.subscribe_video();
        let mut got = Vec::new();
        for i in 0..10 {
            hub.publish_video(frame(i)); // returns at once although `slow` never reads
            while let Some(item) = recv(&fast) {
                got.push(item.data[2]);
            }
        }
        assert_eq!(got, (0..10).collect::<Vec<_>>());
        let kept: Vec<_> = std::iter::from_fn(|| recv(&slow))
            .map(|i| i.data[2])
            .collect();
        assert_eq!(kept, [8, 9], "the slow client keeps the newest frames");
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

    #[test]
    fn a_stalled_audio_client_holds_a_bounded_backlog_and_the_psk_is_never_named() {
        let hub = Hub::new(1000, 1 << 20);
        let stalled = hub.subscribe_audio();
        let mut f = frame(0);
        f.codec = Codec::Adpcm;
        let big = vec![1i16; 16 * 1024]; // 32 KiB of PCM per chunk
        for _ in 0..100 {
            hub.publish_audio(&f, 8000, &big);
        }
        assert_eq!(stalled.mailbox.backlog().1, AUDIO_CLIENT_BYTES);
        hub.publish_audio(&f, 8000, &vec![0i16; MAX_AUDIO_CHUNK]);
        assert_eq!(
            hub.state.lock().audio.frames,
            100,
            "an oversized chunk is skipped"
        );
        assert_eq!(encryption(Some(Cipher::from_psk("camera"))), "encrypted");
        assert_eq!(encryption(Some(Cipher::plain())), "plain");
    }

    #[test]
    fn subscriptions_end_when_the_session_closes() {
        let hub = Hub::new(2, 1 << 20);
        let sub = hub.subscribe_video();
        hub.publish_video(frame(1));
        hub.event("session closed".into(), Some("closed"));
        assert!(recv(&sub).is_some(), "what was queued is still delivered");
        assert!(matches!(
            sub.poll_recv(&mut Context::from_waker(std::task::Waker::noop())),
            Poll::Ready(None)
        ));
        let late = hub.subscribe_video();
        assert!(matches!(
            late.poll_recv(&mut Context::from_waker(std::task::Waker::noop())),
            Poll::Ready(None)
        ));
    }
}
