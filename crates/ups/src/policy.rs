//! The UPS policy: a pure state machine on given time.
//!
//! Inputs are readings (mains on, off or unknown; a pack voltage, no
//! battery, or unreadable) at monotonic times; outputs are
//! [`PolicyEvent`]s and the state. No I/O, no clock of its own: every rule
//! is tested on simulated time.
//!
//! The rules for missing data (docs/runbooks/upsd.md repeats them):
//!
//! - **Mains unknown** (a read error, no mains source) changes nothing: the
//!   last known state holds. On mains that means no shutdown ever comes
//!   from missing data, and a debounce in progress starts again (it needs
//!   mains read off throughout). On battery the outage clock keeps running,
//!   so the time limit still fires.
//! - **Voltage unknown** (`low_samples` failed readings in a row, or an ADC
//!   that claims there is no battery while the battery powers the board) is
//!   never a shutdown on mains. On battery it shuts the box down once mains
//!   has been off for `battery_unreadable_limit_secs` (or earlier at
//!   `max_on_battery_secs`): flying blind is allowed for a bounded time
//!   only.
//! - **One noisy sample** cannot shut the box down: decisions use the
//!   filtered voltage, and a low battery needs `low_samples` filtered
//!   values in a row at or below the threshold.
//! - **Once a shutdown is decided it is final**: mains returning afterwards
//!   is logged, not obeyed (the pre-shutdown command may have stopped
//!   services; auto power-on stays armed, so the board comes back). This is
//!   NUT's answer to the "power race" too.

use std::fmt;
use std::time::Duration;

use helios64_service::MonoTime;
use serde::{Deserialize, Serialize};

use crate::config::PolicyConfig;
use crate::events::{NextAction, PolicyEvent, ShutdownReason, ShutdownRule};
use crate::filter::{RuntimeEstimate, VoltageFilter};

/// The power state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    /// On mains (or mains off for less than the debounce).
    Online,
    /// On battery: mains has been off for at least `on_battery_delay`.
    OnBattery,
    /// On battery with the filtered voltage at or below `low_voltage`;
    /// `low_samples` such samples in a row shut the box down.
    LowBattery,
    /// A shutdown was decided.
    Shutdown,
}

impl PowerState {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PowerState::Online => "online",
            PowerState::OnBattery => "on_battery",
            PowerState::LowBattery => "low_battery",
            PowerState::Shutdown => "shutdown",
        }
    }

    /// On battery or low battery.
    pub fn on_battery(self) -> bool {
        matches!(self, PowerState::OnBattery | PowerState::LowBattery)
    }
}

impl fmt::Display for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mains reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MainsObs {
    /// The adapter powers the board.
    Online,
    /// It does not.
    Offline,
    /// No reading (an error, or no way to tell).
    Unknown,
}

/// A battery reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatteryObs {
    /// The pack voltage in millivolts.
    Volts(u32),
    /// The ADC reads the no-battery level.
    Absent,
    /// No reading (an error, no SARADC).
    Unreadable,
}

/// Counts since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    /// Flickers shorter than the debounce.
    pub glitches: u64,
    /// Outages (on battery).
    pub outages: u64,
    /// Outages that ended before a shutdown.
    pub cancelled: u64,
    /// Battery faults on mains.
    pub battery_faults: u64,
}

/// The state machine.
#[derive(Debug, Clone)]
pub struct Policy {
    config: PolicyConfig,
    state: PowerState,
    mains: Option<bool>,
    /// The first reading of mains off, pending or confirmed.
    off_since: Option<MonoTime>,
    /// When the confirmed outage began (its first off reading); kept for a
    /// debounce after mains returns, so a flicker back does not reset it.
    outage_started: Option<MonoTime>,
    returned_at: Option<MonoTime>,
    filter: VoltageFilter,
    estimate: RuntimeEstimate,
    latest_mv: Option<u32>,
    low_count: u32,
    invalid_count: u32,
    unreadable: bool,
    fault: bool,
    no_battery: bool,
    shutdown: Option<(ShutdownReason, MonoTime)>,
    mains_back_in_shutdown: bool,
    counters: Counters,
    /// When an earlier run of the daemon first read mains off, if that
    /// outage may still be going on.
    restored_off_since: Option<MonoTime>,
}

impl Policy {
    /// A policy starting on mains with no readings.
    pub fn new(config: PolicyConfig) -> Policy {
        Policy {
            filter: VoltageFilter::new(config.filter, config.filter_window),
            config,
            state: PowerState::Online,
            mains: None,
            off_since: None,
            outage_started: None,
            returned_at: None,
            estimate: RuntimeEstimate::new(),
            latest_mv: None,
            low_count: 0,
            invalid_count: 0,
            unreadable: false,
            fault: false,
            no_battery: false,
            shutdown: None,
            mains_back_in_shutdown: false,
            counters: Counters::default(),
            restored_off_since: None,
        }
    }

    /// New thresholds (a reload). Timers keep running; a shorter limit
    /// that has already passed fires at the next step. A shutdown already
    /// decided stays decided.
    pub fn set_config(&mut self, config: PolicyConfig) {
        if (config.filter, config.filter_window) != (self.config.filter, self.config.filter_window)
        {
            self.filter = VoltageFilter::new(config.filter, config.filter_window);
        }
        self.config = config;
    }

    /// An earlier run of the daemon (a restart, a crash) had read mains off
    /// for `mains_off_for` by `now`: if the first reading of this run is off
    /// too, the outage is timed from then, not from this start. A daemon
    /// restarting in a loop during an outage must not push the shutdown
    /// back each time.
    pub fn restore_outage(&mut self, mains_off_for: Duration, now: MonoTime) {
        let since_epoch = now.saturating_since(MonoTime::default());
        self.restored_off_since =
            Some(MonoTime::from_duration(since_epoch.saturating_sub(mains_off_for)));
    }

    /// The configuration in use.
    pub fn config(&self) -> &PolicyConfig {
        &self.config
    }

    /// One step: the readings made at `now` (`None`: not read this time),
    /// then the timers.
    pub fn step(
        &mut self,
        now: MonoTime,
        mains: Option<MainsObs>,
        battery: Option<BatteryObs>,
    ) -> Vec<PolicyEvent> {
        let mut events = Vec::new();
        if let Some(m) = mains {
            self.on_mains(now, m, &mut events);
        }
        if let Some(b) = battery {
            self.on_battery_reading(now, b, &mut events);
        }
        self.on_time(now, &mut events);
        events
    }

    fn on_mains(&mut self, now: MonoTime, reading: MainsObs, events: &mut Vec<PolicyEvent>) {
        let online = match reading {
            MainsObs::Unknown => {
                // A debounce needs mains read off throughout: a gap in the
                // readings starts it again (towards not shutting down on
                // missing data). A confirmed outage keeps its clock.
                if self.state == PowerState::Online {
                    self.off_since = None;
                }
                return;
            }
            MainsObs::Online => true,
            MainsObs::Offline => false,
        };
        self.mains = Some(online);
        let restored = self.restored_off_since.take();
        match (self.state, online) {
            (PowerState::Shutdown, true) => {
                if !self.mains_back_in_shutdown {
                    self.mains_back_in_shutdown = true;
                    events.push(PolicyEvent::MainsReturnedDuringShutdown);
                }
            }
            (PowerState::Shutdown, false) => {}
            (PowerState::Online, false) => {
                if self.off_since.is_none() {
                    if let (Some(started), Some(back)) = (self.outage_started, self.returned_at)
                        && now.saturating_since(back) < self.config.on_battery_delay
                    {
                        self.off_since = Some(started);
                        self.returned_at = None;
                        self.state = PowerState::OnBattery;
                        self.counters.cancelled = self.counters.cancelled.saturating_sub(1);
                        events.push(PolicyEvent::OnBattery {
                            after: now.saturating_since(started),
                            resumed: true,
                        });
                        return;
                    }
                    self.off_since = Some(restored.unwrap_or(now));
                    if restored.is_none() && !self.config.on_battery_delay.is_zero() {
                        events
                            .push(PolicyEvent::MainsOff { debounce: self.config.on_battery_delay });
                    }
                }
                if let Some(since) = self.off_since
                    && now.saturating_since(since) >= self.config.on_battery_delay
                {
                    self.state = PowerState::OnBattery;
                    self.outage_started = Some(since);
                    self.returned_at = None;
                    self.estimate.clear();
                    self.counters.outages += 1;
                    events.push(PolicyEvent::OnBattery {
                        after: now.saturating_since(since),
                        resumed: false,
                    });
                }
            }
            (PowerState::Online, true) => {
                if let Some(since) = self.off_since.take() {
                    self.counters.glitches += 1;
                    events.push(PolicyEvent::Glitch { lasted: now.saturating_since(since) });
                }
            }
            (PowerState::OnBattery | PowerState::LowBattery, true) => {
                let started = self.outage_started.unwrap_or(now);
                self.state = PowerState::Online;
                self.off_since = None;
                self.returned_at = Some(now);
                self.counters.cancelled += 1;
                events
                    .push(PolicyEvent::MainsReturned { on_battery: now.saturating_since(started) });
            }
            (PowerState::OnBattery | PowerState::LowBattery, false) => {}
        }
    }

    fn on_battery_reading(
        &mut self,
        now: MonoTime,
        reading: BatteryObs,
        events: &mut Vec<PolicyEvent>,
    ) {
        let on_battery = self.state.on_battery();
        let mv = match reading {
            BatteryObs::Volts(mv) => mv,
            BatteryObs::Absent if !on_battery => {
                // A clear reading, not a failure: on mains the pack is missing.
                self.invalid_count = 0;
                if !self.no_battery {
                    self.no_battery = true;
                    events.push(PolicyEvent::NoBattery);
                }
                return;
            }
            // On battery an ADC claiming there is no battery is wrong: the
            // board runs on it. Count it as unreadable.
            BatteryObs::Absent | BatteryObs::Unreadable => {
                self.invalid_count = self.invalid_count.saturating_add(1);
                if self.invalid_count >= self.config.low_samples && !self.unreadable {
                    self.unreadable = true;
                    self.filter.clear();
                    self.latest_mv = None;
                    events.push(PolicyEvent::VoltageUnreadable { on_battery });
                }
                return;
            }
        };
        self.invalid_count = 0;
        if self.unreadable {
            self.unreadable = false;
            events.push(PolicyEvent::VoltageReadable);
        }
        if self.no_battery {
            self.no_battery = false;
            events.push(PolicyEvent::BatteryBack);
        }
        self.filter.push(mv);
        self.latest_mv = Some(mv);
        let Some(filtered) = self.filter.value() else { return };
        if on_battery {
            self.estimate.push(now, filtered);
        }
        let threshold = self.config.low_voltage_mv;
        let low = threshold.is_some_and(|t| filtered <= t);
        self.low_count = if low { self.low_count.saturating_add(1) } else { 0 };
        let needed = self.config.low_samples;
        let threshold = threshold.unwrap_or_default();
        match self.state {
            PowerState::OnBattery | PowerState::LowBattery if low => {
                if self.state == PowerState::OnBattery {
                    self.state = PowerState::LowBattery;
                    events.push(PolicyEvent::LowBattery {
                        millivolts: filtered,
                        threshold,
                        samples: self.low_count.min(needed),
                        needed,
                    });
                }
                if self.low_count >= needed {
                    self.decide(
                        now,
                        ShutdownReason::LowBattery {
                            millivolts: filtered,
                            threshold,
                            samples: needed,
                        },
                        events,
                    );
                }
            }
            PowerState::LowBattery => {
                self.state = PowerState::OnBattery;
                events.push(PolicyEvent::LowBatteryCleared { millivolts: filtered });
            }
            PowerState::Online if low && self.low_count >= needed && !self.fault => {
                self.fault = true;
                self.counters.battery_faults += 1;
                events.push(PolicyEvent::BatteryFault { millivolts: filtered, threshold });
            }
            PowerState::Online if !low && self.fault => {
                self.fault = false;
                events.push(PolicyEvent::BatteryFaultCleared { millivolts: filtered });
            }
            _ => {}
        }
    }

    fn on_time(&mut self, now: MonoTime, events: &mut Vec<PolicyEvent>) {
        if let Some(back) = self.returned_at
            && now.saturating_since(back) >= self.config.on_battery_delay
        {
            self.returned_at = None;
            self.outage_started = None;
        }
        if !self.state.on_battery() {
            return;
        }
        let Some(started) = self.outage_started else { return };
        let elapsed = now.saturating_since(started);
        if let Some(limit) = self.config.max_on_battery
            && elapsed >= limit
        {
            self.decide(now, ShutdownReason::OnBatteryLimit { limit }, events);
        } else if self.unreadable && elapsed >= self.config.battery_unreadable_limit {
            self.decide(now, ShutdownReason::BatteryUnreadable { on_battery: elapsed }, events);
        }
    }

    fn decide(&mut self, now: MonoTime, reason: ShutdownReason, events: &mut Vec<PolicyEvent>) {
        if self.shutdown.is_some() {
            return;
        }
        self.state = PowerState::Shutdown;
        self.shutdown = Some((reason, now));
        events.push(PolicyEvent::Shutdown(reason));
    }

    /// The power state.
    pub fn state(&self) -> PowerState {
        self.state
    }

    /// The last known mains reading.
    pub fn mains(&self) -> Option<bool> {
        self.mains
    }

    /// Whether mains reads off and the debounce is running.
    pub fn debouncing(&self) -> bool {
        self.state == PowerState::Online && self.off_since.is_some()
    }

    /// How long mains has been off (debouncing or on battery), at `now`.
    pub fn mains_off_for(&self, now: MonoTime) -> Option<Duration> {
        match self.state {
            PowerState::Online | PowerState::OnBattery | PowerState::LowBattery => {
                self.off_since.map(|since| now.saturating_since(since))
            }
            PowerState::Shutdown => None,
        }
    }

    /// How long the box has been on battery (from the first off reading of
    /// the outage), at `now`; `None` on mains.
    pub fn on_battery_for(&self, now: MonoTime) -> Option<Duration> {
        if !self.state.on_battery() && self.state != PowerState::Shutdown {
            return None;
        }
        self.outage_started.map(|s| now.saturating_since(s))
    }

    /// The latest pack voltage sample, mV.
    pub fn latest_mv(&self) -> Option<u32> {
        self.latest_mv
    }

    /// The filtered pack voltage, mV.
    pub fn filtered_mv(&self) -> Option<u32> {
        if self.unreadable { None } else { self.filter.value() }
    }

    /// The voltage slope over the recent past on battery, mV/s.
    pub fn slope_mv_per_sec(&self) -> Option<f64> {
        if self.state.on_battery() { self.estimate.slope_mv_per_sec() } else { None }
    }

    /// The estimated time to the low-voltage threshold, on battery.
    pub fn time_to_low(&self) -> Option<Duration> {
        let threshold = self.config.low_voltage_mv?;
        if !self.state.on_battery() || self.unreadable {
            return None;
        }
        self.estimate.time_to(threshold)
    }

    /// Whether the voltage is unreadable now.
    pub fn voltage_unreadable(&self) -> bool {
        self.unreadable
    }

    /// Whether the pack reads low on mains (a battery fault).
    pub fn battery_fault(&self) -> bool {
        self.fault
    }

    /// Whether the ADC reads no battery (on mains).
    pub fn no_battery(&self) -> bool {
        self.no_battery
    }

    /// The decided shutdown and when.
    pub fn shutdown(&self) -> Option<(ShutdownReason, MonoTime)> {
        self.shutdown
    }

    /// Whether mains returned after the shutdown was decided.
    pub fn mains_back_during_shutdown(&self) -> bool {
        self.mains_back_in_shutdown
    }

    /// Counts since start.
    pub fn counters(&self) -> Counters {
        self.counters
    }

    /// What happens next if nothing changes, at `now`.
    pub fn next_action(&self, now: MonoTime) -> NextAction {
        match self.state {
            PowerState::Shutdown => match self.shutdown {
                Some((reason, _)) => NextAction::ShuttingDown(reason),
                None => NextAction::None,
            },
            PowerState::Online => match self.off_since {
                Some(since) => NextAction::OnBatteryIn(
                    self.config.on_battery_delay.saturating_sub(now.saturating_since(since)),
                ),
                None => NextAction::None,
            },
            PowerState::OnBattery | PowerState::LowBattery => {
                let elapsed = self.on_battery_for(now).unwrap_or_default();
                let mut best: Option<(ShutdownRule, Option<Duration>)> = None;
                let mut offer = |rule, within: Option<Duration>| {
                    let better = match (&best, within) {
                        (None, _) => true,
                        (Some((_, None)), Some(_)) => true,
                        (Some((_, Some(b))), Some(w)) => w < *b,
                        _ => false,
                    };
                    if better {
                        best = Some((rule, within));
                    }
                };
                if let Some(limit) = self.config.max_on_battery {
                    offer(ShutdownRule::MaxOnBattery, Some(limit.saturating_sub(elapsed)));
                }
                if self.unreadable {
                    offer(
                        ShutdownRule::BatteryUnreadable,
                        Some(self.config.battery_unreadable_limit.saturating_sub(elapsed)),
                    );
                } else if self.config.low_voltage_mv.is_some() {
                    offer(ShutdownRule::LowVoltage, self.time_to_low());
                }
                match best {
                    Some((rule, within)) => NextAction::Shutdown { rule, within },
                    // Unreachable with a validated config (some rule is on);
                    // the blind rule still guards the unreadable case.
                    None => NextAction::None,
                }
            }
        }
    }
}
