//! `helios64-replicate`: one run of the replication timer.
//!
//! `run [JOB]` replicates every job (or one) in
//! `/etc/helios64/replicate.toml`; `--dry-run` prints the plans with their
//! estimated sizes; `--json` prints each job's report as a JSON line. Each
//! job's result and the age of its newest target snapshot go to
//! `/var/lib/helios64/replicate/replicate.json`.
//!
//! `receive TARGET@SNAP` is the far end of a job whose target is on this
//! host, run by the sender over `ssh`: the stream on stdin, received with
//! libzfs_core; `receive --describe TARGET` and `receive --abort TARGET`
//! print JSON (exit 0, 69 ZFS unavailable, 64 usage, 75 a ZFS call failed).
//!
//! Exit codes: 0 every job done (or up to date); 1 a job was refused or a
//! dataset is missing (diverged target, no common snapshot, missing source
//! or target parent: a person has to look; nothing was destroyed); 64
//! usage; 69 ZFS unavailable; 75 a stream or ZFS call failed (the next run
//! resumes or retries); 78 bad configuration or an unknown job. With
//! several jobs, the highest of these.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::ExitCode;
use std::time::UNIX_EPOCH;

use helios64_replicate::cli::{Cli, Command, ReceiveArgs, RunArgs};
use helios64_replicate::{Error, JobRun, ReplicateConfig, Report};
use helios64_service::cli::parse_args;
use helios64_service::{Clock, ConfigSource, Exit, Notifier, StateDir, SystemClock, check_config};
use helios64_text::error_chain;
use helios64_zfs::Native;
use serde::{Deserialize, Serialize};

const PROGRAM: &str = "helios64-replicate";

/// One job's record in the state file (schema 1).
#[derive(Debug, Default, Serialize, Deserialize)]
struct JobState {
    /// When the job last ran, Unix seconds.
    last_run: u64,
    /// `ok` or `failed`.
    result: String,
    /// The error, when it failed.
    error: Option<String>,
    /// The target's newest snapshot: how fresh the backup is.
    newest_target_snapshot: Option<String>,
    /// Its creation time, Unix seconds.
    newest_target_creation: Option<u64>,
    /// Bytes received by the last run.
    received_bytes: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    jobs: BTreeMap<String, JobState>,
}

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
        Some(Command::Receive(args)) => receive(args),
        None => {
            say("a subcommand is needed: run [JOB] (or --check-config); see --help");
            Exit::Usage
        }
    };
    ExitCode::from(exit.code())
}

fn run(source: &ConfigSource, args: &RunArgs) -> Exit {
    let config = match source.load::<ReplicateConfig>() {
        Ok(l) => l.into_config(),
        Err(e) => {
            say(&e.one_line());
            return e.exit();
        }
    };
    let jobs: Vec<(&String, &helios64_replicate::Job)> = match &args.job {
        Some(name) => match config.jobs.get_key_value(name) {
            Some(job) => vec![job],
            None => {
                say(&format!("no job {name:?} in the configuration"));
                return Exit::Config;
            }
        },
        None => config.jobs.iter().collect(),
    };
    let zfs = match Native::open() {
        Ok(z) => z,
        Err(e) => {
            say(&format!("ZFS: {}", error_chain(&e)));
            return Exit::Unavailable;
        }
    };
    let clock = SystemClock;
    let now = || clock.wall().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    // Each job's outcome, written at the end into the state file that every
    // instance (one unit per job) shares, under its lock: a run writes only
    // the jobs it ran, over what the file holds then, not when it started.
    let mut outcomes: Vec<(String, JobState)> = Vec::new();
    // Type=notify, so that stopping the unit mid-stream is a stop, not a
    // failed start; READY=1 comes first, STATUS= follows each step.
    let notifier = Notifier::from_env();
    notifier.ready(&format!("{} jobs", jobs.len()));
    let mut exit = Exit::Ok;
    for (name, job) in jobs {
        let mut progress = |line: &str| {
            say(line);
            notifier.status(line);
        };
        let run = JobRun { zfs: &zfs, name, job };
        let result = run.run(args.dry_run, &mut progress);
        let mut record = JobState { last_run: now(), ..JobState::default() };
        match result {
            Ok(report) => {
                print_report(&report, args);
                record.result = "ok".to_owned();
                record.received_bytes = report.received_bytes;
                record.newest_target_snapshot = report.newest_target_snapshot;
                record.newest_target_creation = report.newest_target_creation;
            }
            Err(e) => {
                let text = error_chain(&e);
                say(&text);
                record.result = "failed".to_owned();
                record.error = Some(text);
                exit = exit.max_by_code(exit_of(&e));
            }
        }
        outcomes.push((name.clone(), record));
    }
    if !args.dry_run {
        let records = StateDir::new(&args.record_dir);
        let written = records.update("replicate", 1, &clock, |state: &mut State| {
            for (name, record) in outcomes {
                let last = state.jobs.entry(name).or_default();
                // A failed run, or one that found no target snapshot, keeps
                // the freshness the last good run recorded.
                if record.newest_target_snapshot.is_none() {
                    let (snapshot, creation) =
                        (last.newest_target_snapshot.take(), last.newest_target_creation);
                    *last = JobState {
                        newest_target_snapshot: snapshot,
                        newest_target_creation: creation,
                        ..record
                    };
                } else {
                    *last = record;
                }
            }
        });
        if let Err(e) = written {
            say(&format!("state file: {}", e.one_line()));
        }
    }
    exit
}

/// `receive`: one JSON line on stdout, or the error on stderr.
fn receive(args: &ReceiveArgs) -> Exit {
    use helios64_replicate::describe::{AbortedRemote, Received};
    use helios64_replicate::receive as end;
    use std::os::fd::AsFd as _;

    let (dataset, snapshot) = match args.target.split_once('@') {
        Some((fs, _)) if !args.describe && !args.abort => (fs, Some(args.target.as_str())),
        None if args.describe || args.abort => (args.target.as_str(), None),
        _ => {
            say(&format!(
                "receive: {:?}: TARGET@SNAP to receive, TARGET with --describe or --abort",
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
