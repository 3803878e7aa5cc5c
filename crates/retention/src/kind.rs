//! Snapshot types and which names are ours.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The prefix of every snapshot name this planner takes or prunes.
pub const PREFIX: &str = "autosnap_";

/// One of sanoid's six snapshot types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SnapType {
    /// Every `frequent_period` minutes.
    Frequently,
    /// Once an hour.
    Hourly,
    /// Once a day.
    Daily,
    /// Once a week.
    Weekly,
    /// Once a month.
    Monthly,
    /// Once a year.
    Yearly,
}

impl SnapType {
    /// All six, shortest period first.
    pub const ALL: [SnapType; 6] = [
        SnapType::Frequently,
        SnapType::Hourly,
        SnapType::Daily,
        SnapType::Weekly,
        SnapType::Monthly,
        SnapType::Yearly,
    ];

    /// The word in snapshot names and config keys (`hourly`).
    pub const fn as_str(self) -> &'static str {
        match self {
            SnapType::Frequently => "frequently",
            SnapType::Hourly => "hourly",
            SnapType::Daily => "daily",
            SnapType::Weekly => "weekly",
            SnapType::Monthly => "monthly",
            SnapType::Yearly => "yearly",
        }
    }

    /// Index into per-type arrays ([`crate::Counts`]).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The pruning period in seconds: sanoid's fixed lengths (a month is
    /// 31 days, a year 365.25 days), never calendar arithmetic.
    /// `frequent_period` is in minutes.
    pub const fn period_seconds(self, frequent_period: u32) -> i64 {
        match self {
            SnapType::Frequently => 60 * frequent_period as i64,
            SnapType::Hourly => 3_600,
            SnapType::Daily => 86_400,
            SnapType::Weekly => 7 * 86_400,
            SnapType::Monthly => 31 * 86_400,
            // 365.25 days is a whole number of seconds.
            SnapType::Yearly => 31_557_600,
        }
    }
}

impl fmt::Display for SnapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SnapType {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        SnapType::ALL.into_iter().find(|t| t.as_str() == s).ok_or(())
    }
}

/// How a snapshot name is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "class", content = "type")]
pub enum Class {
    /// `autosnap_…_<type>`: ours, of that type.
    Ours(SnapType),
    /// A name sanoid 2.x would count and prune as `type` but that is not of
    /// the form `autosnap_…_<type>` (`autosnapshot_hourly`,
    /// `autosnap_x_weekly-daily`). Not provably ours: never pruned here.
    SanoidOnly(SnapType),
    /// Anything else.
    Foreign,
}

/// Classifies a snapshot name (the part after `@`).
///
/// Ours means: starts with `autosnap_` and ends with `_<type>`. That is a
/// strict subset of what sanoid 2.x claims (a name starting with
/// `autosnap`, ending in `ly`, its type the `\w*ly` after the last
/// underscore that allows one), and on that subset the type is the same,
/// so a sanoid history keeps its meaning, including sanoid's DST names
/// (`…00:00:00dst_hourly`).
pub fn classify(name: &str) -> Class {
    if name.starts_with(PREFIX)
        && let Some(kind) = suffix_type(name)
    {
        return Class::Ours(kind);
    }
    match sanoid_type(name) {
        Some(kind) => Class::SanoidOnly(kind),
        None => Class::Foreign,
    }
}

/// The type of a name ending in `_<type>`.
fn suffix_type(name: &str) -> Option<SnapType> {
    let (_, word) = name.rsplit_once('_')?;
    word.parse().ok()
}

/// The type sanoid 2.x's `getsnaps` reads from a name: the name matches
/// `^autosnap.*ly$` (its listing regex `\@(.*ly)\t*creation` plus
/// `/^autosnap/`), and the type is the capture of `.*_(\w*ly)`: after the
/// last underscore from which a word run ending in `ly` starts, the longest
/// such prefix of that run. `None` when sanoid ignores the name or reads a
/// type that is not one of the six.
pub fn sanoid_type(name: &str) -> Option<SnapType> {
    if !name.starts_with("autosnap") || !name.ends_with("ly") {
        return None;
    }
    let bytes = name.as_bytes();
    for (at, _) in name.match_indices('_').collect::<Vec<_>>().into_iter().rev() {
        let run = &bytes[at + 1..];
        let len = run.iter().take_while(|b| b.is_ascii_alphanumeric() || **b == b'_').count();
        // Longest prefix of the word run that ends in "ly".
        if let Some(end) = (2..=len).rev().find(|&end| &run[end - 2..end] == b"ly") {
            // The run is ASCII, so this is a char boundary.
            let word = &name[at + 1..at + 1 + end];
            return word.parse().ok();
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_classified_as_sanoid_reads_them_or_stricter() {
        use Class::*;
        use SnapType::*;
        let cases = [
            ("autosnap_2024-01-01_00:00:00_hourly", Ours(Hourly)),
            ("autosnap_2024-01-01_00:00:00_frequently", Ours(Frequently)),
            ("autosnap_2024-10-27_02:00:00dst_hourly", Ours(Hourly)),
            ("autosnap_hourly", Ours(Hourly)),
            ("autosnap_x_yearly", Ours(Yearly)),
            ("autosnapshot_hourly", SanoidOnly(Hourly)),
            ("autosnap-2024_daily", SanoidOnly(Daily)),
            ("autosnap_x_weekly-daily", SanoidOnly(Weekly)),
            ("autosnap_x_hourly.monthly", SanoidOnly(Hourly)),
            ("autosnap_x_xhourly", Foreign),
            ("autosnap_x_hourlyly", Foreign),
            ("autosnap_x_hourly_keep", Foreign),
            ("autosnap_2024-01-01_hourly-", Foreign),
            ("manual_hourly", Foreign),
            ("zfs-auto-snap_hourly-2024-01-01-0000", Foreign),
            ("syncoid_host_2024-01-01:00:00:00-GMT00:00", Foreign),
            ("autosnap_x_Hourly", Foreign),
            ("autosnap", Foreign),
        ];
        for (name, want) in cases {
            assert_eq!(classify(name), want, "{name}");
        }
    }

    #[test]
    fn periods_are_sanoids_fixed_lengths() {
        assert_eq!(SnapType::Frequently.period_seconds(15), 900);
        assert_eq!(SnapType::Monthly.period_seconds(15), 2_678_400);
        assert_eq!(SnapType::Yearly.period_seconds(15) as f64, 86_400.0 * 365.25);
    }
}
