//! Settings from the environment (README, Configuration). A wrong value is refused with its name.
use std::net::SocketAddr;

pub use pmf_process::{ConfigError, LogFormat, init_tracing};

#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub public_url: String,
    pub log_format: LogFormat,
    /// Per-request time limit for GraphQL and reports.
    pub request_timeout_secs: u64,
    /// Load the demo council into an empty database on start.
    pub demo_data: bool,
    /// Bytes of answers the response cache may hold (0: no cache).
    pub response_cache_bytes: usize,
    /// `PMF_RESULTS_CACHE_MB`: rated results kept between requests (0: none).
    pub results_cache_bytes: usize,
    /// Signing in: where sign-in mail goes (`SMTP_URL`, `MAIL_DIR`, `MAIL_FROM`), session
    /// lifetimes, the rate limit and the trusted proxies.
    pub sign_in: crate::sign_in::SignInSettings,
    /// The node limits: `PMF_QUERY_COST_LIMIT` (staff) and `PMF_PUBLIC_QUERY_COST_LIMIT`.
    pub cost_limits: crate::graphql::cost::CostLimits,
    /// The largest workbook upload (`PMF_UPLOAD_MAX_MB`), in bytes.
    pub upload_max_bytes: usize,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
const MIB: usize = 1024 * 1024;
pub use pmf_process::DEFAULT_PUBLIC_URL;

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str, default: &str| lookup(name).unwrap_or_else(|| default.to_string());
        let database_url = pmf_process::database_url(lookup("DATABASE_URL"))?;
        let listen_text = get("PMF_LISTEN", DEFAULT_LISTEN);
        let listen = listen_text.parse().map_err(|_| ConfigError {
            name: "PMF_LISTEN",
            value: listen_text.clone(),
            reason: "expected an address and port such as 127.0.0.1:8080".into(),
        })?;
        let public_url = pmf_process::public_url(lookup("PUBLIC_URL"))?;
        let log_format = LogFormat::from_setting(lookup("LOG_FORMAT"))?;
        let request_timeout_secs = pmf_process::whole_number(
            "PMF_REQUEST_TIMEOUT_SECS",
            lookup("PMF_REQUEST_TIMEOUT_SECS"),
            30,
            1..=600,
            "seconds",
        )?;
        let demo_text = get("PMF_DEMO_DATA", "true");
        let demo_data = match demo_text.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => {
                return Err(ConfigError {
                    name: "PMF_DEMO_DATA",
                    value: demo_text,
                    reason: "expected true or false".into(),
                });
            }
        };
        let megabytes = |name: &'static str, default: usize| {
            pmf_process::whole_number(name, lookup(name), default / MIB, 0..=4096, "megabytes")
                .map(|mb| mb * MIB)
        };
        let response_cache_bytes = megabytes(
            "PMF_RESPONSE_CACHE_MB",
            crate::execute::DEFAULT_RESPONSE_CACHE_BYTES,
        )?;
        let results_cache_bytes = megabytes(
            "PMF_RESULTS_CACHE_MB",
            crate::execute::DEFAULT_RESULTS_CACHE_BYTES,
        )?;
        let sign_in = crate::sign_in::SignInSettings {
            mail: pmf_mail::MailSettings::from_lookup(&lookup)?,
            lifetime: crate::sign_in::SessionLifetime::from_settings(
                lookup("PMF_SESSION_IDLE_HOURS"),
                lookup("PMF_SESSION_MAX_DAYS"),
            )?,
            rate: crate::sign_in::AuthRateLimit::from_settings(
                lookup("PMF_AUTH_RATE_PER_MINUTE"),
                lookup("PMF_AUTH_RATE_BURST"),
            )?,
            trusted_proxies: crate::sign_in::TrustedProxies::from_setting(lookup(
                "PMF_TRUSTED_PROXIES",
            ))?,
        };
        let defaults = crate::graphql::cost::CostLimits::default();
        let cost_limits = crate::graphql::cost::CostLimits {
            staff: pmf_process::whole_number(
                "PMF_QUERY_COST_LIMIT",
                lookup("PMF_QUERY_COST_LIMIT"),
                defaults.staff,
                1..=1_000_000_000,
                "results",
            )?,
            public: pmf_process::whole_number(
                "PMF_PUBLIC_QUERY_COST_LIMIT",
                lookup("PMF_PUBLIC_QUERY_COST_LIMIT"),
                defaults.public,
                1..=1_000_000_000,
                "results",
            )?,
        };
        let upload_max_bytes = pmf_process::whole_number(
            "PMF_UPLOAD_MAX_MB",
            lookup("PMF_UPLOAD_MAX_MB"),
            crate::execute::DEFAULT_UPLOAD_MAX_BYTES / MIB,
            1..=1024,
            "megabytes",
        )? * MIB;
        Ok(Self {
            cost_limits,
            sign_in,
            database_url,
            upload_max_bytes,
            listen,
            public_url,
            log_format,
            request_timeout_secs,
            demo_data,
            response_cache_bytes,
            results_cache_bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_ones() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://pmf.db?mode=rwc");
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.public_url, "http://127.0.0.1:8080");
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.response_cache_bytes, 64 * 1024 * 1024);
        assert_eq!(
            config(&[("PMF_RESPONSE_CACHE_MB", "0")])
                .unwrap()
                .response_cache_bytes,
            0
        );
        assert_eq!(c.results_cache_bytes, 64 * 1024 * 1024);
        assert_eq!(
            config(&[("PMF_RESULTS_CACHE_MB", "8")])
                .unwrap()
                .results_cache_bytes,
            8 * 1024 * 1024
        );
    }

    #[test]
    fn a_wrong_setting_is_named() {
        let e = config(&[("PMF_LISTEN", "localhost")]).unwrap_err();
        assert_eq!(e.name, "PMF_LISTEN");
        assert!(e.to_string().contains("PMF_LISTEN"));
        let e = config(&[("DATABASE_URL", "mysql://root:pw@db/x")]).unwrap_err();
        assert_eq!(e.name, "DATABASE_URL");
        assert!(!e.to_string().contains("pw"), "{e}");
        assert_eq!(
            config(&[("LOG_FORMAT", "xml")]).unwrap_err().name,
            "LOG_FORMAT"
        );
        assert_eq!(
            config(&[("PUBLIC_URL", "example.org")]).unwrap_err().name,
            "PUBLIC_URL"
        );
        for name in ["PMF_RESPONSE_CACHE_MB", "PMF_RESULTS_CACHE_MB"] {
            for wrong in ["-1", "lots", "4097"] {
                assert_eq!(config(&[(name, wrong)]).unwrap_err().name, name);
            }
        }
    }
}
