//! Hostile names, command by command: a name that could change what
//! `zpool`/`zfs` does is refused when the typed name is made, and every name
//! that is accepted reaches the command as one operand after `--`. Fakes
//! record their argv one bracketed word at a time, so the test sees exactly
//! what getopt would see.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use super::{script, serial};
use crate::cli::Cli;
use crate::error::ErrorKind;
use crate::{
    BookmarkName, DatasetName, DatasetOrSnapshot, Hold, HoldTag, PoolName, ScrubAction,
    SnapshotName, Zfs,
};

/// Records `program [arg] [arg] …` and answers `zpool status`/`get` for the
/// pool named last, so `Cli::status` runs both of its commands and every
/// mutating call finds its pool writable.
const RECORDER: &str = r#"line=$(basename "$0"); for a; do line="$line [$a]"; done
printf '%s\n' "$line" >> "$(dirname "$0")/argv.log"
for last; do :; done
case "$(basename "$0") $1" in
"zpool status") printf '{"output_version": {"command": "zpool status", "vers_major": 0, "vers_minor": 1}, "pools": {"%s": {"name": "%s", "state": "ONLINE", "pool_guid": 1, "txg": 2, "vdevs": {"r": {"name": "r", "vdev_type": "root", "guid": 1, "state": "ONLINE", "read_errors": 0, "write_errors": 0, "checksum_errors": 0}}}}}' "$last" "$last" ;;
"zpool get") printf '{"output_version": {"command": "zpool get", "vers_major": 0, "vers_minor": 1}, "pools": {"%s": {"name": "%s", "properties": {"size": {"value": 1}, "allocated": {"value": 0}, "free": {"value": 1}, "capacity": {"value": 0}, "fragmentation": {"value": 0}, "readonly": {"value": "off"}, "health": {"value": "ONLINE"}}}}}' "$last" "$last" ;;
esac
exit 0"#;

struct Recorded {
    dir: tempfile::TempDir,
    cli: Cli,
}

impl Recorded {
    fn new() -> Recorded {
        let dir = tempfile::tempdir().unwrap();
        let zpool = script(dir.path(), "zpool", RECORDER);
        let zfs = script(dir.path(), "zfs", RECORDER);
        Recorded { cli: Cli::with_programs(zpool, zfs), dir }
    }

    /// The command lines run since the last call.
    fn take(&self) -> Vec<String> {
        let log = self.dir.path().join("argv.log");
        let text = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_file(Path::new(&log));
        text.lines().map(str::to_owned).collect()
    }
}

// Valid names as unlike a plain word as ZFS allows: spaces, dashes.
const POOL: &str = "tank -r";
const DATASET: &str = "tank -r/a b";
const SNAPSHOT: &str = "tank -r/a b@s -d";

#[test]
fn option_like_names_are_refused_when_typed() {
    for hostile in ["-r", "-h", "--", "-", "-o compression=off", "-d tank"] {
        let refused =
            |e: crate::ZfsError| assert_eq!(e.kind(), ErrorKind::InvalidInput, "{hostile}");
        refused(PoolName::try_from(hostile).unwrap_err());
        refused(DatasetName::try_from(hostile).unwrap_err());
        refused(DatasetName::try_from(format!("{hostile}/a")).unwrap_err());
        refused(SnapshotName::try_from(format!("{hostile}@s")).unwrap_err());
        refused(BookmarkName::try_from(format!("{hostile}#b")).unwrap_err());
        refused(DatasetOrSnapshot::try_from(hostile).unwrap_err());
    }
    // `zfs destroy fs@a%b` destroys a range, `fs@a,b` two snapshots.
    assert!(SnapshotName::try_from("tank/fs@a%b").is_err());
    assert!(SnapshotName::try_from("tank/fs@a,b").is_err());
    // Hold tags may look like anything; see the hold and release tests.
    assert!(HoldTag::try_from("-r").is_ok());
}

#[test]
fn zpool_list_takes_no_name() {
    let _serial = serial();
    let r = Recorded::new();
    let _ = r.cli.pools();
    assert_eq!(
        r.take(),
        [
            "zpool [list] [-jp] [--json-int] [-o] [guid,health,size,allocated,free,capacity,fragmentation]"
        ]
    );
}

#[test]
fn zpool_status_and_get_take_the_pool_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let status = r.cli.status(&POOL.parse().unwrap()).unwrap();
    assert_eq!(status.name, POOL);
    assert_eq!(
        r.take(),
        [
            "zpool [status] [-jp] [--json-int] [--] [tank -r]",
            "zpool [get] [-jp] [--json-int] [--] [size,allocated,free,capacity,fragmentation] [tank -r]",
        ]
    );
}

#[test]
fn zpool_scrub_and_wait_take_the_pool_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let pool: PoolName = POOL.parse().unwrap();
    for action in [ScrubAction::Start, ScrubAction::Pause, ScrubAction::Cancel] {
        r.cli.scrub(&pool, action).unwrap();
    }
    r.cli.wait_scrub(&pool).unwrap();
    assert_eq!(
        r.take(),
        [
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zpool [scrub] [--] [tank -r]",
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zpool [scrub] [-p] [--] [tank -r]",
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zpool [scrub] [-s] [--] [tank -r]",
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zpool [wait] [-t] [scrub] [--] [tank -r]",
        ]
    );
}

#[test]
fn zfs_snapshot_takes_properties_as_option_values_and_names_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    // A value may look like an option: it is part of the `-o` word.
    let props = BTreeMap::from([("helios64:x".to_owned(), "-r".to_owned())]);
    r.cli.snapshot(&[SNAPSHOT.parse().unwrap()], &props).unwrap();
    assert_eq!(
        r.take(),
        [
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zfs [snapshot] [-o] [helios64:x=-r] [--] [tank -r/a b@s -d]"
        ]
    );
    // A name with `=` would move the split: refused before anything runs.
    let injected = BTreeMap::from([("helios64:x=-r".to_owned(), String::new())]);
    assert!(r.cli.snapshot(&[SNAPSHOT.parse().unwrap()], &injected).is_err());
    assert!(r.take().is_empty());
}

#[test]
fn zfs_destroy_takes_the_snapshot_list_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let snapshots: Vec<SnapshotName> =
        [SNAPSHOT, "tank -r/a b@t"].iter().map(|s| s.parse().unwrap()).collect();
    r.cli.destroy_snapshots(&snapshots, true).unwrap();
    r.cli.destroy_snapshots(&snapshots[..1], false).unwrap();
    assert_eq!(
        r.take(),
        ["zfs [destroy] [-d] [--] [tank -r/a b@s -d,t]", "zfs [destroy] [--] [tank -r/a b@s -d]"]
    );
}

#[test]
fn zfs_list_takes_the_dataset_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let dataset: DatasetName = DATASET.parse().unwrap();
    let _ = r.cli.snapshots(&dataset);
    let _ = r.cli.datasets(&dataset);
    assert_eq!(
        r.take(),
        [
            "zfs [list] [-jp] [-t] [snapshot] [-d] [1] [-o] [name,createtxg,creation,guid,used,userrefs] [--] [tank -r/a b]",
            "zfs [list] [-jp] [-d] [1] [-t] [filesystem,volume] [-o] [name] [--] [tank -r/a b]",
        ]
    );
}

#[test]
fn zfs_hold_and_release_take_an_option_like_tag_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    // Without `--`, `zfs hold -r SNAP` would be a recursive hold tagged SNAP.
    let holds = [Hold::parse(SNAPSHOT, "-r").unwrap(), Hold::parse("tank -r/a b@t", "-r").unwrap()];
    r.cli.hold(&holds).unwrap();
    r.cli.release(&holds[..1]).unwrap();
    assert_eq!(
        r.take(),
        [
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zfs [hold] [--] [-r] [tank -r/a b@s -d] [tank -r/a b@t]",
            "zpool [get] [-jp] [--json-int] [--] [readonly,health] [tank -r]",
            "zfs [release] [--] [-r] [tank -r/a b@s -d]",
        ]
    );
}

#[test]
fn zfs_holds_and_get_take_the_name_after_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let snapshot: SnapshotName = SNAPSHOT.parse().unwrap();
    r.cli.holds(&snapshot).unwrap();
    let _ = r.cli.properties(&snapshot.clone().into());
    let _ = r.cli.properties(&DatasetOrSnapshot::try_from(DATASET).unwrap());
    assert_eq!(
        r.take(),
        [
            "zfs [holds] [-Hp] [--] [tank -r/a b@s -d]",
            "zfs [get] [-jp] [--] [all] [tank -r/a b@s -d]",
            "zfs [get] [-jp] [--] [all] [tank -r/a b]",
        ]
    );
}

#[test]
fn vdev_naming_flags_go_before_the_dashes() {
    let _serial = serial();
    let r = Recorded::new();
    let naming = crate::VdevNaming { guid: true, follow_links: true, full_path: true };
    let cli = r.cli.clone().with_vdev_naming(naming);
    cli.status(&POOL.parse().unwrap()).unwrap();
    let only_p = crate::VdevNaming { full_path: true, ..Default::default() };
    r.cli.clone().with_vdev_naming(only_p).status(&POOL.parse().unwrap()).unwrap();
    let status: Vec<String> = r.take().into_iter().filter(|l| l.contains("[status]")).collect();
    assert_eq!(
        status,
        [
            "zpool [status] [-jp] [--json-int] [-g] [-L] [-P] [--] [tank -r]",
            "zpool [status] [-jp] [--json-int] [-P] [--] [tank -r]",
        ]
    );
}
