//! `/etc/helios64/fand.toml`: inputs with their curves, and what each fan
//! follows.
//!
//! The defaults reproduce Kobol's intent for the CPU (40 °C → the fan's
//! running floor, 80 °C → full speed; the wiki's MINSTOP 29 and MINPWM 20,
//! with the `MINPWM` bug of Armbian's `/etc/fancontrol` fixed, so the fans
//! never stop) and add the board sensor and the disks.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use helios64_service::{Config, Invalid, KeyPath};
use serde::{Deserialize, Serialize};

use crate::curve::{Curve, Point};

/// A temperature the controller can follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sensor {
    /// The CPU thermal zone (`cpu-thermal`).
    Cpu,
    /// The GPU thermal zone (`gpu-thermal`).
    Gpu,
    /// The NCT75 board sensor (lm75 at I2C 2-004c).
    Board,
    /// Every disk in a bay: the hottest one counts.
    Disks,
    /// The disk in bay 1..=5.
    Bay(u8),
}

impl fmt::Display for Sensor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sensor::Cpu => f.write_str("cpu"),
            Sensor::Gpu => f.write_str("gpu"),
            Sensor::Board => f.write_str("board"),
            Sensor::Disks => f.write_str("disks"),
            Sensor::Bay(n) => write!(f, "bay{n}"),
        }
    }
}

impl FromStr for Sensor {
    type Err = String;

    fn from_str(s: &str) -> Result<Sensor, String> {
        Ok(match s {
            "cpu" => Sensor::Cpu,
            "gpu" => Sensor::Gpu,
            "board" => Sensor::Board,
            "disks" => Sensor::Disks,
            other => match other.strip_prefix("bay").and_then(|n| n.parse::<u8>().ok()) {
                Some(n @ 1..=5) => Sensor::Bay(n),
                _ => {
                    return Err(format!(
                        "unknown sensor {other:?}: expected cpu, gpu, board, disks or bay1..bay5"
                    ));
                }
            },
        })
    }
}

impl Serialize for Sensor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sensor {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sensor, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// One input: a sensor and the curve that turns its temperature into a
/// fan duty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// What is measured.
    pub sensor: Sensor,
    /// (°C, pwm) points, temperatures rising, duties not falling; linear
    /// between points, 0 below the first (no demand), the last duty above
    /// the last.
    pub curve: Vec<Point>,
    /// Disks only: a sleeping disk is never read; its last reading decays
    /// toward this temperature (°C)...
    #[serde(default = "default_sleep_floor")]
    pub sleep_floor_celsius: f64,
    /// ...with this time constant (minutes): after one, 63 % of the way.
    #[serde(default = "default_sleep_decay")]
    pub sleep_decay_minutes: f64,
}

fn default_sleep_floor() -> f64 {
    30.0
}

fn default_sleep_decay() -> f64 {
    10.0
}

/// One fan's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FanConfig {
    /// The inputs it follows (names from `[inputs]`); it takes the highest
    /// duty any of them asks for.
    pub inputs: Vec<String>,
    /// Its running floor: never below this (Kobol's MINPWM, 20).
    pub min_pwm: u8,
    /// Its ceiling.
    pub max_pwm: u8,
    /// From standstill it is first kicked to this for one cycle, then
    /// brought down (the stock fan needs ~60 to start; MINSTART).
    pub start_pwm: u8,
    /// A falling temperature lowers the duty only once it has fallen this
    /// many °C below the one that raised it.
    pub hysteresis_celsius: f64,
    /// At most one lowering of the duty per this many seconds; raising is
    /// never delayed.
    pub min_change_interval_secs: u64,
}

/// The two fans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fans {
    /// Header P6.
    pub p6: FanConfig,
    /// Header P7.
    pub p7: FanConfig,
}

/// The whole `fand.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FandConfig {
    /// Seconds between control cycles.
    pub interval_secs: u64,
    /// A followed input unreadable this many cycles in a row sends both
    /// fans to full speed.
    pub fail_after_cycles: u32,
    /// The state file is rewritten on every change and at least this often
    /// (seconds), so a reader can tell a live daemon from a dead one.
    pub state_every_secs: u64,
    /// The PCI address of the SATA controller whose ports 1..=5 are the
    /// bays (`0000:00:08.0`); unset: the Helios64's JMB585, by PCI id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sata_controller: Option<String>,
    /// Named inputs.
    pub inputs: BTreeMap<String, InputConfig>,
    /// The fans.
    pub fans: Fans,
}

fn curve(points: &[(f64, u8)]) -> Vec<Point> {
    points.iter().map(|&(temp, pwm)| Point { temp, pwm }).collect()
}

impl Default for FandConfig {
    fn default() -> Self {
        let input = |sensor, points: &[(f64, u8)]| InputConfig {
            sensor,
            curve: curve(points),
            sleep_floor_celsius: default_sleep_floor(),
            sleep_decay_minutes: default_sleep_decay(),
        };
        let fan = FanConfig {
            inputs: vec!["cpu".into(), "board".into(), "disks".into()],
            min_pwm: 20,
            max_pwm: 255,
            start_pwm: 60,
            hysteresis_celsius: 3.0,
            min_change_interval_secs: 30,
        };
        FandConfig {
            interval_secs: 10,
            fail_after_cycles: 3,
            state_every_secs: 60,
            sata_controller: None,
            inputs: BTreeMap::from([
                // Kobol: 40 °C → MINSTOP 29, 80 °C → full speed.
                ("cpu".to_owned(), input(Sensor::Cpu, &[(40.0, 29), (80.0, 255)])),
                // The NCT75 sits near the RTC; it reads 35–45 °C in a
                // healthy case.
                ("board".to_owned(), input(Sensor::Board, &[(50.0, 29), (75.0, 255)])),
                // Disks age fastest above ~45 °C; full speed before 55.
                ("disks".to_owned(), input(Sensor::Disks, &[(38.0, 29), (55.0, 255)])),
            ]),
            fans: Fans { p6: fan.clone(), p7: fan },
        }
    }
}

impl FandConfig {
    /// The fans by header name, P6 first.
    pub fn fans(&self) -> [(helios64_hal::FanHeader, &FanConfig); 2] {
        [(helios64_hal::FanHeader::P6, &self.fans.p6), (helios64_hal::FanHeader::P7, &self.fans.p7)]
    }

    /// The inputs some fan follows (an input no fan names is never read).
    pub fn used_inputs(&self) -> impl Iterator<Item = (&str, &InputConfig)> {
        self.inputs.iter().filter_map(|(name, input)| {
            let used = self.fans().iter().any(|(_, f)| f.inputs.iter().any(|i| i == name));
            used.then_some((name.as_str(), input))
        })
    }

    /// The curve of input `name`, when it exists and is valid.
    pub fn curve(&self, name: &str) -> Option<Curve> {
        self.inputs.get(name).and_then(|i| Curve::new(i.curve.clone()).ok())
    }
}

impl Config for FandConfig {
    fn validate(&self) -> Result<(), Invalid> {
        let root = KeyPath::root();
        if !(1..=3600).contains(&self.interval_secs) {
            return Err(Invalid::new(root.key("interval_secs"), "must be 1..=3600 seconds"));
        }
        if self.fail_after_cycles == 0 {
            return Err(Invalid::new(root.key("fail_after_cycles"), "must be at least 1"));
        }
        if self.state_every_secs == 0 {
            return Err(Invalid::new(root.key("state_every_secs"), "must be at least 1"));
        }
        for (name, input) in &self.inputs {
            let at = root.clone().key("inputs").key(name.as_str());
            if let Err((index, field, why)) = Curve::check(&input.curve) {
                let key = match index {
                    Some(i) => at.key("curve").index(i).key(field),
                    None => at.key("curve"),
                };
                return Err(Invalid::new(key, why));
            }
            if !(input.sleep_decay_minutes > 0.0 && input.sleep_decay_minutes.is_finite()) {
                return Err(Invalid::new(at.key("sleep_decay_minutes"), "must be above 0"));
            }
            if !(-40.0..=100.0).contains(&input.sleep_floor_celsius) {
                return Err(Invalid::new(at.key("sleep_floor_celsius"), "must be -40..=100 °C"));
            }
        }
        for (header, fan) in self.fans() {
            let at = root.clone().key("fans").key(header.to_string().to_lowercase());
            if fan.inputs.is_empty() {
                return Err(Invalid::new(at.key("inputs"), "a fan must follow at least one input"));
            }
            for (i, name) in fan.inputs.iter().enumerate() {
                if !self.inputs.contains_key(name) {
                    let known: Vec<&str> = self.inputs.keys().map(String::as_str).collect();
                    return Err(Invalid::new(
                        at.clone().key("inputs").index(i),
                        format!("no input {name:?} (defined: {})", known.join(", ")),
                    ));
                }
            }
            if fan.max_pwm == 0 {
                return Err(Invalid::new(at.key("max_pwm"), "must be above 0"));
            }
            if fan.min_pwm > fan.max_pwm {
                return Err(Invalid::new(
                    at.key("min_pwm"),
                    format!("{} is above max_pwm {}", fan.min_pwm, fan.max_pwm),
                ));
            }
            if !(0.0..=20.0).contains(&fan.hysteresis_celsius) {
                return Err(Invalid::new(at.key("hysteresis_celsius"), "must be 0..=20 °C"));
            }
            if fan.min_change_interval_secs > 3600 {
                return Err(Invalid::new(
                    at.key("min_change_interval_secs"),
                    "must be at most 3600 seconds",
                ));
            }
        }
        Ok(())
    }
}
