//! The event loop: one thread, one `poll`.
//!
//! The loop waits on one timerfd (`CLOCK_MONOTONIC`, armed for the earlier
//! of the daemon's next tick and the next watchdog ping), the signalfd, and
//! whatever file descriptors the daemon lends it ([`Daemon::fds`], e.g. the
//! udev monitor's). Nothing else wakes it: no sleep loops, no polling
//! timeouts, no helper threads.
//!
//! Each turn of the loop:
//!
//! 1. re-reads [`Daemon::interval`] (a reload or a tick may change it) and
//!    re-anchors the next tick on the last one;
//! 2. ticks the daemon if its tick is due;
//! 3. sends `READY=1` the first time, then `STATUS=` whenever
//!    [`Daemon::status`] changed;
//! 4. sends `WATCHDOG=1` if a ping is due: only here, after every callback
//!    of the turn returned, so a daemon stuck in a callback stops the pings
//!    and systemd's watchdog restarts it;
//! 5. waits; then handles a stop signal first (`STOPPING=1`,
//!    [`Daemon::stop`], return), else reloads on SIGHUP and hands ready
//!    fds to [`Daemon::on_fd`].
//!
//! A tick that overruns its interval is not caught up: the next tick is
//! one interval after the late one, so a slow disk never causes a burst.

mod poller;
mod sim;
#[cfg(test)]
mod tests;

use std::any::Any;
use std::os::fd::BorrowedFd;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

pub use sim::{Script, Step, simulate};

use crate::clock::{Clock, MonoTime};
use crate::config::{Config, ConfigSource, Loaded};
use crate::error::{Error, Result};
use crate::notify::Notifier;
use crate::signals::{SignalEvent, StopSignal};
pub(crate) use poller::SystemPoller;

/// Names one of the daemon's file descriptors in [`Daemon::on_fd`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(pub usize);

/// What `poll` reported for a daemon's file descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Ready {
    /// Data to read (`POLLIN`).
    pub readable: bool,
    /// The other end is gone (`POLLHUP`). It stays so: stop lending the fd
    /// from [`Daemon::fds`] or the loop wakes at once, every time.
    pub hangup: bool,
    /// An error condition (`POLLERR`, or `POLLNVAL`: the fd was closed
    /// while lent). Same advice as for `hangup`.
    pub error: bool,
}

/// A daemon driven by the loop.
///
/// Every callback runs on the loop's thread and should return promptly:
/// while it runs nothing else is handled and no watchdog ping goes out.
pub trait Daemon {
    /// Its configuration.
    type Config: Config;
    /// Its error type. An error from [`Daemon::tick`] or [`Daemon::on_fd`]
    /// is fatal (the loop calls [`Daemon::stop`] and returns it); handle
    /// what can be retried inside the callback.
    type Error: std::error::Error + Send + Sync + 'static;

    /// How often to tick; `None` for a daemon driven by fds and signals
    /// only (it ticks only when it asks, [`Context::tick_soon`]). Read
    /// after every callback, so a reload (or the daemon itself) can change
    /// it. Intervals under [`MIN_INTERVAL`] count as that.
    fn interval(&self) -> Option<Duration>;

    /// The one human line for `STATUS=` ("P6 40% at 51°C, P7 35%"). Read
    /// after every callback; sent only when it changed.
    fn status(&self) -> String;

    /// The periodic work: read sensors, step the state machine, act.
    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), Self::Error>;

    /// The file descriptors to wait on beside the runtime's own, each with
    /// the token [`Daemon::on_fd`] will get. Asked before every wait, so
    /// the set may change (a monitor reopened after a failure).
    fn fds(&self) -> Vec<(Token, BorrowedFd<'_>)> {
        Vec::new()
    }

    /// `token`'s fd is ready (drain it: the loop polls level-triggered).
    fn on_fd(
        &mut self,
        token: Token,
        ready: Ready,
        ctx: &mut Context<'_>,
    ) -> Result<(), Self::Error> {
        let _ = (token, ready, ctx);
        Ok(())
    }

    /// A new configuration, already parsed and validated, after SIGHUP.
    /// Return an error to refuse it: the daemon must then keep running on
    /// the old one, unchanged (check first, then apply). The error is
    /// logged; the loop goes on.
    fn reload(
        &mut self,
        config: Loaded<Self::Config>,
        ctx: &mut Context<'_>,
    ) -> Result<(), Self::Error>;

    /// Reach the safe state before the loop returns: on SIGTERM/SIGINT,
    /// after `--once`, and after a fatal error.
    fn stop(&mut self, ctx: &mut Context<'_>);
}

/// What a callback can see and ask of the loop.
#[derive(Debug)]
pub struct Context<'a> {
    clock: &'a dyn Clock,
    once: bool,
    tick_requested: bool,
}

impl std::fmt::Debug for dyn Clock + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock(monotonic {:?})", self.monotonic())
    }
}

impl<'a> Context<'a> {
    fn new(clock: &'a dyn Clock, once: bool) -> Self {
        Context { clock, once, tick_requested: false }
    }

    /// The loop's clock: real time in a daemon, simulated time in tests.
    pub fn clock(&self) -> &'a dyn Clock {
        self.clock
    }

    /// Now, on the monotonic clock.
    pub fn monotonic(&self) -> MonoTime {
        self.clock.monotonic()
    }

    /// Now, on the wall clock.
    pub fn wall(&self) -> std::time::SystemTime {
        self.clock.wall()
    }

    /// Whether this is a `--once` run (one tick, then stop).
    pub fn is_once(&self) -> bool {
        self.once
    }

    /// Asks for a tick as soon as the current callback returns (e.g. a
    /// hot-plug event changed what the tick reads); the cadence continues
    /// from that tick.
    pub fn tick_soon(&mut self) {
        self.tick_requested = true;
    }
}

/// How a run ended, and what it did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The signal that stopped it; `None` for a `--once` run.
    pub stopped_by: Option<StopSignal>,
    /// Ticks run.
    pub ticks: u64,
    /// Times the loop returned from waiting.
    pub wakeups: u64,
    /// `WATCHDOG=1` pings sent.
    pub pings: u64,
    /// Reloads applied.
    pub reloads: u64,
    /// Reloads refused (bad file or refused by the daemon).
    pub refused_reloads: u64,
}

/// What woke the loop.
#[derive(Debug)]
pub(crate) enum Wake {
    /// The timerfd expired.
    Timer,
    /// A signal arrived.
    Signal(SignalEvent),
    /// A daemon fd is ready.
    Fd(Token, Ready),
    /// A simulated step ran; only makes the loop come around.
    Nothing,
}

/// Waits for the next wake-up. The real one polls; the simulated one moves
/// a [`crate::SimClock`] along a [`Script`].
pub(crate) trait Poller {
    /// Blocks until monotonic `deadline` (`None`: no deadline) or an event
    /// on the signalfd or one of `fds`, and appends what happened to
    /// `wakes` (possibly nothing, after EINTR).
    fn wait(
        &mut self,
        deadline: Option<MonoTime>,
        fds: &[(Token, BorrowedFd<'_>)],
        wakes: &mut Vec<Wake>,
    ) -> Result<()>;
}

/// What the loop needs besides the daemon and the poller.
pub(crate) struct Env<'a> {
    pub(crate) clock: &'a dyn Clock,
    pub(crate) notifier: &'a Notifier,
    pub(crate) source: &'a ConfigSource,
    pub(crate) once: bool,
}

/// The shortest tick or ping interval the loop honours. A zero interval
/// (a typo, a `WATCHDOG_USEC=1`) would otherwise turn the loop into a busy
/// wait; nothing on a 2 W board needs to run more often than this.
pub const MIN_INTERVAL: Duration = Duration::from_millis(10);

/// The next deadline of a cadence: `every` (at least [`MIN_INTERVAL`])
/// after `prev`, or after `now` when that has already passed (no catch-up
/// burst).
fn next_after(prev: MonoTime, every: Duration, now: MonoTime) -> MonoTime {
    let every = every.max(MIN_INTERVAL);
    let next = prev + every;
    if next > now { next } else { now + every }
}

/// Stops the daemon after a fatal error and hands the error back.
fn fatal<D: Daemon>(daemon: &mut D, ctx: &mut Context<'_>, env: &Env<'_>, error: Error) -> Error {
    tracing::error!("stopping: {}", error.one_line());
    env.notifier.stopping();
    run_stop_hook(daemon, ctx);
    error
}

/// The daemon's stop hook. A panic in it is logged rather than unwound
/// further: the loop is returning anyway, and an unwind out of here after
/// a caught panic would hide the first one.
fn run_stop_hook<D: Daemon>(daemon: &mut D, ctx: &mut Context<'_>) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| daemon.stop(ctx))) {
        tracing::error!("the daemon's stop hook panicked: {}", panic_message(payload.as_ref()));
    }
}

fn daemon_error<E: std::error::Error + Send + Sync + 'static>(during: &'static str, e: E) -> Error {
    Error::Daemon { during, source: Box::new(e) }
}

/// Runs one daemon callback. Its error and its panic both come back as an
/// [`Error`]: the panic is caught so that the loop still calls the stop
/// hook, and the daemon still reaches its safe state (fans at full speed),
/// before `main` returns.
fn call<T, E>(during: &'static str, f: impl FnOnce() -> std::result::Result<T, E>) -> Result<T>
where
    E: std::error::Error + Send + Sync + 'static,
{
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(daemon_error(during, e)),
        Err(payload) => Err(Error::Panicked { during, message: panic_message(payload.as_ref()) }),
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
        (Some(s), _) => (*s).to_owned(),
        (_, Some(s)) => s.clone(),
        _ => "(not a string)".to_owned(),
    }
}

/// Runs `daemon` until a stop signal (or one tick, with `env.once`).
pub(crate) fn run_loop<D: Daemon, P: Poller>(
    daemon: &mut D,
    env: &Env<'_>,
    poller: &mut P,
) -> Result<Report> {
    let mut ctx = Context::new(env.clock, env.once);
    let mut report = Report::default();
    if env.once {
        if let Err(e) = call("tick", || daemon.tick(&mut ctx)) {
            return Err(fatal(daemon, &mut ctx, env, e));
        }
        report.ticks = 1;
        run_stop_hook(daemon, &mut ctx);
        return Ok(report);
    }

    let start = env.clock.monotonic();
    let ping_every = env.notifier.ping_interval();
    let mut next_ping = ping_every.map(|every| start + every.max(MIN_INTERVAL));
    let mut interval = daemon.interval();
    let mut next_tick = interval.map(|_| start);
    let mut last_tick: Option<MonoTime> = None;
    let mut sent_status: Option<String> = None;
    // Shown after the daemon's status until a reload succeeds.
    let mut reload_problem: Option<String> = None;
    let mut wakes = Vec::new();
    loop {
        let now = env.clock.monotonic();
        if daemon.interval() != interval {
            interval = daemon.interval();
            next_tick = match (interval, last_tick) {
                (None, _) => None,
                (Some(every), Some(last)) => Some((last + every.max(MIN_INTERVAL)).max(now)),
                (Some(_), None) => Some(now),
            };
        }
        if std::mem::take(&mut ctx.tick_requested) {
            next_tick = Some(now);
        }
        if let Some(due) = next_tick.filter(|&due| due <= now) {
            if let Err(e) = call("tick", || daemon.tick(&mut ctx)) {
                return Err(fatal(daemon, &mut ctx, env, e));
            }
            report.ticks += 1;
            last_tick = Some(due);
            let now = env.clock.monotonic();
            next_tick = daemon.interval().map(|every| next_after(due, every, now));
            interval = daemon.interval();
        }

        let mut status = daemon.status();
        if let Some(problem) = &reload_problem {
            status = format!("{status} (config reload refused: {problem})");
        }
        match &sent_status {
            None => {
                env.notifier.ready(&status);
                if report.wakeups == 0 {
                    tracing::info!("ready: {status}");
                }
            }
            Some(sent) if *sent != status => env.notifier.status(&status),
            Some(_) => {}
        }
        sent_status = Some(status);

        // The loop has come back around: every callback of this turn
        // returned, so the daemon is alive.
        let now = env.clock.monotonic();
        if let (Some(every), Some(due)) = (ping_every, next_ping)
            && due <= now
        {
            env.notifier.watchdog();
            report.pings += 1;
            next_ping = Some(next_after(due, every, now));
        }

        let deadline = match (next_tick, next_ping) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        wakes.clear();
        let waited = poller.wait(deadline, &daemon.fds(), &mut wakes);
        if let Err(e) = waited {
            return Err(fatal(daemon, &mut ctx, env, e));
        }
        report.wakeups += 1;

        // A stop wins over anything that arrived with it.
        let stop = wakes.iter().find_map(|w| match w {
            Wake::Signal(SignalEvent::Stop(signal)) => Some(*signal),
            _ => None,
        });
        if let Some(signal) = stop {
            tracing::info!("stopping on {signal:?}");
            env.notifier.stopping();
            run_stop_hook(daemon, &mut ctx);
            report.stopped_by = Some(signal);
            return Ok(report);
        }
        let mut reloaded = false;
        for wake in wakes.drain(..) {
            match wake {
                Wake::Timer | Wake::Nothing | Wake::Signal(SignalEvent::Stop(_)) => {}
                // Several SIGHUPs in one wake-up are one reload.
                Wake::Signal(SignalEvent::Reload) if reloaded => {}
                Wake::Signal(SignalEvent::Reload) => {
                    reloaded = true;
                    env.notifier.reloading(env.clock.monotonic());
                    match reload(daemon, &mut ctx, env.source) {
                        Ok(Ok(())) => {
                            report.reloads += 1;
                            reload_problem = None;
                        }
                        Ok(Err(problem)) => {
                            report.refused_reloads += 1;
                            reload_problem = Some(problem);
                        }
                        Err(panicked) => return Err(fatal(daemon, &mut ctx, env, panicked)),
                    }
                    // READY=1 ends the reload; the status follows it.
                    sent_status = None;
                }
                Wake::Fd(token, ready) => {
                    if let Err(e) = call("fd handler", || daemon.on_fd(token, ready, &mut ctx)) {
                        return Err(fatal(daemon, &mut ctx, env, e));
                    }
                }
            }
        }
    }
}

/// Loads the configuration again and offers it to the daemon. `Ok(Err)`
/// holds the short reason it was refused (already logged in full); `Err`
/// is a panic in the daemon's reload, which is fatal.
fn reload<D: Daemon>(
    daemon: &mut D,
    ctx: &mut Context<'_>,
    source: &ConfigSource,
) -> Result<std::result::Result<(), String>> {
    let loaded = match source.load::<D::Config>() {
        Ok(loaded) => loaded,
        Err(e) => {
            let line = e.one_line();
            tracing::error!("config reload refused, keeping the running configuration: {line}");
            return Ok(Err(line));
        }
    };
    let files = loaded.files().iter().map(|f| f.display().to_string()).collect::<Vec<_>>();
    match call("reload", || daemon.reload(loaded, ctx)) {
        Ok(()) => {
            let from = if files.is_empty() { "defaults only".to_owned() } else { files.join(", ") };
            tracing::info!("configuration reloaded ({from})");
            Ok(Ok(()))
        }
        Err(panicked @ Error::Panicked { .. }) => Err(panicked),
        Err(e) => {
            let line = e.one_line();
            tracing::error!("config reload refused by the daemon, keeping the running one: {line}");
            Ok(Err(line))
        }
    }
}
