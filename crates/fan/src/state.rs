//! The daemon's state file (`/run/helios64/fand.json`, schema
//! `helios64.fand/1`), what `helios64 fan` and the exporter read.

use std::collections::BTreeMap;

use helios64_hal::FanHeader;
use serde::{Deserialize, Serialize};

use crate::controller::FailSafe;
use crate::cycle::Cycle;

/// The state file's schema version.
pub const STATE_SCHEMA: u32 = 1;

/// One fan in the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanStateEntry {
    /// `P6` or `P7`.
    pub fan: String,
    /// The duty last written (decided, in a dry run), 0..=255.
    pub pwm: u8,
    /// What the curves asked for (before kick and rate rules).
    pub target: u8,
    /// The input that asked for the most.
    pub driven_by: Option<String>,
    /// The temperature that input used, °C.
    pub driven_by_celsius: Option<f64>,
}

/// What the daemon knows after a cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FanState {
    /// Both fans at full speed, and why; `None` in normal control.
    pub failsafe: Option<String>,
    /// The fans.
    pub fans: Vec<FanStateEntry>,
    /// Every source's temperature in use (°C), by name (`cpu`, `board`,
    /// `bay3`).
    pub temps_celsius: BTreeMap<String, f64>,
    /// Bays whose disks are asleep (not read, their value decaying).
    pub asleep_bays: Vec<u8>,
    /// Only deciding, never writing.
    pub dry_run: bool,
    /// Written by a daemon that has stopped (fans left at full speed): no
    /// one controls the fans until it runs again. Absent in files from
    /// before the field existed, which were all written while running.
    #[serde(default)]
    pub stopped: bool,
}

impl FanState {
    /// The state after the cycle's last run.
    pub fn of(cycle: &Cycle) -> FanState {
        let decision = cycle.last_decision();
        // The duty is what was last written (255 after a stop); the target
        // and its reason are the last decision's.
        let fans = cycle
            .written()
            .iter()
            .map(|(fan, pwm)| {
                let d = decision.and_then(|d| d.fans.iter().find(|f| f.fan == *fan));
                FanStateEntry {
                    fan: header_name(*fan).to_owned(),
                    pwm: *pwm,
                    target: d.map_or(*pwm, |d| d.target),
                    driven_by: d.and_then(|d| d.driven_by.as_ref().map(|(i, _)| i.clone())),
                    driven_by_celsius: d.and_then(|d| d.driven_by.as_ref().map(|(_, c)| *c)),
                }
            })
            .collect();
        FanState {
            failsafe: cycle.failsafe().map(FailSafe::to_string),
            fans,
            temps_celsius: decision
                .map(|d| d.temps.iter().map(|(s, c)| (s.to_string(), *c)).collect())
                .unwrap_or_default(),
            asleep_bays: cycle.asleep().iter().copied().collect(),
            dry_run: cycle.is_dry_run(),
            stopped: matches!(cycle.failsafe(), Some(FailSafe::Stopping)),
        }
    }
}

fn header_name(h: FanHeader) -> &'static str {
    match h {
        FanHeader::P6 => "P6",
        FanHeader::P7 => "P7",
    }
}
