//! One control cycle of helios64-fand (read the CPU zone, decide, drive both
//! fans: re-assert mode 1, check the duty, write only what changed) on a
//! tmpfs copy of the Armbian fixture tree, with the configuration the
//! fancontrol comparison uses (benches/fand-vs-fancontrol.sh: both fans on
//! the CPU, 40 °C → 29, 80 °C → 255). The whole-daemon comparison with
//! Debian's fancontrol (CPU, forks and syscalls per cycle, RSS) is that
//! script; this measures the cycle's own cost without the wake-up.

// Benchmarks build their tree with std::fs, like tests.
#![allow(clippy::disallowed_methods)]
// A benchmark whose set-up fails must stop loudly, like a test.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use helios64_fan::{Cycle, DiscoverOptions, FandConfig, discover};
use helios64_hal::testing::{Fixture, copy_fixture};
use helios64_service::MonoTime;

const CONFIG: &str = r#"
interval_secs = 1
[inputs.cpu]
sensor = "cpu"
curve = [{ temp = 40, pwm = 29 }, { temp = 80, pwm = 255 }]
[fans.p6]
inputs = ["cpu"]
[fans.p7]
inputs = ["cpu"]
"#;

fn cycle(c: &mut Criterion) {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let config: FandConfig = {
        let defaults = toml::to_string(&FandConfig::default()).unwrap();
        let mut merged: toml::Table = toml::from_str(&defaults).unwrap();
        let file: toml::Table = toml::from_str(CONFIG).unwrap();
        for (k, v) in file {
            match (merged.get_mut(&k), v) {
                (Some(toml::Value::Table(into)), toml::Value::Table(from)) => {
                    for (k2, v2) in from {
                        match (into.get_mut(&k2), v2) {
                            (Some(toml::Value::Table(a)), toml::Value::Table(b)) => a.extend(b),
                            (_, v2) => {
                                into.insert(k2, v2);
                            }
                        }
                    }
                }
                (_, v) => {
                    merged.insert(k, v);
                }
            }
        }
        merged.try_into().unwrap()
    };
    let (board, notes) = discover(&root, &DiscoverOptions::default());
    assert!(notes.is_empty(), "{notes:?}");
    let mut cycle = Cycle::new(&config, board, false);
    let mut t = Duration::ZERO;
    // The first cycle writes; every later one finds nothing to change.
    cycle.run(MonoTime::from_duration(t));
    c.bench_function("fand/quiet_cycle", |b| {
        b.iter(|| {
            t += Duration::from_secs(1);
            black_box(cycle.run(MonoTime::from_duration(t)))
        })
    });
}

criterion_group!(benches, cycle);
criterion_main!(benches);
