//! The fake camera's own reliability layer, per session: outgoing DRW channels with
//! same-index retransmission ([`ChanTx`]), incoming ones held in order ([`ChanRx`]), and a
//! session's state ([`Peer`]).

use super::*;

#[derive(Debug)]
pub(super) struct OutPkt {
    pub(super) index: u16,
    pub(super) data: Vec<u8>,
    pub(super) sent: Option<Instant>,
    pub(super) tries: u32,
    pub(super) acked: bool,
}

/// The camera's sending half of one channel.
#[derive(Debug, Default)]
pub(super) struct ChanTx {
    pub(super) next: u16,
    pub(super) pkts: VecDeque<OutPkt>,
    pub(super) bytes: usize,
}

impl ChanTx {
    pub(super) fn queue(&mut self, data: &[u8], skip: Option<u16>) {
        for chunk in data.chunks(MAX_DRW_DATA) {
            if skip == Some(self.next) {
                self.next = self.next.wrapping_add(1);
            }
            self.pkts.push_back(OutPkt {
                index: self.next,
                data: chunk.to_vec(),
                sent: None,
                tries: 0,
                acked: false,
            });
            self.next = self.next.wrapping_add(1);
            self.bytes += chunk.len();
        }
    }

    pub(super) fn ack(&mut self, index: u16, now: Instant, guard: Duration) {
        let Some(front) = self.pkts.front() else {
            return;
        };
        let pos = seq::offset(index, front.index) as usize;
        let Some(p) = self.pkts.get_mut(pos) else {
            return;
        };
        if p.index != index || p.acked || p.sent.is_none() {
            return;
        }
        p.acked = true;
        let acked_sent = p.sent;
        // CS2-style gap detection: older packets still unacknowledged, sent clearly before the
        // acknowledged one, are resent at once.
        for q in self.pkts.iter_mut().take(pos) {
            if !q.acked
                && q.sent
                    .is_some_and(|s| Some(s + guard) <= acked_sent && s + guard <= now)
            {
                q.sent = Some(now - Duration::from_secs(3600));
            }
        }
        while self.pkts.front().is_some_and(|p| p.acked) {
            if let Some(p) = self.pkts.pop_front() {
                self.bytes -= p.data.len();
            }
        }
    }
}

/// The camera's receiving half of one channel.
#[derive(Debug, Default)]
pub(super) struct ChanRx {
    pub(super) next: u16,
    /// Packets ahead of `next`, by index.
    pub(super) held: BTreeMap<u16, Vec<u8>>,
    /// What `held` costs: data plus [`DELIVERY_OVERHEAD`] per packet.
    pub(super) held_bytes: usize,
}

/// What the camera does with one received DRW packet.
#[derive(Debug)]
pub(super) enum Accept {
    /// Acknowledge it; the data now deliverable in order (possibly none).
    Ack(Vec<Vec<u8>>),
    /// Drop it unacknowledged (outside the window, or no room).
    Drop,
}

impl ChanRx {
    /// Accepts a packet if it fits in `room` more bytes.
    pub(super) fn accept(&mut self, index: u16, data: &[u8], room: usize) -> Accept {
        let d = seq::diff(index, self.next);
        if d < 0 || self.held.contains_key(&index) {
            return Accept::Ack(Vec::new()); // a duplicate: acknowledged again
        }
        if d > RX_WINDOW {
            return Accept::Drop;
        }
        if d > 0 {
            let cost = data.len() + DELIVERY_OVERHEAD;
            if cost > room {
                return Accept::Drop;
            }
            self.held_bytes += cost;
            self.held.insert(index, data.to_vec());
            return Accept::Ack(Vec::new());
        }
        let mut out = vec![data.to_vec()];
        self.next = self.next.wrapping_add(1);
        while let Some(v) = self.held.remove(&self.next) {
            self.held_bytes -= v.len() + DELIVERY_OVERHEAD;
            out.push(v);
            self.next = self.next.wrapping_add(1);
        }
        Accept::Ack(out)
    }
}

#[derive(Debug)]
pub(super) struct Peer {
    pub(super) addr: SocketAddr,
    /// The socket of ours this peer talks to.
    pub(super) local: SocketAddr,
    pub(super) heard: bool,
    pub(super) rdy_left: u8,
    pub(super) next_rdy: Option<Instant>,
    pub(super) last_rx: Instant,
    pub(super) last_tx: Instant,
    /// No ALIVE is due earlier than the keepalive interval after this instant (the session's
    /// start plus `CameraConfig::alive_phase`).
    pub(super) alive_after: Instant,
    pub(super) tx: Vec<ChanTx>,
    pub(super) rx: Vec<ChanRx>,
    pub(super) acks: Vec<(u8, u16)>,
    pub(super) blocks: BlockDecoder,
    pub(super) talk: FrameAssembler,
    pub(super) video: bool,
    pub(super) next_frame: Option<Instant>,
    pub(super) audio: bool,
    pub(super) next_audio: Option<Instant>,
    /// Replies being "processed": sent on channel 0 when due.
    pub(super) replies: VecDeque<(Instant, Vec<u8>)>,
    /// iLnk session ticket, once the binary login was accepted.
    pub(super) ticket: Option<[u8; 4]>,
    /// H.264/H.265: frames since the last key frame of this peer's stream.
    pub(super) gop_pos: u32,
    /// H.264/H.265: key frames sent to this peer.
    pub(super) key_count: u32,
    /// Picture size of the last frame sent; `None` while video is off (the next frame is a
    /// key frame).
    pub(super) last_size: Option<(u16, u16)>,
    /// `--h264-file`: the next access unit of the file for this peer.
    pub(super) file_pos: usize,
}

impl Peer {
    /// When this peer is owed an ALIVE: `interval` after the last datagram sent to it, and
    /// not before `alive_after` + `interval`.
    pub(super) fn alive_due(&self, interval: Duration) -> Instant {
        self.last_tx.max(self.alive_after) + interval
    }

    /// A peer at `addr` talking to our socket `local`, met at `now`; its channels start at
    /// `first_index` and its first ALIVE waits `alive_phase` longer than usual.
    pub(super) fn new(
        addr: SocketAddr,
        local: SocketAddr,
        now: Instant,
        first_index: u16,
        alive_phase: Duration,
    ) -> Self {
        Peer {
            addr,
            local,
            heard: false,
            rdy_left: 0,
            next_rdy: None,
            last_rx: now,
            last_tx: now,
            alive_after: now + alive_phase,
            tx: (0..CHANNELS)
                .map(|_| ChanTx {
                    next: first_index,
                    ..ChanTx::default()
                })
                .collect(),
            rx: (0..CHANNELS)
                .map(|_| ChanRx {
                    next: first_index,
                    ..ChanRx::default()
                })
                .collect(),
            acks: Vec::new(),
            blocks: BlockDecoder::new(MAX_REQUEST),
            talk: FrameAssembler::new(MAX_REQUEST),
            video: false,
            next_frame: None,
            audio: false,
            next_audio: None,
            replies: VecDeque::new(),
            ticket: None,
            gop_pos: 0,
            key_count: 0,
            last_size: None,
            file_pos: 0,
        }
    }

    /// Bytes queued or unacknowledged on every channel, replies included.
    pub(super) fn queued(&self) -> usize {
        self.tx.iter().map(|t| t.bytes).sum::<usize>()
            + self.replies.iter().map(|(_, r)| r.len()).sum::<usize>()
    }

    /// Bytes held: queued output, out-of-order input and partial requests.
    pub(super) fn held(&self) -> usize {
        self.queued()
            + self.rx.iter().map(|r| r.held_bytes).sum::<usize>()
            + self.blocks.pending()
            + self.talk.buffered()
    }
}
