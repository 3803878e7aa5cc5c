//! The one injected filesystem root.
//!
//! Every sysfs, procfs and devfs path of the helios64 libraries is built
//! from a [`Root`]: `/` on the box, a fixture tree in tests, a copy of a
//! fixture tree in tests that write. This crate is the only code that knows
//! the names `sys`, `proc`, `dev` and `run`, and the only code allowed to
//! call `std::fs` on them (the workspace's clippy configuration forbids
//! `std::fs` and `Path::exists`-style probes everywhere else; see ADR 0001).
//!
//! Three rules follow from that, for every caller at once:
//!
//! * **Every error names its operation and path** ([`Error`]), so no caller
//!   can produce "No such file or directory" without saying which file.
//!   Probes such as [`Root::exists`] return `Result<bool>`: only "does not
//!   exist" is `false`; `EACCES` or `EIO` stays an error with its path.
//! * **Every read is bounded** ([`ATTRIBUTE_LIMIT`]): a kernel attribute is
//!   at most a page, so a larger file is reported as [`Error::Oversized`]
//!   instead of being read into memory whole.
//! * **Only the running kernel answers ioctls.** [`Root::system`] is live;
//!   a tree from [`Root::new`] is not, and [`Root::require_live`] refuses
//!   the calls (ethtool, udev events) whose answer would come from the host
//!   rather than from the tree.
//!
//! ```
//! use helios64_root::Root;
//! let root = Root::system();
//! assert_eq!(root.sys(), std::path::Path::new("/sys"));
//! assert!(root.is_live());
//! let fixture = Root::new("fixtures/sysfs/helios64-armbian");
//! assert!(fixture.proc().ends_with("helios64-armbian/proc"));
//! assert!(fixture.require_live("ETHTOOL_GLINKSETTINGS").is_err());
//! ```

// This is the one module allowed to touch the filesystem directly.
#![allow(clippy::disallowed_methods)]

mod attr;
mod error;

use std::ffi::OsStr;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use attr::Attr;
pub use error::{Error, IoOp, Result, shorten};

/// The most a read of a kernel attribute returns: sysfs attributes are at
/// most a page (4 KiB, 64 KiB with large pages); anything larger is not an
/// attribute.
pub const ATTRIBUTE_LIMIT: usize = 64 * 1024;

/// The most a read of a multi-line procfs table (`/proc/interrupts`)
/// returns: such tables grow with CPUs × IRQs, so they get more room than an
/// attribute, but still a bound.
pub const TABLE_LIMIT: usize = 4 * 1024 * 1024;

/// A filesystem root under which `sys/`, `proc/`, `dev/` and `run/` are
/// found, and whether it is the running system.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Root {
    base: PathBuf,
    live: bool,
}

impl Root {
    /// A tree at `base` (a fixture, a copy of one): `base/sys`, `base/proc`
    /// and `base/dev` are used, and nothing is asked of the running kernel.
    pub fn new(base: impl Into<PathBuf>) -> Self {
        Root { base: base.into(), live: false }
    }

    /// The running system's root, `/`: the only live root.
    pub fn system() -> Self {
        Root { base: PathBuf::from("/"), live: true }
    }

    /// Whether this is the running system, whose kernel answers ioctls,
    /// netlink and udev events for the devices its sysfs shows.
    pub fn is_live(&self) -> bool {
        self.live
    }

    /// `Ok` on the live root; [`Error::NotLive`] naming `call` on a tree.
    /// Call it before any ioctl, netlink request or event socket, so a
    /// fixture run never reaches the host's devices.
    pub fn require_live(&self, call: &'static str) -> Result<()> {
        if self.live { Ok(()) } else { Err(Error::NotLive { call, root: self.base.clone() }) }
    }

    /// The directory this root points at.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// `<root>/sys`.
    pub fn sys(&self) -> PathBuf {
        self.base.join("sys")
    }

    /// `<root>/proc`.
    pub fn proc(&self) -> PathBuf {
        self.base.join("proc")
    }

    /// `<root>/dev`.
    pub fn dev(&self) -> PathBuf {
        self.base.join("dev")
    }

    /// `<root>/run` (udev's control socket, daemons' state files).
    pub fn run(&self) -> PathBuf {
        self.base.join("run")
    }

    /// `<root>/sys/class/<class>`, e.g. `class("hwmon")`.
    pub fn class(&self, class: &str) -> PathBuf {
        self.sys().join("class").join(class)
    }

    /// `<root>/sys/bus/<bus>/devices`, e.g. `bus_devices("i2c")`.
    pub fn bus_devices(&self, bus: &str) -> PathBuf {
        self.sys().join("bus").join(bus).join("devices")
    }

    /// The path as it would read on the box: `path` with this root's base
    /// replaced by `/`. Paths outside the root are returned unchanged. Used
    /// for human and JSON output so a fixture run prints the same paths as
    /// the real board.
    ///
    /// Resolved paths (from [`Root::resolve`]) are canonical while the base
    /// may not be (`fixtures/../x`, a symlinked temp dir), so the canonical
    /// form of the base is tried as well.
    pub fn on_box(&self, path: &Path) -> PathBuf {
        if let Ok(rel) = path.strip_prefix(&self.base) {
            return Path::new("/").join(rel);
        }
        match fs::canonicalize(&self.base).map(|base| path.strip_prefix(base).map(Path::to_owned)) {
            Ok(Ok(rel)) => Path::new("/").join(rel),
            _ => path.to_path_buf(),
        }
    }

    /// Reads a text attribute (at most [`ATTRIBUTE_LIMIT`] bytes), without
    /// its trailing newline and whitespace.
    pub fn read(&self, path: &Path) -> Result<String> {
        self.read_with_limit(path, ATTRIBUTE_LIMIT)
    }

    /// Reads a text file of at most `limit` bytes, without trailing
    /// whitespace; e.g. `/proc/interrupts` with [`TABLE_LIMIT`].
    pub fn read_with_limit(&self, path: &Path, limit: usize) -> Result<String> {
        let bytes = self.read_bytes_with_limit(path, limit)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::malformed(path, &String::from_utf8_lossy(e.as_bytes()), "UTF-8 text")
        })?;
        Ok(text.trim_end().to_owned())
    }

    /// Reads a text attribute, or `None` when the node does not exist.
    /// Any other failure (permission, I/O, size) is still an error.
    pub fn read_optional(&self, path: &Path) -> Result<Option<String>> {
        optional(self.read(path))
    }

    /// Reads an attribute and parses it with [`FromStr`]. An empty file or
    /// unparsable content is [`Error::Malformed`] naming the path and what
    /// was `expected` (e.g. "an integer 0..=255").
    pub fn read_parse<T: FromStr>(&self, path: &Path, expected: &'static str) -> Result<T> {
        let text = self.read(path)?;
        parse_value(path, &text, expected)
    }

    /// Like [`Root::read_parse`], but `None` when the node does not exist.
    pub fn read_parse_optional<T: FromStr>(
        &self,
        path: &Path,
        expected: &'static str,
    ) -> Result<Option<T>> {
        match self.read_optional(path)? {
            Some(text) => parse_value(path, &text, expected).map(Some),
            None => Ok(None),
        }
    }

    /// Reads raw bytes (device-tree properties are NUL-separated), at most
    /// [`ATTRIBUTE_LIMIT`].
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>> {
        self.read_bytes_with_limit(path, ATTRIBUTE_LIMIT)
    }

    /// Reads raw bytes, at most `limit`; a longer file is
    /// [`Error::Oversized`] and no more than `limit + 1` bytes are read.
    pub fn read_bytes_with_limit(&self, path: &Path, limit: usize) -> Result<Vec<u8>> {
        let err = |source| Error::Io { op: IoOp::Read, path: path.into(), source };
        let file = fs::File::open(path).map_err(err)?;
        let mut bytes = Vec::new();
        let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
        file.take(cap).read_to_end(&mut bytes).map_err(err)?;
        if bytes.len() > limit {
            return Err(Error::Oversized { path: path.into(), limit });
        }
        Ok(bytes)
    }

    /// Writes `value` to an attribute in a single `write(2)`, as sysfs
    /// expects. The node must already exist: sysfs never creates files, so a
    /// missing node is reported instead of silently creating a regular file
    /// in a fixture tree.
    pub fn write(&self, path: &Path, value: &str) -> Result<()> {
        let err = |source| Error::Io { op: IoOp::Write, path: path.into(), source };
        let mut file = fs::OpenOptions::new().write(true).truncate(true).open(path).map_err(err)?;
        io::Write::write_all(&mut file, value.as_bytes()).map_err(err)
    }

    /// Opens an attribute and keeps it open, for a control loop that reads
    /// or writes it every cycle: each [`Attr::read`] or [`Attr::write`] is
    /// then one `pread`/`pwrite` instead of open, read, close. `writable`
    /// opens it read-write (a `pwm1` the loop sets).
    pub fn open_attr(&self, path: &Path, writable: bool) -> Result<Attr> {
        let file = fs::OpenOptions::new()
            .read(true)
            .write(writable)
            .open(path)
            .map_err(|source| Error::Io { op: IoOp::Open, path: path.into(), source })?;
        Ok(Attr::new(path.to_path_buf(), file))
    }

    /// Opens a device node with the caller's options (`O_NONBLOCK`,
    /// `O_EXCL`), the error naming it.
    pub fn open_with(&self, path: &Path, options: &fs::OpenOptions) -> Result<fs::File> {
        options.open(path).map_err(|source| Error::Io { op: IoOp::Open, path: path.into(), source })
    }

    /// Opens a character device (`/dev/gpiochip0`, `/dev/i2c-2`, a disk)
    /// for reading, and for writing when `write` is set.
    pub fn open_device(&self, path: &Path, write: bool) -> Result<fs::File> {
        fs::OpenOptions::new().read(true).write(write).open(path).map_err(|source| Error::Io {
            op: IoOp::Open,
            path: path.into(),
            source,
        })
    }

    /// Whether a node exists, following symlinks. Only "does not exist"
    /// (`ENOENT`, `ENOTDIR`) is `false`; a node that cannot be examined
    /// (`EACCES`, `EIO`) is an error naming it, never "absent".
    pub fn exists(&self, path: &Path) -> Result<bool> {
        probe(path, fs::metadata(path)).map(|m| m.is_some())
    }

    /// Whether a node exists and is a directory (following symlinks), with
    /// the errors of [`Root::exists`].
    pub fn is_dir(&self, path: &Path) -> Result<bool> {
        probe(path, fs::metadata(path)).map(|m| m.is_some_and(|m| m.is_dir()))
    }

    /// Whether a node exists without following a final symlink (a dangling
    /// link exists), with the errors of [`Root::exists`].
    pub fn lexists(&self, path: &Path) -> Result<bool> {
        probe(path, fs::symlink_metadata(path)).map(|m| m.is_some())
    }

    /// Lists a directory, sorted by name so results are deterministic.
    pub fn list(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let err = |source| Error::Io { op: IoOp::List, path: dir.into(), source };
        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(err)? {
            entries.push(entry.map_err(err)?.path());
        }
        entries.sort();
        Ok(entries)
    }

    /// Lists a directory, or returns an empty list when it does not exist
    /// (an absent class directory means "no such devices").
    pub fn list_optional(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        match self.list(dir) {
            Err(e) if e.is_not_found() => Ok(Vec::new()),
            other => other,
        }
    }

    /// Resolves every symlink in `path` (sysfs class entries point into
    /// `/sys/devices`). Fixture trees use relative links, as the kernel does,
    /// so resolution stays inside the root.
    pub fn resolve(&self, path: &Path) -> Result<PathBuf> {
        fs::canonicalize(path).map_err(|source| Error::Io {
            op: IoOp::Resolve,
            path: path.into(),
            source,
        })
    }

    /// Like [`Root::resolve`], but `None` when the link or a node on its way
    /// does not exist (a virtual interface has no `device`).
    pub fn resolve_optional(&self, path: &Path) -> Result<Option<PathBuf>> {
        optional(self.resolve(path))
    }

    /// The target of a symbolic link as written, `None` when `link` does not
    /// exist, and [`Link::NotALink`] when it is a plain node (older kernels
    /// had a real `/proc/device-tree` directory).
    pub fn read_link(&self, link: &Path) -> Result<Option<Link>> {
        match fs::read_link(link) {
            Ok(target) => Ok(Some(Link::To(target))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(Some(Link::NotALink)),
            Err(source) => Err(Error::Io { op: IoOp::Resolve, path: link.into(), source }),
        }
    }

    /// The last component of a symlink's target, e.g. the driver name from
    /// `device/driver`, or `None` when the link does not exist.
    pub fn link_name(&self, link: &Path) -> Result<Option<String>> {
        match self.read_link(link)? {
            Some(Link::To(target)) => {
                Ok(target.file_name().and_then(OsStr::to_str).map(str::to_owned))
            }
            Some(Link::NotALink) => {
                Err(Error::malformed(link, &link.to_string_lossy(), "a symbolic link"))
            }
            None => Ok(None),
        }
    }
}

impl Default for Root {
    fn default() -> Self {
        Root::system()
    }
}

/// What [`Root::read_link`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A symbolic link with this target, as written (relative or absolute).
    To(PathBuf),
    /// A node that is not a symbolic link.
    NotALink,
}

/// `Some(metadata)`, `None` for "does not exist", or the error naming
/// `path`.
fn probe(path: &Path, result: io::Result<fs::Metadata>) -> Result<Option<fs::Metadata>> {
    match result {
        Ok(m) => Ok(Some(m)),
        Err(e)
            if e.kind() == io::ErrorKind::NotFound || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            Ok(None)
        }
        Err(source) => Err(Error::Io { op: IoOp::Stat, path: path.into(), source }),
    }
}

/// Maps "the node does not exist" to `None`.
fn optional<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Parses trimmed attribute text, attaching `path` to the error.
pub fn parse_value<T: FromStr>(path: &Path, text: &str, expected: &'static str) -> Result<T> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::malformed(path, trimmed, expected));
    }
    trimmed.parse().map_err(|_| Error::malformed(path, trimmed, expected))
}

/// The file name of `path` as UTF-8, or an error naming the path.
pub fn file_name(path: &Path) -> Result<&str> {
    path.file_name()
        .and_then(OsStr::to_str)
        .ok_or_else(|| Error::malformed(path, &path.to_string_lossy(), "a UTF-8 file name"))
}

#[cfg(test)]
mod tests;
