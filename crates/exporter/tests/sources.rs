//! The slow sources' guards, on a fake ZFS and a missing smartctl: a hung
//! ZFS read costs a scrape its deadline and no more, is never queued
//! twice, and recovers; a pool exported mid-read is left out; SMART
//! without smartctl is a failed source.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use helios64_exporter::sources::{EventSource, SmartRefresher, ZfsWorker};
use helios64_hal::testing::Fixture;
use helios64_health::{PoolEvent, Reading, SmartConfig};
use helios64_zfs::{
    Call, Dataset, DatasetName, DatasetOrSnapshot, HoldTag, Holds, PoolName, PoolStatus,
    PoolSummary, Properties, Result, ScrubRequest, Snapshot, SnapshotName, Zfs, ZfsError,
};

fn pool(name: &str) -> PoolStatus {
    let text = std::fs::read_to_string(
        helios64_hal::testing::fixtures_dir().join("zfs/2.3.2/zpool-status-healthy.json"),
    )
    .unwrap();
    let mut p = helios64_zfs::cli::parse::parse_status(&text, "fxhealthy").unwrap();
    p.name = name.parse().unwrap();
    p
}

/// Pools listed; `status` blocks while `hang` is set, and a pool in
/// `vanish` is gone by the time its status is read.
#[derive(Default)]
struct FakeZfs {
    pools: Vec<String>,
    vanish: Vec<String>,
    hang: Arc<Mutex<bool>>,
    calls: Arc<Mutex<u32>>,
}

fn unsupported(call: Call) -> ZfsError {
    ZfsError::from_errno(call, "fake", libc_enotsup())
}

fn libc_enotsup() -> i32 {
    95
}

impl Zfs for FakeZfs {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        Ok(self
            .pools
            .iter()
            .map(|n| PoolSummary {
                name: n.parse().unwrap(),
                guid: 1,
                health: helios64_zfs::Health::Online,
                space: Default::default(),
            })
            .collect())
    }
    fn status(&self, name: &PoolName) -> Result<PoolStatus> {
        *self.calls.lock().unwrap() += 1;
        while *self.hang.lock().unwrap() {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.vanish.iter().any(|v| name == v.as_str()) {
            return Err(ZfsError::from_errno(Call::ZpoolOpen, name.as_str(), 2));
        }
        Ok(pool(name.as_str()))
    }
    fn data_errors(&self, _: &PoolName) -> Result<Vec<helios64_zfs::DataError>> {
        Err(unsupported(Call::ZpoolGetErrlog))
    }
    fn request_scrub(&self, _: &PoolName, _: ScrubRequest) -> Result<()> {
        Err(unsupported(Call::LzcScrub))
    }
    fn writability(&self, _: &PoolName) -> Result<helios64_zfs::PoolWritability> {
        Ok(helios64_zfs::PoolWritability::default())
    }
    fn wait_scrub_idle(&self, _: &PoolName) -> Result<()> {
        Err(unsupported(Call::LzcWait))
    }
    fn create_snapshots(&self, _: &[SnapshotName], _: &BTreeMap<String, String>) -> Result<()> {
        Err(unsupported(Call::LzcSnapshot))
    }
    fn destroy_snapshots(&self, _: &[SnapshotName], _: bool) -> Result<()> {
        Err(unsupported(Call::LzcDestroySnaps))
    }
    fn snapshots(&self, _: &DatasetName) -> Result<Vec<Snapshot>> {
        Err(unsupported(Call::ZpoolIter))
    }
    fn hold_tag(&self, _: &HoldTag, _: &[&SnapshotName]) -> Result<()> {
        Err(unsupported(Call::LzcHold))
    }
    fn release_tag(&self, _: &HoldTag, _: &[&SnapshotName]) -> Result<()> {
        Err(unsupported(Call::LzcRelease))
    }
    fn holds(&self, _: &SnapshotName) -> Result<Holds> {
        Err(unsupported(Call::LzcGetHolds))
    }
    fn datasets(&self, _: &DatasetName) -> Result<Vec<Dataset>> {
        Err(unsupported(Call::ZpoolIter))
    }
    fn properties(&self, _: &DatasetOrSnapshot) -> Result<Properties> {
        Err(unsupported(Call::ZpoolIter))
    }
}

#[test]
fn a_hung_zfs_read_costs_the_deadline_is_not_queued_twice_and_recovers() {
    let hang = Arc::new(Mutex::new(true));
    let calls = Arc::new(Mutex::new(0));
    let fake = FakeZfs {
        pools: vec!["tank".into()],
        hang: Arc::clone(&hang),
        calls: Arc::clone(&calls),
        ..FakeZfs::default()
    };
    let worker = ZfsWorker::start(Box::new(fake), None);
    let started = Instant::now();
    let ((reading, status), _) = worker.read(Duration::from_millis(200));
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(200) && took < Duration::from_secs(2), "{took:?}");
    let Reading::Failed(why) = reading else { panic!("a hung read must fail the source") };
    assert!(why.contains("200 ms deadline"), "{why}");
    assert_eq!(status.success, Some(false));
    // Still hung: the next scrape fails at once, and nothing is queued.
    let started = Instant::now();
    let ((reading, _), _) = worker.read(Duration::from_secs(5));
    assert!(started.elapsed() < Duration::from_millis(100));
    let Reading::Failed(why) = reading else { panic!() };
    assert!(why.contains("has not returned"), "{why}");
    assert_eq!(*calls.lock().unwrap(), 1);
    // Unstuck: the late answer is dropped, the next read works.
    *hang.lock().unwrap() = false;
    let ok = (0..50).find_map(|_| {
        let ((reading, _), _) = worker.read(Duration::from_secs(2));
        match reading {
            Reading::Read(pools) => Some(pools),
            _ => {
                std::thread::sleep(Duration::from_millis(50));
                None
            }
        }
    });
    assert_eq!(ok.unwrap().len(), 1);
}

#[test]
fn a_pool_exported_mid_read_is_left_out() {
    let fake = FakeZfs {
        pools: vec!["tank".into(), "gone".into()],
        vanish: vec!["gone".into()],
        ..FakeZfs::default()
    };
    let worker = ZfsWorker::start(Box::new(fake), None);
    let ((reading, status), _) = worker.read(Duration::from_secs(5));
    let Reading::Read(pools) = reading else { panic!("{status:?}") };
    assert_eq!(pools.iter().map(|p| p.name.to_string()).collect::<Vec<_>>(), ["tank"]);
}

struct Scripted(Vec<Vec<PoolEvent>>);

impl EventSource for Scripted {
    fn drain(&mut self) -> Vec<PoolEvent> {
        if self.0.is_empty() { Vec::new() } else { self.0.remove(0) }
    }
}

#[test]
fn events_are_kept_per_pool_and_bounded() {
    let event = |n: u64| PoolEvent {
        pool: "tank".into(),
        class: format!("c{n}"),
        time_unix: n,
        vdev_path: None,
    };
    let batches = vec![(0..20).map(event).collect(), vec![event(20)]];
    let fake = FakeZfs { pools: vec!["tank".into()], ..FakeZfs::default() };
    let worker = ZfsWorker::start(Box::new(fake), Some(Box::new(Scripted(batches))));
    let (_, first) = worker.read(Duration::from_secs(5));
    assert_eq!(first.len(), helios64_exporter::sources::EVENTS_PER_POOL);
    assert_eq!(first.last().unwrap().time_unix, 19);
    let (_, second) = worker.read(Duration::from_secs(5));
    assert_eq!(second.last().unwrap().time_unix, 20);
    assert_eq!(second.len(), helios64_exporter::sources::EVENTS_PER_POOL);
}

#[test]
fn smart_without_smartctl_is_a_failed_source_not_a_panic() {
    let config = SmartConfig {
        smartctl: "/nonexistent/smartctl".into(),
        state_file: "".into(),
        ..SmartConfig::default()
    };
    let refresher =
        SmartRefresher::start(Fixture::Armbian.root(), config, None, Duration::from_secs(3600));
    // Before the first run: skipped, not failed.
    let deadline = Instant::now() + Duration::from_secs(20);
    while refresher.runs() == 0 {
        assert!(Instant::now() < deadline, "no SMART run");
        std::thread::sleep(Duration::from_millis(20));
    }
    let (reading, status) = refresher.latest();
    let Reading::Failed(why) = reading else { panic!("{status:?}") };
    assert!(why.contains("smartctl not found at /nonexistent/smartctl"), "{why}");
    refresher.stop();
}
