//! `helios64-snap plan` and `import-sanoid` as a user runs them.

// Tests write their inputs and fail loudly.
#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use helios64_retention::testing::{Rng, Spec, history};
use helios64_retention::to_zfs_get;

fn snap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_helios64-snap")).args(args).env_remove("TZ").output().unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn plan_prints_take_destroy_keep_with_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::sanoid_defaults(vec!["tank".into()], 1_700_000_000, 10);
    let mut snaps = history(&spec, &mut Rng::new(1));
    snaps.push(helios64_retention::Snapshot::new("tank", "keepme", 1_700_000_100));
    let listing = write(dir.path(), "list.tsv", &to_zfs_get(&snaps));
    let conf = write(dir.path(), "sanoid.conf", "[tank]\nhourly = 24\ndaily = 3\n");
    let now = spec.now().to_string();
    let out = snap(&["plan", "--snapshots", &listing, "--now", &now, "--sanoid-conf", &conf]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["format"], "helios64.snap.plan/1");
    let destroy = plan["destroy"].as_array().unwrap();
    // 10 days of hourlies, 24 kept; the dailies (one catch-up at the
    // start, then one a day), 3 kept.
    let of = |t: &str| snaps.iter().filter(|s| s.name.ends_with(t)).count();
    assert_eq!(of("_hourly"), 240);
    assert_eq!(destroy.iter().filter(|d| d["type"] == "hourly").count(), 240 - 24);
    assert_eq!(destroy.iter().filter(|d| d["type"] == "daily").count(), of("_daily") - 3);
    assert!(destroy[0]["snapshot"].as_str().unwrap().starts_with("tank@autosnap_"));
    assert!(destroy[0]["why"].as_str().unwrap().starts_with("expired: "));
    let keep = plan["keep"].as_array().unwrap();
    let foreign = keep.iter().find(|k| k["snapshot"] == "tank@keepme").unwrap();
    assert!(foreign["why"].as_str().unwrap().starts_with("foreign"));
    // The last tick was at 21:58:20; at 22:13:20 the 22:00 hourly is due.
    assert_eq!(
        plan["take"][0]["snapshots"],
        serde_json::json!(["tank@autosnap_2023-11-24_22:13:20_hourly"])
    );
}

#[test]
fn plan_with_a_toml_policy_and_its_errors() {
    let dir = tempfile::tempdir().unwrap();
    let listing = write(dir.path(), "list.tsv", "tank@autosnap_a_hourly\tcreation\t100\t-\n");
    let good = write(
        dir.path(),
        "snap.toml",
        "timezone = \"Europe/Berlin\"\n[datasets.tank]\nhourly = 0\n",
    );
    let out =
        snap(&["plan", "--snapshots", &listing, "--now", "200", "--config", &good, "--no-keep"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(plan["destroy"][0]["snapshot"], "tank@autosnap_a_hourly");
    assert_eq!(plan["timezone"], "Europe/Berlin");

    let bad =
        write(dir.path(), "bad.toml", "timezone = \"UTC\"\n[datasets.tank]\nhourly_min = 75\n");
    let out = snap(&["plan", "--snapshots", &listing, "--now", "200", "--config", &bad]);
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml:3:") && err.contains("datasets.tank.hourly_min: 75 is outside"),
        "{err}"
    );

    let typo =
        write(dir.path(), "typo.toml", "timezone = \"UTC\"\n[datasets.tank]\nhourlies = 7\n");
    let out = snap(&["plan", "--snapshots", &listing, "--now", "200", "--config", &typo]);
    assert_eq!(out.status.code(), Some(78));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("typo.toml:3:1: datasets.tank.hourlies: unknown key")
    );

    let broken = write(dir.path(), "broken.tsv", "tank@a\tcreation\tyesterday\t-\n");
    let out = snap(&["plan", "--snapshots", &broken, "--now", "200", "--config", &good]);
    assert_eq!(out.status.code(), Some(65));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken.tsv:1: creation of tank@a"));

    let out = snap(&["plan", "--snapshots", "/nonexistent", "--now", "200", "--config", &good]);
    assert_eq!(out.status.code(), Some(66));
    let out = snap(&["plan", "--snapshots", &listing]);
    assert_eq!(out.status.code(), Some(64));
}

#[test]
fn import_sanoid_prints_equivalent_toml() {
    let dir = tempfile::tempdir().unwrap();
    let conf = write(
        dir.path(),
        "sanoid.conf",
        "[tank]\nuse_template = p\nrecursive = zfs\n[template_p]\nhourly = 12\n",
    );
    let out = snap(&["import-sanoid", &conf]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let toml = String::from_utf8(out.stdout).unwrap();
    assert!(toml.contains("[templates.p]\nhourly = 12\n"), "{toml}");
    assert!(
        toml.contains("[datasets.tank]\nuse_template = [\"p\"]\nrecursive = \"zfs\"\n"),
        "{toml}"
    );
    // The printed policy plans the same as the sanoid.conf.
    let policy = write(dir.path(), "snap.toml", &toml);
    let listing = write(dir.path(), "l.tsv", "tank@autosnap_x_hourly\tcreation\t10\t-\n");
    let a = snap(&["plan", "--snapshots", &listing, "--now", "90000", "--sanoid-conf", &conf]);
    let b = snap(&["plan", "--snapshots", &listing, "--now", "90000", "--config", &policy]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(a.stdout, b.stdout);

    let bad = write(dir.path(), "bad.conf", "[tank]\nhourly = 1\nfoo = 2\n");
    let out = snap(&["import-sanoid", &bad]);
    assert_eq!(out.status.code(), Some(65));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("bad.conf:3: [tank] foo: sanoid has no such setting")
    );
}

#[test]
fn monitor_prints_one_line_and_exits_by_level() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec::sanoid_defaults(vec!["tank".into()], 1_700_000_000, 40);
    let snaps = history(&spec, &mut Rng::new(3));
    let listing = write(dir.path(), "list.tsv", &to_zfs_get(&snaps));
    let conf = write(dir.path(), "sanoid.conf", "[tank]\nhourly = 24\n");
    let at = |now: i64| {
        let now = now.to_string();
        snap(&["monitor", "--snapshots", &listing, "--now", &now, "--sanoid-conf", &conf])
    };
    let fresh = at(spec.now());
    assert_eq!(fresh.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&fresh.stdout),
        "OK: all monitored datasets (tank) have fresh snapshots\n"
    );
    // The last hourly was taken at 21:13:20, an hour before the end; two
    // more hours without snapshots: past its 90 min warning.
    let late = at(spec.now() + 2 * 3_600);
    assert_eq!(late.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&late.stdout),
        "WARN: tank newest hourly snapshot is 3h 0m 0s old (should be < 1h 30m 0s)\n"
    );
    // Two days: dailies past 32 h, hourlies past 6 h.
    let stale = at(spec.now() + 2 * 86_400);
    assert_eq!(stale.status.code(), Some(2));
    let line = String::from_utf8_lossy(&stale.stdout).into_owned();
    assert!(line.starts_with("CRIT: tank newest daily snapshot is 2d "), "{line}");
    assert!(line.contains(", CRIT: tank newest hourly snapshot is 2d "), "{line}");
    let broken = write(dir.path(), "broken.tsv", "nonsense\n");
    let out = snap(&["monitor", "--snapshots", &broken, "--now", "1", "--sanoid-conf", &conf]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("UNKNOWN: "));
}
