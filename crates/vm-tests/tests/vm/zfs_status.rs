//! Pool status, listing, datasets and properties: the native backend must
//! report exactly what `zpool status -jp` / `zfs get -jp` report, for
//! healthy, erroring and degraded pools, and must work unprivileged.

use std::process::Command;

use helios64_zfs::version::KernelPolicy;
use helios64_zfs::{
    Cli, DatasetKind, ErrorKind, Health, Native, PoolState, PropertySource, ScanFunction,
    ScanState, ScrubAction, VdevAux, VdevState, Zfs,
};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, assert_same_status, backends, cli_has_json, native};

#[test]
fn versions_are_checked_against_the_running_module() {
    let guest = require_guest();
    let zfs = Native::open_with(KernelPolicy::SameLine).unwrap();
    let v = zfs.versions();
    let module = guest.zfs_module_version().unwrap();
    let kernel = v.kernel.as_ref().expect("module loaded, so /sys/module/zfs/version exists");
    assert_eq!(kernel.text, module, "{v:?}");
    assert!(v.userland.same_line(&v.compiled), "{v:?}");
    assert!(run_ok("zfs", &["version"]).contains(&v.userland.text), "{v:?}");
}

#[test]
fn healthy_pool_with_every_vdev_class() {
    let guest = require_guest();
    let pool = TestPool::create(
        &guest,
        "zst",
        &["mirror", "F", "F", "raidz", "F", "F", "F", "log", "F", "cache", "F", "spare", "F"],
    );
    let s = assert_same_status(&pool.pool());
    assert_eq!(s.health, Health::Online);
    assert_eq!(s.state, Some(PoolState::Active));
    assert_eq!(s.msgid, None);
    assert_eq!(s.root.vdev_type, "root");
    assert_eq!(s.root.name, pool.name);
    let top: Vec<(&str, &str)> =
        s.root.children.iter().map(|v| (v.name.as_str(), v.vdev_type.as_str())).collect();
    assert_eq!(top, [("mirror-0", "mirror"), ("raidz1-1", "raidz")]);
    assert_eq!(s.root.leaves().len(), 5);
    let leaf_paths: Vec<String> = s.root.leaves().iter().map(|v| v.path.clone().unwrap()).collect();
    let expected: Vec<String> = pool.files[..5].iter().map(|p| p.display().to_string()).collect();
    assert_eq!(leaf_paths, expected);
    assert_eq!(s.logs.len(), 1);
    assert_eq!(s.l2cache.len(), 1);
    assert_eq!(s.spares.len(), 1);
    assert_eq!((s.spares[0].state, s.spares[0].aux), (VdevState::Online, None));
    assert!(s.all_vdevs().iter().all(|v| v.errors.is_none_or(|e| e.total() == 0)));
    assert!(s.space.size > 0 && s.space.free > 0 && s.space.size >= s.space.allocated);
    assert_eq!(s.scan, None, "a new pool was never scanned");
    assert_eq!(s.error_count, Some(0));
}

#[test]
fn checksum_errors_from_a_corrupted_file_vdev() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zcks", &["mirror", "F", "F"]);
    pool.filesystem("fs");
    pool.fill("fs", 24);
    // Overwrite the data area of one mirror side, sparing the labels (the
    // first 4 MiB and the last 512 KiB of the device).
    let of = format!("of={}", pool.files[0].display());
    run_ok(
        "dd",
        &["if=/dev/urandom", &of, "bs=1M", "seek=8", "count=110", "conv=notrunc", "status=none"],
    );
    run_ok("zpool", &["scrub", "-w", &pool.name]);

    let s = assert_same_status(&pool.pool());
    assert_eq!(s.health, Health::Online, "the mirror repaired the damage");
    assert_eq!(s.msgid.as_deref(), Some("ZFS-8000-9P"));
    let leaves = s.root.leaves();
    let damaged = leaves[0].errors.unwrap();
    assert!(damaged.checksum > 0, "{:?}", leaves[0]);
    assert_eq!(leaves[1].errors.unwrap().total(), 0);
    let scan = s.scan.unwrap();
    assert_eq!((scan.function, scan.state), (ScanFunction::Scrub, ScanState::Finished));
    assert!(scan.processed > 0, "repaired bytes: {scan:?}");
    assert!(scan.end_time >= scan.start_time);
}

#[test]
fn a_faulted_vdev_degrades_the_pool() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zflt", &["raidz", "F", "F", "F"]);
    let victim = pool.files[1].display().to_string();
    // `zpool offline -f` faults the device (aux EXTERNAL), as the fault
    // management agent would after too many errors.
    run_ok("zpool", &["offline", "-f", &pool.name, &victim]);
    let s = assert_same_status(&pool.pool());
    assert_eq!(s.health, Health::Degraded);
    assert_eq!(s.root.children[0].health(), Health::Degraded);
    let leaf = &s.root.leaves()[1];
    assert_eq!(leaf.path.as_deref(), Some(victim.as_str()));
    assert_eq!((leaf.state, leaf.aux), (VdevState::Faulted, Some(VdevAux::External)));
    assert_eq!(leaf.health(), Health::Faulted);
    run_ok("zpool", &["clear", &pool.name, &victim]);
    assert_eq!(assert_same_status(&pool.pool()).health, Health::Online);
}

#[test]
fn pool_list_matches() {
    let guest = require_guest();
    let a = TestPool::create(&guest, "zlsa", &["F"]);
    let b = TestPool::create(&guest, "zlsb", &["mirror", "F", "F"]);
    let native_pools = native().pools().unwrap();
    if cli_has_json() {
        assert_eq!(native_pools, Cli::new().pools().unwrap());
    }
    for p in [&a, &b] {
        let found = native_pools.iter().find(|s| s.name == p.name).unwrap();
        assert_eq!(found.health, Health::Online);
        assert!(found.space.size > 0);
    }
}

#[test]
fn datasets_and_properties_match() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zprp", &["F"]);
    pool.filesystem("a/b");
    pool.filesystem("c");
    run_ok("zfs", &["create", "-V", "16M", &pool.ds("vol")]);
    run_ok("zfs", &["set", "compression=lz4", "helios64:role=test", &pool.ds("a")]);
    run_ok("zfs", &["snapshot", &format!("{}@s", pool.ds("a/b"))]);

    let zfs_native = native();
    let cli = cli_has_json().then(Cli::new);
    let kids = zfs_native.datasets(&pool.dataset("")).unwrap();
    if let Some(cli) = &cli {
        assert_eq!(kids, cli.datasets(&pool.dataset("")).unwrap());
    }
    let names: Vec<(&str, DatasetKind)> = kids.iter().map(|d| (d.name.as_str(), d.kind)).collect();
    let (a, c, vol) = (pool.ds("a"), pool.ds("c"), pool.ds("vol"));
    assert_eq!(
        names,
        [
            (a.as_str(), DatasetKind::Filesystem),
            (c.as_str(), DatasetKind::Filesystem),
            (vol.as_str(), DatasetKind::Volume)
        ]
    );

    for ds in
        [pool.ds(""), pool.ds("a"), pool.ds("a/b"), pool.ds("vol"), format!("{}@s", pool.ds("a/b"))]
    {
        let name = ds.parse().unwrap();
        let n = zfs_native.properties(&name).unwrap();
        assert!(
            n["type"].value == "filesystem"
                || n["type"].value == "volume"
                || n["type"].value == "snapshot",
            "{ds}"
        );
        let Some(cli) = &cli else { continue };
        let c = cli.properties(&name).unwrap();
        let only_native: Vec<&String> = n.keys().filter(|k| !c.contains_key(*k)).collect();
        let only_cli: Vec<&String> = c.keys().filter(|k| !n.contains_key(*k)).collect();
        assert!(
            only_native.is_empty() && only_cli.is_empty(),
            "{ds}: native-only {only_native:?}, cli-only {only_cli:?}"
        );
        for (k, v) in &n {
            assert_eq!(Some(v), c.get(k), "{ds} property {k}");
        }
    }
    let b = zfs_native.properties(&pool.dataset("a/b").into()).unwrap();
    assert_eq!(b["compression"].value, "lz4");
    assert_eq!(b["compression"].source, PropertySource::Inherited { from: pool.ds("a") });
    assert_eq!(b["helios64:role"].value, "test");
    assert_eq!(b["helios64:role"].source, PropertySource::Inherited { from: pool.ds("a") });
}

#[test]
fn cli_backend_follows_the_installed_zfs() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zclj", &["F"]);
    match Cli::new().status(&pool.pool()) {
        Ok(s) => {
            assert!(cli_has_json(), "the CLI parsed JSON from a release without it");
            assert_eq!(s.guid, native().status(&pool.pool()).unwrap().guid);
        }
        Err(e) => {
            // OpenZFS before 2.3 rejects -j: a command error with zpool's
            // usage on stderr, never a parse of something else.
            assert!(!cli_has_json(), "{e:?}");
            assert!(matches!(e, helios64_zfs::ZfsError::Command { status: Some(2), .. }), "{e:?}");
        }
    }
}

#[test]
fn missing_things_are_not_found_in_both_backends() {
    require_guest();
    for (name, zfs) in backends() {
        let pool = "nosuchpool".parse().unwrap();
        assert_eq!(zfs.status(&pool).unwrap_err().kind(), ErrorKind::NotFound, "{name}");
        assert_eq!(
            zfs.snapshots(&"nosuchpool/fs".parse().unwrap()).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{name}"
        );
        assert_eq!(
            zfs.properties(&"nosuchpool/fs".parse().unwrap()).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{name}"
        );
    }
}

const UNPRIV_POOL: &str = "HELIOS64_ZFS_UNPRIVILEGED_POOL";

/// Run as `nobody` (by the test itself, see below): status must work, a
/// scrub must be refused with PermissionDenied.
fn unprivileged_worker(name: &str) {
    let pool = &name.parse().unwrap();
    // SAFETY: plain syscall.
    assert_ne!(unsafe { libc::geteuid() }, 0, "the worker must not run as root");
    let zfs = native();
    let s = zfs.status(pool).unwrap();
    assert_eq!(s.health, Health::Online);
    assert_eq!(s.root.leaves().len(), 2);
    assert!(zfs.pools().unwrap().iter().any(|p| p.name == *pool));
    let err = zfs.scrub(pool, ScrubAction::Start).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err:?}");
    println!("UNPRIVILEGED-OK {}", s.guid);
}

#[test]
fn status_works_unprivileged() {
    if let Ok(pool) = std::env::var(UNPRIV_POOL) {
        return unprivileged_worker(&pool);
    }
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zunp", &["mirror", "F", "F"]);
    let exe = std::env::current_exe().unwrap();
    let out = std::os::unix::process::CommandExt::gid(
        std::os::unix::process::CommandExt::uid(&mut Command::new(&exe), 65534),
        65534,
    )
    .args(["--exact", "zfs_status::status_works_unprivileged", "--nocapture", "--test-threads=1"])
    .env(UNPRIV_POOL, &pool.name)
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("UNPRIVILEGED-OK"),
        "worker as nobody failed ({}):\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
