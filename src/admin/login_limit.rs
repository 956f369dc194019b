//! Throttling of sign-ins: five attempts for one email from one address within a minute, not
//! followed by a success, lock that pair out for the rest of the minute. Kept in memory, per
//! instance.

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
    attempts: u32,
}

impl LoginLimiter {
    /// Counts a sign-in attempt of this pair before its password is checked: `false` (locked
    /// out) once five attempts of the minute are counted. Counting first, under one lock, is
    /// what keeps concurrent attempts from all being checked; a success takes its count back.
    pub fn begin_attempt(&self, email: &str, ip: IpAddr) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > SWEEP_ABOVE {
            windows.retain(|_, w| w.started.elapsed() < WINDOW);
        }
        let window = windows.entry((email.to_string(), ip)).or_insert(Window {
            started: Instant::now(),
            attempts: 0,
        });
        if window.started.elapsed() >= WINDOW {
            *window = Window {
                started: Instant::now(),
                attempts: 0,
            };
        }
        if window.attempts >= MAX_FAILURES {
            return false;
        }
        window.attempts += 1;
        true
    }

    /// A successful sign-in clears the pair's count.
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
        for _ in 0..5 {
            assert!(limiter.begin_attempt("a@x.io", ip));
        }
        assert!(!limiter.begin_attempt("a@x.io", ip));
        assert!(limiter.begin_attempt("a@x.io", other));
        assert!(limiter.begin_attempt("b@x.io", ip));
        limiter.record_success("b@x.io", ip);
        for _ in 0..5 {
            assert!(limiter.begin_attempt("b@x.io", ip));
        }
    }
}
