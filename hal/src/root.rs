//! The one injected filesystem root.
//!
//! Every sysfs, procfs and devfs path in this crate is built from a [`Root`]:
//! `/` on the box, a fixture tree in tests, a copy of a fixture tree in tests
//! that write. This is the only module that knows the names `sys`, `proc` and
//! `dev`; everything else asks the root for them.
//!
//! The helpers here also attach the path to every I/O and parse error, so the
//! rest of the crate never builds an error without saying which file it
//! concerns.

use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Error, IoOp, Result};

/// A filesystem root under which `sys/`, `proc/` and `dev/` are found.
///
/// ```
/// use helios64_hal::Root;
/// let root = Root::system();
/// assert_eq!(root.sys(), std::path::Path::new("/sys"));
/// let fixture = Root::new("fixtures/sysfs/helios64-armbian");
/// assert!(fixture.proc().ends_with("helios64-armbian/proc"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Root {
    base: PathBuf,
}

impl Root {
    /// A root at `base`: `base/sys`, `base/proc` and `base/dev` are used.
    pub fn new(base: impl Into<PathBuf>) -> Self {
        Root { base: base.into() }
    }

    /// The running system's root, `/`.
    pub fn system() -> Self {
        Root::new("/")
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

    /// Reads a text attribute, without its trailing newline and whitespace.
    pub fn read(&self, path: &Path) -> Result<String> {
        let bytes = self.read_bytes(path)?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::malformed(path, &String::from_utf8_lossy(e.as_bytes()), "UTF-8 text")
        })?;
        Ok(text.trim_end().to_owned())
    }

    /// Reads a text attribute, or `None` when the node does not exist.
    /// Any other failure (permission, I/O) is still an error.
    pub fn read_optional(&self, path: &Path) -> Result<Option<String>> {
        match self.read(path) {
            Ok(v) => Ok(Some(v)),
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
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

    /// Reads raw bytes (device-tree properties are NUL-separated).
    pub fn read_bytes(&self, path: &Path) -> Result<Vec<u8>> {
        fs::read(path).map_err(|source| Error::Io { op: IoOp::Read, path: path.into(), source })
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

    /// Whether a node exists (following symlinks).
    pub fn exists(&self, path: &Path) -> bool {
        path.exists()
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
            Err(Error::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Ok(Vec::new())
            }
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

    /// The last component of a symlink's target, e.g. the driver name from
    /// `device/driver`, or `None` when the link does not exist.
    pub fn link_name(&self, link: &Path) -> Result<Option<String>> {
        match fs::read_link(link) {
            Ok(target) => Ok(target.file_name().and_then(OsStr::to_str).map(str::to_owned)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { op: IoOp::Resolve, path: link.into(), source }),
        }
    }
}

impl Default for Root {
    fn default() -> Self {
        Root::system()
    }
}

/// Parses trimmed attribute text, attaching `path` to the error.
pub(crate) fn parse_value<T: FromStr>(
    path: &Path,
    text: &str,
    expected: &'static str,
) -> Result<T> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(Error::malformed(path, trimmed, expected));
    }
    trimmed.parse().map_err(|_| Error::malformed(path, trimmed, expected))
}

/// The file name of `path` as UTF-8, or an error naming the path.
pub(crate) fn file_name(path: &Path) -> Result<&str> {
    path.file_name()
        .and_then(OsStr::to_str)
        .ok_or_else(|| Error::malformed(path, &path.to_string_lossy(), "a UTF-8 file name"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn tree() -> (tempfile::TempDir, Root) {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        fs::create_dir_all(root.sys().join("class/demo")).unwrap();
        (dir, root)
    }

    #[test]
    fn read_trims_and_parses() {
        let (_d, root) = tree();
        let p = root.sys().join("class/demo/value");
        fs::write(&p, "42\n").unwrap();
        assert_eq!(root.read(&p).unwrap(), "42");
        assert_eq!(root.read_parse::<u8>(&p, "a byte").unwrap(), 42);
    }

    #[test]
    fn empty_and_garbage_are_malformed_with_path() {
        let (_d, root) = tree();
        let p = root.sys().join("class/demo/value");
        for bad in ["", "\n", "forty-two", "300"] {
            fs::write(&p, bad).unwrap();
            let e = root.read_parse::<u8>(&p, "a byte").unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "{bad:?}");
            assert_eq!(e.path(), Some(p.as_path()));
        }
    }

    #[test]
    fn missing_is_not_found_with_path_or_none_when_optional() {
        let (_d, root) = tree();
        let p = root.sys().join("class/demo/absent");
        let e = root.read(&p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("class/demo/absent"), "{e}");
        assert_eq!(root.read_optional(&p).unwrap(), None);
        assert!(root.list_optional(&root.class("nothing")).unwrap().is_empty());
    }

    #[test]
    fn write_never_creates_nodes() {
        let (_d, root) = tree();
        let p = root.sys().join("class/demo/absent");
        assert_eq!(root.write(&p, "1").unwrap_err().kind(), ErrorKind::NotFound);
        assert!(!p.exists());
    }

    #[test]
    fn on_box_strips_the_base() {
        let root = Root::new("/tmp/fixture");
        assert_eq!(
            root.on_box(Path::new("/tmp/fixture/sys/class/leds")),
            Path::new("/sys/class/leds")
        );
        assert_eq!(Root::system().on_box(Path::new("/sys/x")), Path::new("/sys/x"));
    }

    #[test]
    fn on_box_strips_a_non_canonical_base_from_resolved_paths() {
        let (dir, _root) = tree();
        let indirect = Root::new(dir.path().join("sys").join(".."));
        let resolved = indirect.resolve(&indirect.class("demo")).unwrap();
        assert_eq!(indirect.on_box(&resolved), Path::new("/sys/class/demo"));
    }

    #[test]
    fn list_is_sorted_and_link_name_reads_targets() {
        let (_d, root) = tree();
        let dir = root.class("demo");
        for n in ["b", "a", "c"] {
            fs::write(dir.join(n), "").unwrap();
        }
        let names: Vec<_> =
            root.list(&dir).unwrap().iter().map(|p| file_name(p).unwrap().to_owned()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        std::os::unix::fs::symlink("../../bus/platform/drivers/pwm-fan", dir.join("driver"))
            .unwrap();
        assert_eq!(root.link_name(&dir.join("driver")).unwrap().as_deref(), Some("pwm-fan"));
        assert_eq!(root.link_name(&dir.join("nolink")).unwrap(), None);
    }
}
