//! Snapshots and holds: the same assertions against both backends.

use std::collections::BTreeMap;

use helios64_zfs::{DatasetName, ErrorKind, Hold, PropertySource, SnapshotName, Zfs};
use vm_env::require_guest;

use crate::zfs_pool::{TestPool, backends};

fn names(zfs: &dyn Zfs, ds: &DatasetName) -> Vec<String> {
    zfs.snapshots(ds).unwrap().into_iter().map(|s| s.name.into_string()).collect()
}

#[test]
fn atomic_multi_dataset_snapshot_with_user_properties() {
    let guest = require_guest();
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zsn{backend}"), &["F"]);
        pool.filesystem("a");
        pool.filesystem("b");
        let (a, b) = (pool.dataset("a"), pool.dataset("b"));
        let props = BTreeMap::from([("helios64:policy".to_owned(), "daily".to_owned())]);
        let s1 = [a.snapshot("s1").unwrap(), b.snapshot("s1").unwrap()];
        zfs.snapshot(&s1, &props).unwrap();
        zfs.snapshot(&[a.snapshot("s2").unwrap()], &BTreeMap::new()).unwrap();

        assert_eq!(names(zfs.as_ref(), &a), [format!("{a}@s1"), format!("{a}@s2")], "{backend}");
        assert_eq!(names(zfs.as_ref(), &b), [format!("{b}@s1")], "{backend}");
        let snaps = zfs.snapshots(&a).unwrap();
        assert!(snaps[0].createtxg < snaps[1].createtxg, "{backend}: {snaps:?}");
        assert!(snaps[0].creation > 1_600_000_000 && snaps[0].creation <= snaps[1].creation);
        assert_eq!(snaps[0].userrefs, 0);
        // Both snapshots of s1 are from one transaction group: atomic.
        assert_eq!(snaps[0].createtxg, zfs.snapshots(&b).unwrap()[0].createtxg, "{backend}");
        let p = zfs.properties(&b.snapshot("s1").unwrap().into()).unwrap();
        assert_eq!(p["helios64:policy"].value, "daily", "{backend}");
        assert_eq!(p["helios64:policy"].source, PropertySource::Local, "{backend}");

        // All or nothing: one existing name fails the whole call.
        let err = zfs
            .snapshot(&[a.snapshot("s3").unwrap(), b.snapshot("s1").unwrap()], &BTreeMap::new())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Exists, "{backend}: {err:?}");
        assert_eq!(names(zfs.as_ref(), &a).len(), 2, "{backend}: {a}@s3 must not exist");
        if backend == "native" {
            let failed: Vec<&str> = err.items().iter().map(|i| i.name.as_str()).collect();
            assert_eq!(failed, [format!("{b}@s1")]);
        }
    }
}

#[test]
fn holds_protect_snapshots_from_destruction() {
    let guest = require_guest();
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zhd{backend}"), &["F"]);
        pool.filesystem("fs");
        let ds = pool.dataset("fs");
        let (s1, s2) = (pool.snapshot("fs", "s1"), pool.snapshot("fs", "s2"));
        zfs.snapshot(std::slice::from_ref(&s1), &BTreeMap::new()).unwrap();
        zfs.snapshot(std::slice::from_ref(&s2), &BTreeMap::new()).unwrap();
        let hold = |s: &SnapshotName, tag: &str| Hold::new(s.clone(), tag.parse().unwrap());

        zfs.hold(&[hold(&s1, "keep"), hold(&s1, "backup"), hold(&s2, "keep")]).unwrap();
        let holds = zfs.holds(&s1).unwrap();
        assert_eq!(holds.keys().collect::<Vec<_>>(), ["backup", "keep"], "{backend}");
        assert!(holds.values().all(|t| *t > 1_600_000_000), "{backend}: {holds:?}");
        assert_eq!(zfs.snapshots(&ds).unwrap()[0].userrefs, 2, "{backend}");
        let dup = zfs.hold(&[hold(&s1, "keep")]).unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::Exists, "{backend}: {dup:?}");

        // The contract this crate exists for: a held snapshot is Busy.
        let err = zfs.destroy_snapshots(std::slice::from_ref(&s1), false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy, "{backend}: {err:?}");
        assert_eq!(names(zfs.as_ref(), &ds).len(), 2, "{backend}: nothing destroyed");

        // Deferred: marked, destroyed when the last hold goes.
        zfs.destroy_snapshots(std::slice::from_ref(&s1), true).unwrap();
        assert!(names(zfs.as_ref(), &ds).contains(&s1.to_string()), "{backend}");
        zfs.release(&[hold(&s1, "keep")]).unwrap();
        assert!(names(zfs.as_ref(), &ds).contains(&s1.to_string()), "{backend}");
        zfs.release(&[hold(&s1, "backup")]).unwrap();
        assert!(
            !names(zfs.as_ref(), &ds).contains(&s1.to_string()),
            "{backend}: deferred destroy happened"
        );

        let missing_tag = zfs.release(&[hold(&s2, "nope")]).unwrap_err();
        assert_eq!(missing_tag.kind(), ErrorKind::NotFound, "{backend}: {missing_tag:?}");
        let gone = pool.snapshot("fs", "gone");
        let missing_snap = zfs.hold(&[hold(&gone, "keep")]).unwrap_err();
        assert_eq!(missing_snap.kind(), ErrorKind::NotFound, "{backend}: {missing_snap:?}");
        // A missing snapshot under one tag does not stop the other tags.
        let err = zfs.hold(&[hold(&gone, "a"), hold(&s2, "b")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{backend}: {err:?}");
        assert!(zfs.holds(&s2).unwrap().contains_key("b"), "{backend}: the other tag was held");
        zfs.release(&[hold(&s2, "b")]).unwrap();

        // A tag that looks like an option is a tag (the CLI passes it after --).
        zfs.hold(&[hold(&s2, "-r")]).unwrap();
        assert!(zfs.holds(&s2).unwrap().contains_key("-r"), "{backend}");
        zfs.release(&[hold(&s2, "-r")]).unwrap();

        zfs.release(&[hold(&s2, "keep")]).unwrap();
        // Missing snapshots are ignored by destroy.
        zfs.destroy_snapshots(&[s2.clone(), gone], false).unwrap();
        assert!(names(zfs.as_ref(), &ds).is_empty(), "{backend}");
    }
}

#[test]
fn invalid_names_and_properties_are_refused_before_the_kernel_sees_them() {
    let guest = require_guest();
    // Names are checked once, when typed: neither backend ever sees these.
    let e = "pool/fs@bad*name".parse::<SnapshotName>().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    let long = format!("pool/fs@{}", "x".repeat(300));
    assert_eq!(long.parse::<SnapshotName>().unwrap_err().kind(), ErrorKind::NameTooLong);
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zin{backend}"), &["F"]);
        pool.filesystem("fs");
        let s = pool.snapshot("fs", "s");
        // `=` in a user property name would move `zfs snapshot -o`'s split.
        let props = BTreeMap::from([("helios64:a=b".to_owned(), "c".to_owned())]);
        let e = zfs.snapshot(std::slice::from_ref(&s), &props).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{backend}: {e:?}");
        assert!(names(zfs.as_ref(), &pool.dataset("fs")).is_empty(), "{backend}");
    }
}

/// The one-ioctl listing (a channel program) against libzfs's
/// per-snapshot iteration and `zfs list`: the same snapshots with the same
/// five properties, on a filesystem and a volume, with holds, data unique
/// to a snapshot, snapshots taken together, and a clone's origin.
#[test]
fn channel_program_listing_equals_libzfs_and_the_cli() {
    let guest = require_guest();
    let zfs = crate::zfs_pool::native();
    let pool = TestPool::create(&guest, "zcp", &["F"]);
    pool.filesystem("fs");
    crate::common::run_ok("zfs", &["create", "-V", "8M", &pool.ds("vol")]);
    let (fs, vol) = (pool.dataset("fs"), pool.dataset("vol"));
    for i in 0..5 {
        pool.fill("fs", 1);
        let both =
            [fs.snapshot(&format!("s{i}")).unwrap(), vol.snapshot(&format!("s{i}")).unwrap()];
        zfs.snapshot(&both, &BTreeMap::new()).unwrap();
    }
    let s1 = fs.snapshot("s1").unwrap();
    zfs.hold(&[Hold::new(s1.clone(), "keep".parse().unwrap())]).unwrap();
    crate::common::run_ok("zfs", &["clone", s1.as_str(), &pool.ds("clone")]);
    let empty = pool.dataset("clone");

    for ds in [&fs, &vol, &empty] {
        let by_program = zfs.snapshots_by_program(ds).unwrap();
        let iterated = zfs.snapshots_iterated(ds).unwrap();
        assert_eq!(by_program, iterated, "{ds}: program vs libzfs");
        assert_eq!(zfs.snapshots(ds).unwrap(), iterated, "{ds}: the trait");
        if crate::zfs_pool::cli_has_json() {
            assert_eq!(helios64_zfs::Cli::new().snapshots(ds).unwrap(), iterated, "{ds}: zfs list");
        }
    }
    let fs_snaps = zfs.snapshots_by_program(&fs).unwrap();
    assert_eq!(fs_snaps.len(), 5);
    assert_eq!(fs_snaps[1].userrefs, 1, "{fs_snaps:?}");
    assert!(fs_snaps.iter().any(|s| s.used > 0), "data unique to a snapshot: {fs_snaps:?}");
    assert!(fs_snaps.iter().all(|s| s.guid != 0), "{fs_snaps:?}");
    let vol_snaps = zfs.snapshots_by_program(&vol).unwrap();
    assert_eq!(fs_snaps[3].createtxg, vol_snaps[3].createtxg, "taken together");
    assert_ne!(fs_snaps[3].guid, vol_snaps[3].guid);

    // A dataset that does not exist: the program fails with Lua's message
    // naming it; the trait reports the canonical NotFound.
    let gone = pool.dataset("gone");
    let err = zfs.snapshots_by_program(&gone).unwrap_err();
    assert!(matches!(err, helios64_zfs::ZfsError::ChannelProgram { .. }), "{err:?}");
    assert!(err.to_string().contains(gone.as_str()), "{err}");
    assert_eq!(zfs.snapshots(&gone).unwrap_err().kind(), ErrorKind::NotFound);
}
