//! The error contract (the `Zfs` trait's documentation, issue #9) as a
//! table, on a real pool, for both backends: every case must give the
//! contract's kind, whatever ZFS's own answer was (lzc's errnos, zfs's
//! messages and exit codes).

use std::collections::BTreeMap;

use helios64_zfs::{ErrorKind, Hold, PoolName, SnapshotName, Zfs};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, backends};

type Case<'a> =
    (&'a str, Box<dyn Fn(&dyn Zfs) -> helios64_zfs::Result<()> + 'a>, Option<ErrorKind>);

#[test]
fn both_backends_meet_the_error_contract() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zerr", &["F"]);
    let other = TestPool::create(&guest, "zerr2", &["F"]);
    for fs in ["a", "b"] {
        run_ok("zfs", &["create", &pool.ds(fs)]);
    }
    let snap = |rel: &str, name: &str| -> SnapshotName { pool.snapshot(rel, name) };
    let props = |k: &str, v: &str| BTreeMap::from([(k.to_owned(), v.to_owned())]);

    for (backend, zfs) in backends() {
        let tag = |s: &str| format!("{s}{backend}");
        let (cloned, held, exists) =
            (snap("a", &tag("cl")), snap("a", &tag("hd")), snap("b", &tag("ex")));
        for s in [&cloned, &held, &exists] {
            run_ok("zfs", &["snapshot", s.as_str()]);
        }
        run_ok("zfs", &["clone", cloned.as_str(), &pool.ds(&tag("clone"))]);
        run_ok("zfs", &["hold", "keep", held.as_str()]);
        let none = BTreeMap::new();
        let missing_pool: PoolName = "zerr-no-such-pool".parse().unwrap();
        let cases: Vec<Case> = vec![
            (
                "two snapshots of one dataset",
                Box::new(|z: &dyn Zfs| {
                    z.snapshot(&[snap("a", &tag("t1")), snap("a", &tag("t2"))], &none)
                }),
                Some(ErrorKind::InvalidInput),
            ),
            (
                "snapshots in two pools",
                Box::new(|z: &dyn Zfs| {
                    z.snapshot(&[snap("a", &tag("p1")), other.snapshot("", &tag("p1"))], &none)
                }),
                Some(ErrorKind::InvalidInput),
            ),
            (
                "a native property",
                Box::new(|z: &dyn Zfs| {
                    z.snapshot(&[snap("a", &tag("n1"))], &props("compression", "lz4"))
                }),
                Some(ErrorKind::InvalidInput),
            ),
            (
                "a user property without a colon",
                Box::new(|z: &dyn Zfs| {
                    z.snapshot(&[snap("a", &tag("n2"))], &props("nocolon", "x"))
                }),
                Some(ErrorKind::InvalidInput),
            ),
            (
                "a snapshot that exists",
                Box::new(|z: &dyn Zfs| z.snapshot(std::slice::from_ref(&exists), &none)),
                Some(ErrorKind::Exists),
            ),
            (
                "destroy a snapshot with a clone",
                Box::new(|z: &dyn Zfs| z.destroy_snapshots(std::slice::from_ref(&cloned), false)),
                Some(ErrorKind::Busy),
            ),
            (
                "destroy a held snapshot",
                Box::new(|z: &dyn Zfs| z.destroy_snapshots(std::slice::from_ref(&held), false)),
                Some(ErrorKind::Busy),
            ),
            (
                "destroy a missing snapshot",
                Box::new(|z: &dyn Zfs| z.destroy_snapshots(&[snap("a", "never")], false)),
                None,
            ),
            (
                "destroy in a missing dataset",
                Box::new(|z: &dyn Zfs| z.destroy_snapshots(&[snap("nods", "x")], false)),
                None,
            ),
            (
                "destroy in a missing pool",
                Box::new(|z: &dyn Zfs| {
                    z.destroy_snapshots(&[missing_pool.dataset().snapshot("x").unwrap()], false)
                }),
                Some(ErrorKind::NotFound),
            ),
            (
                "status of a missing pool",
                Box::new(|z: &dyn Zfs| z.status(&missing_pool).map(|_| ())),
                Some(ErrorKind::NotFound),
            ),
            (
                "hold a missing snapshot",
                Box::new(|z: &dyn Zfs| {
                    z.hold(&[Hold::new(snap("a", "never"), "t".parse().unwrap())])
                }),
                Some(ErrorKind::NotFound),
            ),
        ];
        let mut wrong = Vec::new();
        for (what, call, want) in &cases {
            let got = call(zfs.as_ref()).err().map(|e| e.kind());
            if got != *want {
                wrong.push(format!("{what}: want {want:?}, got {got:?}"));
            }
        }
        assert!(wrong.is_empty(), "{backend} breaks the contract:\n{}", wrong.join("\n"));
        // Nothing was created or destroyed by the refused calls.
        for s in [&cloned, &held, &exists] {
            assert!(
                zfs.snapshots(&s.dataset()).unwrap().iter().any(|x| x.name == *s),
                "{backend}: {s}"
            );
        }
        run_ok("zfs", &["release", "keep", held.as_str()]);
    }
}
