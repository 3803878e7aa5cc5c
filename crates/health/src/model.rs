//! The joined value: what `helios64 health --json` prints and the exporter
//! publishes. Field names are the JSON schema (`helios64.health/1`; see
//! `docs/health-json.md`).

use serde::Serialize;

use crate::inputs::PoolEvent;
use crate::level::Level;
use crate::reason::Reason;

/// The whole box.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    /// [`SCHEMA`](crate::SCHEMA).
    pub schema: &'static str,
    /// The overall verdict: the worst reason's level, `ok` without one.
    pub verdict: Level,
    /// One line: the verdict and the worst reasons, for plugin output.
    pub summary: String,
    /// When this was assessed (Unix seconds).
    pub checked_at_unix: u64,
    /// Every reason, most severe first.
    pub reasons: Vec<Reason>,
    /// How each source went.
    pub collectors: Vec<CollectorStatus>,
    /// The five bays.
    pub bays: Vec<BayHealth>,
    /// The imported pools.
    pub pools: Vec<PoolHealth>,
    /// Temperatures, fans, UPS, NICs, pinning.
    pub board: BoardHealth,
    /// The replication jobs, as `helios64-replicate` last left them.
    pub replication: Vec<ReplicationHealth>,
}

impl Health {
    /// The level of the reasons about `bay` (ok without any).
    pub fn bay_level(&self, bay: u8) -> Level {
        self.reasons
            .iter()
            .filter(|r| r.subject.bay == Some(bay))
            .fold(Level::Ok, |acc, r| acc.worst(r.level))
    }
}

/// How one source of the assessment went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CollectorStatus {
    /// `board`, `smart`, `zfs`, `fand`, `zfs_events`, `leds`.
    pub name: String,
    /// `true` read, `false` failed, `None` skipped.
    pub success: Option<bool>,
    /// How long it took (seconds); for SMART, the age of the cached run.
    pub duration_seconds: f64,
    /// The error, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A bay and what is in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BayHealth {
    /// 1..=5.
    pub bay: u8,
    /// The ATA port (`ata1`).
    pub ata_port: String,
    /// Bay 1 shares its port with the M.2 slot.
    pub shares_port_with_m2: bool,
    /// The worst level of the reasons about this bay.
    pub level: Level,
    /// The bay's error LED (`helios64:red:ata1-err`).
    pub error_led: String,
    /// The disk, `None` when the bay is empty.
    pub disk: Option<DiskHealth>,
}

/// A disk, its SMART and the vdevs it backs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiskHealth {
    /// The block device (`sdc`), `None` until `sd` binds.
    pub device: Option<String>,
    /// Model.
    pub model: String,
    /// Serial number.
    pub serial: Option<String>,
    /// WWN (`0x5000…`), from SMART.
    pub wwn: Option<String>,
    /// Firmware.
    pub firmware: Option<String>,
    /// Capacity in bytes.
    pub size_bytes: Option<u64>,
    /// Temperature: drivetemp's, else SMART's (a sleeping disk has
    /// neither fresh).
    pub temperature_celsius: Option<f64>,
    /// SMART; `None` when SMART was not collected.
    pub smart: Option<SmartView>,
    /// The vdevs on this disk (usually one; a disk split into partitions
    /// can back several).
    pub vdevs: Vec<VdevLink>,
}

/// SMART as the bay shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmartView {
    /// `ok`, `warning`, `failing`, `standby`, `unknown`, `unreachable` or
    /// `error`.
    pub verdict: String,
    /// The reasons (`rule: subject = value`), most severe first; for a
    /// sleeping disk, its last known ones.
    pub reasons: Vec<String>,
    /// For a sleeping disk: the verdict of its last full result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_known_verdict: Option<String>,
    /// The age of the values shown (seconds), for a sleeping disk the age
    /// of the last full result.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<u64>,
    /// The runner's error, when the verdict is `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A vdev, from a bay's side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VdevLink {
    /// The pool.
    pub pool: String,
    /// The vdev's name as `zpool status` prints it (`ata-…` for a whole
    /// disk by id, `sdb1`); the path is in the pool's vdev list.
    pub vdev: String,
    /// Its state (`ONLINE`, `FAULTED`, ...).
    pub state: String,
    /// Read errors.
    pub read_errors: u64,
    /// Write errors.
    pub write_errors: u64,
    /// Checksum errors.
    pub checksum_errors: u64,
}

/// A pool.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolHealth {
    /// The name.
    pub name: String,
    /// `ONLINE`, `DEGRADED`, ...
    pub health: String,
    /// pdf/zfs_exporter's code for it: 0 ONLINE, 1 DEGRADED, 2 FAULTED,
    /// 3 OFFLINE, 4 UNAVAIL, 5 REMOVED, 6 SUSPENDED.
    pub health_code: u8,
    /// The worst level of the reasons about this pool.
    pub level: Level,
    /// Files with permanent errors.
    pub data_errors: Option<u64>,
    /// Space.
    pub space: SpaceView,
    /// Every vdev, depth-first (root first).
    pub vdevs: Vec<VdevHealth>,
    /// The last or running scan.
    pub scan: Option<ScanView>,
    /// When the last scrub completed (Unix seconds), when the pool status
    /// still shows one.
    pub last_scrub_completed_unix: Option<u64>,
    /// Its age (seconds).
    pub last_scrub_age_seconds: Option<u64>,
    /// Recent events, newest last.
    pub events: Vec<PoolEvent>,
}

/// Pool space.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpaceView {
    /// Size in bytes.
    pub size_bytes: u64,
    /// Allocated bytes.
    pub allocated_bytes: u64,
    /// Free bytes.
    pub free_bytes: u64,
    /// `allocated / size`, 0..=1.
    pub capacity_ratio: f64,
    /// Free-space fragmentation, 0..=1 (`None` when ZFS cannot tell).
    pub fragmentation_ratio: Option<f64>,
}

/// A vdev, from the pool's side.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VdevHealth {
    /// Its name (`raidz1-0`, or the leaf's path).
    pub name: String,
    /// `root`, `mirror`, `raidz`, `disk`, `file`, ...
    pub vdev_type: String,
    /// Where it sits: `data`, `log`, `special`, `dedup`, `spare`.
    pub class: &'static str,
    /// Nesting depth (the root is 0).
    pub depth: usize,
    /// The path of a leaf.
    pub path: Option<String>,
    /// `ONLINE`, `FAULTED`, ...
    pub state: String,
    /// The state as [`PoolHealth::health_code`] numbers it.
    pub state_code: u8,
    /// Why it is not online, ZFS's aux state (`corrupt_data`, `external`).
    pub aux: Option<String>,
    /// Read errors (`None` when ZFS did not report them).
    pub read_errors: Option<u64>,
    /// Write errors.
    pub write_errors: Option<u64>,
    /// Checksum errors.
    pub checksum_errors: Option<u64>,
    /// The bay of the disk behind a leaf.
    pub bay: Option<u8>,
    /// That disk's block device.
    pub device: Option<String>,
}

/// A scan (scrub, resilver or error scrub).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScanView {
    /// `scrub`, `resilver`, `errorscrub`.
    pub function: String,
    /// `scanning`, `finished`, `canceled`, `paused`, `none`.
    pub state: String,
    /// Issued / to examine, 0..=1.
    pub progress_ratio: f64,
    /// Issue rate over the current pass (bytes per second), while running.
    pub rate_bytes_per_second: Option<f64>,
    /// Errors found (repaired or not).
    pub errors: u64,
    /// Start (Unix seconds).
    pub start_unix: u64,
    /// End (Unix seconds), 0 while running.
    pub end_unix: u64,
}

/// The board, beyond the bays.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoardHealth {
    /// CPU, GPU, board and disk temperatures.
    pub temperatures: Vec<TempHealth>,
    /// The fans.
    pub fans: Vec<FanHealth>,
    /// Why the fans are at full speed, when the fan daemon is in its
    /// fail-safe.
    pub fan_failsafe: Option<String>,
    /// The fan daemon.
    pub fand: DaemonView,
    /// The UPS.
    pub ups: Option<UpsHealth>,
    /// The UPS daemon.
    pub upsd: DaemonView,
    /// LAN1 and LAN2.
    pub nics: Vec<NicHealth>,
    /// IRQ and RPS pinning.
    pub pinning: Option<PinningHealth>,
}

/// One temperature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TempHealth {
    /// `cpu`, `gpu`, `board`, `bay3`.
    pub sensor: String,
    /// °C.
    pub celsius: f64,
}

/// One fan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FanHealth {
    /// `P6` or `P7`.
    pub fan: String,
    /// The duty, 0..=255.
    pub pwm: u8,
    /// `fand` (the daemon's state) or `sysfs` (read directly).
    pub source: &'static str,
}

/// A daemon, as its state file shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DaemonView {
    /// `running`, `stale`, `absent` or `unreadable`.
    pub state: &'static str,
    /// The state file's age (seconds), when stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_seconds: Option<u64>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The UPS.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpsHealth {
    /// On mains power (`None`: unknown).
    pub on_mains: Option<bool>,
    /// `charging`, `discharging`, `full`, `not-charging`, `unknown`.
    pub charge: Option<String>,
    /// The battery voltage (V), when present and measurable.
    pub battery_volts: Option<f64>,
    /// The battery is below its low threshold.
    pub battery_low: bool,
    /// `upsd` or `sysfs`.
    pub source: &'static str,
}

/// A NIC's link against its line rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NicHealth {
    /// `lan1` or `lan2`.
    pub nic: String,
    /// The interface (`end0`).
    pub interface: String,
    /// Carrier present.
    pub carrier: bool,
    /// The negotiated speed (Mb/s).
    pub speed_mbps: Option<u32>,
    /// `full` or `half`.
    pub duplex: Option<String>,
    /// What the port can do: 1000 for LAN1, 2500 for LAN2.
    pub line_rate_mbps: u32,
    /// Linked, but slower than the line rate or at half duplex.
    pub below_line_rate: bool,
}

/// IRQ and RPS pinning against the plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PinningHealth {
    /// Whether drift counts (`pinning = "always"`, or `"auto"` with the
    /// pinning daemon managing the box).
    pub checked: bool,
    /// IRQs in the plan.
    pub irqs_planned: usize,
    /// IRQs not where the plan puts them (`irq N (action): cpus`).
    pub irqs_drifted: Vec<String>,
    /// RPS queues not as planned (`end0 rx-0`).
    pub rps_drifted: Vec<String>,
}

/// A replication job, from its state file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicationHealth {
    /// The job (`[jobs.NAME]` of replicate.toml).
    pub job: String,
    /// When it last ran (Unix seconds).
    pub last_run_unix: u64,
    /// `ok` or `failed`.
    pub result: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The target's newest snapshot.
    pub newest_snapshot: Option<String>,
    /// Its creation (Unix seconds).
    pub newest_snapshot_unix: Option<u64>,
    /// Its age (seconds): how old the backup is.
    pub newest_snapshot_age_seconds: Option<u64>,
    /// Bytes received by the last run.
    pub received_bytes: u64,
    /// The last restore test, when there was one.
    pub verify: Option<RestoreTestView>,
}

/// A job's last restore test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreTestView {
    /// When it ran (Unix seconds).
    pub at_unix: u64,
    /// `ok` or `failed`.
    pub result: &'static str,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Bytes read back.
    pub read_back_bytes: u64,
    /// File bytes compared with the source.
    pub content_bytes_compared: u64,
    /// Why contents were not compared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contents_skipped: Option<String>,
}
