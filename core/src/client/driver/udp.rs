//! Batched datagram I/O: `recvmmsg` (and GRO) for reading, segmentation offload (GSO) for runs
//! of equal-sized datagrams to one destination, through `quinn-udp`.

use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::time::Duration;

use quinn_udp::{RecvMeta, UdpSockRef, UdpSocketState};

use crate::proto::Transmit;

/// Datagrams read per `recvmmsg` call.
const RECV_BATCH: usize = 16;
/// Room for one datagram (PPPP datagrams are at most ~1500 bytes).
const DATAGRAM: usize = 2048;
/// Largest GSO send (the kernel's limit is 64 KiB of payload).
const MAX_GSO_BYTES: usize = 60_000;
/// Datagrams per `sendmmsg` call.
#[cfg(target_os = "linux")]
const SEND_BATCH: usize = 64;

/// A socket of an endpoint.
pub(super) struct Socket {
    pub(super) io: mio::net::UdpSocket,
    pub(super) local: SocketAddr,
    state: UdpSocketState,
}

impl Socket {
    /// Wraps a bound socket (made non-blocking).
    pub(super) fn new(socket: std::net::UdpSocket) -> io::Result<Socket> {
        let local = socket.local_addr()?;
        let state = UdpSocketState::new(UdpSockRef::from(&socket))?;
        trim_ancillary(&socket, local);
        socket.set_nonblocking(true)?;
        Ok(Socket {
            io: mio::net::UdpSocket::from_std(socket),
            local,
            state,
        })
    }

    fn send_one(&self, dst: SocketAddr, contents: &[u8], segment: Option<usize>) -> bool {
        let t = quinn_udp::Transmit {
            destination: dst,
            ecn: None,
            contents,
            segment_size: segment,
            src_ip: None,
        };
        match self.state.try_send(UdpSockRef::from(&self.io), &t) {
            Ok(()) => true,
            Err(e) => {
                // A full send buffer, or an ICMP error reported late: UDP is lossy and DRW
                // retransmits, so the datagram is counted and dropped.
                tracing::trace!(%dst, "send failed: {e}");
                false
            }
        }
    }

    /// Sends `batch` (all from this socket), coalescing runs for GSO. Returns the datagrams
    /// the kernel refused (a full send buffer): UDP is lossy and DRW retransmits.
    pub(super) fn send_batch(&self, batch: &[Transmit], scratch: &mut Vec<u8>) -> u64 {
        let mut refused = 0;
        let max = self.state.max_gso_segments();
        for (start, end, seg) in gso_runs(batch, max, MAX_GSO_BYTES) {
            let run = &batch[start..end];
            let ok = if run.len() == 1 {
                self.send_one(run[0].dst, &run[0].data, None)
            } else {
                scratch.clear();
                for t in run {
                    scratch.extend_from_slice(&t.data);
                }
                self.send_one(run[0].dst, scratch, Some(seg))
            };
            if !ok {
                refused += run.len() as u64;
            }
        }
        refused
    }

    /// Sends `batch` (all from this socket, to any destinations) with as few system calls as
    /// the platform allows: one `sendmmsg` per 64 datagrams on Linux, else as
    /// [`Socket::send_batch`]. Returns the datagrams the kernel refused.
    pub(super) fn send_many(&self, batch: &[Transmit], scratch: &mut Vec<u8>) -> u64 {
        #[cfg(target_os = "linux")]
        {
            let _ = scratch;
            let mut refused = 0;
            for chunk in batch.chunks(SEND_BATCH) {
                refused += self.sendmmsg(chunk);
            }
            refused
        }
        #[cfg(not(target_os = "linux"))]
        self.send_batch(batch, scratch)
    }

    /// `sendmmsg` for `chunk`, again after a datagram the kernel refused alone (an
    /// unreachable destination): the rest still goes. A full send buffer refuses the rest.
    #[cfg(target_os = "linux")]
    fn sendmmsg(&self, chunk: &[Transmit]) -> u64 {
        use rustix::io::Errno;
        use rustix::net::{sendmmsg, MMsgHdr, SendAncillaryBuffer, SendFlags, SocketAddrAny};
        use smallvec::SmallVec;
        use std::io::IoSlice;

        // On the stack (a chunk is at most `SEND_BATCH` long): heap buffers of this size
        // made every send call allocate and consolidate the allocator's free lists.
        let addrs: SmallVec<[SocketAddrAny; SEND_BATCH]> =
            chunk.iter().map(|t| t.dst.into()).collect();
        let iovs: SmallVec<[[IoSlice<'_>; 1]; SEND_BATCH]> =
            chunk.iter().map(|t| [IoSlice::new(&t.data)]).collect();
        let mut controls: SmallVec<[SendAncillaryBuffer<'_, '_, '_>; SEND_BATCH]> = chunk
            .iter()
            .map(|_| SendAncillaryBuffer::default())
            .collect();
        let mut msgs: SmallVec<[MMsgHdr<'_>; SEND_BATCH]> = addrs
            .iter()
            .zip(&iovs)
            .zip(controls.iter_mut())
            .map(|((addr, iov), control)| MMsgHdr::new_with_addr(addr, iov, control))
            .collect();
        let mut refused = 0;
        let mut start = 0;
        while start < msgs.len() {
            match sendmmsg(&self.io, &mut msgs[start..], SendFlags::empty()) {
                Ok(n) if n > 0 => start += n,
                Err(Errno::INTR) => {}
                Err(Errno::AGAIN | Errno::NOBUFS) => {
                    tracing::trace!("send buffer full");
                    return refused + (msgs.len() - start) as u64;
                }
                other => {
                    tracing::trace!(dst = %chunk[start].dst, "send failed: {other:?}");
                    refused += 1;
                    start += 1;
                }
            }
        }
        refused
    }
}

/// Turns off the ancillary data `quinn-udp` asks for and the driver never reads (the TOS byte,
/// for ECN), so that each datagram received costs the kernel one message less (best effort:
/// a failure leaves it on).
fn trim_ancillary(socket: &std::net::UdpSocket, local: SocketAddr) {
    if local.is_ipv4() {
        let _ = socket2::SockRef::from(socket).set_recv_tos(false);
    }
}

/// Splits `batch` into runs `(start, end, segment_size)` that one GSO send can carry: the
/// same source and destination, every datagram `segment_size` long but the last (which may be
/// shorter, ending the run), at most `max_segments` datagrams and `max_bytes` bytes. Without
/// GSO (`max_segments` 1) every run is one datagram.
pub fn gso_runs(
    batch: &[Transmit],
    max_segments: usize,
    max_bytes: usize,
) -> Vec<(usize, usize, usize)> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < batch.len() {
        let first = &batch[i];
        let seg = first.data.len();
        let mut end = i + 1;
        let mut bytes = seg;
        while end < batch.len() && end - i < max_segments.max(1) && seg > 0 {
            let t = &batch[end];
            let fits = t.dst == first.dst
                && t.src == first.src
                && t.data.len() <= seg
                && !t.data.is_empty()
                && bytes + t.data.len() <= max_bytes;
            if !fits {
                break;
            }
            bytes += t.data.len();
            end += 1;
            if t.data.len() < seg {
                break; // a shorter datagram ends the run
            }
        }
        runs.push((i, end, seg));
        i = end;
    }
    runs
}

/// Receive buffers of one I/O thread.
pub(super) struct RecvBufs {
    bufs: Vec<Vec<u8>>,
    meta: Vec<RecvMeta>,
}

impl RecvBufs {
    pub(super) fn new() -> RecvBufs {
        RecvBufs {
            bufs: Vec::new(),
            meta: vec![RecvMeta::default(); RECV_BATCH],
        }
    }

    /// Reads one batch from `sock`, calling `f(from, datagram, stamp)` for each datagram,
    /// `stamp` being the kernel's receive time on the wall clock where the platform gives one
    /// (Linux). Returns what was read; `WouldBlock` when none was waiting.
    pub(super) fn recv(
        &mut self,
        sock: &Socket,
        mut f: impl FnMut(SocketAddr, &[u8], Option<Duration>),
    ) -> io::Result<Received> {
        let size = DATAGRAM * sock.state.gro_segments().max(1);
        if self.bufs.first().is_none_or(|b| b.len() < size) {
            self.bufs = (0..RECV_BATCH).map(|_| vec![0u8; size]).collect();
        }
        let mut bufs = self.bufs.iter_mut();
        let mut slices: [IoSliceMut<'_>; RECV_BATCH] = std::array::from_fn(|_| {
            // `bufs` holds RECV_BATCH buffers (made just above when missing).
            IoSliceMut::new(bufs.next().map_or(&mut [][..], |b| &mut b[..]))
        });
        let n = sock
            .state
            .recv(UdpSockRef::from(&sock.io), &mut slices, &mut self.meta)?;
        let mut datagrams = 0;
        for (meta, buf) in self.meta.iter().zip(self.bufs.iter()).take(n) {
            let data = &buf[..meta.len.min(buf.len())];
            let stride = if meta.stride == 0 {
                data.len()
            } else {
                meta.stride
            };
            for d in data.chunks(stride.max(1)) {
                f(meta.addr, d, meta.timestamp);
                datagrams += 1;
            }
        }
        Ok(Received {
            datagrams,
            // Only where a batch is one `recvmmsg` of `meta.len()` messages (elsewhere a call
            // may read a single datagram whatever is queued).
            drained: cfg!(target_os = "linux") && n < self.meta.len(),
        })
    }
}

/// What one [`RecvBufs::recv`] call read.
#[derive(Clone, Copy, Debug)]
pub(super) struct Received {
    /// Datagrams handed on (a GRO buffer counts each of its segments).
    pub datagrams: usize,
    /// The batch was not full (Linux), so the socket's queue was empty when it was read. A datagram
    /// arriving after that raises a new readiness event (edge-triggered polling reports every
    /// arrival on a UDP socket), so the socket needs no further read, saving the `recvmmsg`
    /// that would only return `WouldBlock`.
    pub drained: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(dst: u16, len: usize) -> Transmit {
        Transmit {
            src: None,
            dst: SocketAddr::from(([127, 0, 0, 1], dst)),
            data: vec![0; len],
        }
    }

    #[test]
    fn equal_sizes_to_one_destination_form_one_run() {
        let b: Vec<Transmit> = (0..5).map(|_| t(1, 1032)).collect();
        assert_eq!(gso_runs(&b, 64, MAX_GSO_BYTES), vec![(0, 5, 1032)]);
    }

    #[test]
    fn a_shorter_datagram_ends_the_run_and_a_longer_starts_one() {
        let b = vec![t(1, 100), t(1, 100), t(1, 40), t(1, 100), t(1, 200)];
        assert_eq!(
            gso_runs(&b, 64, MAX_GSO_BYTES),
            vec![(0, 3, 100), (3, 4, 100), (4, 5, 200)]
        );
    }

    #[test]
    fn destinations_segment_and_byte_limits_split_runs() {
        let b = vec![t(1, 10), t(2, 10), t(2, 10), t(2, 10)];
        assert_eq!(
            gso_runs(&b, 2, 1000),
            vec![(0, 1, 10), (1, 3, 10), (3, 4, 10)]
        );
        let b: Vec<Transmit> = (0..4).map(|_| t(1, 500)).collect();
        assert_eq!(gso_runs(&b, 64, 1000), vec![(0, 2, 500), (2, 4, 500)]);
    }

    #[test]
    fn without_gso_every_datagram_is_alone() {
        let b: Vec<Transmit> = (0..3).map(|_| t(1, 10)).collect();
        assert_eq!(
            gso_runs(&b, 1, 1000),
            vec![(0, 1, 10), (1, 2, 10), (2, 3, 10)]
        );
        assert!(gso_runs(&[], 64, 1000).is_empty());
    }

    #[test]
    fn different_sources_split_runs() {
        let mut b = vec![t(1, 10), t(1, 10)];
        b[1].src = Some(SocketAddr::from(([127, 0, 0, 1], 9)));
        assert_eq!(gso_runs(&b, 64, 1000), vec![(0, 1, 10), (1, 2, 10)]);
    }
}
