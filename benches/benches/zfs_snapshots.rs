//! Snapshot listing with the properties retention and the exporter need
//! (`createtxg`, `creation`, `guid`, `used`, `userrefs`) across the datasets
//! under a root: the native backend's one-ioctl channel program, libzfs's
//! per-snapshot iteration (what `zfs list` does in-process), and `zfs list
//! -t snapshot -Hp -o ... -r ROOT`, its output read and parsed.
//!
//! Needs a pool: set `HELIOS64_ZFS_BENCH_SNAPSHOT_ROOTS` to a comma-separated
//! list of `LABEL=DATASET` (inside the test VM: `benches/zfs-in-vm.sh
//! zfs_snapshots`, which builds 1k and 10k snapshots over 10 datasets and
//! 50k over 50). Without the variable nothing runs and stderr says so.

#![allow(
    clippy::disallowed_methods,
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]
#![allow(clippy::print_stderr, reason = "a benchmark reports why it cannot run on stderr")]

use std::hint::black_box;
use std::process::Command;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use helios64_zfs::{DatasetName, Native, Snapshot, Zfs};

const PROPS: &str = "name,createtxg,creation,guid,used,userrefs";

fn fail(what: &str) -> ! {
    eprintln!("zfs_snapshots: {what}");
    std::process::abort()
}

/// Every snapshot under `root`, the native way: the child datasets, then
/// each one's snapshots through `list` (program or iteration).
fn native_tree(
    native: &Native,
    root: &DatasetName,
    list: impl Fn(&DatasetName) -> helios64_zfs::Result<Vec<Snapshot>>,
) -> usize {
    let mut n = list(root).map_or(0, |s| s.len());
    for child in native.datasets(root).unwrap_or_default() {
        n += list(&child.name).map_or(0, |s| s.len());
    }
    n
}

/// `zfs list` as a tool built on it runs it: spawn, read everything, split
/// each line into the six fields.
fn cli_tree(root: &DatasetName) -> usize {
    let out = Command::new("zfs")
        .args(["list", "-t", "snapshot", "-Hp", "-o", PROPS, "-r", root.as_str()])
        .env("LC_ALL", "C")
        .output()
        .unwrap_or_else(|e| fail(&format!("cannot run zfs list: {e}")));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = 0;
    for line in text.lines() {
        let mut f = line.split('\t');
        let name = f.next().unwrap_or_default();
        let nums: Vec<u64> = f.filter_map(|v| v.parse().ok()).collect();
        if !name.is_empty() && nums.len() == 5 {
            n += 1;
        }
    }
    black_box(n)
}

fn listing(c: &mut Criterion) {
    let Ok(spec) = std::env::var("HELIOS64_ZFS_BENCH_SNAPSHOT_ROOTS") else {
        eprintln!(
            "zfs_snapshots: not run; set HELIOS64_ZFS_BENCH_SNAPSHOT_ROOTS to LABEL=DATASET,..."
        );
        return;
    };
    let native = Native::open().unwrap_or_else(|e| fail(&format!("Native::open: {e}")));
    let mut g = c.benchmark_group("zfs_snapshots/list");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    for item in spec.split(',') {
        let (label, root) = item.split_once('=').unwrap_or_else(|| fail(&format!("{item:?}")));
        let root: DatasetName = root.parse().unwrap_or_else(|e| fail(&format!("{root}: {e}")));
        // The three must see the same snapshots, or the rows compare
        // different work.
        let counts = [
            native_tree(&native, &root, |d| native.snapshots_by_program(d)),
            native_tree(&native, &root, |d| native.snapshots_iterated(d)),
            cli_tree(&root),
        ];
        if counts[0] != counts[1] || counts[1] != counts[2] {
            fail(&format!("{root}: program, libzfs and zfs list disagree: {counts:?}"));
        }
        eprintln!("zfs_snapshots: {label} = {} snapshots under {root}", counts[0]);
        g.bench_with_input(BenchmarkId::new("native_program", label), &root, |b, r| {
            b.iter(|| native_tree(&native, r, |d| native.snapshots_by_program(d)))
        });
        g.bench_with_input(BenchmarkId::new("native_iterated", label), &root, |b, r| {
            b.iter(|| native_tree(&native, r, |d| native.snapshots_iterated(d)))
        });
        g.bench_with_input(BenchmarkId::new("cli_zfs_list", label), &root, |b, r| {
            b.iter(|| cli_tree(r))
        });
    }
    g.finish();
}

criterion_group!(benches, listing);
criterion_main!(benches);
