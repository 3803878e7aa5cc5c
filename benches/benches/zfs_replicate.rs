//! Replication: `helios64-replicate run` against what users run today, on
//! two real pools (the test VM's: `./dev bench --vm`).
//!
//! * `zfs_replicate/full/*`: a full replication of one snapshot of a few
//!   hundred MiB of incompressible data to the other pool, ours (one
//!   process: lzc send and receive over a pipe, holds, bookmark) against
//!   `zfs send SNAP | zfs receive -s TARGET` through a shell. The kernel does
//!   the work; the tool should add nothing (target: within 5 %).
//! * `zfs_replicate/noop/*`: a run with nothing new to send, ours against
//!   syncoid (`--no-sync-snap`), the per-job overhead an hourly timer pays.
//!
//! Needs `HELIOS64_REPLICATE_BENCH=SOURCE_FS,TARGET_PARENT` (an existing
//! filesystem with a snapshot `@bench`, and a filesystem on the other pool
//! to receive under) and `HELIOS64_REPLICATE_BIN` (the release binary);
//! benches/zfs-guest.sh sets both. Without them nothing is run and stderr
//! says so.

#![allow(
    clippy::disallowed_methods,
    missing_docs,
    reason = "criterion_main! generates an undocumented main; the bench writes its job's config"
)]
#![allow(clippy::print_stderr, reason = "a benchmark reports why it cannot run on stderr")]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// Runs `program args`; a failure aborts the benchmark with its stderr.
fn must(program: &str, args: &[&str]) {
    let out = match Command::new(program).args(args).output() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("zfs_replicate: cannot run {program}: {e}");
            std::process::abort()
        }
    };
    if !out.status.success() {
        eprintln!(
            "zfs_replicate: {program} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::abort()
    }
}

/// Destroys `fs` and everything under it, if it exists.
fn destroy(fs: &str) {
    let exists = Command::new("zfs").args(["list", "-H", fs]).output();
    if exists.is_ok_and(|o| o.status.success()) {
        must("zfs", &["destroy", "-r", fs]);
    }
}

struct Bed {
    source: String,
    parent: String,
    bin: PathBuf,
    dir: tempfile::TempDir,
}

impl Bed {
    fn from_env() -> Option<Bed> {
        let spec = std::env::var("HELIOS64_REPLICATE_BENCH").ok()?;
        let bin = PathBuf::from(std::env::var_os("HELIOS64_REPLICATE_BIN")?);
        let Some((source, parent)) = spec.split_once(',') else {
            eprintln!("zfs_replicate: HELIOS64_REPLICATE_BENCH={spec:?} is not SOURCE_FS,PARENT");
            std::process::abort()
        };
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => {
                eprintln!("zfs_replicate: tempdir: {e}");
                std::process::abort()
            }
        };
        Some(Bed { source: source.to_owned(), parent: parent.to_owned(), bin, dir })
    }

    fn target(&self, name: &str) -> String {
        format!("{}/{name}", self.parent)
    }

    /// Writes the job `bench` (source to `target`) and returns its config.
    fn config(&self, target: &str) -> PathBuf {
        let path = self.dir.path().join("replicate.toml");
        let text = format!("[jobs.bench]\nsource = \"{}\"\ntarget = \"{target}\"\n", self.source);
        if let Err(e) = std::fs::write(&path, text) {
            eprintln!("zfs_replicate: {}: {e}", path.display());
            std::process::abort()
        }
        path
    }

    fn ours(&self, config: &Path) {
        let config = config.display().to_string();
        let record = self.dir.path().join("state").display().to_string();
        let bin = self.bin.display().to_string();
        must(&bin, &["--config", &config, "run", "--record-dir", &record, "bench"]);
    }
}

fn replicate(c: &mut Criterion) {
    let Some(bed) = Bed::from_env() else {
        eprintln!(
            "zfs_replicate: not run; set HELIOS64_REPLICATE_BENCH=SOURCE_FS,TARGET_PARENT and \
             HELIOS64_REPLICATE_BIN (benches/zfs-guest.sh does, in the test VM)"
        );
        return;
    };
    let snapshot = format!("{}@bench", bed.source);
    let (cli, ours, syncoid) = (bed.target("cli"), bed.target("ours"), bed.target("syncoid"));
    let config = bed.config(&ours);
    let pipeline = format!("zfs send {snapshot} | zfs receive -s {cli}");

    let mut g = c.benchmark_group("zfs_replicate/full");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    g.bench_function("zfs_send_receive", |b| {
        b.iter_batched(
            || destroy(&cli),
            |()| must("sh", &["-c", &pipeline]),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("helios64_replicate", |b| {
        b.iter_batched(|| destroy(&ours), |()| bed.ours(&config), BatchSize::PerIteration)
    });
    g.finish();

    // Up to date on both sides before measuring: one run of each.
    destroy(&ours);
    bed.ours(&config);
    destroy(&syncoid);
    let sync = ["--no-sync-snap", "--no-privilege-elevation", "--quiet", &bed.source, &syncoid];
    must("syncoid", &sync);
    let mut g = c.benchmark_group("zfs_replicate/noop");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("helios64_replicate", |b| b.iter(|| bed.ours(&config)));
    g.bench_function("syncoid", |b| b.iter(|| must("syncoid", &sync)));
    g.finish();
    for fs in [&cli, &ours, &syncoid] {
        destroy(fs);
    }
}

criterion_group!(benches, replicate);
criterion_main!(benches);
