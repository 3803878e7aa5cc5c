//! The CLI backend: `zpool` and `zfs` with JSON output (OpenZFS 2.3+).
//!
//! Commands run through `helios64-exec`: a cleared environment (a fixed
//! `PATH` and `LC_ALL=C`, so messages are English and numbers
//! unlocalized), stdin closed, their own process group, a timeout
//! ([`DEFAULT_TIMEOUT`]; `zpool wait` has none by default) after which the
//! group is killed, bounded output, and their stderr kept in the error.
//!
//! Every name goes after `--`. Typed pool, dataset and snapshot names cannot
//! start with `-` anyway; hold tags can (`-r` would make `zfs hold`
//! recursive), and `--` keeps them operands. User property names cannot
//! contain `=` ([`crate::names::check_user_property`]), so `-o name=value`
//! is unambiguous.
//!
//! Parsing lives in [`parse`] and is tested on captured output.

mod ops;
pub mod parse;

use std::ffi::OsString;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use helios64_exec::Command;

use crate::error::{Result, ZfsError};
use crate::model::VdevNaming;

/// How long a `zpool`/`zfs` command may run before it is killed (every
/// command but `zpool wait`): a query answers in well under a second, a
/// command on a suspended pool can block forever.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How much of a command's output is read: enough for the JSON listing of
/// tens of thousands of snapshots; beyond it the output is refused as
/// malformed rather than held in memory.
pub const DEFAULT_OUTPUT_LIMIT: usize = 64 << 20;

/// Where the commands are looked for: Debian/Ubuntu/Fedora put them in
/// `/usr/sbin` or `/sbin`, NixOS in `/run/current-system/sw/bin`.
pub const DEFAULT_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin:/run/current-system/sw/bin";

/// The arguments of the queries [`Cli`] runs: the commands whose output the
/// [`parse`] functions read. The test VM captures the parser tests'
/// fixtures with these same arguments. Each ends where the name goes, after
/// a `--` (or, for `zpool list`, takes none).
pub mod args {
    /// `zpool` arguments listing every pool; read by
    /// [`parse_pool_list`](super::parse::parse_pool_list).
    pub const POOL_LIST: &[&str] = &[
        "list",
        "-jp",
        "--json-int",
        "-o",
        "guid,health,size,allocated,free,capacity,fragmentation",
    ];
    /// `zpool` arguments for one pool's status, before the pool; read by
    /// [`parse_status`](super::parse::parse_status).
    pub const POOL_STATUS: &[&str] = &["status", "-jp", "--json-int", "--"];
    /// `zpool` arguments for one pool's list of files with permanent
    /// errors, before the pool; read by
    /// [`parse_data_errors`](super::parse::parse_data_errors).
    pub const POOL_DATA_ERRORS: &[&str] = &["status", "-jvp", "--json-int", "--"];
    /// `zpool` arguments for one pool's space, before the pool; read by
    /// [`parse_pool_space`](super::parse::parse_pool_space).
    pub const POOL_SPACE: &[&str] =
        &["get", "-jp", "--json-int", "--", "size,allocated,free,capacity,fragmentation"];
    /// `zpool` arguments for whether a pool can change, before the pool;
    /// read by [`parse_writability`](super::parse::parse_writability).
    pub const POOL_WRITABILITY: &[&str] = &["get", "-jp", "--json-int", "--", "readonly,health"];
    /// `zfs` arguments listing a dataset's snapshots, before the dataset; read
    /// by [`parse_snapshots`](super::parse::parse_snapshots). Without
    /// `--json-int`: zfs 2.3.2 converts values with `strtoll` for it, so a
    /// GUID above `i64::MAX` (half of them) comes out as
    /// 9223372036854775807; the default string values are exact.
    pub const SNAPSHOTS: &[&str] = &[
        "list",
        "-jp",
        "-t",
        "snapshot",
        "-d",
        "1",
        "-o",
        "name,createtxg,creation,guid,used,userrefs",
        "--",
    ];
    /// `zfs` arguments listing a dataset's children, before the dataset; read
    /// by [`parse_children`](super::parse::parse_children).
    pub const CHILDREN: &[&str] =
        &["list", "-jp", "-d", "1", "-t", "filesystem,volume", "-o", "name", "--"];
    /// `zfs` arguments for a dataset's or snapshot's properties, before its
    /// name; read by [`parse_properties`](super::parse::parse_properties).
    pub const PROPERTIES: &[&str] = &["get", "-jp", "--", "all"];
    /// `zfs` arguments for a snapshot's holds, before the snapshot; read by
    /// [`parse_holds`](super::parse::parse_holds).
    pub const HOLDS: &[&str] = &["holds", "-Hp", "--"];
}

/// ZFS through the `zpool`/`zfs` commands.
#[derive(Debug, Clone)]
pub struct Cli {
    zpool: PathBuf,
    zfs: PathBuf,
    path: OsString,
    timeout: Duration,
    wait_timeout: Option<Duration>,
    output_limit: usize,
    naming: VdevNaming,
}

impl Default for Cli {
    fn default() -> Self {
        Cli::new()
    }
}

impl Cli {
    /// Runs `zpool` and `zfs` found in [`DEFAULT_PATH`], with
    /// [`DEFAULT_TIMEOUT`] and [`DEFAULT_OUTPUT_LIMIT`].
    pub fn new() -> Cli {
        Cli::with_programs("zpool", "zfs")
    }

    /// Runs the given programs (absolute paths, or names looked up in
    /// [`DEFAULT_PATH`]); e.g. a wrapper script, or a fake in tests.
    pub fn with_programs(zpool: impl Into<PathBuf>, zfs: impl Into<PathBuf>) -> Cli {
        Cli {
            zpool: zpool.into(),
            zfs: zfs.into(),
            path: DEFAULT_PATH.into(),
            timeout: DEFAULT_TIMEOUT,
            wait_timeout: None,
            output_limit: DEFAULT_OUTPUT_LIMIT,
            naming: VdevNaming::default(),
        }
    }

    /// Spells vdev names in [`crate::Zfs::status`] this way (`zpool status
    /// -g`, `-L`, `-P`; default: none of them). The environment is cleared
    /// for every command, so `ZPOOL_VDEV_NAME_*` never reach `zpool`.
    pub fn with_vdev_naming(mut self, naming: VdevNaming) -> Cli {
        self.naming = naming;
        self
    }

    /// [`args::POOL_STATUS`] with the naming flags before the `--`.
    fn status_args(&self) -> Vec<&'static str> {
        let (dashes, head) = args::POOL_STATUS.split_last().unwrap_or((&"--", &[]));
        let mut out = head.to_vec();
        for (on, flag) in [
            (self.naming.guid, "-g"),
            (self.naming.follow_links, "-L"),
            (self.naming.full_path, "-P"),
        ] {
            if on {
                out.push(flag);
            }
        }
        out.push(dashes);
        out
    }

    /// Uses another `PATH` for the commands and for what they run.
    pub fn with_path(mut self, path: impl Into<OsString>) -> Cli {
        self.path = path.into();
        self
    }

    /// Kills a command (other than `zpool wait`) after this long; it then
    /// fails with [`ZfsError::Timeout`] naming the command.
    pub fn with_timeout(mut self, timeout: Duration) -> Cli {
        self.timeout = timeout;
        self
    }

    /// Limits `zpool wait` (what [`crate::Zfs::wait_scrub`] runs), which by
    /// default waits as long as the scrub takes, like the native backend.
    pub fn with_wait_timeout(mut self, timeout: Option<Duration>) -> Cli {
        self.wait_timeout = timeout;
        self
    }

    /// Refuses output longer than this many bytes (as malformed) instead of
    /// reading it into memory.
    pub fn with_output_limit(mut self, bytes: usize) -> Cli {
        self.output_limit = bytes;
        self
    }

    /// The command [`Cli`] would run: cleared environment but `PATH` and
    /// `LC_ALL=C`, the timeout and output limit.
    fn command(&self, zpool: bool, args: &[&str], target: &str) -> Command {
        let program = if zpool { &self.zpool } else { &self.zfs };
        Command::new(program, target)
            .args(args)
            .env("PATH", &self.path)
            .env("LC_ALL", "C")
            .timeout(self.timeout)
            .stdout_limit(self.output_limit)
    }

    /// Runs a command to success and returns its stdout.
    fn run(&self, command: &Command) -> Result<String> {
        let target = command.target().to_owned();
        let spawn_error = |source: io::Error| ZfsError::Spawn {
            program: command.program().display().to_string(),
            target: target.clone(),
            source,
        };
        let output = command.run().map_err(|e| match e {
            helios64_exec::Error::Timeout { command, target, timeout, .. } => {
                ZfsError::Timeout { command, target, timeout }
            }
            helios64_exec::Error::NotFound { .. } => {
                spawn_error(io::Error::from(io::ErrorKind::NotFound))
            }
            helios64_exec::Error::Spawn { source, .. }
            | helios64_exec::Error::Io { source, .. } => spawn_error(source),
            other => spawn_error(io::Error::other(other)),
        })?;
        if !output.status.success() {
            return Err(ZfsError::Command {
                command: command.command_line(),
                target,
                status: output.status.code(),
                stderr: output.stderr_text(),
            });
        }
        if output.stdout_truncated {
            return Err(ZfsError::malformed(
                "command output",
                target,
                format!(
                    "{} printed more than {} bytes (see Cli::with_output_limit)",
                    command.command_line(),
                    self.output_limit
                ),
            ));
        }
        String::from_utf8(output.stdout).map_err(|_| {
            ZfsError::malformed(
                "command output",
                target,
                format!("{} printed non-UTF-8", command.command_line()),
            )
        })
    }

    fn zpool(&self, args: &[&str], target: &str) -> Result<String> {
        self.run(&self.command(true, args, target))
    }

    fn zfs(&self, args: &[&str], target: &str) -> Result<String> {
        self.run(&self.command(false, args, target))
    }
}

#[cfg(test)]
mod tests;
