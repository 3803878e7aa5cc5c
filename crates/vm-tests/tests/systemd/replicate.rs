//! helios64-replicate under its units: `helios64-replicate@JOB` copies a
//! pool's snapshot to a second pool, then the restore test
//! `helios64-replicate-verify@JOB` (a mount namespace of its own under
//! `RestrictNamespaces=mnt`, `@mount` syscalls, CAP_SYS_ADMIN only) reads
//! it back, mounts both snapshots and compares them; both end `inactive
//! (dead)` with result `success`, the state file records both, nothing
//! stays mounted, and `helios64 health` reads that state file.

use std::fs;
use std::time::Duration;

use vm_env::require_guest;

use crate::oneshots::{Pool, assert_timer_waiting, zfs_ok};
use crate::unit::{Unit, realtime_us};

/// The job, as an instance name: the config drop-in names the pools.
const JOB: &str = "sdrep";
const RUN: Unit = Unit("helios64-replicate@sdrep.service");
const VERIFY: Unit = Unit("helios64-replicate-verify@sdrep.service");
const VERIFY_TIMER: Unit = Unit("helios64-replicate-verify@sdrep.timer");
const STATE: &str = "/var/lib/helios64/replicate/replicate.json";

/// The run ended well: `inactive (dead)`, result `success`, exit status 0.
/// Not `ExecMainCode`: a short notify run can end before systemd records
/// how its main process exited (seen: `0`, not CLD_EXITED, with status 0).
fn assert_succeeded(unit: Unit) {
    let p = unit.show(&["ActiveState", "SubState", "Result", "ExecMainStatus"]);
    let got = (
        p["ActiveState"].as_str(),
        p["SubState"].as_str(),
        p["Result"].as_str(),
        p["ExecMainStatus"].as_str(),
    );
    assert_eq!(got, ("inactive", "dead", "success", "0"), "{}", unit.describe());
}

fn wait_ended(unit: Unit) {
    unit.wait("the run to end", Duration::from_secs(300), &["ActiveState"], |p| {
        p["ActiveState"] == "inactive" || p["ActiveState"] == "failed"
    });
}

#[test]
fn a_job_replicates_and_its_restore_test_passes_under_their_units() {
    let guest = require_guest();
    let mut source = Pool::create(&guest, "sdrepa");
    let backup = Pool::create(&guest, "sdrepb");
    fs::create_dir(format!("/{}/dir", source.name)).unwrap();
    fs::write(format!("/{}/dir/note", source.name), "restore me").unwrap();
    zfs_ok("zfs", &["snapshot", &format!("{}@s1", source.name)]);
    let target = format!("{}/copy", backup.name);
    source.config(
        "replicate",
        &format!("[jobs.{JOB}]\nsource = \"{}\"\ntarget = \"{target}\"\n", source.name),
    );

    // Type=notify: `start` returns at READY=1, the stream follows.
    RUN.ok("start");
    wait_ended(RUN);
    assert_succeeded(RUN);
    let snaps = zfs_ok("zfs", &["list", "-H", "-t", "snapshot", "-o", "name", &target]);
    assert_eq!(snaps.trim(), format!("{target}@s1"), "{}", RUN.describe());

    VERIFY_TIMER.ok("start");
    assert_timer_waiting(VERIFY_TIMER);
    VERIFY_TIMER.ok("stop");

    let since = realtime_us();
    VERIFY.ok("start");
    wait_ended(VERIFY);
    assert_succeeded(VERIFY);
    let journal = VERIFY.journal_since(since);
    assert!(
        journal.iter().any(|m| m.contains(&format!("{target}@s1")) && m.contains("passed")),
        "no passed line in {journal:#?}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(STATE).unwrap()).unwrap();
    let job = &state["state"]["jobs"][JOB];
    assert_eq!(job["result"], "ok", "{state}");
    assert_eq!(job["verify"]["result"], "ok", "{state}");
    assert_eq!(job["verify"]["snapshot"], format!("{target}@s1"), "{state}");
    // The pool root, data, dir and dir/note.
    assert_eq!(job["verify"]["entries_compared"], 4, "{state}");
    // Every byte of both files compared (8 MiB of data, 10 of note); the
    // read-back's stream is smaller (the pool compresses the 8 MiB of 7s).
    assert_eq!(job["verify"]["content_bytes_compared"], (8 << 20) + 10, "{state}");
    assert!(job["verify"]["read_back_bytes"].as_u64().unwrap() > 0, "{state}");
    // Its mounts died with its namespace; the host never saw them.
    let mounts = fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert!(!mounts.contains("@s1"), "{mounts}");

    // helios64 health reads the same file (its default state_dir).
    let out = std::process::Command::new("helios64").args(["health", "--json"]).output().unwrap();
    let health: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let seen = health["replication"].as_array().unwrap_or_else(|| panic!("{health}"));
    let ours = seen.iter().find(|j| j["job"] == JOB).unwrap_or_else(|| panic!("{health}"));
    assert_eq!(ours["result"], "ok", "{ours}");
    assert_eq!(ours["newest_snapshot"], format!("{target}@s1"), "{ours}");
    assert_eq!(ours["verify"]["result"], "ok", "{ours}");
    drop(backup);
}
