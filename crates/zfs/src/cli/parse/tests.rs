//! Parser rules on small literal documents shaped like OpenZFS 2.3's
//! output (see `status_callback_json` and `vdev_stats_nvlist` in
//! `cmd/zpool/zpool_main.c`). Whole real outputs are tested in
//! `tests/cli_fixtures.rs` against `fixtures/zfs/`.

use super::*;
use crate::error::ErrorKind;
use crate::model::PoolWritability;

const HEADER: &str =
    r#""output_version": {"command": "zpool status", "vers_major": 0, "vers_minor": 1}"#;

fn status_doc(pool_body: &str) -> String {
    format!(r#"{{{HEADER}, "pools": {{"tank": {{{pool_body}}}}}}}"#)
}

fn leaf(name: &str, extra: &str) -> String {
    format!(
        r#""{name}": {{"name": "{name}", "vdev_type": "file", "guid": 11, "path": "{name}",
        "class": "normal", "state": "ONLINE", "read_errors": 0, "write_errors": 0,
        "checksum_errors": 0, "slow_ios": 0{extra}}}"#
    )
}

fn pool_with(children: &str, rest: &str) -> String {
    status_doc(&format!(
        r#""name": "tank", "state": "ONLINE", "pool_guid": 42, "txg": 7,
        "spa_version": 5000, "zpl_version": 5,
        "vdevs": {{"tank": {{"name": "tank", "vdev_type": "root", "guid": 42,
            "class": "normal", "state": "ONLINE", "alloc_space": 100, "total_space": 1000,
            "read_errors": 0, "write_errors": 0, "checksum_errors": 0,
            "vdevs": {{{children}}}}}}}{rest}"#
    ))
}

#[test]
fn vdevs_keep_configuration_order() {
    // Lexical order would put mirror-10 before mirror-2.
    let children = ["mirror-2", "mirror-10", "mirror-1"]
        .iter()
        .map(|m| {
            format!(
                r#""{m}": {{"name": "{m}", "vdev_type": "mirror", "guid": 5, "class": "normal",
                "state": "ONLINE", "read_errors": 0, "write_errors": 0, "checksum_errors": 0,
                "vdevs": {{{}, {}}}}}"#,
                leaf(&format!("/f/{m}a"), ""),
                leaf(&format!("/f/{m}b"), "")
            )
        })
        .collect::<Vec<_>>()
        .join(",");
    let s = parse_status(&pool_with(&children, ""), "tank").unwrap();
    let names: Vec<&str> = s.root.children.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["mirror-2", "mirror-10", "mirror-1"]);
    assert_eq!(s.root.children[1].children[1].name, "/f/mirror-10b");
    assert_eq!(s.root.leaves().len(), 6);
    assert_eq!(s.root.space, Some(VdevSpace { allocated: 100, total: 1000 }));
    // Interior vdevs have no slow_ios in zpool status; leaves do.
    assert_eq!(s.root.children[0].slow_ios, None);
    assert_eq!(s.root.children[0].children[0].slow_ios, Some(0));
    // Zero space is omitted by zpool status and reads as zero.
    assert_eq!(s.root.children[0].space, Some(VdevSpace::default()));
    assert_eq!(s.state, None);
    assert_eq!(s.scan, None);
    assert_eq!((s.checkpoint, s.removal), (None, None));
    assert_eq!(s.error_count, None);
}

#[test]
fn spares_are_avail_or_inuse_without_counters() {
    let spares = r#", "spares": {
        "/f/s1": {"name": "/f/s1", "vdev_type": "file", "guid": 1, "path": "/f/s1",
                  "class": "spare", "state": "AVAIL"},
        "/f/s2": {"name": "/f/s2", "vdev_type": "file", "guid": 2, "path": "/f/s2",
                  "class": "spare", "state": "INUSE", "used_by": "other"}}"#;
    let s = parse_status(&pool_with(&leaf("/f/a", ""), spares), "tank").unwrap();
    assert_eq!(s.spares.len(), 2);
    assert_eq!((s.spares[0].state, s.spares[0].aux), (VdevState::Online, None));
    assert_eq!((s.spares[1].state, s.spares[1].aux), (VdevState::CantOpen, Some(VdevAux::Spared)));
    assert_eq!(s.spares[1].health(), Health::Online, "in use is not unavailable");
    assert!(s.spares.iter().all(|v| v.errors.is_none() && v.space.is_none()));
}

#[test]
fn degraded_vdev_with_aux_and_counters() {
    let bad = leaf("/f/b", r#", "aux": "ERR_EXCEEDED""#)
        .replace(r#""state": "ONLINE""#, r#""state": "FAULTED""#)
        .replace(r#""checksum_errors": 0"#, r#""checksum_errors": 4223"#);
    let body = pool_with(
        &format!("{}, {bad}", leaf("/f/a", "")),
        r#", "error_count": 0,
        "msgid": "ZFS-8000-9P", "status": "One or more devices ...", "action": "Replace ...""#,
    )
    .replace(r#""name": "tank", "state": "ONLINE""#, r#""name": "tank", "state": "DEGRADED""#);
    let s = parse_status(&body, "tank").unwrap();
    assert_eq!(s.health, Health::Degraded);
    assert_eq!(s.msgid.as_deref(), Some("ZFS-8000-9P"));
    assert_eq!(s.error_count, Some(0));
    let b = &s.root.children[1];
    assert_eq!(
        (b.state, b.aux, b.health()),
        (VdevState::Faulted, Some(VdevAux::ErrExceeded), Health::Faulted)
    );
    assert_eq!(b.errors.map(|e| e.checksum), Some(4223));
}

#[test]
fn scan_stats_and_classes() {
    let rest = r#", "scan_stats": {"function": "SCRUB", "state": "SCANNING",
        "start_time": 1700000000, "end_time": 0, "to_examine": 1000, "examined": 500,
        "skipped": 0, "processed": 0, "errors": 0, "bytes_per_scan": 500,
        "pass_start": 1700000000, "scrub_pause": 1700000100, "scrub_spent_paused": 0,
        "issued_bytes_per_scan": 400, "issued": 400},
        "logs": {"/f/log": {"name": "/f/log", "vdev_type": "file", "guid": 3,
            "class": "logs", "state": "ONLINE", "read_errors": 0, "write_errors": 0,
            "checksum_errors": 0, "slow_ios": 0}},
        "l2cache": {"/f/cache": {"name": "/f/cache", "vdev_type": "file", "guid": 4,
            "class": "l2cache", "state": "ONLINE", "read_errors": 0, "write_errors": 0,
            "checksum_errors": 0, "slow_ios": 0}},
        "error_count": 2"#;
    let s = parse_status(&pool_with(&leaf("/f/a", ""), rest), "tank").unwrap();
    let scan = s.scan.unwrap();
    assert_eq!((scan.function, scan.state), (ScanFunction::Scrub, ScanState::Scanning));
    assert!(scan.is_paused());
    assert_eq!((scan.examined, scan.issued, scan.skipped), (500, 400, Some(0)));
    assert_eq!(s.logs.len(), 1);
    assert_eq!(s.l2cache[0].name, "/f/cache");
    assert!(s.special.is_empty() && s.dedup.is_empty());
    assert_eq!(s.error_count, Some(2));
    assert_eq!(s.all_vdevs().len(), 4);
}

/// `checkpoint_status_nvlist` and `removal_status_nvlist` as `zpool status
/// -jp --json-int` prints them (the removal with `fill_vdev_info`'s name,
/// type and GUID of the removed vdev, by then an indirect one).
const PROGRESS: &str = r#", "removal_stats": {"name": "indirect-0", "vdev_type": "indirect",
        "guid": 9, "state": "FINISHED", "removing_vdev": 0, "start_time": 1700000000,
        "end_time": 1700000042, "to_copy": 1310720, "copied": 1310720,
        "mapping_memory": 96},
    "checkpoint_stats": {"state": "EXISTS", "start_time": 1700000100, "space": 4096}"#;

#[test]
fn checkpoint_and_removal_stats() {
    let s = parse_status(&pool_with(&leaf("/f/a", ""), PROGRESS), "tank").unwrap();
    let c = s.checkpoint.unwrap();
    assert_eq!((c.state, c.start_time, c.space), (CheckpointState::Exists, 1_700_000_100, 4096));
    let r = s.removal.unwrap();
    assert_eq!((r.state, r.removing_vdev), (RemovalState::Finished, 0));
    assert_eq!((r.start_time, r.end_time), (1_700_000_000, 1_700_000_042));
    assert_eq!((r.to_copy, r.copied, r.mapping_memory), (1_310_720, 1_310_720, 96));

    // Without --json-int, -p prints the same numbers as strings.
    let strings = PROGRESS
        .replace(r#""space": 4096"#, r#""space": "4096""#)
        .replace(r#""copied": 1310720"#, r#""copied": "1310720""#);
    let s = parse_status(&pool_with(&leaf("/f/a", ""), &strings), "tank").unwrap();
    assert_eq!((s.checkpoint.unwrap().space, s.removal.unwrap().copied), (4096, 1_310_720));

    let discarding = PROGRESS.replace(r#""state": "EXISTS""#, r#""state": "DISCARDING""#);
    let s = parse_status(&pool_with(&leaf("/f/a", ""), &discarding), "tank").unwrap();
    assert_eq!(s.checkpoint.unwrap().state, CheckpointState::Discarding);
    let copying = PROGRESS.replace(r#""state": "FINISHED""#, r#""state": "SCANNING""#);
    let s = parse_status(&pool_with(&leaf("/f/a", ""), &copying), "tank").unwrap();
    assert_eq!(s.removal.unwrap().state, RemovalState::Scanning);
}

#[test]
fn progress_stats_with_unknown_states_or_missing_numbers_are_malformed() {
    let cases = [
        (PROGRESS.replace(r#""state": "EXISTS""#, r#""state": "NONE""#), "checkpoint state"),
        (PROGRESS.replace(r#""state": "FINISHED""#, r#""state": "ERRORSCRUBBING""#), "removal"),
        (PROGRESS.replace(r#", "space": 4096"#, ""), "no checkpoint space"),
        (PROGRESS.replace(r#""copied": 1310720,"#, ""), "no removal copied"),
        (PROGRESS.replace(r#""start_time": 1700000100"#, r#""start_time": "x""#), "start_time"),
    ];
    for (rest, want) in cases {
        let err = parse_status(&pool_with(&leaf("/f/a", ""), &rest), "tank").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{want}: {err}");
        assert!(err.to_string().contains(want), "{want}: {err}");
    }
}

#[test]
fn numbers_may_be_strings_without_json_int() {
    let body =
        pool_with(&leaf("/f/a", ""), "").replace(r#""pool_guid": 42"#, r#""pool_guid": "42""#);
    assert_eq!(parse_status(&body, "tank").unwrap().guid, 42);
    let bad = pool_with(&leaf("/f/a", ""), "").replace(r#""txg": 7"#, r#""txg": "7K""#);
    let err = parse_status(&bad, "tank").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed);
    assert!(err.to_string().contains(r#"txg is "7K""#), "{err}");
}

#[test]
fn structural_errors_name_the_pool_and_the_problem() {
    let err = parse_status(&pool_with(&leaf("/f/a", ""), ""), "other").unwrap_err();
    assert_eq!(err.to_string(), "malformed zpool status JSON for other: pool not in output");

    let unknown = pool_with(&leaf("/f/a", ""), "").replace(
        r#""state": "ONLINE", "read_errors": 0, "write_errors": 0,
        "checksum_errors": 0, "slow_ios": 0"#,
        r#""state": "WEIRD", "read_errors": 0, "write_errors": 0,
        "checksum_errors": 0, "slow_ios": 0"#,
    );
    let err = parse_status(&unknown, "tank").unwrap_err();
    assert!(err.to_string().contains(r#"tank vdev /f/a: unknown state "WEIRD""#), "{err}");

    let no_counters = pool_with(&leaf("/f/a", "").replace(r#""read_errors": 0, "#, ""), "");
    assert!(parse_status(&no_counters, "tank").unwrap_err().to_string().contains("no read_errors"));

    let v1 = pool_with(&leaf("/f/a", ""), "").replace(r#""vers_major": 0"#, r#""vers_major": 1"#);
    assert!(
        parse_status(&v1, "tank").unwrap_err().to_string().contains("unsupported output_version")
    );

    assert_eq!(parse_status("not json", "tank").unwrap_err().kind(), ErrorKind::Malformed);
    assert_eq!(parse_status("", "tank").unwrap_err().kind(), ErrorKind::Malformed);
}

#[test]
fn pool_space_and_list() {
    let get = r#"{"output_version": {"command": "zpool get", "vers_major": 0, "vers_minor": 1},
      "pools": {"tank": {"name": "tank", "type": "POOL", "state": "ONLINE", "pool_guid": 42,
        "txg": 7, "spa_version": 5000, "zpl_version": 5, "properties": {
          "size": {"value": 1000, "source": {"type": "NONE", "data": "-"}},
          "allocated": {"value": 250, "source": {"type": "NONE", "data": "-"}},
          "free": {"value": 750, "source": {"type": "NONE", "data": "-"}},
          "capacity": {"value": 25, "source": {"type": "NONE", "data": "-"}},
          "fragmentation": {"value": "-", "source": {"type": "NONE", "data": "-"}}}}}}"#;
    let space = parse_pool_space(get, "tank").unwrap();
    assert_eq!(
        space,
        PoolSpace {
            size: 1000,
            allocated: 250,
            free: 750,
            capacity_percent: 25,
            fragmentation_percent: None
        }
    );

    let list = get.replace(r#""command": "zpool get""#, r#""command": "zpool list""#).replace(
        r#""properties": {"#,
        r#""properties": {"health": {"value": "ONLINE", "source": {"type": "NONE", "data": "-"}},"#,
    );
    let pools = parse_pool_list(&list).unwrap();
    assert_eq!(pools.len(), 1);
    assert_eq!(
        (pools[0].name.as_str(), pools[0].guid, pools[0].health),
        ("tank", 42, Health::Online)
    );
    assert_eq!(pools[0].space, space);
}

#[test]
fn snapshots_children_properties_holds() {
    let list = r#"{"output_version": {"command": "zfs list", "vers_major": 0, "vers_minor": 1},
      "datasets": {
        "tank/fs@b": {"name": "tank/fs@b", "type": "SNAPSHOT", "pool": "tank", "createtxg": 20,
          "dataset": "tank/fs", "snapshot_name": "b", "properties": {
            "createtxg": {"value": 20, "source": {"type": "NONE", "data": "-"}},
            "creation": {"value": 1700000020, "source": {"type": "NONE", "data": "-"}},
            "guid": {"value": 42, "source": {"type": "NONE", "data": "-"}},
            "used": {"value": 0, "source": {"type": "NONE", "data": "-"}},
            "userrefs": {"value": 1, "source": {"type": "NONE", "data": "-"}}}},
        "tank/fs@a": {"name": "tank/fs@a", "type": "SNAPSHOT", "pool": "tank", "createtxg": 10,
          "dataset": "tank/fs", "snapshot_name": "a", "properties": {
            "createtxg": {"value": "10", "source": {"type": "NONE", "data": "-"}},
            "creation": {"value": "1700000010", "source": {"type": "NONE", "data": "-"}},
            "guid": {"value": 18000000000000000001, "source": {"type": "NONE", "data": "-"}},
            "used": {"value": "4096", "source": {"type": "NONE", "data": "-"}},
            "userrefs": {"value": "0", "source": {"type": "NONE", "data": "-"}}}}}}"#;
    let snaps = parse_snapshots(list, "tank/fs").unwrap();
    assert_eq!(
        snaps.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["tank/fs@a", "tank/fs@b"]
    );
    assert_eq!(
        snaps[0],
        Snapshot {
            name: "tank/fs@a".parse().unwrap(),
            createtxg: 10,
            creation: 1_700_000_010,
            // Above i64::MAX: a GUID is a full u64.
            guid: 18_000_000_000_000_000_001,
            used: 4096,
            userrefs: 0
        }
    );

    // A name that is not a valid snapshot name is ZFS's malformed output,
    // not the caller's invalid input.
    let bad = list.replace("tank/fs@b", "tank/fs@b%c");
    let err = parse_snapshots(&bad, "tank/fs").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Malformed, "{err:?}");
    assert!(err.to_string().contains("tank/fs@b%c"), "{err}");

    let children = r#"{"output_version": {"command": "zfs list", "vers_major": 0, "vers_minor": 1},
      "datasets": {
        "tank": {"name": "tank", "type": "FILESYSTEM", "pool": "tank", "createtxg": "1", "properties": {}},
        "tank/vol": {"name": "tank/vol", "type": "VOLUME", "pool": "tank", "createtxg": "9", "properties": {}},
        "tank/a": {"name": "tank/a", "type": "FILESYSTEM", "pool": "tank", "createtxg": "5", "properties": {}}}}"#;
    let kids = parse_children(children, "tank").unwrap();
    assert_eq!(
        kids,
        [
            Dataset { name: "tank/a".parse().unwrap(), kind: DatasetKind::Filesystem },
            Dataset { name: "tank/vol".parse().unwrap(), kind: DatasetKind::Volume },
        ]
    );

    let get = r#"{"output_version": {"command": "zfs get", "vers_major": 0, "vers_minor": 1},
      "datasets": {"tank/a": {"name": "tank/a", "type": "FILESYSTEM", "pool": "tank", "createtxg": "5",
        "properties": {
          "compression": {"value": "lz4", "source": {"type": "INHERITED", "data": "tank"}},
          "used": {"value": "24576", "source": {"type": "NONE", "data": "-"}},
          "atime": {"value": "off", "source": {"type": "LOCAL", "data": "-"}},
          "recordsize": {"value": "131072", "source": {"type": "DEFAULT", "data": "-"}},
          "helios64:policy": {"value": "daily", "source": {"type": "LOCAL", "data": "-"}}}}}}"#;
    let props = parse_properties(get, "tank/a").unwrap();
    assert_eq!(
        props["compression"],
        Property { value: "lz4".into(), source: PropertySource::Inherited { from: "tank".into() } }
    );
    assert_eq!(props["used"].source, PropertySource::None);
    assert_eq!(props["recordsize"].source, PropertySource::Default);
    assert_eq!(props["helios64:policy"].value, "daily");
    assert!(parse_properties(get, "tank/b").is_err());

    let holds =
        parse_holds("tank/fs@a\tkeep\t1700000100\ntank/fs@a\tbackup\t1700000200\n", "tank/fs@a")
            .unwrap();
    assert_eq!(holds.get("keep"), Some(&1_700_000_100));
    assert_eq!(holds.len(), 2);
    assert!(parse_holds("", "tank/fs@a").unwrap().is_empty());
    assert!(parse_holds("tank/fs@a\tkeep\n", "tank/fs@a").is_err());
    assert!(parse_holds("tank/fs@b\tkeep\t1\n", "tank/fs@a").is_err());
}

#[test]
fn writability_reads_readonly_and_a_suspended_health() {
    let doc = |readonly: &str, health: &str| {
        format!(
            r#"{{"output_version": {{"command": "zpool get", "vers_major": 0, "vers_minor": 1}},
            "pools": {{"tank": {{"name": "tank", "properties": {{
              "readonly": {{"value": "{readonly}", "source": {{"type": "NONE", "data": "-"}}}},
              "health": {{"value": "{health}", "source": {{"type": "NONE", "data": "-"}}}}}}}}}}}}"#
        )
    };
    let w = |readonly, health| parse_writability(&doc(readonly, health), "tank").unwrap();
    assert_eq!(w("on", "ONLINE"), PoolWritability { readonly: true, suspended: false });
    assert_eq!(w("off", "SUSPENDED"), PoolWritability { readonly: false, suspended: true });
    assert_eq!(w("off", "DEGRADED"), PoolWritability::default());
    let e = parse_writability(&doc("yes", "ONLINE"), "tank").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Malformed, "{e}");
    assert_eq!(
        parse_writability(&doc("on", "ONLINE"), "other").unwrap_err().kind(),
        ErrorKind::Malformed
    );
}

#[test]
fn a_device_missing_at_import_is_open_failed_like_the_kernel_says() {
    let missing = r#""123": {"name": "123", "vdev_type": "file", "guid": 123, "path": "/f/b",
        "class": "normal", "state": "CANT_OPEN", "not_present": "1", "read_errors": 0,
        "write_errors": 0, "checksum_errors": 0, "slow_ios": 0}"#;
    let s = parse_status(&pool_with(missing, ""), "tank").unwrap();
    let v = &s.root.children[0];
    assert!(v.not_present);
    assert_eq!(
        (v.state, v.aux, v.health()),
        (VdevState::CantOpen, Some(VdevAux::OpenFailed), Health::Unavail)
    );
    // An aux zpool does print is kept; a present device gets none added.
    let labelled =
        missing.replace(r#""not_present": "1""#, r#""not_present": "1", "aux": "BAD_LABEL""#);
    let s = parse_status(&pool_with(&labelled, ""), "tank").unwrap();
    assert_eq!(s.root.children[0].aux, Some(VdevAux::BadLabel));
    let present = missing.replace(r#""not_present": "1", "#, "");
    let s = parse_status(&pool_with(&present, ""), "tank").unwrap();
    assert_eq!(s.root.children[0].aux, None);
}
