//! [`Reply`]: a channel-0 reply, typed by the dialect it came in.

use serde_json::Value;

use super::Dialect;
use crate::proto::ops;

/// A channel-0 reply: the dialect it came in and its JSON form (a SHIX reply as the camera
/// wrote it; a CGI reply as [`crate::proto::cgi::reply_value`] gives it; a binary reply as
/// [`crate::proto::ilnk::BinaryBlock::to_value`] gives it). Typed results are read from it by
/// its dialect ([`crate::proto::ops::Params::from_reply`] …); the JSON is what the bindings
/// and the JSON-returning API hand out. It dereferences to the JSON for reading.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    dialect: Dialect,
    json: Value,
}

impl Reply {
    /// A reply of `dialect` with JSON form `json`.
    pub fn new(dialect: Dialect, json: Value) -> Reply {
        Reply { dialect, json }
    }

    /// What an optional request whose reply never came yields:
    /// `{"dialect":…,"no_reply":true}`.
    pub fn no_reply(dialect: Dialect) -> Reply {
        Reply::new(
            dialect,
            serde_json::json!({"dialect": dialect.name(), "no_reply": true}),
        )
    }

    /// The dialect it came in.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Its JSON form.
    pub fn json(&self) -> &Value {
        &self.json
    }

    /// Its JSON form, for the bindings.
    pub fn into_json(self) -> Value {
        self.json
    }

    /// The camera's `result`, if the reply has one (see [`ops::result_of`]).
    pub fn result(&self) -> Option<i64> {
        ops::result_of(&self.json)
    }

    /// `Err(result)` when the camera answered with a non-zero `result` (see [`ops::check`]).
    pub fn check(&self) -> Result<(), i64> {
        ops::check(&self.json)
    }

    /// True when a refusal (non-zero `result`) is about the credentials every request
    /// carries, not about the request (SHIX result −3).
    pub fn refuses_credentials(&self) -> bool {
        self.check()
            .is_err_and(|r| self.dialect.rules().refuses_credentials(r))
    }
}

impl std::ops::Deref for Reply {
    type Target = Value;
    fn deref(&self) -> &Value {
        &self.json
    }
}

impl std::fmt::Display for Reply {
    /// The JSON form.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.json.fmt(f)
    }
}

impl From<Reply> for Value {
    fn from(r: Reply) -> Value {
        r.json
    }
}
