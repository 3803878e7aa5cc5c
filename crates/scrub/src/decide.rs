//! The decision for one pool, from facts: pure, tested on tables.

use std::fmt;
use std::time::Duration;

use helios64_zfs_model::{Health, ScanFunction, ScanState, ScanStats};
use serde::{Deserialize, Serialize};

/// How `helios64-scrub` behaves (`/etc/helios64/scrub.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrubConfig {
    /// Scrub a pool when its last completed scrub ended this many days ago.
    pub interval_days: u32,
    /// Pools to consider; empty: every imported pool.
    pub pools: Vec<String>,
    /// Scrub a DEGRADED pool too (never FAULTED, SUSPENDED, UNAVAIL, ...).
    pub allow_degraded: bool,
    /// Refuse when any bay disk is hotter (°C); 0: no check.
    pub max_disk_celsius: u32,
    /// Refuse this many minutes after boot.
    pub boot_grace_minutes: u32,
    /// Wait up to this many seconds, at random, before starting.
    pub randomized_delay_secs: u32,
    /// Scrub only between these wall times (`"01:00"`, `"06:00"`; the end
    /// may be before the start: across midnight); at the end a running
    /// scrub is paused, and resumed on the next run inside the window.
    pub window: Option<Window>,
    /// The zone of the window: `UTC`, an IANA name, a POSIX TZ string.
    pub timezone: String,
    /// Seconds between progress reports with `--wait`.
    pub progress_secs: u32,
}

impl Default for ScrubConfig {
    fn default() -> Self {
        ScrubConfig {
            interval_days: 30,
            pools: Vec::new(),
            allow_degraded: false,
            max_disk_celsius: 55,
            boot_grace_minutes: 15,
            randomized_delay_secs: 0,
            window: None,
            timezone: "UTC".into(),
            progress_secs: 60,
        }
    }
}

/// A daily wall-time window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// `HH:MM`.
    pub start: String,
    /// `HH:MM`.
    pub end: String,
}

/// Minutes since midnight of `HH:MM`.
pub fn minute_of_day(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.len() == 5).then_some(h * 60 + m)
}

impl Window {
    /// Whether `minute` (of the day) is inside; `None` if malformed.
    pub fn contains(&self, minute: u32) -> Option<bool> {
        let (s, e) = (minute_of_day(&self.start)?, minute_of_day(&self.end)?);
        Some(if s <= e { s <= minute && minute < e } else { minute >= s || minute < e })
    }
}

/// What is known about the box and one pool when deciding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The pool's health.
    pub health: Health,
    /// Its last or current scan.
    pub scan: Option<ScanStats>,
    /// When our own record says a scrub of it last completed (for when a
    /// resilver has replaced the scan stats since), Unix seconds.
    pub recorded_end: Option<u64>,
    /// Mains present; `None`: the board cannot tell.
    pub mains_online: Option<bool>,
    /// The hottest bay disk: (bay, °C).
    pub hottest_disk: Option<(String, i64)>,
    /// Time since boot.
    pub uptime: Duration,
    /// Now, Unix seconds.
    pub now: u64,
    /// Inside the window (`true` when there is none).
    pub in_window: bool,
    /// Another pool is scrubbing now (pools are scrubbed one at a time).
    pub other_scrubbing: Option<String>,
}

/// Why a scrub is not started (or is paused).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum Refusal {
    /// The pool is not ONLINE (or DEGRADED with `allow_degraded`).
    Health {
        /// Its health.
        health: String,
    },
    /// A resilver is running.
    Resilvering,
    /// Another scan (an error scrub, ...) is running.
    OtherScan,
    /// On battery.
    OnBattery,
    /// A bay disk is hotter than the limit.
    TooHot {
        /// The bay.
        bay: String,
        /// Its temperature.
        celsius: i64,
        /// The limit.
        limit: u32,
    },
    /// Within `boot_grace_minutes` of boot.
    BootGrace {
        /// Seconds since boot.
        uptime_secs: u64,
    },
    /// Outside the window.
    OutsideWindow,
    /// Another pool is scrubbing.
    AnotherPool {
        /// That pool.
        pool: String,
    },
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::Health { health } => write!(f, "pool is {health}"),
            Refusal::Resilvering => f.write_str("a resilver is running"),
            Refusal::OtherScan => f.write_str("another scan is running"),
            Refusal::OnBattery => f.write_str("on battery"),
            Refusal::TooHot { bay, celsius, limit } => {
                write!(f, "{bay} is at {celsius} °C (limit {limit} °C)")
            }
            Refusal::BootGrace { uptime_secs } => write!(f, "booted {uptime_secs} s ago"),
            Refusal::OutsideWindow => f.write_str("outside the scrub window"),
            Refusal::AnotherPool { pool } => write!(f, "pool {pool} is scrubbing (one at a time)"),
        }
    }
}

/// What to do with one pool.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Decision {
    /// Start a scrub.
    Start {
        /// When the last completed scrub ended, if known.
        last_end: Option<u64>,
    },
    /// Resume the paused scrub.
    Resume,
    /// A scrub is running and may go on: success.
    AlreadyScrubbing,
    /// Pause the running scrub.
    Pause {
        /// Why.
        why: Refusal,
    },
    /// Not due yet.
    NotDue {
        /// When the last completed scrub ended.
        last_end: u64,
        /// When the next is due.
        due_at: u64,
    },
    /// Due (or paused), but not now.
    Refused {
        /// Why.
        why: Refusal,
    },
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Decision::Start { last_end: Some(t) } => {
                write!(f, "start: the last scrub completed at {t}")
            }
            Decision::Start { last_end: None } => {
                f.write_str("start: no completed scrub on record")
            }
            Decision::Resume => f.write_str("resume the paused scrub"),
            Decision::AlreadyScrubbing => f.write_str("already scrubbing"),
            Decision::Pause { why } => write!(f, "pause the scrub: {why}"),
            Decision::NotDue { last_end, due_at } => {
                write!(f, "not due: the last scrub completed at {last_end}, due at {due_at}")
            }
            Decision::Refused { why } => write!(f, "refused: {why}"),
        }
    }
}

impl Decision {
    /// The action alone, without its reason: `start`, `resume`, `already
    /// scrubbing`, `pause`, `not due` or `refused`.
    pub fn action(&self) -> &'static str {
        match self {
            Decision::Start { .. } => "start",
            Decision::Resume => "resume",
            Decision::AlreadyScrubbing => "already scrubbing",
            Decision::Pause { .. } => "pause",
            Decision::NotDue { .. } => "not due",
            Decision::Refused { .. } => "refused",
        }
    }
}

/// One line for systemd's `STATUS=`: each pool with its action
/// (`tank: start, backup: not due`); the reasons are in the journal.
pub fn summary<P: fmt::Display>(decisions: &[(P, Decision)]) -> String {
    if decisions.is_empty() {
        return "no pools".to_owned();
    }
    let parts: Vec<String> =
        decisions.iter().map(|(pool, d)| format!("{pool}: {}", d.action())).collect();
    parts.join(", ")
}

/// The end of the last *completed* scrub, from the scan stats or, when a
/// resilver or a cancel has replaced them, our own record.
fn last_completed(facts: &Facts) -> Option<u64> {
    match facts.scan {
        Some(s) if s.function == ScanFunction::Scrub && s.state == ScanState::Finished => {
            Some(s.end_time)
        }
        _ => facts.recorded_end,
    }
}

/// Why the box or pool is not fit to scrub now, first reason first.
fn unfit(config: &ScrubConfig, facts: &Facts) -> Option<Refusal> {
    let healthy = facts.health == Health::Online
        || (facts.health == Health::Degraded && config.allow_degraded);
    if !healthy {
        return Some(Refusal::Health { health: facts.health.as_str().to_owned() });
    }
    if facts.mains_online == Some(false) {
        return Some(Refusal::OnBattery);
    }
    if let Some((bay, celsius)) = &facts.hottest_disk
        && config.max_disk_celsius > 0
        && *celsius > i64::from(config.max_disk_celsius)
    {
        return Some(Refusal::TooHot {
            bay: bay.clone(),
            celsius: *celsius,
            limit: config.max_disk_celsius,
        });
    }
    if !facts.in_window {
        return Some(Refusal::OutsideWindow);
    }
    None
}

/// [`unfit`], and what only keeps a scrub from beginning (or resuming):
/// boot grace, another pool scrubbing.
fn may_not_begin(config: &ScrubConfig, facts: &Facts) -> Option<Refusal> {
    if let Some(why) = unfit(config, facts) {
        return Some(why);
    }
    let grace = Duration::from_secs(u64::from(config.boot_grace_minutes) * 60);
    if facts.uptime < grace {
        return Some(Refusal::BootGrace { uptime_secs: facts.uptime.as_secs() });
    }
    facts.other_scrubbing.as_ref().map(|pool| Refusal::AnotherPool { pool: pool.clone() })
}

/// Decides for one pool.
pub fn decide(config: &ScrubConfig, facts: &Facts) -> Decision {
    if let Some(scan) = facts.scan
        && scan.state == ScanState::Scanning
    {
        return match scan.function {
            ScanFunction::Scrub if scan.is_paused() => match may_not_begin(config, facts) {
                Some(why) => Decision::Refused { why },
                None => Decision::Resume,
            },
            // Running: it goes on unless it must pause (window end, mains
            // lost); a pool going bad mid-scrub is ZFS's business.
            ScanFunction::Scrub => match unfit(config, facts) {
                Some(
                    why @ (Refusal::OnBattery | Refusal::OutsideWindow | Refusal::TooHot { .. }),
                ) => Decision::Pause { why },
                _ => Decision::AlreadyScrubbing,
            },
            ScanFunction::Resilver => Decision::Refused { why: Refusal::Resilvering },
            _ => Decision::Refused { why: Refusal::OtherScan },
        };
    }
    let last_end = last_completed(facts);
    if let Some(end) = last_end {
        let due_at = end.saturating_add(u64::from(config.interval_days) * 86_400);
        if facts.now < due_at {
            return Decision::NotDue { last_end: end, due_at };
        }
    }
    match may_not_begin(config, facts) {
        Some(why) => Decision::Refused { why },
        None => Decision::Start { last_end },
    }
}

#[cfg(test)]
mod summary_tests {
    use super::*;

    #[test]
    fn the_status_line_names_each_pool_and_its_action() {
        let decisions = [
            ("tank", Decision::Start { last_end: None }),
            ("backup", Decision::NotDue { last_end: 1, due_at: 2 }),
            ("usb", Decision::Refused { why: Refusal::OutsideWindow }),
        ];
        assert_eq!(summary(&decisions), "tank: start, backup: not due, usb: refused");
        assert_eq!(summary::<&str>(&[]), "no pools");
    }
}
