//! Time, injected: the server asks a `Clock`, so tests can move time instead of sleeping.

use chrono::{DateTime, NaiveDateTime, SubsecRound, Utc};
use std::sync::Arc;

/// The source of "now" (UTC, whole milliseconds so it survives both databases unchanged).
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> NaiveDateTime;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc().trunc_subsecs(3)
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// Strapi's wire format for times: `2024-05-01T12:00:00.000Z`.
pub fn iso(time: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(time, Utc)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_has_milliseconds_and_z() {
        let time = chrono::NaiveDate::from_ymd_opt(2024, 5, 1)
            .unwrap()
            .and_hms_milli_opt(12, 0, 0, 7)
            .unwrap();
        assert_eq!(iso(time), "2024-05-01T12:00:00.007Z");
    }
}
