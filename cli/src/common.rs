//! Pieces shared by the subcommands: errors, logging, connection options, Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pppp::client::{parse_dialect, parse_family, parse_psk, Session, SessionConfig};
use pppp::Error;

/// An error the tool reports as one line.
#[derive(Debug)]
pub struct CliError {
    message: String,
    code: i32,
}

impl CliError {
    /// An error with exit code 1.
    pub fn msg(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 1,
        }
    }

    /// An error with exit code 2 (bad arguments).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            code: 2,
        }
    }

    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        self.code
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        let code = match &e {
            Error::InvalidUid(_)
            | Error::UnknownPsk(_)
            | Error::InvalidArgument(_)
            | Error::InvalidAddress { .. }
            | Error::InvalidCommand(_) => 2,
            Error::Offline { .. } => 3,
            Error::WrongPassword { .. } => 4,
            Error::Timeout { .. } => 5,
            Error::Closed(_) => 6,
            _ => 1,
        };
        CliError {
            message: e.to_string(),
            code,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::msg(e.to_string())
    }
}

/// Result of a subcommand.
pub type CliResult = Result<(), CliError>;

pub fn init_logging(verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A panic is a bug; report it in one line instead of a backtrace.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("pppp: internal error (please report): {msg}{at}");
    }));
}

/// Connection options shared by the client subcommands.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnectArgs {
    /// The camera's UID, e.g. DGOA-123456-ABCDE.
    #[arg(long)]
    pub uid: String,
    /// The camera's address HOST[:PORT]; PORT is its LAN-search port (default 32108).
    /// Without it the search is broadcast (or goes to PPPP_LAN_TARGETS).
    #[arg(long)]
    pub host: Option<String>,
    /// Login user.
    #[arg(long, default_value = "admin")]
    pub user: String,
    /// Login password.
    #[arg(long, default_value = "6666")]
    pub password: String,
    /// PSK: auto, none, a known name (camera, SHIX, vstarcam2018 …) or custom:<psk>.
    #[arg(long, default_value = "auto")]
    pub psk: String,
    /// Seconds to search and handshake.
    #[arg(long, default_value_t = 10.0)]
    pub timeout: f64,
    /// Do not broadcast the search when no host is given.
    #[arg(long)]
    pub no_broadcast: bool,
    /// Channel-0 dialect: auto (the UID prefix table, then probing at login), shix, cgi or
    /// binary.
    #[arg(long, default_value = "auto")]
    pub dialect: String,
    /// Numbering of SHIX commands: vi365, hdwificam-pro or lookcam-pro.
    #[arg(long, default_value = "vi365")]
    pub family: String,
}

pub fn seconds(s: f64, what: &str) -> Result<Duration, CliError> {
    if !(s.is_finite() && (0.0..1e9).contains(&s)) {
        return Err(CliError::usage(format!(
            "{what} must be a non-negative number of seconds"
        )));
    }
    Ok(Duration::from_secs_f64(s))
}

impl ConnectArgs {
    pub fn session_config(&self) -> Result<SessionConfig, CliError> {
        let mut c = SessionConfig::new(self.uid.clone())
            .credentials(self.user.clone(), self.password.clone())
            .psk(parse_psk(&self.psk)?)
            .dialect(parse_dialect(&self.dialect)?)
            .family(parse_family(&self.family)?)
            .connect_timeout(seconds(self.timeout, "--timeout")?);
        c.host = self.host.clone();
        c.broadcast = !self.no_broadcast;
        Ok(c)
    }

    /// Connects and logs in.
    pub fn connect_and_login(&self) -> Result<Session, CliError> {
        let s = Session::connect(self.session_config()?)?;
        s.login()?;
        if let (Some(d), Some(how)) = (s.dialect(), s.dialect_source()) {
            eprintln!("pppp: speaking the {d} dialect ({how})");
        }
        warn_duplicates(&s, &mut Vec::new());
        Ok(s)
    }
}

/// Warns on stderr about every address in `session.duplicates()` not in `warned` (and adds
/// it): another device answered the search for the camera's UID.
pub fn warn_duplicates(session: &Session, warned: &mut Vec<std::net::SocketAddr>) {
    for addr in session.duplicates() {
        if warned.contains(&addr) {
            continue;
        }
        warned.push(addr);
        eprintln!(
            "pppp: warning: another device at {addr} also answered for {} (a duplicate UID or an \
             impostor); talking to {}, the first to answer. Give the camera's address with --host",
            session.uid(),
            session
                .peer()
                .map_or_else(|| "the first".to_owned(), |p| p.to_string())
        );
    }
}

/// Set by Ctrl-C; subcommands that run until interrupted poll it.
pub fn interrupted() -> Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        // Without a handler (e.g. another one is installed) Ctrl-C simply ends the process.
        let _ = ctrlc::set_handler(move || f.store(true, Ordering::SeqCst));
        flag
    })
    .clone()
}

pub fn is_set(flag: &AtomicBool) -> bool {
    flag.load(Ordering::SeqCst)
}
