//! The CLI backend: `zpool` and `zfs` with JSON output (OpenZFS 2.3+).
//!
//! Commands run with a cleared environment (a fixed `PATH` and `LC_ALL=C`,
//! so messages are English and numbers unlocalized), stdin closed, and
//! their stderr kept in the error. Parsing lives in [`parse`] and is tested
//! on captured output.

pub mod parse;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::backend::Zfs;
use crate::error::{Result, ZfsError};
use crate::model::{
    Dataset, Hold, Holds, PoolStatus, PoolSummary, Properties, ScrubAction, Snapshot,
};
use crate::names;

/// Where the commands are looked for: Debian/Ubuntu/Fedora put them in
/// `/usr/sbin` or `/sbin`, NixOS in `/run/current-system/sw/bin`.
pub const DEFAULT_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin:/run/current-system/sw/bin";

/// The arguments of the queries [`Cli`] runs: the commands whose output the
/// [`parse`] functions read. The test VM captures the parser tests'
/// fixtures with these same arguments.
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
    pub const POOL_STATUS: &[&str] = &["status", "-jp", "--json-int"];
    /// `zpool` arguments for one pool's space, before the pool; read by
    /// [`parse_pool_space`](super::parse::parse_pool_space).
    pub const POOL_SPACE: &[&str] =
        &["get", "-jp", "--json-int", "size,allocated,free,capacity,fragmentation"];
    /// `zfs` arguments listing a dataset's snapshots, before the dataset; read
    /// by [`parse_snapshots`](super::parse::parse_snapshots).
    pub const SNAPSHOTS: &[&str] = &[
        "list",
        "-jp",
        "--json-int",
        "-t",
        "snapshot",
        "-d",
        "1",
        "-o",
        "name,createtxg,creation,used,userrefs",
    ];
    /// `zfs` arguments listing a dataset's children, before the dataset; read
    /// by [`parse_children`](super::parse::parse_children).
    pub const CHILDREN: &[&str] =
        &["list", "-jp", "-d", "1", "-t", "filesystem,volume", "-o", "name"];
    /// `zfs` arguments for a dataset's or snapshot's properties, before its
    /// name; read by [`parse_properties`](super::parse::parse_properties).
    pub const PROPERTIES: &[&str] = &["get", "-jp", "all"];
    /// `zfs` arguments for a snapshot's holds, before the snapshot; read by
    /// [`parse_holds`](super::parse::parse_holds).
    pub const HOLDS: &[&str] = &["holds", "-Hp"];
}

/// ZFS through the `zpool`/`zfs` commands.
#[derive(Debug, Clone)]
pub struct Cli {
    zpool: PathBuf,
    zfs: PathBuf,
    path: OsString,
}

impl Default for Cli {
    fn default() -> Self {
        Cli::new()
    }
}

impl Cli {
    /// Runs `zpool` and `zfs` found in [`DEFAULT_PATH`].
    pub fn new() -> Cli {
        Cli { zpool: "zpool".into(), zfs: "zfs".into(), path: DEFAULT_PATH.into() }
    }

    /// Runs the given programs (absolute paths, or names looked up in
    /// [`DEFAULT_PATH`]); e.g. a wrapper script, or a fake in tests.
    pub fn with_programs(zpool: impl Into<PathBuf>, zfs: impl Into<PathBuf>) -> Cli {
        Cli { zpool: zpool.into(), zfs: zfs.into(), path: DEFAULT_PATH.into() }
    }

    /// Uses another `PATH` for the commands and for what they run.
    pub fn with_path(mut self, path: impl Into<OsString>) -> Cli {
        self.path = path.into();
        self
    }

    fn run(&self, zpool: bool, args: &[&str], target: &str) -> Result<String> {
        let program = if zpool { &self.zpool } else { &self.zfs };
        let output = Command::new(program)
            .args(args)
            .env_clear()
            .env("PATH", &self.path)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .map_err(|source| ZfsError::Spawn {
                program: program.display().to_string(),
                target: target.to_owned(),
                source,
            })?;
        if !output.status.success() {
            return Err(ZfsError::Command {
                command: command_line(program, args),
                target: target.to_owned(),
                status: output.status.code(),
                stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        String::from_utf8(output.stdout).map_err(|_| {
            ZfsError::malformed(
                "command output",
                target,
                format!("{} printed non-UTF-8", command_line(program, args)),
            )
        })
    }

    fn zpool(&self, args: &[&str], target: &str) -> Result<String> {
        self.run(true, args, target)
    }

    fn zfs(&self, args: &[&str], target: &str) -> Result<String> {
        self.run(false, args, target)
    }
}

fn command_line(program: &std::path::Path, args: &[&str]) -> String {
    let mut s = program.display().to_string();
    for a in args {
        s.push(' ');
        s.push_str(a);
    }
    s
}

/// Groups snapshot names by dataset: `zfs destroy` takes `fs@a,b,c`.
fn by_dataset<'a>(snapshots: &[&'a str]) -> Result<BTreeMap<&'a str, Vec<&'a str>>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for s in snapshots {
        names::check_snapshot(s)?;
        if let Some((ds, snap)) = names::split_snapshot(s) {
            groups.entry(ds).or_default().push(snap);
        }
    }
    Ok(groups)
}

fn by_tag(holds: &[Hold]) -> Result<BTreeMap<&str, Vec<&str>>> {
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for h in holds {
        names::check_snapshot(&h.snapshot)?;
        names::check_hold_tag(&h.tag)?;
        groups.entry(h.tag.as_str()).or_default().push(h.snapshot.as_str());
    }
    Ok(groups)
}

impl Zfs for Cli {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        let out = self.zpool(args::POOL_LIST, "all pools")?;
        parse::parse_pool_list(&out)
    }

    fn status(&self, pool: &str) -> Result<PoolStatus> {
        names::check_pool(pool)?;
        let out = self.zpool(&[args::POOL_STATUS, &[pool]].concat(), pool)?;
        let mut status = parse::parse_status(&out, pool)?;
        let space = self.zpool(&[args::POOL_SPACE, &[pool]].concat(), pool)?;
        status.space = parse::parse_pool_space(&space, pool)?;
        Ok(status)
    }

    fn scrub(&self, pool: &str, action: ScrubAction) -> Result<()> {
        names::check_pool(pool)?;
        let args: &[&str] = match action {
            ScrubAction::Start => &["scrub", pool],
            ScrubAction::Pause => &["scrub", "-p", pool],
            ScrubAction::Resume => {
                let paused = self.status(pool)?.scan.is_some_and(|s| s.is_paused());
                if !paused {
                    return Err(ZfsError::ScrubNotPaused { pool: pool.to_owned() });
                }
                &["scrub", pool]
            }
            ScrubAction::Cancel => &["scrub", "-s", pool],
        };
        self.zpool(args, pool).map(|_| ())
    }

    fn wait_scrub(&self, pool: &str) -> Result<()> {
        names::check_pool(pool)?;
        self.zpool(&["wait", "-t", "scrub", pool], pool).map(|_| ())
    }

    fn snapshot(&self, snapshots: &[&str], user_props: &BTreeMap<String, String>) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        for s in snapshots {
            names::check_snapshot(s)?;
        }
        let props: Vec<String> = user_props.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["snapshot"];
        for p in &props {
            args.push("-o");
            args.push(p);
        }
        args.extend_from_slice(snapshots);
        self.zfs(&args, &crate::lzc::describe(snapshots)).map(|_| ())
    }

    fn destroy_snapshots(&self, snapshots: &[&str], defer: bool) -> Result<()> {
        for (dataset, snaps) in by_dataset(snapshots)? {
            let spec = format!("{dataset}@{}", snaps.join(","));
            let mut args = vec!["destroy"];
            if defer {
                args.push("-d");
            }
            args.push(&spec);
            match self.zfs(&args, &spec) {
                // `zfs destroy` refuses when none of the named snapshots
                // exists; the trait (like lzc) ignores missing snapshots.
                Err(ZfsError::Command { stderr, .. })
                    if stderr.contains("could not find any snapshots to destroy") => {}
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    fn snapshots(&self, dataset: &str) -> Result<Vec<Snapshot>> {
        names::check_dataset(dataset)?;
        let out = self.zfs(&[args::SNAPSHOTS, &[dataset]].concat(), dataset)?;
        parse::parse_snapshots(&out, dataset)
    }

    fn hold(&self, holds: &[Hold]) -> Result<()> {
        for (tag, snaps) in by_tag(holds)? {
            let mut args = vec!["hold", tag];
            args.extend_from_slice(&snaps);
            self.zfs(&args, &crate::lzc::describe(&snaps))?;
        }
        Ok(())
    }

    fn release(&self, holds: &[Hold]) -> Result<()> {
        for (tag, snaps) in by_tag(holds)? {
            let mut args = vec!["release", tag];
            args.extend_from_slice(&snaps);
            self.zfs(&args, &crate::lzc::describe(&snaps))?;
        }
        Ok(())
    }

    fn holds(&self, snapshot: &str) -> Result<Holds> {
        names::check_snapshot(snapshot)?;
        let out = self.zfs(&[args::HOLDS, &[snapshot]].concat(), snapshot)?;
        parse::parse_holds(&out, snapshot)
    }

    fn datasets(&self, parent: &str) -> Result<Vec<Dataset>> {
        names::check_dataset(parent)?;
        let out = self.zfs(&[args::CHILDREN, &[parent]].concat(), parent)?;
        parse::parse_children(&out, parent)
    }

    fn properties(&self, dataset: &str) -> Result<Properties> {
        if dataset.contains('@') {
            names::check_snapshot(dataset)?;
        } else {
            names::check_dataset(dataset)?;
        }
        let out = self.zfs(&[args::PROPERTIES, &[dataset]].concat(), dataset)?;
        parse::parse_properties(&out, dataset)
    }
}

#[cfg(test)]
mod tests;
