//! Limits on a token beyond its permissions: where it may be used from (`allowedIps`, addresses
//! and CIDR ranges, Stripe's restricted keys) and how often (`rateLimit`, requests a minute, in
//! an in-memory token bucket), with the client's address as trusted proxies report it.

pub use crate::support::net::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A token's limits; the default limits nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenPolicy {
    /// Where the token may be used from; empty: anywhere.
    pub allowed_ips: Vec<IpNet>,
    /// Requests a minute; `None`: no limit.
    pub rate_limit: Option<u32>,
}

impl TokenPolicy {
    pub fn is_empty(&self) -> bool {
        self.allowed_ips.is_empty() && self.rate_limit.is_none()
    }

    /// Whether a request from `client` may use the token (an unknown address may not, when the
    /// token has an allowlist).
    pub fn allows_ip(&self, client: Option<IpAddr>) -> bool {
        self.allowed_ips.is_empty()
            || client.is_some_and(|ip| self.allowed_ips.iter().any(|net| net.contains(ip)))
    }
}

/// The address of the client: the peer's, or, when the peer is a trusted proxy, the right-most
/// address of `X-Forwarded-For` that is not itself a trusted proxy (the left part of the header
/// is whatever the client wrote, and proves nothing).
pub fn client_ip(
    peer: Option<IpAddr>,
    forwarded_for: Option<&str>,
    trusted: &[IpNet],
) -> Option<IpAddr> {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(peer) {
        return Some(peer);
    }
    let Some(header) = forwarded_for else {
        return Some(peer);
    };
    let mut nearest = peer;
    for hop in header.rsplit(',') {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) if is_trusted(ip) => nearest = ip,
            Ok(ip) => return Some(ip),
            // An unreadable hop: the nearest address known for sure.
            Err(_) => return Some(nearest),
        }
    }
    Some(nearest)
}

/// Per rate-limited token, `rate` requests a minute in bursts of up to `rate`: a token bucket
/// kept as its theoretical arrival time (GCRA), in whole nanoseconds. In memory and per
/// instance; a token without a limit never touches it.
#[derive(Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<i32, Bucket>>,
}

struct Bucket {
    rate: u32,
    /// When the bucket would be full again if no request came.
    full_at: Instant,
}

impl RateLimiter {
    /// Takes one request from token `id`'s allowance, or says in how many whole seconds the next
    /// one will be allowed.
    pub fn take(&self, id: i32, rate: u32, now: Instant) -> Result<(), u64> {
        let rate = rate.max(1);
        let interval = Duration::from_nanos(60_000_000_000 / u64::from(rate));
        let burst = interval * (rate - 1);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bucket = buckets.entry(id).or_insert(Bucket { rate, full_at: now });
        if bucket.rate != rate {
            // The limit changed: start afresh under the new one.
            *bucket = Bucket { rate, full_at: now };
        }
        let full_at = bucket.full_at.max(now);
        let ahead = full_at - now;
        if ahead > burst {
            let wait = ahead - burst;
            return Err(wait.as_secs() + u64::from(wait.subsec_nanos() > 0));
        }
        bucket.full_at = full_at + interval;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(text: &str) -> IpNet {
        IpNet::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ranges_of_both_families() {
        assert!(net("203.0.113.7").contains(ip("203.0.113.7")));
        assert!(!net("203.0.113.7").contains(ip("203.0.113.8")));
        assert!(net("10.0.0.0/8").contains(ip("10.200.3.4")));
        assert!(!net("10.0.0.0/8").contains(ip("11.0.0.1")));
        assert!(
            net("10.1.2.3/8").contains(ip("10.9.9.9")),
            "host bits are cleared"
        );
        assert!(net("0.0.0.0/0").contains(ip("192.0.2.1")));
        assert!(net("2001:db8::/32").contains(ip("2001:db8:1::5")));
        assert!(!net("2001:db8::/32").contains(ip("2001:db9::5")));
        assert!(net("::1").contains(ip("::1")));
        assert!(net("192.0.2.0/24").contains(ip("::ffff:192.0.2.9")));
        assert!(net("::ffff:192.0.2.0/120").contains(ip("192.0.2.9")));
        assert_eq!(net("::ffff:192.0.2.0/120").to_string(), "192.0.2.0/24");
        assert!(!net("::/0").contains(ip("192.0.2.9")));
        assert_eq!(net("10.1.2.3/8").to_string(), "10.0.0.0/8");
        assert_eq!(net("2001:db8::1").to_string(), "2001:db8::1");
        for bad in [
            "",
            "10.0.0.0/33",
            "::/129",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "10.0.0/8",
            "x",
            "1.2.3.4/+8",
        ] {
            assert_eq!(IpNet::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let proxies = [net("10.0.0.0/8")];
        let header = Some("198.51.100.1, 203.0.113.9, 10.0.0.2");
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), header, &proxies),
            Some(ip("203.0.113.9"))
        );
        assert_eq!(
            client_ip(Some(ip("192.0.2.1")), header, &proxies),
            Some(ip("192.0.2.1"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), None, &proxies),
            Some(ip("10.0.0.1"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), Some("junk, 10.0.0.3"), &proxies),
            Some(ip("10.0.0.3"))
        );
        assert_eq!(
            client_ip(Some(ip("10.0.0.1")), header, &[]),
            Some(ip("10.0.0.1"))
        );
    }

    #[test]
    fn buckets_refill_at_the_rate() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.take(1, 3, start), Ok(()));
        }
        assert_eq!(limiter.take(1, 3, start), Err(20));
        assert_eq!(limiter.take(2, 3, start), Ok(()), "buckets are per token");
        assert_eq!(limiter.take(1, 3, start + Duration::from_secs(19)), Err(1));
        assert_eq!(limiter.take(1, 3, start + Duration::from_secs(20)), Ok(()));
        assert_eq!(
            limiter.take(1, 6, start + Duration::from_secs(20)),
            Ok(()),
            "a new limit starts afresh"
        );
    }
}
