//! A port of OpenZFS's pyzfs libzfs_core tests (contrib/pyzfs/libzfs_core/
//! test/test_libzfs_core.py, 2.3.2) for snapshot, destroy, hold, release and
//! get_holds: an external oracle for the errno contracts of [`Lzc`]. Snapshot
//! and destroy here, holds in `zfs_pyzfs_holds`.
//!
//! Each test keeps the pyzfs name (`py_` + the Python name). pyzfs turns
//! errnos into exception classes (`_error_translation.py`); the assertions
//! here check the errnos and per-item lists those classes come from:
//! FilesystemNotFound/PoolNotFound/SnapshotNotFound = ENOENT, SnapshotExists
//! and HoldExists = EEXIST, DuplicateSnapshots and PoolsDiffer = EXDEV,
//! PropertyInvalid/NameInvalid = EINVAL, NameTooLong = ENAMETOOLONG (or
//! EINVAL for an over-long name, which pyzfs maps by length; a hold tag's
//! E2BIG), ReadOnlyPool = EROFS, SnapshotIsHeld = EBUSY, BadHoldCleanupFD =
//! EBADF. Where pyzfs accepts either of two errnos, the one OpenZFS 2.3.2
//! returned is asserted exactly. Fixtures as in pyzfs: a main pool with fs1, fs2 and fs1/fs, a misc
//! pool, and a pool imported read-only.

use std::sync::OnceLock;

use helios64_zfs::lzc::Lzc;
use helios64_zfs::{NvList, ZfsError};
use vm_env::{Guest, require_guest};

use crate::common::run_ok;
use crate::zfs_pool::TestPool;

/// pyzfs's `MAXNAMELEN`.
pub(crate) const MAXNAMELEN: usize = 255;

pub(crate) struct Pools {
    pub(crate) main: TestPool,
    pub(crate) misc: TestPool,
    pub(crate) readonly: String,
}

static POOLS: OnceLock<Pools> = OnceLock::new();

pub(crate) fn pools(guest: &Guest) -> &'static Pools {
    POOLS.get_or_init(|| {
        let main = TestPool::create(guest, "pyz", &["F"]);
        for fs in ["fs1", "fs2", "fs1/fs"] {
            run_ok("zfs", &["create", &main.ds(fs)]);
        }
        let misc = TestPool::create(guest, "pyzmisc", &["F"]);
        let ro = TestPool::create(guest, "pyzro", &["F"]);
        run_ok("zfs", &["create", &ro.ds("fs1")]);
        let name = ro.name.clone();
        let dir = ro.files[0].parent().unwrap().display().to_string();
        run_ok("zpool", &["export", &name]);
        std::mem::forget(ro); // exported; re-imported read-only below
        run_ok(
            "zpool",
            &["import", "-o", "readonly=on", "-o", "cachefile=none", "-d", &dir, &name],
        );
        Pools { main, misc, readonly: name }
    })
}

pub(crate) fn lzc() -> Lzc {
    Lzc::init().unwrap()
}

/// A fresh snapshot name on `ds`.
pub(crate) fn new_snap(guest: &Guest, ds: &str) -> String {
    format!("{ds}@{}", guest.unique_name("s"))
}

pub(crate) fn errno(e: &ZfsError) -> i32 {
    e.errno().unwrap_or_else(|| panic!("expected an errno, got {e:?}")).0
}

/// The per-item errors as (name, errno).
pub(crate) fn items(e: &ZfsError) -> Vec<(String, i32)> {
    e.items().iter().map(|i| (i.name.clone(), i.errno.0)).collect()
}

pub(crate) fn exists(name: &str) -> bool {
    lzc().exists(name).unwrap()
}

// ------------------------------------------------------------- snapshot

#[test]
fn py_test_snapshot() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.name);
    lzc().snapshot(&[&s], None).unwrap();
    assert!(exists(&s));
}

#[test]
fn py_test_snapshot_empty_list() {
    require_guest();
    lzc().snapshot(&[], None).unwrap();
}

#[test]
fn py_test_snapshot_user_props() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.name);
    let mut props = NvList::new().unwrap();
    props.insert("user:foo", "bar").unwrap();
    lzc().snapshot(&[&s], Some(&props)).unwrap();
    assert!(exists(&s));
}

#[test]
fn py_test_snapshot_invalid_props() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.name);
    let mut props = NvList::new().unwrap();
    props.insert("foo", "bar").unwrap();
    let e = lzc().snapshot(&[&s], Some(&props)).unwrap_err();
    // PropertyInvalid for every snapshot (one here).
    assert_eq!(errno(&e), libc::EINVAL, "{e:?}");
    assert!(e.items().len() <= 1, "{e:?}");
    assert!(!exists(&s));
}

#[test]
fn py_test_snapshot_ro_pool() {
    let g = require_guest();
    let ro = &pools(&g).readonly;
    let (s1, s2) = (new_snap(&g, ro), new_snap(&g, &format!("{ro}/fs1")));
    let e = lzc().snapshot(&[&s1, &s2], None).unwrap_err();
    // One common ReadOnlyPool error.
    assert_eq!(errno(&e), libc::EROFS, "{e:?}");
    assert!(e.items().len() <= 1, "{e:?}");
    assert!(!exists(&s1) && !exists(&s2));
}

#[test]
fn py_test_snapshot_nonexistent_pool() {
    require_guest();
    let e = lzc().snapshot(&["no-such-pool@snap"], None).unwrap_err();
    assert_eq!(errno(&e), libc::ENOENT, "{e:?}");
}

#[test]
fn py_test_snapshot_nonexistent_fs() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.ds("nonexistent"));
    let e = lzc().snapshot(&[&s], None).unwrap_err();
    assert_eq!(errno(&e), libc::ENOENT, "{e:?}");
    assert_eq!(items(&e), [(s, libc::ENOENT)]);
}

#[test]
fn py_test_snapshot_nonexistent_and_existent_fs() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (new_snap(&g, &p.name), new_snap(&g, &p.ds("nonexistent")));
    let e = lzc().snapshot(&[&s1, &s2], None).unwrap_err();
    assert_eq!(items(&e), [(s2.clone(), libc::ENOENT)], "{e:?}");
    assert!(!exists(&s1) && !exists(&s2), "atomic: neither snapshot exists");
}

#[test]
fn py_test_snapshot_already_exists() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.name);
    lzc().snapshot(&[&s], None).unwrap();
    let e = lzc().snapshot(&[&s], None).unwrap_err();
    assert_eq!(items(&e), [(s, libc::EEXIST)], "{e:?}");
}

#[test]
fn py_test_multiple_snapshots_for_same_fs() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (new_snap(&g, &p.name), new_snap(&g, &p.name));
    let e = lzc().snapshot(&[&s1, &s2], None).unwrap_err();
    // DuplicateSnapshots: EXDEV with all names in one pool.
    assert_eq!(errno(&e), libc::EXDEV, "{e:?}");
    assert!(e.items().len() <= 1, "{e:?}");
    assert!(!exists(&s1) && !exists(&s2));
}

#[test]
fn py_test_multiple_snapshots() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (new_snap(&g, &p.name), new_snap(&g, &p.ds("fs1")));
    lzc().snapshot(&[&s1, &s2], None).unwrap();
    assert!(exists(&s1) && exists(&s2));
}

#[test]
fn py_test_multiple_existing_snapshots() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (new_snap(&g, &p.name), new_snap(&g, &p.ds("fs1")));
    lzc().snapshot(&[&s1, &s2], None).unwrap();
    let e = lzc().snapshot(&[&s1, &s2], None).unwrap_err();
    let mut got = items(&e);
    got.sort();
    let mut want = vec![(s1, libc::EEXIST), (s2, libc::EEXIST)];
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn py_test_multiple_new_and_existing_snapshots() {
    let g = require_guest();
    let p = &pools(&g).main;
    let tag = g.unique_name("s");
    let [s1, s2, s3] = ["", "fs1", "fs2"].map(|fs| format!("{}@{tag}", p.ds(fs)));
    lzc().snapshot(&[&s1, &s2], None).unwrap();
    let e = lzc().snapshot(&[&s1, &s2, &s3], None).unwrap_err();
    assert_eq!(e.items().len(), 2, "{e:?}");
    assert!(e.items().iter().all(|i| i.errno.0 == libc::EEXIST), "{e:?}");
    assert!(!exists(&s3));
}

#[test]
fn py_test_snapshot_multiple_errors() {
    let g = require_guest();
    let p = &pools(&g).main;
    let tag = g.unique_name("s");
    let [s1, s2, s3] = ["", "nonexistent", "fs1"].map(|fs| format!("{}@{tag}", p.ds(fs)));
    lzc().snapshot(&[&s1], None).unwrap();
    let e = lzc().snapshot(&[&s1, &s2, &s3], None).unwrap_err();
    assert!(!e.items().is_empty(), "{e:?}");
    assert!(e.items().iter().all(|i| [libc::EEXIST, libc::ENOENT].contains(&i.errno.0)), "{e:?}");
    assert!(!exists(&s2) && !exists(&s3));
}

#[test]
fn py_test_snapshot_different_pools() {
    let g = require_guest();
    let ps = pools(&g);
    let (s1, s2) = (new_snap(&g, &ps.main.name), new_snap(&g, &ps.misc.name));
    let e = lzc().snapshot(&[&s1, &s2], None).unwrap_err();
    assert_eq!(errno(&e), libc::EXDEV, "PoolsDiffer: {e:?}");
    assert!(e.items().len() <= 1, "{e:?}");
    assert!(!exists(&s1) && !exists(&s2));
}

#[test]
fn py_test_snapshot_invalid_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    let bad1 = format!("{}@bad&name", p.name);
    let bad2 = format!("{}@bad*name", p.ds("fs1"));
    let ok = new_snap(&g, &p.ds("fs2"));
    let e = lzc().snapshot(&[&bad1, &bad2, &ok], None).unwrap_err();
    // One common NameInvalid error without a name.
    assert_eq!(errno(&e), libc::EINVAL, "{e:?}");
    assert!(e.items().is_empty(), "{e:?}");
    assert!(!exists(&ok));
}

#[test]
fn py_test_snapshot_too_long_complete_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    let long = |fs: &str| {
        let prefix = format!("{}@", p.ds(fs));
        format!("{prefix}{}", "x".repeat(MAXNAMELEN + 1 - prefix.len()))
    };
    let (s1, s2, s3) = (long("fs1"), long("fs2"), new_snap(&g, &p.name));
    let e = lzc().snapshot(&[&s1, &s2, &s3], None).unwrap_err();
    let mut names: Vec<&str> = e.items().iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, [s1.as_str(), s2.as_str()], "{e:?}");
    assert!(e.items().iter().all(|i| i.errno.0 == libc::ENAMETOOLONG), "{e:?}");
    assert!(!exists(&s3));
}

#[test]
fn py_test_snapshot_too_long_snap_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    let comp = "x".repeat(MAXNAMELEN + 1);
    let (s1, s2) = (format!("{}@{comp}", p.ds("fs1")), format!("{}@{comp}", p.ds("fs2")));
    let e = lzc().snapshot(&[&s1, &s2, &new_snap(&g, &p.name)], None).unwrap_err();
    // EINVAL, which pyzfs reports as NameTooLong because a name is long.
    assert_eq!(errno(&e), libc::EINVAL, "{e:?}");
    assert!(e.items().is_empty(), "one common error without a name: {e:?}");
}

// -------------------------------------------------------------- destroy

#[test]
fn py_test_destroy_nonexistent_snapshot() {
    let g = require_guest();
    let s = format!("{}@nonexistent", pools(&g).main.name);
    lzc().destroy_snaps(&[&s], false).unwrap();
    lzc().destroy_snaps(&[&s], true).unwrap();
}

#[test]
fn py_test_destroy_snapshot_of_nonexistent_pool() {
    require_guest();
    for defer in [false, true] {
        let e = lzc().destroy_snaps(&["no-such-pool@snap"], defer).unwrap_err();
        assert_eq!(errno(&e), libc::ENOENT, "PoolNotFound: {e:?}");
    }
}

#[test]
fn py_test_destroy_snapshot_of_nonexistent_fs() {
    let g = require_guest();
    let s = format!("{}@snap", pools(&g).main.ds("nonexistent"));
    lzc().destroy_snaps(&[&s], false).unwrap();
    lzc().destroy_snaps(&[&s], true).unwrap();
}

#[test]
fn py_test_destroy_too_long_short_snap_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    let comp = "x".repeat(MAXNAMELEN + 1);
    let snaps = [
        format!("{}@{comp}", p.ds("fs1")),
        format!("{}@{comp}", p.ds("fs2")),
        new_snap(&g, &p.name),
    ];
    let snaps: Vec<&str> = snaps.iter().map(String::as_str).collect();
    let e = lzc().destroy_snaps(&snaps, false).unwrap_err();
    assert_eq!(errno(&e), libc::ENAMETOOLONG, "{e:?}");
    assert!(e.items().iter().all(|i| i.errno.0 == libc::ENAMETOOLONG), "{e:?}");
}
