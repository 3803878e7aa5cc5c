//! Vdev names as `zpool status` prints them, spelled here instead of by
//! libzfs's `zpool_vdev_name`: that function ORs the `ZPOOL_VDEV_NAME_*`
//! environment variables into any flags it is given, so a caller's
//! environment would change this library's output. The rules are
//! `zpool_vdev_name`'s (2.1–2.4), `zpool_draid_name`'s, and libzutil's
//! `zfs_strip_path`/`zfs_strip_partition` (Linux).

use crate::error::{Result, ZfsError};
use crate::model::VdevNaming;
use crate::nvlist::NvListRef;

/// `zpool_default_search_paths` on Linux, in order: a disk path under one
/// of them is shown relative to it.
const SEARCH_PATHS: [&str; 9] = [
    "/dev/disk/by-vdev",
    "/dev/mapper",
    "/dev/disk/by-partlabel",
    "/dev/disk/by-partuuid",
    "/dev/disk/by-label",
    "/dev/disk/by-uuid",
    "/dev/disk/by-id",
    "/dev/disk/by-path",
    "/dev",
];

fn missing(key: &str, target: &str) -> ZfsError {
    ZfsError::malformed("vdev config", target, format!("no {key}"))
}

/// The name of the vdev `nv` of pool `pool`, with the type-id suffix for
/// interior vdevs (`VDEV_NAME_TYPE_ID`, as `zpool status`).
pub(crate) fn vdev_name(nv: &NvListRef, pool: &str, naming: VdevNaming) -> Result<String> {
    let vdev_type = nv.str("type")?.ok_or_else(|| missing("type", pool))?;
    if vdev_type == "root" {
        return Ok(pool.to_owned());
    }
    // A device that is not there will not come back at the same path.
    if naming.guid || nv.u64("not_present")?.is_some() {
        return Ok(nv.u64("guid")?.ok_or_else(|| missing("guid", pool))?.to_string());
    }
    if let Some(path) = nv.str("path")? {
        let mut path = path.to_owned();
        if naming.follow_links {
            // libzfs's realpath(3) of the device path ZFS reports, on the
            // running system: not a board file behind helios64_root::Root.
            // An unresolvable path stays as it is, as in libzfs.
            #[allow(clippy::disallowed_methods)]
            if let Ok(real) = std::fs::canonicalize(&path) {
                path = real.to_string_lossy().into_owned();
            }
        }
        if naming.full_path {
            return Ok(path);
        }
        if vdev_type == "disk" {
            path = strip_path(&path).to_owned();
        }
        if vdev_type != "dspare" && nv.u64("whole_disk")?.unwrap_or(0) != 0 {
            return Ok(strip_partition(&path).to_owned());
        }
        return Ok(path);
    }
    let get = |key: &str| nv.u64(key)?.ok_or_else(|| missing(key, pool));
    let mut name = match vdev_type {
        "raidz" => format!("raidz{}", get("nparity")?),
        "draid" => {
            let children = nv.nvlist_array("children")?.map_or(0, |c| c.len());
            format!(
                "draid{}:{}d:{}c:{}s",
                get("nparity")?,
                get("draid_ndata")?,
                children,
                get("draid_nspares")?
            )
        }
        other => other.to_owned(),
    };
    name.push_str(&format!("-{}", get("id")?));
    Ok(name)
}

/// `zfs_strip_path`: a path under a search directory, relative to it.
fn strip_path(path: &str) -> &str {
    SEARCH_PATHS
        .iter()
        .find_map(|dir| path.strip_prefix(dir).and_then(|rest| rest.strip_prefix('/')))
        .unwrap_or(path)
}

/// `zfs_strip_partition`: without a partition suffix `-partN`, `pN` after
/// a digit (`md0p1`), or `N` after an `[hsv]d…`/`xvd…` disk name.
fn strip_partition(path: &str) -> &str {
    let bytes = path.as_bytes();
    // (where the suffix starts, where its digits start)
    let suffix = if let Some(at) = path.find("-part").filter(|&at| at != 0) {
        Some((at, at + 5))
    } else if let Some(at) = path.rfind('p').filter(|&at| at > 1 && bytes[at - 1].is_ascii_digit())
    {
        Some((at, at + 1))
    } else {
        let letters_from =
            if bytes.len() > 1 && matches!(bytes[0], b'h' | b's' | b'v') && bytes[1] == b'd' {
                Some(2)
            } else if path.starts_with("xvd") {
                Some(3)
            } else {
                None
            };
        letters_from.and_then(|from| {
            let end = from + bytes[from..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
            // C's loop leaves no suffix when there are no letters.
            (end > from).then_some((end, end))
        })
    };
    match suffix {
        Some((at, digits))
            if digits < bytes.len() && bytes[digits..].iter().all(u8::is_ascii_digit) =>
        {
            &path[..at]
        }
        _ => path,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_stripped_like_libzutil() {
        for (path, stripped) in [
            ("ata-QEMU_HARDDISK_H64BAY1-part1", "ata-QEMU_HARDDISK_H64BAY1"),
            ("virtio-H64ZVDEV1-part9", "virtio-H64ZVDEV1"),
            ("sda1", "sda"),
            ("vdb12", "vdb"),
            ("xvda3", "xvda"),
            ("nvme0n1p1", "nvme0n1"),
            ("md0p0", "md0"),
            // Not partitions: nothing after the marker, letters after the
            // digits, no disk prefix, a suffix at the very start.
            ("sda", "sda"),
            ("wwn-0x5000-part", "wwn-0x5000-part"),
            ("sda1x", "sda1x"),
            ("dm-1", "dm-1"),
            ("-part1", "-part1"),
            ("p1", "p1"),
        ] {
            assert_eq!(strip_partition(path), stripped, "{path}");
        }
    }

    #[test]
    fn disk_paths_are_shown_relative_to_the_first_search_directory() {
        assert_eq!(strip_path("/dev/disk/by-id/virtio-H64ZVDEV1-part1"), "virtio-H64ZVDEV1-part1");
        assert_eq!(strip_path("/dev/mapper/crypt0"), "crypt0");
        assert_eq!(strip_path("/dev/sda1"), "sda1");
        assert_eq!(strip_path("/dev/disk/by-id"), "disk/by-id", "a directory is not under itself");
        assert_eq!(strip_path("/var/tmp/vdev0"), "/var/tmp/vdev0");
        assert_eq!(strip_path("/devices/x"), "/devices/x");
    }
}
