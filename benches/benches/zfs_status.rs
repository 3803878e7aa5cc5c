//! Pool status: the native backend (libzfs, one process) against the CLI
//! backend (`zpool status -jp --json-int` + `zpool get -jp`, JSON parsed),
//! the baseline most tools use.
//!
//! * `zfs_status/parse/*` runs anywhere: it parses the status JSON captured
//!   from a real pool (`fixtures/zfs/2.3.2/`), i.e. the CLI backend's cost
//!   without the process spawns.
//! * `zfs_status/pool/*` needs a pool: set `HELIOS64_ZFS_BENCH_POOL` to its
//!   name (inside the test VM: see docs/zfs.md, "Benchmarks"). Without the
//!   variable that group is not run and says so on stderr.

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

fn on_a_pool(c: &mut Criterion) {
    let Ok(name) = std::env::var("HELIOS64_ZFS_BENCH_POOL") else {
        eprintln!("zfs_status/pool: not run; set HELIOS64_ZFS_BENCH_POOL to a pool name");
        return;
    };
    let pool: PoolName = match name.parse() {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("zfs_status/pool: HELIOS64_ZFS_BENCH_POOL: {e}");
            std::process::abort()
        }
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
    g.bench_function("native_status", |b| b.iter(|| native.status(black_box(&pool))));
    g.bench_function("cli_status", |b| b.iter(|| cli.status(black_box(&pool))));
    g.bench_function("native_pools", |b| b.iter(|| native.pools()));
    g.bench_function("cli_pools", |b| b.iter(|| cli.pools()));
    g.finish();
}

criterion_group!(benches, parse_fixtures, on_a_pool);
criterion_main!(benches);
