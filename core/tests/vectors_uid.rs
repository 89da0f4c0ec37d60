//! UID text and wire forms against `tests/vectors/uid.json` (docs/protocol.md §2.1).

use pppp::proto::uid::{Uid, UidError};
use proptest::prelude::*;
use serde_json::Value;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/uid.json");
    let text = std::fs::read_to_string(path).expect("read uid.json");
    serde_json::from_str(&text).expect("parse uid.json")
}

fn entries<'a>(doc: &'a Value, key: &str) -> &'a Vec<Value> {
    doc[key].as_array().unwrap_or_else(|| panic!("{key} list"))
}

/// Checks a parsed UID against a `valid` / `lenient` entry.
fn check_entry(uid: &Uid, e: &Value) {
    let input = e["uid"].as_str().unwrap();
    assert_eq!(uid.prefix(), e["prefix"].as_str().unwrap(), "{input:?}");
    assert_eq!(
        u64::from(uid.serial()),
        e["serial"].as_u64().unwrap(),
        "{input:?}"
    );
    assert_eq!(uid.check(), e["check"].as_str().unwrap(), "{input:?}");
    assert_eq!(
        uid.to_string(),
        e["canonical"].as_str().unwrap(),
        "{input:?}"
    );
    assert_eq!(
        hex::encode(uid.to_wire()),
        e["wire_hex"].as_str().unwrap(),
        "{input:?}"
    );
    let wire = hex::decode(e["wire_hex"].as_str().unwrap()).unwrap();
    assert_eq!(Uid::from_wire(&wire).as_ref(), Ok(uid), "{input:?}");
    assert_eq!(
        Uid::new(uid.prefix(), uid.serial(), uid.check()).as_ref(),
        Ok(uid)
    );
}

#[test]
fn valid() {
    let doc = load();
    let list = entries(&doc, "valid");
    assert_eq!(list.len(), 10);
    for e in list {
        let input = e["uid"].as_str().unwrap();
        let strict = Uid::parse_strict(input).unwrap_or_else(|err| panic!("{err}"));
        let lenient = Uid::parse(input).unwrap_or_else(|err| panic!("{err}"));
        let via_from_str: Uid = input.parse().unwrap();
        assert_eq!(strict, lenient);
        assert_eq!(strict, via_from_str);
        check_entry(&strict, e);
        assert_eq!(strict.to_string(), input);
    }
}

#[test]
fn lenient() {
    let doc = load();
    let list = entries(&doc, "lenient");
    assert_eq!(list.len(), 7);
    for e in list {
        let input = e["uid"].as_str().unwrap();
        let uid = Uid::parse(input).unwrap_or_else(|err| panic!("{err}"));
        check_entry(&uid, e);
        let canonical = e["canonical"].as_str().unwrap();
        if input == canonical {
            // Serials above 999999 print with more than 6 digits, so these inputs are already
            // canonical and the strict parser must accept what Display produces.
            assert_eq!(Uid::parse_strict(input).as_ref(), Ok(&uid), "{input:?}");
        } else {
            let err = Uid::parse_strict(input).expect_err(input);
            assert!(!err.to_string().is_empty());
            assert_eq!(Uid::parse_strict(canonical).as_ref(), Ok(&uid));
        }
    }
}

#[test]
fn invalid() {
    let doc = load();
    let list = entries(&doc, "invalid");
    assert_eq!(list.len(), 16);
    for e in list {
        let input = e["uid"].as_str().unwrap();
        let code = e["reason_code"].as_str().unwrap();
        let err = Uid::parse(input).expect_err(input);
        assert_eq!(err.code(), code, "{input:?}: {err}");
        let strict = Uid::parse_strict(input).expect_err(input);
        if input.contains('-') {
            assert_eq!(strict.code(), code, "strict {input:?}: {strict}");
        } else if input.is_ascii() {
            // The strict parser requires dashes.
            assert_eq!(strict.code(), "bad_part_count", "strict {input:?}");
        }
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("invalid UID {input:?}: ")),
            "{message}"
        );
    }
}

#[test]
fn error_messages() {
    let cases = [
        (
            "AB1D-123456-EFGHJ",
            "invalid UID \"AB1D-123456-EFGHJ\": the prefix must be 1-7 letters A-Z",
        ),
        (
            "ABCDEFGH-123456-EFGHJ",
            "invalid UID \"ABCDEFGH-123456-EFGHJ\": the prefix must be 1-7 letters A-Z, got 8 characters",
        ),
        (
            "ABCD-123456",
            "invalid UID \"ABCD-123456\": expected PREFIX-SERIAL-CHECK (3 dash-separated parts), got 2",
        ),
        (
            "ABCD-4294967296-EFGHJ",
            "invalid UID \"ABCD-4294967296-EFGHJ\": the serial does not fit in 32 bits (at most 4294967295)",
        ),
    ];
    for (input, message) in cases {
        assert_eq!(Uid::parse(input).unwrap_err().to_string(), message);
    }
}

#[test]
fn strict_rejections() {
    for (input, code) in [
        ("BATD156362WONJM", "bad_part_count"),
        ("batd-156362-WONJM", "bad_prefix_chars"),
        ("BATD-156362-wonjm", "bad_check_chars"),
        (" BATD-156362-WONJM", "bad_prefix_chars"),
        ("BATD-156362-WONJM\n", "bad_check_chars"),
        ("XHA-994-KMMEB", "bad_serial_width"),
        ("XHA-0000994-KMMEB", "bad_serial_width"),
        ("ABCD-01234567-EFGHJ", "bad_serial_width"),
    ] {
        assert_eq!(
            Uid::parse_strict(input).unwrap_err().code(),
            code,
            "{input:?}"
        );
    }
}

#[test]
fn new_validates() {
    assert_eq!(
        Uid::new("", 1, "ABCDE").unwrap_err().code(),
        "bad_prefix_length"
    );
    assert_eq!(
        Uid::new("dgoa", 1, "ABCDE").unwrap_err().code(),
        "bad_prefix_chars"
    );
    assert_eq!(
        Uid::new("DGOA", 1, "ABCDEFGH").unwrap_err().code(),
        "bad_check_length"
    );
    assert_eq!(
        Uid::new("DGOA", 1, "ABC-E").unwrap_err().code(),
        "bad_check_chars"
    );
    assert_eq!(
        Uid::new("DGOA", 1, "ÄBCDE").unwrap_err().code(),
        "bad_check_chars"
    );
}

#[test]
fn from_wire_packets() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/packets.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut seen = 0;
    for p in doc["packets"].as_array().unwrap() {
        let Some(did) = p["decoded"].get("did") else {
            continue;
        };
        let payload = hex::decode(p["decoded"]["payload_hex"].as_str().unwrap()).unwrap();
        let uid = Uid::from_wire(&payload).unwrap();
        assert_eq!(uid.prefix(), did["prefix"].as_str().unwrap());
        assert_eq!(u64::from(uid.serial()), did["serial"].as_u64().unwrap());
        assert_eq!(uid.check(), did["check"].as_str().unwrap());
        assert_eq!(uid.to_string(), did["text"].as_str().unwrap());
        seen += 1;
    }
    assert!(seen >= 5);
}

#[test]
fn from_wire_errors() {
    let good = Uid::parse("BATD-156362-WONJM").unwrap().to_wire();
    assert_eq!(
        Uid::from_wire(&good[..19]).unwrap_err(),
        UidError::BadWire {
            reason: "a DID needs 20 bytes, got 19".into()
        }
    );
    // Lower case is accepted and upper-cased; bytes after the first NUL are ignored.
    let mut lower = good;
    lower[0] = b'b';
    lower[14] = b'n';
    lower[5] = 0x55;
    assert_eq!(
        Uid::from_wire(&lower).unwrap().to_string(),
        "BATD-156362-WONJM"
    );
    // Extra bytes beyond 20 are ignored.
    let mut long = good.to_vec();
    long.extend_from_slice(&[0xff; 8]);
    assert_eq!(
        Uid::from_wire(&long).unwrap().to_string(),
        "BATD-156362-WONJM"
    );

    let mut digit = good;
    digit[1] = b'1';
    let err = Uid::from_wire(&digit).unwrap_err();
    assert_eq!(err.code(), "bad_wire");
    assert_eq!(
        err.to_string(),
        "invalid DID on the wire: the prefix field contains byte 0x31, not a letter A-Z"
    );
    let mut no_nul = good;
    no_nul[..8].copy_from_slice(b"ABCDEFGH");
    assert_eq!(Uid::from_wire(&no_nul).unwrap_err().code(), "bad_wire");
    let mut empty_check = good;
    empty_check[12] = 0;
    assert_eq!(Uid::from_wire(&empty_check).unwrap_err().code(), "bad_wire");
    assert_eq!(Uid::from_wire(&[0; 20]).unwrap_err().code(), "bad_wire");
}

#[test]
fn serde_as_string() {
    let uid = Uid::parse("XHA-000994-KMMEB").unwrap();
    assert_eq!(serde_json::to_string(&uid).unwrap(), "\"XHA-000994-KMMEB\"");
    let back: Uid = serde_json::from_str("\"xha994kmmeb\"").unwrap();
    assert_eq!(back, uid);
    let err = serde_json::from_str::<Uid>("\"AB1D-123456-EFGHJ\"").unwrap_err();
    assert!(
        err.to_string().contains("prefix must be 1-7 letters"),
        "{err}"
    );
}

fn letters() -> impl Strategy<Value = String> {
    "[A-Z]{1,7}"
}

proptest! {
    #[test]
    fn from_wire_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..40)) {
        if let Ok(uid) = Uid::from_wire(&bytes) {
            // Whatever is accepted prints canonically and re-encodes to the same DID up to case
            // and the bytes after the NULs.
            let again = Uid::parse_strict(&uid.to_string()).unwrap();
            prop_assert_eq!(&again, &uid);
            prop_assert_eq!(Uid::from_wire(&uid.to_wire()).unwrap(), uid);
        }
    }

    #[test]
    fn parse_never_panics(s in "\\PC{0,40}") {
        let _ = Uid::parse(&s);
        let _ = Uid::parse_strict(&s);
    }

    #[test]
    fn parse_never_panics_near_misses(s in "[A-Za-z0-9 +\\-]{0,30}") {
        if let Ok(uid) = Uid::parse(&s) {
            prop_assert_eq!(Uid::parse_strict(&uid.to_string()).unwrap(), uid);
        }
    }

    #[test]
    fn new_round_trips(prefix in letters(), serial in any::<u32>(), check in letters()) {
        let uid = Uid::new(&prefix, serial, &check).unwrap();
        prop_assert_eq!(Uid::from_wire(&uid.to_wire()).unwrap(), uid.clone());
        let text = uid.to_string();
        prop_assert_eq!(Uid::parse_strict(&text).unwrap(), uid.clone());
        prop_assert_eq!(Uid::parse(&text).unwrap(), uid.clone());
        let compact = format!("{prefix}{serial}{check}");
        prop_assert_eq!(Uid::parse(&compact.to_lowercase()).unwrap(), uid);
    }
}
