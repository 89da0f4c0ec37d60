//! Channel-0 command framing: the 8-byte little-endian header shared by the camera dialects
//! (docs/protocol.md §4.1) and a stream decoder that cuts the channel-0 byte stream into
//! blocks.
//!
//! Bytes 0–1 are the dialect's start code ([`Dialect::start`]), bytes 2–3 a command code,
//! bytes 4–7 the payload length in the dialect's layout
//! ([`Dialect::payload_len`]): a u32 for SHIX JSON (`06 0a`), a u16
//! and a u16 version (VStarcam CGI, `01 0a`) or destination (iLnk binary, `11 0a`).

use std::fmt;

use crate::proto::dialect::Dialect;

/// The per-dialect framing helpers, at the paths callers that frame blocks by hand know.
pub use crate::proto::cgi::encode_block as encode_cgi;
pub use crate::proto::ilnk::encode_block as encode_binary;
pub use crate::proto::shix::{
    encode_block as encode_shix, REQUEST as SHIX_REQUEST, RESPONSE as SHIX_RESPONSE,
};

/// Size of the command header.
pub const HEADER_LEN: usize = 8;
/// Default cap on a block's length: anything larger is treated as garbage.
pub const DEFAULT_MAX_BLOCK: usize = 4 * 1024 * 1024;

/// The dialect a block's start code belongs to: a block's kind is its dialect.
pub type BlockKind = Dialect;

/// One channel-0 block.
#[derive(Clone, PartialEq, Eq)]
pub struct Block {
    /// Dialect of the start code.
    pub kind: BlockKind,
    /// Bytes 2–3 as a little-endian u16: the command code (CGI, binary) or the
    /// request/response marker (SHIX: `0x80a0` request, `0x80a1` response).
    pub cmd: u16,
    /// Bytes 6–7 as a little-endian u16 (CGI version, binary dest; SHIX: high half of the length).
    pub aux: u16,
    /// Everything after the 8-byte header (for binary blocks: ticket and payload).
    pub payload: Vec<u8>,
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Block({:?}, cmd=0x{:04x}, aux=0x{:04x}, {} bytes)",
            self.kind,
            self.cmd,
            self.aux,
            self.payload.len()
        )
    }
}

/// The dialect and payload length a header announces, or None if `h` is not a known header.
fn announced_len(h: &[u8; HEADER_LEN]) -> Option<(BlockKind, usize)> {
    let kind = Dialect::of_start(h[0], h[1])?;
    Some((kind, kind.payload_len(h)))
}

/// Counters of a [`BlockDecoder`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockStats {
    /// Blocks decoded.
    pub blocks: u64,
    /// Bytes discarded while looking for a start code.
    pub garbage_bytes: u64,
    /// Times the decoder resynchronised (garbage, oversize header, or a skipped index).
    pub resyncs: u64,
    /// Bytes the decoder looked at or moved while searching for blocks (headers, garbage
    /// scans, buffer compaction; not the payloads it returns): a deterministic measure of its
    /// work, linear in the input whatever the bytes.
    pub bytes_examined: u64,
}

/// Cuts a channel-0 byte stream into [`Block`]s. Several blocks may share a DRW and one block
/// may span many; garbage is skipped up to the next start code.
///
/// The stream is read with an offset into the buffer (consumed bytes are dropped in bulk when
/// more arrive), so the work is linear in the input whatever the bytes: garbage and start codes
/// with absurd lengths are never removed one byte at a time from the front of the buffer.
#[derive(Debug)]
pub struct BlockDecoder {
    buf: Vec<u8>,
    /// Read position in `buf` (bytes before it are consumed).
    pos: usize,
    max_block: usize,
    stats: BlockStats,
}

impl Default for BlockDecoder {
    fn default() -> Self {
        Self::new(DEFAULT_MAX_BLOCK)
    }
}

impl BlockDecoder {
    /// A decoder refusing blocks longer than `max_block` bytes.
    pub fn new(max_block: usize) -> Self {
        BlockDecoder {
            buf: Vec::new(),
            pos: 0,
            max_block,
            stats: BlockStats::default(),
        }
    }

    /// Appends stream bytes.
    pub fn push(&mut self, data: &[u8]) {
        // Drop the consumed prefix once it is at least half the buffer: each byte is moved at
        // most once on average.
        if self.pos > 0 && self.pos >= self.buf.len() - self.pos {
            self.buf.drain(..self.pos);
            self.stats.bytes_examined += self.buf.len() as u64;
            self.pos = 0;
        }
        self.buf.extend_from_slice(data);
    }

    /// Drops any partial block (call after the transport skipped indexes).
    pub fn resync(&mut self) {
        self.stats.garbage_bytes += self.pending() as u64;
        self.stats.resyncs += 1;
        self.buf.clear();
        self.pos = 0;
    }

    /// Counters.
    pub fn stats(&self) -> BlockStats {
        self.stats
    }

    /// Bytes waiting for the rest of a block.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Returns the next complete block, if the buffer holds one.
    pub fn next_block(&mut self) -> Option<Block> {
        loop {
            let avail = &self.buf[self.pos..];
            if avail.len() < 2 {
                return None;
            }
            self.stats.bytes_examined += 2;
            if Dialect::of_start(avail[0], avail[1]).is_none() {
                self.skip_garbage();
                continue;
            }
            if avail.len() < HEADER_LEN {
                return None;
            }
            self.stats.bytes_examined += (HEADER_LEN - 2) as u64;
            let header: &[u8; HEADER_LEN] =
                avail[..HEADER_LEN].try_into().expect("HEADER_LEN bytes");
            let (kind, len) = announced_len(header)?;
            if len > self.max_block {
                // A start code followed by an absurd length: not a real header.
                self.pos += 1;
                self.stats.garbage_bytes += 1;
                self.stats.resyncs += 1;
                continue;
            }
            if avail.len() < HEADER_LEN + len {
                return None;
            }
            let h = &avail[..HEADER_LEN];
            let cmd = u16::from_le_bytes([h[2], h[3]]);
            let aux = u16::from_le_bytes([h[6], h[7]]);
            let payload = avail[HEADER_LEN..HEADER_LEN + len].to_vec();
            self.pos += HEADER_LEN + len;
            if self.pos == self.buf.len() {
                self.buf.clear();
                self.pos = 0;
            }
            self.stats.blocks += 1;
            return Some(Block {
                kind,
                cmd,
                aux,
                payload,
            });
        }
    }

    /// Moves the read position to the next start code after it (or to the end of the buffer,
    /// keeping a last byte that may begin a start code split across packets).
    fn skip_garbage(&mut self) {
        let avail = &self.buf[self.pos..];
        let n = avail.len();
        let found = avail
            .windows(2)
            .skip(1)
            .position(|w| Dialect::of_start(w[0], w[1]).is_some())
            .map(|p| p + 1);
        let at = match found {
            Some(i) => i,
            None if Dialect::ALL.iter().any(|d| d.start()[0] == avail[n - 1]) => n - 1,
            None => n,
        };
        self.stats.bytes_examined += (at + 1).min(n) as u64;
        self.pos += at;
        self.stats.garbage_bytes += at as u64;
        self.stats.resyncs += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shix_block_layout() {
        let json = br#"{"pro":"check_user","cmd":100,"devmac":"0000","user":"admin","pwd":"6666"}"#;
        let b = encode_shix(SHIX_REQUEST, json);
        assert_eq!(&b[..8], &[0x06, 0x0a, 0xa0, 0x80, 0x4a, 0, 0, 0]);
    }

    #[test]
    fn splits_concatenated_and_spanning_blocks_and_skips_garbage() {
        let a = encode_shix(SHIX_RESPONSE, b"{\"cmd\":1}");
        let b = encode_cgi(0x6001, 1, b"var x=1;");
        let c = encode_binary(0x1120, 0xff, [1, 2, 3, 4], &[9, 9]);
        let mut stream = vec![0x77, 0x06, 0x01];
        stream.extend(&a);
        stream.extend(&b);
        stream.extend(&c);
        let mut d = BlockDecoder::default();
        let mut got = Vec::new();
        for chunk in stream.chunks(3) {
            d.push(chunk);
            while let Some(b) = d.next_block() {
                got.push(b);
            }
        }
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].payload, b"{\"cmd\":1}");
        assert_eq!(got[0].cmd, SHIX_RESPONSE);
        assert_eq!(
            (got[1].kind, got[1].cmd, got[1].aux),
            (BlockKind::Cgi, 0x6001, 1)
        );
        assert_eq!(got[2].payload, vec![1, 2, 3, 4, 9, 9]);
        assert_eq!(d.stats().garbage_bytes, 3);
    }

    #[test]
    fn absurd_length_is_garbage() {
        let mut d = BlockDecoder::new(1000);
        d.push(&[0x06, 0x0a, 0xa1, 0x80, 0xff, 0xff, 0xff, 0x7f]);
        d.push(&encode_shix(SHIX_RESPONSE, b"{}"));
        let b = d.next_block().unwrap();
        assert_eq!(b.payload, b"{}");
    }
}
