//! `helios64-scrub`: one run of the scrub timer.
//!
//! Per pool: decide (start, resume, pause, already scrubbing, not due,
//! refused, and why), log it, act; with `--wait` follow the scrub to its
//! end with progress on STATUS= and stderr, pausing it at the window's end
//! or when mains is lost; record every pool's result in
//! `/run/helios64/scrub.json` (for the exporter) and
//! `/var/lib/helios64/scrub/scrub.json` (the last completed scrub, which
//! survives a resilver replacing the pool's scan stats).
//!
//! Exit codes: 0 done (refusals and "not due" included: they are logged and
//! recorded); 1 a followed scrub completed with errors; 64 usage; 69 ZFS
//! unavailable or a pool that cannot be read; 75 a scrub request failed;
//! 78 bad configuration.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use helios64_root::Root;
use helios64_scrub::cli::Args;
use helios64_scrub::{
    Context, Decision, Followed, HalSensors, Record, ScrubConfig, follow, minute_of_day, summary,
};
use helios64_service::cli::parse_args;
use helios64_service::state::Freshness;
use helios64_service::{Config, ConfigSource, Exit, Invalid, Notifier, StateDir, SystemClock};
use helios64_zfs::Native;
use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct Conf(ScrubConfig);

impl Config for Conf {
    fn validate(&self) -> Result<(), Invalid> {
        if let Some(w) = &self.0.window {
            for (key, v) in [("window.start", &w.start), ("window.end", &w.end)] {
                if minute_of_day(v).is_none() {
                    return Err(Invalid::at(key, format!("{v:?} is not HH:MM")));
                }
            }
        }
        if self.0.timezone != "UTC" && jiff::tz::TimeZone::get(&self.0.timezone).is_err() {
            return Err(Invalid::at(
                "timezone",
                format!("unknown time zone {:?}", self.0.timezone),
            ));
        }
        Ok(())
    }
}

/// The state file's payload (schema 1): per pool, the last decision and
/// the last completed scrub.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    pools: BTreeMap<String, Record>,
}

fn say(message: std::fmt::Arguments<'_>) {
    let _ = writeln!(std::io::stderr().lock(), "helios64-scrub: {message}");
}

fn main() -> ExitCode {
    let args: Args = match parse_args() {
        Ok(a) => a,
        Err(exit) => return exit.into(),
    };
    ExitCode::from(run(&args) as u8)
}

fn run(args: &Args) -> Exit {
    let mut source = ConfigSource::new("scrub");
    if let Some(f) = &args.config {
        source = source.with_file(f);
    }
    let config = match source.load::<Conf>() {
        Ok(l) => l.into_config().0,
        Err(e) => {
            say(format_args!("{}", e.one_line()));
            return e.exit();
        }
    };
    let zone = if config.timezone == "UTC" {
        jiff::tz::TimeZone::UTC
    } else {
        jiff::tz::TimeZone::get(&config.timezone).unwrap_or(jiff::tz::TimeZone::UTC)
    };
    let zfs = match Native::open() {
        Ok(z) => z,
        Err(e) => {
            say(format_args!("ZFS: {e}"));
            return Exit::Unavailable;
        }
    };
    let board = HalSensors::discover(&Root::new(&args.root));
    let (ups, bays) = board.found();
    if !ups {
        say(format_args!("no UPS found: mains cannot refuse a scrub"));
    }
    if bays == 0 {
        say(format_args!("no SATA bays found: disk temperatures cannot refuse a scrub"));
    }
    let clock = SystemClock;
    let record_dir = StateDir::new(&args.record_dir);
    let mut state: State = match record_dir.read("scrub", 1, Duration::MAX, &clock) {
        Ok(Freshness::Fresh(s) | Freshness::Stale { state: s, .. }) => s,
        _ => State::default(),
    };
    let cx = Context {
        zfs: &zfs,
        sensors: &board,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &state.pools,
    };
    let decisions = match cx.decide_all() {
        Ok(d) => d,
        Err(e) => {
            say(format_args!("{e}"));
            return Exit::Unavailable;
        }
    };
    // The unit is Type=notify so that stopping it runs ExecStop= (which
    // pauses the scrub) instead of killing an "activating" oneshot; without
    // READY=1 systemd fails a clean exit with result 'protocol'.
    let notifier = Notifier::from_env();
    notifier.ready(&summary(&decisions));
    let mut exit = Exit::Ok;
    let mut updates: Vec<(String, Record)> = Vec::new();
    for (pool, decision) in &decisions {
        say(format_args!("{pool}: {decision}"));
        let mut record = state.pools.get(pool.as_str()).cloned().unwrap_or_default();
        record.decision = decision.to_string();
        if let Decision::NotDue { last_end, .. } = decision {
            record.last_end = Some(*last_end);
        }
        if args.dry_run {
            continue;
        }
        if matches!(decision, Decision::Start { .. }) && config.randomized_delay_secs > 0 {
            let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
            let delay = random % u64::from(config.randomized_delay_secs);
            say(format_args!("{pool}: waiting {delay} s (randomized_delay_secs)"));
            std::thread::sleep(Duration::from_secs(delay));
        }
        if let Err(e) = cx.act(pool, decision) {
            say(format_args!("{e}"));
            exit = Exit::TempFail;
            updates.push((pool.to_string(), record));
            continue;
        }
        let follows = matches!(
            decision,
            Decision::Start { .. } | Decision::Resume | Decision::AlreadyScrubbing
        );
        if args.wait && follows {
            let mut sleep = |d: Duration| std::thread::sleep(d);
            let mut report = |p: &helios64_scrub::Progress| {
                say(format_args!("{pool}: {p}"));
                notifier.status(&format!("scrubbing {pool}: {p}"));
            };
            match follow(&cx, pool, &mut sleep, &mut report) {
                Ok(Followed::Finished { end_time, repaired_bytes, errors }) => {
                    say(format_args!(
                        "{pool}: scrub completed: {repaired_bytes} bytes repaired, {errors} errors"
                    ));
                    record.last_end = Some(end_time);
                    record.repaired_bytes = Some(repaired_bytes);
                    record.errors = Some(errors);
                    if errors > 0 {
                        exit = Exit::Warning;
                    }
                }
                Ok(Followed::Paused { why }) => say(format_args!("{pool}: scrub paused: {why}")),
                Ok(Followed::Stopped) => {
                    say(format_args!("{pool}: the scrub was stopped or replaced"))
                }
                Err(e) => {
                    say(format_args!("{e}"));
                    exit = Exit::TempFail;
                }
            }
        }
        updates.push((pool.to_string(), record));
    }
    if args.dry_run {
        return exit;
    }
    for (pool, record) in updates {
        state.pools.insert(pool, record);
    }
    for dir in [&record_dir, &StateDir::new(&args.state_dir)] {
        if let Err(e) = dir.write("scrub", 1, &clock, &state) {
            say(format_args!("state file: {}", e.one_line()));
        }
    }
    exit
}
