//! The typed session settings users name by text — the PSK, the channel-0 dialect, the SHIX
//! command family — parsed once, at each binding's edge (CLI flags, C config strings, Python
//! and Java arguments), with the same clear error everywhere.

use crate::error::{Error, Result};
use crate::proto::dialect::DialectChoice;
use crate::proto::psk::PskChoice;
use crate::proto::shix::{self, Family};

/// `auto`, `none`, a known PSK name (any case) or `custom:<psk>`; else [`Error::UnknownPsk`].
pub fn parse_psk(name: &str) -> Result<PskChoice> {
    Ok(PskChoice::parse(name)?)
}

/// `auto`, `shix`, `cgi` or `binary`; else [`Error::InvalidArgument`] naming the choices.
pub fn parse_dialect(name: &str) -> Result<DialectChoice> {
    DialectChoice::parse(name).map_err(|e| Error::InvalidArgument(e.into()))
}

/// `vi365`, `hdwificam-pro` or `lookcam-pro` (any case); else [`Error::InvalidArgument`]
/// naming the families.
pub fn parse_family(name: &str) -> Result<&'static Family> {
    shix::family(name).ok_or_else(|| {
        Error::InvalidArgument(
            format!(
                "unknown SHIX command family {name:?} (expected {})",
                shix::FAMILIES
                    .iter()
                    .map(|f| f.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::dialect::Dialect;

    #[test]
    fn names_parse_and_bad_names_are_specific_errors() {
        assert_eq!(parse_psk("auto").unwrap(), PskChoice::Auto);
        assert!(matches!(parse_psk("nosuchpsk"), Err(Error::UnknownPsk(_))));
        assert_eq!(
            parse_dialect("CGI").unwrap(),
            DialectChoice::Fixed(Dialect::Cgi)
        );
        match parse_dialect("xml") {
            Err(Error::InvalidArgument(m)) => {
                assert!(
                    m.to_string().contains("expected auto, shix, cgi or binary"),
                    "{m}"
                )
            }
            r => panic!("{r:?}"),
        }
        assert_eq!(parse_family("LookCam-Pro").unwrap().name, "lookcam-pro");
        match parse_family("nope") {
            Err(Error::InvalidArgument(m)) => assert_eq!(
                m.to_string(),
                "unknown SHIX command family \"nope\" (expected vi365, hdwificam-pro, lookcam-pro)"
            ),
            r => panic!("{r:?}"),
        }
    }
}
