//! The real sanoid as an oracle for `helios64-retention`'s differential
//! tests and benchmark.
//!
//! sanoid reads its snapshot list with `zfs get -Hrpt snapshot creation`
//! and its recursive children with `zfs list -o name -t filesystem,volume
//! -Hr`, both through `PATH`. [`Sanoid::run`] puts a fake `zfs` first on
//! `PATH` that answers exactly those two commands from files (and fails
//! loudly on anything else), overrides Perl's `time` with the instant to
//! judge at (a `-M` module loaded before sanoid is compiled, so every
//! `time()` and `localtime(time)` in it sees that instant), and runs
//! `sanoid --readonly --verbose --force-prune` with private config, cache
//! and run directories. `--readonly` makes it print its decisions
//! (`taking snapshot X`, `INFO: pruning X ...`) without acting;
//! `--force-prune` skips its per-snapshot `ps` scan for running sends.

// The oracle's own scratch files, not board nodes.
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where Debian's `sanoid` package installs it.
pub const SANOID: &str = "/usr/sbin/sanoid";

/// What went wrong running sanoid.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// sanoid is not installed.
    #[error("{SANOID} not found: install the Debian package sanoid (scripts/deps.sh host)")]
    Missing,
    /// Writing the scratch files failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// sanoid exited non-zero or complained.
    #[error("sanoid failed ({status}): {stderr}")]
    Failed {
        /// Its exit status.
        status: String,
        /// Its stderr.
        stderr: String,
    },
}

/// What sanoid decided.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decisions {
    /// Full names it would take.
    pub take: Vec<String>,
    /// Full names it would destroy, in its order.
    pub prune: Vec<String>,
    /// Its whole stdout.
    pub stdout: String,
}

/// What to run sanoid on.
#[derive(Debug, Clone, Copy)]
pub struct Sanoid<'a> {
    /// The sanoid.conf text.
    pub conf: &'a str,
    /// The `zfs get -Hrpt snapshot creation` output it should see.
    pub listing: &'a str,
    /// Every dataset (for `zfs list -r`), one per line.
    pub datasets: &'a [&'a str],
    /// The instant, seconds since the epoch.
    pub now: i64,
    /// `TZ` for sanoid.
    pub tz: &'a str,
    /// Also decide what to take.
    pub take: bool,
}

const FAKE_ZFS: &str = r#"#!/bin/sh
# The differential harness's zfs: the two queries sanoid makes, from files.
if [ "$*" = "get -Hrpt snapshot creation" ]; then exec cat "$H64_LISTING"; fi
case "$*" in
  "list -o name -t filesystem,volume -Hr "*)
    for ds in "$@"; do :; done
    exec awk -v d="$ds" '$0 == d || index($0, d "/") == 1' "$H64_DATASETS" ;;
esac
echo "fake zfs: unexpected call: zfs $*" >&2
exit 99
"#;

const FAKE_TIME: &str = "package H64FakeTime;\n\
BEGIN { my $now = $ENV{H64_NOW}; die \"H64_NOW unset\" unless defined $now;\n\
  *CORE::GLOBAL::time = sub () { $now }; }\n1;\n";

/// sanoid ready to run: its scratch directory and command line.
#[derive(Debug)]
pub struct Prepared {
    dir: tempfile::TempDir,
    cmd: Command,
}

impl Sanoid<'_> {
    /// Runs sanoid once and parses its decisions.
    pub fn run(&self) -> Result<Decisions, Error> {
        self.prepare()?.run()
    }

    /// Runs `sanoid --monitor-snapshots`: its exit code and its one line.
    pub fn monitor(&self) -> Result<(i32, String), Error> {
        let mut p = self.prepare_with(&["--monitor-snapshots"])?;
        p.clear_cache()?;
        p.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = p.cmd.output().map_err(|source| Error::Io { path: SANOID.into(), source })?;
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let code = out.status.code().ok_or_else(|| Error::Failed {
            status: out.status.to_string(),
            stderr: stderr.clone(),
        })?;
        if code > 3 || stderr.contains("fake zfs") {
            return Err(Error::Failed { status: out.status.to_string(), stderr });
        }
        Ok((code, String::from_utf8_lossy(&out.stdout).trim_end().to_owned()))
    }

    /// Writes the scratch files and builds the command line.
    pub fn prepare(&self) -> Result<Prepared, Error> {
        let mut args = vec!["--readonly", "--verbose", "--force-prune", "--prune-snapshots"];
        if self.take {
            args.push("--take-snapshots");
        }
        self.prepare_with(&args)
    }

    fn prepare_with(&self, args: &[&str]) -> Result<Prepared, Error> {
        if !Path::new(SANOID).is_file() {
            return Err(Error::Missing);
        }
        let dir = tempfile::tempdir()
            .map_err(|source| Error::Io { path: std::env::temp_dir(), source })?;
        let root = dir.path();
        let write = |name: &str, text: &str| -> Result<PathBuf, Error> {
            let path = root.join(name);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)
                    .map_err(|source| Error::Io { path: parent.into(), source })?;
            }
            fs::write(&path, text).map_err(|source| Error::Io { path: path.clone(), source })?;
            Ok(path)
        };
        write("conf/sanoid.conf", self.conf)?;
        let listing = write("listing.tsv", self.listing)?;
        let mut datasets = self.datasets.join("\n");
        datasets.push('\n');
        let datasets = write("datasets.txt", &datasets)?;
        let zfs = write("bin/zfs", FAKE_ZFS)?;
        fs::set_permissions(&zfs, fs::Permissions::from_mode(0o755))
            .map_err(|source| Error::Io { path: zfs.clone(), source })?;
        write("perl/H64FakeTime.pm", FAKE_TIME)?;
        for d in ["cache", "run"] {
            fs::create_dir_all(root.join(d))
                .map_err(|source| Error::Io { path: root.join(d), source })?;
        }
        let mut cmd = Command::new("perl");
        cmd.arg(format!("-I{}", root.join("perl").display()))
            .arg("-MH64FakeTime")
            .arg(SANOID)
            .arg(format!("--configdir={}", root.join("conf").display()))
            .arg(format!("--cache-dir={}", root.join("cache").display()))
            .arg(format!("--run-dir={}", root.join("run").display()))
            .args(args);
        cmd.env_clear()
            .env("PATH", format!("{}:/usr/bin:/bin", root.join("bin").display()))
            .env("TZ", self.tz)
            .env("LC_ALL", "C")
            .env("H64_NOW", self.now.to_string())
            .env("H64_LISTING", &listing)
            .env("H64_DATASETS", &datasets);
        Ok(Prepared { dir, cmd })
    }
}

impl Prepared {
    /// The command line (to wrap, e.g. in `/usr/bin/time`). Its cache must
    /// be cleared before each run: [`Prepared::clear_cache`].
    pub fn command(&self) -> &Command {
        &self.cmd
    }

    /// Removes sanoid's snapshot cache, so the next run lists through the
    /// fake `zfs` again (sanoid trusts a cache younger than 15 minutes, and
    /// with the faked clock any real file looks young).
    pub fn clear_cache(&self) -> Result<(), Error> {
        let path = self.dir.path().join("cache/snapshots.txt");
        match fs::remove_file(&path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::Io { path, source: e }),
            _ => Ok(()),
        }
    }

    /// Runs sanoid (with an empty cache), its output to /dev/null: what a
    /// benchmark times.
    pub fn run_quiet(&mut self) -> Result<(), Error> {
        self.clear_cache()?;
        self.cmd.stdout(Stdio::null()).stderr(Stdio::null());
        let status =
            self.cmd.status().map_err(|source| Error::Io { path: SANOID.into(), source })?;
        if !status.success() {
            return Err(Error::Failed { status: status.to_string(), stderr: String::new() });
        }
        Ok(())
    }

    /// Runs sanoid (with an empty cache) and parses its decisions.
    pub fn run(&mut self) -> Result<Decisions, Error> {
        self.clear_cache()?;
        self.cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let out = self.cmd.output().map_err(|source| Error::Io { path: SANOID.into(), source })?;
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() || stderr.contains("fake zfs") || stderr.contains("CRITICAL") {
            return Err(Error::Failed { status: out.status.to_string(), stderr });
        }
        let mut decisions = Decisions::default();
        for line in stdout.lines() {
            if let Some(rest) = line.strip_prefix("INFO: pruning ")
                && let Some(name) = rest.strip_suffix(" ... ")
            {
                decisions.prune.push(name.to_owned());
            } else if let Some(name) = line.strip_prefix("taking snapshot ") {
                decisions.take.push(name.trim_end_matches(" (zfs recursive)").to_owned());
            }
        }
        decisions.stdout = stdout;
        Ok(decisions)
    }
}
