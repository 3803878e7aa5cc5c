//! The daemon: the UPS [`Monitor`] on the runtime's loop, mains changes from
//! udev between polls, notifications and the shutdown sequence on the
//! action worker, the state file, the record of why the box went down.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use helios64_hal::{Drained, EventSource, HotplugMonitor, KernelSubsystem, MainsSource, Root, Ups};
use helios64_service::{
    Clock, Context, Daemon, Freshness, Loaded, MonoTime, Ready, Service, StateDir, Token,
};
use helios64_ups::{
    Event, Monitor, Policy, PolicyEvent, PowerState, STATE_SCHEMA, UpsState, UpsdConfig,
};
use serde::{Deserialize, Serialize};

use crate::actions::{Commands, Progress, Runner};

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpsdError {
    /// The UPS could not be discovered.
    #[error("cannot find the UPS")]
    Discover(#[source] helios64_hal::Error),
    /// The action worker could not be started.
    #[error("cannot start the action worker thread")]
    Worker(#[source] std::io::Error),
}

const MONITOR: Token = Token(0);
/// A failed power-off is retried this often.
const RETRY_POWER_OFF: Duration = Duration::from_secs(60);
/// The record of the last shutdown (`/var/lib/helios64/upsd/last-shutdown.json`).
const RECORD: &str = "last-shutdown";
const RECORD_SCHEMA: u32 = 1;
/// A previous run's state file older than this says nothing about now.
const RESTORE_MAX_AGE: Duration = Duration::from_secs(300);

/// Why the box went down, kept for the next boot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ShutdownRecord {
    /// The reason as logged.
    pub reason: String,
    /// The rule.
    pub rule: String,
    /// The filtered pack voltage then, mV.
    pub filtered_mv: Option<u32>,
    /// Seconds on battery then.
    pub on_battery_secs: Option<f64>,
    /// The boot it happened in (`/proc/sys/kernel/random/boot_id`).
    pub boot_id: Option<String>,
}

/// The UPS daemon.
pub(crate) struct Upsd {
    root: Root,
    config: UpsdConfig,
    commands: Commands,
    ups: Ups,
    monitor: Monitor,
    udev: Option<HotplugMonitor>,
    runner: Runner,
    states: StateDir,
    records: StateDir,
    last_state: Option<(UpsState, MonoTime)>,
    state_error_logged: bool,
    phase: Option<String>,
    retry_at: Option<MonoTime>,
    ticks: u64,
}

impl std::fmt::Debug for Upsd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upsd")
            .field("root", &self.root)
            .field("state", &self.monitor.policy().state())
            .finish_non_exhaustive()
    }
}

fn boot_id(root: &Root) -> Option<String> {
    root.read_optional(&root.proc().join("sys/kernel/random/boot_id")).ok().flatten()
}

impl Upsd {
    /// Discovers the UPS, opens the udev monitor (on the running system),
    /// starts the action worker, and reports the last boot's shutdown.
    pub(crate) fn start(
        root: Root,
        config: UpsdConfig,
        service: &Service,
    ) -> Result<Upsd, UpsdError> {
        // Argument parsing, logging set-up and the TOML loader are done:
        // their pages go back before discovery touches more.
        helios64_service::memory::release_file_pages();
        let ups = Ups::discover(&root, config.ups_config()).map_err(UpsdError::Discover)?;
        match ups.mains_source() {
            Some(MainsSource::PowerSupply { name, .. }) => {
                tracing::info!("mains from power_supply {name}")
            }
            Some(MainsSource::Gpio(_)) => {
                tracing::info!("mains from the AC-present GPIO line (no Mains power_supply)")
            }
            None => {}
        }
        let udev = if root.is_live() {
            match HotplugMonitor::open_with(
                &root,
                EventSource::Udev,
                &[KernelSubsystem::PowerSupply],
            ) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(
                        "no udev monitor ({}): mains read every poll only",
                        helios64_text::error_chain(&e)
                    );
                    None
                }
            }
        } else {
            None
        };
        let records = StateDir::new(root.base().join("var/lib/helios64/upsd"));
        let daemon = Upsd {
            commands: Commands::of(&config),
            monitor: Monitor::new(Policy::new(config.policy())),
            runner: Runner::start().map_err(UpsdError::Worker)?,
            states: service.state_dir().clone(),
            records,
            root,
            config,
            ups,
            udev,
            last_state: None,
            state_error_logged: false,
            phase: None,
            retry_at: None,
            ticks: 0,
        };
        daemon.report_last_shutdown();
        let mut daemon = daemon;
        daemon.restore_outage();
        Ok(daemon)
    }

    /// A restart during an outage (a crash, `systemctl restart`) keeps the
    /// outage's clock: the previous run's state file, if at most
    /// [`RESTORE_MAX_AGE`] old, says how long mains had been off.
    fn restore_outage(&mut self) {
        #[derive(Deserialize)]
        struct Envelope {
            schema: u32,
            daemon: String,
            written_at_unix_ms: u64,
            state: UpsState,
        }
        let path = self.states.path("upsd");
        // The daemon's own state file from its previous run.
        #[allow(clippy::disallowed_methods)]
        let Ok(bytes) = std::fs::read(&path) else { return };
        let Ok(env) = serde_json::from_slice::<Envelope>(&bytes) else { return };
        let clock = helios64_service::SystemClock;
        let now_ms = clock
            .wall()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let age = Duration::from_millis(now_ms.saturating_sub(env.written_at_unix_ms));
        let off = env.state.mains_off_secs.or(env.state.on_battery_secs);
        if env.schema != STATE_SCHEMA || env.daemon != "upsd" || age > RESTORE_MAX_AGE {
            return;
        }
        if let Some(off) = off.filter(|s| s.is_finite() && *s >= 0.0) {
            let off = Duration::from_secs_f64(off) + age;
            tracing::warn!(
                "the previous run had mains off for {} s: if it still is, the outage is timed from then",
                off.as_secs()
            );
            self.monitor.policy_mut().restore_outage(off, clock.monotonic());
        }
    }

    /// Logs the record of a battery shutdown in an earlier boot, once.
    fn report_last_shutdown(&self) {
        let clock = helios64_service::SystemClock;
        let record =
            match self.records.read::<ShutdownRecord>(RECORD, RECORD_SCHEMA, Duration::MAX, &clock)
            {
                Ok(Freshness::Fresh(r) | Freshness::Stale { state: r, .. }) => r,
                Ok(Freshness::Absent) => return,
                Err(e) => {
                    tracing::warn!("{}", e.one_line());
                    return;
                }
            };
        if record.boot_id.is_some() && record.boot_id == boot_id(&self.root) {
            return; // this boot's own (a restarted daemon): not news
        }
        tracing::warn!(
            "the previous boot ended in a helios64-upsd shutdown: {} (pack {} V, {} s on battery)",
            record.reason,
            record.filtered_mv.map_or_else(|| "?".into(), helios64_ups::volts),
            record.on_battery_secs.map_or_else(|| "?".into(), |s| format!("{s:.0}")),
        );
        let path = self.records.path(RECORD);
        // The daemon's own record: moved aside once reported.
        #[allow(clippy::disallowed_methods)]
        if let Err(e) = std::fs::rename(&path, path.with_extension("reported.json")) {
            tracing::warn!("cannot move {} aside: {e}", path.display());
        }
    }

    fn handle(&mut self, events: Vec<Event>, ctx: &Context<'_>) {
        for event in events {
            if event.is_warning() {
                tracing::warn!("{event}");
            } else {
                tracing::info!("{event}");
            }
            if let Some(kind) = event.notify_type() {
                self.runner.notify(kind, event.to_string(), event.is_wall(), &self.commands);
            }
            if let Event::Policy(PolicyEvent::Shutdown(reason)) = &event {
                self.record(reason, ctx);
                self.phase = Some("notifying".into());
                self.write_state(ctx, true);
                self.runner.shutdown(true, &self.commands);
            }
        }
    }

    fn record(&self, reason: &helios64_ups::ShutdownReason, ctx: &Context<'_>) {
        let policy = self.monitor.policy();
        let record = ShutdownRecord {
            reason: reason.to_string(),
            rule: reason.rule().as_str().to_owned(),
            filtered_mv: policy.filtered_mv(),
            on_battery_secs: policy.on_battery_for(ctx.monotonic()).map(|d| d.as_secs_f64()),
            boot_id: boot_id(&self.root),
        };
        if let Err(e) = self.records.write(RECORD, RECORD_SCHEMA, ctx.clock(), &record) {
            tracing::warn!("cannot record the shutdown reason: {}", e.one_line());
        }
    }

    fn follow_progress(&mut self, ctx: &Context<'_>) {
        for p in self.runner.progress() {
            let phase = match &p {
                Progress::PreShutdown => "pre_shutdown",
                Progress::PoweringOff => "powering_off",
                Progress::Requested(how) => {
                    tracing::warn!("power-off requested ({how})");
                    "requested"
                }
                Progress::Failed(why) => {
                    tracing::error!(
                        "POWER-OFF FAILED: {why}; retrying in {} s",
                        RETRY_POWER_OFF.as_secs()
                    );
                    self.retry_at = ctx.monotonic().checked_add(RETRY_POWER_OFF);
                    "failed"
                }
            };
            self.phase = Some(phase.to_owned());
        }
        if let Some(at) = self.retry_at
            && ctx.monotonic() >= at
        {
            self.retry_at = None;
            self.phase = Some("powering_off".into());
            self.runner.shutdown(false, &self.commands);
        }
    }

    fn state(&self, now: MonoTime) -> UpsState {
        let mut state = UpsState::of(&self.monitor, now).rounded();
        if let (Some(s), Some(phase)) = (state.shutdown.as_mut(), &self.phase) {
            s.phase.clone_from(phase);
        }
        state
    }

    fn write_state(&mut self, ctx: &Context<'_>, force: bool) {
        let now = ctx.monotonic();
        let state = self.state(now);
        let every = Duration::from_secs(self.config.state_every_secs);
        let due = match &self.last_state {
            None => true,
            Some((last, at)) => {
                change_key(last) != change_key(&state) || now.saturating_since(*at) >= every
            }
        };
        if !due && !force {
            return;
        }
        match self.states.write("upsd", STATE_SCHEMA, ctx.clock(), &state) {
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

    fn mains_supply(&self) -> Option<&str> {
        match self.ups.mains_source() {
            Some(MainsSource::PowerSupply { name, .. }) => Some(name),
            _ => None,
        }
    }
}

/// What counts as a change of state: the ADC's last-digit noise does not.
fn change_key(state: &UpsState) -> UpsState {
    let mut key = state.clone();
    key.pack_mv = None;
    key.adc_mv = None;
    key.dc_in_mv = key.dc_in_mv.map(|v| v / 500);
    key.filtered_mv = key.filtered_mv.map(|v| v / 100);
    key
}

impl Daemon for Upsd {
    type Config = UpsdConfig;
    type Error = UpsdError;

    fn interval(&self) -> Option<Duration> {
        let policy = self.monitor.policy();
        let fast = policy.state() != PowerState::Online || policy.debouncing();
        Some(self.config.interval(fast))
    }

    fn status(&self) -> String {
        let policy = self.monitor.policy();
        // Tenths of a volt: the ADC's last-digit noise must not send a
        // STATUS= every poll.
        let volts = policy.filtered_mv().map_or_else(
            || "voltage unreadable".to_owned(),
            |mv| format!("pack {:.1} V", f64::from(mv) / 1000.0),
        );
        match policy.shutdown() {
            Some((reason, _)) => {
                format!("SHUTDOWN ({}): {reason}", self.phase.as_deref().unwrap_or("notifying"))
            }
            None => format!("{}, {volts}", policy.state()),
        }
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), UpsdError> {
        let events = self.monitor.poll(ctx.monotonic(), &self.ups, &self.ups);
        self.handle(events, ctx);
        self.follow_progress(ctx);
        self.write_state(ctx, false);
        self.ticks += 1;
        if self.ticks == 1 {
            let n = helios64_service::memory::release_file_pages();
            tracing::debug!("start-up pages of {n} mappings given back");
        }
        Ok(())
    }

    fn fds(&self) -> Vec<(Token, BorrowedFd<'_>)> {
        self.udev.iter().map(|m| (MONITOR, m.as_fd())).collect()
    }

    fn on_fd(
        &mut self,
        _token: Token,
        ready: Ready,
        ctx: &mut Context<'_>,
    ) -> Result<(), UpsdError> {
        let supply = self.mains_supply().map(str::to_owned);
        let mut changes = Vec::new();
        if let Some(udev) = self.udev.as_mut() {
            let root = &self.root;
            let drained = udev.drain(|event| {
                if supply.as_deref() != Some(event.sysname.as_str()) {
                    return;
                }
                match event.mains_online(root) {
                    Ok(Some(online)) => {
                        tracing::debug!("udev: {} online={online}", event.sysname);
                        changes.push(online);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::debug!("mains event unreadable: {e}"),
                }
            });
            // Lost events: the next poll reads the truth.
            if let Drained::Lost(Some(e)) = drained {
                tracing::warn!("udev monitor: {}", helios64_text::error_chain(&e));
            }
        }
        if ready.hangup || ready.error {
            tracing::warn!("udev monitor closed; mains read every poll only");
            self.udev = None;
        }
        for online in changes {
            let events = self.monitor.mains_changed(ctx.monotonic(), online);
            self.handle(events, ctx);
        }
        // Read everything now: the event may be the start of an outage.
        ctx.tick_soon();
        Ok(())
    }

    fn reload(
        &mut self,
        config: Loaded<UpsdConfig>,
        _ctx: &mut Context<'_>,
    ) -> Result<(), UpsdError> {
        let config = config.into_config();
        if config.hardware != self.config.hardware {
            self.ups =
                Ups::discover(&self.root, config.ups_config()).map_err(UpsdError::Discover)?;
        }
        self.monitor.policy_mut().set_config(config.policy());
        self.commands = Commands::of(&config);
        self.config = config;
        Ok(())
    }

    fn stop(&mut self, ctx: &mut Context<'_>) {
        if let Some(phase) = &self.phase {
            tracing::warn!("stopping during the shutdown sequence (phase {phase})");
        }
        self.write_state(ctx, true);
    }
}
