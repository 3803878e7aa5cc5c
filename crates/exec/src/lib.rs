//! Runs a program the way a daemon must.
//!
//! [`Command`] is a small, explicit process runner shared by every crate of
//! the workspace that spawns a tool (`smartctl`, `zpool`, `zfs`):
//!
//! * **Explicit environment.** The child starts with an empty environment;
//!   the caller adds what it needs (`PATH`, `LC_ALL=C`, …) with
//!   [`Command::env`] or [`Command::env_from_parent`]. Nothing leaks in from
//!   the daemon's own environment by accident.
//! * **Standard input** is `/dev/null`, or the bytes given to
//!   [`Command::stdin`].
//! * **Its own process group**, so a timeout kills the program together with
//!   anything it started (a wrapper script's children, a pager), and no
//!   grandchild keeps a pipe open behind it.
//! * **A timeout** ([`DEFAULT_TIMEOUT`] unless changed) after which the whole
//!   group gets `SIGKILL` and the child is reaped. A child stuck in the
//!   kernel (an I/O on a suspended ZFS pool) cannot die until the kernel
//!   lets it: reaping waits at most a short grace period, and the error
//!   says whether it succeeded ([`Error::Timeout`]'s `reaped`).
//! * **Bounded output.** stdout and stderr are collected up to a byte limit
//!   each ([`DEFAULT_STDOUT_LIMIT`], [`DEFAULT_STDERR_LIMIT`]); the pipes are
//!   drained to the end regardless (so the child never blocks on a full
//!   pipe), the excess is dropped, and [`Output`] says so.
//! * **One thread.** Both pipes (and stdin) are served with `poll(2)` in the
//!   calling thread; the daemons are single-threaded by design.
//! * **"Not found" is one error.** A spawn failing with `ENOENT` and an exit
//!   status of 127 (what a shell, `env` or qemu-user report when the program
//!   does not exist) are both [`Error::NotFound`].
//!
//! ```no_run
//! use std::time::Duration;
//! use helios64_exec::Command;
//!
//! let out = Command::new("zpool", "tank")
//!     .args(["status", "-jp", "--", "tank"])
//!     .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
//!     .env("LC_ALL", "C")
//!     .timeout(Duration::from_secs(60))
//!     .run()?;
//! if out.status.success() {
//!     println!("{} bytes of JSON", out.stdout.len());
//! }
//! # Ok::<(), helios64_exec::Error>(())
//! ```

// Unit tests write fake programs with std::fs on purpose.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

mod error;
mod run;

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::{Error, Result};

/// How long a run may take unless [`Command::timeout`] or
/// [`Command::no_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How many bytes of stdout are kept unless [`Command::stdout_limit`] says
/// otherwise.
pub const DEFAULT_STDOUT_LIMIT: usize = 16 << 20;

/// How many bytes of stderr are kept unless [`Command::stderr_limit`] says
/// otherwise.
pub const DEFAULT_STDERR_LIMIT: usize = 64 << 10;

/// The exit status shells, `env` and qemu-user use for "program not found".
pub const NOT_FOUND_STATUS: i32 = 127;

/// A program to run, with everything that decides how it runs. Build it,
/// then call [`Command::run`] (as often as needed: it is not consumed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    program: PathBuf,
    target: String,
    args: Vec<OsString>,
    env: BTreeMap<OsString, OsString>,
    stdin: Option<Vec<u8>>,
    timeout: Option<Duration>,
    stdout_limit: usize,
    stderr_limit: usize,
}

impl Command {
    /// A command running `program` (a path, or a name looked up in the
    /// `PATH` given with [`Command::env`]). `target` is what the run
    /// concerns (a device, a pool, "all pools"): every [`Error`] names it.
    pub fn new(program: impl Into<PathBuf>, target: impl Into<String>) -> Command {
        Command {
            program: program.into(),
            target: target.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            stdin: None,
            timeout: Some(DEFAULT_TIMEOUT),
            stdout_limit: DEFAULT_STDOUT_LIMIT,
            stderr_limit: DEFAULT_STDERR_LIMIT,
        }
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Command {
        self.args.push(arg.into());
        self
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets an environment variable of the child (whose environment is
    /// otherwise empty). `PATH` also decides where a program given by name
    /// is looked up.
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Command {
        self.env.insert(key.into(), value.into());
        self
    }

    /// Passes the caller's value of `key` on to the child, if the caller has
    /// one.
    pub fn env_from_parent(self, key: impl Into<OsString>) -> Command {
        let key = key.into();
        match std::env::var_os(&key) {
            Some(value) => self.env(key, value),
            None => self,
        }
    }

    /// Feeds these bytes to the child's standard input, then closes it
    /// (default: `/dev/null`).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Command {
        self.stdin = Some(bytes.into());
        self
    }

    /// Kills the process group after this long (default [`DEFAULT_TIMEOUT`]).
    pub fn timeout(mut self, timeout: Duration) -> Command {
        self.timeout = Some(timeout);
        self
    }

    /// Lets the program run as long as it takes: for commands whose job is
    /// to wait (e.g. `zpool wait`).
    pub fn no_timeout(mut self) -> Command {
        self.timeout = None;
        self
    }

    /// Keeps at most this many bytes of stdout (default
    /// [`DEFAULT_STDOUT_LIMIT`]).
    pub fn stdout_limit(mut self, bytes: usize) -> Command {
        self.stdout_limit = bytes;
        self
    }

    /// Keeps at most this many bytes of stderr (default
    /// [`DEFAULT_STDERR_LIMIT`]).
    pub fn stderr_limit(mut self, bytes: usize) -> Command {
        self.stderr_limit = bytes;
        self
    }

    /// The program.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// What the run concerns.
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The arguments, in order.
    pub fn get_args(&self) -> &[OsString] {
        &self.args
    }

    /// The timeout, `None` when there is none.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The command line for messages: the program and its arguments, each
    /// quoted in the shell's way when it is empty or has characters a shell
    /// would treat specially, so a hostile argument reads as one word.
    pub fn command_line(&self) -> String {
        let mut line = quote(self.program.as_os_str());
        for arg in &self.args {
            line.push(' ');
            line.push_str(&quote(arg));
        }
        line
    }

    /// Runs the program to completion, or until the timeout.
    ///
    /// A non-zero exit status is not an error (the [`Output`] has it), except
    /// [`NOT_FOUND_STATUS`], which is [`Error::NotFound`].
    pub fn run(&self) -> Result<Output> {
        run::run(self)
    }
}

fn quote(word: &OsStr) -> String {
    let word = word.to_string_lossy();
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=@,%+#".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.into_owned();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// It exited with this status.
    Exited(i32),
    /// A signal (this number) killed it.
    Signaled(i32),
}

impl Status {
    /// Exited with status 0.
    pub fn success(self) -> bool {
        self == Status::Exited(0)
    }

    /// The exit status, `None` when a signal killed it.
    pub fn code(self) -> Option<i32> {
        match self {
            Status::Exited(code) => Some(code),
            Status::Signaled(_) => None,
        }
    }

    /// The signal that killed it, `None` when it exited.
    pub fn signal(self) -> Option<i32> {
        match self {
            Status::Exited(_) => None,
            Status::Signaled(signal) => Some(signal),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Exited(code) => write!(f, "exit status {code}"),
            Status::Signaled(signal) => write!(f, "killed by signal {signal}"),
        }
    }
}

/// What a finished run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// How the program ended.
    pub status: Status,
    /// Its standard output, up to the limit.
    pub stdout: Vec<u8>,
    /// Its standard error, up to the limit.
    pub stderr: Vec<u8>,
    /// stdout was longer than the limit; the rest was read and dropped.
    pub stdout_truncated: bool,
    /// stderr was longer than the limit; the rest was read and dropped.
    pub stderr_truncated: bool,
    /// From the spawn to the reaping of the child.
    pub elapsed: Duration,
}

impl Output {
    /// stderr as text (lossily) without surrounding whitespace, for
    /// messages.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).trim().to_owned()
    }
}

#[cfg(test)]
mod tests;
