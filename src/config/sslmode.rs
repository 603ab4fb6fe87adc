//! Which TLS a PostgreSQL connection uses: `sslmode` from `DATABASE_URL`,
//! combined with `PG_SSL_ROOT_CERT` and `PG_SSL_ALLOW_SELF_SIGNED`.
//!
//! The modes are libpq's, minus `allow` (plain first, TLS only if refused),
//! which no hosted database needs.

use std::fmt;
use std::path::{Path, PathBuf};

use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::ConfigError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain TCP, never TLS.
    Disable,
    /// TLS when the server offers it, plain otherwise; the certificate is not
    /// checked. libpq's default, and ours.
    Prefer,
    /// TLS or no connection; the certificate is not checked (encrypted, but
    /// open to an active man in the middle). Accepts self-signed servers.
    Require,
    /// TLS, certificate chain checked against the roots; host name not.
    VerifyCa,
    /// TLS, chain and host name checked: the only mode that proves which
    /// server this is.
    VerifyFull,
}

impl SslMode {
    pub const ALL: [SslMode; 5] =
        [SslMode::Disable, SslMode::Prefer, SslMode::Require, SslMode::VerifyCa, SslMode::VerifyFull];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }

    /// `Err` holds a message that names the value (an sslmode is no secret).
    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL.into_iter().find(|m| m.as_str() == value).ok_or_else(|| {
            format!("sslmode {value:?} is not supported (expected disable, prefer, require, verify-ca or verify-full)")
        })
    }

    /// Whether the server certificate is checked against roots.
    pub fn verifies(self) -> bool {
        matches!(self, Self::VerifyCa | Self::VerifyFull)
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The TLS settings in effect for every PostgreSQL connection (migrations,
/// pool, doctor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgTls {
    pub mode: SslMode,
    /// PEM file of the CA(s) to trust instead of the built-in public roots;
    /// only with `verify-ca` / `verify-full`.
    pub root_cert: Option<PathBuf>,
}

impl Default for PgTls {
    fn default() -> Self {
        Self { mode: SslMode::Prefer, root_cert: None }
    }
}

impl PgTls {
    /// Combines the URL's `sslmode` with the two variables. Without
    /// `sslmode`: `PG_SSL_ALLOW_SELF_SIGNED=true` means `require`, a
    /// `PG_SSL_ROOT_CERT` means `verify-full`, neither means `prefer`.
    /// Contradictions are refused rather than guessed at: an operator who
    /// names a CA but says `require` must learn that it would not be used.
    pub fn resolve(
        url_mode: Option<SslMode>,
        root_cert: Option<PathBuf>,
        allow_self_signed: bool,
    ) -> Result<Self, ConfigError> {
        if allow_self_signed {
            if root_cert.is_some() {
                return Err(ConfigError::Invalid {
                    var: "PG_SSL_ALLOW_SELF_SIGNED",
                    reason: "true turns certificate checks off, PG_SSL_ROOT_CERT asks for them: set only one".into(),
                });
            }
            if let Some(mode) = url_mode.filter(|m| *m != SslMode::Require) {
                return Err(ConfigError::Invalid {
                    var: "PG_SSL_ALLOW_SELF_SIGNED",
                    reason: format!("true means sslmode=require, but DATABASE_URL says sslmode={mode}: set only one"),
                });
            }
            return Ok(Self { mode: SslMode::Require, root_cert: None });
        }
        let mode = match (url_mode, &root_cert) {
            (Some(mode), Some(_)) if !mode.verifies() => {
                return Err(ConfigError::Invalid {
                    var: "PG_SSL_ROOT_CERT",
                    reason: format!(
                        "is only used by sslmode=verify-ca or verify-full, but DATABASE_URL says sslmode={mode}"
                    ),
                });
            }
            (Some(mode), _) => mode,
            (None, Some(_)) => SslMode::VerifyFull,
            (None, None) => SslMode::Prefer,
        };
        Ok(Self { mode, root_cert })
    }

    /// What the start-up log says about the roots: the file, the built-in
    /// public roots, or nothing checked.
    pub fn roots_description(&self) -> String {
        match (&self.root_cert, self.mode.verifies()) {
            (_, false) => "none (certificate not checked)".into(),
            (Some(path), true) => path.display().to_string(),
            (None, true) => "system".into(),
        }
    }
}

/// Reads the CA certificates of a PEM file. The message names the path
/// (operators need it; it is no secret).
pub fn load_roots(path: &Path) -> Result<RootCertStore, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(&pem) {
        let cert = cert.map_err(|e| format!("{} is not a PEM certificate file: {e}", path.display()))?;
        roots.add(cert).map_err(|e| format!("{} holds a certificate rustls cannot use: {e}", path.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", path.display()));
    }
    Ok(roots)
}

/// Finds `sslmode` in a URL's query (the last one wins, as in libpq).
pub fn from_url_query(query: Option<&str>) -> Result<Option<SslMode>, String> {
    let mut mode = None;
    for (key, value) in query.into_iter().flat_map(|q| q.split('&')).filter_map(|p| p.split_once('=')) {
        match key {
            "sslmode" => mode = Some(SslMode::parse(value)?),
            "sslrootcert" => {
                return Err("sslrootcert in DATABASE_URL is not read: set PG_SSL_ROOT_CERT to the PEM file".into());
            }
            _ => {}
        }
    }
    Ok(mode)
}

/// The URL without its `sslmode` parameters, for tokio-postgres, which knows
/// only disable/prefer/require and is told the mode separately. Cut as text,
/// not re-encoded, so the other parameters reach the driver byte for byte.
pub fn strip_from_url(raw: &str) -> String {
    let Some((base, rest)) = raw.split_once('?') else {
        return raw.to_string();
    };
    let (query, fragment) = match rest.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (rest, None),
    };
    let kept: Vec<&str> =
        query.split('&').filter(|p| !p.is_empty() && p.split('=').next() != Some("sslmode")).collect();
    let mut out = base.to_string();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var_of(e: ConfigError) -> &'static str {
        match e {
            ConfigError::Missing { var, .. } | ConfigError::Invalid { var, .. } => var,
        }
    }

    #[test]
    fn every_mode_round_trips_and_unknown_is_named() {
        for mode in SslMode::ALL {
            assert_eq!(SslMode::parse(mode.as_str()), Ok(mode));
        }
        let err = SslMode::parse("verify_full").unwrap_err();
        assert!(err.contains("\"verify_full\""), "{err}");
        assert!(SslMode::parse("allow").is_err());
    }

    #[test]
    fn query_parsing() {
        assert_eq!(from_url_query(None), Ok(None));
        assert_eq!(from_url_query(Some("application_name=x")), Ok(None));
        assert_eq!(from_url_query(Some("sslmode=disable&sslmode=verify-ca")), Ok(Some(SslMode::VerifyCa)));
        assert!(from_url_query(Some("sslmode=bogus")).unwrap_err().contains("bogus"));
        assert!(from_url_query(Some("sslrootcert=/x.pem")).unwrap_err().contains("PG_SSL_ROOT_CERT"));
    }

    #[test]
    fn stripping_keeps_everything_else_verbatim() {
        assert_eq!(strip_from_url("postgres://u:p@h/db"), "postgres://u:p@h/db");
        assert_eq!(strip_from_url("postgres://u:p@h/db?sslmode=require"), "postgres://u:p@h/db");
        assert_eq!(
            strip_from_url("postgres://h/db?options=-c%20a%3Db&sslmode=verify-full&application_name=t"),
            "postgres://h/db?options=-c%20a%3Db&application_name=t"
        );
        // Only the key `sslmode`, not keys that merely start with it.
        assert_eq!(strip_from_url("postgres://h/db?sslmodex=1"), "postgres://h/db?sslmodex=1");
    }

    #[test]
    fn resolution_defaults() {
        let r = |m, c: Option<&str>, s| PgTls::resolve(m, c.map(PathBuf::from), s);
        assert_eq!(r(None, None, false).unwrap().mode, SslMode::Prefer);
        assert_eq!(r(None, None, true).unwrap().mode, SslMode::Require);
        assert_eq!(r(Some(SslMode::Require), None, true).unwrap().mode, SslMode::Require);
        assert_eq!(r(None, Some("/ca.pem"), false).unwrap().mode, SslMode::VerifyFull);
        assert_eq!(r(Some(SslMode::VerifyCa), Some("/ca.pem"), false).unwrap().mode, SslMode::VerifyCa);
        assert_eq!(r(Some(SslMode::Disable), None, false).unwrap().mode, SslMode::Disable);
    }

    #[test]
    fn contradictions_are_refused_naming_the_variable() {
        let r = |m, c: Option<&str>, s| PgTls::resolve(m, c.map(PathBuf::from), s);
        assert_eq!(var_of(r(None, Some("/ca.pem"), true).unwrap_err()), "PG_SSL_ALLOW_SELF_SIGNED");
        assert_eq!(var_of(r(Some(SslMode::VerifyFull), None, true).unwrap_err()), "PG_SSL_ALLOW_SELF_SIGNED");
        assert_eq!(var_of(r(Some(SslMode::Disable), None, true).unwrap_err()), "PG_SSL_ALLOW_SELF_SIGNED");
        assert_eq!(var_of(r(Some(SslMode::Require), Some("/ca.pem"), false).unwrap_err()), "PG_SSL_ROOT_CERT");
        assert_eq!(var_of(r(Some(SslMode::Disable), Some("/ca.pem"), false).unwrap_err()), "PG_SSL_ROOT_CERT");
    }

    #[test]
    fn log_names_roots_without_secrets() {
        let t = PgTls { mode: SslMode::VerifyFull, root_cert: Some("/etc/ca.pem".into()) };
        assert_eq!(t.roots_description(), "/etc/ca.pem");
        assert_eq!(PgTls { mode: SslMode::VerifyFull, root_cert: None }.roots_description(), "system");
        assert!(PgTls::default().roots_description().starts_with("none"));
    }
}
