//! The session cookie: its `Set-Cookie` attributes, the cookie that clears it, reading it
//! from a request, and the session lifetime settings.
//!
//! `pmf_session=VALUE; Path=/; Max-Age=N; HttpOnly; SameSite=Lax` and `; Secure` whenever
//! `PUBLIC_URL` is https. No `Domain`, so the cookie is sent to exactly the host that set it.
//! `SameSite=Lax` keeps it off cross-site sub-requests and cross-site POSTs, while a link
//! from an e-mail or the provider's redirect back still carries it (a top-level GET).
//!
//! The cookie crate is not in the dependency tree, so the few rules needed are written here
//! (RFC 6265 §4.1.1 for what a value may hold, §5.4 for how browsers send `Cookie`).
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header::COOKIE};
use pmf_process::{ConfigError, whole_number};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "pmf_session";

/// The settings for the session lifetime.
pub const SESSION_IDLE_HOURS_SETTING: &str = "PMF_SESSION_IDLE_HOURS";
pub const SESSION_MAX_DAYS_SETTING: &str = "PMF_SESSION_MAX_DAYS";

/// How long a session lasts: it ends after `idle` without a request, and `max` after it
/// began whatever happens. The server enforces both; the cookie's `Max-Age` is only the
/// browser's copy of the absolute end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLifetime {
    pub idle: Duration,
    pub max: Duration,
}

impl Default for SessionLifetime {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(8 * 3600),
            max: Duration::from_secs(30 * 86_400),
        }
    }
}

impl SessionLifetime {
    /// `PMF_SESSION_IDLE_HOURS` (default 8, 1 to 720) and `PMF_SESSION_MAX_DAYS` (default 30,
    /// 1 to 365); the idle time may not exceed the maximum.
    pub fn from_settings(
        idle_hours: Option<String>,
        max_days: Option<String>,
    ) -> Result<Self, ConfigError> {
        let idle_text = idle_hours.clone();
        let idle: u64 = whole_number(SESSION_IDLE_HOURS_SETTING, idle_hours, 8, 1..=720, "hours")?;
        let max: u64 = whole_number(SESSION_MAX_DAYS_SETTING, max_days, 30, 1..=365, "days")?;
        if idle > max * 24 {
            return Err(ConfigError {
                name: SESSION_IDLE_HOURS_SETTING,
                value: idle_text.unwrap_or_default(),
                reason: format!(
                    "the idle time may not be longer than {SESSION_MAX_DAYS_SETTING} ({max} days)"
                ),
            });
        }
        Ok(Self {
            idle: Duration::from_secs(idle * 3600),
            max: Duration::from_secs(max * 86_400),
        })
    }
}

/// A session cookie value that cannot be put in a cookie (empty, or with a character outside
/// RFC 6265's cookie-octets: space, `"`, `,`, `;`, `\`, controls, non-ASCII).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a session token must be 1 to 4000 cookie-safe characters (letters, digits, -_.~+/=)")]
pub struct BadCookieValue;

/// Builds the session cookie's `Set-Cookie` headers for one `PUBLIC_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionCookie {
    secure: bool,
}

impl SessionCookie {
    /// `Secure` when `public_url` is https (`PUBLIC_URL` as `pmf_store::process::public_url`
    /// returns it).
    pub fn for_public_url(public_url: &str) -> Self {
        Self {
            secure: public_url
                .trim()
                .get(..8)
                .is_some_and(|s| s.eq_ignore_ascii_case("https://")),
        }
    }

    /// Whether the cookie is marked `Secure`.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// `Set-Cookie` for a new session token, kept by the browser for `max_age` (whole seconds,
    /// rounded down; the session's remaining absolute lifetime).
    pub fn set(&self, token: &str, max_age: Duration) -> Result<HeaderValue, BadCookieValue> {
        if token.is_empty() || token.len() > 4000 || !token.bytes().all(is_cookie_octet) {
            return Err(BadCookieValue);
        }
        let value = self.attributes(token, max_age.as_secs());
        HeaderValue::from_str(&value).map_err(|_| BadCookieValue)
    }

    /// `Set-Cookie` that removes the session cookie (sign-out, or a session found invalid).
    pub fn clear(&self) -> HeaderValue {
        HeaderValue::from_str(&self.attributes("", 0)).expect("the clearing cookie is plain ASCII")
    }

    fn attributes(&self, value: &str, max_age: u64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!(
            "{SESSION_COOKIE}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}"
        )
    }
}

/// RFC 6265 §4.1.1 cookie-octet: printable ASCII except space, `"`, `,`, `;` and `\`.
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// Every value of the cookie `name` in a request's `Cookie` headers, in the order sent
/// (several headers, several cookies each). A value in double quotes is unquoted. A header
/// that is not text and a pair without `=` or with characters a cookie cannot hold are
/// skipped; names are compared exactly (they are case-sensitive).
///
/// A browser may send two cookies of one name (another one set for a parent domain by a
/// sibling site, "cookie tossing"): a caller should try each, not just the first.
pub fn cookie_values<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    for header in headers.get_all(COOKIE) {
        let Ok(text) = header.to_str() else {
            continue;
        };
        for pair in text.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key.trim() != name {
                continue;
            }
            let value = value.trim();
            let value = match value.strip_prefix('"') {
                Some(rest) => match rest.strip_suffix('"') {
                    Some(inner) => inner,
                    None => continue,
                },
                None => value,
            };
            if !value.is_empty() && value.bytes().all(is_cookie_octet) {
                found.push(value);
            }
        }
    }
    found
}

/// The first value of the cookie `name`, as `cookie_values`.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    cookie_values(headers, name).into_iter().next()
}

/// The session tokens a request carries in `pmf_session` (usually one; see `cookie_values`).
pub fn session_tokens(headers: &HeaderMap) -> Vec<&str> {
    cookie_values(headers, SESSION_COOKIE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(COOKIE, HeaderValue::from_bytes(v).unwrap());
        }
        headers
    }

    #[test]
    fn set_cookie_has_every_attribute_and_secure_only_on_https() {
        let day = Duration::from_secs(86_400);
        let http = SessionCookie::for_public_url("http://127.0.0.1:8080");
        assert_eq!(
            http.set("abc-DEF_123", day).unwrap(),
            "pmf_session=abc-DEF_123; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax"
        );
        let https = SessionCookie::for_public_url("HTTPS://dashboard.council.gov.uk");
        assert!(https.secure());
        assert_eq!(
            https.set("t0ken", Duration::from_millis(90_500)).unwrap(),
            "pmf_session=t0ken; Path=/; Max-Age=90; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            https.clear(),
            "pmf_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            http.clear(),
            "pmf_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
        );
    }

    #[test]
    fn values_that_could_inject_attributes_are_refused() {
        let c = SessionCookie::for_public_url("https://x.example");
        for bad in [
            "",
            "a;Domain=evil",
            "a b",
            "a,b",
            "\"a\"",
            "a\\b",
            "é",
            "a\nb",
        ] {
            assert_eq!(
                c.set(bad, Duration::from_secs(1)),
                Err(BadCookieValue),
                "{bad:?}"
            );
        }
        assert!(c.set(&"a".repeat(4001), Duration::from_secs(1)).is_err());
        assert!(c.set("base64+/=~.", Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn reads_the_cookie_among_several_headers_and_cookies() {
        let h = cookies(&[
            b"theme=dark; pmf_session=first",
            b"lang=en;pmf_session=second",
        ]);
        assert_eq!(session_tokens(&h), vec!["first", "second"]);
        assert_eq!(cookie_value(&h, "theme"), Some("dark"));
        assert_eq!(cookie_value(&h, "lang"), Some("en"));
        assert_eq!(cookie_value(&h, "missing"), None);
        assert_eq!(cookie_value(&HeaderMap::new(), SESSION_COOKIE), None);
    }

    #[test]
    fn quoted_values_spaces_and_case() {
        let h = cookies(&[b"  pmf_session = \"quoted\" ; PMF_SESSION=upper"]);
        assert_eq!(session_tokens(&h), vec!["quoted"]);
        assert_eq!(cookie_value(&h, "PMF_SESSION"), Some("upper"));
        // A value may hold `=`.
        let h = cookies(&[b"pmf_session=YWJj=="]);
        assert_eq!(session_tokens(&h), vec!["YWJj=="]);
    }

    #[test]
    fn malformed_pieces_are_ignored() {
        let h = cookies(&[
            b"pmf_session=\xffbroken",
            b"garbage; =nameless; pmf_session; pmf_session=\"unterminated",
            b"pmf_session=; pmf_session=a b; pmf_session=ok",
        ]);
        assert_eq!(session_tokens(&h), vec!["ok"]);
    }

    #[test]
    fn lifetime_settings_have_defaults_and_are_refused_by_name() {
        let d = SessionLifetime::from_settings(None, None).unwrap();
        assert_eq!(d, SessionLifetime::default());
        assert_eq!(d.idle, Duration::from_secs(8 * 3600));
        assert_eq!(d.max, Duration::from_secs(30 * 86_400));
        let s = SessionLifetime::from_settings(Some("12".into()), Some("7".into())).unwrap();
        assert_eq!((s.idle.as_secs(), s.max.as_secs()), (12 * 3600, 7 * 86_400));
        let e = SessionLifetime::from_settings(Some("0".into()), None).unwrap_err();
        assert_eq!(e.name, "PMF_SESSION_IDLE_HOURS");
        let e = SessionLifetime::from_settings(None, Some("forever".into())).unwrap_err();
        assert_eq!(e.name, "PMF_SESSION_MAX_DAYS");
        let e = SessionLifetime::from_settings(Some("48".into()), Some("1".into())).unwrap_err();
        assert_eq!(e.name, "PMF_SESSION_IDLE_HOURS");
        assert!(e.reason.contains("PMF_SESSION_MAX_DAYS"), "{e}");
    }
}
