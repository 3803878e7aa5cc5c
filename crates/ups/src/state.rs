//! The daemon's state file (`/run/helios64/upsd.json`, schema 1): what
//! `helios64 ups`, the exporter and the shutdown hook read.

use helios64_hal::{BatteryReading, ChargeStatus};
use helios64_service::MonoTime;
use serde::{Deserialize, Serialize};

use crate::events::{NextAction, ShutdownRule};
use crate::monitor::{Monitor, Sensor};
use crate::policy::{Counters, PowerState};

/// The state file's schema version.
pub const STATE_SCHEMA: u32 = 1;

/// The battery as the state file says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatteryState {
    /// A pack reads.
    Present,
    /// The ADC reads no pack.
    Absent,
    /// No usable reading.
    Unreadable,
}

/// What happens next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextActionState {
    /// `none`, `on_battery`, `shutdown`, `shutting_down`.
    pub action: String,
    /// The rule that fires first (a shutdown).
    pub rule: Option<ShutdownRule>,
    /// In how many seconds, when known.
    pub in_secs: Option<f64>,
    /// The one-line text.
    pub text: String,
}

impl NextActionState {
    fn of(next: &NextAction) -> NextActionState {
        let (action, rule, within) = match next {
            NextAction::None => ("none", None, None),
            NextAction::OnBatteryIn(d) => ("on_battery", None, Some(*d)),
            NextAction::Shutdown { rule, within } => ("shutdown", Some(*rule), *within),
            NextAction::ShuttingDown(reason) => ("shutting_down", Some(reason.rule()), None),
        };
        NextActionState {
            action: action.to_owned(),
            rule,
            in_secs: within.map(|d| d.as_secs_f64()),
            text: next.to_string(),
        }
    }
}

/// A decided shutdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShutdownState {
    /// The rule.
    pub rule: ShutdownRule,
    /// The reason, as logged.
    pub reason: String,
    /// Seconds since it was decided.
    pub decided_secs_ago: f64,
    /// How far the daemon got: `notifying`, `pre_shutdown`, `powering_off`,
    /// `requested`, `failed` (set by the daemon).
    pub phase: String,
    /// Mains returned after the decision (the shutdown goes on).
    pub mains_back: bool,
}

/// The daemon's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsState {
    /// `online`, `on_battery`, `low_battery`, `shutdown`.
    pub state: PowerState,
    /// The last mains reading: `true` on mains; `None` never read.
    pub mains: Option<bool>,
    /// Where mains is read (`gpio-charger`, `test_ac`, `gpio`).
    pub mains_source: Option<String>,
    /// The charge status, on mains only.
    pub charge: Option<String>,
    /// The battery.
    pub battery: BatteryState,
    /// The last pack voltage sample, mV.
    pub pack_mv: Option<u32>,
    /// The filtered pack voltage, mV.
    pub filtered_mv: Option<u32>,
    /// The last ADC reading at the pin, mV.
    pub adc_mv: Option<f64>,
    /// The pack reads low on mains.
    pub battery_fault: bool,
    /// DC-in, mV.
    pub dc_in_mv: Option<u32>,
    /// Seconds since mains was first read off (debouncing or on battery).
    pub mains_off_secs: Option<f64>,
    /// Seconds on battery.
    pub on_battery_secs: Option<f64>,
    /// The voltage slope on battery, mV per minute.
    pub slope_mv_per_min: Option<f64>,
    /// The estimated seconds to `low_voltage_mv`, from the slope.
    pub estimated_secs_to_low: Option<f64>,
    /// What happens next.
    pub next_action: NextActionState,
    /// A decided shutdown.
    pub shutdown: Option<ShutdownState>,
    /// The thresholds in use: low voltage (mV, 0 off).
    pub low_voltage_mv: u32,
    /// The on-battery limit (s, 0 off).
    pub max_on_battery_secs: u64,
    /// Sensors that fail, with why.
    pub errors: Vec<String>,
    /// Counts since the daemon started.
    pub counters: Counters,
}

impl UpsState {
    /// The state at `now`. The shutdown phase starts as `notifying`; the
    /// daemon sets it as it goes.
    pub fn of(monitor: &Monitor, now: MonoTime) -> UpsState {
        let policy = monitor.policy();
        let readings = monitor.readings();
        let battery = if policy.voltage_unreadable() {
            BatteryState::Unreadable
        } else {
            match readings.battery {
                Some(BatteryReading::Present { .. }) => BatteryState::Present,
                Some(BatteryReading::Absent { .. }) => BatteryState::Absent,
                _ => BatteryState::Unreadable,
            }
        };
        let adc_mv = match &readings.battery {
            Some(
                BatteryReading::Present { adc_millivolts, .. }
                | BatteryReading::Absent { adc_millivolts },
            ) => Some(*adc_millivolts),
            _ => None,
        };
        let config = policy.config();
        UpsState {
            state: policy.state(),
            mains: policy.mains(),
            mains_source: readings.mains.as_ref().map(|m| m.source.to_string()),
            charge: readings.charge().map(|c| charge_name(c).to_owned()),
            battery,
            pack_mv: policy.latest_mv(),
            filtered_mv: policy.filtered_mv(),
            adc_mv,
            battery_fault: policy.battery_fault(),
            dc_in_mv: readings.dc_in_mv,
            mains_off_secs: policy.mains_off_for(now).map(|d| d.as_secs_f64()),
            on_battery_secs: policy.on_battery_for(now).map(|d| d.as_secs_f64()),
            slope_mv_per_min: policy.slope_mv_per_sec().map(|s| s * 60.0),
            estimated_secs_to_low: policy.time_to_low().map(|d| d.as_secs_f64()),
            next_action: NextActionState::of(&policy.next_action(now)),
            shutdown: policy.shutdown().map(|(reason, at)| ShutdownState {
                rule: reason.rule(),
                reason: reason.to_string(),
                decided_secs_ago: now.saturating_since(at).as_secs_f64(),
                phase: "notifying".to_owned(),
                mains_back: policy.mains_back_during_shutdown(),
            }),
            low_voltage_mv: config.low_voltage_mv.unwrap_or(0),
            max_on_battery_secs: config.max_on_battery.map_or(0, |d| d.as_secs()),
            errors: readings.errors.iter().map(|(s, e)| format!("{s}: {e}")).collect(),
            counters: policy.counters(),
        }
    }

    /// The same state with seconds rounded to tenths, so a state written
    /// "on change" does not change every tick by the clock alone.
    pub fn rounded(mut self) -> UpsState {
        let tenth = |v: Option<f64>| v.map(|s| (s * 10.0).round() / 10.0);
        self.mains_off_secs = tenth(self.mains_off_secs).map(f64::floor);
        self.on_battery_secs = tenth(self.on_battery_secs).map(f64::floor);
        self.estimated_secs_to_low = self.estimated_secs_to_low.map(f64::round);
        self.slope_mv_per_min = tenth(self.slope_mv_per_min);
        self.next_action.in_secs = self.next_action.in_secs.map(f64::ceil);
        if let Some(s) = self.shutdown.as_mut() {
            s.decided_secs_ago = s.decided_secs_ago.floor();
        }
        self
    }

    /// Whether sensor `sensor` is failing.
    pub fn sensor_failing(&self, sensor: Sensor) -> bool {
        let prefix = format!("{sensor}:");
        self.errors.iter().any(|e| e.starts_with(&prefix))
    }
}

pub(crate) fn charge_name(c: ChargeStatus) -> &'static str {
    c.as_str()
}
