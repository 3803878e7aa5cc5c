//! A device missing at import (issue #9): export a mirror, take one file
//! vdev away, import. The kernel says CANT_OPEN / OPEN_FAILED and
//! `not_present`; `zpool status -j` prints no aux for it. Both backends now
//! give the kernel's meaning, name the leaf by its GUID (as zpool does for a
//! device that is not there) and agree on the whole status.

use helios64_zfs::{Health, VdevAux, VdevState};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, assert_same_status, backends};

#[test]
fn a_device_missing_at_import_is_open_failed_in_both_backends() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zmis", &["mirror", "F", "F"]);
    let dir = pool.files[0].parent().unwrap().display().to_string();
    let gone = pool.files[1].clone();
    run_ok("zpool", &["export", &pool.name]);
    // Out of the directory: `import -d` reads every file in it.
    let away = guest.scratch_dir("zmis-away").unwrap().join("vdev1");
    std::fs::rename(&gone, &away).unwrap();
    run_ok("zpool", &["import", "-o", "cachefile=none", "-d", &dir, &pool.name]);

    for (backend, zfs) in backends() {
        let status = zfs.status(&pool.pool()).unwrap();
        assert_eq!(status.health, Health::Degraded, "{backend}");
        let leaf = &status.root.children[0].children[1];
        assert!(leaf.not_present, "{backend}: {leaf:?}");
        assert_eq!(
            (leaf.state, leaf.aux, leaf.health()),
            (VdevState::CantOpen, Some(VdevAux::OpenFailed), Health::Unavail),
            "{backend}"
        );
        assert_eq!(leaf.name, leaf.guid.to_string(), "{backend}: named by GUID, as zpool does");
        assert_eq!(leaf.path.as_deref(), Some(gone.to_str().unwrap()), "{backend}");
    }
    assert_same_status(&pool.pool());
}
