//! The web console and REST API.
//!
//! Variables: `WEB_CONSOLE` (`on` serves the console at `/` and the API at
//! `/api/v1` on `HTTP_ADDR`; default `off`: nothing new is exposed unless
//! asked), `WEB_PUBLIC_URL` (where people reach it, e.g.
//! `https://desk.example.com`; the links `web-login` prints start with it,
//! and its cookies are `Secure` when it is HTTPS; default
//! `http://HTTP_ADDR`).

use std::net::SocketAddr;

use super::{ConfigError, parse_bool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebConfig {
    /// `WEB_CONSOLE=on`.
    pub enabled: bool,
    /// Where people reach the console, without a trailing `/`.
    pub public_url: url::Url,
}

impl WebConfig {
    pub(super) fn from_lookup(
        get: &impl Fn(&str) -> Option<String>,
        http_addr: SocketAddr,
    ) -> Result<Self, ConfigError> {
        let enabled = parse_bool("WEB_CONSOLE", get("WEB_CONSOLE"), false)?;
        let public_url = match get("WEB_PUBLIC_URL") {
            None => url::Url::parse(&format!("http://{http_addr}")).map_err(|e| ConfigError::Invalid {
                var: "HTTP_ADDR",
                reason: format!("makes no URL for the console ({e}); set WEB_PUBLIC_URL"),
            })?,
            Some(raw) => url::Url::parse(&raw)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
                .filter(|u| u.query().is_none() && u.fragment().is_none())
                .ok_or_else(|| ConfigError::Invalid {
                    var: "WEB_PUBLIC_URL",
                    reason: "expected where people reach the console, such as https://desk.example.com".into(),
                })
                .and_then(|u| match u.path() {
                    "" | "/" => Ok(u),
                    // Its pages, redirects and cookie all live at `/`.
                    _ => Err(ConfigError::Invalid {
                        var: "WEB_PUBLIC_URL",
                        reason: "the console is served at the root of its host: give no path \
                                 (https://desk.example.com, not https://example.com/desk)"
                            .into(),
                    }),
                })?,
        };
        Ok(Self { enabled, public_url })
    }

    /// Whether the console is reached over HTTPS (its cookies `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.scheme() == "https"
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<WebConfig, ConfigError> {
        let addr: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        WebConfig::from_lookup(&|k| vars.iter().find(|(v, _)| *v == k).map(|(_, value)| value.to_string()), addr)
    }

    #[test]
    fn off_unless_asked_and_reached_at_http_addr_unless_told() {
        let web = read(&[]).unwrap();
        assert!(!web.enabled);
        assert_eq!(web.link("/auth/link?t=x"), "http://127.0.0.1:8080/auth/link?t=x");
        assert!(!web.is_https());
        let web = read(&[("WEB_CONSOLE", "on"), ("WEB_PUBLIC_URL", "https://desk.example.com/")]).unwrap();
        assert!(web.enabled && web.is_https());
        assert_eq!(web.link("/"), "https://desk.example.com/");
    }

    #[test]
    fn a_bad_setting_names_its_variable() {
        for (var, value) in [
            ("WEB_CONSOLE", "maybe"),
            ("WEB_PUBLIC_URL", "desk.example.com"),
            ("WEB_PUBLIC_URL", "ftp://desk.example.com"),
            ("WEB_PUBLIC_URL", "https://desk.example.com/?a=b"),
            ("WEB_PUBLIC_URL", "https://example.com/desk"),
        ] {
            match read(&[(var, value)]) {
                Err(ConfigError::Invalid { var: named, .. }) => assert_eq!(named, var, "{value}"),
                other => panic!("{var}={value}: {other:?}"),
            }
        }
    }
}
