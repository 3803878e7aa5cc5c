//! Bookmarks, send streams and receives: the libzfs_core calls replication
//! is made of.
//!
//! The stream moves through a file descriptor the caller owns (a pipe, a
//! socket, a file), so a send and a receive in two threads over one pipe is
//! `zfs send | zfs receive` without the processes. Like the rest of
//! [`Lzc`], names go to the kernel unchecked.

use std::os::fd::{AsRawFd, BorrowedFd};
use std::ptr;

use zfs_core_sys as sys;

use super::{Lzc, check, cstring, item_errors, set_of};
use crate::error::{Call, Errno, ItemError, Result, ZfsError};
use crate::nvlist::{NvList, NvListRef};

/// What a send stream may contain (`enum lzc_send_flags`). Each flag lets
/// the stream keep blocks as they are on disk; the receiving pool must then
/// support the matching feature. The default is the most portable stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SendFlags {
    /// `LZC_SEND_FLAG_EMBED_DATA` (`zfs send -e`): embedded-data blocks stay embedded.
    pub embedded: bool,
    /// `LZC_SEND_FLAG_LARGE_BLOCK` (`-L`): blocks over 128 KiB stay whole.
    pub large_blocks: bool,
    /// `LZC_SEND_FLAG_COMPRESS` (`-c`): compressed blocks travel compressed.
    pub compressed: bool,
    /// `LZC_SEND_FLAG_RAW` (`-w`): encrypted blocks travel encrypted, so the
    /// receiver never needs the key. Blocks go exactly as stored, so the
    /// other three make no difference to a raw stream.
    pub raw: bool,
}

impl SendFlags {
    /// Everything kept as on disk except encryption: `zfs send -Lec`.
    pub const NATIVE: SendFlags =
        SendFlags { embedded: true, large_blocks: true, compressed: true, raw: false };

    /// `zfs send -w`: encrypted datasets stay encrypted.
    pub const RAW: SendFlags =
        SendFlags { embedded: true, large_blocks: true, compressed: true, raw: true };

    pub(crate) fn raw_bits(self) -> sys::lzc_send_flags {
        let mut bits = 0;
        if self.embedded {
            bits |= sys::LZC_SEND_FLAG_EMBED_DATA;
        }
        if self.large_blocks {
            bits |= sys::LZC_SEND_FLAG_LARGE_BLOCK;
        }
        if self.compressed {
            bits |= sys::LZC_SEND_FLAG_COMPRESS;
        }
        if self.raw {
            bits |= sys::LZC_SEND_FLAG_RAW;
        }
        bits
    }
}

/// A bookmark as `lzc_get_bookmarks` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BookmarkInfo {
    /// Full name, `pool/fs#mark`.
    pub name: String,
    /// The GUID of the snapshot it was made from: an incremental from the
    /// bookmark is accepted wherever that snapshot was received.
    pub guid: u64,
    /// The transaction group of that snapshot.
    pub createtxg: u64,
    /// Creation time of that snapshot, Unix seconds.
    pub creation: u64,
}

/// How to receive a stream (the arguments of `lzc_receive_with_cmdprops`
/// that this crate exposes).
#[derive(Debug, Clone, Copy, Default)]
pub struct Receive<'a> {
    /// `zfs receive -F`: roll the target back to the stream's base first
    /// (destroying what changed since), and for a full stream replace an
    /// existing filesystem without snapshots.
    pub force: bool,
    /// `zfs receive -s`: an interrupted receive leaves state that a resumed
    /// send continues (the target's `receive_resume_token`).
    pub resumable: bool,
    /// The stream is raw (`SendFlags::raw`); needed to receive one.
    pub raw: bool,
    /// Properties set locally on the received dataset, as `zfs receive -o`
    /// sets them (numbers for numeric and index properties, strings
    /// otherwise); a boolean flag excludes a received property (`-x`).
    pub local_props: Option<&'a NvListRef>,
}

/// What a receive did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Received {
    /// Bytes read from the descriptor.
    pub bytes: u64,
    /// Properties that could not be set (name → errno); the data was
    /// received all the same, as `zfs receive` does.
    pub property_errors: Vec<ItemError>,
}

impl Lzc {
    /// Creates bookmarks atomically (`lzc_bookmark`): `(bookmark, source)`
    /// pairs, where the source is a snapshot or another bookmark of the same
    /// filesystem, all in one pool.
    pub fn bookmark(&self, pairs: &[(&str, &str)]) -> Result<()> {
        let names: Vec<&str> = pairs.iter().map(|(b, _)| *b).collect();
        let target = crate::names::describe(&names);
        if pairs.is_empty() {
            return Ok(());
        }
        let mut list = NvList::new()?;
        for (bookmark, source) in pairs {
            list.insert(bookmark, *source)?;
        }
        let mut errlist = ptr::null_mut();
        // SAFETY: valid list, only read; `errlist` receives a list we own.
        let rc = unsafe { sys::lzc_bookmark(list.as_ptr(), &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        check(rc, Call::LzcBookmark, target, errlist)
    }

    /// The bookmarks of a filesystem with their GUID, createtxg and creation
    /// (`lzc_get_bookmarks`), oldest first.
    pub fn get_bookmarks(&self, filesystem: &str) -> Result<Vec<BookmarkInfo>> {
        let c = cstring("filesystem", filesystem)?;
        let props = set_of(&["guid", "createtxg", "creation"])?;
        let mut out = ptr::null_mut();
        // SAFETY: valid string and list; `out` receives a list we own.
        let rc = unsafe { sys::lzc_get_bookmarks(c.as_ptr(), props.as_ptr(), &mut out) };
        // SAFETY: lzc allocated it (or left it null).
        let out = unsafe { NvList::from_raw(out) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcGetBookmarks, filesystem, rc));
        }
        let mut marks = Vec::new();
        for pair in out.iter().flat_map(|o| o.iter()) {
            let short = pair.name().into_owned();
            let name = format!("{filesystem}#{short}");
            let crate::nvlist::NvValue::NvList(props) = pair.value()? else {
                return Err(ZfsError::malformed("lzc_get_bookmarks result", name, "not an nvlist"));
            };
            // Each property is {value: uint64}, as in `zfs get`'s nvlists.
            let prop = |key: &str| -> Result<u64> {
                props.nvlist(key)?.and_then(|p| p.u64("value").transpose()).transpose()?.ok_or_else(
                    || ZfsError::malformed("lzc_get_bookmarks result", &name, format!("no {key}")),
                )
            };
            marks.push(BookmarkInfo {
                guid: prop("guid")?,
                createtxg: prop("createtxg")?,
                creation: prop("creation")?,
                name,
            });
        }
        marks.sort_by_key(|m| m.createtxg);
        Ok(marks)
    }

    /// Destroys bookmarks atomically (`lzc_destroy_bookmarks`); missing ones
    /// are ignored.
    pub fn destroy_bookmarks(&self, bookmarks: &[&str]) -> Result<()> {
        let target = crate::names::describe(bookmarks);
        if bookmarks.is_empty() {
            return Ok(());
        }
        let set = set_of(bookmarks)?;
        let mut errlist = ptr::null_mut();
        // SAFETY: as in `bookmark`.
        let rc = unsafe { sys::lzc_destroy_bookmarks(set.as_ptr(), &mut errlist) };
        // SAFETY: lzc allocated it (or left it null).
        let errlist = unsafe { NvList::from_raw(errlist) };
        check(rc, Call::LzcDestroyBookmarks, target, errlist)
    }

    /// The estimated size in bytes of the stream [`Lzc::send`] would write
    /// (`lzc_send_space`): full, or incremental from `from` (a snapshot or
    /// bookmark of the same filesystem).
    pub fn send_space(&self, snapshot: &str, from: Option<&str>, flags: SendFlags) -> Result<u64> {
        let snap = cstring("snapshot", snapshot)?;
        let from = from.map(|f| cstring("incremental source", f)).transpose()?;
        let mut space = 0u64;
        // SAFETY: valid strings (or null for a full stream) and out-pointer.
        let rc = unsafe {
            sys::lzc_send_space(
                snap.as_ptr(),
                from.as_ref().map_or(ptr::null(), |f| f.as_ptr()),
                flags.raw_bits(),
                &mut space,
            )
        };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcSendSpace, snapshot, rc));
        }
        Ok(space)
    }

    /// Writes a send stream of `snapshot` to `fd` (`lzc_send`): full, or
    /// incremental from `from`. Blocks until the stream is written; a reader
    /// that goes away makes it fail with `EPIPE`.
    pub fn send(
        &self,
        snapshot: &str,
        from: Option<&str>,
        fd: BorrowedFd<'_>,
        flags: SendFlags,
    ) -> Result<()> {
        self.send_resume(snapshot, from, fd, flags, 0, 0)
    }

    /// Continues an interrupted send from the object and offset of the
    /// receiver's resume token (`lzc_send_resume`); `0, 0` is a whole stream.
    pub fn send_resume(
        &self,
        snapshot: &str,
        from: Option<&str>,
        fd: BorrowedFd<'_>,
        flags: SendFlags,
        object: u64,
        offset: u64,
    ) -> Result<()> {
        let snap = cstring("snapshot", snapshot)?;
        let from_c = from.map(|f| cstring("incremental source", f)).transpose()?;
        let from_ptr = from_c.as_ref().map_or(ptr::null(), |f| f.as_ptr());
        // SAFETY: valid strings (or null), a descriptor borrowed for the
        // call.
        let rc = unsafe {
            sys::lzc_send_resume(
                snap.as_ptr(),
                from_ptr,
                fd.as_raw_fd(),
                flags.raw_bits(),
                object,
                offset,
            )
        };
        let call = if object == 0 && offset == 0 { Call::LzcSend } else { Call::LzcSendResume };
        if rc != 0 {
            return Err(ZfsError::from_errno(call, snapshot, rc));
        }
        Ok(())
    }

    /// Receives a stream from `fd` as `snapshot` (`lzc_receive_with_cmdprops`
    /// without a begin record: lzc reads it). Full streams create the
    /// filesystem, whose parent must exist; incremental ones need the
    /// stream's base on the target. Resuming a receive is the same call on a
    /// stream that [`Lzc::send_resume`] wrote.
    pub fn receive(
        &self,
        snapshot: &str,
        fd: BorrowedFd<'_>,
        how: Receive<'_>,
    ) -> Result<Received> {
        let snap = cstring("snapshot", snapshot)?;
        let bool_t = |b: bool| if b { sys::B_TRUE } else { sys::B_FALSE };
        let cmdprops = how.local_props.map_or(ptr::null_mut(), NvListRef::as_ptr);
        let (mut bytes, mut errflags, mut action) = (0u64, 0u64, 0u64);
        let mut errors = ptr::null_mut();
        // SAFETY: valid strings and lists (only read); a descriptor borrowed
        // for the call; no key, origin, begin record or cleanup fd; the out
        // pointers live for the call and `errors` receives a list we own.
        let rc = unsafe {
            sys::lzc_receive_with_cmdprops(
                snap.as_ptr(),
                ptr::null_mut(),
                cmdprops,
                ptr::null_mut(),
                0,
                ptr::null(),
                bool_t(how.force),
                bool_t(how.resumable),
                bool_t(how.raw),
                fd.as_raw_fd(),
                ptr::null(),
                -1,
                &mut bytes,
                &mut errflags,
                &mut action,
                &mut errors,
            )
        };
        // SAFETY: lzc allocated it (or left it null).
        let errors = unsafe { NvList::from_raw(errors) };
        if rc != 0 {
            return Err(ZfsError::Errno {
                call: Call::LzcReceive,
                target: snapshot.to_owned(),
                errno: Errno(rc),
                items: Vec::new(),
            });
        }
        Ok(Received { bytes, property_errors: item_errors(errors) })
    }

    /// Destroys a filesystem or volume (`lzc_destroy`); it must have no
    /// snapshots or children. Used on the hidden `fs/%recv` clone of an
    /// interrupted incremental receive, which is what `zfs receive -A` does.
    pub fn destroy(&self, dataset: &str) -> Result<()> {
        let c = cstring("dataset", dataset)?;
        // SAFETY: valid string.
        let rc = unsafe { sys::lzc_destroy(c.as_ptr()) };
        if rc != 0 {
            return Err(ZfsError::from_errno(Call::LzcDestroy, dataset, rc));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_flags_are_the_header_bits() {
        assert_eq!(SendFlags::default().raw_bits(), 0);
        assert_eq!(
            SendFlags::NATIVE.raw_bits(),
            sys::LZC_SEND_FLAG_EMBED_DATA
                | sys::LZC_SEND_FLAG_LARGE_BLOCK
                | sys::LZC_SEND_FLAG_COMPRESS
        );
        assert_eq!(SendFlags::RAW.raw_bits() & sys::LZC_SEND_FLAG_RAW, sys::LZC_SEND_FLAG_RAW);
        let only_raw = SendFlags { raw: true, ..SendFlags::default() };
        assert_eq!(only_raw.raw_bits(), sys::LZC_SEND_FLAG_RAW);
    }
}
