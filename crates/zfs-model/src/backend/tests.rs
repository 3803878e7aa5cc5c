//! The provided methods over a recording backend: what reaches the
//! primitives, in which groups, and which rules stop a call first.

use std::sync::Mutex;

use super::*;
use crate::model::{
    Health, PoolSpace, ScanFunction, ScanState, ScanStats, SpareState, Vdev, VdevAux, VdevState,
};

/// A backend that records every primitive call and fails a hold or release
/// on snapshots named `…@gone` with `NotFound` (on `…@denied`, with
/// `PermissionDenied`). Pools are writable unless [`Recorder::with_pool`]
/// says otherwise; which pools were asked is kept apart from the calls.
struct Recorder {
    calls: Mutex<Vec<String>>,
    paused: bool,
    pools: BTreeMap<String, PoolWritability>,
    asked: Mutex<Vec<String>>,
    /// Pools `tank`, `broken` and `user`: `tank` lists spare 77, in use by
    /// `user` (in its tree); `broken`'s status cannot be read.
    shared_spare: bool,
}

impl Recorder {
    fn new(paused: bool) -> Recorder {
        Recorder {
            calls: Mutex::new(Vec::new()),
            paused,
            pools: BTreeMap::new(),
            asked: Mutex::new(Vec::new()),
            shared_spare: false,
        }
    }

    fn with_pool(mut self, pool: &str, readonly: bool, suspended: bool) -> Recorder {
        self.pools.insert(pool.to_owned(), PoolWritability { readonly, suspended });
        self
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }

    fn record(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn tagged(&self, op: &str, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        let names: Vec<&str> = snapshots.iter().map(|s| s.as_str()).collect();
        self.record(format!("{op} {tag} {}", names.join(" ")));
        let failing = |short: &str| snapshots.iter().find(|s| s.short_name() == short);
        if let Some(s) = failing("gone") {
            return Err(ZfsError::from_errno(crate::Call::LzcHold, s.as_str(), libc::ENOENT));
        }
        if let Some(s) = failing("denied") {
            return Err(ZfsError::from_errno(crate::Call::LzcHold, s.as_str(), libc::EPERM));
        }
        Ok(())
    }
}

fn pool_status(pool: &PoolName, paused: bool) -> PoolStatus {
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
    let scan = ScanStats {
        function: ScanFunction::Scrub,
        state: ScanState::Scanning,
        start_time: 1,
        end_time: 0,
        to_examine: 10,
        examined: 1,
        skipped: None,
        processed: 0,
        errors: 0,
        pass_examined: 1,
        pass_start: 1,
        pass_scrub_pause: u64::from(paused),
        pass_scrub_spent_paused: 0,
        pass_issued: 0,
        issued: 0,
    };
    PoolStatus {
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
        scan: Some(scan),
        checkpoint: None,
        removal: None,
        error_count: None,
        space: PoolSpace::default(),
    }
}

impl Zfs for Recorder {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        let names = if self.shared_spare { &["broken", "tank", "user"][..] } else { &[] };
        Ok(names
            .iter()
            .map(|n| PoolSummary {
                name: PoolName::try_from(*n).unwrap(),
                guid: 1,
                health: Health::Online,
                space: PoolSpace::default(),
            })
            .collect())
    }
    fn status(&self, pool: &PoolName) -> Result<PoolStatus> {
        self.record(format!("status {pool}"));
        let mut status = pool_status(pool, self.paused);
        if self.shared_spare {
            let mut spare = status.root.clone();
            (spare.guid, spare.state, spare.aux) = (77, VdevState::CantOpen, Some(VdevAux::Spared));
            match pool.as_str() {
                "broken" => {
                    return Err(ZfsError::malformed("zpool status JSON", "broken", "no txg"));
                }
                "user" => status.root.children.push(Vdev { children: Vec::new(), ..spare }),
                _ => status.spares.push(spare),
            }
        }
        Ok(status)
    }
    fn data_errors(&self, _: &PoolName) -> Result<Vec<DataError>> {
        Ok(Vec::new())
    }
    fn request_scrub(&self, pool: &PoolName, request: ScrubRequest) -> Result<()> {
        self.record(format!("scrub {pool} {request:?}"));
        Ok(())
    }
    fn wait_scrub_idle(&self, pool: &PoolName) -> Result<()> {
        self.record(format!("wait {pool}"));
        Ok(())
    }
    fn writability(&self, pool: &PoolName) -> Result<PoolWritability> {
        self.asked.lock().unwrap().push(pool.to_string());
        Ok(self.pools.get(pool.as_str()).copied().unwrap_or_default())
    }
    fn create_snapshots(
        &self,
        snapshots: &[SnapshotName],
        user_props: &BTreeMap<String, String>,
    ) -> Result<()> {
        self.record(format!("snapshot {} {user_props:?}", names::describe(snapshots)));
        Ok(())
    }
    fn destroy_snapshots(&self, _: &[SnapshotName], _: bool) -> Result<()> {
        Ok(())
    }
    fn snapshots(&self, _: &DatasetName) -> Result<Vec<Snapshot>> {
        Ok(Vec::new())
    }
    fn hold_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        self.tagged("hold", tag, snapshots)
    }
    fn release_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        self.tagged("release", tag, snapshots)
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

fn pool() -> PoolName {
    PoolName::try_from("tank").unwrap()
}

fn hold(snapshot: &str, tag: &str) -> Hold {
    Hold::parse(snapshot, tag).unwrap()
}

#[test]
fn resume_asks_the_backend_only_for_a_paused_scrub() {
    let running = Recorder::new(false);
    let err = running.scrub(&pool(), ScrubAction::Resume).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "no paused scrub to resume on pool tank");
    assert_eq!(running.calls(), ["status tank"], "no scrub was requested");

    let paused = Recorder::new(true);
    paused.scrub(&pool(), ScrubAction::Resume).unwrap();
    assert_eq!(paused.calls(), ["status tank", "scrub tank StartOrResume"]);
}

#[test]
fn the_other_scrub_actions_map_to_one_request_each() {
    let zfs = Recorder::new(false);
    for action in [ScrubAction::Start, ScrubAction::Pause, ScrubAction::Cancel] {
        zfs.scrub(&pool(), action).unwrap();
    }
    assert_eq!(
        zfs.calls(),
        ["scrub tank StartOrResume", "scrub tank Pause", "scrub tank Cancel"],
        "no status read: only Resume needs one"
    );
}

#[test]
fn holds_are_grouped_by_tag_and_a_missing_snapshot_does_not_stop_the_others() {
    let zfs = Recorder::new(false);
    let holds = [
        hold("tank/a@1", "keep"),
        hold("tank/b@gone", "backup"),
        hold("tank/a@1", "backup"),
        hold("tank/b@1", "keep"),
        hold("tank/a@1", "keep"),
    ];
    let err = zfs.hold(&holds).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.target(), Some("tank/b@gone"));
    // Tags in order, each once with its snapshots in order, duplicates once.
    assert_eq!(zfs.calls(), ["hold backup tank/b@gone tank/a@1", "hold keep tank/a@1 tank/b@1"]);

    let zfs = Recorder::new(false);
    zfs.release(&[hold("tank/a@1", "x"), hold("tank/a@gone", "y")]).unwrap_err();
    assert_eq!(zfs.calls(), ["release x tank/a@1", "release y tank/a@gone"]);
}

#[test]
fn any_other_hold_failure_stops_at_once() {
    let zfs = Recorder::new(false);
    let err = zfs.hold(&[hold("tank/a@denied", "a"), hold("tank/a@1", "b")]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied);
    assert_eq!(zfs.calls(), ["hold a tank/a@denied"]);
    assert!(Recorder::new(false).hold(&[]).is_ok());
}

#[test]
fn snapshot_checks_user_properties_before_the_backend_runs() {
    let zfs = Recorder::new(false);
    let snaps = [SnapshotName::try_from("tank/a@s").unwrap()];
    let bad = BTreeMap::from([("a:b=c".to_owned(), "v".to_owned())]);
    let err = zfs.snapshot(&snaps, &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(zfs.snapshot(&[], &bad).is_err(), "checked even with nothing to snapshot");
    zfs.snapshot(&[], &BTreeMap::new()).unwrap();
    let good = BTreeMap::from([("helios64:policy".to_owned(), "daily".to_owned())]);
    zfs.snapshot(&snaps, &good).unwrap();
    assert_eq!(zfs.calls(), [r#"snapshot tank/a@s {"helios64:policy": "daily"}"#]);
}

#[test]
fn destroy_groups_by_dataset() {
    let snaps: Vec<SnapshotName> = ["tank/a@1", "tank/b@1", "tank/a@2", "tank/a@1"]
        .iter()
        .map(|s| SnapshotName::try_from(*s).unwrap())
        .collect();
    let groups: Vec<(String, Vec<&str>)> =
        by_dataset(&snaps).into_iter().map(|(d, s)| (d.into_string(), s)).collect();
    assert_eq!(groups, [("tank/a".to_owned(), vec!["1", "2"]), ("tank/b".to_owned(), vec!["1"])]);
}

#[test]
fn nothing_reaches_a_primitive_on_a_read_only_or_suspended_pool() {
    let s = |name: &str| SnapshotName::try_from(name).unwrap();
    for (readonly, suspended, kind) in
        [(true, false, ErrorKind::ReadOnly), (false, true, ErrorKind::Busy)]
    {
        let zfs = Recorder::new(true).with_pool("ro", readonly, suspended);
        let ro = PoolName::try_from("ro").unwrap();
        let mut errors = Vec::new();
        for action in
            [ScrubAction::Start, ScrubAction::Pause, ScrubAction::Resume, ScrubAction::Cancel]
        {
            errors.push(zfs.scrub(&ro, action).unwrap_err());
        }
        errors.push(zfs.wait_scrub(&ro).unwrap_err());
        errors.push(zfs.snapshot(&[s("ro/a@1"), s("ro/b@1")], &BTreeMap::new()).unwrap_err());
        errors.push(zfs.hold(&[hold("tank/a@1", "t"), hold("ro/a@1", "t")]).unwrap_err());
        errors.push(zfs.release(&[hold("ro/a@1", "t")]).unwrap_err());
        for e in &errors {
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(e.target(), Some("ro"), "{e}");
        }
        let expected = if readonly {
            "pool ro is imported read-only: scrub refused"
        } else {
            "I/O on pool ro is suspended: scrub refused"
        };
        assert_eq!(errors[0].to_string(), expected);
        assert!(matches!(
            (&errors[4], readonly),
            (ZfsError::PoolReadOnly { operation: "wait for scrub", .. }, true)
                | (ZfsError::PoolSuspended { operation: "wait for scrub", .. }, false)
        ));
        assert_eq!(zfs.calls(), Vec::<String>::new(), "no primitive and no status was called");
        // Every pool of a multi-pool call is asked, the writable one first.
        assert_eq!(zfs.asked(), ["ro", "ro", "ro", "ro", "ro", "ro", "tank", "ro", "ro"]);
    }
}

#[test]
fn writable_pools_pass_the_check_to_the_primitives() {
    let zfs = Recorder::new(false);
    let p = pool();
    zfs.scrub(&p, ScrubAction::Start).unwrap();
    zfs.wait_scrub(&p).unwrap();
    zfs.hold(&[hold("tank/a@1", "t")]).unwrap();
    assert_eq!(zfs.calls(), ["scrub tank StartOrResume", "wait tank", "hold t tank/a@1"]);
    assert_eq!(zfs.asked(), ["tank", "tank", "tank"]);
}

#[test]
fn one_snapshot_call_is_one_pool_and_one_snapshot_per_dataset() {
    let s = |name: &str| SnapshotName::try_from(name).unwrap();
    let zfs = Recorder::new(false);
    let none = BTreeMap::new();
    let e = zfs.snapshot(&[s("tank/a@1"), s("tank/b@1"), s("tank/a@2")], &none).unwrap_err();
    assert_eq!((e.kind(), e.target()), (ErrorKind::InvalidInput, Some("tank/a@2")), "{e}");
    let e = zfs.snapshot(&[s("tank/a@1"), s("other/a@1")], &none).unwrap_err();
    assert_eq!((e.kind(), e.target()), (ErrorKind::InvalidInput, Some("other/a@1")), "{e}");
    assert_eq!(
        e.to_string(),
        "invalid snapshot list for other/a@1: not in pool tank: one call is one pool"
    );
    assert!(zfs.calls().is_empty() && zfs.asked().is_empty(), "refused before anything ran");
    zfs.snapshot(&[s("tank/a@1"), s("tank/b@1")], &none).unwrap();
    assert_eq!(zfs.calls(), ["snapshot tank/a@1, tank/b@1 {}"]);
}

#[test]
fn a_shared_spare_names_its_user_past_a_pool_that_cannot_be_read() {
    let mut zfs = Recorder::new(false);
    zfs.shared_spare = true;
    let spares = zfs.spares(&pool()).unwrap();
    assert_eq!(spares.len(), 1);
    assert_eq!(
        (spares[0].state, spares[0].used_by.as_ref().map(PoolName::as_str)),
        (SpareState::InUse, Some("user"))
    );
    assert_eq!(spares[0].vdev.health(), Health::Online);
    // `user` has it, so the unreadable pool is not read again.
    let broken = zfs.calls().iter().filter(|c| c.as_str() == "status broken").count();
    assert_eq!(broken, 1);
}
