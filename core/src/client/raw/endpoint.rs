//! The raw session's side on its I/O thread: the [`Conn`] driven by the driver, with what
//! it delivered moved into the buffers the user's [`super::RawSession`] reads.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, TryRecvError};

use super::super::driver::{Endpoint, Flow};
use super::{Cmd, RawState, Shared, State};
use crate::proto::conn::{CloseReason, Conn, ConnEvent};
use crate::proto::drw::{Delivery, DELIVERY_OVERHEAD};
use crate::proto::packet::CHANNELS;
use crate::proto::{SansIo, Transmit};

/// The transport session on its I/O thread.
pub(super) struct RawEndpoint {
    conn: Conn,
    cmd: Receiver<Cmd>,
    shared: Arc<Shared>,
    recv_limit: usize,
    packet_limit: usize,
    last_stats: Option<Instant>,
}

impl RawEndpoint {
    /// The endpoint running `conn` for commands from `cmd`, holding at most `recv_limit`
    /// bytes and `packet_limit` packets per channel for readers.
    pub(super) fn new(
        conn: Conn,
        cmd: Receiver<Cmd>,
        shared: Arc<Shared>,
        recv_limit: usize,
        packet_limit: usize,
    ) -> RawEndpoint {
        RawEndpoint {
            conn,
            cmd,
            shared,
            recv_limit,
            packet_limit,
            last_stats: None,
        }
    }
}

impl SansIo for RawEndpoint {
    fn handle_datagram(&mut self, now: Instant, _local: SocketAddr, from: SocketAddr, data: &[u8]) {
        self.conn.handle_datagram(now, from, data);
    }
    fn handle_timeout(&mut self, now: Instant) {
        self.conn.handle_timeout(now);
    }
    fn poll_transmit(&mut self) -> Option<Transmit> {
        self.conn.poll_transmit()
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }
}

impl Endpoint for RawEndpoint {
    fn start(&mut self, now: Instant) {
        self.conn.start(now);
    }

    fn handle_wake(&mut self, now: Instant) {
        let conn = &mut self.conn;
        let mut sent_packets = 0;
        loop {
            match self.cmd.try_recv() {
                Ok(Cmd::Write(ch, data)) => {
                    if let Err(e) = conn.write(ch, &data) {
                        tracing::debug!("write on channel {ch} dropped: {e}");
                    }
                    let mut st = self.shared.state.lock();
                    let q = &mut st.queued[ch as usize];
                    *q = q.saturating_sub(data.len());
                }
                Ok(Cmd::Packet(ch, data)) => {
                    if let Err(e) = conn.send_packet(ch, &data) {
                        tracing::debug!("packet on channel {ch} dropped: {e}");
                    }
                    sent_packets += 1;
                }
                Ok(Cmd::Close) => conn.close(now),
                #[cfg(test)]
                Ok(Cmd::Panic) => panic!("injected by a test"),
                Ok(Cmd::Abort) | Err(TryRecvError::Disconnected) => {
                    conn.abort(now);
                    break;
                }
                Err(TryRecvError::Empty) => break,
            }
        }
        let mut st = self.shared.state.lock();
        st.packets_queued = st.packets_queued.saturating_sub(sent_packets);
    }

    fn publish(&mut self, now: Instant) -> Flow {
        let conn = &mut self.conn;
        let mut changed = false;
        let mut st = self.shared.state.lock();
        while let Some(ev) = conn.poll_event() {
            match ev {
                ConnEvent::Connected { peer, cipher } => {
                    st.phase = RawState::Connected;
                    st.peer = Some(peer);
                    st.cipher = Some(cipher.to_string());
                    st.connected_at = Some(now);
                    changed = true;
                }
                ConnEvent::Closed(r) => {
                    st.phase = RawState::Closed(r);
                    changed = true;
                }
                ConnEvent::Found { addr, .. } => st.peer = Some(addr),
                ConnEvent::Readable(_) => {}
                ConnEvent::Packet { channel, data } => {
                    changed |=
                        hold_packet(&mut st, self.recv_limit, self.packet_limit, channel, data);
                }
                ConnEvent::DuplicateDid { addr } => {
                    tracing::warn!(%addr, "another device also answered for this UID");
                }
            }
        }
        for c in 0..CHANNELS {
            while st.rx[c].len() < self.recv_limit {
                match conn.read(c as u8) {
                    Some(Delivery::Data(v)) => {
                        st.rx[c].extend(v);
                        changed = true;
                    }
                    Some(Delivery::Skipped(n)) => st.skipped += u64::from(n),
                    None => break,
                }
            }
            st.conn_readable[c] = conn.readable(c as u8);
            st.unacked[c] = conn.unacked(c as u8);
        }
        if self
            .last_stats
            .is_none_or(|t| now >= t + Duration::from_millis(200))
        {
            self.last_stats = Some(now);
            st.stats = conn.stats();
        }
        let done = conn.is_closed() && conn.poll_timeout().is_none();
        if done && !matches!(st.phase, RawState::Closed(_)) {
            st.phase = RawState::Closed(conn.close_reason().unwrap_or(CloseReason::Local));
            changed = true;
        }
        drop(st);
        if changed {
            self.shared.cond.notify_all();
        }
        if done {
            Flow::Stop
        } else {
            Flow::Continue
        }
    }
}

/// Holds a received unreliable packet for [`RawSession::recv_packet`], dropping the oldest
/// of its channel beyond `packet_limit` packets or `recv_limit` bytes (each packet counts its
/// data plus [`DELIVERY_OVERHEAD`], so empty packets are bounded too). Returns true when it is
/// held.
fn hold_packet(
    st: &mut State,
    recv_limit: usize,
    packet_limit: usize,
    channel: u8,
    p: Vec<u8>,
) -> bool {
    let c = channel as usize;
    let cost = p.len() + DELIVERY_OVERHEAD;
    if cost > recv_limit {
        st.packets_dropped += 1;
        return false;
    }
    while st.packets[c].len() >= packet_limit || st.packet_bytes[c] + cost > recv_limit {
        let Some(old) = st.packets[c].pop_front() else {
            break;
        };
        st.packet_bytes[c] -= old.len() + DELIVERY_OVERHEAD;
        st.packets_dropped += 1;
    }
    st.packet_bytes[c] += cost;
    st.packets[c].push_back(p);
    true
}

impl Drop for RawEndpoint {
    /// Nothing will move data any more: hand readers everything the transport still holds
    /// (bounded by its own receive buffer) and wake every waiter.
    fn drop(&mut self) {
        let conn = &mut self.conn;
        let mut st = self.shared.state.lock();
        for c in 0..CHANNELS {
            while let Some(d) = conn.read(c as u8) {
                if let Delivery::Data(v) = d {
                    st.rx[c].extend(v);
                }
            }
            st.conn_readable[c] = 0;
        }
        st.stats = conn.stats();
        if !matches!(st.phase, RawState::Closed(_)) {
            st.phase = RawState::Closed(conn.close_reason().unwrap_or(CloseReason::Local));
        }
        st.ended = true;
        drop(st);
        self.shared.cond.notify_all();
    }
}
