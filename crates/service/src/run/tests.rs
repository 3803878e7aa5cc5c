//! The loop on a simulated clock: cadence, reloads, watchdog, stop.

use std::fs;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::*;
use crate::clock::SimClock;
use crate::config::Invalid;
use crate::notify::NotifyLog;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Conf {
    interval_ms: u64,
    label: String,
}

impl Default for Conf {
    fn default() -> Self {
        Conf { interval_ms: 2000, label: "a".into() }
    }
}

impl Config for Conf {
    fn validate(&self) -> std::result::Result<(), Invalid> {
        if self.interval_ms < 10 {
            return Err(Invalid::at("interval_ms", "must be at least 10"));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
#[error("sensor gone")]
struct Gone;

/// Records what the loop asked of it, in milliseconds since the start.
struct Probe {
    conf: Conf,
    clock: SimClock,
    start: MonoTime,
    ticks: Vec<u64>,
    fds: Vec<(Token, u64)>,
    stops: u32,
    /// At tick number `.0` (0-based), take `.1` of simulated time.
    stall: Option<(usize, Duration)>,
    fail_at: Option<usize>,
    panic_at: Option<usize>,
    /// Include the tick count in the status (a status that changes).
    counting: bool,
    /// No interval: ticks only on request.
    event_driven: bool,
}

impl Probe {
    fn new(clock: &SimClock) -> Self {
        Probe {
            conf: Conf::default(),
            clock: clock.clone(),
            start: clock.monotonic(),
            ticks: Vec::new(),
            fds: Vec::new(),
            stops: 0,
            stall: None,
            fail_at: None,
            panic_at: None,
            counting: false,
            event_driven: false,
        }
    }

    fn ms(&self, ctx: &Context<'_>) -> u64 {
        u64::try_from((ctx.monotonic() - self.start).as_millis()).unwrap()
    }
}

impl Daemon for Probe {
    type Config = Conf;
    type Error = Gone;

    fn interval(&self) -> Option<Duration> {
        (!self.event_driven).then(|| Duration::from_millis(self.conf.interval_ms))
    }

    fn status(&self) -> String {
        match self.counting {
            true => format!("{}: {} ticks", self.conf.label, self.ticks.len()),
            false => format!("{} every {} ms", self.conf.label, self.conf.interval_ms),
        }
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> std::result::Result<(), Gone> {
        if self.fail_at == Some(self.ticks.len()) {
            return Err(Gone);
        }
        if self.panic_at == Some(self.ticks.len()) {
            panic!("index out of range in the curve");
        }
        let at = self.ms(ctx);
        if let Some((n, stall)) = self.stall
            && n == self.ticks.len()
        {
            self.clock.advance(stall);
        }
        self.ticks.push(at);
        Ok(())
    }

    fn on_fd(
        &mut self,
        token: Token,
        _: Ready,
        ctx: &mut Context<'_>,
    ) -> std::result::Result<(), Gone> {
        self.fds.push((token, self.ms(ctx)));
        ctx.tick_soon();
        Ok(())
    }

    fn reload(
        &mut self,
        config: Loaded<Conf>,
        _: &mut Context<'_>,
    ) -> std::result::Result<(), Gone> {
        self.conf = config.into_config();
        Ok(())
    }

    fn stop(&mut self, _: &mut Context<'_>) {
        self.stops += 1;
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Milliseconds since `start` of each notification holding `line`.
fn times(log: &NotifyLog, start: MonoTime, line: &str) -> Vec<u64> {
    log.times_of(line).iter().map(|t| u64::try_from((*t - start).as_millis()).unwrap()).collect()
}

struct Sim {
    clock: SimClock,
    dir: tempfile::TempDir,
    source: ConfigSource,
}

impl Sim {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let source = ConfigSource::new("probe").with_dir(dir.path());
        Sim { clock: SimClock::at_2024(), dir, source }
    }

    fn config_file(&self) -> std::path::PathBuf {
        self.dir.path().join("probe.toml")
    }

    fn run(
        &self,
        probe: &mut Probe,
        watchdog: Option<Duration>,
        script: Script,
    ) -> (Report, NotifyLog) {
        let (notifier, log) = Notifier::recording(&self.clock, watchdog);
        let report = simulate(probe, &self.clock, &notifier, &self.source, script).unwrap();
        (report, log)
    }
}

#[test]
fn ticks_on_a_fixed_cadence_and_wakes_for_nothing_else() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    let (report, log) = sim.run(&mut probe, None, Script::until(ms(10_000)));
    assert_eq!(probe.ticks, [0, 2000, 4000, 6000, 8000, 10_000]);
    // One wake-up per tick after the first, and the final SIGTERM.
    assert_eq!(report.wakeups, 6);
    assert_eq!(report.stopped_by, Some(StopSignal::Term));
    assert_eq!(probe.stops, 1);
    let sent: Vec<_> = log.sent().into_iter().map(|s| s.message).collect();
    // The status never changed: READY once, no STATUS per cycle.
    assert_eq!(sent, ["READY=1\nSTATUS=a every 2000 ms", "STOPPING=1"]);
}

#[test]
fn a_reload_changes_the_interval_from_the_last_tick() {
    let sim = Sim::new();
    fs::write(sim.config_file(), "interval_ms = 500\nlabel = \"b\"\n").unwrap();
    let mut probe = Probe::new(&sim.clock);
    let script = Script::until(ms(5000)).signal(ms(3200), SignalEvent::Reload);
    let (report, log) = sim.run(&mut probe, None, script);
    // 0, 2000, then the reload at 3200 is past 2000 + 500: tick at once,
    // then every 500 ms.
    assert_eq!(probe.ticks, [0, 2000, 3200, 3700, 4200, 4700]);
    assert_eq!((report.reloads, report.refused_reloads), (1, 0));
    assert_eq!(times(&log, probe.start, "RELOADING=1"), [3200]);
    assert_eq!(log.statuses(), ["a every 2000 ms", "b every 500 ms"]);
}

#[test]
fn a_longer_interval_after_reload_counts_from_the_last_tick() {
    let sim = Sim::new();
    fs::write(sim.config_file(), "interval_ms = 3000\n").unwrap();
    let mut probe = Probe::new(&sim.clock);
    let script = Script::until(ms(9000)).signal(ms(2500), SignalEvent::Reload);
    sim.run(&mut probe, None, script);
    assert_eq!(probe.ticks, [0, 2000, 5000, 8000]);
}

#[test]
fn a_bad_reload_keeps_the_running_config_and_says_so_in_status() {
    let sim = Sim::new();
    let path = sim.config_file();
    let (bad, good) = (path.clone(), path.clone());
    let script = Script::until(ms(6000))
        .call(ms(1000), move || fs::write(bad, "interval_ms = 5\n").unwrap())
        .signal(ms(1000), SignalEvent::Reload)
        .call(ms(3000), move || fs::write(good, "label = \"c\"\n").unwrap())
        .signal(ms(3000), SignalEvent::Reload);
    let mut probe = Probe::new(&sim.clock);
    let (report, log) = sim.run(&mut probe, None, script);
    assert_eq!((report.reloads, report.refused_reloads), (1, 1));
    assert_eq!(probe.ticks, [0, 2000, 4000, 6000], "the old cadence went on");
    assert_eq!(probe.conf.label, "c");
    let statuses = log.statuses();
    let refused = format!(
        "a every 2000 ms (config reload refused: {}:1:1: interval_ms: must be at least 10)",
        path.display()
    );
    assert_eq!(statuses, ["a every 2000 ms".to_owned(), refused, "c every 2000 ms".to_owned()]);
}

#[test]
fn pings_every_half_watchdog_interval_between_sparse_ticks() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.conf.interval_ms = 60_000;
    let (report, log) = sim.run(&mut probe, Some(ms(10_000)), Script::until(ms(30_000)));
    assert_eq!(
        times(&log, probe.start, "WATCHDOG=1"),
        [5000, 10_000, 15_000, 20_000, 25_000, 30_000]
    );
    assert_eq!(report.pings, 6);
    assert_eq!(probe.ticks, [0]);
    // Six timer wake-ups for the pings, one for the SIGTERM: nothing else.
    assert_eq!(report.wakeups, 7);
}

#[test]
fn a_stalled_callback_stops_the_pings_until_the_loop_comes_back() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    // The fifth tick (at 8000) hangs for 25 s: a 10 s watchdog would fire.
    probe.stall = Some((4, ms(25_000)));
    let (_, log) = sim.run(&mut probe, Some(ms(10_000)), Script::until(ms(40_000)));
    let pings = times(&log, probe.start, "WATCHDOG=1");
    assert!(pings.iter().all(|&t| t <= 8000 || t >= 33_000), "pinged during the stall: {pings:?}");
    assert_eq!(pings[..2], [5000, 33_000], "{pings:?}");
    // No catch-up burst: the tick after the stall is one interval later.
    assert_eq!(probe.ticks[..6], [0, 2000, 4000, 6000, 8000, 35_000]);
}

#[test]
fn a_zero_interval_or_watchdog_is_not_a_busy_loop() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.conf.interval_ms = 0;
    let (report, log) = sim.run(&mut probe, Some(Duration::from_micros(1)), Script::until(ms(50)));
    assert_eq!(probe.ticks, [0, 10, 20, 30, 40, 50]);
    assert_eq!(times(&log, probe.start, "WATCHDOG=1"), [10, 20, 30, 40, 50]);
    assert_eq!(report.wakeups, 6);
}

#[test]
fn fd_events_reach_the_daemon_and_can_ask_for_a_tick() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    let ready = Ready { readable: true, ..Ready::default() };
    let script = Script::until(ms(5000)).at(ms(2500), Step::Fd(Token(3), ready));
    sim.run(&mut probe, None, script);
    assert_eq!(probe.fds, [(Token(3), 2500)]);
    assert_eq!(probe.ticks, [0, 2000, 2500, 4500]);
}

#[test]
fn without_an_interval_only_events_wake_it() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.event_driven = true;
    let ready = Ready { readable: true, ..Ready::default() };
    let script = Script::until(ms(3_600_000)).at(ms(2500), Step::Fd(Token(1), ready));
    let (report, log) = sim.run(&mut probe, None, script);
    assert_eq!(probe.ticks, [2500], "ticks only when asked");
    // The fd event and the final SIGTERM: an hour with two wake-ups.
    assert_eq!(report.wakeups, 2);
    assert_eq!(times(&log, probe.start, "READY=1"), [0]);
}

#[test]
fn sigint_stops_with_stopping_and_the_stop_hook_once() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.counting = true;
    let script = Script::until(ms(60_000)).signal(ms(4500), SignalEvent::Stop(StopSignal::Int));
    let (report, log) = sim.run(&mut probe, None, script);
    assert_eq!(report.stopped_by, Some(StopSignal::Int));
    assert_eq!(probe.stops, 1);
    assert_eq!(times(&log, probe.start, "STOPPING=1"), [4500]);
    // A changing status is sent once per change.
    assert_eq!(log.statuses(), ["a: 1 ticks", "a: 2 ticks", "a: 3 ticks"]);
}

#[test]
fn a_failing_tick_reaches_the_safe_state_and_returns_the_error() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.fail_at = Some(2);
    let (notifier, log) = Notifier::recording(&sim.clock, None);
    let error = simulate(&mut probe, &sim.clock, &notifier, &sim.source, Script::until(ms(60_000)))
        .unwrap_err();
    assert_eq!(error.one_line(), "daemon tick failed: sensor gone");
    assert_eq!(probe.stops, 1);
    assert_eq!(times(&log, probe.start, "STOPPING=1"), [4000]);
}

#[test]
fn a_panicking_tick_still_reaches_the_safe_state() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    probe.panic_at = Some(1);
    let (notifier, log) = Notifier::recording(&sim.clock, None);
    let error = simulate(&mut probe, &sim.clock, &notifier, &sim.source, Script::until(ms(60_000)))
        .unwrap_err();
    assert_eq!(error.to_string(), "daemon tick panicked: index out of range in the curve");
    assert_eq!(error.exit(), crate::cli::Exit::Software);
    assert_eq!(probe.stops, 1, "the stop hook ran after the panic");
    assert_eq!(times(&log, probe.start, "STOPPING=1"), [2000]);
}

#[test]
fn once_ticks_once_and_stops_without_notifying() {
    let sim = Sim::new();
    let mut probe = Probe::new(&sim.clock);
    let (notifier, log) = Notifier::recording(&sim.clock, Some(ms(1000)));
    let env = Env { clock: &sim.clock, notifier: &notifier, source: &sim.source, once: true };
    struct NoWait;
    impl Poller for NoWait {
        fn wait(
            &mut self,
            _: Option<MonoTime>,
            _: &[(Token, BorrowedFd<'_>)],
            _: &mut Vec<Wake>,
        ) -> Result<()> {
            unreachable!("a --once run never waits")
        }
    }
    let report = run_loop(&mut probe, &env, &mut NoWait).unwrap();
    assert_eq!((report.ticks, report.stopped_by), (1, None));
    assert_eq!(probe.stops, 1);
    assert!(log.sent().is_empty());
}
