//! The list of files with permanent errors (issue #9, `zpool status -v`):
//! a file on a single-vdev pool whose blocks are overwritten on disk (labels
//! and metadata intact) is in [`Zfs::data_errors`](helios64_zfs::Zfs::data_errors) of both backends, by its
//! path, and natively with its object numbers.

use std::fs::{self, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use helios64_zfs::ErrorObject;
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, assert_same_status, backends};

/// What the victim file is made of: found on the vdev byte for byte
/// (compression is off), and nowhere else on it.
const MARKER: &[u8; 16] = b"H64-CORRUPT-ME!\n";

/// Overwrites every copy of [`MARKER`] in `vdev` with other bytes; returns
/// how many there were. Blocks are at least 512-byte aligned, so a marker
/// never straddles two 1 MiB chunks.
fn corrupt_markers(vdev: &Path) -> usize {
    let mut f = OpenOptions::new().read(true).write(true).open(vdev).unwrap();
    let len = f.metadata().unwrap().len();
    let mut buf = vec![0u8; 1 << 20];
    let mut hits = 0;
    let mut offset = 0;
    while offset < len {
        f.seek(SeekFrom::Start(offset)).unwrap();
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        let mut changed = false;
        for chunk in buf[..n].chunks_exact_mut(MARKER.len()) {
            if chunk == MARKER {
                chunk.copy_from_slice(b"garbage-garbage!");
                changed = true;
                hits += 1;
            }
        }
        if changed {
            f.seek(SeekFrom::Start(offset)).unwrap();
            f.write_all(&buf[..n]).unwrap();
        }
        offset += n as u64;
    }
    f.sync_all().unwrap();
    hits
}

#[test]
fn a_file_with_corrupted_blocks_is_in_the_error_list_of_both_backends() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zerr", &["F"]);
    let mnt = pool.filesystem("fs");
    let victim = mnt.join("victim");
    fs::write(&victim, MARKER.repeat(64 << 10)).unwrap(); // 1 MiB
    fs::write(mnt.join("bystander"), b"fine").unwrap();
    let p = pool.pool();
    for (backend, zfs) in backends() {
        assert_eq!(zfs.data_errors(&p).unwrap(), [], "{backend}: a healthy pool");
    }

    // Exported, so nothing of the file is cached and the pool is quiet
    // while its vdev is rewritten under it.
    run_ok("zpool", &["export", &pool.name]);
    let hits = corrupt_markers(&pool.files[0]);
    assert!(hits >= 64 << 10, "only {hits} copies of the marker on the vdev");
    let dir = pool.files[0].parent().unwrap().display().to_string();
    run_ok("zpool", &["import", "-o", "cachefile=none", "-d", &dir, &pool.name]);
    let err = fs::read(&victim).expect_err("reading the corrupted file succeeded");
    assert_eq!(err.raw_os_error(), Some(libc::EIO), "{err}");
    assert_eq!(fs::read(mnt.join("bystander")).unwrap(), b"fine");
    // The read logged the error; a scrub logs it again, as a monitor
    // would see it after the nightly scrub.
    run_ok("zpool", &["scrub", "-w", &pool.name]);

    let want = victim.display().to_string();
    let mut native_object: Option<ErrorObject> = None;
    for (backend, zfs) in backends() {
        let errors = zfs.data_errors(&p).unwrap();
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, [want.as_str()], "{backend}");
        let status = zfs.status(&p).unwrap();
        assert!(status.error_count.is_some_and(|n| n > 0), "{backend}: {:?}", status.error_count);
        if backend == "native" {
            let object = errors[0].object.expect("native errors have object numbers");
            assert_ne!(object.dataset, 0, "a file's error is not in the MOS");
            native_object = Some(object);
        } else {
            assert_eq!(errors[0].object, None, "{backend}: the JSON has no numbers");
        }
    }
    assert!(native_object.is_some());
    assert_same_status(&p);

    // Unmounted, the path is `dataset:/file`, as `zpool status -v` says.
    run_ok("zfs", &["unmount", &pool.ds("fs")]);
    let unmounted = format!("{}:/victim", pool.ds("fs"));
    for (backend, zfs) in backends() {
        let paths: Vec<String> = zfs.data_errors(&p).unwrap().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, [unmounted.as_str()], "{backend}");
    }
}
