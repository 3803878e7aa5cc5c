//! smartctl JSON: typed parsing (`smartctl_parser::parse`) against a plain
//! `serde_json::Value` parse of the same bytes, and the cost of a verdict.
//!
//! Inputs (repository fixtures): the largest ATA `-x` output, a smartctl 7.5
//! NVMe output, and an error output (open failed). Results and method are in
//! docs/PERFORMANCE.md, "smartctl parsing".

// Tests build, break and read fixture trees and files directly.
#![allow(clippy::disallowed_methods)]
// A benchmark whose input is missing must stop loudly, like a test.
#![allow(clippy::panic)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const INPUTS: &[(&str, &str)] = &[
    ("ata_x_38k", "scrutiny/smart-ata-full.json"),
    ("nvme_7_5", "beszel/nvme0.json"),
    ("error_open_failed", "local-capture/v74-open-failed-nonexistent.json"),
];

fn read(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/smartctl").join(name);
    match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => panic!("benchmark input {} unreadable: {error}", path.display()),
    }
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("smartctl_parse");
    for (label, file) in INPUTS {
        let bytes = read(file);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(format!("typed/{label}"), |b| {
            b.iter(|| smartctl_parser::parse(black_box(&bytes), "bench"))
        });
        group.bench_function(format!("value/{label}"), |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)))
        });
    }
    group.finish();
}

fn verdict(c: &mut Criterion) {
    let mut group = c.benchmark_group("smartctl_verdict");
    for (label, file) in INPUTS {
        let output = match smartctl_parser::parse(&read(file), file) {
            Ok(output) => output,
            Err(error) => panic!("benchmark input does not parse: {error}"),
        };
        group.bench_function(format!("judge/{label}"), |b| {
            b.iter(|| smartctl_parser::judge(black_box(&output)))
        });
    }
    group.finish();
}

criterion_group!(benches, parsing, verdict);
criterion_main!(benches);
