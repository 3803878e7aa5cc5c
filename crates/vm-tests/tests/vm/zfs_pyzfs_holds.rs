//! The pyzfs port, continued (see `zfs_pyzfs`): hold, get_holds, release.

use helios64_zfs::lzc::RawHold;
use vm_env::{Guest, require_guest};

use crate::zfs_pyzfs::{MAXNAMELEN, errno, exists, items, lzc, new_snap, pools};

fn snapshot_now(g: &Guest, ds: &str) -> String {
    let s = new_snap(g, ds);
    lzc().snapshot(&[&s], None).unwrap();
    s
}

#[test]
fn py_test_hold_bad_fd() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let closed = {
        let f = tempfile::tempfile().unwrap();
        std::os::fd::AsRawFd::as_raw_fd(&f)
    };
    // SAFETY: only passed to the kernel, which must reject the closed fd.
    let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(closed) };
    let e = lzc().hold(&[RawHold::new(&s, "tag")], Some(fd)).unwrap_err();
    assert_eq!(errno(&e), libc::EBADF, "BadHoldCleanupFD: {e:?}");
}

#[test]
fn py_test_hold_wrong_fd() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let f = tempfile::tempfile().unwrap();
    let e = lzc().hold(&[RawHold::new(&s, "tag")], Some(std::os::fd::AsFd::as_fd(&f))).unwrap_err();
    assert_eq!(errno(&e), libc::EBADF, "BadHoldCleanupFD: {e:?}");
}

#[test]
fn py_test_hold_fd_and_empty() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    lzc().hold(&[RawHold::new(&s, "tag")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    // test_hold_empty, test_hold_empty_2
    assert!(lzc().hold(&[], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap().is_empty());
    assert!(lzc().hold(&[], None).unwrap().is_empty());
}

#[test]
fn py_test_hold_vs_snap_destroy() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    lzc().hold(&[RawHold::new(&s, "tag")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    let e = lzc().destroy_snaps(&[&s], false).unwrap_err();
    assert_eq!(items(&e), [(s.clone(), libc::EBUSY)], "SnapshotIsHeld: {e:?}");
    lzc().destroy_snaps(&[&s], true).unwrap();
    assert!(exists(&s));
    drop(fd);
    assert!(!exists(&s), "closing the cleanup fd released the hold and the deferred destroy ran");
}

#[test]
fn py_test_hold_many_tags_and_snaps() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (snapshot_now(&g, &p.name), snapshot_now(&g, &p.name));
    let fd = lzc().cleanup_fd().unwrap();
    let fd = std::os::fd::AsFd::as_fd(&fd);
    lzc().hold(&[RawHold::new(&s1, "tag1")], Some(fd)).unwrap();
    lzc().hold(&[RawHold::new(&s1, "tag2")], Some(fd)).unwrap();
    lzc().hold(&[RawHold::new(&s1, "tag"), RawHold::new(&s2, "tag")], Some(fd)).unwrap();
    assert_eq!(lzc().get_holds(&s1).unwrap().len(), 3);
}

#[test]
fn py_test_hold_many_with_one_missing() {
    let g = require_guest();
    let p = &pools(&g).main;
    let s1 = snapshot_now(&g, &p.name);
    let s2 = new_snap(&g, &p.name);
    let fd = lzc().cleanup_fd().unwrap();
    let missing = lzc()
        .hold(
            &[RawHold::new(&s1, "tag"), RawHold::new(&s2, "tag")],
            Some(std::os::fd::AsFd::as_fd(&fd)),
        )
        .unwrap();
    assert_eq!(missing.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), [s2.as_str()]);
    assert_eq!(missing[0].errno.0, libc::ENOENT);
}

#[test]
fn py_test_hold_many_with_all_missing() {
    let g = require_guest();
    let p = &pools(&g).main;
    let (s1, s2) = (new_snap(&g, &p.name), new_snap(&g, &p.name));
    let missing = lzc().hold(&[RawHold::new(&s1, "tag"), RawHold::new(&s2, "tag")], None).unwrap();
    let mut names: Vec<&str> = missing.iter().map(|i| i.name.as_str()).collect();
    names.sort_unstable();
    let mut want = [s1.as_str(), s2.as_str()];
    want.sort_unstable();
    assert_eq!(names, want);
}

#[test]
fn py_test_hold_missing_fs() {
    let g = require_guest();
    let s = new_snap(&g, &pools(&g).main.ds("nofs"));
    let missing = lzc().hold(&[RawHold::new(&s, "tag")], None).unwrap();
    assert_eq!(missing.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), [s.as_str()]);
}

#[test]
fn py_test_hold_duplicate() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    let fd = std::os::fd::AsFd::as_fd(&fd);
    lzc().hold(&[RawHold::new(&s, "tag")], Some(fd)).unwrap();
    let e = lzc().hold(&[RawHold::new(&s, "tag")], Some(fd)).unwrap_err();
    assert!(e.items().iter().all(|i| i.errno.0 == libc::EEXIST), "HoldExists: {e:?}");
    assert_eq!(errno(&e), libc::EEXIST);
}

#[test]
fn py_test_hold_across_pools() {
    let g = require_guest();
    let ps = pools(&g);
    let (s1, s2) = (snapshot_now(&g, &ps.main.name), snapshot_now(&g, &ps.misc.name));
    let e = lzc().hold(&[RawHold::new(&s1, "tag"), RawHold::new(&s2, "tag")], None).unwrap_err();
    assert_eq!(errno(&e), libc::EXDEV, "PoolsDiffer: {e:?}");
}

#[test]
fn py_test_hold_too_long_tag() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    // A temporary hold's tag gets a prefix, so the kernel refuses 255 bytes:
    // NameTooLong(tag) is E2BIG against the snapshot.
    let e = lzc()
        .hold(&[RawHold::new(&s, &"t".repeat(255))], Some(std::os::fd::AsFd::as_fd(&fd)))
        .unwrap_err();
    assert_eq!(items(&e), [(s.clone(), libc::E2BIG)], "{e:?}");
    // pyzfs uses 256 bytes. Without a cleanup fd the kernel accepts that
    // length and then panics (VERIFY in dsl_dataset_user_hold_sync_one_impl,
    // OpenZFS 2.3.2), so Lzc refuses it before the ioctl.
    let e = lzc().hold(&[RawHold::new(&s, &"t".repeat(256))], None).unwrap_err();
    assert_eq!(e.kind(), helios64_zfs::ErrorKind::NameTooLong, "{e:?}");
    assert!(lzc().get_holds(&s).unwrap().is_empty());
}

#[test]
fn py_test_hold_too_long_snap_name_2() {
    let g = require_guest();
    let s = format!("{}@{}", pools(&g).main.name, "x".repeat(MAXNAMELEN + 1));
    let e = lzc().hold(&[RawHold::new(&s, "tag")], None).unwrap_err();
    assert_eq!(items(&e), [(s, libc::ENAMETOOLONG)], "{e:?}");
}

#[test]
fn py_test_hold_invalid_snap_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    for s in [format!("{}@bad", new_snap(&g, &p.name)), p.ds("fs1")] {
        let e = lzc().hold(&[RawHold::new(&s, "tag")], None).unwrap_err();
        assert_eq!(errno(&e), libc::EINVAL, "NameInvalid for {s}: {e:?}");
        assert!(e.items().iter().all(|i| i.name == s && i.errno.0 == libc::EINVAL), "{e:?}");
    }
}

// ------------------------------------------------------------ get_holds

#[test]
fn py_test_get_holds_and_auto_cleanup() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    lzc().hold(&[RawHold::new(&s, "tag1")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    lzc().hold(&[RawHold::new(&s, "tag2")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    let holds = lzc().get_holds(&s).unwrap();
    assert_eq!(holds.keys().collect::<Vec<_>>(), ["tag1", "tag2"]);
    assert!(holds.values().all(|t| *t > 1_600_000_000));
    drop(fd);
    assert!(lzc().get_holds(&s).unwrap().is_empty(), "test_get_holds_after_auto_cleanup");
}

#[test]
fn py_test_get_holds_errors() {
    let g = require_guest();
    let p = &pools(&g).main;
    let e = lzc().get_holds(&new_snap(&g, &p.name)).unwrap_err();
    assert_eq!(errno(&e), libc::ENOENT, "SnapshotNotFound: {e:?}");
    let e = lzc().get_holds(&format!("{}@bad", new_snap(&g, &p.name))).unwrap_err();
    assert_eq!(errno(&e), libc::EINVAL, "NameInvalid: {e:?}");
    for long in [
        format!("{}@{}", p.name, "x".repeat(MAXNAMELEN + 1)),
        format!("{}@{}", p.name, "x".repeat(MAXNAMELEN - p.name.len())),
    ] {
        let e = lzc().get_holds(&long).unwrap_err();
        // EINVAL; pyzfs's _validate_snap_name turns it into NameTooLong.
        assert_eq!(errno(&e), libc::EINVAL, "NameTooLong for {} chars: {e:?}", long.len());
    }
}

// -------------------------------------------------------------- release

#[test]
fn py_test_release_hold_and_empty() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    lzc().hold(&[RawHold::new(&s, "tag")], None).unwrap();
    assert!(lzc().release(&[RawHold::new(&s, "tag")]).unwrap().is_empty());
    assert!(lzc().release(&[]).unwrap().is_empty());
}

#[test]
fn py_test_release_hold_complex() {
    let g = require_guest();
    let p = &pools(&g).main;
    let s1 = snapshot_now(&g, &p.name);
    let tag = g.unique_name("s");
    let (s2, s3) = (format!("{}@{tag}", p.name), format!("{}@{tag}", p.ds("fs1")));
    lzc().snapshot(&[&s2, &s3], None).unwrap();
    for (s, t) in [(&s1, "tag1"), (&s1, "tag2"), (&s2, "tag"), (&s3, "tag1"), (&s3, "tag2")] {
        lzc().hold(&[RawHold::new(s, t)], None).unwrap();
    }
    let count = |s: &str| lzc().get_holds(s).unwrap().len();
    assert_eq!((count(&s1), count(&s2), count(&s3)), (2, 1, 2));
    let release = [
        RawHold::new(&s1, "tag1"),
        RawHold::new(&s1, "tag2"),
        RawHold::new(&s2, "tag"),
        RawHold::new(&s3, "tag2"),
    ];
    assert!(lzc().release(&release).unwrap().is_empty());
    assert_eq!((count(&s1), count(&s2), count(&s3)), (0, 0, 1));
    assert!(lzc().release(&[RawHold::new(&s3, "tag1")]).unwrap().is_empty());
    assert_eq!(count(&s3), 0);
}

#[test]
fn py_test_release_hold_and_snap_destruction() {
    let g = require_guest();
    let s = snapshot_now(&g, &pools(&g).main.name);
    let fd = lzc().cleanup_fd().unwrap();
    lzc().hold(&[RawHold::new(&s, "tag1")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    lzc().hold(&[RawHold::new(&s, "tag2")], Some(std::os::fd::AsFd::as_fd(&fd))).unwrap();
    lzc().destroy_snaps(&[&s], true).unwrap();
    lzc().destroy_snaps(&[&s], true).unwrap(); // test_release_hold_and_multiple_snap_destruction
    assert!(exists(&s));
    lzc().release(&[RawHold::new(&s, "tag1")]).unwrap();
    assert!(exists(&s));
    lzc().release(&[RawHold::new(&s, "tag2")]).unwrap();
    assert!(!exists(&s));
}

#[test]
fn py_test_release_hold_missing_tag_and_snap() {
    let g = require_guest();
    let p = &pools(&g).main;
    let s = snapshot_now(&g, &p.name);
    let skipped = lzc().release(&[RawHold::new(&s, "tag")]).unwrap();
    assert_eq!(skipped.iter().map(|i| i.name.clone()).collect::<Vec<_>>(), [format!("{s}#tag")]);
    let gone = new_snap(&g, &p.name);
    let skipped =
        lzc().release(&[RawHold::new(&gone, "tag"), RawHold::new(&gone, "another")]).unwrap();
    assert_eq!(skipped.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), [gone.as_str()]);
}

#[test]
fn py_test_release_hold_across_pools() {
    let g = require_guest();
    let ps = pools(&g);
    let (s1, s2) = (snapshot_now(&g, &ps.main.name), snapshot_now(&g, &ps.misc.name));
    lzc().hold(&[RawHold::new(&s1, "tag")], None).unwrap();
    lzc().hold(&[RawHold::new(&s2, "tag")], None).unwrap();
    let e = lzc().release(&[RawHold::new(&s1, "tag"), RawHold::new(&s2, "tag")]).unwrap_err();
    assert_eq!(errno(&e), libc::EXDEV, "PoolsDiffer: {e:?}");
}

#[test]
fn py_test_release_hold_invalid_and_too_long_snap_name() {
    let g = require_guest();
    let p = &pools(&g).main;
    for s in [format!("{}@bad", new_snap(&g, &p.name)), p.ds("fs1")] {
        let e = lzc().release(&[RawHold::new(&s, "tag")]).unwrap_err();
        assert_eq!(errno(&e), libc::EINVAL, "NameInvalid for {s}: {e:?}");
    }
    let long = format!("{}@{}", p.name, "x".repeat(MAXNAMELEN + 1));
    let e = lzc().release(&[RawHold::new(&long, "tag")]).unwrap_err();
    assert_eq!(errno(&e), libc::ENAMETOOLONG, "NameTooLong: {e:?}");
}
