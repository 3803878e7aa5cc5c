//! Gathering [`Inputs`]: each source on its own, timed, its failure marked
//! and the others still read.
//!
//! The slow or blocking sources (smartctl per disk, ZFS) are separate
//! functions so a caller can run them where it likes: `helios64 health`
//! runs them in turn; the exporter refreshes SMART on a background thread
//! and bounds ZFS with a deadline, then hands the results to [`inputs`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use helios64_fan::{FanState, STATE_SCHEMA as FAN_STATE_SCHEMA};
use helios64_hal::{Root, SataController};
use helios64_service::Clock;
use helios64_service::state::{Freshness, StateDir};
use helios64_smart::report::{self, EntryKind};
use helios64_smart::{DeviceSpec, Error as SmartError, Runner};
use helios64_status::BoxStatus;
use helios64_zfs_model::{ErrorKind, PoolStatus, Zfs};
use smartctl_parser::Verdict;

use crate::config::SmartConfig;
use crate::inputs::{DaemonState, Inputs, PoolEvent, Reading, SmartReading};
use crate::model::CollectorStatus;
use crate::resolve::{self, DiskRef};

/// How old fand's state may be before it counts as stale: its heartbeat
/// rewrites the file every `state_every` cycles (60 × 10 s by default), so
/// twice that plus slack.
pub const FAND_MAX_AGE: Duration = Duration::from_secs(1_260);

/// Pools and their collector status, from [`pools`] or a saved status.
pub type Collected<T> = (Reading<T>, CollectorStatus);

/// What a source did, for [`CollectorStatus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CollectorOutcome {
    /// Read.
    Read,
    /// Failed with this error chain.
    Failed(String),
    /// Not read, for this reason.
    Skipped(String),
}

/// A named, timed source.
#[derive(Debug)]
pub struct Collector {
    name: &'static str,
    started: Instant,
}

impl Collector {
    /// Starts timing source `name`.
    pub fn start(name: &'static str) -> Collector {
        Collector { name, started: Instant::now() }
    }

    /// Its status now.
    pub fn finish(self, outcome: CollectorOutcome) -> CollectorStatus {
        let duration_seconds = self.started.elapsed().as_secs_f64();
        let (success, detail) = match outcome {
            CollectorOutcome::Read => (Some(true), None),
            CollectorOutcome::Failed(e) => (Some(false), Some(e)),
            CollectorOutcome::Skipped(why) => (None, Some(why)),
        };
        CollectorStatus { name: self.name.to_owned(), success, duration_seconds, detail }
    }

    /// Its status for a reading.
    pub fn finish_reading<T>(self, reading: &Reading<T>) -> CollectorStatus {
        self.finish(match reading {
            Reading::Read(_) => CollectorOutcome::Read,
            Reading::Failed(e) => CollectorOutcome::Failed(e.clone()),
            Reading::Skipped(w) => CollectorOutcome::Skipped(w.clone()),
        })
    }
}

/// The devices to check: every bay disk with a block device, as SAT (the
/// JMB585 is AHCI: its disks are ATA behind libata's SCSI translation, and
/// naming the type spares smartctl the probe).
pub fn bay_devices(board: &BoxStatus) -> Vec<DeviceSpec> {
    board
        .bays
        .iter()
        .flatten()
        .filter_map(|b| b.bay.disk.as_ref()?.block_device.as_ref())
        .map(|dev| DeviceSpec::with_type(format!("/dev/{dev}"), "sat"))
        .collect()
}

/// The bay disks, straight from the SATA controller (without reading the
/// rest of the board): for a thread that refreshes SMART on its own.
pub fn bay_devices_of(
    root: &Root,
    sata_controller: Option<&str>,
) -> Result<Vec<DeviceSpec>, String> {
    let err = |e: helios64_hal::Error| helios64_text::error_chain(&e);
    let controller = match sata_controller {
        Some(address) => SataController::at(root, address),
        None => SataController::find(root),
    };
    let bays = controller.and_then(|c| c.bays()).map_err(err)?;
    let mut out = Vec::new();
    for bay in bays {
        if let Some(dev) = bay.block_device().map_err(err)? {
            out.push(DeviceSpec::with_type(format!("/dev/{dev}"), "sat"));
        }
    }
    Ok(out)
}

/// A runner as `[smart]` configures it, with its state file loaded. A
/// state file that cannot be read loses only the last known values: the
/// runner starts without them, and the error comes back to be reported.
pub fn smart_runner(config: &SmartConfig) -> (Runner, Option<String>) {
    let base = || {
        Runner::new()
            .smartctl(&config.smartctl)
            .timeout(Duration::from_secs(config.timeout_seconds))
    };
    if config.state_file.as_os_str().is_empty() {
        return (base(), None);
    }
    match base().with_state_file(&config.state_file) {
        Ok(runner) => (runner, None),
        Err(e) => (base(), Some(helios64_text::error_chain(&e))),
    }
}

/// Runs the standby-safe runner on `devices`. smartctl missing fails the
/// whole source; a device that fails keeps its own error entry.
pub fn smart_with_runner(runner: &Runner, devices: &[DeviceSpec]) -> Collected<Vec<SmartReading>> {
    let c = Collector::start("smart");
    let mut readings = Vec::new();
    for (device, result) in runner.check_all(devices) {
        match result {
            Ok(r) => {
                let (output, taken_at) = match (&r.assessment.verdict, &r.last_known) {
                    (Verdict::Asleep, Some(last)) => {
                        (Some(Arc::new(last.output.clone())), Some(last.taken_at))
                    }
                    (Verdict::Asleep, None) => (None, None),
                    _ => (Some(Arc::new(r.output.clone())), Some(SystemTime::now())),
                };
                readings.push(SmartReading {
                    device: device.path.clone(),
                    entry: report::from_report(r),
                    output,
                    output_taken_at: taken_at,
                });
            }
            Err(e @ SmartError::SmartctlNotFound { .. }) => {
                let reading = Reading::Failed(helios64_text::error_chain(&e));
                let status = c.finish_reading(&reading);
                return (reading, status);
            }
            Err(e) => readings.push(SmartReading {
                device: device.path.clone(),
                entry: report::failed(device.to_string(), EntryKind::Device, &e),
                output: None,
                output_taken_at: None,
            }),
        }
    }
    let reading = Reading::Read(readings);
    let status = c.finish_reading(&reading);
    (reading, status)
}

/// SMART from saved `smartctl --json` outputs (a fixture run): each names
/// its device in `device.name`; `taken_at` stands for when they were taken.
pub fn smart_from_saved(
    files: &[(String, Vec<u8>)],
    taken_at: SystemTime,
) -> Collected<Vec<SmartReading>> {
    let c = Collector::start("smart");
    let mut readings = Vec::new();
    for (label, bytes) in files {
        for (source, parsed) in smartctl_parser::parse_all(bytes, label) {
            let reading = match parsed {
                Ok(output) => {
                    let device = output
                        .device
                        .as_ref()
                        .and_then(|d| d.name.clone())
                        .unwrap_or_else(|| source.clone());
                    let assessment = smartctl_parser::judge(&output);
                    let asleep = assessment.verdict == Verdict::Asleep;
                    let entry = report::judged(source, EntryKind::File, &output, assessment);
                    SmartReading {
                        device,
                        entry,
                        output: (!asleep).then(|| Arc::new(output)),
                        output_taken_at: (!asleep).then_some(taken_at),
                    }
                }
                Err(e) => SmartReading {
                    device: source.clone(),
                    entry: report::failed(source, EntryKind::File, &e),
                    output: None,
                    output_taken_at: None,
                },
            };
            readings.push(reading);
        }
    }
    let reading = Reading::Read(readings);
    let status = c.finish_reading(&reading);
    (reading, status)
}

/// Every imported pool's status. A pool exported or destroyed between the
/// listing and its status read is left out (it is no longer imported); any
/// other failure fails the source.
pub fn pools(zfs: &dyn Zfs) -> Collected<Vec<PoolStatus>> {
    let c = Collector::start("zfs");
    let reading = (|| {
        let mut out = Vec::new();
        for summary in zfs.pools().map_err(|e| helios64_text::error_chain(&e))? {
            match zfs.status(&summary.name) {
                Ok(status) => out.push(status),
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(helios64_text::error_chain(&e)),
            }
        }
        Ok(out)
    })();
    let reading = match reading {
        Ok(pools) => Reading::Read(pools),
        Err(e) => Reading::Failed(e),
    };
    let status = c.finish_reading(&reading);
    (reading, status)
}

/// Pools from saved `zpool status -jp --json-int` documents (a fixture
/// run): every pool in each. `zpool status` carries no pool properties, so
/// the space is the root vdev's (allocated and total) and fragmentation is
/// unknown.
pub fn pools_from_saved(files: &[(String, String)]) -> Collected<Vec<PoolStatus>> {
    let c = Collector::start("zfs");
    let reading = (|| {
        let mut out = Vec::new();
        for (label, text) in files {
            let doc: serde_json::Value =
                serde_json::from_str(text).map_err(|e| format!("{label}: not JSON: {e}"))?;
            let names: Vec<String> = doc
                .get("pools")
                .and_then(serde_json::Value::as_object)
                .map(|pools| pools.keys().cloned().collect())
                .ok_or_else(|| {
                    format!("{label}: no \"pools\" object (not zpool status -j output)")
                })?;
            for name in names {
                let mut status = helios64_zfs::cli::parse::parse_status(text, &name)
                    .map_err(|e| format!("{label}: {}", helios64_text::error_chain(&e)))?;
                if let Some(space) = status.root.space {
                    status.space = helios64_zfs_model::PoolSpace {
                        size: space.total,
                        allocated: space.allocated,
                        free: space.total.saturating_sub(space.allocated),
                        capacity_percent: space
                            .allocated
                            .saturating_mul(100)
                            .checked_div(space.total)
                            .unwrap_or(0),
                        fragmentation_percent: None,
                    };
                }
                out.push(status);
            }
        }
        Ok::<_, String>(out)
    })();
    let reading = match reading {
        Ok(pools) => Reading::Read(pools),
        Err(e) => Reading::Failed(e),
    };
    let status = c.finish_reading(&reading);
    (reading, status)
}

/// A source that was not read, with why.
pub fn skipped<T>(name: &'static str, why: impl Into<String>) -> Collected<T> {
    let why = why.into();
    let status = Collector::start(name).finish(CollectorOutcome::Skipped(why.clone()));
    (Reading::Skipped(why), status)
}

/// Resolves every leaf vdev path of `pools` under `root`.
pub fn disk_links(root: &Root, pools: &[PoolStatus]) -> BTreeMap<String, DiskRef> {
    let mut out = BTreeMap::new();
    for pool in pools {
        for vdev in pool.all_vdevs() {
            if let Some(path) = vdev.path.as_deref().filter(|_| vdev.children.is_empty())
                && let Some(disk) = resolve::resolve(root, path)
            {
                out.insert(path.to_owned(), disk);
            }
        }
    }
    out
}

/// fand's state file.
pub fn fand_state(states: &StateDir, clock: &dyn Clock) -> DaemonState<FanState> {
    match states.read::<FanState>("fand", FAN_STATE_SCHEMA, FAND_MAX_AGE, clock) {
        Ok(Freshness::Fresh(s)) => DaemonState::Fresh(s),
        Ok(Freshness::Stale { age, state }) => DaemonState::Stale { age, state },
        Ok(Freshness::Absent) => DaemonState::Absent,
        Err(e) => DaemonState::Unreadable(helios64_text::error_chain(&e)),
    }
}

/// How old upsd's state may be: it is rewritten on every change and at
/// least every `state_every_secs` (60 by default).
pub const UPSD_MAX_AGE: Duration = Duration::from_secs(300);

/// upsd's state file.
pub fn upsd_state(states: &StateDir, clock: &dyn Clock) -> DaemonState<helios64_ups::UpsState> {
    match states.read::<helios64_ups::UpsState>(
        "upsd",
        helios64_ups::STATE_SCHEMA,
        UPSD_MAX_AGE,
        clock,
    ) {
        Ok(Freshness::Fresh(s)) => DaemonState::Fresh(s),
        Ok(Freshness::Stale { age, state }) => DaemonState::Stale { age, state },
        Ok(Freshness::Absent) => DaemonState::Absent,
        Err(e) => DaemonState::Unreadable(helios64_text::error_chain(&e)),
    }
}

/// `helios64-replicate`'s state file in `dir` (on the box: under `root`).
pub fn replication_state(
    root: &Root,
    dir: &std::path::Path,
    clock: &dyn Clock,
) -> DaemonState<helios64_replication::ReplicationState> {
    use helios64_replication::state::{STATE_NAME, STATE_SCHEMA};
    let states = StateDir::new(root.base().join(dir.strip_prefix("/").unwrap_or(dir)));
    // A oneshot's file is as old as its last run; freshness is judged per
    // job, from its newest target snapshot.
    match states.read(STATE_NAME, STATE_SCHEMA, Duration::MAX, clock) {
        Ok(Freshness::Fresh(s) | Freshness::Stale { state: s, .. }) => DaemonState::Fresh(s),
        Ok(Freshness::Absent) => DaemonState::Absent,
        Err(e) => DaemonState::Unreadable(helios64_text::error_chain(&e)),
    }
}

/// Whether `helios64-pin` manages the box: its state file exists.
pub fn pin_managed(root: &Root, states: &StateDir) -> bool {
    root.exists(&states.path("pin")).unwrap_or(false)
}

/// Reads the whole board under `root`, the bays on `sata_controller` (the
/// JMB585 when `None`). It never fails as a whole: a section that cannot
/// be read is listed in its errors.
pub fn board(root: &Root, sata_controller: Option<&str>) -> (BoxStatus, CollectorStatus) {
    let c = Collector::start("board");
    let board = BoxStatus::collect_with(root, sata_controller);
    let status = c.finish(if board.errors.is_empty() {
        CollectorOutcome::Read
    } else {
        CollectorOutcome::Failed(format!("{} section(s) or item(s) unreadable", board.errors.len()))
    });
    (board, status)
}

/// Assembles the inputs: the board as read by [`board`], the daemons'
/// state files under `states`, and SMART, pools and events as gathered.
pub fn inputs(
    root: &Root,
    states: &StateDir,
    clock: &dyn Clock,
    (board, board_status): (BoxStatus, CollectorStatus),
    smart: Collected<Vec<SmartReading>>,
    pools: Collected<Vec<PoolStatus>>,
    pool_events: Vec<PoolEvent>,
) -> Inputs {
    let c = Collector::start("fand");
    let fand = fand_state(states, clock);
    let fand_status = c.finish(match &fand {
        DaemonState::Unreadable(e) => CollectorOutcome::Failed(e.clone()),
        DaemonState::Absent => CollectorOutcome::Skipped("not running".into()),
        DaemonState::Fresh(_) | DaemonState::Stale { .. } => CollectorOutcome::Read,
    });
    let upsd = upsd_state(states, clock);
    let disk_links = match &pools.0 {
        Reading::Read(p) => disk_links(root, p),
        _ => BTreeMap::new(),
    };
    Inputs {
        pin_managed: pin_managed(root, states),
        collectors: vec![board_status, smart.1, pools.1, fand_status],
        board,
        smart: smart.0,
        pools: pools.0,
        pool_events,
        disk_links,
        fand,
        upsd,
        replication: DaemonState::Absent,
    }
}
