//! The controller: temperatures in, duties out. Pure: no I/O, time given.
//!
//! Each cycle it gets one [`Reading`] per [`Source`] and returns a
//! [`Decision`] per fan. The rules:
//!
//! - **Inputs.** An input's temperature is the hottest of its sources (the
//!   `disks` input has one source per bay with a disk).
//! - **Curves and fans.** Each fan takes the highest duty any of its inputs'
//!   curves asks for, clamped to its `[min_pwm, max_pwm]`.
//! - **Hysteresis.** Per fan and input, a rising temperature counts at once;
//!   a falling one only once it has fallen `hysteresis_celsius` below the
//!   value in use (the value in use then trails it by that much).
//! - **Rate.** A fan's duty is lowered at most once per
//!   `min_change_interval_secs`; it is raised at once.
//! - **Kick-start.** A fan at 0 asked for less than `start_pwm` gets
//!   `start_pwm` for one cycle first.
//! - **Sleeping disks.** A disk reported [`Reading::Asleep`] is not read; its
//!   last reading decays exponentially toward the input's
//!   `sleep_floor_celsius` with time constant `sleep_decay_minutes`. A disk
//!   never read awake contributes nothing.
//! - **Fail-safe.** A source that fails to read keeps its last value for
//!   `fail_after_cycles - 1` cycles; on the `fail_after_cycles`-th failure in
//!   a row, or on any fault a fan reports ([`Controller::fan_fault`]), every
//!   fan goes to 255 until the fault clears. Leaving the fail-safe is a
//!   lowering like any other, so it waits out the rate limit.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::time::Duration;

use helios64_hal::FanHeader;
use helios64_service::MonoTime;
use serde::Serialize;

use crate::config::{FandConfig, Sensor};
use crate::curve::Curve;

/// Something read once per cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub enum Source {
    /// The CPU thermal zone.
    Cpu,
    /// The GPU thermal zone.
    Gpu,
    /// The board sensor.
    Board,
    /// The disk in bay 1..=5.
    Bay(u8),
}

impl From<Source> for String {
    fn from(s: Source) -> String {
        s.to_string()
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Cpu => f.write_str("cpu"),
            Source::Gpu => f.write_str("gpu"),
            Source::Board => f.write_str("board"),
            Source::Bay(n) => write!(f, "bay{n}"),
        }
    }
}

/// What one source gave this cycle.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// A temperature, °C.
    Celsius(f64),
    /// A disk that is spun down (or whose power mode cannot be asked): not
    /// read, so it cannot be woken.
    Asleep,
    /// The read failed; why.
    Failed(String),
}

/// Why every fan is at full speed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum FailSafe {
    /// A followed source failed `cycles` times in a row.
    InputUnreadable {
        /// The source.
        source: Source,
        /// Failures in a row.
        cycles: u32,
        /// The last error.
        error: String,
    },
    /// A fan could not be driven (write failed, it vanished, it does not
    /// take 255).
    FanFault {
        /// The fan.
        fan: FanHeader,
        /// What went wrong.
        error: String,
    },
    /// The daemon is stopping (or was told to): full speed is where it
    /// leaves the fans.
    Stopping,
}

impl fmt::Display for FailSafe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailSafe::InputUnreadable { source, cycles, error } => {
                write!(f, "{source} unreadable {cycles} cycles in a row: {error}")
            }
            FailSafe::FanFault { fan, error } => write!(f, "fan {fan}: {error}"),
            FailSafe::Stopping => f.write_str("stopping"),
        }
    }
}

/// One fan's decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FanDecision {
    /// The fan.
    pub fan: FanHeader,
    /// The duty to set.
    pub pwm: u8,
    /// What its curves asked for before the kick and rate rules.
    pub target: u8,
    /// The input that asked for the most, and the temperature it used.
    pub driven_by: Option<(String, f64)>,
    /// This cycle is a kick from standstill.
    pub kicked: bool,
    /// A lowering is being held back by the rate limit.
    pub held: bool,
}

/// A cycle's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    /// Per fan, P6 first.
    pub fans: Vec<FanDecision>,
    /// Set when every fan is at full speed, and why.
    pub failsafe: Option<FailSafe>,
    /// Every source's value in use this cycle (°C), after holds and decay.
    pub temps: BTreeMap<Source, f64>,
}

#[derive(Debug, Clone, Default)]
struct SourceState {
    /// The last good reading and when it was taken.
    last: Option<(f64, MonoTime)>,
    /// Failures in a row.
    failures: u32,
    last_error: Option<String>,
}

#[derive(Debug, Clone, Default)]
struct FanState {
    current: Option<u8>,
    last_change: Option<MonoTime>,
    /// The temperature in use per input, for hysteresis.
    effective: BTreeMap<String, f64>,
    kicked: bool,
}

/// The fan controller.
#[derive(Debug, Clone)]
pub struct Controller {
    config: FandConfig,
    curves: BTreeMap<String, Curve>,
    sources: BTreeMap<Source, SourceState>,
    fans: BTreeMap<FanHeader, FanState>,
    fan_faults: BTreeMap<FanHeader, String>,
}

impl Controller {
    /// A controller for a configuration that passed validation.
    pub fn new(config: &FandConfig) -> Controller {
        let mut c = Controller {
            config: config.clone(),
            curves: BTreeMap::new(),
            sources: BTreeMap::new(),
            fans: BTreeMap::new(),
            fan_faults: BTreeMap::new(),
        };
        c.set_config(config);
        c
    }

    /// Takes a new configuration (a reload): fans keep their duty and rate
    /// state; hysteresis starts afresh for inputs that changed.
    pub fn set_config(&mut self, config: &FandConfig) {
        self.curves = config
            .inputs
            .iter()
            .filter_map(|(name, i)| Curve::new(i.curve.clone()).ok().map(|c| (name.clone(), c)))
            .collect();
        for (_, state) in self.fans.iter_mut() {
            state
                .effective
                .retain(|input, _| config.inputs.get(input) == self.config.inputs.get(input));
        }
        self.config = config.clone();
    }

    /// The configuration in use.
    pub fn config(&self) -> &FandConfig {
        &self.config
    }

    /// Whether `source` feeds an input some fan follows.
    pub fn follows(&self, source: Source) -> bool {
        self.config.used_inputs().any(|(_, input)| covers(input.sensor, source))
    }

    /// The non-disk sources some fan follows: these must read every cycle
    /// (a bay may be empty; a CPU zone may not).
    pub fn required_sources(&self) -> BTreeSet<Source> {
        self.config
            .used_inputs()
            .filter_map(|(_, input)| match input.sensor {
                Sensor::Cpu => Some(Source::Cpu),
                Sensor::Gpu => Some(Source::Gpu),
                Sensor::Board => Some(Source::Board),
                Sensor::Disks | Sensor::Bay(_) => None,
            })
            .collect()
    }

    /// Tells the controller what a fan is at now (found at start, or set
    /// by someone else), so rate and kick rules start from the truth.
    pub fn note_current(&mut self, fan: FanHeader, pwm: u8) {
        self.fans.entry(fan).or_default().current = Some(pwm);
    }

    /// A fan could not be driven: full speed for all until [`Controller::fan_ok`].
    pub fn fan_fault(&mut self, fan: FanHeader, error: impl Into<String>) {
        self.fan_faults.insert(fan, error.into());
    }

    /// A fan is driven again.
    pub fn fan_ok(&mut self, fan: FanHeader) {
        self.fan_faults.remove(&fan);
    }

    /// One cycle at `now` with this cycle's `readings` (a source absent from
    /// the map was not read: an empty bay, or a required source the board
    /// lacks, which counts as a failure).
    pub fn step(&mut self, now: MonoTime, readings: &BTreeMap<Source, Reading>) -> Decision {
        let required = self.required_sources();
        let mut temps = BTreeMap::new();
        let mut failsafe = None;
        let limit = self.config.fail_after_cycles;

        // Every source that was read, and every required one that was not.
        let mut seen: BTreeSet<Source> = readings.keys().copied().collect();
        seen.extend(required.iter().copied());
        for source in seen {
            let followed = self.follows(source);
            let reading = readings
                .get(&source)
                .cloned()
                .unwrap_or_else(|| Reading::Failed(format!("{source} not found on this board")));
            let decay = self.decay_for(source);
            let state = self.sources.entry(source).or_default();
            let value = match reading {
                Reading::Celsius(c) if c.is_finite() => {
                    state.failures = 0;
                    state.last_error = None;
                    state.last = Some((c, now));
                    Some(c)
                }
                Reading::Celsius(c) => fail(state, format!("{c} is not a temperature")),
                Reading::Asleep => {
                    state.failures = 0;
                    state.last.map(|(c, at)| match decay {
                        Some((floor, tau)) => decayed(c, floor, tau, now.saturating_since(at)),
                        None => c,
                    })
                }
                Reading::Failed(e) => fail(state, e),
            };
            if state.failures >= limit && failsafe.is_none() && followed {
                failsafe = Some(FailSafe::InputUnreadable {
                    source,
                    cycles: state.failures,
                    error: state.last_error.clone().unwrap_or_default(),
                });
            }
            if let Some(v) = value {
                temps.insert(source, v);
            }
        }
        if failsafe.is_none()
            && let Some((fan, error)) = self.fan_faults.iter().next()
        {
            failsafe = Some(FailSafe::FanFault { fan: *fan, error: error.clone() });
        }

        let mut fans = Vec::new();
        for (header, fan_config) in self.config.fans() {
            let state = self.fans.entry(header).or_default();
            // What each input asks for, through this fan's hysteresis.
            let mut target = 0u8;
            let mut driven_by = None;
            for input_name in &fan_config.inputs {
                let (Some(input), Some(curve)) =
                    (self.config.inputs.get(input_name), self.curves.get(input_name))
                else {
                    continue;
                };
                let value = temps
                    .iter()
                    .filter(|(s, _)| covers(input.sensor, **s))
                    .map(|(_, v)| *v)
                    .fold(None, |acc: Option<f64>, v| Some(acc.map_or(v, |a| a.max(v))));
                let Some(value) = value else {
                    state.effective.remove(input_name);
                    continue;
                };
                let prev = state.effective.get(input_name).copied().unwrap_or(value);
                let effective = prev.clamp(value, value + fan_config.hysteresis_celsius);
                state.effective.insert(input_name.clone(), effective);
                let duty = curve.duty(effective);
                if driven_by.is_none() || duty > target {
                    target = duty;
                    driven_by = Some((input_name.clone(), effective));
                }
            }
            let target = target.clamp(fan_config.min_pwm, fan_config.max_pwm);

            let mut decision = FanDecision {
                fan: header,
                pwm: target,
                target,
                driven_by,
                kicked: false,
                held: false,
            };
            if failsafe.is_some() {
                decision.pwm = u8::MAX;
                state.kicked = false;
            } else if state.current == Some(0) && target > 0 && target < fan_config.start_pwm {
                decision.pwm = fan_config.start_pwm.min(fan_config.max_pwm.max(target));
                decision.kicked = true;
            } else if let Some(current) = state.current
                && target < current
                && !state.kicked
                && state.last_change.is_some_and(|at| {
                    now.saturating_since(at)
                        < Duration::from_secs(fan_config.min_change_interval_secs)
                })
            {
                decision.pwm = current;
                decision.held = true;
            }
            state.kicked = decision.kicked;
            if state.current != Some(decision.pwm) {
                state.current = Some(decision.pwm);
                state.last_change = Some(now);
            }
            fans.push(decision);
        }
        Decision { fans, failsafe, temps }
    }

    /// (floor °C, time constant) of the disk input covering `source`.
    fn decay_for(&self, source: Source) -> Option<(f64, Duration)> {
        let Source::Bay(_) = source else { return None };
        self.config.used_inputs().find(|(_, i)| covers(i.sensor, source)).map(|(_, i)| {
            (i.sleep_floor_celsius, Duration::from_secs_f64(i.sleep_decay_minutes * 60.0))
        })
    }
}

/// Records a failure; the last good value is kept while under the limit.
fn fail(state: &mut SourceState, error: String) -> Option<f64> {
    state.failures = state.failures.saturating_add(1);
    state.last_error = Some(error);
    state.last.map(|(c, _)| c)
}

/// `last` decayed toward `floor` over `elapsed` with time constant `tau`.
pub fn decayed(last: f64, floor: f64, tau: Duration, elapsed: Duration) -> f64 {
    // A disk that fell asleep cooler than the floor stays at its reading.
    if last <= floor || tau.is_zero() {
        return last;
    }
    floor + (last - floor) * (-elapsed.as_secs_f64() / tau.as_secs_f64()).exp()
}

fn covers(sensor: Sensor, source: Source) -> bool {
    sensor.covers(source)
}

impl Sensor {
    /// Whether an input on this sensor reads `source` (the `disks` input
    /// reads every bay).
    pub fn covers(self, source: Source) -> bool {
        match (self, source) {
            (Sensor::Cpu, Source::Cpu)
            | (Sensor::Gpu, Source::Gpu)
            | (Sensor::Board, Source::Board)
            | (Sensor::Disks, Source::Bay(_)) => true,
            (Sensor::Bay(a), Source::Bay(b)) => a == b,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests;
