//! Pool status: the native backend (libzfs, one process) against the CLI
//! backend (`zpool status -jp --json-int` + `zpool get -jp`, JSON parsed),
//! the baseline most tools use.
//!
//! * `zfs_status/parse/*` runs anywhere: it parses the status JSON captured
//!   from a real pool (`fixtures/zfs/2.3.2/`), i.e. the CLI backend's cost
//!   without the process spawns.
//! * `zfs_status/pool/*` needs a pool: set `HELIOS64_ZFS_BENCH_POOL` to its
//!   name, or `HELIOS64_ZFS_BENCH_POOLS` to `LABEL=POOL,...` for one row per
//!   pool (the VM's 6, 24 and 60-vdev pools: see docs/zfs.md,
//!   "Benchmarks"). Without either that group is not run and says so on
//!   stderr.

#![allow(
    clippy::disallowed_methods,
    missing_docs,
    reason = "criterion_main! generates an undocumented main"
)]
#![allow(clippy::print_stderr, reason = "a benchmark reports why it cannot run on stderr")]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use helios64_zfs::cli::parse;
use helios64_zfs::{Cli, Native, PoolName, Zfs};

fn fixture(name: &str) -> (PathBuf, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/zfs/2.3.2").join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => (path, text),
        Err(e) => {
            eprintln!("zfs_status: cannot read fixture {}: {e}", path.display());
            std::process::abort()
        }
    }
}

fn parse_fixtures(c: &mut Criterion) {
    let (_, healthy) = fixture("zpool-status-healthy.json");
    let (_, degraded) = fixture("zpool-status-degraded.json");
    let (_, space) = fixture("zpool-get-space.json");
    let mut g = c.benchmark_group("zfs_status/parse");
    g.bench_function("status_healthy_9_vdevs", |b| {
        b.iter(|| parse::parse_status(black_box(&healthy), "fxhealthy"))
    });
    g.bench_function("status_degraded_raidz", |b| {
        b.iter(|| parse::parse_status(black_box(&degraded), "fxdegraded"))
    });
    g.bench_function("pool_space", |b| {
        b.iter(|| parse::parse_pool_space(black_box(&space), "fxhealthy"))
    });
    g.finish();
}

/// The pools to measure: `HELIOS64_ZFS_BENCH_POOLS` (`LABEL=POOL,...`, the
/// scaling rows) or `HELIOS64_ZFS_BENCH_POOL` (one pool, labelled by its
/// name).
fn bench_pools() -> Option<Vec<(String, PoolName)>> {
    let spec =
        match (std::env::var("HELIOS64_ZFS_BENCH_POOLS"), std::env::var("HELIOS64_ZFS_BENCH_POOL"))
        {
            (Ok(list), _) => list,
            (Err(_), Ok(one)) => format!("{one}={one}"),
            _ => return None,
        };
    let mut pools = Vec::new();
    for item in spec.split(',') {
        let Some((label, name)) = item.split_once('=') else {
            eprintln!("zfs_status/pool: {item:?} is not LABEL=POOL");
            std::process::abort()
        };
        match name.parse() {
            Ok(pool) => pools.push((label.to_owned(), pool)),
            Err(e) => {
                eprintln!("zfs_status/pool: {name}: {e}");
                std::process::abort()
            }
        }
    }
    Some(pools)
}

fn on_a_pool(c: &mut Criterion) {
    let Some(pools) = bench_pools() else {
        eprintln!(
            "zfs_status/pool: not run; set HELIOS64_ZFS_BENCH_POOL to a pool name \
             (or HELIOS64_ZFS_BENCH_POOLS to LABEL=POOL,...)"
        );
        return;
    };
    let native = match Native::open() {
        Ok(n) => n,
        Err(e) => {
            eprintln!("zfs_status/pool: Native::open failed: {e}");
            std::process::abort()
        }
    };
    let cli = Cli::new();
    let mut g = c.benchmark_group("zfs_status/pool");
    // One pool: the rows keep their historical names; several: one row
    // per pool and backend, for the scaling table.
    let single = pools.len() == 1;
    for (label, pool) in &pools {
        let id = |what: &str| if single { what.to_owned() } else { format!("{what}/{label}") };
        g.bench_function(id("native_status"), |b| b.iter(|| native.status(black_box(pool))));
        g.bench_function(id("cli_status"), |b| b.iter(|| cli.status(black_box(pool))));
    }
    g.bench_function("native_pools", |b| b.iter(|| native.pools()));
    g.bench_function("cli_pools", |b| b.iter(|| cli.pools()));
    g.finish();
}

criterion_group!(benches, parse_fixtures, on_a_pool);
criterion_main!(benches);
