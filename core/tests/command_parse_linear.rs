//! The channel-0 block decoder does work linear in its input whatever the bytes (issue 11 §3):
//! garbage, start codes with absurd lengths and lone start-code bytes are skipped with a read
//! offset, never by shifting the whole buffer one byte at a time. Work is measured by the
//! decoder's deterministic `bytes_examined` counter, not by the clock.

use pppp::proto::command::{encode_shix, BlockDecoder, SHIX_RESPONSE};

/// Work allowed per input byte.
const BOUND: u64 = 4;

/// `n` bytes made by repeating `unit`.
fn repeat(unit: &[u8], n: usize) -> Vec<u8> {
    unit.iter().copied().cycle().take(n).collect()
}

/// Deterministic noise (xorshift), biased towards the start-code bytes.
fn noise(n: usize) -> Vec<u8> {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            match x % 8 {
                0 => 0x06,
                1 => 0x0a,
                2 => 0x01,
                3 => 0x11,
                _ => (x >> 8) as u8,
            }
        })
        .collect()
}

fn patterns(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        // A SHIX start code announcing 4 GiB, over and over: each is refused one byte at a time.
        (
            "absurd SHIX headers",
            repeat(&[0x06, 0x0a, 0xa1, 0x80, 0xff, 0xff, 0xff, 0xff], n),
        ),
        // Start codes whose length field is the next start codes.
        ("stacked start codes", repeat(&[0x06, 0x0a, 0x11, 0x0a], n)),
        ("lone start-code bytes", repeat(&[0x06], n)),
        ("noise", noise(n)),
    ]
}

/// Feeds `input` in `chunk`-byte pushes, decoding after each; returns (blocks, work).
fn decode(input: &[u8], chunk: usize) -> (u64, u64) {
    let mut d = BlockDecoder::default();
    let mut blocks = 0;
    for c in input.chunks(chunk) {
        d.push(c);
        while d.next_block().is_some() {
            blocks += 1;
        }
    }
    (blocks, d.stats().bytes_examined)
}

#[test]
fn garbage_is_skipped_in_linear_work() {
    for n in [64 * 1024, 256 * 1024, 1024 * 1024] {
        for (name, input) in patterns(n) {
            for chunk in [n, 1024, 7] {
                let (_, work) = decode(&input, chunk);
                assert!(
                    work <= BOUND * n as u64,
                    "{name}, {n} bytes in {chunk}-byte pushes: {work} bytes examined (more than {BOUND} per input byte)"
                );
            }
        }
    }
}

#[test]
fn blocks_after_a_megabyte_of_garbage_are_still_found() {
    let n = 1024 * 1024;
    let mut input = repeat(&[0x06, 0x0a, 0xa1, 0x80, 0xff, 0xff, 0xff, 0xff], n);
    input.extend(encode_shix(SHIX_RESPONSE, br#"{"cmd":101,"result":0}"#));
    input.extend(repeat(&[0x55, 0x06, 0xaa], 4096));
    input.extend(encode_shix(SHIX_RESPONSE, br#"{"cmd":107,"result":0}"#));
    let mut d = BlockDecoder::default();
    d.push(&input);
    let mut got = Vec::new();
    while let Some(b) = d.next_block() {
        got.push(b.payload);
    }
    assert!(
        got.contains(&br#"{"cmd":101,"result":0}"#.to_vec()),
        "{got:?}"
    );
    assert_eq!(got.last().unwrap(), &br#"{"cmd":107,"result":0}"#.to_vec());
    assert!(d.stats().bytes_examined <= BOUND * input.len() as u64);
    assert!(d.stats().garbage_bytes >= n as u64);
}
