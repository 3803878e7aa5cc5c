//! The fixture boards with their health fixtures, assessed at the moment
//! the fixtures describe.

#![allow(dead_code, clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use helios64_hal::testing::Fixture;
use helios64_health::collect::{self, Collected};
use helios64_health::{Inputs, SmartReading};
use helios64_service::SimClock;
use helios64_service::state::StateDir;
use helios64_zfs_model::PoolStatus;

/// `NOW` of `fixtures/health/gen.py`.
pub(crate) const NOW_UNIX: u64 = 1_796_000_000;

pub(crate) fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_UNIX)
}

pub(crate) fn health_fixtures(fixture: Fixture) -> PathBuf {
    let board = match fixture {
        Fixture::Armbian => "armbian",
        Fixture::Mainline => "mainline",
    };
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/health").join(board)
}

pub(crate) fn saved_smart(fixture: Fixture) -> Collected<Vec<SmartReading>> {
    let dir = health_fixtures(fixture).join("smart");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let files: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(p).unwrap()))
        .collect();
    collect::smart_from_saved(&files, now())
}

pub(crate) fn saved_pools(fixture: Fixture) -> Collected<Vec<PoolStatus>> {
    let path = health_fixtures(fixture).join("zpool-status.json");
    let text = std::fs::read_to_string(&path).unwrap();
    collect::pools_from_saved(&[("zpool-status.json".into(), text)])
}

/// The inputs of a fixture board, with no daemon state (an empty state
/// directory).
pub(crate) fn inputs(fixture: Fixture) -> Inputs {
    let states = tempfile::tempdir().unwrap();
    let clock = SimClock::new(now());
    let mut inputs = collect::inputs(
        &fixture.root(),
        &StateDir::new(states.path()),
        &clock,
        collect::board(&fixture.root(), None),
        saved_smart(fixture),
        saved_pools(fixture),
        Vec::new(),
    );
    // Durations are the machine's; goldens must not depend on them.
    for c in &mut inputs.collectors {
        c.duration_seconds = 0.0;
    }
    inputs
}
