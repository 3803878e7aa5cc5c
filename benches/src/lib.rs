//! Criterion benchmarks for the helios64 workspace. The benchmarks live in
//! `benches/benches/`; method and results are in `docs/PERFORMANCE.md`.
