//! The Helios64 UPS policy: what `helios64-upsd` runs and `helios64 ups`
//! shows.
//!
//! - [`config`]: `upsd.toml` — debounce, time limit, low voltage, the rule
//!   for an unreadable voltage, the filter, the commands, the wiring.
//! - [`Policy`]: readings in, states and [`PolicyEvent`]s out; pure, on
//!   given time (the rules for missing data are on its module page).
//! - [`VoltageFilter`], [`RuntimeEstimate`]: the median/mean over the noisy
//!   ADC, and the time to the threshold from the voltage slope.
//! - [`Monitor`]: one cycle over hal's [`MainsSensor`](helios64_hal::MainsSensor)
//!   and [`BatteryGauge`](helios64_hal::BatteryGauge), every change an
//!   [`Event`] with its NUT notify type.
//! - [`UpsState`]: the state file, schema [`STATE_SCHEMA`].
//! - [`hook_decision`]: the system-shutdown hook's rule for the
//!   auto-power-on flip-flop.
//!
//! No loops, timers, commands or logging policy here: the daemon decides
//! those.

pub mod config;
mod error;
mod events;
mod filter;
mod hook;
mod monitor;
mod policy;
mod state;

pub use config::{FilterKind, Hardware, PolicyConfig, UpsdConfig};
pub use error::Error;
pub use events::{NextAction, PolicyEvent, ShutdownReason, ShutdownRule, secs, volts};
pub use filter::{ESTIMATE_WINDOW, RuntimeEstimate, VoltageFilter};
pub use hook::{HookAction, hook_decision};
pub use monitor::{Event, Monitor, Readings, Sensor};
pub use policy::{BatteryObs, Counters, MainsObs, Policy, PowerState};
pub use state::{BatteryState, NextActionState, STATE_SCHEMA, ShutdownState, UpsState};
