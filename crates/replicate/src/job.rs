//! One job's run: stale holds released, an interrupted receive resumed or
//! given up, the plan, the streams with their holds, the bookmark that
//! keeps the chain.

use helios64_replication::{Base, Options, Plan, Snap, Source, Step, Target};
use helios64_zfs::lzc::SendFlags;
use helios64_zfs::{
    DatasetName, Errno, Hold, HoldTag, Native, NvList, NvListRef, Snapshot, SnapshotName, Zfs,
    ZfsError,
};

use crate::config::{Job, Raw};
use crate::describe::{Description, TargetSnap};
use crate::error::{Error, Result};
use crate::report::Report;
use crate::ssh::SshEnd;
use crate::target::{Local, TargetEnd};
use crate::transfer::{Side, Stream, base_name};

/// The hold tag of a job: `helios64-replicate:JOB`.
pub fn hold_tag(job: &str) -> String {
    format!("helios64-replicate:{job}")
}

/// The prefix of a job's bookmarks on the source: `helios64-replicate_JOB_`,
/// followed by the snapshot's short name.
pub fn bookmark_prefix(job: &str) -> String {
    format!("helios64-replicate_{job}_")
}

/// One job against the native backend.
#[derive(Debug)]
pub struct JobRun<'a> {
    /// ZFS.
    pub zfs: &'a Native,
    /// The job's name.
    pub name: &'a str,
    /// The job.
    pub job: &'a Job,
}

/// Holds grouped by the pool of their snapshot, pools in order.
fn by_pool(holds: &[Hold]) -> Vec<Vec<Hold>> {
    let mut groups: std::collections::BTreeMap<String, Vec<Hold>> = Default::default();
    for h in holds {
        groups.entry(h.snapshot.pool().to_string()).or_default().push(h.clone());
    }
    groups.into_values().collect()
}

fn describe(holds: &[Hold]) -> String {
    let names: Vec<&str> = holds.iter().map(|h| h.snapshot.as_str()).collect();
    helios64_zfs::names::describe(&names)
}

fn snap_of(s: &Snapshot) -> Snap {
    Snap::new(s.name.short_name(), s.guid, s.createtxg)
}

fn target_snap(s: &TargetSnap) -> Snap {
    Snap::new(&s.name, s.guid, s.createtxg)
}

impl JobRun<'_> {
    fn zfs_error(
        &self,
        what: &'static str,
        dataset: impl ToString,
    ) -> impl FnOnce(ZfsError) -> Error {
        Error::zfs(self.name, what, dataset)
    }

    fn exists(&self, name: &str) -> Result<bool> {
        self.zfs.lzc().exists(name).map_err(self.zfs_error("looking up", name))
    }

    fn snapshots(&self, fs: &DatasetName) -> Result<Vec<Snapshot>> {
        self.zfs.snapshots(fs).map_err(self.zfs_error("listing the snapshots of", fs))
    }

    fn source(&self, snapshots: &[Snapshot]) -> Result<Source> {
        let fs = &self.job.source;
        let marks = self
            .zfs
            .lzc()
            .get_bookmarks(fs.as_str())
            .map_err(self.zfs_error("listing the bookmarks of", fs))?;
        let bookmarks = marks
            .iter()
            .filter_map(|b| {
                b.name.rsplit_once('#').map(|(_, short)| Snap::new(short, b.guid, b.createtxg))
            })
            .collect();
        Ok(Source { snapshots: snapshots.iter().map(snap_of).collect(), bookmarks })
    }

    /// The target as the planner sees it. Whether it was written since its
    /// newest snapshot is left to the kernel, which refuses such a receive
    /// (`ETXTBSY`, mapped to the planner's refusal in [`JobRun::run`]): the
    /// `written` property is not zero right after a resumed receive that
    /// changed nothing (seen on 2.3.2), so it would refuse good targets.
    fn target(snapshots: &[TargetSnap]) -> Target {
        Target { snapshots: snapshots.iter().map(target_snap).collect(), modified: false }
    }

    /// Holds on each pool in its own call: lzc_hold refuses a set that
    /// spans pools (`EXDEV`). If one pool's call fails, the holds already
    /// placed are released.
    fn hold_all(&self, holds: &[Hold]) -> Result<()> {
        let groups = by_pool(holds);
        for (i, group) in groups.iter().enumerate() {
            if let Err(e) = self.zfs.hold(group) {
                for placed in &groups[..i] {
                    let _ = self.zfs.release(placed);
                }
                return Err(self.zfs_error("holding", describe(group))(e));
            }
        }
        Ok(())
    }

    /// Releases per pool (as [`JobRun::hold_all`]); every pool is tried, the
    /// first failure is returned.
    fn release_all(&self, holds: &[Hold]) -> Result<()> {
        let mut first = Ok(());
        for group in by_pool(holds) {
            if let Err(e) = self.zfs.release(&group)
                && first.is_ok()
            {
                first = Err(self.zfs_error("releasing the holds on", describe(&group))(e));
            }
        }
        first
    }

    fn tag(&self) -> Result<HoldTag> {
        hold_tag(self.name).parse().map_err(self.zfs_error("the hold tag of job", self.name))
    }

    fn stream<'s>(
        &'s self,
        step: &'s Step,
        flags: SendFlags,
        resume_at: (u64, u64),
        force: bool,
        local_props: Option<&'s NvListRef>,
    ) -> Stream<'s> {
        let (source, target) = (&self.job.source, &self.job.target);
        Stream { source, target, step, flags, resume_at, force, local_props }
    }

    /// Releases this job's holds on any listed snapshot (on this host)
    /// that has holds.
    fn release_stale(&self, held: &[SnapshotName]) -> Result<Vec<String>> {
        let tag = self.tag()?;
        let mut stale = Vec::new();
        for s in held {
            let holds = self.zfs.holds(s).map_err(self.zfs_error("reading the holds of", s))?;
            if holds.contains_key(tag.as_str()) {
                stale.push(Hold::new(s.clone(), tag.clone()));
            }
        }
        self.release_all(&stale)?;
        Ok(stale.iter().map(|h| format!("{}#{}", h.snapshot, h.tag)).collect())
    }

    fn flags(&self) -> Result<SendFlags> {
        let raw = match self.job.raw {
            Raw::Always => true,
            Raw::Never => false,
            Raw::Auto => {
                let fs = &self.job.source;
                let props = self
                    .zfs
                    .properties(&fs.clone().into())
                    .map_err(self.zfs_error("reading the properties of", fs))?;
                props.get("encryption").is_some_and(|p| p.value != "off")
            }
        };
        Ok(if raw { SendFlags::RAW } else { SendFlags::NATIVE })
    }

    fn local_props(&self) -> Result<Option<NvList>> {
        let Some(value) = self.job.canmount.value() else { return Ok(None) };
        let err = self.zfs_error("setting canmount on", &self.job.target);
        let mut props = NvList::new().map_err(err)?;
        props
            .insert("canmount", &value)
            .map_err(self.zfs_error("setting canmount on", &self.job.target))?;
        Ok(Some(props))
    }

    fn snapshot_name(&self, fs: &DatasetName, short: &str) -> Result<SnapshotName> {
        fs.snapshot(short).map_err(self.zfs_error("naming a snapshot of", fs))
    }

    /// The holds for one step: the snapshot sent and its base on the source,
    /// the base on the target when it is on this host (`target_base` is
    /// `None` for a remote one).
    fn holds_for(&self, step: &Step, target_base: Option<&str>) -> Result<Vec<Hold>> {
        let tag = self.tag()?;
        let mut holds =
            vec![Hold::new(self.snapshot_name(&self.job.source, &step.to.name)?, tag.clone())];
        if let Some(Base::Snapshot(from)) = &step.from {
            holds.push(Hold::new(self.snapshot_name(&self.job.source, from)?, tag.clone()));
        }
        if let Some(base) = target_base {
            holds.push(Hold::new(self.snapshot_name(&self.job.target, base)?, tag));
        }
        Ok(holds)
    }

    /// One stream with its holds, released whatever happened.
    fn send_step(
        &self,
        end: &dyn TargetEnd,
        step: &Step,
        target_base: Option<&str>,
        stream: Stream<'_>,
    ) -> Result<u64> {
        let target_base = target_base.filter(|_| end.host().is_none());
        let holds = self.holds_for(step, target_base)?;
        self.hold_all(&holds)?;
        let moved = end.receive(&stream);
        let released = self.release_all(&holds);
        let bytes = moved?;
        released?;
        Ok(bytes)
    }

    fn describe(&self, end: &dyn TargetEnd) -> Result<Description> {
        end.describe(&self.job.target)
    }

    /// Runs the job; `say` gets one line per thing done, for the journal and
    /// STATUS=.
    pub fn run(&self, dry_run: bool, say: &mut dyn FnMut(&str)) -> Result<Report> {
        let local = Local { zfs: self.zfs, job: self.name };
        let remote = self
            .job
            .ssh
            .as_ref()
            .map(|ssh| SshEnd::new(self.zfs.lzc(), self.name, ssh, self.job.canmount.name()));
        let end: &dyn TargetEnd = match &remote {
            Some(r) => r,
            None => &local,
        };
        self.run_to(end, dry_run, say)
    }

    fn run_to(
        &self,
        end: &dyn TargetEnd,
        dry_run: bool,
        say: &mut dyn FnMut(&str),
    ) -> Result<Report> {
        let (src, dst) = (&self.job.source, &self.job.target);
        let mut report = Report::new(self.name, src, dst, end.host());
        if !self.exists(src.as_str())? {
            return Err(Error::SourceMissing {
                job: self.name.to_owned(),
                dataset: src.to_string(),
            });
        }
        // Reaching the target (and, over ssh, finding which receiver the
        // host has) comes before anything is changed on either side.
        let mut described = self.describe(end)?;
        report.receiver = end.receiver();
        if end.host().is_some() {
            say(&format!(
                "{}: the target {} is received by {}",
                self.name,
                report.where_to(),
                report.receiver
            ));
        }
        let mut target_exists = described.exists;
        if !target_exists && !described.parent_exists {
            let parent = dst.parent().map(|p| p.to_string()).unwrap_or_default();
            return Err(Error::TargetParentMissing {
                job: self.name.to_owned(),
                target: report.where_to(),
                parent,
            });
        }
        let flags = self.flags()?;
        report.raw = flags.raw;
        let props = self.local_props()?;
        let props = props.as_deref();
        let src_snaps = self.snapshots(src)?;
        let mut dst_snaps = std::mem::take(&mut described.snapshots);
        if !dry_run {
            let mut held: Vec<SnapshotName> =
                src_snaps.iter().filter(|s| s.userrefs > 0).map(|s| s.name.clone()).collect();
            // This job never holds on a remote end (crate::ssh).
            if end.host().is_none() {
                for s in dst_snaps.iter().filter(|s| s.userrefs > 0) {
                    held.push(self.snapshot_name(dst, &s.name)?);
                }
            }
            report.released_stale_holds = self.release_stale(&held)?;
            for h in &report.released_stale_holds {
                say(&format!("{}: released the stale hold {h}", self.name));
            }
        }
        let source = self.source(&src_snaps)?;
        let mut partial_full = false;
        // A dry run plans as if the pending resume had completed.
        let mut resumed_dry: Option<Snap> = None;
        if let Some(token) = described.resume_token.take() {
            let t = self
                .zfs
                .decode_resume_token(&token)
                .map_err(self.zfs_error("decoding the resume token of", dst))?;
            match helios64_replication::resume(&source, t.toguid, t.fromguid) {
                Ok(step) => {
                    say(&format!(
                        "{}: resuming the receive of {} at {} bytes",
                        self.name, step.to.name, t.bytes
                    ));
                    if !dry_run {
                        let base = dst_snaps
                            .iter()
                            .rev()
                            .find(|s| Some(s.guid) == t.fromguid)
                            .map(|s| s.name.clone());
                        let bytes = self.send_step(
                            end,
                            &step,
                            base.as_deref(),
                            self.stream(&step, t.flags, (t.object, t.offset), false, props),
                        )?;
                        report.received_bytes += bytes;
                        dst_snaps = self.describe(end)?.snapshots;
                    } else {
                        resumed_dry = Some(Snap { createtxg: u64::MAX, ..step.to.clone() });
                    }
                    report.resumed = Some(step.to.name);
                }
                Err(why) => {
                    say(&format!(
                        "{}: the interrupted receive into {dst} cannot resume ({why}); aborting it",
                        self.name
                    ));
                    partial_full = dst_snaps.is_empty();
                    let removed = if dry_run {
                        "would be aborted".to_owned()
                    } else {
                        end.abort_receive(dst)?
                    };
                    report.aborted = Some(format!("{why}: {removed}"));
                    if !dry_run {
                        described = self.describe(end)?;
                        target_exists = described.exists;
                        dst_snaps = described.snapshots;
                    }
                }
            }
        }
        let target = if target_exists && !partial_full {
            let mut target = Self::target(&dst_snaps);
            target.snapshots.extend(resumed_dry);
            Some(target)
        } else {
            None
        };
        let options =
            Options { intermediates: self.job.intermediates, rollback: self.job.rollback };
        let plan =
            helios64_replication::plan(&source, target.as_ref(), options).map_err(|source| {
                Error::Refused {
                    job: self.name.to_owned(),
                    source_fs: src.to_string(),
                    target: report.where_to(),
                    source: Box::new(source),
                }
            })?;
        if let Plan::Send(send) = &plan {
            for step in &send.steps {
                let to = format!("{src}@{}", step.to.name);
                let from = step.from.as_ref().map(|b| base_name(src, b));
                let space = self
                    .zfs
                    .lzc()
                    .send_space(&to, from.as_deref(), flags)
                    .map_err(self.zfs_error("estimating the stream of", &to))?;
                report.estimated_bytes.push(space);
            }
        }
        report.plan = Some(plan.clone());
        if dry_run {
            report.pruned = self.prune_plan(&dst_snaps, &source)?;
            return Ok(report);
        }
        if let Plan::Send(send) = &plan {
            let mut target_base = send.base.as_ref().map(|b| b.name.clone());
            let total = send.steps.len();
            for (i, step) in send.steps.iter().enumerate() {
                let kind = if step.from.is_some() { "incremental" } else { "full" };
                say(&format!(
                    "{}: {}/{total}: {kind} {} (about {} bytes)",
                    self.name,
                    i + 1,
                    step.to.name,
                    report.estimated_bytes[i]
                ));
                // With rollback allowed, the first receive rolls back to the
                // base whatever was written there since (`-F`); the planner
                // has already refused or listed any newer snapshots.
                let force = i == 0 && (send.rollback || self.job.rollback);
                let sent = self.send_step(
                    end,
                    step,
                    target_base.as_deref(),
                    self.stream(step, flags, (0, 0), force, props),
                );
                report.received_bytes += match sent {
                    Err(Error::Transfer { side: Side::Receive, source, .. })
                        if source.errno() == Some(Errno(libc::ETXTBSY)) =>
                    {
                        return Err(self.modified(send.base.as_ref()));
                    }
                    other => other?,
                };
                target_base = Some(step.to.name.clone());
            }
        }
        dst_snaps = self.describe(end)?.snapshots;
        report.bookmark = self.keep_bookmark(&source, &dst_snaps)?;
        if let Some(newest) = dst_snaps.iter().max_by_key(|s| s.createtxg) {
            report.newest_target_snapshot = Some(format!("{dst}@{}", newest.name));
            report.newest_target_creation = Some(newest.creation);
        }
        let doomed = self.prune_plan(&dst_snaps, &source)?;
        if !doomed.is_empty() {
            let names =
                doomed.iter().map(|s| self.snapshot_name(dst, s)).collect::<Result<Vec<_>>>()?;
            self.zfs
                .destroy_snapshots(&names, false)
                .map_err(self.zfs_error("pruning the snapshots of", dst))?;
            say(&format!(
                "{}: pruned {} snapshots of {dst} by its target_retention",
                self.name,
                doomed.len()
            ));
            report.pruned = doomed.iter().map(|s| format!("{dst}@{s}")).collect();
        }
        Ok(report)
    }

    /// The target snapshots the job's `target_retention` destroys now (none
    /// without one): never the newest target snapshot nor the newest one
    /// the source still has (the next incremental's base either way).
    fn prune_plan(&self, dst_snaps: &[TargetSnap], source: &Source) -> Result<Vec<String>> {
        let Some(retention) = &self.job.target_retention else { return Ok(Vec::new()) };
        let mut protect: Vec<u64> =
            dst_snaps.iter().max_by_key(|s| s.createtxg).map(|s| s.guid).into_iter().collect();
        let common = dst_snaps
            .iter()
            .filter(|t| {
                source.snapshots.iter().any(|s| s.guid == t.guid)
                    || source.bookmarks.iter().any(|b| b.guid == t.guid)
            })
            .max_by_key(|s| s.createtxg);
        protect.extend(common.map(|s| s.guid));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        crate::prune::to_destroy(retention, self.job.target.as_str(), dst_snaps, &protect, now)
            .map_err(|e| Error::Prune {
                job: self.name.to_owned(),
                target: self.job.target.to_string(),
                reason: e.to_string(),
            })
    }

    /// The refusal for a target the kernel found written since the base.
    fn modified(&self, base: Option<&Snap>) -> Error {
        Error::Refused {
            job: self.name.to_owned(),
            source_fs: self.job.source.to_string(),
            target: self.job.target.to_string(),
            source: Box::new(helios64_replication::Error::Diverged {
                base: base.map(|b| b.name.clone()).unwrap_or_default(),
                newer: Vec::new(),
                modified: true,
            }),
        }
    }

    /// Bookmarks the newest replicated snapshot on the source (so pruning
    /// there never breaks the chain) and destroys this job's older
    /// bookmarks; returns the bookmark.
    fn keep_bookmark(&self, before: &Source, dst_snaps: &[TargetSnap]) -> Result<Option<String>> {
        let src = &self.job.source;
        let Some(newest) = dst_snaps.iter().max_by_key(|s| s.createtxg) else { return Ok(None) };
        let prefix = bookmark_prefix(self.name);
        let snapshots = self.snapshots(src)?;
        let source = Source {
            snapshots: snapshots.iter().map(snap_of).collect(),
            bookmarks: before.bookmarks.clone(),
        };
        let keep = if let Some(s) = source.snapshots.iter().find(|s| s.guid == newest.guid) {
            let short = format!("{prefix}{}", s.name);
            let mark = format!("{src}#{short}");
            // From the listing: lzc_exists does not see bookmarks.
            if !source.bookmarks.iter().any(|b| b.name == short) {
                let snap = format!("{src}@{}", s.name);
                self.zfs
                    .lzc()
                    .bookmark(&[(&mark, &snap)])
                    .map_err(self.zfs_error("bookmarking", &snap))?;
            }
            mark
        } else if let Some(b) = source.bookmarks.iter().find(|b| b.guid == newest.guid) {
            format!("{src}#{}", b.name)
        } else {
            return Ok(None);
        };
        let old: Vec<String> = source
            .bookmarks
            .iter()
            .filter(|b| b.name.starts_with(&prefix))
            .map(|b| format!("{src}#{}", b.name))
            .filter(|b| *b != keep)
            .collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        self.zfs
            .lzc()
            .destroy_bookmarks(&old)
            .map_err(self.zfs_error("destroying old bookmarks of", src))?;
        Ok(Some(keep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_are_grouped_per_pool_for_lzc() {
        let hold = |s: &str| Hold::new(s.parse().unwrap(), "t".parse().unwrap());
        let groups = by_pool(&[hold("tank/a@s"), hold("usb/b@s"), hold("tank/a@r")]);
        let names: Vec<Vec<String>> =
            groups.iter().map(|g| g.iter().map(|h| h.snapshot.to_string()).collect()).collect();
        assert_eq!(names, [vec!["tank/a@s", "tank/a@r"], vec!["usb/b@s"]]);
    }

    #[test]
    fn tags_and_bookmarks_carry_the_job() {
        assert_eq!(hold_tag("usb"), "helios64-replicate:usb");
        assert_eq!(bookmark_prefix("usb"), "helios64-replicate_usb_");
        assert!(hold_tag("usb").parse::<HoldTag>().is_ok());
    }
}
