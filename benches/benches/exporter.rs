//! One helios64-exporter scrape on the Armbian fixture board, in process:
//! read the whole board (sysfs and procfs under the fixture root), join it
//! with the saved SMART outputs and pool status, assess, encode; and the
//! parts alone. The whole-process comparison with node_exporter + `zpool
//! status` + smartctl per disk (latency, forks, RSS, on the fixture board
//! and in the VM) is benches/exporter-vs-node-exporter.sh.

// Benchmarks read their fixtures with std::fs, like tests.
#![allow(clippy::disallowed_methods)]
// A benchmark whose set-up fails must stop loudly, like a test.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime};

use criterion::{Criterion, criterion_group, criterion_main};
use helios64_hal::testing::{Fixture, fixtures_dir};
use helios64_health::collect;
use helios64_health::{HealthConfig, Reading, assess};
use helios64_metrics::{Snapshot, encode};
use helios64_service::SimClock;
use helios64_service::state::StateDir;

fn scrape(c: &mut Criterion) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_000_000);
    let dir = fixtures_dir().join("health/armbian");
    let mut files: Vec<_> =
        std::fs::read_dir(dir.join("smart")).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let smart_files: Vec<(String, Vec<u8>)> =
        files.iter().map(|p| (p.display().to_string(), std::fs::read(p).unwrap())).collect();
    let pools =
        vec![("zpool".to_owned(), std::fs::read_to_string(dir.join("zpool-status.json")).unwrap())];
    let smart = collect::smart_from_saved(&smart_files, now);
    let zfs = collect::pools_from_saved(&pools);
    let root = Fixture::Armbian.root();
    let states = tempfile::tempdir().unwrap();
    let states = StateDir::new(states.path());
    let clock = SimClock::new(now);
    let config = HealthConfig::default();
    let readings = match &smart.0 {
        Reading::Read(r) => r.clone(),
        _ => panic!("saved SMART unreadable"),
    };

    let mut g = c.benchmark_group("exporter");
    g.bench_function("scrape", |b| {
        b.iter(|| {
            let inputs = collect::inputs(
                &root,
                &states,
                &clock,
                collect::board(&root, None),
                smart.clone(),
                zfs.clone(),
                Vec::new(),
            );
            let health = assess(&inputs, &config, now);
            black_box(
                encode(&Snapshot { health: &health, smart: &readings, collectors: &[] }).unwrap(),
            )
        });
    });
    g.bench_function("board", |b| b.iter(|| black_box(collect::board(&root, None))));
    let inputs = collect::inputs(
        &root,
        &states,
        &clock,
        collect::board(&root, None),
        smart.clone(),
        zfs.clone(),
        Vec::new(),
    );
    g.bench_function("assess", |b| b.iter(|| black_box(assess(&inputs, &config, now))));
    let health = assess(&inputs, &config, now);
    g.bench_function("encode", |b| {
        b.iter(|| {
            black_box(
                encode(&Snapshot { health: &health, smart: &readings, collectors: &[] }).unwrap(),
            )
        });
    });
    g.finish();
}

criterion_group!(benches, scrape);
criterion_main!(benches);
