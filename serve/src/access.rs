//! Who may use the server: the `Host` check (against DNS rebinding), the one CORS origin
//! allowed, and HTTP Basic authentication.
//!
//! A web page the user opens elsewhere must not read the camera: no response carries
//! `Access-Control-Allow-Origin` unless an origin is configured, and a request whose `Host` is
//! not the listen address, `localhost` or an allowed name gets 403 — a page that re-points its
//! own domain name at this machine (DNS rebinding) still sends its own name as `Host`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use base64::Engine as _;
use hyper::header::{HeaderMap, HeaderValue, ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, HOST};
use subtle::ConstantTimeEq;

use crate::ServeError;

/// Credentials for HTTP Basic authentication (`--auth USER:PASSWORD`). `Debug` hides the
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    user: String,
    password: String,
}

impl BasicAuth {
    /// Credentials; the user must be non-empty and without `:`, the password non-empty.
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Result<Self, ServeError> {
        let (user, password) = (user.into(), password.into());
        let bad = |reason: &str| ServeError::Config {
            what: "credentials",
            reason: reason.into(),
        };
        if user.is_empty() || user.contains(':') {
            return Err(bad("the user name must be non-empty and without ':'"));
        }
        if password.is_empty() {
            return Err(bad("the password must not be empty"));
        }
        if user.chars().chain(password.chars()).any(char::is_control) {
            return Err(bad("control characters are not allowed"));
        }
        Ok(BasicAuth { user, password })
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// True when `header` (an `Authorization` value) carries these credentials. The
    /// credentials are compared in constant time.
    fn accepts(&self, header: &HeaderValue) -> bool {
        let Some((scheme, token)) = header.to_str().ok().and_then(|h| h.trim().split_once(' '))
        else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case("basic") {
            return false;
        }
        let Ok(given) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
            return false;
        };
        let expected = format!("{}:{}", self.user, self.password);
        bool::from(given.ct_eq(expected.as_bytes()))
    }
}

impl FromStr for BasicAuth {
    type Err = ServeError;

    /// Parses `USER:PASSWORD` (the password may contain `:`).
    fn from_str(s: &str) -> Result<Self, ServeError> {
        let (user, password) = s.split_once(':').ok_or_else(|| ServeError::Config {
            what: "credentials",
            reason: "expected USER:PASSWORD".into(),
        })?;
        BasicAuth::new(user, password)
    }
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &self.user)
            .field("password", &"<hidden>")
            .finish()
    }
}

/// Why a request is refused before it reaches a handler.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// 403: the `Host` is not one this server answers to.
    Host,
    /// 401: credentials missing or wrong.
    Auth,
}

/// The access rules of one server.
#[derive(Debug)]
pub(crate) struct Access {
    listen: IpAddr,
    allow_hosts: Vec<String>,
    cors: Option<HeaderValue>,
    auth: Option<BasicAuth>,
}

impl Access {
    /// Rules for a server listening on `listen`; checks the configured origin and names.
    pub(crate) fn new(
        listen: SocketAddr,
        cors: Option<&str>,
        allow_hosts: &[String],
        auth: Option<BasicAuth>,
    ) -> Result<Access, ServeError> {
        let cors = cors.map(cors_origin).transpose()?;
        let allow_hosts = allow_hosts
            .iter()
            .map(|h| allowed_name(h))
            .collect::<Result<_, _>>()?;
        Ok(Access {
            listen: listen.ip(),
            allow_hosts,
            cors,
            auth,
        })
    }

    /// Checks the `Host` (403), then the credentials (401).
    pub(crate) fn check(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        if !host.is_some_and(|h| self.host_allowed(h)) {
            return Err(Refusal::Host);
        }
        match &self.auth {
            Some(auth) if !headers.get(AUTHORIZATION).is_some_and(|h| auth.accepts(h)) => {
                Err(Refusal::Auth)
            }
            _ => Ok(()),
        }
    }

    /// True for the listen address (any address when listening on all of them), `localhost`,
    /// and the allowed names, each with any port or none.
    fn host_allowed(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
        if name == "localhost" {
            return true;
        }
        if let Ok(ip) = name.parse::<IpAddr>() {
            return ip == self.listen || self.listen.is_unspecified();
        }
        let host = host.to_ascii_lowercase();
        self.allow_hosts.iter().any(|a| *a == name || *a == host)
    }

    /// Adds the CORS header when an origin is configured.
    pub(crate) fn add_cors(&self, headers: &mut HeaderMap) {
        if let Some(origin) = &self.cors {
            headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        }
    }
}

/// The name part of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`); `None` when
/// malformed.
fn host_name(host: &str) -> Option<&str> {
    let port_ok = |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit());
    if let Some(rest) = host.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        return (after.is_empty() || after.strip_prefix(':').is_some_and(port_ok)).then_some(name);
    }
    let (name, port) = match host.split_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
        && port.is_none_or(port_ok);
    valid.then_some(name)
}

/// Checks an allowed host name (`--allow-host`): a name or address, optionally with a port.
fn allowed_name(name: &str) -> Result<String, ServeError> {
    let bad = || ServeError::Config {
        what: "allowed host",
        reason: format!("{name:?} is not a host name such as camera.lan or camera.lan:8080"),
    };
    let n = host_name(name).ok_or_else(bad)?;
    if n.is_empty() {
        return Err(bad());
    }
    Ok(name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase())
}

/// Checks a CORS origin (`--cors`): `*`, or `http[s]://host[:port]` without a path.
fn cors_origin(origin: &str) -> Result<HeaderValue, ServeError> {
    let bad = || ServeError::Config {
        what: "CORS origin",
        reason: format!("{origin:?} is not an origin such as https://home.example:8123 (or *)"),
    };
    if origin != "*" {
        let rest = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or_else(bad)?;
        host_name(rest).filter(|n| !n.is_empty()).ok_or_else(bad)?;
    }
    HeaderValue::from_str(origin).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn access(listen: &str, allow: &[&str]) -> Access {
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        Access::new(listen.parse().unwrap(), None, &allow, None).unwrap()
    }

    #[test]
    fn hosts() {
        let a = access("127.0.0.1:8080", &["cam.lan", "Other.LAN:9000"]);
        for ok in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost",
            "localhost:8080",
            "LOCALHOST:1",
            "localhost.",
            "cam.lan",
            "CAM.lan:8080",
            "other.lan:9000",
        ] {
            assert!(a.host_allowed(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.2:8080",
            "localhost.evil.example",
            "other.lan:9001",
            "[::1]:8080",
            "",
            "cam.lan:",
            "cam.lan:80:80",
            "127.0.0.1:8080/x",
            "user@127.0.0.1",
        ] {
            assert!(!a.host_allowed(bad), "{bad}");
        }
        let any = access("0.0.0.0:8080", &[]);
        assert!(any.host_allowed("192.168.1.5:8080"));
        assert!(!any.host_allowed("nas.local:8080"));
        let v6 = access("[::1]:8080", &[]);
        assert!(v6.host_allowed("[::1]:8080"));
        assert!(v6.host_allowed("[::1]"));
        assert!(!v6.host_allowed("[::2]:8080"));
    }

    #[test]
    fn origins_names_and_credentials_are_checked() {
        assert!(cors_origin("https://home.example:8123").is_ok());
        assert!(cors_origin("*").is_ok());
        for bad in [
            "home.example",
            "https://",
            "https://a/b",
            "https://a\r\nX: y",
            "ftp://a",
        ] {
            assert!(cors_origin(bad).is_err(), "{bad}");
        }
        assert!(allowed_name("cam.lan:8080").is_ok());
        assert!(allowed_name("http://cam.lan").is_err());
        assert!(allowed_name("").is_err());
        let auth: BasicAuth = "admin:pa:ss".parse().unwrap();
        assert_eq!(auth.user(), "admin");
        assert!(!format!("{auth:?}").contains("pa:ss"));
        let header = |s: &str| HeaderValue::from_str(s).unwrap();
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        assert!(auth.accepts(&header(&format!("Basic {}", b64("admin:pa:ss")))));
        assert!(auth.accepts(&header(&format!("basic  {}", b64("admin:pa:ss")))));
        assert!(!auth.accepts(&header(&format!("Basic {}", b64("admin:pa:sS")))));
        assert!(!auth.accepts(&header(&format!("Bearer {}", b64("admin:pa:ss")))));
        assert!(!auth.accepts(&header("Basic !!!")));
        for bad in ["nopassword", ":pw", "user:", "us\ter:pw"] {
            assert!(bad.parse::<BasicAuth>().is_err(), "{bad}");
        }
    }
}
