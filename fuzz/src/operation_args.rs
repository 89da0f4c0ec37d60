//! `operation_args`: the typed operations' JSON arguments (`operation::Op::from_args`, what
//! `pppp_session_call`, Python and Java pass), planned in every dialect and SHIX family
//! (`DialectRules::plan`, as the controller sends them); and the JSON as a camera's reply of
//! every dialect to every reply kind.

use pppp::proto::cgi::{self, CgiRequest, ReceivedRequest};
use pppp::proto::command::{Block, BlockDecoder};
use pppp::proto::dialect::cgi::Cgi;
use pppp::proto::dialect::shix::Shix;
use pppp::proto::dialect::{Context, Dialect, Reply, WireRequest};
use pppp::proto::ilnk::{self, BinaryBlock};
use pppp::proto::operation::{self, Outcome, Refusal, ReplyKind, OPERATIONS};
use pppp::proto::ops::{Op, PtzDirection};
use pppp::proto::shix;
use serde_json::Value;

use crate::Reader;

/// The session ticket the plans are made with (iLnk requests carry it).
const TICKET: [u8; 4] = [1, 2, 3, 4];

/// Decodes `bytes` with a [`BlockDecoder`] and returns the one block of `dialect` they must
/// hold.
fn one_block(bytes: &[u8], dialect: Dialect) -> Block {
    let mut d = BlockDecoder::new(bytes.len().max(1));
    d.push(bytes);
    let b = d.next_block().expect("a whole block");
    assert_eq!(b.kind, dialect);
    assert!(d.next_block().is_none(), "one block");
    b
}

/// The four credential parameters a CGI request ends with.
fn cgi_credentials(user: &str, password: &str) -> Vec<(String, String)> {
    [
        ("loginuse", user),
        ("loginpas", password),
        ("user", user),
        ("pwd", password),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .to_vec()
}

/// Checks a request a dialect encoded (a planned operation or a login) as the camera reads
/// it: one block of `dialect`; a SHIX request is JSON with the command number its reply is
/// expected under and the credentials of `cx`; a CGI request parses, is named as its reply
/// is expected, and ends with the credentials of `cx` (its own parameters come before them);
/// an iLnk request is answered by the ACK its reply is expected under and carries the
/// session ticket (a login: none, and the credentials in its payload). Returns the request
/// as the camera reads it (JSON for SHIX, the parameters for CGI, the block for binary).
pub fn check_request(dialect: Dialect, w: &WireRequest, cx: &Context<'_>, login: bool) -> Value {
    let b = one_block(&w.block, dialect);
    match dialect {
        Dialect::Shix => {
            let v = shix::parse_reply(&b.payload).expect("our request is JSON");
            assert_eq!(w.expect.key, v["cmd"].as_i64(), "{v}");
            assert!(v["pro"].is_string(), "{v}");
            assert_eq!(v["user"], cx.user);
            assert_eq!(v["pwd"], cx.password);
            v
        }
        Dialect::Cgi => {
            let got = ReceivedRequest::parse(&b.payload).expect("our request parses");
            assert_eq!(w.expect.name.as_deref(), Some(got.name.as_str()));
            let creds = cgi_credentials(cx.user, cx.password);
            let n = got.params.len();
            assert!(n >= creds.len(), "{got:?}");
            assert_eq!(got.params[n - creds.len()..], creds[..]);
            let own = &got.params[..n - creds.len()];
            assert!(
                !own.iter().any(|(k, _)| creds.iter().any(|(c, _)| c == k)),
                "{got:?}"
            );
            assert_eq!(
                w.expect.key,
                cgi::response_code(&got.name).map(i64::from),
                "{got:?}"
            );
            Value::from(
                own.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>(),
            )
        }
        Dialect::Binary => {
            let bb = BinaryBlock::decode(&b).expect("our block decodes");
            assert_eq!(w.expect.key, Some(i64::from(ilnk::ack(bb.cmd))));
            if login {
                assert_eq!(bb.ticket, [0; 4]);
                assert_eq!(
                    bb.payload,
                    ilnk::login_payload(cx.user, cx.password).unwrap()
                );
            } else {
                assert_eq!((bb.dest, bb.ticket), (0, cx.ticket));
            }
            bb.to_value()
        }
    }
}

/// Encodes a raw SHIX command (`pppp_session_command`) as the controller does
/// (`Shix::request`) and checks it reaches the wire unchanged: one SHIX block holding the
/// JSON as given, completed with the command number, name and credentials it lacked.
pub fn shix_command(v: &Value, family: &'static shix::Family, user: &str, password: &str) {
    let cx = Context {
        user,
        password,
        ..Context::sessionless(family)
    };
    match Shix::request(&cx, v.clone(), false) {
        Ok(w) => {
            let (obj, cmd) = shix::complete_request(family, v.clone(), user, password)
                .expect("the controller completed it");
            assert_eq!(w.expect.key, Some(cmd));
            let back = shix::parse_reply(&one_block(&w.block, Dialect::Shix).payload)
                .expect("our request is JSON");
            assert_eq!(back, Value::Object(obj), "the request changed on the wire");
            for (k, x) in v.as_object().expect("an object") {
                if k != "cmd" || x.is_i64() {
                    assert_eq!(&back[k], x, "{k} changed on the wire");
                }
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Encodes a raw CGI request (`pppp_session_cgi`) as the controller does (`Cgi::request`)
/// and checks the camera reads it as given: one CGI block, the same name, its parameters
/// first and unchanged, then the credentials (unless the query names its own `loginuse` or
/// `user`).
pub fn cgi_request(r: &CgiRequest, user: &str, password: &str) {
    let cx = Context {
        user,
        password,
        ..Context::sessionless(&shix::VI365)
    };
    match Cgi::request(&cx, r, false) {
        Ok(w) => {
            let b = one_block(&w.block, Dialect::Cgi);
            let got = ReceivedRequest::parse(&b.payload).expect("our request parses");
            assert_eq!(got.name, r.name);
            assert_eq!(w.expect.name.as_deref(), Some(r.name.as_str()));
            assert_eq!(w.expect.key, r.response_code().map(i64::from));
            let pairs = cgi::query_pairs(&r.params);
            let (own, added) = got.params.split_at(pairs.len());
            assert_eq!(own, &pairs[..]);
            let named = pairs.iter().any(|(k, _)| k == "loginuse" || k == "user");
            if named {
                assert!(added.is_empty(), "{got:?}");
            } else {
                assert_eq!(added, &cgi_credentials(user, password)[..]);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

/// Plans `op` in every dialect (with every SHIX family, after and without a PTZ move) and
/// checks every request ([`check_request`]); logs in with the same credentials. A dialect
/// that plans it is one [`operation::OpSpec::dialects`] lists; SHIX `set_params` fields
/// reach the wire unchanged.
pub fn plan_everywhere(op: &Op, user: &str, password: &str) {
    let listed = op.spec().dialects();
    for dialect in Dialect::ALL {
        for family in shix::FAMILIES {
            for last_ptz in [None, Some(PtzDirection::UpLeft)] {
                let cx = Context {
                    family,
                    user,
                    password,
                    ticket: TICKET,
                    last_ptz,
                };
                match dialect.rules().plan(op, &cx) {
                    Ok(reqs) => {
                        assert!(
                            listed.contains(&dialect),
                            "{op:?} planned in {dialect}, which the table does not list"
                        );
                        assert!(!reqs.is_empty());
                        for r in &reqs {
                            let sent = check_request(dialect, r, &cx, false);
                            if let (Dialect::Shix, Op::SetParams(fields)) = (dialect, op) {
                                for (k, v) in fields {
                                    if !["pro", "cmd", "user", "pwd"].contains(&k.as_str()) {
                                        assert_eq!(&sent[k], v, "{k} changed on the wire");
                                    }
                                }
                            }
                        }
                    }
                    Err(e) => assert!(!e.to_string().is_empty()),
                }
                if last_ptz.is_none() {
                    match dialect.rules().login(&cx) {
                        Ok(w) => {
                            check_request(dialect, &w, &cx, true);
                        }
                        Err(e) => assert!(!e.to_string().is_empty()),
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
/// the JSON as a reply of every kind and dialect gives a result or a refusal (with a
/// non-zero result, credential refusals as the dialect says), the same as its JSON form.
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
        for dialect in Dialect::ALL {
            match Outcome::from_reply(kind, Reply::new(dialect, args.clone())) {
                Ok(o) => {
                    let j = o.to_json();
                    assert_eq!(j.is_null(), kind == ReplyKind::Done);
                }
                Err(refusal) => {
                    assert_ne!(refusal.result, 0);
                    assert_eq!(refusal.reply, args);
                    assert_eq!(
                        refusal.credentials,
                        dialect.rules().refuses_credentials(refusal.result)
                    );
                }
            }
        }
    }
    // The JSON form (whatever its `dialect` tag) is a refusal exactly when a typed reply is.
    let typed = Refusal::check(Reply::new(Dialect::Cgi, args.clone()));
    match (Refusal::check_json(args.clone()), typed) {
        (Ok(v), Ok(r)) => assert_eq!(&v, r.json()),
        (Err(a), Err(b)) => assert_eq!((a.result, a.reply), (b.result, b.reply)),
        (a, b) => panic!("check_json {a:?} but check {b:?}"),
    }
}
