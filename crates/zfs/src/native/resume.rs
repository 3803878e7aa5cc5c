//! Interrupted receives: the target's `receive_resume_token`, what it says,
//! and giving the partial state up (`zfs receive -A`).

use std::ffi::CString;

use super::Native;
use crate::error::{Call, Result, ZfsError};
use crate::lzc::SendFlags;
use crate::nvlist::{NvList, NvListRef};
use crate::{DatasetName, DatasetOrSnapshot, Zfs};

/// A decoded `receive_resume_token`: where the sender must continue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeToken {
    /// The snapshot being sent, as the sender named it (`pool/fs@snap`).
    pub toname: String,
    /// Its GUID.
    pub toguid: u64,
    /// The incremental base's GUID; `None` for a full stream.
    pub fromguid: Option<u64>,
    /// The object to continue from (`lzc_send_resume`'s `resumeobj`).
    pub object: u64,
    /// The offset in it (`resumeoff`).
    pub offset: u64,
    /// Bytes received so far.
    pub bytes: u64,
    /// The stream flags the interrupted send used; the resumed one must use
    /// the same.
    pub flags: SendFlags,
}

/// What [`Native::abort_receive`] removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Aborted {
    /// There was no partial receive.
    Nothing,
    /// The hidden clone of an interrupted incremental, `fs/%recv`.
    Clone(String),
    /// A filesystem that an interrupted full receive had created (it had no
    /// snapshot yet).
    PartialFilesystem(String),
}

/// The property libzfs shows for "no value".
const NONE: &str = "-";

impl Native {
    /// The dataset's `receive_resume_token`, or `None` when no interrupted
    /// resumable receive is pending on it.
    pub fn receive_resume_token(&self, dataset: &DatasetName) -> Result<Option<String>> {
        let props = self.properties(&DatasetOrSnapshot::Dataset(dataset.clone()))?;
        Ok(props
            .get("receive_resume_token")
            .map(|p| p.value.clone())
            .filter(|v| !v.is_empty() && v != NONE))
    }

    /// Decodes a resume token (`zfs_send_resume_token_to_nvlist`, which
    /// checks its checksum and version). Works on any token string, on any
    /// host.
    pub fn decode_resume_token(&self, token: &str) -> Result<ResumeToken> {
        let c = CString::new(token).map_err(|_| ZfsError::InvalidArgument {
            what: "resume token",
            target: token.replace('\0', "\\0"),
            reason: "contains a NUL byte".to_owned(),
        })?;
        let mut lib = self.lib();
        // SAFETY: valid handle and string; the result is a list we own, or
        // null with the reason in the handle.
        let raw = unsafe { libzfs_sys::zfs_send_resume_token_to_nvlist(lib.raw(), c.as_ptr()) };
        // SAFETY: allocated by libzfs for us (or null).
        match unsafe { NvList::from_raw(raw) } {
            Some(list) => parse_token(&list, token),
            None => Err(lib.error(Call::ZfsResumeToken, token)),
        }
    }

    /// Gives up an interrupted receive into `dataset`, as `zfs receive -A`
    /// does: destroys the hidden `dataset/%recv` clone of an incremental,
    /// or the dataset itself when a full receive created it and it has no
    /// snapshot. Any other dataset is left alone.
    pub fn abort_receive(&self, dataset: &DatasetName) -> Result<Aborted> {
        let clone = format!("{dataset}/%recv");
        if self.lzc.exists(&clone)? {
            self.lzc.destroy(&clone)?;
            return Ok(Aborted::Clone(clone));
        }
        if !self.lzc.exists(dataset.as_str())? || self.receive_resume_token(dataset)?.is_none() {
            return Ok(Aborted::Nothing);
        }
        if !self.snapshots(dataset)?.is_empty() {
            return Ok(Aborted::Nothing);
        }
        self.lzc.destroy(dataset.as_str())?;
        Ok(Aborted::PartialFilesystem(dataset.to_string()))
    }
}

fn parse_token(list: &NvListRef, token: &str) -> Result<ResumeToken> {
    let need = |key: &str| -> Result<u64> {
        list.u64(key)?
            .ok_or_else(|| ZfsError::malformed("receive_resume_token", token, format!("no {key}")))
    };
    let toname = list
        .str("toname")?
        .ok_or_else(|| ZfsError::malformed("receive_resume_token", token, "no toname"))?
        .to_owned();
    Ok(ResumeToken {
        toname,
        toguid: need("toguid")?,
        fromguid: list.u64("fromguid")?,
        object: need("object")?,
        offset: need("offset")?,
        bytes: list.u64("bytes")?.unwrap_or(0),
        flags: SendFlags {
            embedded: list.contains("embedok"),
            large_blocks: list.contains("largeblockok"),
            compressed: list.contains("compressok"),
            raw: list.contains("rawok"),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nvlist::Flag;

    #[test]
    fn tokens_are_read_from_the_nvlist_libzfs_decodes() {
        let mut list = NvList::new().unwrap();
        list.insert("fromguid", &7u64).unwrap();
        list.insert("object", &12u64).unwrap();
        list.insert("offset", &4096u64).unwrap();
        list.insert("bytes", &65536u64).unwrap();
        list.insert("toguid", &9u64).unwrap();
        list.insert("toname", "tank/fs@b").unwrap();
        list.insert("rawok", &Flag).unwrap();
        let t = parse_token(&list, "1-x").unwrap();
        assert_eq!(t.toname, "tank/fs@b");
        assert_eq!(
            (t.toguid, t.fromguid, t.object, t.offset, t.bytes),
            (9, Some(7), 12, 4096, 65536)
        );
        assert_eq!(t.flags, SendFlags { raw: true, ..SendFlags::default() });
        list.remove("toguid").unwrap();
        let e = parse_token(&list, "1-x").unwrap_err();
        assert_eq!(e.to_string(), "malformed receive_resume_token for 1-x: no toguid");
    }
}
