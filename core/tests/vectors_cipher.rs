//! The datagram cipher against `tests/vectors/cipher.json` (docs/protocol.md §5.1–5.3).

use pppp::proto::cipher::{Cipher, Key, TABLE};
use serde_json::Value;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/cipher.json");
    let text = std::fs::read_to_string(path).expect("read cipher.json");
    serde_json::from_str(&text).expect("parse cipher.json")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn key_of(v: &Value) -> [u8; 4] {
    unhex(v).try_into().expect("4-byte key")
}

#[test]
fn table_matches() {
    let doc = load();
    assert_eq!(unhex(&doc["table_hex"]), TABLE);
}

#[test]
fn keys_match() {
    let doc = load();
    let psks = doc["psks"].as_array().unwrap();
    assert_eq!(psks.len(), 15);
    for entry in psks {
        let psk = entry["psk"].as_str().unwrap();
        assert_eq!(unhex(&entry["psk_hex"]), psk.as_bytes());
        let expected = Key::from_bytes(key_of(&entry["key_hex"]));
        assert_eq!(Key::derive(psk.as_bytes()), Some(expected), "key of {psk}");
        let cipher = Cipher::from_psk(psk);
        assert_eq!(cipher.key(), Some(expected));
        assert_eq!(cipher.name(), Some(psk));
        assert!(!cipher.is_plain());
        assert_eq!(cipher.to_string(), psk);
    }
}

#[test]
fn vectors_both_directions() {
    let doc = load();
    let mut count = 0;
    for entry in doc["psks"].as_array().unwrap() {
        let psk = entry["psk"].as_str().unwrap();
        let key = Key::derive(psk.as_bytes()).unwrap();
        let cipher = Cipher::from_psk(psk);
        for v in entry["vectors"].as_array().unwrap() {
            let name = v["name"].as_str().unwrap();
            let plain = unhex(&v["plain_hex"]);
            let wire = unhex(&v["cipher_hex"]);

            assert_eq!(key.encrypt_vec(&plain), wire, "{psk}: encrypt {name}");
            assert_eq!(key.decrypt_vec(&wire), plain, "{psk}: decrypt {name}");

            let mut buf = plain.clone();
            cipher.encrypt(&mut buf);
            assert_eq!(buf, wire, "{psk}: Cipher::encrypt {name}");
            cipher.decrypt(&mut buf);
            assert_eq!(buf, plain, "{psk}: Cipher::decrypt {name}");
            assert_eq!(cipher.seal(&plain), wire, "{psk}: seal {name}");
            assert_eq!(cipher.open(&wire), plain, "{psk}: open {name}");
            count += 1;
        }
    }
    assert!(count >= 100, "only {count} vectors");
}

#[test]
fn edge_cases() {
    let doc = load();
    let cases = doc["edge_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let psk = case["psk"].as_str().unwrap();
        if let Some(key_hex) = case.get("key_hex") {
            // Only the first 20 bytes count.
            let key = Key::from_bytes(key_of(key_hex));
            assert_eq!(Key::derive(psk.as_bytes()), Some(key));
            let same = case["same_key_as_psk"].as_str().unwrap();
            assert_eq!(Key::derive(same.as_bytes()), Some(key));
            assert_eq!(key_of(&case["same_key_hex"]), key.bytes());
            assert_eq!(Cipher::from_psk(psk).key(), Cipher::from_psk(same).key());
        } else if let Some(wire) = case.get("wire_hex") {
            // Empty PSK: no encryption.
            assert_eq!(Key::derive(psk.as_bytes()), None);
            let cipher = Cipher::from_psk(psk);
            assert!(cipher.is_plain());
            assert_eq!(cipher, Cipher::plain());
            assert_eq!(cipher.name(), None);
            assert_eq!(cipher.to_string(), "plain");
            let plain = unhex(&case["plain_hex"]);
            assert_eq!(cipher.seal(&plain), unhex(wire));
            assert_eq!(cipher.open(&unhex(wire)), plain);
        } else {
            // Empty datagram.
            let key = Key::derive(psk.as_bytes()).unwrap();
            let plain = unhex(&case["plain_hex"]);
            let wire = unhex(&case["cipher_hex"]);
            assert!(plain.is_empty() && wire.is_empty());
            assert_eq!(key.encrypt_vec(&plain), wire);
            assert_eq!(key.decrypt_vec(&wire), plain);
        }
    }
}

#[test]
fn unverified_is_empty() {
    assert_eq!(load()["unverified"].as_array().map(Vec::len), Some(0));
}

/// Every `(psk, plaintext, ciphertext)` triple of the file.
fn all_vectors(doc: &Value) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    doc["psks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|entry| {
            let psk = entry["psk"].as_str().unwrap().to_owned();
            entry["vectors"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |v| (psk.clone(), unhex(&v["plain_hex"]), unhex(&v["cipher_hex"])))
        })
        .collect()
}

#[test]
fn the_state_starts_afresh_with_every_datagram() {
    // One key for every vector of its PSK, in reverse order this time: each datagram still
    // gives the file's ciphertext, whatever was encrypted or decrypted before it.
    let doc = load();
    let vectors = all_vectors(&doc);
    for (psk, plain, wire) in vectors.iter().rev() {
        let key = Key::derive(psk.as_bytes()).unwrap();
        let mut buf = wire.clone();
        key.decrypt(&mut buf);
        assert_eq!(&buf, plain, "{psk}");
        key.encrypt(&mut buf);
        assert_eq!(&buf, wire, "{psk}");
    }
}

#[test]
fn each_byte_depends_only_on_the_bytes_before_it() {
    // Ciphertext feedback: the first n bytes of a vector encrypt to the first n bytes of its
    // ciphertext, and the bytes after them do not change those.
    let doc = load();
    for (psk, plain, wire) in all_vectors(&doc) {
        let key = Key::derive(psk.as_bytes()).unwrap();
        for n in 0..=plain.len() {
            assert_eq!(key.encrypt_vec(&plain[..n]), wire[..n], "{psk}: {n} bytes");
            assert_eq!(key.decrypt_vec(&wire[..n]), plain[..n], "{psk}: {n} bytes");
        }
    }
}

#[test]
fn a_long_datagram_starts_with_the_vector_it_starts_with() {
    // The longest vector, followed by 1300 more bytes: a 1.5 kB datagram whose start is known.
    let doc = load();
    let (psk, plain, wire) = all_vectors(&doc)
        .into_iter()
        .max_by_key(|(_, p, _)| p.len())
        .unwrap();
    assert!(plain.len() >= 180, "{psk}: {} bytes", plain.len());
    let key = Key::derive(psk.as_bytes()).unwrap();
    let mut data = plain.clone();
    data.extend((0..=255u8).cycle().take(1300));
    let sealed = key.encrypt_vec(&data);
    assert_eq!(sealed[..wire.len()], wire[..]);
    assert_ne!(
        sealed[wire.len()..],
        data[wire.len()..],
        "the tail is enciphered too"
    );
    assert_eq!(key.decrypt_vec(&sealed), data);
}
