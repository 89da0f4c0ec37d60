//! The datagram cipher "P2P_Proprietary" (docs/protocol.md §5.1–5.2).
//!
//! When a pre-shared key (PSK) is configured, every datagram — header included — is XORed with a
//! keystream drawn from a fixed 256-byte [`TABLE`]. The 4-byte [`Key`] is derived from the PSK and
//! the keystream byte for each position depends on the previous *ciphertext* byte, starting from 0
//! at the beginning of every datagram. It is obfuscation, not security: there are only a few
//! hundred thousand effective keys and one known plaintext recovers the key.
//!
//! [`Cipher`] pairs a key with the PSK's name, or stands for "no encryption" ([`Cipher::plain`]).

use std::fmt;

/// The fixed 256-byte substitution table of the cipher (a permutation of 0x00–0xFF).
pub const TABLE: [u8; 256] = [
    0x7C, 0x9C, 0xE8, 0x4A, 0x13, 0xDE, 0xDC, 0xB2, 0x2F, 0x21, 0x23, 0xE4, 0x30, 0x7B, 0x3D, 0x8C,
    0xBC, 0x0B, 0x27, 0x0C, 0x3C, 0xF7, 0x9A, 0xE7, 0x08, 0x71, 0x96, 0x00, 0x97, 0x85, 0xEF, 0xC1,
    0x1F, 0xC4, 0xDB, 0xA1, 0xC2, 0xEB, 0xD9, 0x01, 0xFA, 0xBA, 0x3B, 0x05, 0xB8, 0x15, 0x87, 0x83,
    0x28, 0x72, 0xD1, 0x8B, 0x5A, 0xD6, 0xDA, 0x93, 0x58, 0xFE, 0xAA, 0xCC, 0x6E, 0x1B, 0xF0, 0xA3,
    0x88, 0xAB, 0x43, 0xC0, 0x0D, 0xB5, 0x45, 0x38, 0x4F, 0x50, 0x22, 0x66, 0x20, 0x7F, 0x07, 0x5B,
    0x14, 0x98, 0x1D, 0x9B, 0xA7, 0x2A, 0xB9, 0xA8, 0xCB, 0xF1, 0xFC, 0x49, 0x47, 0x06, 0x3E, 0xB1,
    0x0E, 0x04, 0x3A, 0x94, 0x5E, 0xEE, 0x54, 0x11, 0x34, 0xDD, 0x4D, 0xF9, 0xEC, 0xC7, 0xC9, 0xE3,
    0x78, 0x1A, 0x6F, 0x70, 0x6B, 0xA4, 0xBD, 0xA9, 0x5D, 0xD5, 0xF8, 0xE5, 0xBB, 0x26, 0xAF, 0x42,
    0x37, 0xD8, 0xE1, 0x02, 0x0A, 0xAE, 0x5F, 0x1C, 0xC5, 0x73, 0x09, 0x4E, 0x69, 0x24, 0x90, 0x6D,
    0x12, 0xB3, 0x19, 0xAD, 0x74, 0x8A, 0x29, 0x40, 0xF5, 0x2D, 0xBE, 0xA5, 0x59, 0xE0, 0xF4, 0x79,
    0xD2, 0x4B, 0xCE, 0x89, 0x82, 0x48, 0x84, 0x25, 0xC6, 0x91, 0x2B, 0xA2, 0xFB, 0x8F, 0xE9, 0xA6,
    0xB0, 0x9E, 0x3F, 0x65, 0xF6, 0x03, 0x31, 0x2E, 0xAC, 0x0F, 0x95, 0x2C, 0x5C, 0xED, 0x39, 0xB7,
    0x33, 0x6C, 0x56, 0x7E, 0xB4, 0xA0, 0xFD, 0x7A, 0x81, 0x53, 0x51, 0x86, 0x8D, 0x9F, 0x77, 0xFF,
    0x6A, 0x80, 0xDF, 0xE2, 0xBF, 0x10, 0xD7, 0x75, 0x64, 0x57, 0x76, 0xF3, 0x55, 0xCD, 0xD0, 0xC8,
    0x18, 0xE6, 0x36, 0x41, 0x62, 0xCF, 0x99, 0xF2, 0x32, 0x4C, 0x67, 0x60, 0x61, 0x92, 0xCA, 0xD3,
    0xEA, 0x63, 0x7D, 0x16, 0xB6, 0x8E, 0xD4, 0x68, 0x35, 0xC3, 0x52, 0x9D, 0x46, 0x44, 0x1E, 0x17,
];

/// Number of leading PSK bytes that take part in key derivation.
pub const PSK_SIGNIFICANT_BYTES: usize = 20;

/// The 4-byte cipher key ("seed") `k0 k1 k2 k3` derived from a PSK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key([u8; 4]);

impl Key {
    /// Derives the key from a PSK; `None` for an empty PSK, which means "no encryption".
    ///
    /// Like the vendor library (`strnlen(psk, 20)`), only the bytes before the first NUL and
    /// within the first [`PSK_SIGNIFICANT_BYTES`] count: k0 = Σb, k1 = −Σb, k2 = Σ⌊b/3⌋,
    /// k3 = ⊕b, all modulo 256.
    pub fn derive(psk: &[u8]) -> Option<Key> {
        let head = &psk[..psk.len().min(PSK_SIGNIFICANT_BYTES)];
        let used = head
            .iter()
            .position(|&b| b == 0)
            .map_or(head, |nul| &head[..nul]);
        if used.is_empty() {
            return None;
        }
        let (mut sum, mut thirds, mut xor) = (0u8, 0u8, 0u8);
        for &b in used {
            sum = sum.wrapping_add(b);
            thirds = thirds.wrapping_add(b / 3);
            xor ^= b;
        }
        Some(Key([sum, sum.wrapping_neg(), thirds, xor]))
    }

    /// Wraps four raw key bytes `k0 k1 k2 k3` (e.g. a recovered or configured key).
    pub const fn from_bytes(bytes: [u8; 4]) -> Key {
        Key(bytes)
    }

    /// The four key bytes `k0 k1 k2 k3`.
    pub fn bytes(&self) -> [u8; 4] {
        self.0
    }

    /// Keystream byte for the position following ciphertext byte `prev`.
    #[inline(always)]
    fn keystream(&self, prev: u8) -> u8 {
        TABLE[usize::from(self.0[usize::from(prev & 3)].wrapping_add(prev))]
    }

    /// Encrypts one whole datagram in place (the feedback state starts at 0).
    pub fn encrypt(&self, data: &mut [u8]) {
        let mut prev = 0u8;
        for byte in data.iter_mut() {
            *byte ^= self.keystream(prev);
            prev = *byte;
        }
    }

    /// Decrypts one whole datagram in place (the feedback state starts at 0).
    pub fn decrypt(&self, data: &mut [u8]) {
        let mut prev = 0u8;
        for byte in data.iter_mut() {
            let cipher = *byte;
            *byte = cipher ^ self.keystream(prev);
            prev = cipher;
        }
    }

    /// Returns an encrypted copy of one datagram.
    pub fn encrypt_vec(&self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        self.encrypt(&mut out);
        out
    }

    /// Returns a decrypted copy of one datagram.
    pub fn decrypt_vec(&self, data: &[u8]) -> Vec<u8> {
        let mut out = data.to_vec();
        self.decrypt(&mut out);
        out
    }
}

/// The datagram transform of a session: a named PSK, or plain (no encryption).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cipher {
    name: Option<String>,
    key: Option<Key>,
}

impl Cipher {
    /// No encryption: datagrams are sent and received as they are.
    pub fn plain() -> Cipher {
        Cipher {
            name: None,
            key: None,
        }
    }

    /// Encryption with the key derived from `psk`; an empty PSK (or one starting with NUL)
    /// gives [`Cipher::plain`].
    pub fn from_psk(psk: &str) -> Cipher {
        match Key::derive(psk.as_bytes()) {
            Some(key) => Cipher {
                name: Some(psk.to_owned()),
                key: Some(key),
            },
            None => Cipher::plain(),
        }
    }

    /// The PSK this cipher was made from; `None` when plain.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The derived key; `None` when plain.
    pub fn key(&self) -> Option<Key> {
        self.key
    }

    /// True when no encryption is applied.
    pub fn is_plain(&self) -> bool {
        self.key.is_none()
    }

    /// Encrypts one datagram in place (no-op when plain).
    pub fn encrypt(&self, data: &mut [u8]) {
        if let Some(key) = &self.key {
            key.encrypt(data);
        }
    }

    /// Decrypts one datagram in place (no-op when plain).
    pub fn decrypt(&self, data: &mut [u8]) {
        if let Some(key) = &self.key {
            key.decrypt(data);
        }
    }

    /// Returns the wire form of a plaintext datagram (an encrypted copy, or a plain copy).
    pub fn seal(&self, plain: &[u8]) -> Vec<u8> {
        let mut out = plain.to_vec();
        self.encrypt(&mut out);
        out
    }

    /// Returns the plaintext of a received datagram (a decrypted copy, or a plain copy).
    pub fn open(&self, wire: &[u8]) -> Vec<u8> {
        let mut out = wire.to_vec();
        self.decrypt(&mut out);
        out
    }
}

impl Default for Cipher {
    /// The default is [`Cipher::plain`].
    fn default() -> Self {
        Cipher::plain()
    }
}

impl fmt::Display for Cipher {
    /// Writes `plain` or the PSK.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name().unwrap_or("plain"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_a_permutation() {
        let mut seen = [false; 256];
        for &b in &TABLE {
            assert!(!seen[usize::from(b)]);
            seen[usize::from(b)] = true;
        }
    }

    #[test]
    fn camera_key_and_lan_search() {
        let key = Key::derive(b"camera").unwrap();
        assert_eq!(key.bytes(), [0x69, 0x97, 0xcc, 0x19]);
        assert_eq!(
            key.encrypt_vec(&[0xf1, 0x30, 0, 0]),
            [0x2c, 0xba, 0x5f, 0x5d]
        );
        assert_eq!(
            key.decrypt_vec(&[0x2c, 0xba, 0x5f, 0x5d]),
            [0xf1, 0x30, 0, 0]
        );
    }

    #[test]
    fn empty_and_nul_psk_are_plain() {
        assert_eq!(Key::derive(b""), None);
        assert_eq!(Key::derive(b"\0camera"), None);
        assert_eq!(Key::derive(b"camera\0xyz"), Key::derive(b"camera"));
        assert!(Cipher::from_psk("").is_plain());
        assert_eq!(Cipher::from_psk("").to_string(), "plain");
        assert_eq!(Cipher::from_psk("SHIX").to_string(), "SHIX");
    }

    #[test]
    fn plain_cipher_is_identity() {
        let c = Cipher::plain();
        let mut d = [0xf1, 0x30, 0, 0];
        c.encrypt(&mut d);
        assert_eq!(d, [0xf1, 0x30, 0, 0]);
        assert_eq!(c.seal(&d), d);
        assert_eq!(c.open(&d), d);
    }
}
