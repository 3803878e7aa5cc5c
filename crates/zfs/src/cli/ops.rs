//! The [`Zfs`] operations as `zpool`/`zfs` command lines. Every name is an
//! operand after `--`.

use std::collections::BTreeMap;

use super::{Cli, args, parse};
use crate::error::{Result, ZfsError};
use crate::model::{
    DataError, Dataset, Holds, PoolStatus, PoolSummary, PoolWritability, Properties, ScrubRequest,
    Snapshot,
};
use crate::names::describe;
use crate::{DatasetName, DatasetOrSnapshot, HoldTag, PoolName, SnapshotName, Zfs, by_dataset};

impl Zfs for Cli {
    fn pools(&self) -> Result<Vec<PoolSummary>> {
        let out = self.zpool(args::POOL_LIST, "all pools")?;
        parse::parse_pool_list(&out)
    }

    fn status(&self, pool: &PoolName) -> Result<PoolStatus> {
        let pool = pool.as_str();
        let out = self.zpool(&[self.status_args().as_slice(), &[pool]].concat(), pool)?;
        let mut status = parse::parse_status(&out, pool)?;
        let space = self.zpool(&[args::POOL_SPACE, &[pool]].concat(), pool)?;
        status.space = parse::parse_pool_space(&space, pool)?;
        Ok(status)
    }

    fn data_errors(&self, pool: &PoolName) -> Result<Vec<DataError>> {
        let pool = pool.as_str();
        let args = [args::POOL_DATA_ERRORS, &[pool]].concat();
        let out = self.zpool(&args, pool)?;
        // zpool puts its failure to read the list into the JSON and exits
        // 0: report it as the failed command it is (its text classifies the
        // error, e.g. "Permission denied" for an unprivileged caller).
        parse::parse_data_errors(&out, pool)?.map_err(|message| ZfsError::Command {
            command: format!("zpool {}", args.join(" ")),
            target: pool.to_owned(),
            status: Some(0),
            stderr: message,
        })
    }

    fn request_scrub(&self, pool: &PoolName, request: ScrubRequest) -> Result<()> {
        let pool = pool.as_str();
        let args: &[&str] = match request {
            ScrubRequest::Pause => &["scrub", "-p", "--", pool],
            ScrubRequest::Cancel => &["scrub", "-s", "--", pool],
            // `zpool scrub` resumes a paused scrub, else starts one.
            ScrubRequest::StartOrResume => &["scrub", "--", pool],
        };
        self.zpool(args, pool).map(|_| ())
    }

    fn writability(&self, pool: &PoolName) -> Result<PoolWritability> {
        let pool = pool.as_str();
        let out = self.zpool(&[args::POOL_WRITABILITY, &[pool]].concat(), pool)?;
        parse::parse_writability(&out, pool)
    }

    fn wait_scrub_idle(&self, pool: &PoolName) -> Result<()> {
        let pool = pool.as_str();
        let mut command = self.command(true, &["wait", "-t", "scrub", "--", pool], pool);
        command = match self.wait_timeout {
            Some(timeout) => command.timeout(timeout),
            None => command.no_timeout(),
        };
        self.run(&command).map(|_| ())
    }

    fn create_snapshots(
        &self,
        snapshots: &[SnapshotName],
        user_props: &BTreeMap<String, String>,
    ) -> Result<()> {
        let props: Vec<String> = user_props.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["snapshot"];
        for p in &props {
            args.push("-o");
            args.push(p);
        }
        args.push("--");
        args.extend(snapshots.iter().map(SnapshotName::as_str));
        self.zfs(&args, &describe(snapshots)).map(|_| ())
    }

    fn destroy_snapshots(&self, snapshots: &[SnapshotName], defer: bool) -> Result<()> {
        for (dataset, shorts) in by_dataset(snapshots) {
            // Short names have no `,` or `%` (names::check_snapshot), so the
            // list is never read as more snapshots or as a range.
            let spec = format!("{dataset}@{}", shorts.join(","));
            let mut args = vec!["destroy"];
            if defer {
                args.push("-d");
            }
            args.extend(["--", &spec]);
            match self.zfs(&args, &spec) {
                // `zfs destroy` refuses when none of the named snapshots
                // exists; the trait (like lzc) ignores missing snapshots.
                Err(ZfsError::Command { stderr, .. })
                    if stderr.contains("could not find any snapshots to destroy") => {}
                // Nor does a missing dataset stop it (lzc ignores its
                // snapshots too); a missing pool is NotFound, as in lzc.
                Err(e) if e.kind() == crate::ErrorKind::NotFound => {
                    self.writability(&dataset.pool())?;
                }
                other => {
                    other?;
                }
            }
        }
        Ok(())
    }

    fn snapshots(&self, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
        let dataset = dataset.as_str();
        let out = self.zfs(&[args::SNAPSHOTS, &[dataset]].concat(), dataset)?;
        parse::parse_snapshots(&out, dataset)
    }

    fn hold_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        self.tagged("hold", tag, snapshots)
    }

    fn release_tag(&self, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        self.tagged("release", tag, snapshots)
    }

    fn holds(&self, snapshot: &SnapshotName) -> Result<Holds> {
        let snapshot = snapshot.as_str();
        let out = self.zfs(&[args::HOLDS, &[snapshot]].concat(), snapshot)?;
        parse::parse_holds(&out, snapshot)
    }

    fn datasets(&self, parent: &DatasetName) -> Result<Vec<Dataset>> {
        let parent = parent.as_str();
        let out = self.zfs(&[args::CHILDREN, &[parent]].concat(), parent)?;
        parse::parse_children(&out, parent)
    }

    fn properties(&self, name: &DatasetOrSnapshot) -> Result<Properties> {
        let name = name.as_str();
        let out = self.zfs(&[args::PROPERTIES, &[name]].concat(), name)?;
        parse::parse_properties(&out, name)
    }
}

impl Cli {
    /// `zfs hold|release -- TAG SNAPSHOT...`: the tag may start with `-`.
    fn tagged(&self, verb: &str, tag: &HoldTag, snapshots: &[&SnapshotName]) -> Result<()> {
        let mut args = vec![verb, "--", tag.as_str()];
        args.extend(snapshots.iter().map(|s| s.as_str()));
        self.zfs(&args, &describe(snapshots)).map(|_| ())
    }
}
