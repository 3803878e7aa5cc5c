//! Why the verdict is what it is.

use std::fmt;

use serde::Serialize;

use crate::level::Level;

/// What a reason is about, as labels: a bay, a disk, a pool, a vdev, a
/// fan, a NIC, an IRQ, a daemon or a collector. Only the fields that apply
/// are set; `bay` is what lights a bay's error LED.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// Bay 1..=5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bay: Option<u8>,
    /// The disk's block device (`sdc`, no `/dev/`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// A pool.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    /// A vdev, by its name in the pool config.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vdev: Option<String>,
    /// A fan header (`P6`, `P7`), a NIC role (`lan1`), a daemon, a
    /// collector, or another named part.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
}

impl Subject {
    /// About a bay (and its disk).
    pub fn bay(bay: u8, device: Option<&str>) -> Subject {
        Subject { bay: Some(bay), device: device.map(str::to_owned), ..Subject::default() }
    }

    /// About a pool.
    pub fn pool(pool: &str) -> Subject {
        Subject { pool: Some(pool.to_owned()), ..Subject::default() }
    }

    /// About a named part of the board, a daemon or a collector.
    pub fn part(part: impl Into<String>) -> Subject {
        Subject { part: Some(part.into()), ..Subject::default() }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(bay) = self.bay {
            parts.push(match &self.device {
                Some(device) => format!("bay {bay} ({device})"),
                None => format!("bay {bay}"),
            });
        } else if let Some(device) = &self.device {
            parts.push(device.clone());
        }
        match (&self.pool, &self.vdev) {
            (Some(pool), Some(vdev)) => parts.push(format!("{pool} {vdev}")),
            (Some(pool), None) => parts.push(pool.clone()),
            (None, Some(vdev)) => parts.push(vdev.clone()),
            (None, None) => {}
        }
        if let Some(part) = &self.part {
            parts.push(part.clone());
        }
        f.write_str(&parts.join(" "))
    }
}

/// The kinds of reasons, one per threshold of the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// A pool is DEGRADED.
    PoolDegraded,
    /// A pool is FAULTED, UNAVAIL, SUSPENDED, REMOVED or OFFLINE.
    PoolUnusable,
    /// A pool the config expects is not imported.
    PoolMissing,
    /// A vdev has read, write or checksum errors.
    VdevErrors,
    /// A leaf vdev is not ONLINE (faulted, offline, removed, unavailable).
    VdevNotOnline,
    /// A pool has files with permanent errors.
    DataErrors,
    /// The last scan found errors.
    ScanErrors,
    /// The last completed scrub is too old, or there never was one.
    ScrubOverdue,
    /// A pool is too full.
    CapacityHigh,
    /// A disk is too hot.
    DiskHot,
    /// SMART says warning.
    SmartWarning,
    /// SMART says failing.
    SmartFailing,
    /// SMART could not be read for a bay disk.
    SmartUnreachable,
    /// The board runs on battery.
    OnBattery,
    /// The battery is low.
    BatteryLow,
    /// helios64-upsd has decided to shut the box down.
    UpsShutdown,
    /// The fan daemon is in its fail-safe.
    FanFailsafe,
    /// The fan daemon is not running or its state is stale.
    FanDaemonDown,
    /// IRQ or RPS pinning differs from the plan.
    PinningDrift,
    /// A NIC links below its line rate or at half duplex.
    LinkBelowLineRate,
    /// A problem the board model found (a missing hwmon class, a
    /// contradiction between sensors).
    BoardProblem,
    /// A source could not be read.
    CollectorFailed,
    /// A replication job's last run failed.
    ReplicationFailed,
    /// A replication target's newest snapshot is too old.
    ReplicationStale,
    /// A restore test failed.
    RestoreTestFailed,
    /// A restore test is overdue.
    RestoreTestOverdue,
}

impl ReasonCode {
    /// The snake_case name, as in JSON and the `reason` metric label.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasonCode::PoolDegraded => "pool_degraded",
            ReasonCode::PoolUnusable => "pool_unusable",
            ReasonCode::PoolMissing => "pool_missing",
            ReasonCode::VdevErrors => "vdev_errors",
            ReasonCode::VdevNotOnline => "vdev_not_online",
            ReasonCode::DataErrors => "data_errors",
            ReasonCode::ScanErrors => "scan_errors",
            ReasonCode::ScrubOverdue => "scrub_overdue",
            ReasonCode::CapacityHigh => "capacity_high",
            ReasonCode::DiskHot => "disk_hot",
            ReasonCode::SmartWarning => "smart_warning",
            ReasonCode::SmartFailing => "smart_failing",
            ReasonCode::SmartUnreachable => "smart_unreachable",
            ReasonCode::OnBattery => "on_battery",
            ReasonCode::BatteryLow => "battery_low",
            ReasonCode::UpsShutdown => "ups_shutdown",
            ReasonCode::FanFailsafe => "fan_failsafe",
            ReasonCode::FanDaemonDown => "fan_daemon_down",
            ReasonCode::PinningDrift => "pinning_drift",
            ReasonCode::LinkBelowLineRate => "link_below_line_rate",
            ReasonCode::BoardProblem => "board_problem",
            ReasonCode::CollectorFailed => "collector_failed",
            ReasonCode::ReplicationFailed => "replication_failed",
            ReasonCode::ReplicationStale => "replication_stale",
            ReasonCode::RestoreTestFailed => "restore_test_failed",
            ReasonCode::RestoreTestOverdue => "restore_test_overdue",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason for the verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// How much it weighs (from the thresholds).
    pub level: Level,
    /// What kind of reason.
    pub code: ReasonCode,
    /// What it is about.
    pub subject: Subject,
    /// What was found, in a sentence.
    pub message: String,
}

impl Reason {
    /// A reason.
    pub fn new(
        level: Level,
        code: ReasonCode,
        subject: Subject,
        message: impl Into<String>,
    ) -> Reason {
        Reason { level, code, subject, message: message.into() }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let subject = self.subject.to_string();
        if subject.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{subject}: {}", self.message)
        }
    }
}
