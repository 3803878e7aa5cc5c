//! helios64-snap's live half on real pools: take/prune cycles over
//! simulated time (the plan's "now" advances an hour a cycle; creation is
//! the real time) with held and foreign snapshots present, and a dataset
//! destroyed between listing and pruning.

use std::time::{SystemTime, UNIX_EPOCH};

use helios64_retention::{Input, SnapConfig, Zone, plan};
use helios64_snap::{Outcome, ShellHooks, apply, list, policies};
use helios64_zfs::{Hold, HoldTag, Native, Zfs};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, native};

fn config(pool: &str) -> SnapConfig {
    toml::from_str(&format!(
        "timezone = \"UTC\"\n[datasets.\"{pool}\"]\nrecursive = true\nhourly = 2\ndaily = 0\nmonthly = 0\n"
    ))
    .unwrap()
}

/// One run of the timer's job at simulated time `now`.
fn cycle(zfs: &Native, config: &SnapConfig, now: i64) -> Outcome {
    let snapshot = list(zfs, config).unwrap();
    let policies = policies(config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let input = Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now,
        zone: &zone,
    };
    apply(zfs, &plan(input).unwrap(), &policies, &ShellHooks)
}

fn hourlies(zfs: &Native, pool: &TestPool, rel: &str) -> Vec<(String, u64)> {
    zfs.snapshots(&pool.dataset(rel))
        .unwrap()
        .into_iter()
        .filter(|s| s.name.short_name().ends_with("_hourly"))
        .map(|s| (s.name.short_name().to_owned(), s.createtxg))
        .collect()
}

fn real_now() -> i64 {
    i64::try_from(SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()).unwrap()
}

#[test]
fn take_prune_cycles_keep_held_and_foreign_snapshots() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "snapcyc", &["F"]);
    pool.filesystem("a");
    pool.filesystem("a/b");
    let zfs = native();
    zfs.snapshot(&[pool.snapshot("a", "before-upgrade")], &Default::default()).unwrap();
    let config = config(&pool.name);
    // Ten past an hour, well after every real creation.
    let start = (real_now() / 3_600 + 1) * 3_600 + 600;
    let tag = HoldTag::try_from("helios64-test-send").unwrap();
    for k in 0..6 {
        let out = cycle(&zfs, &config, start + k * 3_600);
        assert!(out.errors.is_empty(), "cycle {k}: {:?}", out.errors);
        assert_eq!(out.taken.len(), 3, "cycle {k}: the pool and both children: {:?}", out.taken);
        if k == 0 {
            // Hold the first hourly of a/b, as a running send would.
            let first = pool.snapshot("a/b", hourlies(&zfs, &pool, "a/b")[0].0.as_str());
            zfs.hold(&[Hold::new(first, tag.clone())]).unwrap();
        }
    }
    for rel in ["", "a", "a/b"] {
        let h = hourlies(&zfs, &pool, rel);
        // Each run's snapshots were taken in one transaction group.
        let root = hourlies(&zfs, &pool, "");
        assert_eq!(h.last().map(|x| x.1), root.last().map(|x| x.1), "{rel}: one txg for the tree");
        let expect = if rel == "a/b" { 4 } else { 3 };
        assert_eq!(
            h.len(),
            expect,
            "{rel}: N = 2, the last run's own, and the held one on a/b: {h:?}"
        );
    }
    let names: Vec<String> = zfs
        .snapshots(&pool.dataset("a"))
        .unwrap()
        .into_iter()
        .map(|s| s.name.short_name().to_owned())
        .collect();
    assert!(names.contains(&"before-upgrade".to_owned()), "foreign kept: {names:?}");
    // Released, the held one goes on the next run.
    let held = pool.snapshot("a/b", hourlies(&zfs, &pool, "a/b")[0].0.as_str());
    zfs.release(&[Hold::new(held.clone(), tag)]).unwrap();
    let out = cycle(&zfs, &config, start + 6 * 3_600);
    assert!(out.destroyed.contains(&held.to_string()), "{out:?}");
}

#[test]
fn a_dataset_destroyed_between_listing_and_pruning() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "snapgone", &["F"]);
    pool.filesystem("a");
    pool.filesystem("b");
    let zfs = native();
    let config = config(&pool.name);
    let start = (real_now() / 3_600 + 1) * 3_600 + 600;
    for k in 0..4 {
        assert!(cycle(&zfs, &config, start + k * 3_600).errors.is_empty());
    }
    let snapshot = list(&zfs, &config).unwrap();
    let policies = policies(&config, &snapshot).unwrap();
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let zone = Zone::utc();
    let now = start + 4 * 3_600;
    let p = plan(Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now,
        zone: &zone,
    })
    .unwrap();
    assert!(p.destroy_by_dataset().contains_key(pool.ds("b").as_str()), "b has something to prune");
    run_ok("zfs", &["destroy", "-r", &pool.ds("b")]);
    let out = apply(&zfs, &p, &policies, &ShellHooks);
    // The tree's atomic take fails as a whole and says why; the destroys
    // of the vanished dataset's snapshots are no-ops, the others happen.
    assert_eq!(out.errors.len(), 1, "{out:?}");
    assert!(out.taken.is_empty(), "{out:?}");
    assert!(out.destroyed.iter().any(|d| d.starts_with(&format!("{}@", pool.ds("a")))), "{out:?}");
    // The next run works on what is there.
    let out = cycle(&zfs, &config, now + 3_600);
    assert!(out.errors.is_empty(), "{out:?}");
    assert_eq!(out.taken.len(), 2, "{out:?}");
}

#[test]
fn the_binary_takes_prunes_and_writes_its_state_file() {
    use std::process::Command;
    let guest = require_guest();
    let pool = TestPool::create(&guest, "snapbin", &["F"]);
    pool.filesystem("a");
    let dir = guest.scratch_dir("snapbin-cfg").unwrap();
    let conf = dir.join("snap.toml");
    std::fs::write(&conf, format!("timezone = \"UTC\"\n[datasets.\"{}\"]\nrecursive = true\nhourly = 1\ndaily = 0\nmonthly = 0\n", pool.name)).unwrap();
    let bin = guest.binary("helios64-snap").unwrap();
    let state = dir.join("run");
    let run = |extra: &[&str]| {
        Command::new(&bin)
            .args(["run", "--config"])
            .arg(&conf)
            .arg("--state-dir")
            .arg(&state)
            .args(extra)
            .output()
            .unwrap()
    };
    let dry = run(&["--dry-run"]);
    assert!(dry.status.success(), "{}", String::from_utf8_lossy(&dry.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(plan["take"][0]["snapshots"].as_array().unwrap().len(), 2, "{plan}");
    assert!(names_of(&native(), &pool, "a").is_empty(), "a dry run takes nothing");
    let first = run(&[]);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    assert_eq!(names_of(&native(), &pool, "a").len(), 1);
    let written: serde_json::Value =
        serde_json::from_slice(&std::fs::read(state.join("snap.json")).unwrap()).unwrap();
    assert_eq!(written["daemon"], "snap");
    assert_eq!(written["state"]["taken"].as_array().unwrap().len(), 2, "{written}");
    let check = run(&["--monitor"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stdout));
    assert!(String::from_utf8_lossy(&check.stdout).starts_with("OK: all monitored datasets"));
}

fn names_of(zfs: &Native, pool: &TestPool, rel: &str) -> Vec<String> {
    zfs.snapshots(&pool.dataset(rel))
        .unwrap()
        .into_iter()
        .map(|s| s.name.short_name().to_owned())
        .collect()
}
