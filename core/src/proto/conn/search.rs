//! Finding the device: which LAN search answers are taken (from the addresses searched, under
//! which candidate cipher, for our UID), and which other answers make a duplicate.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use super::{Conn, ConnEvent, State, MAX_DUPLICATES, MAX_SEARCH_ANSWER};
use crate::proto::packet::{self, Message, WireDid};
use crate::proto::psk;

impl Conn {
    /// True when a search answer from `from` may be taken: from anywhere after a broadcast
    /// search, else only from a target's IP address.
    fn answer_allowed(&self, from: SocketAddr) -> bool {
        let from = from.ip().to_canonical();
        self.config.broadcast
            || self.config.targets.iter().any(|t| {
                let ip = t.ip().to_canonical();
                ip == from || ip == IpAddr::V4(Ipv4Addr::BROADCAST)
            })
    }

    /// Decodes a search answer for our UID: the index of the candidate cipher it decoded under
    /// and whether it is a P2P_RDY (else a PUNCH_PKT).
    fn search_answer(&mut self, data: &[u8]) -> Option<(usize, bool)> {
        let Some((i, plain)) = psk::detect(data, &self.candidates) else {
            self.stats.undecodable += 1;
            return None;
        };
        let (did, rdy) = match packet::decode(&plain) {
            Ok(Message::PunchPkt(d)) => (d, false),
            Ok(Message::P2pRdy(d)) => (d, true),
            _ => return None, // another device's chatter, or our own broadcast echoed back
        };
        self.same_device(&did).then_some((i, rdy))
    }

    /// A datagram from an address other than the peer's: when it is a search answer for our
    /// UID from another acceptable IP address, the address is a duplicate.
    pub(super) fn check_duplicate(&mut self, from: SocketAddr, data: &[u8]) {
        let Some(peer) = self.peer else { return };
        let ip = from.ip().to_canonical();
        if data.len() > MAX_SEARCH_ANSWER
            || self.duplicates.len() >= MAX_DUPLICATES
            || peer.ip().to_canonical() == ip
            || self.duplicates.iter().any(|d| d.ip().to_canonical() == ip)
            || !self.answer_allowed(from)
        {
            return;
        }
        let undecodable = self.stats.undecodable;
        let answer = self.search_answer(data);
        self.stats.undecodable = undecodable; // a stranger's datagram, counted as such
        if answer.is_some() {
            self.duplicates.push(from);
            self.events
                .push_back(ConnEvent::DuplicateDid { addr: from });
        }
    }

    pub(super) fn handle_search_reply(&mut self, from: SocketAddr, data: &[u8]) {
        // A search answer is a few dozen bytes: anything longer is not deciphered under every
        // candidate PSK (on a shared socket every searching session is offered it).
        if data.len() > MAX_SEARCH_ANSWER || !self.answer_allowed(from) {
            // Not where we searched: whatever it says, it is not the device's answer.
            self.stats.strangers += 1;
            return;
        }
        let Some((i, rdy)) = self.search_answer(data) else {
            return;
        };
        let cipher = self.candidates[i].clone();
        self.stats.datagrams_received += 1;
        self.last_rx = self.now;
        self.peer = Some(from);
        self.found_at = Some(self.now);
        self.cipher = Some(cipher.clone());
        self.events
            .push_back(ConnEvent::Found { addr: from, cipher });
        if rdy {
            self.become_connected();
        } else {
            self.state = State::Punching;
            self.send_punch();
        }
    }

    pub(super) fn same_device(&self, did: &WireDid) -> bool {
        // Compare parsed forms so that padding differences do not matter.
        match did.to_uid() {
            Ok(uid) => uid == self.config.uid,
            Err(_) => did.0 == self.did.0,
        }
    }
}
