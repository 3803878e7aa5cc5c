//! `helios64-pin watch`: apply at start, then again after each burst of
//! matched hot-plug events (a network interface added or renamed, a USB
//! driver bound, a CPU online), debounced and rate-limited; one journal
//! line per change (what, old -> new); the state file health reads to know
//! that pinning is managed.

use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use helios64_hal::{
    Action, Drained, EventSource, HotplugEvent, HotplugMonitor, KernelSubsystem, Root,
};
use helios64_pin::{ApplyReport, Failure, PinConfig, PinError, Pinning, WatchConfig};
use helios64_service::{Context, Daemon, Loaded, MonoTime, Ready, Service, StateDir, Token};
use serde::Serialize;

/// The state file's schema (`/run/helios64/pin.json`).
pub(crate) const STATE_SCHEMA: u32 = 1;

const MONITOR: Token = Token(0);

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PinDaemonError {
    /// The configuration does not fit this system or the system could not
    /// be read.
    #[error("resolving the plan")]
    Resolve(#[source] PinError),
}

/// What the state file says after each apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PinState {
    /// The plan's name.
    plan: String,
    /// Applies since start.
    applies: u64,
    /// Why the last apply ran (`start`, `net add eth1`, `cpu online cpu4`).
    trigger: String,
    /// Settings the last apply changed.
    changed: usize,
    /// Settings it could not make.
    failures: Vec<Failure>,
    /// Rules that matched nothing.
    unmatched: Vec<String>,
    /// Whether writes were made (false on a dry run).
    dry_run: bool,
}

/// The watch daemon.
pub(crate) struct PinDaemon {
    root: Root,
    loaded: Loaded<PinConfig>,
    monitor: Option<HotplugMonitor>,
    states: StateDir,
    dry_run: bool,
    /// The last matched event not yet applied: when, and what.
    pending: Option<(MonoTime, String)>,
    last_apply: Option<MonoTime>,
    applies: u64,
    status: String,
}

impl std::fmt::Debug for PinDaemon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinDaemon")
            .field("root", &self.root)
            .field("pending", &self.pending)
            .finish()
    }
}

/// Whether `event` can change what the plan resolves to, and how to name it.
pub(crate) fn trigger(event: &HotplugEvent) -> Option<String> {
    let matched = match (&event.subsystem, &event.action) {
        (KernelSubsystem::Net, Action::Add | Action::Move) => true,
        (KernelSubsystem::Usb, Action::Bind) => event.devtype() == Some("usb_interface"),
        (KernelSubsystem::Other(s), Action::Other(a)) => s == "cpu" && a == "online",
        _ => false,
    };
    matched.then(|| {
        format!("{} {} {}", event.subsystem.as_str(), event.action.as_str(), event.sysname)
    })
}

/// Whether a re-apply for an event at `event` is due at `now`: the burst
/// has been quiet for `debounce_ms` and the last apply is at least
/// `min_interval_ms` old.
pub(crate) fn due(
    watch: &WatchConfig,
    event: MonoTime,
    last_apply: Option<MonoTime>,
    now: MonoTime,
) -> bool {
    let quiet = now.saturating_since(event) >= Duration::from_millis(watch.debounce_ms);
    let rested = last_apply.is_none_or(|last| {
        now.saturating_since(last) >= Duration::from_millis(watch.min_interval_ms)
    });
    quiet && rested
}

impl PinDaemon {
    /// Resolves once (a configuration that does not fit refuses to start)
    /// and opens the udev monitor on the running system.
    pub(crate) fn start(
        root: Root,
        loaded: Loaded<PinConfig>,
        service: &Service,
        dry_run: bool,
    ) -> Result<PinDaemon, PinDaemonError> {
        Pinning::resolve(&root, &loaded).map_err(PinDaemonError::Resolve)?;
        let monitor = if root.is_live() {
            let watched =
                [KernelSubsystem::Net, KernelSubsystem::Usb, KernelSubsystem::Other("cpu".into())];
            match HotplugMonitor::open_with(&root, EventSource::Udev, &watched) {
                Ok(m) => Some(m),
                Err(e) => {
                    tracing::warn!(
                        "no udev monitor ({}): applying at start only",
                        helios64_text::error_chain(&e)
                    );
                    None
                }
            }
        } else {
            None
        };
        if dry_run {
            tracing::info!("dry run: changes are logged, nothing is written");
        }
        Ok(PinDaemon {
            root,
            loaded,
            monitor,
            states: service.state_dir().clone(),
            dry_run,
            pending: Some((MonoTime::from_duration(Duration::ZERO), "start".into())),
            last_apply: None,
            applies: 0,
            status: "starting".into(),
        })
    }

    fn config(&self) -> &PinConfig {
        self.loaded.config()
    }

    fn apply(&mut self, trigger: &str, ctx: &mut Context<'_>) {
        self.applies += 1;
        let report = match Pinning::resolve(&self.root, &self.loaded) {
            Ok(pinning) => pinning.apply(&self.root, self.dry_run),
            Err(e) => {
                // Not fatal: a CPU offline for now, a NIC half-gone. The
                // next event tries again.
                let why = helios64_text::error_chain(&e);
                tracing::warn!("after {trigger}: not applied: {why}");
                self.status = format!("not applied after {trigger}: {why}");
                return;
            }
        };
        self.log(trigger, &report);
        self.status = format!(
            "{}: {} settings as planned, {} failed; last: {trigger}{}",
            report.plan,
            report.unchanged + report.changes.len(),
            report.failures.len(),
            if self.dry_run { " (dry run)" } else { "" }
        );
        let state = PinState {
            plan: report.plan.clone(),
            applies: self.applies,
            trigger: trigger.to_owned(),
            changed: report.changes.len(),
            failures: report.failures,
            unmatched: report.unmatched,
            dry_run: self.dry_run,
        };
        if let Err(e) = self.states.write("pin", STATE_SCHEMA, ctx.clock(), &state) {
            tracing::warn!("cannot write the state file: {}", helios64_text::error_chain(&e));
        }
    }

    fn log(&self, trigger: &str, report: &ApplyReport) {
        for change in &report.changes {
            tracing::info!("{change} [after {trigger}]");
        }
        for failure in &report.failures {
            tracing::warn!("{failure} [after {trigger}]");
        }
        if report.changes.is_empty() && report.failures.is_empty() {
            tracing::debug!("after {trigger}: every setting already as planned");
        }
    }
}

impl Daemon for PinDaemon {
    type Config = PinConfig;
    type Error = PinDaemonError;

    /// Asleep until an event; while one is pending, ticks every debounce.
    fn interval(&self) -> Option<Duration> {
        self.pending.as_ref().map(|_| Duration::from_millis(self.config().watch.debounce_ms))
    }

    fn status(&self) -> String {
        self.status.clone()
    }

    fn tick(&mut self, ctx: &mut Context<'_>) -> Result<(), PinDaemonError> {
        let Some((at, trigger)) = self.pending.clone() else { return Ok(()) };
        let now = ctx.monotonic();
        let first = trigger == "start";
        if first || due(&self.config().watch, at, self.last_apply, now) {
            self.pending = None;
            self.last_apply = Some(now);
            self.apply(&trigger, ctx);
        }
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
    ) -> Result<(), PinDaemonError> {
        let Some(monitor) = self.monitor.as_mut() else { return Ok(()) };
        let mut matched = None;
        let drained = monitor.drain(|event| {
            if let Some(t) = trigger(&event) {
                tracing::debug!("matched: {t}");
                matched = Some(t);
            }
        });
        // Lost events: re-resolving reads the truth from sysfs.
        if let Drained::Lost(error) = drained {
            if let Some(e) = error {
                tracing::warn!("udev monitor: {}", helios64_text::error_chain(&e));
            }
            matched = Some("lost udev events".into());
        }
        if ready.hangup || ready.error {
            tracing::warn!("udev monitor closed; no re-apply on hot-plug from now on");
            self.monitor = None;
        }
        if let Some(t) = matched {
            self.pending = Some((ctx.monotonic(), t));
        }
        Ok(())
    }

    fn reload(
        &mut self,
        config: Loaded<PinConfig>,
        ctx: &mut Context<'_>,
    ) -> Result<(), PinDaemonError> {
        self.loaded = config;
        self.pending = Some((ctx.monotonic(), "reload".into()));
        Ok(())
    }

    fn stop(&mut self, _ctx: &mut Context<'_>) {
        // Pinning is left as it is: nothing to make safe.
        tracing::info!("stopping; pinning left as applied");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(
        action: Action,
        subsystem: KernelSubsystem,
        devpath: &str,
        devtype: &str,
    ) -> HotplugEvent {
        HotplugEvent::new(action, subsystem, devpath, [("DEVTYPE", devtype)])
    }

    #[test]
    fn a_burst_is_applied_once_it_is_quiet_and_not_too_soon() {
        let watch = WatchConfig { debounce_ms: 300, min_interval_ms: 1000 };
        let t = |ms: u64| MonoTime::from_duration(Duration::from_millis(ms));
        // Event at 10 s, nothing applied yet: due 300 ms later, not before.
        assert!(!due(&watch, t(10_000), None, t(10_299)));
        assert!(due(&watch, t(10_000), None, t(10_300)));
        // Applied at 9.5 s: quiet at 10.3 s but rate-limited until 10.5 s.
        assert!(!due(&watch, t(10_000), Some(t(9_500)), t(10_300)));
        assert!(due(&watch, t(10_000), Some(t(9_500)), t(10_500)));
        // A later event in the burst moves the quiet time on.
        assert!(!due(&watch, t(10_400), Some(t(9_000)), t(10_500)));
    }

    #[test]
    fn only_events_that_move_the_plan_trigger() {
        let lan2 = "/devices/platform/usb@fe900000/fe900000.usb/xhci-hcd.2.auto/usb2/2-1/2-1.4/2-1.4:1.0/net/eth1";
        assert_eq!(
            trigger(&event(Action::Add, KernelSubsystem::Net, lan2, "")).as_deref(),
            Some("net add eth1")
        );
        assert!(trigger(&event(Action::Move, KernelSubsystem::Net, lan2, "")).is_some());
        assert!(trigger(&event(Action::Remove, KernelSubsystem::Net, lan2, "")).is_none());
        assert!(trigger(&event(Action::Change, KernelSubsystem::Net, lan2, "")).is_none());
        let intf =
            "/devices/platform/usb@fe900000/fe900000.usb/xhci-hcd.2.auto/usb2/2-1/2-1.4/2-1.4:1.0";
        assert_eq!(
            trigger(&event(Action::Bind, KernelSubsystem::Usb, intf, "usb_interface")).as_deref(),
            Some("usb bind 2-1.4:1.0")
        );
        assert!(trigger(&event(Action::Bind, KernelSubsystem::Usb, intf, "usb_device")).is_none());
        let cpu = "/devices/system/cpu/cpu4";
        let online = KernelSubsystem::Other("cpu".into());
        assert_eq!(
            trigger(&event(Action::Other("online".into()), online.clone(), cpu, "")).as_deref(),
            Some("cpu online cpu4")
        );
        assert!(trigger(&event(Action::Other("offline".into()), online, cpu, "")).is_none());
        assert!(
            trigger(&event(Action::Add, KernelSubsystem::Block, "/devices/x/block/sda", "disk"))
                .is_none()
        );
    }
}
