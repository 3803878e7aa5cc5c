//! The four levels of the monitoring-plugin convention.

use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad something is: the Nagios/Icinga plugin states.
///
/// Levels combine by [`Level::worst`]: critical, then unknown, then
/// warning, then ok. Unknown ranks above warning because a part that could
/// not be read may hide a critical one (Icinga ranks them the same way).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Nothing to do.
    Ok,
    /// Look at it soon.
    Warning,
    /// Act now: data or hardware at risk.
    Critical,
    /// Could not be judged.
    Unknown,
}

impl Level {
    /// The lowercase name (`ok`, `warning`, `critical`, `unknown`).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warning => "warning",
            Level::Critical => "critical",
            Level::Unknown => "unknown",
        }
    }

    /// The plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Critical => 2,
            Level::Unknown => 3,
        }
    }

    /// The metric value of `helios64_health_status`: the exit code.
    pub fn metric_value(self) -> i64 {
        i64::from(self.exit_code())
    }

    pub(crate) fn rank(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Warning => 1,
            Level::Unknown => 2,
            Level::Critical => 3,
        }
    }

    /// The more severe of two levels.
    pub fn worst(self, other: Level) -> Level {
        if other.rank() > self.rank() { other } else { self }
    }

    /// Whether `self` is at least as severe as `floor` (for "light the LED
    /// from warning up"). Unknown reaches a warning floor but not a
    /// critical one.
    pub fn reaches(self, floor: Level) -> bool {
        self.rank() >= floor.rank() && self != Level::Ok
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Level::*;

    #[test]
    fn worst_ranks_critical_unknown_warning_ok() {
        assert_eq!(Ok.worst(Warning), Warning);
        assert_eq!(Warning.worst(Unknown), Unknown);
        assert_eq!(Unknown.worst(Critical), Critical);
        assert_eq!(Critical.worst(Warning), Critical);
        assert_eq!(Ok.worst(Ok), Ok);
        assert_eq!([Ok, Warning, Ok].into_iter().fold(Ok, super::Level::worst), Warning);
    }

    #[test]
    fn exit_codes_follow_the_plugin_convention() {
        assert_eq!([Ok, Warning, Critical, Unknown].map(super::Level::exit_code), [0, 1, 2, 3]);
    }

    #[test]
    fn reaches_a_floor() {
        assert!(Critical.reaches(Warning));
        assert!(Warning.reaches(Warning));
        assert!(!Warning.reaches(Critical));
        assert!(Unknown.reaches(Warning));
        assert!(!Ok.reaches(Ok));
    }
}
