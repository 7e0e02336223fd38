//! Who the client is, behind the council's reverse proxy.
//!
//! The address a request comes from is the TCP peer, unless that peer is one of the
//! `PMF_TRUSTED_PROXIES`: then it is the right-most address of `X-Forwarded-For` that is not
//! itself a trusted proxy. Everything to the left of that address was written by the client
//! and proves nothing, so it is never looked at. Nothing is trusted by default: with the
//! setting empty, `X-Forwarded-For` is ignored and the peer is the client.
//!
//! The peer address comes from axum's `ConnectInfo<SocketAddr>`, which exists only when the
//! server is run with `into_make_service_with_connect_info::<SocketAddr>()`.
use std::{
    convert::Infallible,
    net::{IpAddr, SocketAddr},
    sync::Arc,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, StatusCode, request::Parts},
};
use ipnet::IpNet;
use pmf_process::ConfigError;

/// The setting that lists the trusted reverse proxies.
pub const TRUSTED_PROXIES_SETTING: &str = "PMF_TRUSTED_PROXIES";

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses and CIDR ranges,
/// IPv4 and IPv6. Empty (trust nobody) by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Arc<[IpNet]>,
}

impl TrustedProxies {
    /// Trusts no proxy: the peer is always the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma- or space-separated list such as `10.0.0.0/8, 192.168.1.10, ::1,
    /// fd00::/8`. An empty text trusts nobody. Returns the first entry that is neither an
    /// address nor a CIDR range.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for entry in text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|e| !e.is_empty())
        {
            let net = match entry.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => match entry.parse::<IpAddr>() {
                    Ok(ip) => IpNet::from(ip.to_canonical()),
                    Err(_) => return Err(entry.to_string()),
                },
            };
            nets.push(net);
        }
        Ok(Self { nets: nets.into() })
    }

    /// `PMF_TRUSTED_PROXIES` (unset or empty: trust nobody).
    pub fn from_setting(value: Option<String>) -> Result<Self, ConfigError> {
        let Some(text) = value else {
            return Ok(Self::none());
        };
        Self::parse(&text).map_err(|bad| ConfigError {
            name: TRUSTED_PROXIES_SETTING,
            reason: format!(
                "{bad:?} is neither an IP address nor a CIDR range: expected a list such as \
                 \"10.0.0.0/8, 192.168.1.10, fd00::/8\""
            ),
            value: text,
        })
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    /// Whether `ip` is a trusted proxy (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.nets.iter().any(|net| net.contains(&ip))
    }

    /// The client address of a request from `peer` with these `headers`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_ip(peer, headers, self)
    }
}

/// The client address of a request: `peer`, unless `peer` is a trusted proxy; then the
/// right-most `X-Forwarded-For` address that is not a trusted proxy (the left-most one if all
/// are), and `peer` when the header is missing or malformed. Several `X-Forwarded-For`
/// headers count as one list, in order. An entry may carry a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), which is dropped.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let mut lists = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        match value.to_str() {
            Ok(text) => lists.push(text),
            // Our proxy writes ASCII: anything else was not written by it.
            Err(_) => return peer,
        }
    }
    let entries: Vec<&str> = lists.iter().flat_map(|l| l.split(',')).collect();
    let mut leftmost = None;
    for entry in entries.iter().rev() {
        let Some(ip) = parse_forwarded_entry(entry) else {
            // Garbage before we reached an untrusted address: our proxies did not write it.
            return peer;
        };
        if !trusted.contains(ip) {
            return ip;
        }
        leftmost = Some(ip);
    }
    // No header (or an empty one): the peer. All trusted: the first hop, itself a proxy.
    leftmost.unwrap_or(peer)
}

fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    entry
        .parse::<SocketAddr>()
        .ok()
        .map(|addr| addr.ip().to_canonical())
}

/// The client address as an axum extractor. Needs the `TrustedProxies` in the request's
/// extensions (`Router::layer(Extension(trusted))`; none there means trust nobody) and
/// `ConnectInfo<SocketAddr>` (the server run with `into_make_service_with_connect_info`);
/// without `ConnectInfo` the request is refused with 500, since a limit keyed on nothing
/// would be shared by everyone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    /// The client address of a request's parts, `None` without `ConnectInfo`.
    pub fn of_parts(parts: &Parts) -> Option<IpAddr> {
        Self::of(&parts.extensions, &parts.headers)
    }

    /// The client address from a request's extensions and headers.
    pub fn of(extensions: &axum::http::Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>()?.0.ip();
        let trusted = extensions.get::<TrustedProxies>();
        Some(match trusted {
            Some(trusted) => client_ip(peer, headers, trusted),
            None => peer.to_canonical(),
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Self::of_parts(parts).map(ClientIp).ok_or((
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server does not know the client's address (no ConnectInfo)",
        ))
    }
}

/// Never fails: lets `Option<ClientIp>` be used where the address is only nice to have.
impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(Self::of_parts(parts).map(ClientIp))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        headers
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::parse("10.0.0.0/8, 192.168.1.10 fd00::/8").unwrap()
    }

    #[test]
    fn parses_addresses_and_ranges_of_both_families() {
        let t = TrustedProxies::parse(" 10.0.0.0/8,192.168.1.10 , ::1, fd00::/8,").unwrap();
        assert!(t.contains(ip("10.255.0.1")));
        assert!(t.contains(ip("192.168.1.10")));
        assert!(!t.contains(ip("192.168.1.11")));
        assert!(t.contains(ip("::1")));
        assert!(t.contains(ip("fd12:3456::1")));
        assert!(!t.contains(ip("2001:db8::1")));
        // An IPv4-mapped IPv6 peer (a dual-stack listener) is its IPv4 address.
        assert!(t.contains(ip("::ffff:10.1.2.3")));
        // A range written with host bits set still means the range.
        assert!(
            TrustedProxies::parse("10.1.2.3/8")
                .unwrap()
                .contains(ip("10.9.9.9"))
        );
    }

    #[test]
    fn the_setting_is_empty_by_default_and_refused_by_name() {
        assert!(TrustedProxies::from_setting(None).unwrap().is_empty());
        assert!(
            TrustedProxies::from_setting(Some(" ".into()))
                .unwrap()
                .is_empty()
        );
        let e = TrustedProxies::from_setting(Some("10.0.0.0/8, proxy.local".into())).unwrap_err();
        assert_eq!(e.name, "PMF_TRUSTED_PROXIES");
        assert!(e.reason.contains("proxy.local"), "{e}");
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_says() {
        let t = proxies();
        let spoof = xff(&["1.2.3.4", "10.0.0.1"]);
        assert_eq!(client_ip(ip("203.0.113.9"), &spoof, &t), ip("203.0.113.9"));
        // With nobody trusted (the default), the header is never read.
        assert_eq!(
            client_ip(ip("10.0.0.1"), &spoof, &TrustedProxies::none()),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_address_is_the_client() {
        let t = proxies();
        let peer = ip("10.0.0.1");
        assert_eq!(
            client_ip(peer, &xff(&["203.0.113.9"]), &t),
            ip("203.0.113.9")
        );
        // The client put a fake address in front; our proxy appended the real one.
        assert_eq!(
            client_ip(peer, &xff(&["6.6.6.6, 203.0.113.9"]), &t),
            ip("203.0.113.9")
        );
        // Two proxies of ours in a chain are skipped.
        assert_eq!(
            client_ip(peer, &xff(&["6.6.6.6, 203.0.113.9, 192.168.1.10"]), &t),
            ip("203.0.113.9")
        );
        // Several headers are one list in order.
        assert_eq!(
            client_ip(peer, &xff(&["6.6.6.6", "203.0.113.9", "10.2.2.2"]), &t),
            ip("203.0.113.9")
        );
        // IPv6, with ports.
        assert_eq!(
            client_ip(peer, &xff(&["[2001:db8::7]:4711, 10.2.2.2:80"]), &t),
            ip("2001:db8::7")
        );
        assert_eq!(
            client_ip(ip("fd00::1"), &xff(&["2001:db8::7"]), &t),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn missing_or_malformed_headers_leave_the_peer() {
        let t = proxies();
        let peer = ip("10.0.0.1");
        assert_eq!(client_ip(peer, &HeaderMap::new(), &t), peer);
        assert_eq!(client_ip(peer, &xff(&[""]), &t), peer);
        assert_eq!(client_ip(peer, &xff(&["not-an-ip"]), &t), peer);
        assert_eq!(client_ip(peer, &xff(&["203.0.113.9, garbage"]), &t), peer);
        let mut bytes = HeaderMap::new();
        bytes.insert(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"203.0.113.9\xff").unwrap(),
        );
        assert_eq!(client_ip(peer, &bytes, &t), peer);
        // Garbage left of the real client is the client's own doing, and ignored.
        assert_eq!(
            client_ip(peer, &xff(&["garbage, 203.0.113.9"]), &t),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn all_trusted_gives_the_first_hop() {
        let t = proxies();
        assert_eq!(
            client_ip(ip("10.0.0.1"), &xff(&["10.3.3.3, 10.2.2.2"]), &t),
            ip("10.3.3.3")
        );
    }

    #[test]
    fn the_extractor_reads_connect_info_and_the_setting() {
        let request = axum::http::Request::builder()
            .header("x-forwarded-for", "203.0.113.9")
            .extension(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 5000))))
            .extension(proxies())
            .body(())
            .unwrap();
        let (parts, _) = request.into_parts();
        assert_eq!(ClientIp::of_parts(&parts), Some(ip("203.0.113.9")));
        let (parts, _) = axum::http::Request::new(()).into_parts();
        assert_eq!(ClientIp::of_parts(&parts), None);
    }
}
