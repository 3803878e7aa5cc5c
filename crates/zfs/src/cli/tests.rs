//! The runner against fake `zpool`/`zfs` scripts: a fake records its
//! arguments and environment, or fails like the real command does.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::*;
use crate::error::ErrorKind;

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
    cli.snapshot(&["tank/a@s1", "tank/b@s1"], &props).unwrap();
    let logged = fs::read_to_string(&log).unwrap();
    assert!(
        logged.contains("args: snapshot -o helios64:policy=daily tank/a@s1 tank/b@s1"),
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
    let err = cli.status("nosuch").unwrap_err();
    match &err {
        ZfsError::Command { command, target, status, stderr } => {
            assert!(command.ends_with("zpool status -jp --json-int nosuch"), "{command}");
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
    match err {
        ZfsError::Spawn { .. } => {
            assert_eq!(err.to_string(), "cannot run /nonexistent/zpool for all pools");
        }
        // Under qemu-user (the aarch64 cross test run) a failed exec shows up
        // as the child exiting 127 instead.
        ZfsError::Command { status: Some(127), .. } => {}
        other => panic!("unexpected {other:?}"),
    }
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
    cli.destroy_snapshots(&["tank/a@1", "tank/b@1", "tank/a@2", "tank/gone@1"], true).unwrap();
    let calls = fs::read_to_string(&log).unwrap();
    assert_eq!(calls, "destroy -d tank/a@1,2\ndestroy -d tank/b@1\ndestroy -d tank/gone@1\n");
    let err = cli.destroy_snapshots(&["tank/held@x"], false).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Busy);
}

#[test]
fn names_are_checked_before_anything_runs() {
    let _serial = serial();
    let cli = Cli::with_programs("/nonexistent/zpool", "/nonexistent/zfs");
    assert_eq!(cli.status("bad name!").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(cli.snapshots("tank/a@s").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(cli.holds("tank/a").unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(cli.snapshot(&[], &BTreeMap::new()).is_ok());
}

#[test]
fn resume_requires_a_paused_scrub() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    // `zpool status` of a pool that was never scrubbed; `zpool get` space.
    let zpool = script(
        dir.path(),
        "zpool",
        r#"case "$1" in
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
  "capacity": {"value": 0}, "fragmentation": {"value": 0}}}}}
EOF
;;
*) echo "unexpected $*" >&2; exit 2 ;;
esac"#,
    );
    let cli = Cli::with_programs(&zpool, "/nonexistent/zfs");
    let err = cli.scrub("tank", ScrubAction::Resume).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState);
    assert_eq!(err.to_string(), "no paused scrub to resume on pool tank");
    assert_eq!(cli.status("tank").unwrap().space.fragmentation_percent, Some(0));
}
