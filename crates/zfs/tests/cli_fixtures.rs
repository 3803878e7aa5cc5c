//! The CLI parsers on real `zpool`/`zfs` output from OpenZFS 2.3.2, captured
//! in the test VM (fixtures/zfs/2.3.2, see PROVENANCE.md there).

// Tests build, break and read fixture trees and files directly.
#![allow(clippy::disallowed_methods)]
// Test-only code throughout, so clippy's test allowances (unwrap, panic)
// apply to the helpers too.
#![cfg(test)]
// The parsers are the CLI backend's.
#![cfg(feature = "cli")]

use std::fs;
use std::path::PathBuf;

use helios64_zfs::cli::parse;
use helios64_zfs::{
    DatasetKind, Health, PropertySource, ScanFunction, ScanState, VdevAux, VdevState,
};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/zfs/2.3.2")
}

fn fixture(name: &str) -> String {
    let path = dir().join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_fixture_has_provenance() {
    let provenance = fixture("PROVENANCE.md");
    assert!(provenance.contains("zfs-2.3.2"), "{provenance}");
    for entry in fs::read_dir(dir()).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name != "PROVENANCE.md" {
            assert!(provenance.contains(&format!("`{name}`")), "{name} is not in PROVENANCE.md");
        }
    }
}

#[test]
fn healthy_pool_with_every_vdev_class() {
    let s = parse::parse_status(&fixture("zpool-status-healthy.json"), "fxhealthy").unwrap();
    assert_eq!(s.health, Health::Online);
    assert_eq!(s.msgid, None);
    assert_eq!(s.error_count, Some(0));
    assert_eq!(s.scan, None);
    let top: Vec<&str> = s.root.children.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(top, ["mirror-0", "raidz1-1"]);
    let leaves: Vec<&str> = s.root.leaves().iter().map(|v| v.name.as_str()).collect();
    // The capture's scratch directory has a per-run suffix (fxhealthy-N-M).
    let dir = leaves[0].rsplit_once('/').map(|(d, _)| d).unwrap_or_default();
    assert!(dir.starts_with("/var/tmp/helios64-vm/fxhealthy-"), "{leaves:?}");
    let expected: Vec<String> = (0..5).map(|i| format!("{dir}/vdev{i}")).collect();
    assert_eq!(leaves, expected);
    assert!(s.root.leaves().iter().all(|v| v.vdev_type == "file" && v.slow_ios == Some(0)));
    assert_eq!(s.logs.len(), 1);
    assert_eq!(s.l2cache.len(), 1);
    assert_eq!(s.spares.len(), 1);
    assert_eq!(
        (s.spares[0].state, s.spares[0].aux, s.spares[0].errors),
        (VdevState::Online, None, None)
    );
    assert!(s.root.space.unwrap().total > 0);

    let space = parse::parse_pool_space(&fixture("zpool-get-space.json"), "fxhealthy").unwrap();
    assert!(space.size > 0 && space.free > 0 && space.size >= space.allocated + space.free / 2);
    assert!(space.capacity_percent <= 100);
}

#[test]
fn json_int_and_string_numbers_parse_alike() {
    let ints = parse::parse_status(&fixture("zpool-status-healthy.json"), "fxhealthy").unwrap();
    let strings =
        parse::parse_status(&fixture("zpool-status-healthy-strings.json"), "fxhealthy").unwrap();
    assert_eq!(ints, strings);
}

#[test]
fn checksum_errors_repaired_by_a_scrub() {
    let s = parse::parse_status(&fixture("zpool-status-checksum.json"), "fxchecksum").unwrap();
    assert_eq!(s.health, Health::Online);
    assert_eq!(s.msgid.as_deref(), Some("ZFS-8000-9P"));
    let leaves = s.root.leaves();
    assert!(leaves[0].errors.unwrap().checksum > 0, "{:?}", leaves[0]);
    assert_eq!(leaves[1].errors.unwrap().total(), 0);
    let scan = s.scan.unwrap();
    assert_eq!((scan.function, scan.state), (ScanFunction::Scrub, ScanState::Finished));
    assert!(scan.processed > 0 && scan.end_time >= scan.start_time, "{scan:?}");
}

#[test]
fn faulted_raidz_member() {
    let s = parse::parse_status(&fixture("zpool-status-degraded.json"), "fxdegraded").unwrap();
    assert_eq!(s.health, Health::Degraded);
    let raidz = &s.root.children[0];
    assert_eq!((raidz.vdev_type.as_str(), raidz.health()), ("raidz", Health::Degraded));
    let leaf = &raidz.children[1];
    assert_eq!(
        (leaf.state, leaf.aux, leaf.health()),
        (VdevState::Faulted, Some(VdevAux::External), Health::Faulted)
    );
}

#[test]
fn running_and_paused_scrub() {
    let running = parse::parse_status(&fixture("zpool-status-scrubbing.json"), "fxscrub").unwrap();
    let scan = running.scan.unwrap();
    assert_eq!((scan.function, scan.state), (ScanFunction::Scrub, ScanState::Scanning));
    assert!(scan.is_running(), "{scan:?}");
    let paused = parse::parse_status(&fixture("zpool-status-paused.json"), "fxscrub").unwrap();
    let scan = paused.scan.unwrap();
    assert!(scan.is_paused() && scan.pass_scrub_pause >= scan.start_time, "{scan:?}");
}

#[test]
fn pool_list() {
    let pools = parse::parse_pool_list(&fixture("zpool-list.json")).unwrap();
    let by_name = |n: &str| pools.iter().find(|p| p.name == n).unwrap_or_else(|| panic!("no {n}"));
    assert_eq!(by_name("fxhealthy").health, Health::Online);
    assert_eq!(by_name("fxdegraded").health, Health::Degraded);
    assert!(pools.windows(2).all(|w| w[0].name < w[1].name), "sorted by name");
    let healthy = parse::parse_status(&fixture("zpool-status-healthy.json"), "fxhealthy").unwrap();
    assert_eq!(by_name("fxhealthy").guid, healthy.guid);
}

#[test]
fn snapshots_children_properties_and_holds() {
    let snaps =
        parse::parse_snapshots(&fixture("zfs-list-snapshots.json"), "fxhealthy/data").unwrap();
    let names: Vec<&str> = snaps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["fxhealthy/data@a", "fxhealthy/data@b"]);
    assert_eq!((snaps[0].userrefs, snaps[1].userrefs), (2, 0));
    assert!(snaps[0].createtxg < snaps[1].createtxg);

    let kids = parse::parse_children(&fixture("zfs-list-children.json"), "fxhealthy").unwrap();
    let kids: Vec<(&str, DatasetKind)> = kids.iter().map(|d| (d.name.as_str(), d.kind)).collect();
    assert_eq!(
        kids,
        [
            ("fxhealthy/data", DatasetKind::Filesystem),
            ("fxhealthy/other", DatasetKind::Filesystem),
            ("fxhealthy/vol", DatasetKind::Volume),
        ]
    );

    let props =
        parse::parse_properties(&fixture("zfs-get-all.json"), "fxhealthy/data/child").unwrap();
    let inherited = PropertySource::Inherited { from: "fxhealthy/data".into() };
    assert_eq!(
        (props["compression"].value.as_str(), &props["compression"].source),
        ("lz4", &inherited)
    );
    assert_eq!(
        (props["helios64:role"].value.as_str(), &props["helios64:role"].source),
        ("fixture", &inherited)
    );
    assert_eq!(props["type"].value, "filesystem");
    assert!(props["used"].value.parse::<u64>().is_ok(), "literal numbers: {:?}", props["used"]);
    assert!(props.len() > 50, "zfs get all lists every property: {}", props.len());

    let snap =
        parse::parse_properties(&fixture("zfs-get-all-snapshot.json"), "fxhealthy/data@a").unwrap();
    assert_eq!(snap["userrefs"].value, "2");
    assert_eq!(snap["helios64:policy"].value, "daily");
    assert_eq!(snap["helios64:policy"].source, PropertySource::Local);
    // The listing's GUID is the full u64 `zfs get` shows (this capture's
    // is above i64::MAX, which `--json-int` would have clamped).
    assert_eq!(snap["guid"].value, snaps[0].guid.to_string());

    let holds = parse::parse_holds(&fixture("zfs-holds.txt"), "fxhealthy/data@a").unwrap();
    assert_eq!(holds.keys().collect::<Vec<_>>(), ["backup", "keep"]);
}
