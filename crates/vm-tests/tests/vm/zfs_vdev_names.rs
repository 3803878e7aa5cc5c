//! Vdev names do not depend on the caller's environment (issue #9):
//! libzfs's `zpool_vdev_name` ORs `ZPOOL_VDEV_NAME_GUID`, `_PATH` and
//! `_FOLLOW_LINKS` into its flags, so the native backend spells names
//! itself; the naming is a typed option ([`VdevNaming`]) instead. A pool on
//! two whole virtio disks (by-id symlinks, partitions that `zpool status`
//! strips) and a file log: every naming agrees with `zpool status [-g|-P]`
//! (`-L` is broken in `zpool status -j` 2.3.2, which the CLI backend
//! reports), and setting the variables in this process changes nothing.

use helios64_zfs::{Cli, ErrorKind, Native, PoolName, VdevNaming, Zfs};
use vm_env::{board, require_guest};

use crate::zfs_pool::{TestPool, cli_has_json, native};

const VARS: [&str; 3] =
    ["ZPOOL_VDEV_NAME_GUID", "ZPOOL_VDEV_NAME_PATH", "ZPOOL_VDEV_NAME_FOLLOW_LINKS"];

/// The variables set for as long as it lives; removed on drop, also when an
/// assertion fails, so no other test sees them.
struct NamingEnv;

impl NamingEnv {
    fn set() -> NamingEnv {
        for var in VARS {
            // SAFETY: the suite runs one test at a time (RUST_TEST_THREADS=1)
            // and this test starts no threads, so nothing reads the
            // environment concurrently.
            unsafe { std::env::set_var(var, "1") };
        }
        NamingEnv
    }
}

impl Drop for NamingEnv {
    fn drop(&mut self) {
        for var in VARS {
            // SAFETY: as in `set`.
            unsafe { std::env::remove_var(var) };
        }
    }
}

fn names(zfs: &dyn Zfs, pool: &PoolName) -> Vec<String> {
    zfs.status(pool).unwrap().all_vdevs().iter().map(|v| v.name.clone()).collect()
}

const NAMINGS: [VdevNaming; 5] = [
    VdevNaming { guid: false, follow_links: false, full_path: false },
    VdevNaming { guid: true, follow_links: false, full_path: false },
    VdevNaming { guid: false, follow_links: true, full_path: false },
    VdevNaming { guid: false, follow_links: false, full_path: true },
    VdevNaming { guid: false, follow_links: true, full_path: true },
];

#[test]
fn vdev_names_follow_the_typed_naming_and_never_the_environment() {
    let guest = require_guest();
    let [d1, d2, ..] = board::ZFS_VDEV_DISKS;
    let pool = TestPool::create(&guest, "zvn", &["mirror", d1, d2, "log", "F"]);
    let (name, log) = (pool.name.clone(), pool.files[0].display().to_string());
    let p = pool.pool();

    let short = names(&native(), &p);
    // zpool's own spelling: the root by the pool's name, interior vdevs by
    // type and id, disks relative to /dev/disk/by-id without the partition
    // zpool made, files by their path.
    assert_eq!(short, [name.as_str(), "mirror-0", "virtio-H64ZVDEV1", "virtio-H64ZVDEV2", &log]);

    let mut by_naming = Vec::new();
    for naming in NAMINGS {
        let native_names = names(&native().with_vdev_naming(naming), &p);
        if cli_has_json() {
            let cli = Cli::new().with_vdev_naming(naming);
            if naming.follow_links {
                // `zpool status -j -L` 2.3.2 prints no state for a leaf
                // whose link it resolved (docs/zfs.md, known upstream
                // bugs): the CLI backend says so instead of guessing.
                let e = cli.status(&p).unwrap_err();
                assert_eq!(e.kind(), ErrorKind::Malformed, "{e:?}");
                assert!(e.to_string().contains("no state"), "{e}");
            } else {
                let cli_names = names(&cli, &p);
                assert_eq!(native_names, cli_names, "native vs `zpool status` for {naming:?}");
            }
        }
        by_naming.push(native_names);
    }
    assert!(by_naming[1][1].parse::<u64>().is_ok(), "-g names the mirror by guid: {by_naming:?}");
    assert!(by_naming[2][2].starts_with("vd"), "-L resolves by-id to /dev/vdX: {by_naming:?}");
    assert!(
        by_naming[3][2].ends_with("virtio-H64ZVDEV1-part1"),
        "-P keeps the path: {by_naming:?}"
    );

    let _env = NamingEnv::set();
    for (i, naming) in NAMINGS.into_iter().enumerate() {
        let backends: Vec<(&str, Box<dyn Zfs>)> = if cli_has_json() && !naming.follow_links {
            vec![
                ("native", Box::new(Native::open().unwrap().with_vdev_naming(naming))),
                ("cli", Box::new(Cli::new().with_vdev_naming(naming))),
            ]
        } else {
            vec![("native", Box::new(Native::open().unwrap().with_vdev_naming(naming)))]
        };
        for (backend, zfs) in backends {
            assert_eq!(
                names(zfs.as_ref(), &p),
                by_naming[i],
                "{backend} {naming:?} with {VARS:?}=1"
            );
        }
    }
}
