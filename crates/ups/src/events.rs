//! What the policy reports: shutdown rules and reasons, events, the next
//! action, and their one-line texts.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which rule shuts the box down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ShutdownRule {
    /// `max_on_battery_secs`.
    MaxOnBattery,
    /// `low_voltage_mv` over `low_samples`.
    LowVoltage,
    /// `battery_unreadable_limit_secs`.
    BatteryUnreadable,
}

impl ShutdownRule {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ShutdownRule::MaxOnBattery => "max_on_battery",
            ShutdownRule::LowVoltage => "low_voltage",
            ShutdownRule::BatteryUnreadable => "battery_unreadable",
        }
    }
}

/// Why the box shuts down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShutdownReason {
    /// On battery for the whole limit.
    OnBatteryLimit {
        /// The limit.
        limit: Duration,
    },
    /// The filtered pack voltage stayed at or below the threshold.
    LowBattery {
        /// The filtered voltage, mV.
        millivolts: u32,
        /// The threshold, mV.
        threshold: u32,
        /// Samples in a row.
        samples: u32,
    },
    /// On battery with the voltage unreadable for the blind limit.
    BatteryUnreadable {
        /// How long mains had been off.
        on_battery: Duration,
    },
}

impl ShutdownReason {
    /// The rule.
    pub fn rule(&self) -> ShutdownRule {
        match self {
            ShutdownReason::OnBatteryLimit { .. } => ShutdownRule::MaxOnBattery,
            ShutdownReason::LowBattery { .. } => ShutdownRule::LowVoltage,
            ShutdownReason::BatteryUnreadable { .. } => ShutdownRule::BatteryUnreadable,
        }
    }
}

impl fmt::Display for ShutdownReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShutdownReason::OnBatteryLimit { limit } => {
                write!(f, "on battery for {} (max_on_battery_secs)", secs(*limit))
            }
            ShutdownReason::LowBattery { millivolts, threshold, samples } => write!(
                f,
                "battery low: {} V filtered, at or below {} V for {samples} samples (low_voltage_mv)",
                volts(*millivolts),
                volts(*threshold)
            ),
            ShutdownReason::BatteryUnreadable { on_battery } => write!(
                f,
                "on battery for {} with the battery voltage unreadable (battery_unreadable_limit_secs)",
                secs(*on_battery)
            ),
        }
    }
}

/// `7.00` for 7000 mV.
pub fn volts(millivolts: u32) -> String {
    format!("{:.2}", f64::from(millivolts) / 1000.0)
}

/// `12.3 s`, `10 min`, for messages.
pub fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 120.0 && d.as_secs().is_multiple_of(60) {
        format!("{} min", d.as_secs() / 60)
    } else if s >= 10.0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{s:.1} s")
    }
}

/// What changed, one journal line each.
#[derive(Debug, Clone, PartialEq)]
pub enum PolicyEvent {
    /// Mains read off; the debounce started.
    MainsOff {
        /// The debounce.
        debounce: Duration,
    },
    /// Mains came back before the debounce ended: nothing happens.
    Glitch {
        /// How long it was off.
        lasted: Duration,
    },
    /// On battery.
    OnBattery {
        /// Since the first reading of mains off.
        after: Duration,
        /// Mains had come back for less than the debounce: the earlier
        /// outage goes on, its clock not reset.
        resumed: bool,
    },
    /// Mains returned on battery: the shutdown is cancelled.
    MainsReturned {
        /// How long the box was on battery.
        on_battery: Duration,
    },
    /// On battery, the filtered voltage reached the threshold.
    LowBattery {
        /// Filtered, mV.
        millivolts: u32,
        /// The threshold, mV.
        threshold: u32,
        /// Samples in a row so far.
        samples: u32,
        /// Samples needed.
        needed: u32,
    },
    /// On battery, the filtered voltage rose above the threshold again.
    LowBatteryCleared {
        /// Filtered, mV.
        millivolts: u32,
    },
    /// On mains, the pack reads low for `low_samples` samples: the battery
    /// or its charger is faulty. Never a shutdown.
    BatteryFault {
        /// Filtered, mV.
        millivolts: u32,
        /// The threshold, mV.
        threshold: u32,
    },
    /// The battery fault is over.
    BatteryFaultCleared {
        /// Filtered, mV.
        millivolts: u32,
    },
    /// On mains, the ADC reads no battery: the UPS cannot hold the board.
    NoBattery,
    /// A battery reads again after [`PolicyEvent::NoBattery`].
    BatteryBack,
    /// The voltage cannot be read (`low_samples` failures in a row).
    VoltageUnreadable {
        /// Whether the box is on battery (then the blind limit applies).
        on_battery: bool,
    },
    /// The voltage reads again.
    VoltageReadable,
    /// The box shuts down.
    Shutdown(ShutdownReason),
    /// Mains returned after the shutdown was decided; it goes on.
    MainsReturnedDuringShutdown,
}

impl fmt::Display for PolicyEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyEvent::MainsOff { debounce } => {
                write!(f, "mains off; on battery if it stays off for {}", secs(*debounce))
            }
            PolicyEvent::Glitch { lasted } => write!(
                f,
                "mains back after {}: a flicker shorter than on_battery_delay, ignored",
                secs(*lasted)
            ),
            PolicyEvent::OnBattery { after, resumed: false } => {
                write!(f, "ON BATTERY: mains off for {}", secs(*after))
            }
            PolicyEvent::OnBattery { after, resumed: true } => write!(
                f,
                "ON BATTERY again within the debounce: the outage goes on ({} since it began)",
                secs(*after)
            ),
            PolicyEvent::MainsReturned { on_battery } => write!(
                f,
                "mains returned after {} on battery: shutdown cancelled",
                secs(*on_battery)
            ),
            PolicyEvent::LowBattery { millivolts, threshold, samples, needed } => write!(
                f,
                "LOW BATTERY: {} V filtered, at or below {} V ({samples} of {needed} samples)",
                volts(*millivolts),
                volts(*threshold)
            ),
            PolicyEvent::LowBatteryCleared { millivolts } => {
                write!(f, "battery above the threshold again: {} V filtered", volts(*millivolts))
            }
            PolicyEvent::BatteryFault { millivolts, threshold } => write!(
                f,
                "BATTERY FAULT: {} V on mains, at or below {} V while charging; replace or check the pack (no shutdown on mains)",
                volts(*millivolts),
                volts(*threshold)
            ),
            PolicyEvent::BatteryFaultCleared { millivolts } => {
                write!(f, "battery fault cleared: {} V on mains", volts(*millivolts))
            }
            PolicyEvent::NoBattery => {
                f.write_str("NO BATTERY: the ADC reads no pack; a power cut will drop the box")
            }
            PolicyEvent::BatteryBack => f.write_str("a battery reads again"),
            PolicyEvent::VoltageUnreadable { on_battery: false } => {
                f.write_str("battery voltage unreadable (on mains: no action)")
            }
            PolicyEvent::VoltageUnreadable { on_battery: true } => f.write_str(
                "battery voltage unreadable on battery: shutdown at battery_unreadable_limit_secs",
            ),
            PolicyEvent::VoltageReadable => f.write_str("battery voltage reads again"),
            PolicyEvent::Shutdown(reason) => write!(f, "SHUTDOWN: {reason}"),
            PolicyEvent::MainsReturnedDuringShutdown => f.write_str(
                "mains returned after the shutdown was decided: it goes on (auto power-on stays armed)",
            ),
        }
    }
}

/// What happens next if nothing changes.
#[derive(Debug, Clone, PartialEq)]
pub enum NextAction {
    /// Nothing: on mains.
    None,
    /// On battery in this long unless mains returns.
    OnBatteryIn(Duration),
    /// A shutdown by `rule`, in this long (`None`: when the voltage gets
    /// there, with no estimate yet).
    Shutdown {
        /// The rule that fires first.
        rule: ShutdownRule,
        /// When.
        within: Option<Duration>,
    },
    /// Shutting down.
    ShuttingDown(ShutdownReason),
}

impl fmt::Display for NextAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NextAction::None => f.write_str("none"),
            NextAction::OnBatteryIn(d) => {
                write!(f, "on battery in {} unless mains returns", secs(*d))
            }
            NextAction::Shutdown { rule, within: Some(d) } => {
                write!(f, "shutdown in {} ({})", secs(*d), rule.as_str())
            }
            NextAction::Shutdown { rule, within: None } => {
                write!(
                    f,
                    "shutdown when the pack reaches the threshold ({}; no estimate yet)",
                    rule.as_str()
                )
            }
            NextAction::ShuttingDown(reason) => write!(f, "shutting down: {reason}"),
        }
    }
}
