//! Pool-wide progress beside the scan (issue #9): a checkpoint and a
//! finished device removal show in both backends' status, equal between
//! them; the checkpoint is gone once discarded.

use std::fs::{self, File};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use helios64_zfs::{CheckpointState, RemovalState, Zfs};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, assert_same_status, backends, native};

const MIB: u64 = 1 << 20;

/// The vdev that stays in the removal test, sparse.
const BIG_VDEV_BYTES: u64 = 1 << 30;

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[test]
fn a_checkpoint_is_in_both_backends_status_until_discarded() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zckp", &["F"]);
    let p = pool.pool();
    // The data the checkpoint will keep alive once the file is deleted.
    let mnt = pool.filesystem("fs");
    pool.fill("fs", 4);
    for (backend, zfs) in backends() {
        let s = zfs.status(&p).unwrap();
        assert_eq!((s.checkpoint, s.removal), (None, None), "{backend}: none yet");
    }
    let before = now();
    run_ok("zpool", &["checkpoint", &pool.name]);
    let after = now();

    // `pcs_space` counts what the checkpoint alone still references: the
    // deleted file's blocks, once the frees have synced.
    fs::remove_file(mnt.join("data")).unwrap();
    let zfs = native();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        run_ok("zpool", &["sync", &pool.name]);
        let c = zfs.status(&p).unwrap().checkpoint.expect("a checkpoint");
        if c.space >= 4 * MIB {
            break;
        }
        assert!(Instant::now() < deadline, "the checkpoint never held the file: {c:?}");
        sleep(Duration::from_millis(250));
    }
    for (backend, zfs) in backends() {
        let c = zfs.status(&p).unwrap().checkpoint.expect("a checkpoint");
        assert_eq!(c.state, CheckpointState::Exists, "{backend}");
        assert!(
            (before..=after).contains(&c.start_time),
            "{backend}: {c:?} not in {before}..={after}"
        );
        // More than the file, less than the 128 MiB vdev.
        assert!((4 * MIB..128 * MIB).contains(&c.space), "{backend}: {c:?}");
    }
    let same = assert_same_status(&p);
    println!("checkpoint: {:?}", same.checkpoint);

    run_ok("zpool", &["checkpoint", "-d", "-w", &pool.name]);
    for (backend, zfs) in backends() {
        assert_eq!(zfs.status(&p).unwrap().checkpoint, None, "{backend}: discarded");
    }
}

#[test]
fn a_finished_removal_stays_in_both_backends_status() {
    let guest = require_guest();
    // The kernel refuses a removal unless the other vdevs have room for
    // the whole removed vdev plus twice the slop space (at least 128 MiB
    // each): two 128 MiB vdevs never qualify, so the first one is large.
    let big = guest.scratch_dir("zrm-big").unwrap().join("vdev-big");
    File::create(&big).unwrap().set_len(BIG_VDEV_BYTES).unwrap();
    let big = big.display().to_string();
    let pool = TestPool::create(&guest, "zrm", &[&big, "F"]);
    let p = pool.pool();
    pool.filesystem("fs");
    pool.fill("fs", 16);
    for (backend, zfs) in backends() {
        assert_eq!(zfs.status(&p).unwrap().removal, None, "{backend}: none yet");
    }
    // `files` has the `F` vdevs only: the big one is not among them.
    let removed = pool.files[0].display().to_string();
    let before = now();
    run_ok("zpool", &["remove", "-w", &pool.name, &removed]);
    let after = now();

    for (backend, zfs) in backends() {
        let s = zfs.status(&p).unwrap();
        let r = s.removal.expect("removal stats after the removal");
        assert_eq!(r.state, RemovalState::Finished, "{backend}: {r:?}");
        assert_eq!(r.removing_vdev, 1, "{backend}: the second top-level vdev");
        assert!(before <= r.start_time && r.start_time <= r.end_time, "{backend}: {r:?}");
        assert!(r.end_time <= after, "{backend}: {r:?} ended after {after}");
        // Some of the 16 MiB landed on the removed vdev (a share by its
        // size, about a ninth) and all of it was copied.
        assert_eq!(r.copied, r.to_copy, "{backend}: {r:?}");
        assert!((1..128 * MIB).contains(&r.copied), "{backend}: {r:?}");
        assert!(r.mapping_memory > 0, "{backend}: an indirect mapping: {r:?}");
        // The removed vdev is indirect now, hidden from the tree.
        assert_eq!(s.root.children.len(), 1, "{backend}");
    }
    let same = assert_same_status(&p);
    println!("removal: {:?}", same.removal);
}
