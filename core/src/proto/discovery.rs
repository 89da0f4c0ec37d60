//! LAN discovery, sans-IO (docs/protocol.md §7.1): LAN_SEARCH probes to broadcast and unicast
//! targets under every candidate cipher, PUNCH_PKT answers collected as devices.
//!
//! One [`Device`] per UID: the first address that answered for it, and in
//! [`Device::duplicates`] the other IP addresses that answered for the same UID — two devices
//! claiming one UID on a LAN is a misconfiguration or an impostor, and a connection by
//! broadcast would go to whichever answers first, so the user is warned. A search keeps at
//! most [`MAX_DEVICES`] devices (answers for further UIDs are counted in
//! [`Discovery::ignored`]) and [`MAX_DUPLICATES`] duplicate addresses per device; answers are
//! matched to known devices by hash lookup, so a flood of answers costs linear work.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::{Duration, Instant};

use crate::proto::cipher::Cipher;
use crate::proto::packet::{self, Message};
use crate::proto::psk::{self, PskChoice};
use crate::proto::Transmit;
use crate::Uid;

/// The UDP port devices listen on for LAN search.
pub const LAN_PORT: u16 = 32108;

/// Most devices one search keeps (answers for further UIDs are ignored).
pub const MAX_DEVICES: usize = 4096;

/// Most duplicate addresses kept per device.
pub use crate::proto::conn::MAX_DUPLICATES;

/// One IPv4 interface, as needed to compute its broadcast address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interface {
    /// The interface address.
    pub ip: Ipv4Addr,
    /// Its netmask.
    pub netmask: Ipv4Addr,
}

/// Where a broadcast search goes: the limited broadcast address plus the directed broadcast
/// address of every non-loopback interface, each at `port`, without duplicates.
pub fn broadcast_targets(interfaces: &[Interface], port: u16) -> Vec<SocketAddr> {
    let mut out = vec![SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::BROADCAST, port))];
    for i in interfaces {
        if i.ip.is_loopback() || i.netmask == Ipv4Addr::BROADCAST || i.ip.is_unspecified() {
            continue;
        }
        let b = u32::from(i.ip) | !u32::from(i.netmask);
        let a = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(b), port));
        if !out.contains(&a) {
            out.push(a);
        }
    }
    out
}

/// Configuration of a [`Discovery`].
#[derive(Clone, Debug)]
pub struct DiscoveryConfig {
    /// Where probes go (broadcast and/or unicast addresses).
    pub targets: Vec<SocketAddr>,
    /// PSK of the probes; `Auto` probes in plain and under every known PSK.
    pub psk: PskChoice,
    /// Interval between probe rounds.
    pub interval: Duration,
    /// How long to listen in total.
    pub duration: Duration,
    /// Also send the iLnk LAN_SEARCH_EXT.
    pub lan_search_ext: bool,
}

impl DiscoveryConfig {
    /// Defaults: all PSKs, a round every 500 ms for 2 s, LAN_SEARCH_EXT included.
    pub fn new(targets: Vec<SocketAddr>) -> Self {
        DiscoveryConfig {
            targets,
            psk: PskChoice::Auto,
            interval: Duration::from_millis(500),
            duration: Duration::from_secs(2),
            lan_search_ext: true,
        }
    }
}

/// A device that answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    /// Its UID.
    pub uid: Uid,
    /// The address it answered from (its session socket).
    pub addr: SocketAddr,
    /// The cipher its answer decoded under.
    pub cipher: Cipher,
    /// Other addresses that answered for the same UID, one per IP address other than
    /// `addr`'s, in the order they answered (at most [`MAX_DUPLICATES`]). Normally empty.
    pub duplicates: Vec<SocketAddr>,
}

/// The discovery state machine.
#[derive(Debug)]
pub struct Discovery {
    config: DiscoveryConfig,
    candidates: Vec<Cipher>,
    deadline: Instant,
    next_probe: Instant,
    queue: VecDeque<Transmit>,
    found: Vec<Device>,
    /// Index in `found` of each UID.
    by_uid: HashMap<Uid, usize>,
    ignored: u64,
    events: VecDeque<Device>,
    done: bool,
}

impl Discovery {
    /// Starts a discovery: the first probe round is queued at once.
    pub fn new(config: DiscoveryConfig, now: Instant) -> Self {
        let candidates = match &config.psk {
            PskChoice::Auto => psk::auto_candidates(None),
            PskChoice::Plain => vec![Cipher::plain()],
            PskChoice::Named(n) => vec![Cipher::from_psk(n)],
        };
        let mut d = Discovery {
            deadline: now + config.duration,
            next_probe: now,
            config,
            candidates,
            queue: VecDeque::new(),
            found: Vec::new(),
            by_uid: HashMap::new(),
            ignored: 0,
            events: VecDeque::new(),
            done: false,
        };
        d.handle_timeout(now);
        d
    }

    fn probe(&mut self, now: Instant) {
        let mut msgs = vec![Message::LanSearch.to_vec()];
        if self.config.lan_search_ext {
            msgs.push(Message::LanSearchExt.to_vec());
        }
        for dst in &self.config.targets {
            for c in &self.candidates {
                for m in &msgs {
                    self.queue.push_back(Transmit {
                        src: None,
                        dst: *dst,
                        data: c.seal(m),
                    });
                }
            }
        }
        self.next_probe = now + self.config.interval;
    }

    /// Processes an answer.
    pub fn handle_datagram(&mut self, _now: Instant, from: SocketAddr, data: &[u8]) {
        if self.done {
            return;
        }
        let Some((i, plain)) = psk::detect(data, &self.candidates) else {
            return;
        };
        let did = match packet::decode(&plain) {
            Ok(Message::PunchPkt(d)) | Ok(Message::P2pRdy(d)) => d,
            _ => return,
        };
        let Ok(uid) = did.to_uid() else { return };
        if let Some(&k) = self.by_uid.get(&uid) {
            let dev = &mut self.found[k];
            let ip = from.ip().to_canonical();
            let known = dev.addr.ip().to_canonical() == ip
                || dev.duplicates.iter().any(|d| d.ip().to_canonical() == ip);
            if !known && dev.duplicates.len() < MAX_DUPLICATES {
                dev.duplicates.push(from);
            }
            return;
        }
        if self.found.len() >= MAX_DEVICES {
            self.ignored += 1;
            return;
        }
        let dev = Device {
            uid: uid.clone(),
            addr: from,
            cipher: self.candidates[i].clone(),
            duplicates: Vec::new(),
        };
        self.by_uid.insert(uid, self.found.len());
        self.found.push(dev.clone());
        self.events.push_back(dev);
    }

    /// Sends the next probe round when due; ends the discovery at its deadline.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.done {
            return;
        }
        if now >= self.deadline {
            self.done = true;
            return;
        }
        if now >= self.next_probe {
            self.probe(now);
        }
    }

    /// The next probe to send.
    #[must_use]
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.queue.pop_front()
    }

    /// The next newly found device.
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Device> {
        self.events.pop_front()
    }

    /// When to call `handle_timeout` next (None once done).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        (!self.done).then(|| self.next_probe.min(self.deadline))
    }

    /// True once the listening time is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Every device found so far (at most [`MAX_DEVICES`]).
    pub fn devices(&self) -> &[Device] {
        &self.found
    }

    /// Answers for new UIDs ignored because [`MAX_DEVICES`] devices were already found.
    pub fn ignored(&self) -> u64 {
        self.ignored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_targets_cover_every_subnet_once() {
        let ifs = [
            Interface {
                ip: Ipv4Addr::new(192, 168, 1, 10),
                netmask: Ipv4Addr::new(255, 255, 255, 0),
            },
            Interface {
                ip: Ipv4Addr::new(127, 0, 0, 1),
                netmask: Ipv4Addr::new(255, 0, 0, 0),
            },
            Interface {
                ip: Ipv4Addr::new(10, 1, 2, 3),
                netmask: Ipv4Addr::new(255, 255, 0, 0),
            },
            Interface {
                ip: Ipv4Addr::new(192, 168, 1, 11),
                netmask: Ipv4Addr::new(255, 255, 255, 0),
            },
        ];
        let t = broadcast_targets(&ifs, LAN_PORT);
        let s: Vec<String> = t.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            s,
            vec![
                "255.255.255.255:32108",
                "192.168.1.255:32108",
                "10.1.255.255:32108"
            ]
        );
    }

    #[test]
    fn probes_go_to_every_target_under_every_candidate() {
        let now = Instant::now();
        let targets: Vec<SocketAddr> = vec!["255.255.255.255:32108".parse().unwrap()];
        let mut cfg = DiscoveryConfig::new(targets);
        cfg.lan_search_ext = false;
        let mut d = Discovery::new(cfg, now);
        let mut n = 0;
        let mut plain_seen = false;
        while let Some(t) = d.poll_transmit() {
            assert_eq!(t.dst.to_string(), "255.255.255.255:32108");
            plain_seen |= t.data == [0xf1, 0x30, 0, 0];
            n += 1;
        }
        assert!(plain_seen);
        assert_eq!(n, psk::auto_candidates(None).len());
        assert_eq!(d.poll_timeout(), Some(now + Duration::from_millis(500)));
    }
}
