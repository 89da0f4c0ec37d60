//! Known PSKs, `PskChoice` parsing, candidate order and PSK detection (docs/protocol.md §5.3).

use pppp::proto::cipher::Cipher;
use pppp::proto::psk::{
    auto_candidates, detect, find, for_prefix, is_plain_prefix, is_valid_header, PskChoice,
    PskError, KNOWN_PSKS, PLAIN_PREFIXES,
};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    serde_json::from_str(&text).expect("valid JSON")
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("valid hex")
}

fn names(candidates: &[Cipher]) -> Vec<String> {
    candidates.iter().map(ToString::to_string).collect()
}

const ALL_IN_ORDER: [&str; 15] = [
    "camera",
    "SHIX",
    "@@@@....",
    "VMSV",
    "FERRY@88",
    "mycamera",
    "Deng123abc",
    "Duncom",
    "JX20130716",
    "hyWHzyhtzH",
    "JYDGAOZHANP2P",
    "SZGMBESTER",
    "vstarcam2018",
    "vstarcam2019",
    "SSD@cs2-network.",
];

#[test]
fn table_matches_cipher_json() {
    let doc = load("cipher.json");
    let psks = doc["psks"].as_array().unwrap();
    assert_eq!(KNOWN_PSKS.len(), psks.len());
    for entry in psks {
        let psk = entry["psk"].as_str().unwrap();
        let known = find(psk).unwrap_or_else(|| panic!("{psk} missing"));
        assert_eq!(known.psk, psk);
        let prefixes: Vec<&str> = entry["prefixes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(known.prefixes, prefixes.as_slice(), "prefixes of {psk}");
        assert!(!known.note.is_empty());
        for p in prefixes {
            assert_eq!(for_prefix(p), [psk], "for_prefix({p})");
            assert!(!is_plain_prefix(p));
        }
    }
    let order: Vec<&str> = KNOWN_PSKS.iter().map(|k| k.psk).collect();
    assert_eq!(order, ALL_IN_ORDER);
}

/// The "none" row of the PSK table (docs/protocol.md §5.3), written out here rather than
/// read from the library, so that the test checks the list instead of restating it.
const PLAIN_ROW: &str = "AES ASH BRTC BRTD CTW ESN EST GBE HWAA ICB IKB JWEV KBC LAM MATE MEYE \
    MIL OBJ OEMAAAA OEMAAAB OPCS PPCN PPCS PROCAM RTOS SPCN TSD VSTB VSTC WXH WXO XHA XLT ZSKJ";

#[test]
fn plain_prefixes() {
    let row: Vec<&str> = PLAIN_ROW.split_whitespace().collect();
    assert_eq!(row.len(), 34);
    assert_eq!(PLAIN_PREFIXES, row.as_slice());
    for p in &row {
        assert!(is_plain_prefix(p), "{p}");
        assert!(
            is_plain_prefix(&p.to_ascii_lowercase()),
            "{p} in lower case"
        );
        assert!(for_prefix(p).is_empty(), "{p} has a PSK");
        // Plain prefixes are exact, not families.
        assert!(!is_plain_prefix(&format!("{p}X")), "{p}X");
        assert!(!is_plain_prefix(&p[..p.len() - 1]), "{p} shortened");
    }
    // Every prefix with a PSK in the vector file is not plain.
    let doc = load("cipher.json");
    for entry in doc["psks"].as_array().unwrap() {
        for p in entry["prefixes"].as_array().unwrap() {
            assert!(!is_plain_prefix(p.as_str().unwrap()), "{p}");
        }
    }
    for p in ["DGOA", "VSTJ", "VE", "VEAB", "ZZZZ", "", "VST", " VSTC"] {
        assert!(!is_plain_prefix(p), "{p:?}");
    }
}

#[test]
fn prefix_lookup() {
    assert_eq!(for_prefix("DGOA"), ["camera"]);
    assert_eq!(for_prefix("dgok"), ["camera"]);
    assert_eq!(for_prefix("PETAA"), ["camera"]);
    assert_eq!(for_prefix("XIAODOU"), ["SHIX"]);
    // Family prefixes.
    assert_eq!(for_prefix("VE"), ["vstarcam2018"]);
    assert_eq!(for_prefix("VEAB"), ["vstarcam2018"]);
    assert_eq!(for_prefix("VSTJ"), ["vstarcam2019"]);
    assert_eq!(for_prefix("VSTJA"), ["vstarcam2019"]);
    assert_eq!(for_prefix("VC0"), ["vstarcam2019"]);
    // Not families: only exact matches.
    assert!(for_prefix("DGOAX").is_empty());
    assert!(for_prefix("DG").is_empty());
    assert!(for_prefix("VSTH").is_empty());
    assert!(for_prefix("ZZZZ").is_empty());
}

#[test]
fn find_is_case_insensitive_as_fallback() {
    assert_eq!(find("camera").unwrap().psk, "camera");
    assert_eq!(find("CAMERA").unwrap().psk, "camera");
    assert_eq!(find("shix").unwrap().psk, "SHIX");
    assert_eq!(find("ssd@CS2-NETWORK.").unwrap().psk, "SSD@cs2-network.");
    assert!(find("nope").is_none());
    assert!(find("").is_none());
}

#[test]
fn parse_choices() {
    assert_eq!(PskChoice::parse("auto"), Ok(PskChoice::Auto));
    assert_eq!(PskChoice::parse("AUTO"), Ok(PskChoice::Auto));
    for plain in ["", "none", "plain", "None", "PLAIN"] {
        assert_eq!(PskChoice::parse(plain), Ok(PskChoice::Plain), "{plain:?}");
    }
    assert_eq!(
        PskChoice::parse("camera"),
        Ok(PskChoice::Named("camera".into()))
    );
    assert_eq!(
        PskChoice::parse("Camera"),
        Ok(PskChoice::Named("camera".into()))
    );
    assert_eq!(
        PskChoice::parse("VSTARCAM2019"),
        Ok(PskChoice::Named("vstarcam2019".into()))
    );
    assert_eq!(
        PskChoice::parse("@@@@...."),
        Ok(PskChoice::Named("@@@@....".into()))
    );
    assert_eq!(
        PskChoice::parse("custom:MySecret:x"),
        Ok(PskChoice::Named("MySecret:x".into()))
    );
    assert_eq!(
        PskChoice::parse("custom:auto"),
        Ok(PskChoice::Named("auto".into()))
    );
    assert_eq!(PskChoice::parse("custom:"), Err(PskError::EmptyCustom));
    let via_from_str: PskChoice = "SHIX".parse().unwrap();
    assert_eq!(via_from_str, PskChoice::Named("SHIX".into()));
}

#[test]
fn unknown_psk_message() {
    let err = PskChoice::parse("xyz").unwrap_err();
    let known = ALL_IN_ORDER.join(", ");
    assert_eq!(
        err,
        PskError::Unknown {
            name: "xyz".into(),
            known: known.clone()
        }
    );
    assert_eq!(
        err.to_string(),
        format!("unknown PSK \"xyz\"; known PSKs: {known} (or use custom:<psk> for another one)")
    );
    assert!(err
        .to_string()
        .starts_with("unknown PSK \"xyz\"; known PSKs: camera, SHIX, @@@@...., VMSV,"));
}

#[test]
fn display_round_trips() {
    for choice in [
        PskChoice::Auto,
        PskChoice::Plain,
        PskChoice::Named("camera".into()),
        PskChoice::Named("SSD@cs2-network.".into()),
        PskChoice::Named("my own psk".into()),
        PskChoice::Named("none".into()),
        PskChoice::Named("auto".into()),
    ] {
        let text = choice.to_string();
        assert_eq!(PskChoice::parse(&text), Ok(choice.clone()), "{text}");
    }
    assert_eq!(PskChoice::Plain.to_string(), "none");
    assert_eq!(PskChoice::Named("x".into()).to_string(), "custom:x");
}

#[test]
fn choice_candidates() {
    assert_eq!(PskChoice::Plain.candidates(Some("DGOA")), [Cipher::plain()]);
    assert_eq!(
        PskChoice::Named("SHIX".into()).candidates(None),
        [Cipher::from_psk("SHIX")]
    );
    assert_eq!(
        PskChoice::Auto.candidates(Some("DGOA")),
        auto_candidates(Some("DGOA"))
    );
}

#[test]
fn candidates_for_dgoa() {
    let c = auto_candidates(Some("DGOA"));
    assert!(c[0].is_plain());
    let mut expected = vec!["plain".to_string()];
    expected.extend(ALL_IN_ORDER.iter().map(|s| s.to_string()));
    assert_eq!(names(&c), expected);
}

#[test]
fn candidates_for_plain_prefix_and_unknown_prefix() {
    let mut expected = vec!["plain".to_string()];
    expected.extend(ALL_IN_ORDER.iter().map(|s| s.to_string()));
    assert_eq!(names(&auto_candidates(Some("VSTC"))), expected);
    assert_eq!(names(&auto_candidates(Some("QQQQ"))), expected);
    assert_eq!(names(&auto_candidates(None)), expected);
}

#[test]
fn candidates_put_the_prefix_psk_second() {
    for (prefix, psk) in [
        ("VEAA", "vstarcam2018"),
        ("VSTJ", "vstarcam2019"),
        ("XGAK", "SZGMBESTER"),
        ("ACCQ", "@@@@...."),
    ] {
        let c = names(&auto_candidates(Some(prefix)));
        assert_eq!(c.len(), 16, "{prefix}: {c:?}");
        assert_eq!(c[0], "plain");
        assert_eq!(c[1], psk);
        assert_eq!(c[15], "SSD@cs2-network.");
        let mut dedup = c.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), 16, "duplicates in {c:?}");
    }
}

#[test]
fn valid_headers() {
    assert!(is_valid_header(&hex::decode("f1300000").unwrap()));
    assert!(is_valid_header(&hex::decode("f1f90000").unwrap()));
    assert!(is_valid_header(
        &hex::decode("f1d10006d10000010000").unwrap()
    ));
    // Surplus bytes are fine, a length beyond the datagram is not.
    assert!(is_valid_header(&hex::decode("f1e0000000000000").unwrap()));
    assert!(!is_valid_header(
        &hex::decode("f1d10007d10000010000").unwrap()
    ));
    // Wrong magic, unknown types, too short.
    assert!(!is_valid_header(&hex::decode("f2300000").unwrap()));
    for t in [
        0x04u8, 0x17, 0x22, 0x34, 0x44, 0x64, 0x6b, 0x76, 0x86, 0x95, 0xd2, 0xf1, 0xff,
    ] {
        assert!(!is_valid_header(&[0xf1, t, 0, 0]), "type {t:#04x}");
    }
    assert!(!is_valid_header(&[0xf1, 0x30, 0]));
    assert!(!is_valid_header(&[]));
}

#[test]
fn detect_encrypted_vectors() {
    let doc = load("cipher.json");
    let mut checked = 0;
    for entry in doc["psks"].as_array().unwrap() {
        let psk = entry["psk"].as_str().unwrap();
        let own_prefix = entry["prefixes"][0].as_str();
        for v in entry["vectors"].as_array().unwrap() {
            let name = v["name"].as_str().unwrap();
            let plain = unhex(&v["plain_hex"]);
            let wire = unhex(&v["cipher_hex"]);
            for prefix in [own_prefix, None, Some("VSTC"), Some("DGOA")] {
                let candidates = auto_candidates(prefix);
                let (i, decrypted) = detect(&wire, &candidates)
                    .unwrap_or_else(|| panic!("{psk}: {name} not detected"));
                assert_eq!(
                    candidates[i].name(),
                    Some(psk),
                    "{psk}: {name} ({prefix:?})"
                );
                assert_eq!(decrypted, plain, "{psk}: {name}");
            }
            if name.starts_with("LAN_SEARCH") || name.starts_with("PUNCH_PKT") {
                checked += 1;
            }
        }
    }
    assert!(checked >= 16);
}

#[test]
fn detect_packets_json() {
    let doc = load("packets.json");
    let candidates = auto_candidates(None);
    for p in doc["packets"].as_array().unwrap() {
        let name = p["name"].as_str().unwrap();
        if p["complete"] == Value::Bool(false) {
            continue;
        }
        let wire = unhex(&p["hex"]);
        let (i, decrypted) =
            detect(&wire, &candidates).unwrap_or_else(|| panic!("{name} not detected"));
        match p["psk"].as_str() {
            None => {
                assert_eq!(i, 0, "{name} should be plain");
                assert!(candidates[i].is_plain());
                assert_eq!(decrypted, wire);
            }
            Some(psk) => {
                assert_eq!(candidates[i].name(), Some(psk), "{name}");
                assert_eq!(decrypted, unhex(&p["decoded"]["plain_hex"]), "{name}");
            }
        }
    }
}

#[test]
fn detect_rejects_garbage() {
    let candidates = auto_candidates(None);
    assert_eq!(detect(&[], &candidates), None);
    assert_eq!(detect(&[0xf1, 0x30], &candidates), None);
    assert_eq!(detect(&[0xf1, 0x30, 0, 0], &[]), None);
    // A header whose length field exceeds the datagram is rejected under every key.
    assert_eq!(
        detect(&hex::decode("f13000ff").unwrap(), &[Cipher::plain()]),
        None
    );
    // Only the matching candidate list entry is returned.
    let shix = Cipher::from_psk("SHIX");
    let wire = shix.seal(&hex::decode("f1300000").unwrap());
    assert_eq!(
        detect(&wire, &[Cipher::plain(), Cipher::from_psk("camera")]),
        None
    );
    assert_eq!(
        detect(&wire, &[Cipher::plain(), shix]).map(|(i, _)| i),
        Some(1)
    );
}
