//! Time, behind a trait so state machines run on simulated time in tests.
//!
//! Intervals, timeouts and deadlines use the **monotonic** clock
//! ([`Clock::monotonic`]): it never jumps, so an NTP step at boot cannot
//! make a debounce fire early or a watchdog ping late. Names, ages and
//! "written at" use the **wall** clock ([`Clock::wall`]).

use std::cell::Cell;
use std::ops::{Add, Sub};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use nix::time::{ClockId, clock_gettime};

/// A point on a monotonic clock: the time since that clock's epoch (boot,
/// for [`SystemClock`]). Only differences between two points of the same
/// clock mean anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct MonoTime(Duration);

impl MonoTime {
    /// The point `since_epoch` after the clock's epoch.
    pub const fn from_duration(since_epoch: Duration) -> Self {
        MonoTime(since_epoch)
    }

    /// The time since the clock's epoch.
    pub const fn as_duration(self) -> Duration {
        self.0
    }

    /// How long after `earlier` this is; zero if it is not after it.
    pub fn saturating_since(self, earlier: MonoTime) -> Duration {
        self.0.saturating_sub(earlier.0)
    }

    /// This point plus `d`, or `None` past the representable end.
    pub fn checked_add(self, d: Duration) -> Option<MonoTime> {
        self.0.checked_add(d).map(MonoTime)
    }
}

impl Add<Duration> for MonoTime {
    type Output = MonoTime;

    /// Saturating: a deadline "never" is the end of time, not a panic.
    fn add(self, d: Duration) -> MonoTime {
        MonoTime(self.0.saturating_add(d))
    }
}

impl Sub for MonoTime {
    type Output = Duration;

    /// Saturating, like [`MonoTime::saturating_since`].
    fn sub(self, earlier: MonoTime) -> Duration {
        self.saturating_since(earlier)
    }
}

/// A source of monotonic and wall time.
pub trait Clock {
    /// Now, on the monotonic clock.
    fn monotonic(&self) -> MonoTime;
    /// Now, on the wall clock.
    fn wall(&self) -> SystemTime;
}

/// The system's clocks: `CLOCK_MONOTONIC` (the clock the loop's timerfd
/// runs on, so deadlines computed here arm it exactly) and the real-time
/// clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn monotonic(&self) -> MonoTime {
        // CLOCK_MONOTONIC cannot fail for a valid clock id on Linux; should
        // it ever, time standing still at zero is caught by no deadline
        // ever passing, never by a panic in a daemon.
        clock_gettime(ClockId::CLOCK_MONOTONIC)
            .map(|t| MonoTime(Duration::from(t)))
            .unwrap_or_default()
    }

    fn wall(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that moves only when a test moves it. Both clocks advance
/// together with [`SimClock::advance`]; [`SimClock::set_wall`] steps the
/// wall clock alone, as NTP does. Clones share one time, so the loop, the
/// daemon and a recording [`crate::notify::Notifier`] all see the same.
#[derive(Debug, Clone)]
pub struct SimClock {
    mono: Rc<Cell<Duration>>,
    wall: Rc<Cell<SystemTime>>,
}

impl SimClock {
    /// A clock at monotonic 1000 s (not zero, so "time since boot" logic is
    /// not special-cased by accident), wall time `wall`.
    pub fn new(wall: SystemTime) -> Self {
        SimClock {
            mono: Rc::new(Cell::new(Duration::from_secs(1000))),
            wall: Rc::new(Cell::new(wall)),
        }
    }

    /// A clock whose wall time starts at 2024-01-01T00:00:00Z.
    pub fn at_2024() -> Self {
        SimClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200))
    }

    /// Moves both clocks forward by `d`.
    pub fn advance(&self, d: Duration) {
        self.mono.set(self.mono.get().saturating_add(d));
        self.wall.set(self.wall.get().checked_add(d).unwrap_or(self.wall.get()));
    }

    /// Moves both clocks forward to monotonic `t`; earlier points are
    /// ignored (monotonic time never goes back).
    pub fn advance_to(&self, t: MonoTime) {
        let now = self.mono.get();
        if t.0 > now {
            self.advance(t.0 - now);
        }
    }

    /// Sets the wall clock alone.
    pub fn set_wall(&self, wall: SystemTime) {
        self.wall.set(wall);
    }
}

impl Clock for SimClock {
    fn monotonic(&self) -> MonoTime {
        MonoTime(self.mono.get())
    }

    fn wall(&self) -> SystemTime {
        self.wall.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_clock_moves_only_when_told() {
        let clock = SimClock::at_2024();
        let (m0, w0) = (clock.monotonic(), clock.wall());
        clock.advance(Duration::from_millis(1500));
        assert_eq!(clock.monotonic() - m0, Duration::from_millis(1500));
        assert_eq!(clock.wall().duration_since(w0).unwrap(), Duration::from_millis(1500));
        clock.advance_to(m0);
        assert_eq!(clock.monotonic() - m0, Duration::from_millis(1500), "never backwards");
        clock.set_wall(w0);
        assert_eq!(clock.clone().wall(), w0, "clones share the time");
        assert_eq!(clock.monotonic() - m0, Duration::from_millis(1500), "wall steps alone");
    }

    #[test]
    fn system_monotonic_is_nonzero_and_does_not_go_back() {
        let a = SystemClock.monotonic();
        let b = SystemClock.monotonic();
        assert!(a.as_duration() > Duration::ZERO);
        assert!(b >= a);
        assert_eq!(a - b, Duration::ZERO, "saturating");
    }
}
