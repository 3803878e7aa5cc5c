//! The daemon: the fan [`Cycle`] on the runtime's loop, rediscovery on
//! hot-plug and on vanished hardware, the state file, one journal line per
//! state change.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use helios64_fan::{Cycle, DiscoverOptions, Event, FanState, FandConfig, STATE_SCHEMA, discover};
use helios64_hal::{Drained, EventSource, HotplugMonitor, KernelSubsystem, Root};
use helios64_service::{Context, Daemon, Loaded, MonoTime, Ready, Service, StateDir, Token};

/// Why the daemon could not start or run.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FandError {
    /// Discovery found no fan at all: nothing to control, nothing to make
    /// safe.
    #[error("no fan found under {0}/sys/bus/platform (pwm-fan devices)")]
    NoFans(String),
}

/// The subsystems whose events can move what the daemon reads or drives.
const WATCHED: [KernelSubsystem; 3] =
    [KernelSubsystem::Hwmon, KernelSubsystem::Thermal, KernelSubsystem::Block];

const MONITOR: Token = Token(0);

/// The fan daemon.
pub(crate) struct Fand {
    root: Root,
    cycle: Cycle,
    monitor: Option<HotplugMonitor>,
    states: StateDir,
    last_state: Option<(FanState, MonoTime)>,
    state_error_logged: bool,
    ticks: u64,
    fault: TestFault,
    status: String,
}

/// A fault the test suites inject through `HELIOS64_FAND_TEST_FAULT`, to
/// prove the safe state is reached on paths no fixture can cause:
/// `panic-at-tick:N` panics in the Nth tick. Unset on the box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TestFault {
    None,
    PanicAtTick(u64),
}

impl TestFault {
    fn from_env() -> TestFault {
        let Ok(value) = std::env::var("HELIOS64_FAND_TEST_FAULT") else { return TestFault::None };
        match value.strip_prefix("panic-at-tick:").and_then(|n| n.parse().ok()) {
            Some(n) => TestFault::PanicAtTick(n),
            None => {
                tracing::warn!("HELIOS64_FAND_TEST_FAULT={value:?} not understood; ignored");
                TestFault::None
            }
        }
    }
}

impl std::fmt::Debug for Fand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fand").field("root", &self.root).field("cycle", &self.cycle).finish()
    }
}

fn options(config: &FandConfig) -> DiscoverOptions {
    DiscoverOptions { sata_controller: config.sata_controller.clone() }
}

impl Fand {
    /// Discovers the board and prepares the cycle. The udev monitor is
    /// opened on the running system only (a tree sends no events).
    pub(crate) fn start(
        root: Root,
        config: FandConfig,
        service: &Service,
        dry_run: bool,
    ) -> Result<Fand, FandError> {
        let (board, notes) = discover(&root, &options(&config));
        for note in &notes {
            tracing::warn!("not found at start: {note}");
        }
        if board.fans.is_empty() {
            return Err(FandError::NoFans(root.base().display().to_string()));
        }
        let monitor = if root.is_live() {
            match HotplugMonitor::open_with(&root, EventSource::Udev, &WATCHED) {
                Ok(m) => Some(m),
                Err(e) => {
                    // Not fatal: ENODEV/ENOENT on the hardware still triggers
                    // rediscovery; only hot-plug is noticed later.
                    tracing::warn!(
                        "no udev monitor ({}): rediscovery only on vanished hardware",
                        helios64_text::error_chain(&e)
                    );
                    None
                }
            }
        } else {
            None
        };
        if dry_run {
            tracing::info!("dry run: decisions are logged, no fan is written");
        }
        let cycle = Cycle::new(&config, board, dry_run);
        Ok(Fand {
            root,
            status: status_line(&cycle),
            cycle,
            monitor,
            states: service.state_dir().clone(),
            last_state: None,
            state_error_logged: false,
            ticks: 0,
            fault: TestFault::from_env(),
        })
    }

    fn rediscover(&mut self, why: &str) {
        let (board, notes) = discover(&self.root, &options(self.cycle.config()));
        tracing::info!(
            "rediscovered ({why}): {} fans, {} sensors, {} disks{}",
            board.fans.len(),
            board.sensors.len(),
            board.disks.len(),
            if notes.is_empty() {
                String::new()
            } else {
                format!("; missing: {}", notes.join("; "))
            }
        );
        self.cycle.replace_board(board);
    }

    fn log(event: &Event) {
        match event {
            Event::FailSafeEntered(_) | Event::FanFault { .. } => tracing::error!("{event}"),
            Event::SourceFailing { .. }
            | Event::TakenBack { .. }
            | Event::EnableReasserted { .. }
            | Event::PowerCheckUnavailable { .. } => tracing::warn!("{event}"),
            _ => tracing::info!("{event}"),
        }
    }

    /// Writes the state file when the cycle changed something (`changed`:
    /// it reported events), at the heartbeat, or when `force`d. A quiet
    /// cycle costs nothing here: temperatures alone refresh at the
    /// heartbeat.
    fn write_state(&mut self, ctx: &Context<'_>, changed: bool, force: bool) {
        let now = ctx.monotonic();
        let every = Duration::from_secs(self.cycle.config().state_every_secs);
        let due = match &self.last_state {
            None => true,
            Some((_, at)) => changed || now.saturating_since(*at) >= every,
        };
        if !due && !force {
            return;
        }
        let state = FanState::of(&self.cycle);
        if !force
            && self.last_state.as_ref().is_none_or(|(_, at)| now.saturating_since(*at) < every)
            && self.last_state.as_ref().is_some_and(|(last, _)| *last == state)
        {
            return;
        }
        match self.states.write("fand", STATE_SCHEMA, ctx.clock(), &state) {
            Ok(_) => self.state_error_logged = false,
            Err(e) => {
                if !self.state_error_logged {
                    tracing::warn!("cannot write the state file: {}", e.one_line());
                    self.state_error_logged = true;
                }
            }
        }
        self.last_state = Some((state, now));
    }
}

/// The one human line for `STATUS=`, rebuilt only when a cycle changed
/// something.
fn status_line(cycle: &Cycle) -> String {
    if let Some(why) = cycle.failsafe() {
        return format!("FAIL-SAFE, both fans at full speed: {why}");
    }
    let fans: Vec<String> =
        cycle.written().iter().map(|(fan, pwm)| format!("{fan} {pwm}")).collect();
    let mode = if cycle.is_dry_run() { " (dry run)" } else { "" };
    format!("pwm {}{mode}", fans.join(", "))
}

impl Daemon for Fand {
    type Config = FandConfig;
    type Error = FandError;

    fn interval(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.cycle.config().interval_secs))
    }

    fn status(&self) -> String {
        self.status.clone()
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), FandError> {
        self.ticks += 1;
        #[allow(clippy::panic)] // the injected fault under test
        if self.fault == TestFault::PanicAtTick(self.ticks) {
            panic!("HELIOS64_FAND_TEST_FAULT: panic at tick {}", self.ticks);
        }
        if self.cycle.needs_rediscovery() {
            self.rediscover("hardware vanished under an open attribute");
        } else if self.cycle.failsafe().is_some() {
            // A fault may be a missing fan or sensor coming back.
            self.rediscover("fail-safe in force");
        }
        let events = self.cycle.run(ctx.monotonic());
        for event in &events {
            Self::log(event);
        }
        if !events.is_empty() {
            self.status = status_line(&self.cycle);
        }
        self.write_state(ctx, !events.is_empty(), false);
        Ok(())
    }

    fn fds(&self) -> Vec<(Token, BorrowedFd<'_>)> {
        self.monitor.iter().map(|m| (MONITOR, m.as_fd())).collect()
    }

    fn on_fd(
        &mut self,
        _token: Token,
        ready: Ready,
        ctx: &mut Context<'_>,
    ) -> Result<(), FandError> {
        let Some(monitor) = self.monitor.as_mut() else { return Ok(()) };
        let mut moved = false;
        // Lost events: rediscovery reads the truth from sysfs.
        if let Drained::Lost(error) = monitor.drain(|_| moved = true) {
            moved = true;
            if let Some(e) = error {
                tracing::warn!("udev monitor: {}", helios64_text::error_chain(&e));
            }
        }
        if ready.hangup || ready.error {
            tracing::warn!(
                "udev monitor closed; rediscovery only on vanished hardware from now on"
            );
            self.monitor = None;
        }
        if moved {
            self.rediscover("hot-plug event");
            ctx.tick_soon();
        }
        Ok(())
    }

    fn reload(
        &mut self,
        config: Loaded<FandConfig>,
        _ctx: &mut Context<'_>,
    ) -> Result<(), FandError> {
        let config = config.into_config();
        let moved = config.sata_controller != self.cycle.config().sata_controller;
        self.cycle.set_config(&config);
        if moved {
            self.rediscover("the SATA controller changed");
        }
        Ok(())
    }

    fn stop(&mut self, ctx: &mut Context<'_>) {
        if self.cycle.is_dry_run() {
            tracing::info!("dry run: fans left as they are");
            return;
        }
        match self.cycle.full_speed() {
            Ok(()) => tracing::info!("stopping: both fans at full speed"),
            Err(e) => tracing::error!(
                "stopping: not every fan is at full speed: {}",
                helios64_text::error_chain(&e)
            ),
        }
        self.status = status_line(&self.cycle);
        self.write_state(ctx, true, true);
    }
}
