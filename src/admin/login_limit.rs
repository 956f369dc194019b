//! Throttling of failed sign-ins: five failures for one email from one address within a
//! minute lock that pair out for the rest of the minute. Kept in memory, per instance.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);
const MAX_FAILURES: u32 = 5;
/// Above this many tracked pairs, expired windows are swept out on the next failure.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct LoginLimiter {
    windows: Mutex<HashMap<(String, IpAddr), Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

impl LoginLimiter {
    /// Whether this pair is locked out now.
    pub fn is_locked(&self, email: &str, ip: IpAddr) -> bool {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows
            .get(&(email.to_string(), ip))
            .is_some_and(|w| w.started.elapsed() < WINDOW && w.failures >= MAX_FAILURES)
    }

    /// Counts a failed sign-in.
    pub fn record_failure(&self, email: &str, ip: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.started.elapsed() < WINDOW);
        }
        let window = windows.entry((email.to_string(), ip)).or_insert(Window {
            started: Instant::now(),
            failures: 0,
        });
        if window.started.elapsed() >= WINDOW {
            *window = Window {
                started: Instant::now(),
                failures: 0,
            };
        }
        window.failures += 1;
    }

    /// A successful sign-in clears the pair's failures.
    pub fn record_success(&self, email: &str, ip: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        windows.remove(&(email.to_string(), ip));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_five_failures_per_pair() {
        let limiter = LoginLimiter::default();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..4 {
            limiter.record_failure("a@x.io", ip);
        }
        assert!(!limiter.is_locked("a@x.io", ip));
        limiter.record_failure("a@x.io", ip);
        assert!(limiter.is_locked("a@x.io", ip));
        assert!(!limiter.is_locked("a@x.io", other));
        assert!(!limiter.is_locked("b@x.io", ip));
    }
}
