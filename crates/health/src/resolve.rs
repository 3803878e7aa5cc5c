//! Which disk a vdev lives on.
//!
//! A pool config names its leaves by the path given at creation:
//! `/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1AB0001-part1`,
//! `/dev/disk/by-path/…-ata-1.0-part1`, `/dev/disk/by-partuuid/…`,
//! `/dev/sdc1`. [`resolve`] follows the `/dev` links under the root to the
//! kernel's block device and from a partition to its disk;
//! [`match_by_name`] is the fallback when the link is gone (the disk was
//! pulled, a fixture tree without `/dev`): the name itself still carries
//! the kernel name, the serial or the WWN.

use std::path::{Component, Path, PathBuf};

use helios64_hal::{Link, Root};
use serde::Serialize;

/// How far a chain of `/dev` links is followed.
const MAX_HOPS: usize = 8;

/// The disk (and partition) a vdev path leads to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiskRef {
    /// The whole disk's block device (`sdc`).
    pub disk: String,
    /// The partition (`sdc1`), when the vdev is one.
    pub partition: Option<String>,
}

/// What a bay disk is known by, for [`match_by_name`].
#[derive(Debug, Clone, Copy)]
pub struct DiskNames<'a> {
    /// Its block device (`sdc`).
    pub device: &'a str,
    /// Its serial number.
    pub serial: Option<&'a str>,
    /// Its WWN (`0x5000…`).
    pub wwn: Option<&'a str>,
}

/// Follows `vdev_path` (an absolute path on the box) through the `/dev`
/// links under `root` to a block device, then to its whole disk through
/// `/sys/class/block`. `None` when the path does not lead to a block device
/// that exists under the root.
pub fn resolve(root: &Root, vdev_path: &str) -> Option<DiskRef> {
    let name = kernel_name(root, vdev_path)?;
    whole_disk(root, &name)
}

/// The kernel name a `/dev` path leads to, following links lexically (the
/// targets `/dev/disk/*` links hold are relative: `../../sdc1`).
fn kernel_name(root: &Root, vdev_path: &str) -> Option<String> {
    let mut on_box = PathBuf::from(vdev_path);
    if !on_box.starts_with("/dev") {
        return None;
    }
    for _ in 0..MAX_HOPS {
        let under_root = root.base().join(on_box.strip_prefix("/").ok()?);
        match root.read_link(&under_root) {
            Ok(Some(Link::To(target))) => {
                let dir = on_box.parent()?.to_path_buf();
                on_box = normalize(&dir.join(target))?;
                if !on_box.starts_with("/dev") {
                    return None;
                }
            }
            // A node, or a link that is gone: the last name is the kernel's
            // when it sits directly in /dev.
            _ => break,
        }
    }
    match on_box.parent() {
        Some(p) if p == Path::new("/dev") => on_box.file_name()?.to_str().map(str::to_owned),
        _ => None,
    }
}

/// `path` with `.` and `..` applied lexically; `None` above `/`.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::from("/");
    for component in path.components() {
        match component {
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::Normal(part) => out.push(part),
            Component::Prefix(_) => return None,
        }
    }
    Some(out)
}

/// The whole disk of block device `name`: itself, or for a partition (it
/// has a `partition` attribute) the disk whose directory holds it.
fn whole_disk(root: &Root, name: &str) -> Option<DiskRef> {
    let entry = root.class("block").join(name);
    let dir = root.resolve_optional(&entry).ok()??;
    if root.exists(&dir.join("partition")).ok()? {
        let disk = dir.parent()?.file_name()?.to_str()?.to_owned();
        Some(DiskRef { disk, partition: Some(name.to_owned()) })
    } else {
        Some(DiskRef { disk: name.to_owned(), partition: None })
    }
}

/// Matches a vdev path to one of `disks` by what its name says:
/// `/dev/sdc1` (the kernel name), `by-id/ata-MODEL_SERIAL[-partN]` and
/// `scsi-…_SERIAL` (udev writes the serial with spaces as `_`), or
/// `by-id/wwn-0x…[-partN]`. The device of the match, or `None`.
pub fn match_by_name<'a>(vdev_path: &str, disks: &[DiskNames<'a>]) -> Option<&'a str> {
    let file = Path::new(vdev_path).file_name()?.to_str()?;
    let parent = Path::new(vdev_path).parent()?;
    if parent == Path::new("/dev") {
        return disks.iter().find(|d| is_disk_or_partition(file, d.device)).map(|d| d.device);
    }
    if !parent.starts_with("/dev/disk/by-id") {
        return None;
    }
    let id = strip_part_suffix(file);
    if let Some(wwn) = id.strip_prefix("wwn-") {
        return disks
            .iter()
            .find(|d| d.wwn.is_some_and(|w| w.eq_ignore_ascii_case(wwn)))
            .map(|d| d.device);
    }
    disks
        .iter()
        .find(|d| {
            d.serial.map(|s| s.trim().replace(' ', "_")).is_some_and(|serial| {
                !serial.is_empty()
                    && id.strip_suffix(serial.as_str()).is_some_and(|head| head.ends_with('_'))
            })
        })
        .map(|d| d.device)
}

/// `ata-X-part1` → `ata-X`.
fn strip_part_suffix(name: &str) -> &str {
    match name.rsplit_once("-part") {
        Some((head, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => head,
        _ => name,
    }
}

/// Whether `name` is `disk` or one of its partitions: `sdc1` of `sdc`,
/// `nvme0n1p2` of `nvme0n1` (the kernel puts a `p` before the number when
/// the disk's name ends in a digit).
fn is_disk_or_partition(name: &str, disk: &str) -> bool {
    let Some(rest) = name.strip_prefix(disk) else { return false };
    if rest.is_empty() {
        return true;
    }
    let number = if disk.ends_with(|c: char| c.is_ascii_digit()) {
        match rest.strip_prefix('p') {
            Some(n) => n,
            None => return false,
        }
    } else {
        rest
    };
    !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn disks() -> Vec<DiskNames<'static>> {
        vec![
            DiskNames {
                device: "sdc",
                serial: Some("WD-WCC7K1AB0001"),
                wwn: Some("0x50014ee2b1c2d3e4"),
            },
            DiskNames { device: "sda", serial: Some("ZGY0AB03"), wwn: None },
            DiskNames { device: "sdb", serial: Some("ZGY0AB04"), wwn: None },
        ]
    }

    #[test]
    fn names_match_by_kernel_name_serial_and_wwn() {
        let d = disks();
        for (path, want) in [
            ("/dev/sdc1", Some("sdc")),
            ("/dev/sdc", Some("sdc")),
            ("/dev/sdz1", None),
            ("/dev/disk/by-id/ata-WDC_WD40EFRX-68N32N0_WD-WCC7K1AB0001-part1", Some("sdc")),
            ("/dev/disk/by-id/ata-ST4000VN008-2DR166_ZGY0AB03", Some("sda")),
            ("/dev/disk/by-id/scsi-SATA_ST4000VN008-2DR1_ZGY0AB04-part9", Some("sdb")),
            ("/dev/disk/by-id/wwn-0x50014EE2B1C2D3E4-part1", Some("sdc")),
            ("/dev/disk/by-id/wwn-0x5000000000000000", None),
            // A serial that is only the tail of another id word does not match.
            ("/dev/disk/by-id/ata-ST4000VN008-2DR166_XZGY0AB03", None),
            ("/dev/disk/by-path/platform-f8000000.pcie-pci-0000:01:00.0-ata-1.0-part1", None),
            ("/var/tmp/vdev0", None),
            ("", None),
        ] {
            assert_eq!(match_by_name(path, &d), want, "{path}");
        }
    }

    #[test]
    fn partitions_are_named_the_kernel_way() {
        for (name, disk, want) in [
            ("sdc1", "sdc", true),
            ("sdc", "sdc", true),
            ("sdaa12", "sdaa", true),
            ("sdaa1", "sda", false),
            ("nvme0n1p2", "nvme0n1", true),
            ("nvme0n1", "nvme0n1", true),
            ("nvme0n12", "nvme0n1", false),
            ("mmcblk0p1", "mmcblk0", true),
            ("sdcp1", "sdc", false),
        ] {
            assert_eq!(is_disk_or_partition(name, disk), want, "{name} of {disk}");
        }
    }

    #[test]
    fn links_resolve_to_the_whole_disk() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        let disk = base.join("sys/devices/x/block/sdc");
        std::fs::create_dir_all(disk.join("sdc1")).unwrap();
        std::fs::write(disk.join("sdc1/partition"), "1\n").unwrap();
        std::fs::create_dir_all(base.join("sys/class/block")).unwrap();
        symlink("../../devices/x/block/sdc", base.join("sys/class/block/sdc")).unwrap();
        symlink("../../devices/x/block/sdc/sdc1", base.join("sys/class/block/sdc1")).unwrap();
        std::fs::create_dir_all(base.join("dev/disk/by-id")).unwrap();
        std::fs::create_dir_all(base.join("dev/disk/by-partuuid")).unwrap();
        symlink("../../sdc1", base.join("dev/disk/by-id/ata-M_S-part1")).unwrap();
        symlink("../../sdc", base.join("dev/disk/by-id/ata-M_S")).unwrap();
        symlink("../by-id/ata-M_S-part1", base.join("dev/disk/by-partuuid/1234")).unwrap();
        // A link out of /dev is not followed.
        symlink("../../../etc/passwd", base.join("dev/disk/by-id/escape")).unwrap();
        let root = Root::new(base);
        let part = DiskRef { disk: "sdc".into(), partition: Some("sdc1".into()) };
        assert_eq!(resolve(&root, "/dev/disk/by-id/ata-M_S-part1"), Some(part.clone()));
        assert_eq!(resolve(&root, "/dev/disk/by-partuuid/1234"), Some(part.clone()));
        assert_eq!(resolve(&root, "/dev/sdc1"), Some(part));
        assert_eq!(
            resolve(&root, "/dev/disk/by-id/ata-M_S"),
            Some(DiskRef { disk: "sdc".into(), partition: None })
        );
        assert_eq!(resolve(&root, "/dev/disk/by-id/escape"), None);
        assert_eq!(resolve(&root, "/dev/disk/by-id/gone-part1"), None);
        assert_eq!(resolve(&root, "/var/tmp/vdev0"), None);
    }
}
