//! Following a scrub on a simulated clock over an in-memory ZFS: progress,
//! a pause at the window's end and when mains is lost, the result.

// Tests fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::Cell;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use helios64_scrub::{Context, Decision, Followed, Refusal, ScrubConfig, Sensors, Window, follow};
use helios64_service::SimClock;
use helios64_zfs_model::{
    Dataset, DatasetName, DatasetOrSnapshot, Health, HoldTag, Holds, PoolName, PoolSpace,
    PoolStatus, PoolSummary, Properties, Result, ScanFunction, ScanState, ScanStats, ScrubRequest,
    Snapshot, SnapshotName, Vdev, VdevState, Zfs,
};

/// A pool whose scrub issues 10 % per status call while it runs.
struct Fake {
    scan: Mutex<Option<ScanStats>>,
    requests: Mutex<Vec<String>>,
}

fn stats(state: ScanState, issued: u64, paused: bool) -> ScanStats {
    ScanStats {
        function: ScanFunction::Scrub,
        state,
        start_time: 1_700_000_000,
        end_time: if state == ScanState::Finished { 1_700_009_000 } else { 0 },
        to_examine: 1_000,
        examined: issued,
        skipped: None,
        processed: 4_096,
        errors: 2,
        pass_examined: issued,
        pass_start: 1_700_000_000,
        pass_scrub_pause: u64::from(paused),
        pass_scrub_spent_paused: 0,
        pass_issued: issued,
        issued,
    }
}

impl Zfs for Fake {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        Ok(Vec::new())
    }
    fn status(&self, pool: &PoolName) -> Result<PoolStatus> {
        let mut scan = self.scan.lock().unwrap();
        if let Some(s) = scan.as_mut()
            && s.is_running()
        {
            s.issued += 100;
            s.pass_issued += 100;
            if s.issued >= s.to_examine {
                *s = stats(ScanState::Finished, 1_000, false);
            }
        }
        let root = Vdev {
            name: pool.to_string(),
            vdev_type: "root".into(),
            guid: 1,
            path: None,
            state: VdevState::Online,
            aux: None,
            not_present: false,
            errors: None,
            slow_ios: None,
            space: None,
            children: Vec::new(),
        };
        Ok(PoolStatus {
            name: pool.clone(),
            guid: 1,
            txg: 1,
            health: Health::Online,
            state: None,
            msgid: None,
            root,
            logs: Vec::new(),
            special: Vec::new(),
            dedup: Vec::new(),
            l2cache: Vec::new(),
            spares: Vec::new(),
            scan: *scan,
            checkpoint: None,
            removal: None,
            error_count: None,
            space: PoolSpace::default(),
        })
    }
    fn request_scrub(&self, _: &PoolName, request: ScrubRequest) -> Result<()> {
        self.requests.lock().unwrap().push(format!("{request:?}"));
        let mut scan = self.scan.lock().unwrap();
        if let (ScrubRequest::Pause, Some(s)) = (request, scan.as_mut()) {
            s.pass_scrub_pause = 1;
        }
        Ok(())
    }
    fn data_errors(&self, _: &PoolName) -> Result<Vec<helios64_zfs_model::DataError>> {
        Ok(Vec::new())
    }
    fn writability(&self, _: &PoolName) -> Result<helios64_zfs_model::PoolWritability> {
        Ok(helios64_zfs_model::PoolWritability::default())
    }
    fn wait_scrub_idle(&self, _: &PoolName) -> Result<()> {
        Ok(())
    }
    fn create_snapshots(&self, _: &[SnapshotName], _: &BTreeMap<String, String>) -> Result<()> {
        Ok(())
    }
    fn destroy_snapshots(&self, _: &[SnapshotName], _: bool) -> Result<()> {
        Ok(())
    }
    fn snapshots(&self, _: &DatasetName) -> Result<Vec<Snapshot>> {
        Ok(Vec::new())
    }
    fn hold_tag(&self, _: &HoldTag, _: &[&SnapshotName]) -> Result<()> {
        Ok(())
    }
    fn release_tag(&self, _: &HoldTag, _: &[&SnapshotName]) -> Result<()> {
        Ok(())
    }
    fn holds(&self, _: &SnapshotName) -> Result<Holds> {
        Ok(Holds::new())
    }
    fn datasets(&self, _: &DatasetName) -> Result<Vec<Dataset>> {
        Ok(Vec::new())
    }
    fn properties(&self, _: &DatasetOrSnapshot) -> Result<Properties> {
        Ok(Properties::new())
    }
}

struct Board {
    /// Mains goes away after this many readings.
    mains_for: Cell<u32>,
}

impl Sensors for Board {
    fn mains_online(&self) -> Option<bool> {
        let left = self.mains_for.get();
        self.mains_for.set(left.saturating_sub(1));
        Some(left > 0)
    }
    fn hottest_disk(&self) -> Option<(String, i64)> {
        Some(("bay 1".into(), 38))
    }
}

fn running() -> Fake {
    Fake {
        scan: Mutex::new(Some(stats(ScanState::Scanning, 0, false))),
        requests: Mutex::new(Vec::new()),
    }
}

fn at(clock: &SimClock, secs: u64) {
    clock.set_wall(UNIX_EPOCH + Duration::from_secs(secs));
}

#[test]
fn follows_to_the_end_and_reports_the_result() {
    let zfs = running();
    let board = Board { mains_for: Cell::new(u32::MAX) };
    let clock = SimClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_600));
    let config = ScrubConfig { progress_secs: 60, ..ScrubConfig::default() };
    let zone = jiff::tz::TimeZone::UTC;
    let records = BTreeMap::new();
    let cx = Context {
        zfs: &zfs,
        sensors: &board,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &records,
    };
    let pool: PoolName = "tank".parse().unwrap();
    let mut reports = Vec::new();
    let mut sleep = |d: Duration| clock.advance(d);
    let end = follow(&cx, &pool, &mut sleep, &mut |p| reports.push(p.to_string())).unwrap();
    assert_eq!(
        end,
        Followed::Finished { end_time: 1_700_009_000, repaired_bytes: 4_096, errors: 2 }
    );
    assert_eq!(reports.len(), 9, "{reports:?}");
    assert!(reports[0].starts_with("10.0% done"), "{reports:?}");
    assert!(reports[0].contains("to go"), "{reports:?}");
}

#[test]
fn pauses_when_mains_is_lost_and_at_the_window_end() {
    let zfs = running();
    let board = Board { mains_for: Cell::new(3) };
    let clock = SimClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_600));
    let config = ScrubConfig::default();
    let zone = jiff::tz::TimeZone::UTC;
    let records = BTreeMap::new();
    let cx = Context {
        zfs: &zfs,
        sensors: &board,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &records,
    };
    let pool: PoolName = "tank".parse().unwrap();
    let mut sleep = |d: Duration| clock.advance(d);
    let end = follow(&cx, &pool, &mut sleep, &mut |_| {}).unwrap();
    assert_eq!(end, Followed::Paused { why: Refusal::OnBattery });
    assert_eq!(*zfs.requests.lock().unwrap(), ["Pause"]);

    // 2023-11-14 22:13:20 UTC; a window 22:00–22:15 ends two minutes in.
    let zfs = running();
    let board = Board { mains_for: Cell::new(u32::MAX) };
    let config = ScrubConfig {
        window: Some(Window { start: "22:00".into(), end: "22:15".into() }),
        progress_secs: 30,
        ..ScrubConfig::default()
    };
    at(&clock, 1_700_000_000);
    let cx = Context {
        zfs: &zfs,
        sensors: &board,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &records,
    };
    let mut sleep = |d: Duration| clock.advance(d);
    let end = follow(&cx, &pool, &mut sleep, &mut |_| {}).unwrap();
    assert_eq!(end, Followed::Paused { why: Refusal::OutsideWindow });
    // The next run inside tomorrow's window resumes it.
    at(&clock, 1_700_000_000 + 86_400 - 300);
    let decisions = cx.decide_all_for(std::slice::from_ref(&pool)).unwrap();
    assert_eq!(decisions[0].1, Decision::Resume);
}
