//! The loop on simulated time: the same loop code, with the wait replaced
//! by a script of signals, fd events and test actions on a [`SimClock`].

use std::collections::VecDeque;
use std::fmt;
use std::os::fd::BorrowedFd;
use std::time::Duration;

use super::{Daemon, Env, Poller, Ready, Report, Token, Wake, run_loop};
use crate::clock::{Clock, MonoTime, SimClock};
use crate::config::ConfigSource;
use crate::error::Result;
use crate::notify::Notifier;
use crate::signals::{SignalEvent, StopSignal};

/// Something that happens at a scripted time.
pub enum Step {
    /// A signal arrives.
    Signal(SignalEvent),
    /// A daemon fd becomes ready.
    Fd(Token, Ready),
    /// The test does something (rewrites a config file, changes what a
    /// fake sensor reads); the loop then comes around once.
    Call(Box<dyn FnOnce()>),
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Signal(s) => f.debug_tuple("Signal").field(s).finish(),
            Step::Fd(t, r) => f.debug_tuple("Fd").field(t).field(r).finish(),
            Step::Call(_) => f.write_str("Call(..)"),
        }
    }
}

/// What happens during a simulated run, at times after its start, and
/// when it ends (with a SIGTERM).
#[derive(Debug)]
pub struct Script {
    steps: Vec<(Duration, Step)>,
    until: Duration,
}

impl Script {
    /// A run that SIGTERMs the daemon `until` after its start.
    pub fn until(until: Duration) -> Self {
        Script { steps: Vec::new(), until }
    }

    /// Adds `step` at `after` the start. Steps at the same time happen in
    /// the order added.
    #[must_use]
    pub fn at(mut self, after: Duration, step: Step) -> Self {
        self.steps.push((after, step));
        self
    }

    /// Adds signal `signal` at `after` the start.
    #[must_use]
    pub fn signal(self, after: Duration, signal: SignalEvent) -> Self {
        self.at(after, Step::Signal(signal))
    }

    /// Adds a test action at `after` the start.
    #[must_use]
    pub fn call(self, after: Duration, action: impl FnOnce() + 'static) -> Self {
        self.at(after, Step::Call(Box::new(action)))
    }
}

/// Waits by moving the clock to the earlier of the deadline and the next
/// scripted step.
struct SimPoller {
    clock: SimClock,
    steps: VecDeque<(MonoTime, Step)>,
    end: MonoTime,
}

impl Poller for SimPoller {
    fn wait(
        &mut self,
        deadline: Option<MonoTime>,
        _fds: &[(Token, BorrowedFd<'_>)],
        wakes: &mut Vec<Wake>,
    ) -> Result<()> {
        let horizon = deadline.map_or(self.end, |d| d.min(self.end));
        // A step due no later than the deadline happens first; the timer
        // then fires on the next wait without the clock moving.
        if self.steps.front().is_some_and(|(at, _)| *at <= horizon) {
            if let Some((at, step)) = self.steps.pop_front() {
                self.clock.advance_to(at);
                wakes.push(match step {
                    Step::Signal(signal) => Wake::Signal(signal),
                    Step::Fd(token, ready) => Wake::Fd(token, ready),
                    Step::Call(action) => {
                        action();
                        Wake::Nothing
                    }
                });
            }
            return Ok(());
        }
        self.clock.advance_to(horizon);
        wakes.push(match deadline {
            Some(d) if d <= self.end => Wake::Timer,
            _ => Wake::Signal(SignalEvent::Stop(StopSignal::Term)),
        });
        Ok(())
    }
}

/// Runs `daemon` through `script` on `clock`: the real loop, with time
/// jumping straight to each deadline or step. `notifier` is usually
/// [`Notifier::recording`] on the same clock (its watchdog interval is
/// honoured); `source` is where SIGHUP reloads from.
pub fn simulate<D: Daemon>(
    daemon: &mut D,
    clock: &SimClock,
    notifier: &Notifier,
    source: &ConfigSource,
    script: Script,
) -> Result<Report> {
    let start = clock.monotonic();
    let mut steps: Vec<_> = script.steps.into_iter().map(|(at, s)| (start + at, s)).collect();
    // Stable: same-time steps keep their order.
    steps.sort_by_key(|(at, _)| *at);
    let mut poller =
        SimPoller { clock: clock.clone(), steps: steps.into(), end: start + script.until };
    let env = Env { clock, notifier, source, once: false };
    run_loop(daemon, &env, &mut poller)
}
