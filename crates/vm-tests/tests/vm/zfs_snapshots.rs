//! Snapshots and holds: the same assertions against both backends.

use std::collections::BTreeMap;

use helios64_zfs::{ErrorKind, Hold, PropertySource, Zfs};
use vm_env::require_guest;

use crate::zfs_pool::{TestPool, backends};

fn names(zfs: &dyn Zfs, ds: &str) -> Vec<String> {
    zfs.snapshots(ds).unwrap().into_iter().map(|s| s.name).collect()
}

#[test]
fn atomic_multi_dataset_snapshot_with_user_properties() {
    let guest = require_guest();
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zsn{backend}"), &["F"]);
        pool.filesystem("a");
        pool.filesystem("b");
        let (a, b) = (pool.ds("a"), pool.ds("b"));
        let props = BTreeMap::from([("helios64:policy".to_owned(), "daily".to_owned())]);
        let s1 = [format!("{a}@s1"), format!("{b}@s1")];
        let s1: Vec<&str> = s1.iter().map(String::as_str).collect();
        zfs.snapshot(&s1, &props).unwrap();
        zfs.snapshot(&[&format!("{a}@s2")], &BTreeMap::new()).unwrap();

        assert_eq!(names(zfs.as_ref(), &a), [format!("{a}@s1"), format!("{a}@s2")], "{backend}");
        assert_eq!(names(zfs.as_ref(), &b), [format!("{b}@s1")], "{backend}");
        let snaps = zfs.snapshots(&a).unwrap();
        assert!(snaps[0].createtxg < snaps[1].createtxg, "{backend}: {snaps:?}");
        assert!(snaps[0].creation > 1_600_000_000 && snaps[0].creation <= snaps[1].creation);
        assert_eq!(snaps[0].userrefs, 0);
        // Both snapshots of s1 are from one transaction group: atomic.
        assert_eq!(snaps[0].createtxg, zfs.snapshots(&b).unwrap()[0].createtxg, "{backend}");
        let p = zfs.properties(&format!("{b}@s1")).unwrap();
        assert_eq!(p["helios64:policy"].value, "daily", "{backend}");
        assert_eq!(p["helios64:policy"].source, PropertySource::Local, "{backend}");

        // All or nothing: one existing name fails the whole call.
        let err =
            zfs.snapshot(&[&format!("{a}@s3"), &format!("{b}@s1")], &BTreeMap::new()).unwrap_err();
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
        let ds = pool.ds("fs");
        let (s1, s2) = (format!("{ds}@s1"), format!("{ds}@s2"));
        zfs.snapshot(&[&s1], &BTreeMap::new()).unwrap();
        zfs.snapshot(&[&s2], &BTreeMap::new()).unwrap();

        zfs.hold(&[Hold::new(&s1, "keep"), Hold::new(&s1, "backup"), Hold::new(&s2, "keep")])
            .unwrap();
        let holds = zfs.holds(&s1).unwrap();
        assert_eq!(holds.keys().collect::<Vec<_>>(), ["backup", "keep"], "{backend}");
        assert!(holds.values().all(|t| *t > 1_600_000_000), "{backend}: {holds:?}");
        assert_eq!(zfs.snapshots(&ds).unwrap()[0].userrefs, 2, "{backend}");
        let dup = zfs.hold(&[Hold::new(&s1, "keep")]).unwrap_err();
        assert_eq!(dup.kind(), ErrorKind::Exists, "{backend}: {dup:?}");

        // The contract this crate exists for: a held snapshot is Busy.
        let err = zfs.destroy_snapshots(&[&s1], false).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Busy, "{backend}: {err:?}");
        assert_eq!(names(zfs.as_ref(), &ds).len(), 2, "{backend}: nothing destroyed");

        // Deferred: marked, destroyed when the last hold goes.
        zfs.destroy_snapshots(&[&s1], true).unwrap();
        assert!(names(zfs.as_ref(), &ds).contains(&s1), "{backend}");
        zfs.release(&[Hold::new(&s1, "keep")]).unwrap();
        assert!(names(zfs.as_ref(), &ds).contains(&s1), "{backend}");
        zfs.release(&[Hold::new(&s1, "backup")]).unwrap();
        assert!(!names(zfs.as_ref(), &ds).contains(&s1), "{backend}: deferred destroy happened");

        let missing_tag = zfs.release(&[Hold::new(&s2, "nope")]).unwrap_err();
        assert_eq!(missing_tag.kind(), ErrorKind::NotFound, "{backend}: {missing_tag:?}");
        let missing_snap = zfs.hold(&[Hold::new(format!("{ds}@gone"), "keep")]).unwrap_err();
        assert_eq!(missing_snap.kind(), ErrorKind::NotFound, "{backend}: {missing_snap:?}");

        zfs.release(&[Hold::new(&s2, "keep")]).unwrap();
        // Missing snapshots are ignored by destroy.
        zfs.destroy_snapshots(&[&s2, &format!("{ds}@gone")], false).unwrap();
        assert!(names(zfs.as_ref(), &ds).is_empty(), "{backend}");
    }
}

#[test]
fn invalid_names_are_refused_before_the_kernel_sees_them() {
    require_guest();
    for (backend, zfs) in backends() {
        let e = zfs.snapshot(&["pool/fs@bad*name"], &BTreeMap::new()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{backend}");
        let long = format!("pool/fs@{}", "x".repeat(300));
        assert_eq!(
            zfs.destroy_snapshots(&[&long], false).unwrap_err().kind(),
            ErrorKind::NameTooLong,
            "{backend}"
        );
    }
}
