//! `/etc/helios64/health.toml`: what counts as a warning or critical, and
//! which reasons light which LED. Shared by `helios64 health` and
//! `helios64-exporter`.

use std::path::PathBuf;

use helios64_service::{Config, Invalid, KeyPath};
use helios64_zfs_model::PoolName;
use serde::{Deserialize, Serialize};

use crate::level::Level;

/// Thresholds; every reason's level is decided here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// A pool DEGRADED (redundancy lost, data still there).
    pub pool_degraded: Level,
    /// A pool FAULTED, UNAVAIL, SUSPENDED, REMOVED or OFFLINE, or an
    /// expected pool not imported.
    pub pool_unusable: Level,
    /// A leaf vdev not ONLINE (in a pool that may still be ONLINE through
    /// a spare) or a vdev with errors.
    pub vdev_not_online: Level,
    /// Any read, write or checksum error on a vdev.
    pub vdev_errors: Level,
    /// Files with permanent errors (`error_count` > 0).
    pub data_errors: Level,
    /// The last completed scrub is older than this many days (or there was
    /// none): warning...
    pub scrub_warn_days: u64,
    /// ...and critical past this many.
    pub scrub_crit_days: u64,
    /// A pool fuller than this percent: warning...
    pub capacity_warn_percent: u64,
    /// ...and critical past this.
    pub capacity_crit_percent: u64,
    /// A disk hotter than this (°C): warning...
    pub disk_temp_warn_celsius: f64,
    /// ...and critical past this.
    pub disk_temp_crit_celsius: f64,
    /// SMART says warning.
    pub smart_warning: Level,
    /// SMART says failing.
    pub smart_failing: Level,
    /// smartctl cannot reach a bay disk, or its output is unusable.
    pub smart_unreachable: Level,
    /// The board runs on battery.
    pub on_battery: Level,
    /// The fan daemon is in its fail-safe (both fans at full speed).
    pub fan_failsafe: Level,
    /// IRQ or RPS pinning differs from the plan.
    pub pinning_drift: Level,
    /// A NIC links slower than its line rate (LAN1 1000, LAN2 2500 Mb/s) or
    /// at half duplex.
    pub link_below_line_rate: Level,
    /// The battery is low (while on battery, shutdown is near).
    pub battery_low: Level,
    /// The fan daemon is not running (absent or stale state file) while
    /// its unit is expected: only when `fand_expected`.
    pub fan_daemon_down: Level,
    /// Whether the fan daemon is expected to run.
    pub fand_expected: bool,
    /// A problem the board model found (missing sensor class, sensor
    /// contradictions).
    pub board_problem: Level,
    /// A source (board, SMART, ZFS) could not be read.
    pub collector_failed: Level,
    /// A replication job's last run failed (`helios64-replicate`).
    pub replication_failed: Level,
    /// A replication target's newest snapshot is older than
    /// `replication.stale_after_hours`.
    pub replication_stale: Level,
    /// A job's last restore test (`helios64-replicate verify`) failed: the
    /// backup is damaged, differs from its source, or is not there.
    pub restore_test_failed: Level,
    /// A job's last restore test is older than
    /// `replication.verify_overdue_days` (only once it has had one).
    pub restore_test_overdue: Level,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            pool_degraded: Level::Critical,
            pool_unusable: Level::Critical,
            vdev_not_online: Level::Warning,
            vdev_errors: Level::Warning,
            data_errors: Level::Critical,
            scrub_warn_days: 35,
            scrub_crit_days: 90,
            capacity_warn_percent: 80,
            capacity_crit_percent: 95,
            disk_temp_warn_celsius: 50.0,
            disk_temp_crit_celsius: 60.0,
            smart_warning: Level::Warning,
            smart_failing: Level::Critical,
            smart_unreachable: Level::Warning,
            on_battery: Level::Warning,
            fan_failsafe: Level::Critical,
            pinning_drift: Level::Warning,
            link_below_line_rate: Level::Warning,
            battery_low: Level::Critical,
            fan_daemon_down: Level::Warning,
            fand_expected: false,
            board_problem: Level::Warning,
            collector_failed: Level::Unknown,
            replication_failed: Level::Warning,
            replication_stale: Level::Warning,
            restore_test_failed: Level::Critical,
            restore_test_overdue: Level::Warning,
        }
    }
}

/// How the LEDs follow the verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Leds {
    /// Drive the LEDs at all (the exporter in listen mode does; off leaves
    /// them to whatever else drives them).
    pub enabled: bool,
    /// The fault LED (`helios64:red:fault`) is lit from this level up.
    pub fault_from: Level,
    /// A bay's error LED (`helios64:red:ataN-err`) is lit from this level of
    /// a reason about that bay (its SMART, its vdev, its temperature) up.
    pub bay_from: Level,
    /// Blink (the kernel's `timer` trigger) instead of solid for critical.
    pub blink_critical: bool,
}

impl Default for Leds {
    fn default() -> Self {
        Leds {
            enabled: true,
            fault_from: Level::Critical,
            bay_from: Level::Warning,
            blink_critical: true,
        }
    }
}

/// When IRQ/RPS pinning drift is a reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PinningCheck {
    /// When `helios64-pin` manages the box (its state file exists): drift
    /// from the plan is then a regression, while on a box nobody pinned
    /// the kernel's defaults are not a fault.
    #[default]
    Auto,
    /// Always compare with the plan.
    Always,
    /// Never.
    Never,
}

/// How SMART is read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartConfig {
    /// Read SMART at all.
    pub enabled: bool,
    /// The smartctl program.
    pub smartctl: PathBuf,
    /// How long one disk may take (seconds).
    pub timeout_seconds: u64,
    /// Where the last full result of each disk is kept, so a sleeping disk
    /// still shows its last known values (shared with `helios64 smart
    /// --state-file`); empty: in memory only.
    pub state_file: PathBuf,
}

impl Default for SmartConfig {
    fn default() -> Self {
        SmartConfig {
            enabled: true,
            smartctl: PathBuf::from("smartctl"),
            timeout_seconds: 60,
            state_file: PathBuf::from("/var/lib/helios64/smart.json"),
        }
    }
}

/// Where the replication jobs' state is, and when a backup is too old.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplicationConfig {
    /// `helios64-replicate`'s state directory (its `replicate.json`); no
    /// file there: no jobs, no reasons.
    pub state_dir: PathBuf,
    /// A target whose newest snapshot is older than this (hours) is stale.
    pub stale_after_hours: u64,
    /// A restore test older than this (days) is overdue (the verify timer
    /// runs monthly).
    pub verify_overdue_days: u64,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        ReplicationConfig {
            state_dir: PathBuf::from(helios64_replication::state::STATE_DIR),
            stale_after_hours: 48,
            verify_overdue_days: 45,
        }
    }
}

/// The whole `health.toml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthConfig {
    /// Pools that must be imported: a missing one is `pool_unusable`.
    pub expected_pools: Vec<PoolName>,
    /// When pinning drift counts.
    pub pinning: PinningCheck,
    /// What counts as what.
    pub thresholds: Thresholds,
    /// The fault and bay LEDs.
    pub leds: Leds,
    /// SMART.
    pub smart: SmartConfig,
    /// Replication jobs.
    pub replication: ReplicationConfig,
    /// The PCI address of the SATA controller whose ports 1–5 are the
    /// bays; unset: the Helios64's JMB585, found by its PCI id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sata_controller: Option<String>,
}

impl Config for HealthConfig {
    fn validate(&self) -> Result<(), Invalid> {
        let t = &self.thresholds;
        let at = KeyPath::root().key("thresholds");
        if t.scrub_warn_days > t.scrub_crit_days {
            return Err(Invalid::new(at.key("scrub_warn_days"), "is above scrub_crit_days"));
        }
        if t.capacity_warn_percent > t.capacity_crit_percent || t.capacity_crit_percent > 100 {
            return Err(Invalid::new(
                at.key("capacity_warn_percent"),
                "must be at most capacity_crit_percent, which must be at most 100",
            ));
        }
        if !(t.disk_temp_warn_celsius.is_finite() && t.disk_temp_crit_celsius.is_finite()) {
            return Err(Invalid::new(at.key("disk_temp_warn_celsius"), "must be a finite number"));
        }
        if self.smart.timeout_seconds == 0 {
            return Err(Invalid::new(
                KeyPath::root().key("smart").key("timeout_seconds"),
                "must be at least 1",
            ));
        }
        if self.replication.stale_after_hours == 0 || self.replication.verify_overdue_days == 0 {
            return Err(Invalid::new(
                KeyPath::root().key("replication").key(
                    if self.replication.stale_after_hours == 0 {
                        "stale_after_hours"
                    } else {
                        "verify_overdue_days"
                    },
                ),
                "must be at least 1",
            ));
        }
        if t.disk_temp_warn_celsius > t.disk_temp_crit_celsius {
            return Err(Invalid::new(
                at.key("disk_temp_warn_celsius"),
                "is above disk_temp_crit_celsius",
            ));
        }
        Ok(())
    }
}
