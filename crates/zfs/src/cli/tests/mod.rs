//! The runner against fake `zpool`/`zfs` scripts: a fake records its
//! arguments and environment, fails like the real command does, or hangs.
//! `argv` checks every command line for hostile names.

mod argv;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;
use crate::error::ErrorKind;
use crate::{PoolName, ScrubAction, SnapshotName, Zfs};

/// Held by every test here: writing a script while another test thread
/// forks a child (which briefly inherits the open file) makes exec fail
/// with ETXTBSY.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Writes an executable shell script.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn pool(name: &str) -> PoolName {
    name.parse().unwrap()
}

fn snaps(names: &[&str]) -> Vec<SnapshotName> {
    names.iter().map(|s| s.parse().unwrap()).collect()
}

/// `zpool status` of a pool that was never scrubbed, and `zpool get` of its
/// space: enough for `Cli::status` to succeed.
const STATUS_AND_SPACE: &str = r#"case "$1" in
status) cat <<'EOF'
{"output_version": {"command": "zpool status", "vers_major": 0, "vers_minor": 1},
 "pools": {"tank": {"name": "tank", "state": "ONLINE", "pool_guid": 1, "txg": 2,
  "vdevs": {"tank": {"name": "tank", "vdev_type": "root", "guid": 1, "state": "ONLINE",
   "read_errors": 0, "write_errors": 0, "checksum_errors": 0}}}}}
EOF
;;
get) cat <<'EOF'
{"output_version": {"command": "zpool get", "vers_major": 0, "vers_minor": 1},
 "pools": {"tank": {"name": "tank", "properties": {
  "size": {"value": 1}, "allocated": {"value": 0}, "free": {"value": 1},
  "capacity": {"value": 0}, "fragmentation": {"value": 0},
  "readonly": {"value": "off"}, "health": {"value": "ONLINE"}}}}}
EOF
;;
esac"#;

#[test]
fn commands_run_with_a_cleared_environment_and_c_locale() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let zfs = script(
        dir.path(),
        "zfs",
        &format!(r#"{{ echo "args: $*"; env | sort; }} > {}"#, log.display()),
    );
    let cli = Cli::with_programs("/nonexistent/zpool", &zfs);
    let props = BTreeMap::from([("helios64:policy".to_owned(), "daily".to_owned())]);
    // The primitive alone: `snapshot` would ask `zpool` first.
    cli.create_snapshots(&snaps(&["tank/a@s1", "tank/b@s1"]), &props).unwrap();
    let logged = fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("args: snapshot -o helios64:policy=daily -- tank/a@s1 tank/b@s1"),
        "{logged}"
    );
    let env: Vec<&str> = logged.lines().skip(1).collect();
    assert!(env.contains(&"LC_ALL=C"), "{env:?}");
    assert!(env.iter().any(|l| *l == format!("PATH={DEFAULT_PATH}")), "{env:?}");
    assert!(!env.iter().any(|l| l.starts_with("HOME=") || l.starts_with("CARGO")), "{env:?}");
}

#[test]
fn failures_keep_stderr_and_name_the_target() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let zpool =
        script(dir.path(), "zpool", r#"echo "cannot open 'nosuch': no such pool" >&2; exit 1"#);
    let cli = Cli::with_programs(&zpool, "/nonexistent/zfs");
    let err = cli.status(&pool("nosuch")).unwrap_err();
    match &err {
        ZfsError::Command { command, target, status, stderr } => {
            assert!(command.ends_with("zpool status -jp --json-int -- nosuch"), "{command}");
            assert_eq!(target, "nosuch");
            assert_eq!(*status, Some(1));
            assert_eq!(stderr, "cannot open 'nosuch': no such pool");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn a_missing_program_is_a_spawn_error() {
    let _serial = serial();
    let cli = Cli::with_programs("/nonexistent/zpool", "/nonexistent/zfs");
    let err = cli.pools().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err:?}");
    // Spawn's ENOENT and qemu-user's exit status 127 alike.
    assert!(matches!(err, ZfsError::Spawn { .. }), "{err:?}");
    assert_eq!(err.to_string(), "cannot run /nonexistent/zpool for all pools");
}

#[test]
fn a_hung_zpool_times_out_with_an_error_naming_the_command() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // What `zpool status` can do on a suspended pool: never return.
    let zpool = script(dir.path(), "zpool", "sleep 30");
    let cli =
        Cli::with_programs(&zpool, "/nonexistent/zfs").with_timeout(Duration::from_millis(300));
    let started = Instant::now();
    let err = cli.status(&pool("tank")).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err:?}");
    match &err {
        ZfsError::Timeout { command, target, timeout } => {
            assert!(command.ends_with("zpool status -jp --json-int -- tank"), "{command}");
            assert_eq!(target, "tank");
            assert_eq!(*timeout, Duration::from_millis(300));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        err.to_string().contains("zpool status -jp --json-int -- tank` did not finish"),
        "{err}"
    );
}

#[test]
fn zpool_wait_has_its_own_timeout() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let zpool = script(dir.path(), "zpool", r#"[ "$1" = wait ] && sleep 1; exit 0"#);
    // The primitive: the pool's writability is the provided method's
    // business, tested in argv.rs.
    // Waiting for a scrub takes as long as the scrub: the command timeout
    // does not apply ...
    let cli =
        Cli::with_programs(&zpool, "/nonexistent/zfs").with_timeout(Duration::from_millis(200));
    cli.wait_scrub_idle(&pool("tank")).unwrap();
    // ... unless a wait timeout is set.
    let err = cli
        .with_wait_timeout(Some(Duration::from_millis(200)))
        .wait_scrub_idle(&pool("tank"))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TimedOut, "{err:?}");
    assert!(err.to_string().contains("zpool wait -t scrub -- tank"), "{err}");
}

#[test]
fn output_beyond_the_limit_is_refused_not_kept() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let zpool = script(dir.path(), "zpool", "head -c 100000 /dev/zero");
    let cli = Cli::with_programs(&zpool, "/nonexistent/zfs").with_output_limit(1000);
    let err = cli.pools().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err:?}");
    assert!(err.to_string().contains("printed more than 1000 bytes"), "{err}");
}

#[test]
fn destroy_groups_by_dataset_and_ignores_missing_snapshots() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("log");
    let zfs = script(
        dir.path(),
        "zfs",
        &format!(
            r#"echo "$*" >> {log}
case "$*" in
  *tank/gone@*) echo "could not find any snapshots to destroy; check snapshot names." >&2; exit 1 ;;
  *tank/held@*) echo "cannot destroy snapshot tank/held@x: dataset is busy" >&2; exit 1 ;;
esac"#,
            log = log.display()
        ),
    );
    let cli = Cli::with_programs("/nonexistent/zpool", &zfs);
    cli.destroy_snapshots(&snaps(&["tank/a@1", "tank/b@1", "tank/a@2", "tank/gone@1"]), true)
        .unwrap();
    let calls = fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls,
        "destroy -d -- tank/a@1,2\ndestroy -d -- tank/b@1\ndestroy -d -- tank/gone@1\n"
    );
    let err = cli.destroy_snapshots(&snaps(&["tank/held@x"]), false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy);
}

#[test]
fn nothing_runs_for_nothing_to_do_or_a_bad_user_property() {
    let _serial = serial();
    let cli = Cli::with_programs("/nonexistent/zpool", "/nonexistent/zfs");
    cli.snapshot(&[], &BTreeMap::new()).unwrap();
    cli.destroy_snapshots(&[], false).unwrap();
    cli.hold(&[]).unwrap();
    cli.release(&[]).unwrap();
    let bad = BTreeMap::from([("helios64:a=b".to_owned(), "c".to_owned())]);
    let err = cli.snapshot(&snaps(&["tank/a@s"]), &bad).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err:?}");
}

#[test]
fn resume_requires_a_paused_scrub() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let zpool = script(dir.path(), "zpool", STATUS_AND_SPACE);
    let cli = Cli::with_programs(&zpool, "/nonexistent/zfs");
    let err = cli.scrub(&pool("tank"), ScrubAction::Resume).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "no paused scrub to resume on pool tank");
    assert_eq!(cli.status(&pool("tank")).unwrap().space.fragmentation_percent, Some(0));
}

#[test]
fn destroy_ignores_a_missing_dataset_but_not_a_missing_pool() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let zfs = script(
        dir.path(),
        "zfs",
        r#"case "$*" in
  *nopool/*) echo "cannot open 'nopool/x': dataset does not exist" >&2; exit 1 ;;
  *tank/nods@*) echo "cannot open 'tank/nods': dataset does not exist" >&2; exit 1 ;;
esac"#,
    );
    // Only pool `tank` exists for `zpool get`.
    let zpool = script(
        dir.path(),
        "zpool",
        &format!(
            "for last; do :; done\n[ \"$last\" = tank ] || {{ echo \"cannot open '$last': no such pool\" >&2; exit 1; }}\n{STATUS_AND_SPACE}"
        ),
    );
    let cli = Cli::with_programs(&zpool, &zfs);
    cli.destroy_snapshots(&snaps(&["tank/nods@1"]), false).unwrap();
    let e = cli.destroy_snapshots(&snaps(&["nopool/x@1"]), false).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound, "{e:?}");
    assert_eq!(e.target(), Some("nopool"), "{e:?}");
}
