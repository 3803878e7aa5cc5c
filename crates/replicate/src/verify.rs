//! The restore test (`helios64-replicate verify JOB`): is the backup there,
//! readable, and the same as what was backed up?
//!
//! 1. The target's newest snapshot, and the source snapshot with its GUID
//!    (else the newest target snapshot the source still has).
//! 2. Read-back: the target snapshot is sent whole into a counter (raw when
//!    it is encrypted, so no key is needed). ZFS checks every block's
//!    checksum as it reads, so a damaged backup fails here.
//! 3. Contents: both snapshots are mounted read-only (a snapshot mounts as
//!    itself, `mount -t zfs fs@snap`; nothing is created on either pool)
//!    in a mount namespace of this process's own, so nothing is left
//!    mounted even if it dies, and compared entry by entry, file contents
//!    within the job's budget ([`crate::compare`]). An encrypted target
//!    whose key is not loaded is not mounted: that is what a raw backup is
//!    for, and the report says the contents were not compared.

#![allow(
    clippy::disallowed_methods,
    reason = "the scratch mount points of a restore test, not the board (ADR 0001)"
)]

use std::path::{Path, PathBuf};

use helios64_replication::state::{Outcome, VerifyRecord};
use helios64_zfs::{DatasetName, DatasetOrSnapshot, Native, Snapshot, SnapshotName, Zfs, ZfsError};
use nix::mount::{MntFlags, MsFlags};
use serde::Serialize;

use crate::compare::{Comparison, Sampling, compare};
use crate::config::Job;
use crate::error::{Error, Result};
use crate::remote::Host;
use crate::ssh::SshEnd;
use crate::target::{Local, TargetEnd};

/// What a restore test found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyReport {
    /// The job.
    pub job: String,
    /// The target snapshot tested.
    pub target_snapshot: Option<SnapshotName>,
    /// The source snapshot it was compared with.
    pub source_snapshot: Option<SnapshotName>,
    /// Bytes of the target snapshot read back.
    pub read_back_bytes: u64,
    /// Entries compared.
    pub entries_compared: u64,
    /// Files whose contents were compared.
    pub files_compared: u64,
    /// File bytes compared.
    pub content_bytes_compared: u64,
    /// Why contents were not compared, when they were not.
    pub contents_skipped: Option<String>,
    /// Differences found in all.
    pub difference_count: u64,
    /// The first of them.
    pub differences: Vec<String>,
}

impl VerifyReport {
    /// One line for the terminal and the journal.
    pub fn summary(&self) -> String {
        let snap = self.target_snapshot.as_ref().map_or("-".to_owned(), ToString::to_string);
        let contents = match &self.contents_skipped {
            Some(why) => format!("contents not compared: {why}"),
            None => format!(
                "{} entries and {} bytes of {} files equal to {}",
                self.entries_compared,
                self.content_bytes_compared,
                self.files_compared,
                self.source_snapshot.as_ref().map_or("-".to_owned(), ToString::to_string)
            ),
        };
        format!("{}: {snap}: read back {} bytes; {contents}", self.job, self.read_back_bytes)
    }

    /// The state file's record of this test, as of `at`.
    pub fn record(&self, at: u64) -> VerifyRecord {
        VerifyRecord {
            at,
            result: Outcome::Ok,
            error: None,
            snapshot: self.target_snapshot.as_ref().map(ToString::to_string),
            read_back_bytes: self.read_back_bytes,
            entries_compared: self.entries_compared,
            content_bytes_compared: self.content_bytes_compared,
            contents_skipped: self.contents_skipped.clone(),
        }
    }
}

/// One job's restore test.
#[derive(Debug)]
pub struct Verify<'a> {
    /// ZFS.
    pub zfs: &'a Native,
    /// The job's name.
    pub name: &'a str,
    /// The job.
    pub job: &'a Job,
    /// Where the snapshots are mounted (a directory of this run's own is
    /// made in it).
    pub scratch: &'a Path,
    /// Chooses the files compared when the budget does not cover them all
    /// (the run's time: each month's test covers others).
    pub seed: u64,
}

impl Verify<'_> {
    fn zfs_error(
        &self,
        what: &'static str,
        dataset: impl ToString,
    ) -> impl FnOnce(ZfsError) -> Error {
        Error::zfs(self.name, what, dataset)
    }

    fn snapshots(&self, fs: &DatasetName) -> Result<Vec<Snapshot>> {
        self.zfs.snapshots(fs).map_err(self.zfs_error("listing the snapshots of", fs))
    }

    fn property(&self, name: DatasetOrSnapshot, prop: &str) -> Result<Option<String>> {
        let what = name.to_string();
        let props = self
            .zfs
            .properties(&name)
            .map_err(self.zfs_error("reading the properties of", what))?;
        Ok(props.get(prop).map(|p| p.value.clone()))
    }

    /// Whether `fs`'s data can be read here: not encrypted, or its key
    /// loaded; else why not.
    fn unreadable(&self, fs: &DatasetName) -> Result<Option<String>> {
        let encryption = self.property(fs.clone().into(), "encryption")?;
        if encryption.as_deref().is_none_or(|e| e == "off") {
            return Ok(None);
        }
        let key = self.property(fs.clone().into(), "keystatus")?;
        Ok((key.as_deref() != Some("available"))
            .then(|| format!("{fs} is encrypted and its key is not loaded")))
    }

    /// Runs the test. A damaged or different backup is an error, as is a
    /// target with no snapshot.
    pub fn run(&self) -> Result<VerifyReport> {
        match &self.job.ssh {
            None => self.run_local(),
            Some(ssh) => {
                let end = SshEnd::new(self.zfs.lzc(), self.name, ssh, self.job.canmount.name());
                self.run_remote(&end, &ssh.host)
            }
        }
    }

    /// The source's snapshots, none when it is gone.
    fn source_snapshots(&self) -> Result<Vec<Snapshot>> {
        let src = &self.job.source;
        if self.zfs.lzc().exists(src.as_str()).map_err(self.zfs_error("looking up", src))? {
            self.snapshots(src)
        } else {
            Ok(Vec::new())
        }
    }

    /// A target on another host: read back there (every block's checksum
    /// checked on its pool), matched to the source by GUID; the contents
    /// are not compared (they would have to cross the network twice).
    fn run_remote(&self, end: &dyn TargetEnd, host: &Host) -> Result<VerifyReport> {
        let (src, dst) = (&self.job.source, &self.job.target);
        let nothing = || Error::NothingToVerify {
            job: self.name.to_owned(),
            target: format!("{host}:{dst}"),
        };
        let mut report = VerifyReport { job: self.name.to_owned(), ..VerifyReport::default() };
        let described = end.describe(dst)?;
        let Some(newest) = described.snapshots.iter().max_by_key(|s| s.createtxg) else {
            return Err(nothing());
        };
        let snapshot = dst.snapshot(&newest.name).map_err(|e| Error::Remote {
            job: self.name.to_owned(),
            host: host.clone(),
            what: "describing",
            dataset: dst.clone(),
            reason: e.to_string(),
        })?;
        report.target_snapshot = Some(snapshot.clone());
        report.read_back_bytes = end.read_back(&snapshot)?;
        let sources = self.source_snapshots()?;
        report.source_snapshot =
            sources.iter().find(|s| s.guid == newest.guid).map(|s| s.name.clone());
        report.contents_skipped = Some(match &report.source_snapshot {
            Some(_) => format!(
                "the target is on {host}: contents are compared for targets on this host; the read-back there checked every block"
            ),
            None => format!("{src} no longer has {snapshot} (matched by GUID)"),
        });
        Ok(report)
    }

    fn run_local(&self) -> Result<VerifyReport> {
        let (src, dst) = (&self.job.source, &self.job.target);
        let mut report = VerifyReport { job: self.name.to_owned(), ..VerifyReport::default() };
        if !self.zfs.lzc().exists(dst.as_str()).map_err(self.zfs_error("looking up", dst))? {
            return Err(Error::NothingToVerify {
                job: self.name.to_owned(),
                target: dst.to_string(),
            });
        }
        let targets = self.snapshots(dst)?;
        let Some(newest) = targets.iter().max_by_key(|s| s.createtxg) else {
            return Err(Error::NothingToVerify {
                job: self.name.to_owned(),
                target: dst.to_string(),
            });
        };
        report.target_snapshot = Some(newest.name.clone());
        report.read_back_bytes = Local { zfs: self.zfs, job: self.name }.read_back(&newest.name)?;

        let sources = self.source_snapshots()?;
        // The newest target snapshot the source still has, by GUID.
        let pair = targets
            .iter()
            .rev()
            .filter_map(|t| sources.iter().find(|s| s.guid == t.guid).map(|s| (s, t)))
            .max_by_key(|(_, t)| t.createtxg);
        let Some((source_snap, target_snap)) = pair else {
            report.contents_skipped = Some(format!("{src} has none of {dst}'s snapshots any more"));
            return Ok(report);
        };
        report.target_snapshot = Some(target_snap.name.clone());
        report.source_snapshot = Some(source_snap.name.clone());
        for fs in [dst, src] {
            if let Some(why) = self.unreadable(fs)? {
                report.contents_skipped = Some(why);
                return Ok(report);
            }
        }
        let total = self
            .property(source_snap.name.clone().into(), "logicalreferenced")?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let sampling = Sampling {
            budget_bytes: self.job.verify_content_bytes,
            total_bytes: total,
            seed: self.seed,
        };
        let found = self.compare_mounted(&source_snap.name, &target_snap.name, sampling)?;
        report.entries_compared = found.entries;
        report.files_compared = found.files_compared;
        report.content_bytes_compared = found.content_bytes;
        report.difference_count = found.difference_count;
        report.differences = found.differences.clone();
        if found.difference_count > 0 {
            return Err(Error::Differs {
                job: self.name.to_owned(),
                source_snapshot: source_snap.name.to_string(),
                target_snapshot: target_snap.name.to_string(),
                count: found.difference_count,
                first: found.differences,
            });
        }
        Ok(report)
    }

    fn compare_mounted(
        &self,
        source: &SnapshotName,
        target: &SnapshotName,
        sampling: Sampling,
    ) -> Result<Comparison> {
        private_mounts();
        let dir =
            self.scratch.join(format!("helios64-verify-{}-{}", self.name, std::process::id()));
        let scratch = Scratch::create(&dir).map_err(|e| self.mount_error(&dir, "creating", e))?;
        let (s, t) = (scratch.dir.join("source"), scratch.dir.join("target"));
        let _source = scratch.mount(source, &s).map_err(|e| self.mount_error(&s, source, e))?;
        let _target = scratch.mount(target, &t).map_err(|e| self.mount_error(&t, target, e))?;
        compare(&s, &t, sampling).map_err(|source| Error::Compare {
            job: self.name.to_owned(),
            source: Box::new(source),
        })
    }

    fn mount_error(&self, path: &Path, what: impl ToString, source: std::io::Error) -> Error {
        Error::Mount {
            job: self.name.to_owned(),
            what: what.to_string(),
            path: path.to_owned(),
            source,
        }
    }
}

/// Moves this process into a mount namespace of its own whose mounts do
/// not propagate back, so that the snapshots mounted for the test vanish
/// with the process whatever happens to it. Best effort: without it (no
/// CAP_SYS_ADMIN, or threads sharing the filesystem context) the guards
/// below still unmount.
fn private_mounts() {
    if nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNS).is_ok() {
        let _ = nix::mount::mount(
            None::<&str>,
            "/",
            None::<&str>,
            MsFlags::MS_REC | MsFlags::MS_PRIVATE,
            None::<&str>,
        );
    }
}

/// The run's directory, removed (with its mount points) when dropped.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn create(dir: &Path) -> std::io::Result<Scratch> {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new().mode(0o700).create(dir)?;
        Ok(Scratch { dir: dir.to_owned() })
    }

    /// Mounts `snap` read-only at `at` (created); unmounted when the
    /// returned guard drops.
    fn mount(&self, snap: &SnapshotName, at: &Path) -> std::io::Result<Mounted> {
        std::fs::create_dir(at)?;
        let flags =
            MsFlags::MS_RDONLY | MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
        nix::mount::mount(Some(snap.as_str()), at, Some("zfs"), flags, None::<&str>)
            .map_err(std::io::Error::from)?;
        Ok(Mounted { at: at.to_owned() })
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        // Only empty directories: a mount point still mounted is kept (and
        // a namespace of our own takes the mount with it).
        for sub in ["source", "target"] {
            let _ = std::fs::remove_dir(self.dir.join(sub));
        }
        let _ = std::fs::remove_dir(&self.dir);
    }
}

struct Mounted {
    at: PathBuf,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if nix::mount::umount2(&self.at, MntFlags::empty()).is_err() {
            let _ = nix::mount::umount2(&self.at, MntFlags::MNT_DETACH);
        }
    }
}
