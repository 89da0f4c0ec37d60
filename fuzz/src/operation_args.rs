//! `operation_args`: the typed operations' JSON arguments (`operation::Op::from_args`, what
//! `pppp_session_call`, Python and Java pass), planned in every dialect and SHIX family and
//! encoded as the controller sends them; and the JSON as a camera's reply to every reply kind.

use pppp::proto::command::{BlockDecoder, BlockKind};
use pppp::proto::dialect::Dialect;
use pppp::proto::operation::{self, Outcome, ReplyKind, OPERATIONS};
use pppp::proto::ops::{self, Op, PtzDirection, Wire};
use pppp::proto::{cgi, ilnk, shix};
use serde_json::Value;

use crate::Reader;

/// Encodes a planned request as the controller writes it on channel 0 (SHIX requests are
/// completed with the credentials first) and checks that it is one block of its dialect.
pub fn encode_wire(wire: &Wire, family: &shix::Family, user: &str, password: &str) {
    let (block, kind) = match wire {
        Wire::Shix(v) => match shix::complete_request(family, v.clone(), user, password) {
            Ok((obj, _)) => {
                let block = shix::encode_request(&obj);
                let back = one_block(&block, BlockKind::Shix);
                let parsed = shix::parse_reply(&back).expect("our request is JSON");
                assert_eq!(
                    parsed,
                    Value::Object(obj),
                    "the request changed on the wire"
                );
                return;
            }
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        },
        Wire::Cgi(r) => match r.encode(user, password) {
            Ok(b) => (b, BlockKind::Cgi),
            Err(e) => {
                let _ = e.to_string();
                return;
            }
        },
        Wire::Binary { cmd, payload } => {
            match ilnk::encode_command(*cmd, 0, [1, 2, 3, 4], payload) {
                Ok(b) => (b, BlockKind::Binary),
                Err(e) => {
                    let _ = e.to_string();
                    return;
                }
            }
        }
    };
    let payload = one_block(&block, kind);
    if let Wire::Cgi(r) = wire {
        let got = cgi::ReceivedRequest::parse(&payload).expect("our request parses");
        assert_eq!(got.name, r.name);
        // The credentials are the last two parameters unless the query names its own.
        let pairs = cgi::query_pairs(&r.params);
        assert_eq!(got.params[..pairs.len()], pairs[..]);
    }
}

/// Decodes `block` and returns the payload of the one block of `kind` it must hold.
fn one_block(block: &[u8], kind: BlockKind) -> Vec<u8> {
    let mut d = BlockDecoder::new(block.len().max(1));
    d.push(block);
    let b = d.next_block().expect("a whole block");
    assert_eq!(b.kind, kind);
    assert!(d.next_block().is_none(), "one block");
    b.payload
}

/// Plans `op` in every dialect (with every SHIX family, after and without a PTZ move) and
/// encodes every request. A dialect that plans it is one the operation table declares.
pub fn plan_everywhere(op: &Op, user: &str, password: &str) {
    for dialect in Dialect::ALL {
        for family in shix::FAMILIES {
            for last in [None, Some(PtzDirection::UpLeft)] {
                match ops::plan(op, dialect, family, last) {
                    Ok(reqs) => {
                        assert!(
                            op.spec().dialects.contains(&dialect),
                            "{op:?} planned in {dialect}, which the table does not list"
                        );
                        for r in &reqs {
                            encode_wire(&r.wire, family, user, password);
                        }
                    }
                    Err(e) => {
                        assert_eq!(e.dialect, dialect);
                        let _ = e.to_string();
                    }
                }
            }
        }
    }
}

/// Input: a selector byte, then JSON text. The selector names the operation (its binding or
/// Python name, from [`OPERATIONS`]); past the table, the name is the text's first line and
/// the JSON the rest. Checks: an operation that parses is the one named, re-parses from its
/// own `args()` unchanged, and plans and encodes without panicking; an error has a message;
/// the JSON as a reply of every kind gives a result or a refusal.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let sel = usize::from(r.u8());
    let Ok(text) = std::str::from_utf8(r.rest()) else {
        return;
    };
    let (name, json) = match OPERATIONS.get(sel / 2) {
        Some(s) if sel % 2 == 0 => (s.name, text),
        Some(s) => (s.python, text),
        None => text.split_once('\n').unwrap_or((text, "")),
    };
    let Ok(args) = serde_json::from_str::<Value>(json) else {
        return;
    };
    match Op::from_args(name, &args) {
        Ok(op) => {
            let spec = operation::spec(name).expect("a known name");
            assert_eq!(op.spec(), spec);
            assert_eq!(Op::from_args(name, &op.args()).as_ref(), Ok(&op));
            plan_everywhere(&op, "admin", "p w&=\"");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    for kind in [
        ReplyKind::Done,
        ReplyKind::Params,
        ReplyKind::WifiNetworks,
        ReplyKind::SdInfo,
    ] {
        match Outcome::from_reply(kind, args.clone()) {
            Ok(o) => {
                let j = o.to_json();
                assert_eq!(j.is_null(), kind == ReplyKind::Done);
            }
            Err(refusal) => {
                assert_ne!(refusal.result, 0);
                assert_eq!(refusal.reply, args);
            }
        }
    }
}
