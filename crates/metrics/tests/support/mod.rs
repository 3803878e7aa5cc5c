//! The fixture boards' inputs for the metrics tests, and the armbian
//! board in every state a family depends on.

#![allow(dead_code, clippy::unwrap_used, clippy::panic, clippy::disallowed_methods)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use helios64_fan::{FanState, FanStateEntry};
use helios64_hal::testing::{Fixture, fixtures_dir};
use helios64_health::collect;
use helios64_health::{
    DaemonState, Health, HealthConfig, Inputs, PoolEvent, Reading, SmartReading, assess,
};
use helios64_metrics::{Snapshot, families};
use helios64_replication::{JobRecord, ReplicationState, VerifyRecord};
use helios64_service::SimClock;
use helios64_service::state::StateDir;
use helios64_zfs_model::ScanState;

pub(crate) const NOW: u64 = 1_796_000_000;

pub(crate) fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

pub(crate) fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn saved_inputs(fixture: Fixture, board: &str) -> Inputs {
    let dir = fixtures_dir().join("health").join(board);
    let mut smart: Vec<_> =
        std::fs::read_dir(dir.join("smart")).unwrap().map(|e| e.unwrap().path()).collect();
    smart.sort();
    let files: Vec<_> = smart
        .iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()))
        .collect();
    let pools = std::fs::read_to_string(dir.join("zpool-status.json")).unwrap();
    let states = tempfile::tempdir().unwrap();
    let mut inputs = collect::inputs(
        &fixture.root(),
        &StateDir::new(states.path()),
        &SimClock::new(now()),
        collect::board(&fixture.root(), None),
        collect::smart_from_saved(&files, now()),
        collect::pools_from_saved(&[("zpool-status.json".into(), pools)]),
        Vec::new(),
    );
    for c in &mut inputs.collectors {
        c.duration_seconds = 0.0;
    }
    inputs
}

pub(crate) fn readings(inputs: &Inputs) -> Vec<SmartReading> {
    match &inputs.smart {
        Reading::Read(r) => r.clone(),
        _ => Vec::new(),
    }
}

/// The armbian board in every state a family depends on: a scrub running,
/// fand running, events, an NVMe disk, a disk with ERC timers.
pub(crate) fn rich() -> (Health, Vec<SmartReading>) {
    let mut inputs = saved_inputs(Fixture::Armbian, "armbian");
    if let Reading::Read(pools) = &mut inputs.pools {
        let s = pools[0].scan.as_mut().unwrap();
        s.state = ScanState::Scanning;
        s.end_time = 0;
        s.pass_start = NOW - 600;
        s.pass_issued = 6_000_000;
        s.issued = 1_000_000;
        pools[0].space.fragmentation_percent = Some(12);
    }
    inputs.fand = DaemonState::Fresh(FanState {
        failsafe: None,
        fans: vec![FanStateEntry {
            fan: "P6".into(),
            pwm: 80,
            target: 80,
            driven_by: Some("cpu".into()),
            driven_by_celsius: Some(45.0),
        }],
        temps_celsius: Default::default(),
        asleep_bays: Vec::new(),
        dry_run: false,
        stopped: false,
    });
    inputs.pool_events = vec![PoolEvent {
        pool: "tank".into(),
        class: "sysevent.fs.zfs.scrub_start".into(),
        time_unix: NOW - 600,
        vdev_path: None,
    }];
    let extra: Vec<(String, Vec<u8>)> = [
        "smartctl_exporter/nvme-null-Samsung_SSD_970_EVO_Plus_250GB-nvme0.json",
        "scrutiny/smart-ata-full.json",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(fixtures_dir().join("smartctl").join(f)).unwrap()))
    .collect();
    let (Reading::Read(more), _) = collect::smart_from_saved(&extra, now()) else { panic!() };
    if let Reading::Read(r) = &mut inputs.smart {
        r.extend(more);
    }
    let mut replication = ReplicationState::default();
    replication.record_run(
        "usb",
        JobRecord {
            last_run: NOW - 300,
            newest_target_snapshot: Some("usb/home@autosnap_hourly".into()),
            newest_target_creation: Some(NOW - 3600),
            received_bytes: 1 << 20,
            ..JobRecord::default()
        },
    );
    replication.record_verify("usb", VerifyRecord { at: NOW - 86_400, ..VerifyRecord::default() });
    inputs.replication = DaemonState::Fresh(replication);
    let health = assess(&inputs, &HealthConfig::default(), now());
    (health, readings(&inputs))
}

/// Every family name the exporter emits in some state: the rich state and
/// the plain armbian board (a finished scrub).
pub(crate) fn emitted_names() -> BTreeSet<String> {
    let (health, smart) = rich();
    let mut names: BTreeSet<String> =
        families(&Snapshot { health: &health, smart: &smart, collectors: &[] })
            .iter()
            .map(|f| f.name.to_owned())
            .collect();
    let plain = saved_inputs(Fixture::Armbian, "armbian");
    let health = assess(&plain, &HealthConfig::default(), now());
    names.extend(
        families(&Snapshot { health: &health, smart: &readings(&plain), collectors: &[] })
            .iter()
            .map(|f| f.name.to_owned()),
    );
    names
}
