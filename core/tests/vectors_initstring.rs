//! Init-string decoding against `tests/vectors/initstring.json` (docs/protocol.md §5.6).

use pppp::proto::initstring::{
    decode, decode_cs2_raw, decode_ilnk_raw, InitString, InitStringError, InitStyle, CS2_TABLE,
};
use proptest::prelude::*;
use serde_json::Value;

fn load() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/initstring.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn servers(list: &str, sep: char) -> Vec<String> {
    list.split(sep)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn cs2_table() {
    let doc = load();
    let table = hex::decode(doc["cs2"]["table_hex"].as_str().unwrap()).unwrap();
    assert_eq!(table, CS2_TABLE);
}

#[test]
fn cs2_vectors() {
    let doc = load();
    let vectors = doc["cs2"]["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for v in vectors {
        let encoded = v["encoded"].as_str().unwrap();
        let expected = v["decoded"].as_str().unwrap();
        let psk = v.get("psk").and_then(Value::as_str).map(str::to_owned);
        let before_colon = encoded.split(':').next().unwrap();
        assert_eq!(decode_cs2_raw(before_colon).unwrap(), expected);
        let want = InitString {
            servers: servers(expected, ','),
            psk,
            style: InitStyle::Cs2,
        };
        assert_eq!(decode(encoded).unwrap(), want, "{encoded}");
        // The JSON form of API 4.2+.
        let json = serde_json::json!({"InitString": encoded, "MaxNumSess": 5, "SessAliveSec": 6});
        assert_eq!(decode(&json.to_string()).unwrap(), want);
    }
    assert_eq!(
        decode(vectors[0]["encoded"].as_str().unwrap())
            .unwrap()
            .servers,
        ["127.0.0.1", "192.168.1.1", "10.0.0.1"]
    );
}

#[test]
fn ilnk_vectors() {
    let doc = load();
    let vectors = doc["ilnk"]["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 1);
    for v in vectors {
        let encoded = v["encoded"].as_str().unwrap();
        let expected = v["decoded"].as_str().unwrap();
        let before_dash = encoded.split('-').next().unwrap();
        assert_eq!(decode_ilnk_raw(before_dash).unwrap(), expected);
        let got = decode(encoded).unwrap();
        assert_eq!(got.style, InitStyle::Ilnk);
        assert_eq!(got.psk, None);
        assert_eq!(got.servers, servers(expected, ';')[1..]);
        assert_eq!(got.servers, ["127.0.0.1", "192.168.1.1", "10.0.0.1"]);
        let json = format!("{{\"InitString\":\"{encoded}\"}}");
        assert_eq!(decode(&json).unwrap(), got);
    }
}

#[test]
fn cs2_psk_may_contain_a_dash() {
    // The first separator decides the style: a CS2 string with the server PSK stays CS2.
    let encoded = "DRFTEOBOJWHSFQHQEVGNDQEXFRLZGKLUGSDUAIBXBOIULLKRDNAJDNOZHNKMJO";
    let got = decode(&format!("{encoded}:SSD@cs2-network.")).unwrap();
    assert_eq!(got.style, InitStyle::Cs2);
    assert_eq!(got.psk.as_deref(), Some("SSD@cs2-network."));
    assert_eq!(got.servers.len(), 3);
    // Surrounding whitespace and an empty PSK are tolerated.
    let got = decode(&format!("  {encoded}:\n")).unwrap();
    assert_eq!(got.psk, None);
}

#[test]
fn errors() {
    assert_eq!(decode(""), Err(InitStringError::Empty));
    assert_eq!(decode("   "), Err(InitStringError::Empty));
    assert_eq!(
        decode("ABC:camera"),
        Err(InitStringError::OddLength { len: 3 })
    );
    assert_eq!(decode("ABC-$$"), Err(InitStringError::OddLength { len: 3 }));
    assert_eq!(
        decode("ABcD"),
        Err(InitStringError::BadChar {
            ch: 'c',
            position: 2
        })
    );
    assert_eq!(
        decode("AB1D").unwrap_err().to_string(),
        "invalid character '1' at position 2 of the init string; the encoded part must be \
         capital letters A-Z"
    );
    assert_eq!(
        decode("ABCDE").unwrap_err().to_string(),
        "the encoded part of the init string has an odd length (5 letters); it must be pairs of \
         capital letters"
    );
    assert_eq!(
        decode("{\"Other\":1}"),
        Err(InitStringError::MissingJsonField)
    );
    assert_eq!(
        decode("{\"InitString\":5}"),
        Err(InitStringError::MissingJsonField)
    );
    assert!(matches!(
        decode("{\"InitString\":"),
        Err(InitStringError::Json(_))
    ));
    // "PP" gives x = 0xff, and 0xff ^ 0x49 ^ 0x39 = 0x8f is not text.
    assert!(matches!(
        decode("PP"),
        Err(InitStringError::NotText { position: 0, .. })
    ));
    assert!(matches!(
        decode("AAAA-$$"),
        Err(InitStringError::BadIlnkCount { .. })
    ));
}

proptest! {
    #[test]
    fn never_panics(s in "\\PC{0,80}") {
        let _ = decode(&s);
    }

    #[test]
    fn never_panics_on_letters(s in "[A-Z]{0,80}[:\\-]?[A-Za-z$]{0,4}") {
        let _ = decode(&s);
    }
}
