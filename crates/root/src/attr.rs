//! An attribute kept open by a control loop.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, IoOp, Result};
use crate::{ATTRIBUTE_LIMIT, parse_value};

/// A sysfs attribute opened once ([`crate::Root::open_attr`]) and read or
/// written in place at offset 0, as sysfs allows: the kernel regenerates a
/// value on every read at offset 0 and hands every write to the driver's
/// `store`. One system call per access is what lets a fan loop stay within
/// a few syscalls per cycle.
///
/// Errors name the attribute like [`crate::Root`]'s. A device that went
/// away under an open attribute fails with `ENODEV` (the open file stays,
/// the device behind it does not): reopen after rediscovery.
#[derive(Debug)]
pub struct Attr {
    path: PathBuf,
    file: File,
    /// Not on sysfs (a fixture tree on tmpfs): a write must also cut the
    /// file to the new value's length, as a sysfs store would "replace" it.
    plain_file: bool,
}

/// What one `pread` returns at most: a page, the most a sysfs `show`
/// writes. A larger value takes further reads, up to [`ATTRIBUTE_LIMIT`].
const PAGE: usize = 4096;

impl Attr {
    pub(crate) fn new(path: PathBuf, file: File) -> Attr {
        // Once, at open: sysfs attributes are "regular files" too, so only
        // the filesystem tells a kernel attribute from a fixture's file.
        let plain_file = nix::sys::statfs::fstatfs(&file)
            .map(|fs| fs.filesystem_type() != nix::sys::statfs::SYSFS_MAGIC)
            .unwrap_or(false);
        Attr { path, file, plain_file }
    }

    /// The attribute's path, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the value now, without its trailing newline and whitespace.
    pub fn read(&self) -> Result<String> {
        let err = |source| Error::Io { op: IoOp::Read, path: self.path.clone(), source };
        let mut page = [0u8; PAGE];
        let n = self.file.read_at(&mut page, 0).map_err(err)?;
        let bytes = if n < PAGE {
            page[..n].to_vec()
        } else {
            // Rare (no sysfs attribute the loops read is this long): read on.
            let mut bytes = page.to_vec();
            loop {
                let offset = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
                let n = self.file.read_at(&mut page, offset).map_err(err)?;
                if n == 0 {
                    break;
                }
                bytes.extend_from_slice(&page[..n]);
                if bytes.len() > ATTRIBUTE_LIMIT {
                    return Err(Error::Oversized {
                        path: self.path.clone(),
                        limit: ATTRIBUTE_LIMIT,
                    });
                }
            }
            bytes
        };
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::malformed(&self.path, &String::from_utf8_lossy(e.as_bytes()), "UTF-8 text")
        })?;
        Ok(text.trim_end().to_owned())
    }

    /// Reads and parses the value, like [`crate::Root::read_parse`].
    pub fn read_parse<T: FromStr>(&self, expected: &'static str) -> Result<T> {
        parse_value(&self.path, &self.read()?, expected)
    }

    /// Writes `value` in one `pwrite` at offset 0. A regular file (a
    /// fixture tree) is truncated to the value, so it reads back as sysfs
    /// would.
    pub fn write(&self, value: &str) -> Result<()> {
        let err = |source| Error::Io { op: IoOp::Write, path: self.path.clone(), source };
        let n = self.file.write_at(value.as_bytes(), 0).map_err(err)?;
        if n != value.len() {
            return Err(err(std::io::Error::new(
                std::io::ErrorKind::WriteZero,
                format!("wrote {n} of {} bytes", value.len()),
            )));
        }
        // A fixture's file keeps a longer old value's tail otherwise ("40"
        // over "255" would read "405"); sysfs has no tail to cut.
        if self.plain_file {
            let len = u64::try_from(value.len()).unwrap_or(u64::MAX);
            self.file.set_len(len).map_err(err)?;
        }
        Ok(())
    }
}
