//! Time as a dependency. Everything in this crate takes dates and times as arguments; the
//! services that need "now" get it from a [`Clock`], so tests can pin or move time with
//! [`FixedClock`]. [`SystemClock`] is the only place that reads the wall clock.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

/// A source of the current instant.
pub trait Clock: Send + Sync + 'static {
    /// The current instant, in UTC.
    fn now(&self) -> DateTime<Utc>;

    /// Today's date in the given time zone (for example an organisation's `Europe/London`).
    fn today(&self, tz: Tz) -> NaiveDate {
        self.now().with_timezone(&tz).date_naive()
    }
}

/// The real clock. The only code in the crate that reads the wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told otherwise; for tests and simulations.
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock showing `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        FixedClock {
            now: Mutex::new(now),
        }
    }

    /// Moves the clock to `now` (backwards is allowed).
    pub fn set(&self, now: DateTime<Utc>) {
        *self.lock() = now;
    }

    /// Moves the clock by `by` (negative durations go back in time).
    pub fn advance(&self, by: chrono::Duration) {
        let mut guard = self.lock();
        *guard += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, DateTime<Utc>> {
        // A panic while holding this lock cannot leave the timestamp half-written.
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.lock()
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    fn now(&self) -> DateTime<Utc> {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn fixed_clock_set_and_advance() {
        let c = FixedClock::new(at(2025, 4, 10, 8, 0));
        assert_eq!(c.now(), at(2025, 4, 10, 8, 0));
        c.advance(chrono::Duration::days(1));
        assert_eq!(c.now(), at(2025, 4, 11, 8, 0));
        c.advance(chrono::Duration::minutes(-30));
        assert_eq!(c.now(), at(2025, 4, 11, 7, 30));
        c.set(at(2030, 1, 1, 0, 0));
        assert_eq!(c.now(), at(2030, 1, 1, 0, 0));
    }

    #[test]
    fn today_uses_the_time_zone() {
        // 23:30 UTC on 30 June is already 1 July in London (BST).
        let c = FixedClock::new(at(2025, 6, 30, 23, 30));
        assert_eq!(
            c.today(chrono_tz::Europe::London),
            NaiveDate::from_ymd_opt(2025, 7, 1).unwrap()
        );
        assert_eq!(
            c.today(chrono_tz::UTC),
            NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()
        );
    }

    #[test]
    fn clocks_work_behind_arc_dyn() {
        let c: Arc<dyn Clock> = Arc::new(FixedClock::new(at(2025, 1, 1, 0, 0)));
        assert_eq!(c.now(), at(2025, 1, 1, 0, 0));
        let shared = Arc::new(FixedClock::new(at(2025, 1, 1, 0, 0)));
        let as_clock: Arc<dyn Clock> = shared.clone();
        shared.advance(chrono::Duration::hours(1));
        assert_eq!(as_clock.now(), at(2025, 1, 1, 1, 0));
    }
}
