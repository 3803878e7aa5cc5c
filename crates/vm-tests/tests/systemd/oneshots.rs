//! The ZFS oneshots under their units, on a pool of their own:
//! helios64-scrub (Type=notify: `READY=1` with its decisions, then it
//! follows the scrub to the end) must end `inactive (dead)` with result
//! `success` — not `protocol`, which a notify unit that exits without
//! `READY=1` gets — having scrubbed the pool; helios64-snap takes its
//! snapshots. Their timers are waiting. Each test's config goes in a
//! drop-in that names only its pool, removed afterwards.

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use vm_env::{Guest, require_guest};

use crate::exporter::assert_ran_cleanly;
use crate::unit::{Unit, realtime_us};

const SCRUB: Unit = Unit("helios64-scrub.service");
const SNAP: Unit = Unit("helios64-snap.service");

pub(crate) fn zfs_ok(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{program} {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A one-file pool and a config drop-in, both gone on drop.
pub(crate) struct Pool {
    pub(crate) name: String,
    dropin: PathBuf,
}

impl Pool {
    pub(crate) fn create(guest: &Guest, tag: &str) -> Pool {
        let name = guest.unique_name(tag).replace('-', "_");
        let file = guest.scratch_dir(tag).unwrap().join("vdev");
        fs::File::create(&file).unwrap().set_len(256 << 20).unwrap();
        zfs_ok("zpool", &["create", "-o", "cachefile=none", &name, &file.display().to_string()]);
        // Something to scrub.
        fs::write(format!("/{name}/data"), vec![7u8; 8 << 20]).unwrap();
        Pool { name, dropin: PathBuf::new() }
    }

    /// Writes `/etc/helios64/<daemon>.d/90-<pool>.toml`.
    pub(crate) fn config(&mut self, daemon: &str, toml: &str) {
        let dir = PathBuf::from(format!("/etc/helios64/{daemon}.d"));
        fs::create_dir_all(&dir).unwrap();
        self.dropin = dir.join(format!("90-{}.toml", self.name));
        fs::write(&self.dropin, toml).unwrap();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.dropin);
        let _ = std::process::Command::new("zpool").args(["destroy", "-f", &self.name]).status();
    }
}

pub(crate) fn assert_timer_waiting(timer: Unit) {
    let p = timer.show(&["ActiveState", "SubState", "NextElapseUSecRealtime"]);
    assert_eq!((p["ActiveState"].as_str(), p["SubState"].as_str()), ("active", "waiting"), "{p:?}");
    assert!(!p["NextElapseUSecRealtime"].is_empty(), "{} has no next elapse: {p:?}", timer.0);
}

#[test]
fn scrub_scrubs_a_pool_and_ends_dead_with_success() {
    let guest = require_guest();
    assert_timer_waiting(Unit("helios64-scrub.timer"));
    let mut pool = Pool::create(&guest, "sdscrub");
    pool.config(
        "scrub",
        &format!("pools = [\"{}\"]\nboot_grace_minutes = 0\nprogress_secs = 1\n", pool.name),
    );
    let since = realtime_us();
    // Type=notify: returns at READY=1; the scrub is followed after that.
    SCRUB.ok("start");
    SCRUB.wait("the run to end", Duration::from_secs(300), &["ActiveState"], |p| {
        p["ActiveState"] == "inactive" || p["ActiveState"] == "failed"
    });
    assert_ran_cleanly(SCRUB);
    let journal = SCRUB.journal_since(since);
    assert!(
        journal.iter().any(|m| m.starts_with(&format!("helios64-scrub: {}: ", pool.name))
            || m.contains(&format!("{}: start", pool.name))),
        "no decision for {} in {journal:#?}",
        pool.name
    );
    let status = zfs_ok("zpool", &["status", &pool.name]);
    assert!(status.contains("scrub repaired"), "the pool was not scrubbed:\n{status}");
    let state = fs::read_to_string("/run/helios64/scrub.json").unwrap();
    assert!(state.contains(&pool.name), "{state}");
    assert!(fs::metadata("/var/lib/helios64/scrub").is_ok_and(|m| m.is_dir()));
}

#[test]
fn snap_takes_snapshots_and_ends_dead_with_success() {
    let guest = require_guest();
    assert_timer_waiting(Unit("helios64-snap.timer"));
    let mut pool = Pool::create(&guest, "sdsnap");
    pool.config(
        "snap",
        &format!(
            "[datasets.\"{}\"]\nrecursive = true\nhourly = 2\ndaily = 2\nmonthly = 0\n",
            pool.name
        ),
    );
    // Type=oneshot: `systemctl start` returns when the run has ended.
    SNAP.ok("start");
    assert_ran_cleanly(SNAP);
    let snaps = zfs_ok("zfs", &["list", "-H", "-t", "snapshot", "-o", "name", "-r", &pool.name]);
    let taken: Vec<&str> = snaps.lines().collect();
    // Hourly and daily fall due together on a first run: two calls, since
    // ZFS refuses two snapshots of one dataset in one (EXDEV).
    for kind in ["_hourly", "_daily"] {
        assert!(taken.iter().any(|s| s.ends_with(kind)), "{kind}: {taken:?}\n{}", SNAP.describe());
    }
}
