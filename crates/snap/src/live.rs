//! `helios64-snap run`: take and prune on the box, through the native
//! backend; `--dry-run` prints the plan, `--monitor` checks ages.

use std::io::{self, BufWriter, Write as _};
use std::time::UNIX_EPOCH;

use helios64_retention::monitor::{Level, check};
use helios64_retention::{Input, plan};
use helios64_service::{Clock, Exit, StateDir, SystemClock};
use helios64_snap::cli::RunArgs;
use helios64_snap::{Outcome, ShellHooks, apply, list, policies};
use helios64_zfs::Native;

use crate::fail;
use crate::offline::{FORMAT, load_policy, zone};

/// The state file's payload (`/run/helios64/snap.json`, schema 1).
#[derive(serde::Serialize)]
struct State<'a> {
    /// The instant planned for.
    now: i64,
    #[serde(flatten)]
    outcome: &'a Outcome,
}

/// Runs one take-and-prune (or a dry run, or a check).
pub(crate) fn run(args: &RunArgs) -> Exit {
    let unknown = |why: String| {
        if args.monitor {
            let _ = writeln!(io::stdout().lock(), "UNKNOWN: {why}");
            Exit::Unknown
        } else {
            fail(Exit::Unavailable, why)
        }
    };
    let config = match load_policy(&args.policy) {
        Ok(c) => c,
        Err(exit) => {
            return if args.monitor { unknown("the policy cannot be read".into()) } else { exit };
        }
    };
    let zone = match zone(&config.timezone) {
        Ok(z) => z,
        Err(e) => return fail(Exit::Config, format!("timezone: {e}")),
    };
    let zfs = match Native::open() {
        Ok(z) => z,
        Err(e) => return unknown(format!("ZFS: {e}")),
    };
    let clock = SystemClock;
    let now = clock
        .wall()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    let snapshot = match list(&zfs, &config) {
        Ok(s) => s,
        Err(e) => return unknown(e.to_string()),
    };
    for m in &snapshot.missing {
        let _ = writeln!(io::stderr().lock(), "helios64-snap: {m}: no such dataset, skipped");
    }
    let policies = match policies(&config, &snapshot) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Config, e),
    };
    if args.monitor {
        let report = check(&policies, &snapshot.listing, now);
        let _ = writeln!(io::stdout().lock(), "{}", report.line);
        return match report.level {
            Level::Ok => Exit::Ok,
            Level::Warning => Exit::Warning,
            Level::Critical => Exit::Critical,
        };
    }
    let datasets: Vec<&str> = snapshot.datasets.iter().map(String::as_str).collect();
    let input = Input {
        policies: &policies,
        listing: &snapshot.listing,
        datasets: &datasets,
        now,
        zone: &zone,
    };
    let planned = match plan(input) {
        Ok(p) => p,
        Err(e) => return fail(Exit::Software, e),
    };
    if args.dry_run {
        let out = BufWriter::new(io::stdout().lock());
        return match planned.write_json(out, FORMAT) {
            Ok(()) => Exit::Ok,
            Err(e) => fail(Exit::IoErr, format!("stdout: {e}")),
        };
    }
    let mut outcome = apply(&zfs, &planned, &policies, &ShellHooks);
    outcome.missing = snapshot.missing.clone();
    let mut err = io::stderr().lock();
    for t in &outcome.taken {
        let _ = writeln!(err, "helios64-snap: took {t}");
    }
    let _ = writeln!(err, "helios64-snap: destroyed {} snapshots", outcome.destroyed.len());
    for s in &outcome.skipped {
        let _ = writeln!(err, "helios64-snap: kept {s}: held since it was listed");
    }
    for e in &outcome.errors {
        let _ = writeln!(err, "helios64-snap: {e}");
    }
    let state = State { now, outcome: &outcome };
    if let Err(e) = StateDir::new(&args.state_dir).write("snap", 1, &clock, &state) {
        let _ = writeln!(err, "helios64-snap: state file: {}", e.one_line());
    }
    if outcome.errors.is_empty() { Exit::Ok } else { Exit::TempFail }
}
