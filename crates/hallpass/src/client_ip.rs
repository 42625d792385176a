//! Who is asking: the client address that the attempt limits count against.
//!
//! The peer address comes from axum's `ConnectInfo<SocketAddr>` (serve the app with
//! `into_make_service_with_connect_info::<SocketAddr>()`). Behind a reverse proxy every peer is the
//! proxy, so the proxies listed in `AUTH_TRUSTED_PROXIES` are looked through: their
//! `X-Forwarded-For` (or `Forwarded`, with `AUTH_TRUSTED_PROXY_HEADER=forwarded`) is read from
//! the right, hop by hop, and the first address that is not a trusted proxy is the client. A
//! header from a peer that is not trusted is ignored: anyone can write one.
//!
//! IPv6 clients are counted by their /64: one host usually holds a whole /64, so counting single
//! addresses would give it 2^64 buckets.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::str::FromStr;

use axum::extract::ConnectInfo;
use http::HeaderMap;
use ipnet::IpNet;

/// Which header trusted proxies write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx, AWS ALB, most proxies).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1`.
    Forwarded,
}

/// The reverse proxies whose forwarding header is believed (`AUTH_TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    nets: Vec<IpNet>,
    header: ProxyHeader,
}

/// A value of `AUTH_TRUSTED_PROXIES` that is not a list of addresses and CIDR ranges.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not an IP address or CIDR range (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)")]
pub struct BadProxy(String);

impl TrustedProxies {
    /// No proxy: the peer address is the client.
    pub fn none() -> Self {
        Self::default()
    }

    /// Parses a comma- or space-separated list of addresses and CIDR ranges.
    pub fn parse(list: &str) -> Result<Self, BadProxy> {
        let nets = list
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                IpNet::from_str(s)
                    .or_else(|_| IpAddr::from_str(s).map(IpNet::from))
                    .map_err(|_| BadProxy(s.chars().take(64).collect()))
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            nets,
            header: ProxyHeader::default(),
        })
    }

    /// Reads `header` instead of `X-Forwarded-For`.
    pub fn header(mut self, header: ProxyHeader) -> Self {
        self.header = header;
        self
    }

    /// Whether any proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.nets.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.nets.iter().any(|n| n.contains(&ip))
    }

    /// The client's address: the peer's, looked through trusted proxies; `None` when the app is
    /// not served with connect info.
    pub fn client(&self, ext: &http::Extensions, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = canonical(ext.get::<ConnectInfo<SocketAddr>>()?.0.ip());
        if !self.trusts(peer) {
            return Some(peer);
        }
        let hops = match self.header {
            ProxyHeader::XForwardedFor => forwarded_for(headers),
            ProxyHeader::Forwarded => forwarded(headers),
        };
        let mut client = peer;
        // From the right: each hop was written by the one after it, which we trust so far.
        for hop in hops.iter().rev() {
            match hop {
                Some(ip) => {
                    client = *ip;
                    if !self.trusts(*ip) {
                        return Some(client);
                    }
                }
                // Garbage written by a trusted proxy: nothing left of it can be believed.
                None => return Some(client),
            }
        }
        Some(client)
    }
}

/// The bucket an address counts in: itself, or its /64 for IPv6.
pub(crate) fn bucket(ip: IpAddr) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let net = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
            format!("{net}/64")
        }
    }
}

/// `::ffff:1.2.3.4` is 1.2.3.4 (a dual-stack listener reports IPv4 peers that way).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// Every `X-Forwarded-For` hop, in order; `None` for one that is not an address.
fn forwarded_for(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("\u{0}").split(','))
        .map(|hop| parse_hop(hop.trim()))
        .collect()
}

/// Every `Forwarded` element's `for=`, in order; `None` for one without a usable address.
fn forwarded(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    headers
        .get_all("forwarded")
        .iter()
        .flat_map(|v| v.to_str().unwrap_or("\u{0}").split(','))
        .map(|element| {
            element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| parse_hop(v.trim().trim_matches('"')))
        })
        .collect()
}

/// `1.2.3.4`, `1.2.3.4:80`, `2001:db8::1`, `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(hop) {
        return Some(canonical(ip));
    }
    SocketAddr::from_str(hop).ok().map(|s| canonical(s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ext(peer: &str) -> http::Extensions {
        let mut e = http::Extensions::new();
        e.insert(ConnectInfo(SocketAddr::from_str(peer).unwrap()));
        e
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(IpAddr::from_str(s).unwrap())
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
        let t = TrustedProxies::none();
        let h = headers(&[("x-forwarded-for", "9.9.9.9"), ("forwarded", "for=8.8.8.8")]);
        assert_eq!(t.client(&ext("127.0.0.2:5000"), &h), ip("127.0.0.2"));
        assert_eq!(
            t.client(&http::Extensions::new(), &h),
            None,
            "no connect info"
        );
    }

    #[test]
    fn trusted_hops_are_looked_through_from_the_right() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1").unwrap();
        // The client forged the first entry; the proxies appended the rest.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.7, 10.1.2.3")]);
        assert_eq!(t.client(&ext("192.168.1.1:80"), &h), ip("203.0.113.7"));
        // Two headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "203.0.113.8"),
        ]);
        assert_eq!(t.client(&ext("10.9.9.9:80"), &h), ip("203.0.113.8"));
        // An untrusted peer's header is not read.
        assert_eq!(t.client(&ext("203.0.113.9:80"), &h), ip("203.0.113.9"));
        // All hops trusted: the leftmost is the client.
        let h = headers(&[("x-forwarded-for", "10.0.0.5, 10.0.0.6")]);
        assert_eq!(t.client(&ext("10.0.0.7:80"), &h), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(
            t.client(&ext("10.0.0.7:80"), &HeaderMap::new()),
            ip("10.0.0.7")
        );
    }

    #[test]
    fn garbage_stops_the_walk_at_the_last_believed_hop() {
        let t = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "1.1.1.1, not-an-ip, 10.0.0.2")]);
        assert_eq!(t.client(&ext("10.0.0.1:80"), &h), ip("10.0.0.2"));
    }

    #[test]
    fn forwarded_header_with_ports_quotes_and_ipv6() {
        let t = TrustedProxies::parse("::1")
            .unwrap()
            .header(ProxyHeader::Forwarded);
        let h = headers(&[(
            "forwarded",
            r#"for=1.1.1.1, for="[2001:db8:cafe::17]:4711";proto=https"#,
        )]);
        assert_eq!(t.client(&ext("[::1]:80"), &h), ip("2001:db8:cafe::17"));
        // X-Forwarded-For is not read when Forwarded is the chosen header.
        let h = headers(&[("x-forwarded-for", "1.1.1.1")]);
        assert_eq!(t.client(&ext("[::1]:80"), &h), ip("::1"));
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            bucket(IpAddr::from_str("2001:db8:1:2:aaaa::1").unwrap()),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            bucket(IpAddr::from_str("::ffff:127.0.0.3").unwrap()),
            "127.0.0.3"
        );
    }

    #[test]
    fn bad_lists_are_refused_with_the_entry() {
        assert_eq!(
            TrustedProxies::parse("10.0.0.0/8, proxy.internal"),
            Err(BadProxy("proxy.internal".into()))
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse(" ").unwrap().is_empty());
    }
}
