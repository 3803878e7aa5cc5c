//! The live half over an in-memory ZFS: one atomic snapshot call per policy
//! tree, one destroy call per dataset, holds placed after the listing,
//! datasets that vanish, foreign snapshots.

// Tests fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

use std::collections::BTreeMap;
use std::sync::Mutex;

use helios64_retention::{Input, SnapConfig, Zone, plan};
use helios64_snap::{HookRunner, ShellHooks, apply, list, policies};
use helios64_zfs_model::{
    Call, Dataset, DatasetKind, DatasetName, DatasetOrSnapshot, Errno, HoldTag, Holds, PoolName,
    PoolStatus, PoolSummary, Properties, Result, ScrubRequest, Snapshot, SnapshotName, Zfs,
    ZfsError,
};

#[derive(Default)]
struct State {
    /// dataset → (short name → (creation, userrefs))
    datasets: BTreeMap<String, BTreeMap<String, (u64, u64)>>,
    calls: Vec<String>,
    now: u64,
}

#[derive(Default)]
struct FakeZfs(Mutex<State>);

fn errno(call: Call, target: &str, e: i32) -> ZfsError {
    ZfsError::Errno { call, target: target.into(), errno: Errno(e), items: Vec::new() }
}

impl FakeZfs {
    fn with(datasets: &[&str], now: u64) -> Self {
        let fake = FakeZfs::default();
        {
            let mut s = fake.0.lock().unwrap();
            s.now = now;
            for d in datasets {
                s.datasets.insert((*d).into(), BTreeMap::new());
            }
        }
        fake
    }
    fn add(&self, dataset: &str, name: &str, creation: u64, userrefs: u64) {
        self.0
            .lock()
            .unwrap()
            .datasets
            .get_mut(dataset)
            .unwrap()
            .insert(name.into(), (creation, userrefs));
    }
    fn names(&self, dataset: &str) -> Vec<String> {
        self.0.lock().unwrap().datasets[dataset].keys().cloned().collect()
    }
    fn calls(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap().calls)
    }
}

impl Zfs for FakeZfs {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        Ok(Vec::new())
    }
    fn status(&self, pool: &PoolName) -> Result<PoolStatus> {
        Err(errno(Call::ZpoolOpen, pool.as_str(), libc::ENOENT))
    }
    fn data_errors(&self, pool: &PoolName) -> Result<Vec<helios64_zfs_model::DataError>> {
        Err(errno(Call::ZpoolOpen, pool.as_str(), libc::ENOENT))
    }
    fn request_scrub(&self, pool: &PoolName, _: ScrubRequest) -> Result<()> {
        Err(errno(Call::LzcScrub, pool.as_str(), libc::ENOENT))
    }
    fn writability(&self, _: &PoolName) -> Result<helios64_zfs_model::PoolWritability> {
        Ok(helios64_zfs_model::PoolWritability::default())
    }
    fn wait_scrub_idle(&self, _: &PoolName) -> Result<()> {
        Ok(())
    }
    fn create_snapshots(
        &self,
        snapshots: &[SnapshotName],
        _: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut s = self.0.lock().unwrap();
        let list: Vec<&str> = snapshots.iter().map(SnapshotName::as_str).collect();
        s.calls.push(format!("snapshot {}", list.join(" ")));
        // All or none, as lzc_snapshot, which also refuses two snapshots
        // of one dataset in one call.
        let mut seen = std::collections::BTreeSet::new();
        for n in snapshots {
            if !seen.insert(n.dataset().to_string()) {
                return Err(errno(Call::LzcSnapshot, n.as_str(), libc::EXDEV));
            }
        }
        for n in snapshots {
            let Some(d) = s.datasets.get(n.dataset().as_str()) else {
                return Err(errno(Call::LzcSnapshot, n.as_str(), libc::ENOENT));
            };
            if d.contains_key(n.short_name()) {
                return Err(errno(Call::LzcSnapshot, n.as_str(), libc::EEXIST));
            }
        }
        let now = s.now;
        for n in snapshots {
            s.datasets
                .get_mut(n.dataset().as_str())
                .unwrap()
                .insert(n.short_name().into(), (now, 0));
        }
        Ok(())
    }
    fn destroy_snapshots(&self, snapshots: &[SnapshotName], _: bool) -> Result<()> {
        let mut s = self.0.lock().unwrap();
        s.calls.push(format!("destroy {}", snapshots.len()));
        // All or none; missing ones ignored; held ones busy.
        for n in snapshots {
            if let Some((_, refs)) =
                s.datasets.get(n.dataset().as_str()).and_then(|d| d.get(n.short_name()))
                && *refs > 0
            {
                return Err(errno(Call::LzcDestroySnaps, n.as_str(), libc::EBUSY));
            }
        }
        for n in snapshots {
            if let Some(d) = s.datasets.get_mut(n.dataset().as_str()) {
                d.remove(n.short_name());
            }
        }
        Ok(())
    }
    fn snapshots(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
        let s = self.0.lock().unwrap();
        let Some(d) = s.datasets.get(dataset.as_str()) else {
            return Err(errno(Call::ZfsOpen, dataset.as_str(), libc::ENOENT));
        };
        Ok(d.iter()
            .enumerate()
            .map(|(i, (name, &(creation, userrefs)))| Snapshot {
                name: dataset.snapshot(name).unwrap(),
                createtxg: i as u64,
                creation,
                guid: i as u64 + 1,
                used: 0,
                userrefs,
            })
            .collect())
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
    fn datasets(&self, parent: &DatasetName) -> Result<Vec<Dataset>> {
        let s = self.0.lock().unwrap();
        if !s.datasets.contains_key(parent.as_str()) {
            return Err(errno(Call::ZfsOpen, parent.as_str(), libc::ENOENT));
        }
        let depth = parent.as_str().matches('/').count() + 1;
        Ok(s.datasets
            .keys()
            .filter(|k| k.starts_with(&format!("{parent}/")) && k.matches('/').count() == depth)
            .map(|k| Dataset {
                name: DatasetName::try_from(k.as_str()).unwrap(),
                kind: DatasetKind::Filesystem,
            })
            .collect())
    }
    fn properties(&self, name: &DatasetOrSnapshot) -> Result<Properties> {
        Err(errno(Call::ZfsPropGet, name.as_ref(), libc::ENOENT))
    }
}

const NOW: u64 = 1_700_000_000; // 2023-11-14 22:13:20 UTC

fn config() -> SnapConfig {
    toml::from_str(
        "timezone = \"UTC\"\n[datasets.tank]\nrecursive = true\nhourly = 2\ndaily = 0\nmonthly = 0\n\
         [datasets.gone]\nhourly = 1\n",
    )
    .unwrap()
}

/// One run at `now`: list, plan, apply.
fn cycle(zfs: &FakeZfs, now: u64) -> helios64_snap::Outcome {
    zfs.0.lock().unwrap().now = now;
    let config = config();
    let snapshot = list(zfs, &config).unwrap();
    assert_eq!(snapshot.missing, ["gone"]);
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let now = i64::try_from(now).unwrap();
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now,
        zone: &zone,
    })
    .unwrap();
    apply(zfs, &p, &policies, &ShellHooks)
}

#[test]
fn cycles_take_atomically_and_prune_per_dataset() {
    let zfs = FakeZfs::with(&["tank", "tank/a", "tank/a/b"], NOW);
    zfs.add("tank", "before-upgrade", NOW - 900_000, 0);
    zfs.add("tank/a", "autosnap_old_hourly", NOW - 800_000, 1);
    for hour in 0..6u64 {
        let out = cycle(&zfs, NOW + hour * 3_600);
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let calls = zfs.calls();
        // One snapshot call for the whole tree, then one destroy per dataset.
        assert!(calls[0].starts_with("snapshot tank@autosnap_"), "{calls:?}");
        assert_eq!(calls[0].matches(' ').count(), 3, "three datasets in one call: {calls:?}");
        assert!(calls[1..].iter().all(|c| c.starts_with("destroy")), "{calls:?}");
        assert!(calls.len() <= 4, "{calls:?}");
    }
    for d in ["tank", "tank/a", "tank/a/b"] {
        let ours: Vec<String> = zfs
            .names(d)
            .into_iter()
            .filter(|n| n.ends_with("_hourly") && n != "autosnap_old_hourly")
            .collect();
        // N kept by the plan plus the one this run took: the plan is made
        // on the listing before taking, as sanoid's is.
        assert_eq!(ours.len(), 3, "{d}: {ours:?}");
    }
    assert!(zfs.names("tank").contains(&"before-upgrade".to_owned()), "foreign kept");
    assert!(zfs.names("tank/a").contains(&"autosnap_old_hourly".to_owned()), "held kept");
}

#[test]
fn a_hold_placed_after_the_listing_keeps_that_snapshot_only() {
    let zfs = FakeZfs::with(&["tank"], NOW);
    for i in 0..5u64 {
        zfs.add("tank", &format!("autosnap_{i}_hourly"), NOW - 36_000 + i * 3_600, 0);
    }
    let config = config();
    let snapshot = list(&zfs, &config).unwrap();
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now: NOW.cast_signed(),
        zone: &zone,
    })
    .unwrap();
    assert_eq!(p.destroy.len(), 3);
    // A send starts and holds the oldest between listing and pruning.
    zfs.add("tank", "autosnap_0_hourly", NOW - 36_000, 1);
    let out = apply(&zfs, &p, &policies, &ShellHooks);
    assert_eq!(out.skipped, ["tank@autosnap_0_hourly"]);
    assert_eq!(out.destroyed, ["tank@autosnap_1_hourly", "tank@autosnap_2_hourly"]);
    assert!(out.errors.is_empty());
}

#[test]
fn a_dataset_destroyed_between_list_and_apply_is_an_error_not_a_crash() {
    let zfs = FakeZfs::with(&["tank", "tank/a"], NOW);
    for i in 0..4u64 {
        zfs.add("tank/a", &format!("autosnap_{i}_hourly"), NOW - 36_000 + i * 3_600, 0);
    }
    let config = config();
    let snapshot = list(&zfs, &config).unwrap();
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now: NOW.cast_signed(),
        zone: &zone,
    })
    .unwrap();
    zfs.0.lock().unwrap().datasets.remove("tank/a");
    let out = apply(&zfs, &p, &policies, &ShellHooks);
    // The atomic take of the tree fails as a whole, and says so; the
    // destroys of the vanished snapshots are no-ops.
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert!(
        out.errors[0].starts_with("snapshot of policy tank: lzc_snapshot failed"),
        "{:?}",
        out.errors
    );
    assert!(out.taken.is_empty());
}

#[derive(Default)]
struct Recorded(Mutex<Vec<(String, BTreeMap<String, String>)>>);

impl HookRunner for Recorded {
    fn run(
        &self,
        command: &str,
        env: &[(&str, String)],
        _: u32,
    ) -> std::result::Result<(), String> {
        let env = env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
        self.0.lock().unwrap().push((command.to_owned(), env));
        if command == "false" { Err("exit 1".into()) } else { Ok(()) }
    }
}

fn hooked(pre: &str, extra: &str) -> (FakeZfs, Recorded, helios64_snap::Outcome) {
    let zfs = FakeZfs::with(&["tank", "tank/a"], NOW);
    for i in 0..4u64 {
        zfs.add("tank", &format!("autosnap_{i}_hourly"), NOW - 36_000 + i * 3_600, 0);
    }
    let config: SnapConfig = toml::from_str(&format!(
        "timezone = \"UTC\"\n[datasets.tank]\nrecursive = true\nhourly = 2\ndaily = 0\nmonthly = 0\n\
         pre_snapshot_script = \"{pre}\"\npost_snapshot_script = \"post\"\npruning_script = \"prune\"\n{extra}"
    ))
    .unwrap();
    let snapshot = list(&zfs, &config).unwrap();
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now: NOW.cast_signed(),
        zone: &zone,
    })
    .unwrap();
    let hooks = Recorded::default();
    let out = apply(&zfs, &p, &policies, &hooks);
    (zfs, hooks, out)
}

#[test]
fn hooks_run_around_taking_and_after_each_prune_with_sanoids_environment() {
    let (_, hooks, out) = hooked("pre", "");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let calls = hooks.0.lock().unwrap();
    let commands: Vec<&str> = calls.iter().map(|c| c.0.as_str()).collect();
    assert_eq!(commands, ["pre", "post", "prune", "prune"]);
    let post = &calls[1].1;
    assert_eq!(post["SANOID_SCRIPT"], "post");
    assert_eq!(post["SANOID_TARGET"], "tank");
    assert_eq!(post["SANOID_TARGETS"], "tank,tank/a");
    assert_eq!(post["SANOID_TYPES"], "hourly");
    assert_eq!(post["SANOID_PRE_FAILURE"], "0");
    assert_eq!(post["HELIOS64_SNAP_SNAPSHOTS"], out.taken.join(" "));
    assert_eq!(calls[2].1["SANOID_SNAPNAME"], "autosnap_0_hourly");
}

#[test]
fn a_failed_pre_hook_takes_nothing_with_no_inconsistent_snapshot() {
    let (_, hooks, out) = hooked("false", "no_inconsistent_snapshot = true\n");
    assert!(out.taken.is_empty());
    assert_eq!(out.errors.len(), 1, "{:?}", out.errors);
    assert_eq!(hooks.0.lock().unwrap().iter().filter(|c| c.0 == "post").count(), 0);
    // Without it, sanoid takes anyway and skips the post hook unless forced.
    let (_, hooks, out) = hooked("false", "force_post_snapshot_script = true\n");
    assert_eq!(out.taken.len(), 2);
    let calls = hooks.0.lock().unwrap();
    let post = calls.iter().find(|c| c.0 == "post").unwrap();
    assert_eq!(post.1["SANOID_PRE_FAILURE"], "1");
}

#[test]
fn shell_hooks_get_the_environment_and_are_killed_at_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("env");
    let cmd = format!("echo \"$SANOID_SCRIPT $HELIOS64_SNAP_SNAPSHOTS\" > {}", file.display());
    ShellHooks
        .run(
            &cmd,
            &[("SANOID_SCRIPT", "pre".into()), ("HELIOS64_SNAP_SNAPSHOTS", "t@a t/x@a".into())],
            5,
        )
        .unwrap();
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "pre t@a t/x@a\n");
    let start = std::time::Instant::now();
    let err = ShellHooks.run("sleep 30", &[], 1).unwrap_err();
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{err}");
    assert!(ShellHooks.run("exit 3", &[], 5).is_err());
}

#[test]
fn types_due_together_are_taken_one_per_dataset_per_call() {
    // hourly and daily both due on the first run: ZFS would refuse them in
    // one call (EXDEV) and nothing would be taken.
    let zfs = FakeZfs::with(&["tank", "tank/a"], NOW);
    let config: SnapConfig =
        toml::from_str("timezone = \"UTC\"\n[datasets.tank]\nrecursive = true\nhourly = 2\ndaily = 2\nmonthly = 0\n")
            .unwrap();
    let snapshot = list(&zfs, &config).unwrap();
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now: i64::try_from(NOW).unwrap(),
        zone: &zone,
    })
    .unwrap();
    let out = apply(&zfs, &p, &policies, &ShellHooks);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(out.taken.len(), 4, "{:?}", out.taken);
    let calls = zfs.calls();
    let snaps: Vec<&String> = calls.iter().filter(|c| c.starts_with("snapshot ")).collect();
    assert_eq!(snaps.len(), 2, "one call per type, each over the whole tree: {calls:?}");
    for d in ["tank", "tank/a"] {
        let names = zfs.names(d);
        assert!(names.iter().any(|n| n.ends_with("_hourly")), "{d}: {names:?}");
        assert!(names.iter().any(|n| n.ends_with("_daily")), "{d}: {names:?}");
    }
}
