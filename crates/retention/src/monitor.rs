//! `--monitor`: the age of the newest snapshot of each type against its
//! warn/crit thresholds, as a Nagios-style line (sanoid's
//! `--monitor-snapshots`).

use std::collections::BTreeMap;

use crate::kind::{Class, SnapType};
use crate::listing::Listing;
use crate::policy::Policy;

/// Monitoring-plugin levels (the discriminant is the exit code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// 0.
    Ok = 0,
    /// 1.
    Warning = 1,
    /// 2.
    Critical = 2,
}

/// The result: a level and sanoid's one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The exit level.
    pub level: Level,
    /// `OK: all monitored datasets (tank) have fresh snapshots`, or the
    /// `WARN:`/`CRIT:` messages joined with `, `.
    pub line: String,
}

/// Checks every monitored policy. Types with a count of 0 are not checked
/// (so never CRIT); a threshold of 0 disables that check. Unlike sanoid
/// 2.1, a warn threshold also works when the crit one is 0, and a snapshot
/// one second in the future is a snapshot, not "none at all".
pub fn check(policies: &[Policy], listing: &Listing, now: i64) -> Report {
    let mut newest: BTreeMap<&str, [Option<i64>; 6]> = BTreeMap::new();
    for s in listing.iter() {
        if let Class::Ours(kind) = s.class {
            let slot = &mut newest.entry(s.dataset).or_default()[kind.index()];
            *slot = Some(slot.map_or(s.creation, |t: i64| t.max(s.creation)));
        }
    }
    let mut level = Level::Ok;
    let mut messages = Vec::new();
    let mut paths = Vec::new();
    for policy in policies.iter().filter(|p| p.monitored()) {
        let path = policy.dataset.as_str();
        paths.push(path);
        let s = &policy.settings;
        for kind in SnapType::ALL.into_iter().rev() {
            if s.counts.get(kind) == 0 {
                continue;
            }
            let (warn, crit) = (s.thresholds.warn[kind.index()], s.thresholds.crit[kind.index()]);
            let elapsed = newest.get(path).and_then(|n| n[kind.index()]).map(|t| now - t);
            match elapsed {
                None if crit > 0 => {
                    messages.push(format!("CRIT: {path} has no {kind} snapshots at all!"));
                    if !s.monitor_dont_crit {
                        level = level.max(Level::Critical);
                    }
                }
                Some(e) if crit > 0 && e > crit => {
                    messages.push(format!(
                        "CRIT: {path} newest {kind} snapshot is {} old (should be < {})",
                        display_time(e),
                        display_time(crit)
                    ));
                    if !s.monitor_dont_crit {
                        level = level.max(Level::Critical);
                    }
                }
                Some(e) if warn > 0 && e > warn => {
                    messages.push(format!(
                        "WARN: {path} newest {kind} snapshot is {} old (should be < {})",
                        display_time(e),
                        display_time(warn)
                    ));
                    if !s.monitor_dont_warn {
                        level = level.max(Level::Warning);
                    }
                }
                _ => {}
            }
        }
    }
    messages.sort_by_key(|m| m.to_lowercase());
    paths.sort_by_key(|p| p.to_lowercase());
    let line = if messages.is_empty() {
        format!("OK: all monitored datasets ({}) have fresh snapshots", paths.join(", "))
    } else {
        messages.join(", ")
    };
    Report { level, line }
}

/// sanoid's `displaytime`: `1d 2h 3m 4s`, `5m 0s`, `45s`.
pub fn display_time(seconds: i64) -> String {
    let days = seconds / 86_400;
    let hours = seconds % 86_400 / 3_600;
    let minutes = seconds % 3_600 / 60;
    let secs = seconds % 60;
    let mut out = String::new();
    if days != 0 {
        out.push_str(&format!("{days}d "));
    }
    if hours != 0 || days != 0 {
        out.push_str(&format!("{hours}h "));
    }
    if minutes != 0 || hours != 0 || days != 0 {
        out.push_str(&format!("{minutes}m "));
    }
    out.push_str(&format!("{secs}s"));
    out
}
