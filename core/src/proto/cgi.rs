//! The VStarcam CGI dialect of channel 0 (docs/protocol.md §4.3, §8.3): request building with the
//! credentials, the response-code table, and parsing of `var key=value;` replies.
//!
//! A request is `01 0a 00 00 · u16 LE length · 00 00 · "GET /name.cgi?params&loginuse=U&loginpas=P&user=U&pwd=P&"`
//! (credentials twice, as the VStarcam apps send them — L32 `checkCredentials`, VSC
//! `cgi_get_common`, the real request of Appendix B8). The camera answers with the same header
//! carrying a response code in bytes 2–3 — one code per CGI name (VSC `cmdhead.h`, the `CB_*`
//! values of AIO `BinaryCommands`; 0x60A0 answers `check_user.cgi`) — and a text body of
//! `key=value;` statements, often written `var key=value;` with strings in double or single
//! quotes and one statement per line (VSC `CgiPacket.cpp` samples). `result=0;` means success;
//! a non-zero `result` refuses the request (VSC `ProcessCheckUser`: non-zero is "invalid user or
//! password"). Some responses carry binary data instead of text (snapshot.cgi: a JPEG behind code
//! 0x6015, Appendix A10).

use serde_json::{Map, Value};

use crate::proto::command::HEADER_LEN;

/// Start code of CGI blocks.
pub const START: [u8; 2] = [0x01, 0x0a];

/// Encodes a VStarcam CGI block: `01 0a · cmd (0 in requests) · u16 length · u16 version ·
/// payload`.
///
/// The text must be shorter than 64 KiB; longer payloads are truncated by the caller's
/// contract (CGI requests are one URL line).
pub fn encode_block(cmd: u16, version: u16, payload: &[u8]) -> Vec<u8> {
    let len = payload.len().min(u16::MAX as usize);
    let mut v = Vec::with_capacity(HEADER_LEN + len);
    v.extend_from_slice(&START);
    v.extend_from_slice(&cmd.to_le_bytes());
    v.extend_from_slice(&(len as u16).to_le_bytes());
    v.extend_from_slice(&version.to_le_bytes());
    v.extend_from_slice(&payload[..len]);
    v
}

/// Response code of `check_user.cgi` (the login).
pub const CHECK_USER: u16 = 0x60a0;

/// CGI name (without `.cgi`) → response code (VSC `cmdhead.h`; AIO `CB_*`).
pub const RESPONSE_CODES: &[(&str, u16)] = &[
    ("get_status", 0x6001),
    ("get_params", 0x6002),
    ("get_camera_params", 0x6003),
    ("get_log", 0x6004),
    ("get_misc", 0x6005),
    ("get_record", 0x6006),
    ("get_record_file", 0x6007),
    ("get_wifi_scan_result", 0x6008),
    ("get_factory", 0x6009),
    ("set_ir_gpio", 0x600a),
    ("set_upnp", 0x600b),
    ("set_alarm", 0x600c),
    ("set_log", 0x600d),
    ("set_users", 0x600e),
    ("set_alias", 0x600f),
    ("set_mail", 0x6010),
    ("set_wifi", 0x6011),
    ("camera_control", 0x6012),
    ("set_datetime", 0x6013),
    ("set_media", 0x6014),
    ("snapshot", 0x6015),
    ("set_ddns", 0x6016),
    ("set_misc", 0x6017),
    ("test_ftp", 0x6018),
    ("decoder_control", 0x6019),
    ("set_default", 0x601a),
    ("set_moto_run", 0x601b),
    ("test_mail", 0x601c),
    ("mailtest", 0x601d),
    ("del_file", 0x601e),
    ("login", 0x601f),
    ("set_devices", 0x6020),
    ("set_network", 0x6021),
    ("ftptest", 0x6022),
    ("set_dns", 0x6023),
    ("set_osd", 0x6024),
    ("set_factory_param", 0x6025),
    ("set_pppoe", 0x6026),
    ("reboot", 0x6027),
    ("set_formatsd", 0x6028),
    ("set_recordsch", 0x6029),
    ("wifi_scan", 0x602a),
    ("restore_factory", 0x602b),
    ("set_ftp", 0x602c),
    ("set_rtsp", 0x602d),
    ("videostream", 0x602e),
    ("upgrade_htmls", 0x602f),
    ("upgrade_firmware", 0x6030),
    ("set_iic", 0x6031),
    ("get_iic", 0x6032),
    ("get_alarmlog", 0x6033),
    ("set_alarmlogclr", 0x6034),
    ("get_syswifi", 0x6035),
    ("set_syswifi", 0x6036),
    ("livestream", 0x6037),
    ("check_user", CHECK_USER),
];

/// The response code the camera answers CGI `name` (without `.cgi`) with, if known.
pub fn response_code(name: &str) -> Option<u16> {
    RESPONSE_CODES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, c)| *c)
}

/// The CGI name a response code answers, if known.
pub fn name_for_code(code: u16) -> Option<&'static str> {
    RESPONSE_CODES
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(n, _)| *n)
}

/// Why a CGI request cannot be sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CgiError {
    /// The name is empty or has characters other than letters, digits and `_`.
    #[error("a CGI request is a name such as 'get_status.cgi' optionally followed by '?key=value&…' (got {0:?})")]
    BadName(String),
    /// The parameters contain spaces, control characters or non-ASCII bytes.
    #[error("CGI parameters must be printable ASCII without spaces (percent-encode other bytes); got {0:?}")]
    BadParams(String),
    /// The request does not fit the 16-bit length field.
    #[error("the CGI request is {0} bytes long; at most 65535 fit in a block")]
    TooLong(usize),
}

/// A CGI request as the user names it: `name` without `.cgi` and the query without
/// credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgiRequest {
    /// The CGI name without `.cgi` (`get_status`).
    pub name: String,
    /// The query string without a trailing `&` (`command=0&onestep=0`), possibly empty.
    pub params: String,
}

impl CgiRequest {
    /// Parses what a user writes: `get_status.cgi`, `get_status`, `/decoder_control.cgi?command=0`,
    /// or `GET /camera_control.cgi?param=5&value=1&`.
    pub fn parse(text: &str) -> Result<CgiRequest, CgiError> {
        let mut t = text.trim();
        if t.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("GET "))
            && t[4..].trim_start().starts_with('/')
        {
            t = t[4..].trim_start();
        }
        let t = t.trim_start_matches('/');
        let (name, params) = match t.split_once('?') {
            Some((n, p)) => (n, p),
            None => (t, ""),
        };
        let name = name.strip_suffix(".cgi").unwrap_or(name);
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(CgiError::BadName(text.to_owned()));
        }
        if !params.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CgiError::BadParams(params.to_owned()));
        }
        Ok(CgiRequest {
            name: name.to_owned(),
            params: params.trim_matches('&').to_owned(),
        })
    }

    /// A request with parameters built from `(key, value)` pairs (values percent-encoded).
    pub fn with(name: &str, params: &[(&str, String)]) -> CgiRequest {
        let params = params
            .iter()
            .map(|(k, v)| format!("{k}={}", percent_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        CgiRequest {
            name: name.to_owned(),
            params,
        }
    }

    /// The response code this request is answered with, if known.
    pub fn response_code(&self) -> Option<u16> {
        response_code(&self.name)
    }

    /// The request line with credentials appended (unless the query already names
    /// `loginuse` or `user`): `GET /name.cgi?params&loginuse=U&loginpas=P&user=U&pwd=P&`.
    pub fn to_text(&self, user: &str, password: &str) -> String {
        let mut s = format!("GET /{}.cgi?", self.name);
        if !self.params.is_empty() {
            s.push_str(&self.params);
            s.push('&');
        }
        let has_creds = query_pairs(&self.params)
            .iter()
            .any(|(k, _)| k == "loginuse" || k == "user");
        if !has_creds {
            let (u, p) = (percent_encode(user), percent_encode(password));
            s.push_str(&format!("loginuse={u}&loginpas={p}&user={u}&pwd={p}&"));
        }
        s
    }

    /// The channel-0 block of this request.
    pub fn encode(&self, user: &str, password: &str) -> Result<Vec<u8>, CgiError> {
        let text = self.to_text(user, password);
        if text.len() > u16::MAX as usize {
            return Err(CgiError::TooLong(text.len()));
        }
        Ok(encode_block(0, 0, text.as_bytes()))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (and `+` as a space); invalid escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(v) => {
                        out.push(v);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Splits a query string into decoded `(key, value)` pairs (a key without `=` has an empty
/// value).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), String::new()),
        })
        .collect()
}

/// A request as a camera sees it: the name and the decoded parameters, credentials included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// The CGI name without `.cgi`.
    pub name: String,
    /// All query parameters in order.
    pub params: Vec<(String, String)>,
}

impl ReceivedRequest {
    /// Parses a request body (`GET /name.cgi?…`); `None` when it is not a CGI request.
    pub fn parse(body: &[u8]) -> Option<ReceivedRequest> {
        let text = std::str::from_utf8(body).ok()?;
        let text = text.trim_end_matches(['\0', '\r', '\n']);
        let rest = text.strip_prefix("GET /")?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let name = path.strip_suffix(".cgi")?;
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return None;
        }
        Some(ReceivedRequest {
            name: name.to_owned(),
            params: query_pairs(query),
        })
    }

    /// The value of parameter `key` (the first one).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Parameter `key` as an integer.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(|v| v.trim().parse().ok())
    }
}

/// One value of a CGI reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CgiValue {
    /// A quoted string (`"…"` or `'…'`), quotes removed.
    Text(String),
    /// An unquoted value as written.
    Bare(String),
}

impl CgiValue {
    /// The value as text.
    pub fn as_str(&self) -> &str {
        match self {
            CgiValue::Text(s) | CgiValue::Bare(s) => s,
        }
    }

    /// The value as an integer (quoted numbers too: `ap_dbm0[0]='100'`).
    pub fn as_i64(&self) -> Option<i64> {
        let s = self.as_str().trim();
        if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
            return i64::from_str_radix(h, 16).ok();
        }
        s.parse().ok()
    }

    /// As JSON: bare integers become numbers, everything else a string.
    pub fn to_json(&self) -> Value {
        match self {
            CgiValue::Bare(s) => match s.trim().parse::<i64>() {
                Ok(n) => Value::from(n),
                Err(_) => Value::from(s.as_str()),
            },
            CgiValue::Text(s) => Value::from(s.as_str()),
        }
    }
}

impl std::fmt::Display for CgiValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key/values of a reply text, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    /// `(key, value)` in the order of the text (`ap_ssid[0]` keeps its index).
    pub pairs: Vec<(String, CgiValue)>,
    /// Statements that could not be read (no `=`, an unterminated quote at the end).
    pub malformed: usize,
}

impl Fields {
    /// The value of `key` (the last one when repeated, as a script would see it).
    pub fn get(&self, key: &str) -> Option<&CgiValue> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// `key` as an integer.
    pub fn int(&self, key: &str) -> Option<i64> {
        self.get(key).and_then(CgiValue::as_i64)
    }

    /// `key` as text.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).map(CgiValue::as_str)
    }

    /// As a JSON object (keys sorted by serde_json; use `pairs` for the original order).
    pub fn to_json(&self) -> Map<String, Value> {
        let mut m = Map::new();
        for (k, v) in &self.pairs {
            m.insert(k.clone(), v.to_json());
        }
        m
    }
}

/// Parses a reply text: statements end at `;` or a line break outside quotes; a leading `var `
/// is dropped; `name=new Array()` declarations are skipped; whitespace around `=` is allowed
/// (`result= 0;`, `ap_ssid[0] ="x";`). Never fails: unreadable statements are counted.
pub fn parse_fields(text: &str) -> Fields {
    let mut out = Fields::default();
    let mut stmt = String::new();
    let mut quote: Option<char> = None;
    let push = |stmt: &mut String, out: &mut Fields| {
        let s = std::mem::take(stmt);
        let s = s.trim().trim_matches('\0').trim();
        if s.is_empty() {
            return;
        }
        let s = s.strip_prefix("var ").map(str::trim_start).unwrap_or(s);
        let Some((k, v)) = s.split_once('=') else {
            out.malformed += 1;
            return;
        };
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || k.contains(char::is_whitespace) {
            out.malformed += 1;
            return;
        }
        if v.starts_with("new ") {
            return; // `var ap_ssid=new Array();`
        }
        let value = match v.chars().next() {
            Some(q @ ('"' | '\'')) => {
                if v.len() >= 2 && v.ends_with(q) {
                    CgiValue::Text(v[1..v.len() - 1].to_owned())
                } else {
                    out.malformed += 1;
                    return;
                }
            }
            _ => CgiValue::Bare(v.to_owned()),
        };
        out.pairs.push((k.to_owned(), value));
    };
    for c in text.chars() {
        match quote {
            Some(q) => {
                stmt.push(c);
                if c == q {
                    quote = None;
                }
            }
            None => match c {
                ';' | '\n' | '\r' => push(&mut stmt, &mut out),
                '"' | '\'' => {
                    quote = Some(c);
                    stmt.push(c);
                }
                _ => stmt.push(c),
            },
        }
    }
    if quote.is_some() {
        // The text ends inside a quoted value: a truncated reply.
        if !stmt.trim().is_empty() {
            out.malformed += 1;
        }
    } else {
        push(&mut stmt, &mut out);
    }
    out
}

/// True when `body` is text a reply parser should read (UTF-8 without control bytes other than
/// whitespace and trailing NULs).
pub fn is_text(body: &[u8]) -> bool {
    let end = body.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
    std::str::from_utf8(&body[..end]).is_ok_and(|s| {
        s.chars()
            .all(|c| !c.is_control() || matches!(c, '\r' | '\n' | '\t'))
    })
}

/// The JSON form of a CGI reply, as the controller reports it:
/// `{"dialect":"cgi","cmd":24577,"cgi":"get_status","result":0,"fields":{…},"text":"…"}`;
/// a binary body (snapshot) is `{"dialect":"cgi","cmd":…,"cgi":…,"binary_len":n,"body_hex":"…"}`.
/// `cgi` is the request the reply was matched to (or the name of the response code).
pub fn reply_value(code: u16, version: u16, body: &[u8], request: Option<&str>) -> Value {
    let mut m = Map::new();
    m.insert("dialect".into(), Value::from("cgi"));
    m.insert("cmd".into(), Value::from(code));
    if let Some(n) = request.or_else(|| name_for_code(code)) {
        m.insert("cgi".into(), Value::from(n));
    }
    if version != 0 {
        m.insert("version".into(), Value::from(version));
    }
    if is_text(body) {
        let end = body.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1);
        let text = String::from_utf8_lossy(&body[..end]).into_owned();
        let fields = parse_fields(&text);
        if let Some(r) = fields.int("result") {
            m.insert("result".into(), Value::from(r));
        }
        if fields.malformed > 0 {
            m.insert("malformed".into(), Value::from(fields.malformed));
        }
        m.insert("fields".into(), Value::Object(fields.to_json()));
        m.insert("text".into(), Value::from(text));
    } else {
        m.insert("binary_len".into(), Value::from(body.len()));
        m.insert("body_hex".into(), Value::from(hex_string(body)));
    }
    Value::Object(m)
}

/// Lower-case hex of `b`.
pub(crate) fn hex_string(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push_str(&format!("{x:02x}"));
    }
    s
}

/// Writes a reply text as VStarcam cameras do: `var key=value;\r\n` per field, strings in double
/// quotes (used by the emulator).
pub fn write_fields(pairs: &[(&str, CgiValue)]) -> String {
    let mut s = String::new();
    for (k, v) in pairs {
        match v {
            CgiValue::Text(t) => s.push_str(&format!("var {k}=\"{t}\";\r\n")),
            CgiValue::Bare(t) => s.push_str(&format!("var {k}={t};\r\n")),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_matches_the_real_b8_layout() {
        let r = CgiRequest::parse("get_status.cgi").unwrap();
        assert_eq!(r.response_code(), Some(0x6001));
        let block = r.encode("admin", "888888").unwrap();
        // B8 carries `loginpas=ac0b2702856222` (a derived value of newer apps); the layout is
        // the same with the clear password.
        let text = "GET /get_status.cgi?loginuse=admin&loginpas=888888&user=admin&pwd=888888&";
        assert_eq!(&block[..8], &[1, 0x0a, 0, 0, text.len() as u8, 0, 0, 0]);
        assert_eq!(&block[8..], text.as_bytes());
    }

    #[test]
    fn request_spellings_and_params() {
        for s in [
            "get_status",
            "/get_status.cgi",
            "GET /get_status.cgi?",
            " get_status.cgi ",
        ] {
            assert_eq!(CgiRequest::parse(s).unwrap().name, "get_status", "{s}");
        }
        let r = CgiRequest::parse("decoder_control.cgi?command=0&onestep=0&").unwrap();
        assert_eq!(
            r.to_text("a b", "p&w"),
            "GET /decoder_control.cgi?command=0&onestep=0&loginuse=a%20b&loginpas=p%26w&user=a%20b&pwd=p%26w&"
        );
        let own = CgiRequest::parse("get_status.cgi?user=x&pwd=y").unwrap();
        assert_eq!(
            own.to_text("admin", "z"),
            "GET /get_status.cgi?user=x&pwd=y&"
        );
        assert!(CgiRequest::parse("").is_err());
        assert!(CgiRequest::parse("get status.cgi").is_err());
        assert!(CgiRequest::parse("a.cgi?x=1 2").is_err());
        assert!(CgiRequest::parse("a.cgi?x=\u{e9}").is_err());
        // Found by the fuzzer: a multi-byte character across byte 4.
        assert!(CgiRequest::parse("\u{f4c9}\u{c7ed}^").is_err());
        assert!(CgiRequest::parse("abc\u{e9}").is_err());
    }

    #[test]
    fn parses_var_replies_in_order() {
        let text = "var dhcpen=0; var ip=\"192.168.1.234\"; var mask=\"255.255.255.0\";\r\nresult= 0;\r\n\
                    var ap_number=2;\r\nvar ap_ssid=new Array();\r\nap_ssid[0] =\"TP-LINK_888\";\r\n\
                    ap_dbm0[0]='100';\r\nap_ssid[1] =\"a;b\";\r\n";
        let f = parse_fields(text);
        assert_eq!(f.malformed, 0);
        let keys: Vec<&str> = f.pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "dhcpen",
                "ip",
                "mask",
                "result",
                "ap_number",
                "ap_ssid[0]",
                "ap_dbm0[0]",
                "ap_ssid[1]"
            ]
        );
        assert_eq!(f.int("result"), Some(0));
        assert_eq!(f.text("ip"), Some("192.168.1.234"));
        assert_eq!(f.int("ap_dbm0[0]"), Some(100));
        assert_eq!(f.text("ap_ssid[1]"), Some("a;b"));
        let j = f.to_json();
        assert_eq!(j["dhcpen"], 0);
        assert_eq!(j["ip"], "192.168.1.234");
    }

    #[test]
    fn truncated_and_garbage_text_never_panics() {
        let f = parse_fields("result=0;\r\nvar alias=\"cut in the mid");
        assert_eq!(f.int("result"), Some(0));
        assert_eq!(f.malformed, 1);
        let f = parse_fields("no equals here; =x; ;;\n\n");
        assert_eq!(f.pairs.len(), 0);
        assert_eq!(f.malformed, 2);
        for s in ["", "\"", "'", "=", "a='", "a=\"\"", "\0\0\0"] {
            let _ = parse_fields(s);
        }
    }

    #[test]
    fn reply_values() {
        let v = reply_value(0x60a0, 1, b"result=-1;\r\n\0", Some("check_user"));
        assert_eq!(v["dialect"], "cgi");
        assert_eq!(v["cmd"], 0x60a0);
        assert_eq!(v["cgi"], "check_user");
        assert_eq!(v["result"], -1);
        assert_eq!(v["version"], 1);
        let v = reply_value(0x6015, 1, &[0xff, 0xd8, 0xff, 0xe0], None);
        assert_eq!(v["cgi"], "snapshot");
        assert_eq!(v["binary_len"], 4);
        assert_eq!(v["body_hex"], "ffd8ffe0");
    }

    #[test]
    fn received_requests() {
        let r = ReceivedRequest::parse(
            b"GET /camera_control.cgi?param=5&value=3&loginuse=admin&loginpas=p%26w&",
        )
        .unwrap();
        assert_eq!(r.name, "camera_control");
        assert_eq!(r.int("param"), Some(5));
        assert_eq!(r.get("loginpas"), Some("p&w"));
        assert!(ReceivedRequest::parse(b"POST /x.cgi").is_none());
        assert!(ReceivedRequest::parse(b"GET /x.html").is_none());
        assert!(ReceivedRequest::parse(&[0xff, 0xfe]).is_none());
    }

    #[test]
    fn percent_round_trip() {
        for s in ["plain", "a b&c=d%", "\u{e9}t\u{e9}", "%zz", "%4", "%"] {
            let enc = percent_encode(s);
            assert_eq!(percent_decode(&enc), s, "{s}");
        }
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
