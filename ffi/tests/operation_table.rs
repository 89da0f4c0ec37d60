//! The committed C header and core's operation table agree: every operation has its
//! `pppp_session_<name>` function, whose parameters are the table's arguments in order (a
//! JSON argument carries `_json`), with one `char **…_json` out-parameter exactly when the
//! operation has a result; and the generic `pppp_session_call` is declared.

use std::path::Path;

use pppp::proto::operation::{ArgKind, ReplyKind, OPERATIONS};

/// One parameter of a C declaration: its type and its name.
#[derive(Debug)]
struct Param {
    ty: String,
    name: String,
}

fn header() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../include/pppp.h");
    std::fs::read_to_string(&path).expect("read include/pppp.h")
}

/// The parameters of the function `name` declared in `h`, or `None` when it is not declared.
fn declaration(h: &str, name: &str) -> Option<Vec<Param>> {
    let start = h.find(&format!(" {name}("))? + name.len() + 2;
    let end = start + h[start..].find(')')?;
    let params = h[start..end]
        .split(',')
        .map(|p| {
            let p = p.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut = p.rfind([' ', '*']).expect("type and name") + 1;
            Param {
                ty: p[..cut].trim().to_owned(),
                name: p[cut..].to_owned(),
            }
        })
        .collect();
    Some(params)
}

#[test]
fn every_operation_has_its_c_function_with_the_tables_arguments() {
    let h = header();
    for s in OPERATIONS {
        let f = format!("pppp_session_{}", s.name);
        let params = declaration(&h, &f).unwrap_or_else(|| panic!("{f} is not in pppp.h"));
        assert_eq!(
            params[0].ty, "const struct pppp_session *",
            "{f}: the session first"
        );
        let (outs, ins): (Vec<_>, Vec<_>) = params[1..].iter().partition(|p| p.ty == "char **");
        let names: Vec<&str> = ins.iter().map(|p| p.name.as_str()).collect();
        let expected: Vec<String> = s
            .args
            .iter()
            .map(|a| match a.kind {
                ArgKind::Fields => format!("{}_json", a.name),
                _ => a.name.to_owned(),
            })
            .collect();
        assert!(
            names.len() <= expected.len() && names.iter().zip(&expected).all(|(n, e)| n == e),
            "{f}{names:?}: the table's arguments are {expected:?}"
        );
        assert!(
            s.args[names.len()..].iter().all(|a| !a.required),
            "{f}{names:?} leaves out a required argument of {expected:?}"
        );
        let has_result = s.reply != ReplyKind::Done;
        assert_eq!(
            outs.len(),
            usize::from(has_result),
            "{f}: one JSON out-parameter exactly when the operation has a result"
        );
        assert!(
            outs.iter().all(|p| p.name.ends_with("_json")),
            "{f}: {outs:?}"
        );
    }
}

#[test]
fn the_generic_call_is_declared_and_documented() {
    let h = header();
    let params = declaration(&h, "pppp_session_call").expect("pppp_session_call in pppp.h");
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["session", "name", "args_json", "result_json"]);
    let at = h.find(" pppp_session_call(").expect("declared");
    let doc = &h[h[..at].rfind("/**").expect("documented")..at];
    assert!(doc.contains("operation table"), "{doc}");
}

#[test]
fn the_reader_of_declarations_reads_them() {
    let h = "pppp_result pppp_session_x(const struct pppp_session *session,\n    int32_t a, char **b_json);";
    let p = declaration(h, "pppp_session_x").expect("declared");
    let got: Vec<(&str, &str)> = p.iter().map(|p| (p.ty.as_str(), p.name.as_str())).collect();
    assert_eq!(
        got,
        [
            ("const struct pppp_session *", "session"),
            ("int32_t", "a"),
            ("char **", "b_json")
        ]
    );
    assert!(declaration(h, "pppp_session_y").is_none());
}
