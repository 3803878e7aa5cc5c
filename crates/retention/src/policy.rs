//! The resolved policy of one dataset: counts, preferred times, monitor
//! thresholds, hooks. Defaults are sanoid 2.x's `sanoid.defaults.conf`.

use serde::Serialize;

use crate::kind::SnapType;

/// How many snapshots of each type to keep (sanoid's `hourly = 48`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts(pub [u32; 6]);

impl Counts {
    /// The count for `kind`.
    pub fn get(&self, kind: SnapType) -> u32 {
        self.0[kind.index()]
    }

    /// Sets the count for `kind`.
    pub fn set(&mut self, kind: SnapType, count: u32) {
        self.0[kind.index()] = count;
    }
}

/// Preferred times for taking (sanoid's `hourly_min`, `daily_hour`, ...),
/// in the configured time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Minutes between frequent snapshots, within each hour.
    pub frequent_period: u32,
    /// Minute of the hourly.
    pub hourly_min: u32,
    /// Hour of the daily.
    pub daily_hour: u32,
    /// Minute of the daily.
    pub daily_min: u32,
    /// Weekday of the weekly, 0 = Sunday.
    pub weekly_wday: u32,
    /// Hour of the weekly.
    pub weekly_hour: u32,
    /// Minute of the weekly.
    pub weekly_min: u32,
    /// Day of the month of the monthly (past the month's end: its last day).
    pub monthly_mday: u32,
    /// Hour of the monthly.
    pub monthly_hour: u32,
    /// Minute of the monthly.
    pub monthly_min: u32,
    /// Month of the yearly, 1 = January.
    pub yearly_mon: u32,
    /// Day of the month of the yearly.
    pub yearly_mday: u32,
    /// Hour of the yearly.
    pub yearly_hour: u32,
    /// Minute of the yearly.
    pub yearly_min: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            frequent_period: 15,
            hourly_min: 0,
            daily_hour: 23,
            daily_min: 59,
            weekly_wday: 1,
            weekly_hour: 23,
            weekly_min: 30,
            monthly_mday: 1,
            monthly_hour: 0,
            monthly_min: 0,
            yearly_mon: 1,
            yearly_mday: 1,
            yearly_hour: 0,
            yearly_min: 0,
        }
    }
}

/// Monitoring ages in seconds per type; 0 disables that check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// WARNING when the newest snapshot of a type is older.
    pub warn: [i64; 6],
    /// CRITICAL when the newest snapshot of a type is older, or there is none.
    pub crit: [i64; 6],
}

impl Default for Thresholds {
    fn default() -> Self {
        const H: i64 = 3_600;
        const D: i64 = 86_400;
        Thresholds {
            warn: [0, 90 * 60, 28 * H, 0, 32 * D, 0],
            crit: [0, 360 * 60, 32 * H, 0, 40 * D, 0],
        }
    }
}

/// Commands run around taking and pruning (sanoid's script keys).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Hooks {
    /// Run before the snapshots of a policy are taken.
    pub pre_snapshot: Option<String>,
    /// Run after they are taken.
    pub post_snapshot: Option<String>,
    /// Run after each pruned snapshot.
    pub pruning: Option<String>,
    /// Seconds a hook may run before it is killed (0: no limit).
    pub timeout_secs: u32,
    /// When the pre hook fails, take nothing.
    pub no_inconsistent_snapshot: bool,
    /// Run the post hook even when the pre hook failed.
    pub force_post_snapshot: bool,
}

/// Everything that decides what happens to one dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Counts per type.
    pub counts: Counts,
    /// Preferred times.
    pub schedule: Schedule,
    /// Take snapshots.
    pub autosnap: bool,
    /// Prune snapshots.
    pub autoprune: bool,
    /// Check ages in `--monitor`.
    pub monitor: bool,
    /// Report warnings with status OK.
    pub monitor_dont_warn: bool,
    /// Report criticals with status OK.
    pub monitor_dont_crit: bool,
    /// Monitor ages.
    pub thresholds: Thresholds,
    /// Hooks.
    pub hooks: Hooks,
}

impl Default for Settings {
    /// sanoid 2.x's defaults: hourly 48, daily 90, monthly 6, the rest 0.
    fn default() -> Self {
        Settings {
            counts: Counts([0, 48, 90, 0, 6, 0]),
            schedule: Schedule::default(),
            autosnap: true,
            autoprune: true,
            monitor: true,
            monitor_dont_warn: false,
            monitor_dont_crit: false,
            thresholds: Thresholds::default(),
            hooks: Hooks { timeout_secs: 5, ..Hooks::default() },
        }
    }
}

/// How a policy's snapshots are taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Take {
    /// Not at all (autosnap off, or a child whose parent takes for it).
    Never,
    /// This dataset on its own schedule.
    Own,
    /// This dataset and every descendant, on this dataset's schedule
    /// (sanoid's `recursive = zfs`).
    Recursive,
}

/// The resolved policy of one dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// The dataset.
    pub dataset: String,
    /// The top of its policy tree: the configured dataset it is, or the
    /// recursive entry it descends from. The snapshots due at one instant
    /// for one tree are taken in one atomic call.
    pub from: String,
    /// Settings.
    pub settings: Settings,
    /// How it is taken.
    pub take: Take,
    /// Neither taken, pruned nor monitored itself (its children are).
    pub children_only: bool,
}

impl Policy {
    /// Whether pruning applies to this dataset.
    pub fn prunes(&self) -> bool {
        self.settings.autoprune && !self.children_only
    }

    /// Whether `--monitor` checks this dataset.
    pub fn monitored(&self) -> bool {
        self.settings.monitor && !self.children_only
    }
}

/// sanoid's `convertTimePeriod`: `90m`, `28h`, `32d`, `2w`, `1y` (31 × 365
/// days, as sanoid has it), `30s`, or a bare number in `unit` seconds.
/// Anything else is `None` (sanoid silently uses 1 s; the parsers here
/// report an error instead).
pub fn parse_age(text: &str, unit: i64) -> Option<i64> {
    let text = text.trim();
    let (digits, scale) = match text.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => {
            let scale = match c.to_ascii_lowercase() {
                'y' => 86_400 * 31 * 365,
                'w' => 7 * 86_400,
                'd' => 86_400,
                'h' => 3_600,
                'm' => 60,
                's' => 1,
                _ => return None,
            };
            (&text[..at], scale)
        }
        _ => (text, unit),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<i64>().ok()?.checked_mul(scale)
}

/// The unit of a bare monitor age for `kind` ("one period down": minutes
/// for hourly, hours for daily, ...; seconds for frequently).
pub const fn age_unit(kind: SnapType) -> i64 {
    match kind {
        SnapType::Frequently => 1,
        SnapType::Hourly => 60,
        SnapType::Daily => 3_600,
        SnapType::Weekly => 86_400,
        SnapType::Monthly => 7 * 86_400,
        SnapType::Yearly => 31 * 86_400,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_follow_sanoids_units() {
        assert_eq!(parse_age("90m", 60), Some(5_400));
        assert_eq!(parse_age("28H", 3_600), Some(100_800));
        assert_eq!(parse_age("90", age_unit(SnapType::Hourly)), Some(5_400));
        assert_eq!(parse_age("5", age_unit(SnapType::Monthly)), Some(5 * 7 * 86_400));
        assert_eq!(parse_age("1y", 1), Some(86_400 * 31 * 365));
        assert_eq!(parse_age("0", 60), Some(0));
        for bad in ["", "m", "1.5h", "-3", "10x", "1 h"] {
            assert_eq!(parse_age(bad, 60), None, "{bad:?}");
        }
    }

    #[test]
    fn defaults_are_sanoids() {
        let s = Settings::default();
        assert_eq!(s.counts.get(SnapType::Hourly), 48);
        assert_eq!(s.counts.get(SnapType::Daily), 90);
        assert_eq!(s.counts.get(SnapType::Monthly), 6);
        assert_eq!(s.thresholds.warn[SnapType::Hourly.index()], 5_400);
    }
}
