//! The receiving end of a job behind one trait ([`TargetEnd`]): a pool on
//! this host ([`Local`], libzfs_core) or one on another host over `ssh`
//! ([`crate::ssh::SshEnd`]).

use helios64_zfs::{DatasetName, Native, SnapshotName};

use crate::describe::Description;
use crate::error::{Error, Result};
use crate::receive;
use crate::remote::Host;
use crate::transfer::{Stream, transfer};

/// Where a job's target is and how it is read and written.
pub trait TargetEnd {
    /// The remote host, `None` for a pool on this host.
    fn host(&self) -> Option<&Host>;

    /// What receives the streams, for the log: "libzfs_core",
    /// "helios64-replicate receive on HOST", "zfs receive on HOST".
    fn receiver(&self) -> String;

    /// Whether and what the target is (exists, parent, snapshots, token).
    fn describe(&self, target: &DatasetName) -> Result<Description>;

    /// Gives up the interrupted receive into `target`; what was removed.
    fn abort_receive(&self, target: &DatasetName) -> Result<String>;

    /// Moves one stream (sent here, received there); the bytes moved.
    fn receive(&self, stream: &Stream<'_>) -> Result<u64>;

    /// The restore test's read-back of the target snapshot `snapshot`:
    /// sent whole where it lives, every block's checksum checked; the
    /// stream's bytes. A failure is [`Error::ReadBack`] when the snapshot
    /// could not be read.
    fn read_back(&self, snapshot: &SnapshotName) -> Result<u64>;
}

/// A target on another pool of this host.
#[derive(Debug)]
pub struct Local<'a> {
    /// ZFS.
    pub zfs: &'a Native,
    /// The job's name, for errors.
    pub job: &'a str,
}

impl Local<'_> {
    fn err(
        &self,
        what: &'static str,
        dataset: &DatasetName,
    ) -> impl FnOnce(helios64_zfs::ZfsError) -> Error {
        let (job, dataset) = (self.job.to_owned(), dataset.to_string());
        move |source| Error::Zfs { job, what, dataset, source: Box::new(source) }
    }
}

impl TargetEnd for Local<'_> {
    fn host(&self) -> Option<&Host> {
        None
    }

    fn receiver(&self) -> String {
        "libzfs_core".to_owned()
    }

    fn describe(&self, target: &DatasetName) -> Result<Description> {
        receive::describe(self.zfs, target).map_err(self.err("describing", target))
    }

    fn abort_receive(&self, target: &DatasetName) -> Result<String> {
        receive::abort(self.zfs, target).map_err(self.err("aborting the receive into", target))
    }

    fn receive(&self, stream: &Stream<'_>) -> Result<u64> {
        transfer(self.zfs.lzc(), stream).map_err(|(side, source)| Error::Transfer {
            job: self.job.to_owned(),
            snapshot: format!("{}@{}", stream.source, stream.step.to.name),
            target: stream.target.to_string(),
            side,
            source: Box::new(source),
        })
    }

    fn read_back(&self, snapshot: &SnapshotName) -> Result<u64> {
        receive::read_back(self.zfs, snapshot).map_err(|source| Error::ReadBack {
            job: self.job.to_owned(),
            snapshot: snapshot.to_string(),
            source: Box::new(source),
        })
    }
}
