//! Hot spares in use and shared (issue #9): after `zpool replace` with a
//! hot spare, the spare is INUSE by its pool in both backends, the same
//! spare shared with a second pool is INUSE by the first pool there, and
//! neither makes `health()` UNAVAIL. The backends agree on every value
//! (`assert_same_status`).

use helios64_zfs::{Health, PoolName, SpareState, Zfs};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, assert_same_status, backends};

fn spare_states(zfs: &dyn Zfs, pool: &PoolName) -> Vec<(SpareState, Option<String>, Health)> {
    let spares = zfs.spares(pool).unwrap();
    spares
        .into_iter()
        .map(|s| (s.state, s.used_by.map(|p| p.to_string()), s.vdev.health()))
        .collect()
}

#[test]
fn spares_in_use_and_shared_are_in_use_by_their_pool_and_healthy() {
    let guest = require_guest();
    let a = TestPool::create(&guest, "zspa", &["mirror", "F", "F", "spare", "F"]);
    let b = TestPool::create(&guest, "zspb", &["F"]);
    let spare = a.files[2].display().to_string();
    run_ok("zpool", &["add", &b.name, "spare", &spare]);
    let (pa, pb) = (a.pool(), b.pool());

    for (backend, zfs) in backends() {
        for p in [&pa, &pb] {
            let avail = spare_states(zfs.as_ref(), p);
            assert_eq!(avail, [(SpareState::Avail, None, Health::Online)], "{backend} {p}");
        }
    }

    run_ok("zpool", &["replace", &a.name, &a.files[0].display().to_string(), &spare]);
    run_ok("zpool", &["wait", "-t", "resilver", &a.name]);

    for (backend, zfs) in backends() {
        let in_use = (SpareState::InUse, Some(a.name.clone()), Health::Online);
        assert_eq!(
            spare_states(zfs.as_ref(), &pa),
            std::slice::from_ref(&in_use),
            "{backend}: in {pa}"
        );
        assert_eq!(spare_states(zfs.as_ref(), &pb), [in_use], "{backend}: shared, in {pb}");
        let status = zfs.status(&pa).unwrap();
        assert_eq!(status.health, Health::Online, "{backend}");
        let mirror = &status.root.children[0];
        let spare_vdev = &mirror.children[0];
        assert_eq!((spare_vdev.vdev_type.as_str(), spare_vdev.children.len()), ("spare", 2));
        assert_eq!(spare_vdev.health(), Health::Online, "{backend}");
    }
    assert_same_status(&pa);
    assert_same_status(&pb);

    // Detaching the spare puts it back on the shelf, in both pools.
    run_ok("zpool", &["detach", &a.name, &spare]);
    for (backend, zfs) in backends() {
        for p in [&pa, &pb] {
            let avail = spare_states(zfs.as_ref(), p);
            assert_eq!(avail, [(SpareState::Avail, None, Health::Online)], "{backend} {p}");
        }
    }
}
