//! Test pools on file vdevs, the two backends, and the normalisation that
//! makes their status reports comparable. Shared by the `zfs_*` modules.

use std::fs::{self, File};
use std::path::PathBuf;

use helios64_zfs::{Cli, DatasetName, Native, PoolName, PoolStatus, SnapshotName, Vdev, Zfs};
use vm_env::Guest;

use crate::common::{run, run_ok};

/// Size of each file vdev: twice ZFS's 64 MiB minimum, sparse.
const VDEV_BYTES: u64 = 128 << 20;

/// A pool on sparse files in a scratch directory, destroyed on drop (the
/// files stay for `tests/vm/run --shell` inspection).
pub(crate) struct TestPool {
    pub(crate) name: String,
    /// The file vdevs, in the order of the layout.
    pub(crate) files: Vec<PathBuf>,
    /// Where datasets created with [`TestPool::filesystem`] are mounted.
    pub(crate) mnt: PathBuf,
}

impl TestPool {
    /// Creates a pool. In `layout`, `F` is a new file vdev and every other
    /// word is passed to `zpool create` as is (`mirror`, `raidz`, `log`,
    /// `cache`, `spare`, `special`, …).
    pub(crate) fn create(guest: &Guest, tag: &str, layout: &[&str]) -> TestPool {
        Self::create_named(guest, &guest.unique_name(tag), layout)
    }

    /// [`TestPool::create`] with a fixed pool name (for fixtures that must
    /// not change between captures).
    pub(crate) fn create_named(guest: &Guest, name: &str, layout: &[&str]) -> TestPool {
        let name = name.to_owned();
        let dir = guest.scratch_dir(&name).unwrap();
        let mut files = Vec::new();
        let mut args: Vec<String> = [
            "create",
            "-f",
            "-o",
            "cachefile=none",
            "-O",
            "mountpoint=none",
            "-O",
            "compression=off",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(name.clone());
        for word in layout {
            if *word == "F" {
                let path = dir.join(format!("vdev{}", files.len()));
                File::create(&path).unwrap().set_len(VDEV_BYTES).unwrap();
                args.push(path.display().to_string());
                files.push(path);
            } else {
                args.push((*word).to_owned());
            }
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok("zpool", &args);
        let mnt = dir.join("mnt");
        fs::create_dir_all(&mnt).unwrap();
        TestPool { name, files, mnt }
    }

    /// `pool/rel`.
    pub(crate) fn ds(&self, rel: &str) -> String {
        if rel.is_empty() { self.name.clone() } else { format!("{}/{rel}", self.name) }
    }

    /// The pool's name, typed.
    pub(crate) fn pool(&self) -> PoolName {
        self.name.parse().unwrap()
    }

    /// `pool/rel`, typed.
    pub(crate) fn dataset(&self, rel: &str) -> DatasetName {
        self.ds(rel).parse().unwrap()
    }

    /// `pool/rel@snap`, typed.
    pub(crate) fn snapshot(&self, rel: &str, snap: &str) -> SnapshotName {
        self.dataset(rel).snapshot(snap).unwrap()
    }

    /// Creates `pool/rel`, mounted under [`TestPool::mnt`]; returns its
    /// mountpoint.
    pub(crate) fn filesystem(&self, rel: &str) -> PathBuf {
        let mountpoint = self.mnt.join(rel.replace('/', "_"));
        let mp = format!("mountpoint={}", mountpoint.display());
        run_ok("zfs", &["create", "-p", "-o", &mp, &self.ds(rel)]);
        mountpoint
    }

    /// Writes `mib` MiB of incompressible data into a file of `pool/rel`'s
    /// mount, so scrubs have something to read, then syncs the pool.
    pub(crate) fn fill(&self, rel: &str, mib: u32) {
        let file = self.mnt.join(rel.replace('/', "_")).join("data");
        let of = format!("of={}", file.display());
        let count = format!("count={mib}");
        run_ok("dd", &["if=/dev/urandom", &of, "bs=1M", &count, "status=none"]);
        run_ok("zpool", &["sync", &self.name]);
    }
}

impl Drop for TestPool {
    fn drop(&mut self) {
        // Best effort: the VM's disks are discarded after the run anyway.
        let _ = run("zpool", &["destroy", "-f", &self.name]);
    }
}

/// The module's kernel tunable that freezes scrub progress, as the ZFS test
/// suite uses it to observe a running scrub; restored on drop.
pub(crate) struct ScanSuspended;

const SUSPEND: &str = "/sys/module/zfs/parameters/zfs_scan_suspend_progress";

impl ScanSuspended {
    pub(crate) fn new() -> ScanSuspended {
        fs::write(SUSPEND, "1").unwrap_or_else(|e| panic!("cannot write {SUSPEND}: {e}"));
        ScanSuspended
    }
}

impl Drop for ScanSuspended {
    fn drop(&mut self) {
        let _ = fs::write(SUSPEND, "0");
    }
}

pub(crate) fn native() -> Native {
    Native::open()
        .unwrap_or_else(|e| panic!("Native::open: {e} ({:?})", std::error::Error::source(&e)))
}

/// Whether the guest's OpenZFS prints JSON (`zpool status -j`, 2.3+), which
/// the CLI backend needs. The 6.1 test VM runs OpenZFS 2.1.11, where only
/// the native backend applies (and the CLI backend must fail cleanly: see
/// `zfs_status::cli_backend_follows_the_installed_zfs`).
pub(crate) fn cli_has_json() -> bool {
    let zfs = native();
    let v = &zfs.versions().userland;
    (v.major, v.minor) >= (2, 3)
}

/// The backends this guest's OpenZFS supports, named, for tests that run
/// the same assertions on each: native, and the CLI where it has JSON.
pub(crate) fn backends() -> Vec<(&'static str, Box<dyn Zfs>)> {
    let mut all: Vec<(&'static str, Box<dyn Zfs>)> = vec![("native", Box::new(native()))];
    if cli_has_json() {
        all.push(("cli", Box::new(Cli::new())));
    }
    all
}

fn normalise_vdev(v: &mut Vdev, spare: bool) {
    // `zpool status -j` prints slow_ios for leaves only, and neither
    // counters nor space for spares.
    if !v.children.is_empty() {
        v.slow_ios = None;
    }
    if spare {
        v.errors = None;
        v.space = None;
        v.slow_ios = None;
    }
    for c in &mut v.children {
        normalise_vdev(c, spare);
    }
}

/// A native status reduced to what `zpool status -j` can express: no pool
/// state, the CLI's omissions, and txg left out (it moves between calls).
pub(crate) fn comparable(mut s: PoolStatus) -> PoolStatus {
    s.state = None;
    s.txg = 0;
    normalise_vdev(&mut s.root, false);
    for class in [&mut s.logs, &mut s.special, &mut s.dedup, &mut s.l2cache] {
        for v in class.iter_mut() {
            normalise_vdev(v, false);
        }
    }
    for v in &mut s.spares {
        normalise_vdev(v, true);
    }
    s
}

/// The native status of `pool`, asserted equal to the CLI's where the CLI
/// has JSON (OpenZFS 2.3+). A pool that just finished a scrub or a write
/// still syncs for a moment (space and txg move), so the comparison is made
/// only when two native reads around the CLI read agree.
pub(crate) fn assert_same_status(pool: &PoolName) -> PoolStatus {
    let zfs = native();
    if !cli_has_json() {
        return zfs.status(pool).unwrap();
    }
    let cli = Cli::new();
    for _ in 0..10 {
        let before = zfs.status(pool).unwrap();
        let mut cli_status = cli.status(pool).unwrap();
        let after = zfs.status(pool).unwrap();
        if comparable(before.clone()) != comparable(after) {
            std::thread::sleep(std::time::Duration::from_millis(500));
            continue;
        }
        assert!(cli_status.txg >= before.txg, "txg went backwards");
        cli_status.txg = 0;
        assert_eq!(
            comparable(before.clone()),
            cli_status,
            "native vs `zpool status -jp` for {pool}"
        );
        return before;
    }
    panic!("{pool} kept changing for 5 s; cannot compare the backends")
}
