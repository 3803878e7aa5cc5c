//! Reading the flattened device tree the kernel exposes.
//!
//! The kernel publishes the device tree it booted with under
//! `/sys/firmware/devicetree/base`, one directory per node and one file per
//! property, and `/proc/device-tree` is an *absolute* symlink to it. An
//! absolute link would escape an injected [`Root`] (a fixture tree), so
//! [`DeviceTree::open`] re-anchors the link target under the root instead of
//! following it.
//!
//! Property files hold raw bytes: strings are NUL-terminated (a string list
//! such as `compatible` is several of them back to back) and integers are
//! big-endian 32-bit cells. The pure parsers [`parse_strings`] and
//! [`parse_cells`] decode them; the readers attach the path to every error.

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::root::{Link, Root};

/// The device tree of a [`Root`], with its base directory resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceTree {
    root: Root,
    base: PathBuf,
}

impl DeviceTree {
    /// Opens the device tree of `root`: `<root>/proc/device-tree` (re-anchored
    /// under the root when it is an absolute link, as it is on a real
    /// kernel), else `<root>/sys/firmware/devicetree/base`.
    ///
    /// Returns `Ok(None)` when neither exists: ACPI machines such as the
    /// x86 test VM have no device tree, which is a fact about the machine,
    /// not an error.
    pub fn open(root: &Root) -> Result<Option<DeviceTree>> {
        let proc_link = root.proc().join("device-tree");
        let candidates = [reanchored_link(root, &proc_link)?, Some(firmware_base(root))];
        for base in candidates.into_iter().flatten() {
            if root.is_dir(&base)? {
                return Ok(Some(DeviceTree { root: root.clone(), base }));
            }
        }
        Ok(None)
    }

    /// The directory of the root node, inside the injected root.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// The directory of the node at `node`, a path relative to the root
    /// node such as `"p6-fan"` or `"i2c@ff120000/temp@4c"` (`""` is the root
    /// node). The node may not exist; see [`DeviceTree::has_node`].
    pub fn node_path(&self, node: &str) -> PathBuf {
        if node.is_empty() { self.base.clone() } else { self.base.join(node) }
    }

    /// Whether the node exists; a node that cannot be examined is an error
    /// naming it.
    pub fn has_node(&self, node: &str) -> Result<bool> {
        Ok(self.root.is_dir(&self.node_path(node))?)
    }

    /// Reads a single-string property, or `None` when the node lacks it.
    pub fn string(&self, node: &str, property: &str) -> Result<Option<String>> {
        read_string_optional(&self.root, &self.node_path(node).join(property))
    }

    /// Reads a string-list property (e.g. `compatible`), or `None` when the
    /// node lacks it.
    pub fn strings(&self, node: &str, property: &str) -> Result<Option<Vec<String>>> {
        read_strings_optional(&self.root, &self.node_path(node).join(property))
    }

    /// Reads a cell-array property (e.g. `cooling-levels`), or `None` when
    /// the node lacks it.
    pub fn cells(&self, node: &str, property: &str) -> Result<Option<Vec<u32>>> {
        read_cells_optional(&self.root, &self.node_path(node).join(property))
    }
}

/// `<root>/sys/firmware/devicetree/base`.
fn firmware_base(root: &Root) -> PathBuf {
    root.sys().join("firmware").join("devicetree").join("base")
}

/// Where the link at `link` points, kept inside `root`: an absolute target
/// is taken relative to the root's base, a relative one relative to the
/// link's directory. `None` when `link` does not exist; a plain directory
/// (older kernels had a real `/proc/device-tree`) is returned as is.
fn reanchored_link(root: &Root, link: &Path) -> Result<Option<PathBuf>> {
    let target = match root.read_link(link)? {
        Some(Link::To(target)) => target,
        None => return Ok(None),
        Some(Link::NotALink) => return Ok(Some(link.to_owned())),
    };
    if target.is_absolute() {
        let inside: PathBuf =
            target.components().filter(|c| !matches!(c, Component::RootDir)).collect();
        Ok(Some(root.base().join(inside)))
    } else {
        Ok(link.parent().map(|dir| dir.join(target)))
    }
}

/// Splits a string or string-list property into its strings.
///
/// The property must be non-empty, end in NUL, and hold no empty string
/// (two NULs in a row) and no invalid UTF-8; anything else is not a DT
/// string list and yields `None`.
///
/// ```
/// use helios64_hal::parse_strings;
/// assert_eq!(
///     parse_strings(b"kobol,helios64\0rockchip,rk3399\0"),
///     Some(vec!["kobol,helios64".to_owned(), "rockchip,rk3399".to_owned()])
/// );
/// assert_eq!(parse_strings(b"no terminator"), None);
/// ```
pub fn parse_strings(bytes: &[u8]) -> Option<Vec<String>> {
    let body = bytes.strip_suffix(b"\0")?;
    if body.is_empty() {
        return None;
    }
    body.split(|&b| b == 0)
        .map(|s| {
            let text = std::str::from_utf8(s).ok()?;
            (!text.is_empty() && !text.chars().any(char::is_control)).then(|| text.to_owned())
        })
        .collect()
}

/// Decodes a cell-array property into big-endian `u32` cells. The length
/// must be a non-zero multiple of four.
///
/// ```
/// use helios64_hal::parse_cells;
/// assert_eq!(parse_cells(&[0, 0, 0, 80, 0, 0, 0, 255]), Some(vec![80, 255]));
/// assert_eq!(parse_cells(&[0, 0, 80]), None);
/// ```
pub fn parse_cells(bytes: &[u8]) -> Option<Vec<u32>> {
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    Some(bytes.chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect())
}

const STRINGS: &str = "NUL-terminated device-tree strings";
const STRING: &str = "one NUL-terminated device-tree string";
const CELLS: &str = "big-endian 32-bit device-tree cells";

/// Reads a string-list property at `path`.
pub(crate) fn read_strings(root: &Root, path: &Path) -> Result<Vec<String>> {
    let bytes = root.read_bytes(path)?;
    parse_strings(&bytes).ok_or_else(|| malformed(path, &bytes, STRINGS))
}

/// Reads a single-string property at `path`.
pub(crate) fn read_string(root: &Root, path: &Path) -> Result<String> {
    let bytes = root.read_bytes(path)?;
    match parse_strings(&bytes) {
        Some(mut v) if v.len() == 1 => Ok(v.remove(0)),
        _ => Err(malformed(path, &bytes, STRING)),
    }
}

/// Reads a cell-array property at `path`.
pub(crate) fn read_cells(root: &Root, path: &Path) -> Result<Vec<u32>> {
    let bytes = root.read_bytes(path)?;
    parse_cells(&bytes).ok_or_else(|| malformed(path, &bytes, CELLS))
}

pub(crate) fn read_strings_optional(root: &Root, path: &Path) -> Result<Option<Vec<String>>> {
    optional(read_strings(root, path))
}

pub(crate) fn read_string_optional(root: &Root, path: &Path) -> Result<Option<String>> {
    optional(read_string(root, path))
}

pub(crate) fn read_cells_optional(root: &Root, path: &Path) -> Result<Option<Vec<u32>>> {
    optional(read_cells(root, path))
}

/// Maps "the property file does not exist" to `None`.
fn optional<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A malformed-property error showing the bytes readably (NULs as `\0`).
fn malformed(path: &Path, bytes: &[u8], expected: &'static str) -> Error {
    Error::malformed(path, &bytes.escape_ascii().to_string(), expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn strings_parse_lists_and_reject_malformed() {
        assert_eq!(parse_strings(b"Kobol Helios64\0"), Some(vec!["Kobol Helios64".to_owned()]));
        assert_eq!(parse_strings(b"a\0b\0c\0").map(|v| v.len()), Some(3));
        for bad in
            [&b""[..], b"\0", b"missing-nul", b"a\0\0b\0", b"\0a\0", b"\xff\xfe\0", b"tab\there\0"]
        {
            assert_eq!(parse_strings(bad), None, "{:?}", bad.escape_ascii().to_string());
        }
    }

    #[test]
    fn cells_are_big_endian_and_length_checked() {
        let levels = [0u8, 0, 0, 0, 0, 0, 0, 80, 0, 0, 0, 170, 0, 0, 0, 255];
        assert_eq!(parse_cells(&levels), Some(vec![0, 80, 170, 255]));
        assert_eq!(parse_cells(&[0x12, 0x34, 0x56, 0x78]), Some(vec![0x1234_5678]));
        assert_eq!(parse_cells(&[]), None);
        assert_eq!(parse_cells(&[0; 7]), None);
    }

    #[test]
    fn opens_through_the_absolute_proc_link_on_both_fixtures() {
        for f in Fixture::ALL {
            let root = f.root();
            let dt = DeviceTree::open(&root).unwrap().expect("fixture has a device tree");
            assert!(dt.base().starts_with(root.base()), "{f:?}: {} escaped", dt.base().display());
            assert_eq!(dt.string("", "model").unwrap().as_deref(), Some("Kobol Helios64"));
            assert_eq!(
                dt.strings("", "compatible").unwrap().unwrap(),
                ["kobol,helios64", "rockchip,rk3399"]
            );
            assert_eq!(dt.string("", "no-such-property").unwrap(), None);
        }
    }

    #[test]
    fn falls_back_to_sysfs_and_reports_absence() {
        let (_dir, root) = copy_fixture(Fixture::Mainline);
        fs::remove_file(root.proc().join("device-tree")).unwrap();
        let dt = DeviceTree::open(&root).unwrap().unwrap();
        assert_eq!(dt.cells("fan1", "cooling-levels").unwrap().unwrap(), [0, 80, 170, 255]);
        fs::remove_dir_all(root.sys().join("firmware")).unwrap();
        assert_eq!(DeviceTree::open(&root).unwrap(), None);
    }

    #[test]
    fn malformed_properties_name_the_path() {
        let (_dir, root) = copy_fixture(Fixture::Armbian);
        let dt = DeviceTree::open(&root).unwrap().unwrap();
        let levels = dt.node_path("p6-fan").join("cooling-levels");
        fs::write(&levels, [0u8, 0, 80]).unwrap();
        let e = dt.cells("p6-fan", "cooling-levels").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert_eq!(e.path(), Some(levels.as_path()));

        let model = dt.node_path("").join("model");
        fs::write(&model, b"").unwrap();
        let e = dt.string("", "model").unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(model.as_path())));

        fs::write(&model, b"one\0two\0").unwrap();
        assert_eq!(dt.string("", "model").unwrap_err().kind(), ErrorKind::Malformed);
    }
}
