//! The zpool event stream (what `zpool events` and ZED read).

use std::fs::{File, OpenOptions};
use std::os::fd::AsRawFd;
use std::ptr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use libzfs_sys as sys;

use super::libzfs::Libzfs;
use crate::error::{Call, Result, ZfsError};
use crate::lzc::ZFS_DEV;
use crate::nvlist::{NvList, NvListRef};

/// `ZEVENT_NONBLOCK` (`sys/zfs_ioctl.h`, not installed with the headers;
/// unchanged since ZoL 0.6).
const ZEVENT_NONBLOCK: u32 = 0x1;
/// `ZEVENT_SEEK_END`.
const ZEVENT_SEEK_END: u64 = u64::MAX;

/// Where a new stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventsFrom {
    /// The oldest event the kernel still keeps (`zfs_zevent_len_max`).
    Oldest,
    /// Only events posted after the stream is opened.
    Now,
}

/// One zpool event.
#[derive(Debug)]
pub struct Event {
    /// The class, e.g. `sysevent.fs.zfs.scrub_finish`,
    /// `resource.fs.zfs.statechange`, `ereport.fs.zfs.checksum`.
    pub class: String,
    /// The pool, when the event concerns one.
    pub pool: Option<String>,
    /// The pool's GUID.
    pub pool_guid: Option<u64>,
    /// The vdev's path, for vdev events.
    pub vdev_path: Option<String>,
    /// The vdev's GUID.
    pub vdev_guid: Option<u64>,
    /// When the event was posted.
    pub time: SystemTime,
    /// The event id, increasing.
    pub eid: Option<u64>,
    /// Events the kernel dropped before this one because the reader was
    /// too slow.
    pub dropped: u32,
    /// The whole event, with class-specific members.
    pub raw: NvList,
}

impl Event {
    /// Reads the common members of an event nvlist.
    pub fn from_nvlist(raw: NvList, dropped: u32) -> Result<Event> {
        let class = raw
            .str("class")?
            .ok_or_else(|| ZfsError::malformed("zpool event", "event", "no class"))?
            .to_owned();
        let time = match raw.i64_array("time")? {
            Some([secs, nanos, ..]) => {
                let secs = u64::try_from(*secs).unwrap_or(0);
                let nanos = u32::try_from(*nanos).unwrap_or(0);
                UNIX_EPOCH + Duration::new(secs, nanos)
            }
            _ => return Err(ZfsError::malformed("zpool event", class, "no time")),
        };
        Ok(Event {
            pool: raw.str("pool")?.map(str::to_owned),
            pool_guid: raw.u64("pool_guid")?,
            vdev_path: raw.str("vdev_path")?.map(str::to_owned),
            vdev_guid: raw.u64("vdev_guid")?,
            eid: raw.u64("eid")?,
            time,
            dropped,
            class,
            raw,
        })
    }
}

/// A stream of zpool events with its own libzfs handle and kernel cursor
/// (an fd of `/dev/zfs`), so reading it never contends with the backend's
/// lock. Needs root (`ZFS_IOC_EVENTS_NEXT` is a `sys_config` ioctl).
///
/// [`Events::next_event`] blocks in the kernel until an event arrives; a
/// signal delivered to the blocked thread ends the wait with an error.
/// [`Events::try_next`] never blocks.
pub struct Events {
    lib: Libzfs,
    fd: File,
}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Events").field("fd", &self.fd.as_raw_fd()).finish_non_exhaustive()
    }
}

impl Events {
    /// Opens a stream.
    pub fn open(from: EventsFrom) -> Result<Events> {
        let mut lib = Libzfs::init()?;
        // The running kernel's node: libzfs opens it by this path too.
        #[allow(clippy::disallowed_methods)]
        let fd = OpenOptions::new()
            .read(true)
            .write(true)
            .open(ZFS_DEV)
            .map_err(|source| ZfsError::Io { path: ZFS_DEV.into(), source })?;
        if from == EventsFrom::Now {
            // SAFETY: valid handle and descriptor.
            let rc = unsafe { sys::zpool_events_seek(lib.raw(), ZEVENT_SEEK_END, fd.as_raw_fd()) };
            if rc != 0 {
                return Err(lib.error(Call::ZpoolEventsSeek, ZFS_DEV));
            }
        }
        Ok(Events { lib, fd })
    }

    fn next_with(&mut self, flags: u32) -> Result<Option<Event>> {
        let mut nvl: *mut nvpair_sys::nvlist_t = ptr::null_mut();
        let mut dropped = 0;
        // SAFETY: valid handle, out-pointers and descriptor; the event list
        // is ours to free.
        let rc = unsafe {
            sys::zpool_events_next(
                self.lib.raw(),
                &mut nvl,
                &mut dropped,
                flags,
                self.fd.as_raw_fd(),
            )
        };
        // SAFETY: allocated by libzfs (or null).
        let raw = unsafe { NvList::from_raw(nvl) };
        if rc != 0 {
            return Err(self.lib.error(Call::ZpoolEventsNext, ZFS_DEV));
        }
        match raw {
            Some(raw) => Event::from_nvlist(raw, u32::try_from(dropped).unwrap_or(0)).map(Some),
            None => Ok(None),
        }
    }

    /// The next event, waiting for one if necessary.
    pub fn next_event(&mut self) -> Result<Event> {
        loop {
            // A blocking read returns an event or an error; loop only in case
            // a module returns success without one.
            if let Some(e) = self.next_with(0)? {
                return Ok(e);
            }
        }
    }

    /// The next event if one is queued, without waiting.
    pub fn try_next(&mut self) -> Result<Option<Event>> {
        self.next_with(ZEVENT_NONBLOCK)
    }
}

impl Iterator for Events {
    type Item = Result<Event>;

    /// Blocks like [`Events::next_event`]; never returns `None`.
    fn next(&mut self) -> Option<Result<Event>> {
        Some(self.next_event())
    }
}

/// Reads an event nvlist that is already decoded (for tests and for
/// callers holding raw events).
pub fn parse_event(raw: &NvListRef) -> Result<Event> {
    Event::from_nvlist(raw.try_clone()?, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_members_are_read() {
        let mut raw = NvList::new().unwrap();
        raw.insert("class", "sysevent.fs.zfs.scrub_finish").unwrap();
        raw.insert("pool", "tank").unwrap();
        raw.insert("pool_guid", &123u64).unwrap();
        raw.insert("time", &[1_700_000_000i64, 5][..]).unwrap();
        raw.insert("eid", &9u64).unwrap();
        let e = parse_event(&raw).unwrap();
        assert_eq!(e.class, "sysevent.fs.zfs.scrub_finish");
        assert_eq!(e.pool.as_deref(), Some("tank"));
        assert_eq!(e.pool_guid, Some(123));
        assert_eq!(e.vdev_path, None);
        assert_eq!(e.eid, Some(9));
        assert_eq!(e.time, UNIX_EPOCH + Duration::new(1_700_000_000, 5));
        assert_eq!(e.raw.u64("eid").unwrap(), Some(9));
    }

    #[test]
    fn events_without_class_or_time_are_malformed() {
        let mut raw = NvList::new().unwrap();
        raw.insert("time", &[1i64, 0][..]).unwrap();
        assert!(parse_event(&raw).is_err());
        raw.insert("class", "x").unwrap();
        raw.remove("time").unwrap();
        assert!(parse_event(&raw).unwrap_err().to_string().contains("no time"));
    }
}
