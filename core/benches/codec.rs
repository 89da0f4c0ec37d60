//! Micro-benchmarks of the pure codecs: the datagram codec, the cipher, PSK detection and the
//! two stream reassemblers (channel-0 blocks, AV frames).
//!
//! Run with `cargo bench -p pppp --bench codec`; see `benches/README.md` at the repository root.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pppp::proto::av::{codec_byte, AvHeader, FrameAssembler};
use pppp::proto::cipher::Cipher;
use pppp::proto::command::{self, BlockDecoder, SHIX_RESPONSE};
use pppp::proto::packet::{self, Message, WireDid, MAX_DRW_DATA};
use pppp::proto::psk;
use pppp::Uid;

/// Deterministic filler bytes (a cheap LCG, so the data is not all zeros).
fn filler(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect()
}

fn drw_datagram() -> Vec<u8> {
    let data = filler(MAX_DRW_DATA, 1);
    let mut v = Vec::new();
    packet::encode_drw(&mut v, 1, 0x1234, &data);
    v
}

fn ack_datagram() -> Vec<u8> {
    let indexes: Vec<u16> = (100..117).collect();
    let mut v = Vec::new();
    packet::encode_drw_ack(&mut v, 1, &indexes);
    v
}

fn punch_datagram() -> Vec<u8> {
    let uid = Uid::parse("DGOA-123456-ABCDE").expect("valid UID");
    Message::PunchPkt(WireDid::from(&uid)).to_vec()
}

fn bench_packet(c: &mut Criterion) {
    let drw = drw_datagram();
    let ack = ack_datagram();
    let punch = punch_datagram();

    let mut g = c.benchmark_group("packet/decode");
    for (name, d) in [
        ("drw_1024", &drw),
        ("drw_ack_17", &ack),
        ("punch_pkt", &punch),
    ] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(name, |b| {
            b.iter(|| {
                let m = packet::decode(black_box(d)).expect("valid datagram");
                black_box(m);
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("packet/encode");
    g.throughput(Throughput::Elements(1));
    let data = filler(MAX_DRW_DATA, 1);
    let mut out = Vec::with_capacity(packet::MAX_DRW_DATAGRAM);
    g.bench_function("drw_1024", |b| {
        b.iter(|| {
            out.clear();
            packet::encode_drw(&mut out, 1, black_box(0x1234), black_box(&data));
            black_box(&out);
        })
    });
    let indexes: Vec<u16> = (100..117).collect();
    g.bench_function("drw_ack_17", |b| {
        b.iter(|| {
            out.clear();
            packet::encode_drw_ack(&mut out, 1, black_box(&indexes));
            black_box(&out);
        })
    });
    let Ok(punch_msg) = packet::decode(&punch) else {
        unreachable!("PUNCH_PKT decodes")
    };
    g.bench_function("punch_pkt", |b| {
        b.iter(|| {
            out.clear();
            black_box(&punch_msg).encode(&mut out);
            black_box(&out);
        })
    });
    g.finish();
}

fn bench_cipher(c: &mut Criterion) {
    let cipher = Cipher::from_psk("camera");
    let plain = drw_datagram();
    assert_eq!(plain.len(), 1032);
    let sealed = cipher.seal(&plain);

    let mut g = c.benchmark_group("cipher");
    g.throughput(Throughput::Bytes(plain.len() as u64));
    let mut buf = plain.clone();
    g.bench_function("encrypt_1032", |b| {
        b.iter(|| {
            buf.copy_from_slice(&plain);
            cipher.encrypt(black_box(&mut buf));
            black_box(&buf);
        })
    });
    g.bench_function("decrypt_1032", |b| {
        b.iter(|| {
            buf.copy_from_slice(&sealed);
            cipher.decrypt(black_box(&mut buf));
            black_box(&buf);
        })
    });
    g.finish();
}

fn bench_psk_detect(c: &mut Criterion) {
    // Every known PSK plus plain, without a prefix hint: the worst-case candidate list.
    let candidates = psk::auto_candidates(None);
    let n = candidates.len();
    let punch = punch_datagram();
    let first = candidates[0].seal(&punch);
    let last_cipher = &candidates[n - 1];
    let last = last_cipher.seal(&punch);
    // Random bytes under no candidate: every candidate is tried and rejected.
    let mut none = filler(24, 9);
    none[0] = 0x00;

    let mut g = c.benchmark_group("psk/detect");
    g.throughput(Throughput::Elements(1));
    for (name, d, expect) in [
        ("first_candidate", &first, Some(0)),
        ("last_candidate", &last, Some(n - 1)),
        ("no_match", &none, None),
    ] {
        let got = psk::detect(d, &candidates).map(|(i, _)| i);
        assert!(
            expect.is_none() || got == expect,
            "{name}: detect gave {got:?}, expected {expect:?}"
        );
        g.bench_function(name, |b| {
            b.iter(|| black_box(psk::detect(black_box(d), &candidates)))
        });
    }
    g.finish();
}

/// A channel-0 stream of SHIX replies like the emulator writes them.
fn block_stream() -> (Vec<u8>, usize) {
    let json = br#"{
	"cmd":	101,
	"result":	0,
	"tz":	-3,
	"time":	1700000000,
	"sysver":	"PPPP_FAKE_1.0 (pppp emulator)",
	"sensor":	"EMU0",
	"signal":	100
}"#;
    let mut s = Vec::new();
    let mut n = 0;
    while s.len() < 256 * 1024 {
        s.extend(command::encode_shix(SHIX_RESPONSE, json));
        n += 1;
    }
    (s, n)
}

/// A media stream of AV records carrying `frame_len`-byte frames.
fn av_stream(frame_len: usize, frames: u32) -> Vec<u8> {
    let data = filler(frame_len, 3);
    let mut s = Vec::with_capacity(frames as usize * (frame_len + 32));
    for index in 0..frames {
        let h = AvHeader {
            codec: codec_byte::MJPEG,
            index,
            len: frame_len as u32,
            ..AvHeader::default()
        };
        s.extend_from_slice(&h.encode());
        s.extend_from_slice(&data);
    }
    s
}

fn bench_reassembly(c: &mut Criterion) {
    let mut g = c.benchmark_group("reassembly");

    let (stream, blocks) = block_stream();
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("block_decoder_1024_chunks", |b| {
        b.iter_batched_ref(
            BlockDecoder::default,
            |d| {
                let mut got = 0;
                for chunk in stream.chunks(MAX_DRW_DATA) {
                    d.push(chunk);
                    while let Some(block) = d.next_block() {
                        black_box(&block);
                        got += 1;
                    }
                }
                assert_eq!(got, blocks);
            },
            BatchSize::SmallInput,
        )
    });

    // 640×480 JPEGs of the emulator are about 40 KB; 30 of them per run.
    let frames = 30;
    let stream = av_stream(40_000, frames);
    g.throughput(Throughput::Bytes(stream.len() as u64));
    g.bench_function("frame_assembler_1024_chunks", |b| {
        b.iter_batched_ref(
            FrameAssembler::default,
            |a| {
                let mut got = 0;
                for chunk in stream.chunks(MAX_DRW_DATA) {
                    a.push(chunk);
                    while let Some(f) = a.next_frame() {
                        black_box(&f);
                        got += 1;
                    }
                }
                assert_eq!(got, frames);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_packet,
    bench_cipher,
    bench_psk_detect,
    bench_reassembly
);
criterion_main!(benches);
