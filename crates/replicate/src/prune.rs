//! Target retention (`[jobs.NAME.target_retention]`, sanoid's
//! `template_backup` idea): after a run, the snapshot planner's counts
//! applied to the target's snapshots, so a backup keeps its own history
//! whatever the source prunes. Pure: the caller lists and destroys.
//!
//! Never destroyed: the newest common snapshot (the next incremental's
//! base), held snapshots, and snapshots not named by sanoid's rule (the
//! planner only prunes what it can classify as hourly, daily, ...).

use std::collections::BTreeMap;

use helios64_retention::{Input, Listing, Section, SnapConfig, Zone, plan};
use serde::{Deserialize, Serialize};

use crate::describe::TargetSnap;

/// How many of each type the target keeps. A key left out has sanoid's
/// `template_backup` count (hourly 30, daily 90, monthly 12, the rest 0);
/// 0 keeps none of that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRetention {
    /// Frequent snapshots kept.
    #[serde(default)]
    pub frequently: u32,
    /// Hourly snapshots kept.
    #[serde(default = "hourly")]
    pub hourly: u32,
    /// Daily snapshots kept.
    #[serde(default = "daily")]
    pub daily: u32,
    /// Weekly snapshots kept.
    #[serde(default)]
    pub weekly: u32,
    /// Monthly snapshots kept.
    #[serde(default = "monthly")]
    pub monthly: u32,
    /// Yearly snapshots kept.
    #[serde(default)]
    pub yearly: u32,
}

fn hourly() -> u32 {
    30
}

fn daily() -> u32 {
    90
}

fn monthly() -> u32 {
    12
}

impl Default for TargetRetention {
    fn default() -> Self {
        TargetRetention {
            frequently: 0,
            hourly: hourly(),
            daily: daily(),
            weekly: 0,
            monthly: monthly(),
            yearly: 0,
        }
    }
}

impl TargetRetention {
    /// The planner's section: these counts, pruning only.
    fn section(&self) -> Section {
        Section {
            frequently: Some(self.frequently),
            hourly: Some(self.hourly),
            daily: Some(self.daily),
            weekly: Some(self.weekly),
            monthly: Some(self.monthly),
            yearly: Some(self.yearly),
            autosnap: Some(false),
            autoprune: Some(true),
            monitor: Some(false),
            ..Section::default()
        }
    }
}

/// The short names of `target`'s snapshots to destroy at `now` (Unix
/// seconds): the planner's choice, less any snapshot whose GUID is in
/// `protect`.
pub fn to_destroy(
    retention: &TargetRetention,
    target: &str,
    snapshots: &[TargetSnap],
    protect: &[u64],
    now: i64,
) -> Result<Vec<String>, helios64_retention::Error> {
    let mut listing = Listing::new();
    for s in snapshots {
        let creation = i64::try_from(s.creation).unwrap_or(i64::MAX);
        listing.push(target, &s.name, creation, s.userrefs > 0)?;
    }
    let config = SnapConfig {
        datasets: BTreeMap::from([(target.to_owned(), retention.section())]),
        ..SnapConfig::default()
    };
    let policies = config.resolve(&[target])?;
    let zone = Zone::utc();
    let datasets = [target];
    let planned = plan(Input {
        policies: &policies,
        listing: &listing,
        datasets: &datasets,
        now,
        zone: &zone,
    })?;
    let prefix = format!("{target}@");
    Ok(planned
        .destroy_names()
        .into_iter()
        .filter_map(|full| full.strip_prefix(&prefix).map(str::to_owned))
        .filter(|short| !snapshots.iter().any(|s| s.name == *short && protect.contains(&s.guid)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_700_000_000;

    fn snap(name: &str, age_hours: i64, guid: u64, userrefs: u64) -> TargetSnap {
        TargetSnap {
            name: name.to_owned(),
            guid,
            createtxg: guid,
            creation: (NOW - age_hours * 3600) as u64,
            userrefs,
        }
    }

    fn hourlies(n: i64) -> Vec<TargetSnap> {
        (0..n)
            .map(|h| {
                snap(&format!("autosnap_2023-11-14_{h:02}:00:00_hourly"), n - h, h as u64 + 1, 0)
            })
            .collect()
    }

    fn keep(hourly: u32) -> TargetRetention {
        TargetRetention { hourly, daily: 0, monthly: 0, ..TargetRetention::default() }
    }

    #[test]
    fn the_oldest_beyond_the_count_go() {
        let snaps = hourlies(5);
        let gone = to_destroy(&keep(2), "usb/b", &snaps, &[], NOW).unwrap();
        let expected: Vec<String> = snaps[..3].iter().map(|s| s.name.clone()).collect();
        assert_eq!(gone, expected);
    }

    #[test]
    fn protected_held_and_foreign_snapshots_stay() {
        let mut snaps = hourlies(5);
        snaps[1].userrefs = 1;
        snaps.push(snap("before-upgrade", 100, 99, 0));
        // The newest common snapshot, protected by GUID, even when the
        // counts would drop it.
        let gone = to_destroy(&keep(0), "usb/b", &snaps, &[5], NOW).unwrap();
        let expected: Vec<String> = [0, 2, 3].iter().map(|&i| snaps[i].name.clone()).collect();
        assert_eq!(gone, expected, "held [1], protected [4] and before-upgrade stay");
    }

    #[test]
    fn defaults_are_sanoids_template_backup() {
        let r: TargetRetention = toml::from_str("daily = 7").unwrap();
        assert_eq!((r.hourly, r.daily, r.monthly, r.yearly, r.weekly), (30, 7, 12, 0, 0));
        assert!(toml::from_str::<TargetRetention>("hourlyy = 1").is_err());
        let gone = to_destroy(&TargetRetention::default(), "usb/b", &hourlies(30), &[], NOW);
        assert_eq!(gone.unwrap(), Vec::<String>::new(), "30 hourlies fit the default");
    }
}
