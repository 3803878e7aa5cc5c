//! Fan control for the Helios64: what `helios64-fand` runs and what
//! `helios64 fan` shows.
//!
//! - [`config`]: `fand.toml` — named inputs (CPU, GPU, board sensor, the
//!   disks, one bay) with (°C, pwm) curves, and per fan the inputs it
//!   follows, its floor, ceiling, kick-start, hysteresis and rate limit.
//! - [`Controller`]: temperatures in, duties out; pure, on given time, so
//!   every rule (hysteresis, rate, kick, sleeping disks, fail-safe) is
//!   tested on a simulated clock.
//! - [`Cycle`]: one control cycle on the board through hal's edge traits —
//!   check each disk's power mode before reading it, read, decide, write
//!   only what changed, re-assert `pwm1_enable=1`, take the fan back from
//!   anyone who changed it, and report every state change as an [`Event`].
//! - [`FanState`]: the daemon's state file, schema `helios64.fand/1`.
//!
//! No loops, timers or logging policy here: the daemon decides those.

pub mod config;
mod controller;
mod curve;
mod cycle;
mod discover;
mod state;

pub use config::{FanConfig, FandConfig, InputConfig, Sensor};
pub use controller::{Controller, Decision, FailSafe, FanDecision, Reading, Source, decayed};
pub use curve::{Curve, Point};
pub use cycle::{Board, Cycle, DiskSlot, Event};
pub use discover::{DiscoverOptions, discover};
pub use state::{FanState, FanStateEntry, STATE_SCHEMA};
