//! The receiving end on this host, through libzfs_core: what
//! `helios64-replicate receive` runs for a remote sender, and what a local
//! target uses directly.

use std::os::fd::BorrowedFd;

use helios64_zfs::lzc::{Receive, SendFlags};
use helios64_zfs::{
    Aborted, DatasetName, DatasetOrSnapshot, Native, NvList, SnapshotName, Zfs, ZfsError,
};

use crate::describe::{Description, TargetSnap};
use crate::transfer::count_send;

/// The target as [`Description`]: whether it and its parent exist, its
/// snapshots, its resume token.
pub fn describe(zfs: &Native, target: &DatasetName) -> Result<Description, ZfsError> {
    let exists = zfs.lzc().exists(target.as_str())?;
    let parent_exists = match target.parent() {
        Some(p) => exists || zfs.lzc().exists(p.as_str())?,
        None => true,
    };
    if !exists {
        return Ok(Description { exists, parent_exists, ..Description::default() });
    }
    let mut snapshots: Vec<TargetSnap> = zfs
        .snapshots(target)?
        .into_iter()
        .map(|s| TargetSnap {
            name: s.name.short_name().to_owned(),
            guid: s.guid,
            createtxg: s.createtxg,
            creation: s.creation,
            userrefs: s.userrefs,
        })
        .collect();
    snapshots.sort_by_key(|s| s.createtxg);
    let resume_token = zfs.receive_resume_token(target)?;
    Ok(Description { exists, parent_exists, snapshots, resume_token })
}

/// Gives up an interrupted receive ([`Native::abort_receive`]); what was
/// removed, as a phrase.
pub fn abort(zfs: &Native, target: &DatasetName) -> Result<String, ZfsError> {
    Ok(match zfs.abort_receive(target)? {
        Aborted::Nothing => "nothing removed".to_owned(),
        Aborted::Clone(c) => format!("destroyed {c}"),
        Aborted::PartialFilesystem(f) => format!("destroyed the partial {f}"),
    })
}

/// `canmount`'s numeric value (`zfs_canmount_type_t`) for its name.
pub fn canmount_value(name: &str) -> Option<u64> {
    match name {
        "off" => Some(0),
        "noauto" => Some(2),
        _ => None,
    }
}

/// Receives the stream on `fd` into `snapshot` (`TARGET@SNAP`), resumable,
/// with `canmount` (`off`/`noauto`) set locally; the bytes read.
pub fn receive(
    zfs: &Native,
    snapshot: &str,
    fd: BorrowedFd<'_>,
    force: bool,
    raw: bool,
    canmount: Option<&str>,
) -> Result<u64, ZfsError> {
    let props = match canmount {
        None => None,
        Some(name) => {
            let value = canmount_value(name).ok_or_else(|| ZfsError::InvalidArgument {
                what: "canmount",
                target: snapshot.to_owned(),
                reason: format!("{name:?} is not off or noauto"),
            })?;
            let mut props = NvList::new()?;
            props.insert("canmount", &value)?;
            Some(props)
        }
    };
    let how = Receive { force, resumable: true, raw, local_props: props.as_deref() };
    Ok(zfs.lzc().receive(snapshot, fd, how)?.bytes)
}

/// The restore test's read-back of `snapshot` (`TARGET@SNAP`) on this
/// host: sent whole into a counter, raw when its dataset is encrypted (so
/// no key is needed); ZFS checks every block's checksum as it reads. The
/// stream's bytes.
pub fn read_back(zfs: &Native, snapshot: &SnapshotName) -> Result<u64, ZfsError> {
    let fs: DatasetOrSnapshot = snapshot.dataset().into();
    let encrypted =
        zfs.properties(&fs)?.get("encryption").is_some_and(|p| p.value.as_str() != "off");
    let flags = if encrypted { SendFlags::RAW } else { SendFlags::NATIVE };
    count_send(zfs.lzc(), snapshot.as_str(), flags)
}
