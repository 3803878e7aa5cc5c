//! `helios64-replicate`: one run of the replication timer.
//!
//! `run [JOB]` replicates every job (or one) in
//! `/etc/helios64/replicate.toml`; `--dry-run` prints the plans with their
//! estimated sizes; `--json` prints each job's report as a JSON line. Each
//! job's result and the age of its newest target snapshot go to
//! `/var/lib/helios64/replicate/replicate.json`.
//!
//! `verify [JOB]` is the restore test: each job's newest target snapshot
//! read back whole, mounted read-only beside its source snapshot and
//! compared; the result goes to the same state file (`verify`), which
//! `helios64 health` reads.
//!
//! `receive TARGET@SNAP` is the far end of a job whose target is on this
//! host, run by the sender over `ssh`: the stream on stdin, received with
//! libzfs_core; `receive --describe TARGET` and `receive --abort TARGET`
//! print JSON, as does `receive --read-back TARGET@SNAP` (the restore
//! test's read-back on this host; exit 1 when it cannot be read whole)
//! (exit 0, 69 ZFS unavailable, 64 usage, 75 a ZFS call failed).
//!
//! Exit codes: 0 every job done (or up to date; for verify: passed); 1 a job was refused or a
//! dataset is missing (diverged target, no common snapshot, missing source
//! or target parent; for verify: nothing to verify, a damaged or different
//! backup: a person has to look; nothing was destroyed); 64
//! usage; 69 ZFS unavailable; 75 a stream or ZFS call failed (the next run
//! resumes or retries); 78 bad configuration or an unknown job. With
//! several jobs, the highest of these.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use helios64_replicate::cli::{Cli, Command, ReceiveArgs, RunArgs, VerifyArgs};
use helios64_replicate::{Error, Job, JobRun, ReplicateConfig, Report, Verify};
use helios64_replication::state::{
    JobRecord, Outcome, ReplicationState, STATE_NAME, STATE_SCHEMA, VerifyRecord,
};
use helios64_service::cli::parse_args;
use helios64_service::{Clock, ConfigSource, Exit, Notifier, StateDir, SystemClock, check_config};
use helios64_text::error_chain;
use helios64_zfs::Native;

const PROGRAM: &str = "helios64-replicate";

fn say(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{PROGRAM}: {line}");
}

fn main() -> ExitCode {
    let cli: Cli = match parse_args() {
        Ok(cli) => cli,
        Err(exit) => return exit.into(),
    };
    let mut source = ConfigSource::new("replicate");
    if let Some(f) = &cli.config {
        source = source.with_file(f);
    }
    if cli.check_config {
        return check_config::<ReplicateConfig>(PROGRAM, &source).into();
    }
    let exit = match &cli.command {
        Some(Command::Run(args)) => run(&source, args),
        Some(Command::Verify(args)) => verify(&source, args),
        Some(Command::Receive(args)) => receive(args),
        None => {
            say(
                "a subcommand is needed: run [JOB], verify [JOB] or receive TARGET (or --check-config); see --help",
            );
            Exit::Usage
        }
    };
    ExitCode::from(exit.code())
}

/// The configuration, the jobs asked for (all without a name) and ZFS, or
/// the exit that says why not.
fn setup(
    source: &ConfigSource,
    job: Option<&String>,
) -> Result<(Vec<(String, Job)>, Native), Exit> {
    let config = match source.load::<ReplicateConfig>() {
        Ok(l) => l.into_config(),
        Err(e) => {
            say(&e.one_line());
            return Err(e.exit());
        }
    };
    let jobs: Vec<(String, Job)> = match job {
        Some(name) => match config.jobs.get(name) {
            Some(job) => vec![(name.clone(), job.clone())],
            None => {
                say(&format!("no job {name:?} in the configuration"));
                return Err(Exit::Config);
            }
        },
        None => config.jobs.into_iter().collect(),
    };
    match Native::open() {
        Ok(z) => Ok((jobs, z)),
        Err(e) => {
            say(&format!("ZFS: {}", error_chain(&e)));
            Err(Exit::Unavailable)
        }
    }
}

fn unix_now(clock: &SystemClock) -> u64 {
    clock.wall().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn run(source: &ConfigSource, args: &RunArgs) -> Exit {
    let (jobs, zfs) = match setup(source, args.job.as_ref()) {
        Ok(set) => set,
        Err(exit) => return exit,
    };
    let clock = SystemClock;
    let now = || unix_now(&clock);
    // Each job's outcome, written at the end into the state file that every
    // instance (one unit per job) shares, under its lock: a run writes only
    // the jobs it ran, over what the file holds then, not when it started.
    let mut outcomes: Vec<(String, JobRecord)> = Vec::new();
    // Type=notify, so that stopping the unit mid-stream is a stop, not a
    // failed start; READY=1 comes first, STATUS= follows each step.
    let notifier = Notifier::from_env();
    notifier.ready(&format!("{} jobs", jobs.len()));
    let mut exit = Exit::Ok;
    for (name, job) in &jobs {
        let mut progress = |line: &str| {
            say(line);
            notifier.status(line);
        };
        let run = JobRun { zfs: &zfs, name, job };
        let result = run.run(args.dry_run, &mut progress);
        let mut record = JobRecord { last_run: now(), ..JobRecord::default() };
        match result {
            Ok(report) => {
                print_report(&report, args);
                record.result = Outcome::Ok;
                record.received_bytes = report.received_bytes;
                record.newest_target_snapshot = report.newest_target_snapshot;
                record.newest_target_creation = report.newest_target_creation;
            }
            Err(e) => {
                let text = error_chain(&e);
                say(&text);
                record.result = Outcome::Failed;
                record.error = Some(text);
                exit = exit.max_by_code(exit_of(&e));
            }
        }
        outcomes.push((name.clone(), record));
    }
    if !args.dry_run {
        let records = StateDir::new(&args.record_dir);
        let written =
            records.update(STATE_NAME, STATE_SCHEMA, &clock, |state: &mut ReplicationState| {
                for (name, record) in outcomes {
                    state.record_run(&name, record);
                }
            });
        if let Err(e) = written {
            say(&format!("state file: {}", e.one_line()));
        }
    }
    exit
}

fn verify(source: &ConfigSource, args: &VerifyArgs) -> Exit {
    let (jobs, zfs) = match setup(source, args.job.as_ref()) {
        Ok(set) => set,
        Err(exit) => return exit,
    };
    let clock = SystemClock;
    let notifier = Notifier::from_env();
    notifier.ready(&format!("verifying {} jobs", jobs.len()));
    let mut exit = Exit::Ok;
    let mut records: Vec<(String, VerifyRecord)> = Vec::new();
    for (name, job) in &jobs {
        notifier.status(&format!("{name}: verifying {}", job.target));
        let at = unix_now(&clock);
        let test = Verify { zfs: &zfs, name, job, scratch: &args.scratch_dir, seed: at };
        let record = match test.run() {
            Ok(report) => {
                let mut out = std::io::stdout().lock();
                let line = if args.json {
                    serde_json::to_string(&report).unwrap_or_default()
                } else {
                    format!("{}: passed", report.summary())
                };
                let _ = writeln!(out, "{line}");
                report.record(at)
            }
            Err(e) => {
                let text = error_chain(&e);
                say(&format!("restore test failed: {text}"));
                exit = exit.max_by_code(exit_of(&e));
                VerifyRecord {
                    at,
                    result: Outcome::Failed,
                    error: Some(text),
                    snapshot: None,
                    ..VerifyRecord::default()
                }
            }
        };
        records.push((name.clone(), record));
    }
    let written = StateDir::new(&args.record_dir).update(
        STATE_NAME,
        STATE_SCHEMA,
        &clock,
        |state: &mut ReplicationState| {
            for (name, record) in records {
                state.record_verify(&name, record);
            }
        },
    );
    if let Err(e) = written {
        say(&format!("state file: {}", e.one_line()));
    }
    exit
}

/// `receive`: one JSON line on stdout, or the error on stderr.
fn receive(args: &ReceiveArgs) -> Exit {
    use helios64_replicate::describe::{AbortedRemote, Received};
    use helios64_replicate::receive as end;
    use std::os::fd::AsFd as _;

    let whole = args.describe || args.abort;
    let (dataset, snapshot) = match args.target.split_once('@') {
        Some((fs, _)) if !whole => (fs, Some(args.target.as_str())),
        None if whole => (args.target.as_str(), None),
        _ => {
            say(&format!(
                "receive: {:?}: TARGET@SNAP to receive or --read-back, TARGET with --describe or --abort",
                args.target
            ));
            return Exit::Usage;
        }
    };
    let target: helios64_zfs::DatasetName = match dataset.parse() {
        Ok(t) => t,
        Err(e) => {
            say(&format!("receive: {}", error_chain(&e)));
            return Exit::Usage;
        }
    };
    let zfs = match Native::open() {
        Ok(z) => z,
        Err(e) => {
            say(&format!("ZFS: {}", error_chain(&e)));
            return Exit::Unavailable;
        }
    };
    if args.read_back {
        return read_back(&zfs, &args.target);
    }
    let line = if args.describe {
        end::describe(&zfs, &target).map(|d| serde_json::to_string(&d))
    } else if args.abort {
        end::abort(&zfs, &target).map(|removed| serde_json::to_string(&AbortedRemote { removed }))
    } else {
        let stdin = std::io::stdin();
        let snapshot = snapshot.unwrap_or_default();
        end::receive(&zfs, snapshot, stdin.as_fd(), args.force, args.raw, args.canmount.as_deref())
            .map(|bytes| serde_json::to_string(&Received { bytes }))
    };
    match line {
        Ok(Ok(line)) => {
            let _ = writeln!(std::io::stdout().lock(), "{line}");
            Exit::Ok
        }
        Ok(Err(e)) => {
            say(&format!("receive: {e}"));
            Exit::Software
        }
        Err(e) => {
            say(&format!("receive into {}: {}", args.target, error_chain(&e)));
            Exit::TempFail
        }
    }
}

/// `receive --read-back TARGET@SNAP`: `{"bytes": N}`, or exit 1 when the
/// snapshot could not be read whole (the sender's restore test fails).
fn read_back(zfs: &Native, snapshot: &str) -> Exit {
    use helios64_replicate::describe::Received;

    let name: helios64_zfs::SnapshotName = match snapshot.parse() {
        Ok(n) => n,
        Err(e) => {
            say(&format!("receive --read-back: {}", error_chain(&e)));
            return Exit::Usage;
        }
    };
    match helios64_replicate::receive::read_back(zfs, &name) {
        Ok(bytes) => {
            let line = serde_json::to_string(&Received { bytes }).unwrap_or_default();
            let _ = writeln!(std::io::stdout().lock(), "{line}");
            Exit::Ok
        }
        Err(e) => {
            say(&format!("reading {snapshot} back failed: {}", error_chain(&e)));
            Exit::Warning
        }
    }
}

fn exit_of(e: &Error) -> Exit {
    if e.zfs_unavailable() {
        Exit::Unavailable
    } else if e.needs_a_person() {
        Exit::Warning
    } else {
        Exit::TempFail
    }
}

trait MaxByCode {
    fn max_by_code(self, other: Exit) -> Exit;
}

impl MaxByCode for Exit {
    fn max_by_code(self, other: Exit) -> Exit {
        if other.code() > self.code() { other } else { self }
    }
}

fn print_report(report: &Report, args: &RunArgs) {
    let mut out = std::io::stdout().lock();
    if args.json {
        let line = serde_json::to_string(report).unwrap_or_default();
        let _ = writeln!(out, "{line}");
        return;
    }
    let _ = writeln!(out, "{}", report.summary());
}
