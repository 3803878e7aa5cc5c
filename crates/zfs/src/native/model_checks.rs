//! The model crate is built without the OpenZFS headers, so its numbers and
//! name rules are checked here, against the compiled headers and against
//! libzfs's own validators (`zfs_name_valid`, `zfs_prop_user`) as oracles.

use std::ffi::CString;

use libzfs_sys as sys;
use zfs_core_sys as zc;

use super::libzfs::kind_of;
use crate::error::{Errno, ErrorKind};
use crate::model::{
    CheckpointState, PoolState, RemovalState, ScanFunction, ScanState, VdevAux, VdevState,
};
use crate::names::{self, NameError};
use crate::{BookmarkName, DatasetName, PoolName, SnapshotName, ZfsError};

#[test]
fn zfs_errno_names_match_the_headers() {
    // Every code OpenZFS 2.1 already had; later ones are appended after
    // these and checked against the 2.4 header by hand.
    let from_headers = [
        ("ZFS_ERR_CHECKPOINT_EXISTS", zc::ZFS_ERR_CHECKPOINT_EXISTS),
        ("ZFS_ERR_DISCARDING_CHECKPOINT", zc::ZFS_ERR_DISCARDING_CHECKPOINT),
        ("ZFS_ERR_NO_CHECKPOINT", zc::ZFS_ERR_NO_CHECKPOINT),
        ("ZFS_ERR_DEVRM_IN_PROGRESS", zc::ZFS_ERR_DEVRM_IN_PROGRESS),
        ("ZFS_ERR_VDEV_TOO_BIG", zc::ZFS_ERR_VDEV_TOO_BIG),
        ("ZFS_ERR_IOC_CMD_UNAVAIL", zc::ZFS_ERR_IOC_CMD_UNAVAIL),
        ("ZFS_ERR_IOC_ARG_UNAVAIL", zc::ZFS_ERR_IOC_ARG_UNAVAIL),
        ("ZFS_ERR_IOC_ARG_REQUIRED", zc::ZFS_ERR_IOC_ARG_REQUIRED),
        ("ZFS_ERR_IOC_ARG_BADTYPE", zc::ZFS_ERR_IOC_ARG_BADTYPE),
        ("ZFS_ERR_WRONG_PARENT", zc::ZFS_ERR_WRONG_PARENT),
        ("ZFS_ERR_FROM_IVSET_GUID_MISSING", zc::ZFS_ERR_FROM_IVSET_GUID_MISSING),
        ("ZFS_ERR_FROM_IVSET_GUID_MISMATCH", zc::ZFS_ERR_FROM_IVSET_GUID_MISMATCH),
        ("ZFS_ERR_SPILL_BLOCK_FLAG_MISSING", zc::ZFS_ERR_SPILL_BLOCK_FLAG_MISSING),
        ("ZFS_ERR_UNKNOWN_SEND_STREAM_FEATURE", zc::ZFS_ERR_UNKNOWN_SEND_STREAM_FEATURE),
        ("ZFS_ERR_EXPORT_IN_PROGRESS", zc::ZFS_ERR_EXPORT_IN_PROGRESS),
        ("ZFS_ERR_BOOKMARK_SOURCE_NOT_ANCESTOR", zc::ZFS_ERR_BOOKMARK_SOURCE_NOT_ANCESTOR),
        ("ZFS_ERR_STREAM_TRUNCATED", zc::ZFS_ERR_STREAM_TRUNCATED),
        ("ZFS_ERR_STREAM_LARGE_BLOCK_MISMATCH", zc::ZFS_ERR_STREAM_LARGE_BLOCK_MISMATCH),
        ("ZFS_ERR_RESILVER_IN_PROGRESS", zc::ZFS_ERR_RESILVER_IN_PROGRESS),
        ("ZFS_ERR_REBUILD_IN_PROGRESS", zc::ZFS_ERR_REBUILD_IN_PROGRESS),
        ("ZFS_ERR_BADPROP", zc::ZFS_ERR_BADPROP),
    ];
    for (name, value) in from_headers {
        let errno = Errno(i32::try_from(value).unwrap());
        assert_eq!(errno.zfs_name(), Some(name), "{name} = {value}");
    }
}

#[test]
fn state_numbers_match_the_headers() {
    assert_eq!(VdevState::from_raw(u64::from(zc::VDEV_STATE_HEALTHY)), VdevState::Online);
    assert_eq!(VdevState::from_raw(u64::from(zc::VDEV_STATE_CANT_OPEN)), VdevState::CantOpen);
    assert_eq!(
        VdevAux::from_raw(u64::from(zc::VDEV_AUX_ASHIFT_TOO_BIG)),
        Some(VdevAux::AshiftTooBig)
    );
    assert_eq!(VdevAux::from_raw(u64::from(zc::VDEV_AUX_SPARED)), Some(VdevAux::Spared));
    assert_eq!(
        PoolState::from_raw(u64::from(zc::POOL_STATE_POTENTIALLY_ACTIVE)),
        PoolState::PotentiallyActive
    );
    assert_eq!(ScanFunction::from_raw(u64::from(zc::POOL_SCAN_RESILVER)), ScanFunction::Resilver);
    assert_eq!(ScanState::from_raw(u64::from(zc::DSS_CANCELED)), ScanState::Canceled);
    assert_eq!(CheckpointState::from_raw(u64::from(zc::CS_NONE)), None);
    assert_eq!(
        CheckpointState::from_raw(u64::from(zc::CS_CHECKPOINT_EXISTS)),
        Some(CheckpointState::Exists)
    );
    assert_eq!(
        CheckpointState::from_raw(u64::from(zc::CS_CHECKPOINT_DISCARDING)),
        Some(CheckpointState::Discarding)
    );
    assert_eq!(u64::from(zc::CS_NUM_STATES), 3, "a checkpoint state this crate does not know");
    assert_eq!(RemovalState::from_raw(u64::from(zc::DSS_NONE)), None);
    assert_eq!(RemovalState::from_raw(u64::from(zc::DSS_SCANNING)), Some(RemovalState::Scanning));
    assert_eq!(RemovalState::from_raw(u64::from(zc::DSS_FINISHED)), Some(RemovalState::Finished));
    assert_eq!(RemovalState::from_raw(u64::from(zc::DSS_CANCELED)), Some(RemovalState::Canceled));
}

#[test]
fn libzfs_codes_are_classified_with_the_compiled_values() {
    let code = |c: sys::zfs_error| i32::try_from(c).unwrap();
    assert_eq!(kind_of(code(sys::EZFS_NOENT)), ErrorKind::NotFound);
    assert_eq!(kind_of(code(sys::EZFS_BUSY)), ErrorKind::Busy);
    assert_eq!(kind_of(code(sys::EZFS_SCRUBBING)), ErrorKind::Busy);
    assert_eq!(kind_of(code(sys::EZFS_NO_SCRUB)), ErrorKind::NotFound);
    assert_eq!(kind_of(code(sys::EZFS_PERM)), ErrorKind::PermissionDenied);
    assert_eq!(kind_of(code(sys::EZFS_IOC_NOTSUPPORTED)), ErrorKind::UnsupportedByModule);
    assert_eq!(kind_of(-1), ErrorKind::Other);
}

#[test]
fn name_limits_are_the_header_limits() {
    let len = |v: u32| usize::try_from(v).unwrap();
    assert_eq!(names::MAX_NAME_LEN, len(zc::ZFS_MAX_DATASET_NAME_LEN));
    assert_eq!(names::MAX_USER_PROPERTY_NAME_LEN, len(zc::ZAP_MAXNAMELEN));
    assert_eq!(names::MAX_USER_PROPERTY_VALUE_LEN, len(zc::ZAP_MAXVALUELEN));
}

fn reason(result: Result<(), ZfsError>) -> Option<NameError> {
    match result {
        Ok(()) => None,
        Err(ZfsError::InvalidName { reason, .. }) => Some(reason),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

/// Names built around every printable ASCII character, in every position
/// the rules distinguish, plus the structural cases.
fn corpus() -> Vec<String> {
    let mut names: Vec<String> = [
        "tank",
        "tank/a",
        "tank/a/b",
        "tank/a@s",
        "tank@s",
        "tank/a#b",
        "tank#b",
        "tank/",
        "/tank",
        "tank//a",
        "tank/./a",
        "tank/..",
        "tank/.@s",
        "tank/..#b",
        "tank@",
        "tank#",
        "tank@a@b",
        "tank@a#b",
        "tank#a@b",
        "tank@a/b",
        "tank#a/b",
        "@s",
        "#b",
        "",
        "1tank",
        "1tank/a@s",
        "mirror",
        "mirror/a",
        "raidz@s",
        "draid#b",
        "t/%recv",
        "t/%recv@s",
        "t@a%b",
        "t#a%b",
        "-r",
        "-r/a",
        "tank/-r",
        "tank/a@-r",
        "tank -r/a b@s -d",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for byte in 0x20u8..0x7f {
        let c = char::from(byte);
        for shape in ["t{c}", "{c}t", "t/{c}", "t/a{c}b", "t@{c}", "t/a@x{c}", "t#{c}"] {
            names.push(shape.replace("{c}", &c.to_string()));
        }
    }
    names.push(format!("t/{}", "a".repeat(250)));
    names.push(format!("t/{}", "a".repeat(251)));
    names.push(format!("t{}", "/a".repeat(names::MAX_NESTING)));
    names
}

/// Where ours may refuse what libzfs accepts: rules libzfs leaves to the
/// kernel or to other checks (the pool component, the nesting limit), and
/// names that can never exist (a `.`/`..` dataset before the delimiter,
/// `%` in a short name, which zfs_component_namecheck refuses at creation).
fn stricter_on_purpose(reason: NameError) -> bool {
    matches!(
        reason,
        NameError::NoLetter
            | NameError::Reserved
            | NameError::TooLong
            | NameError::TooDeep
            | NameError::SelfReference
            | NameError::ParentReference
            | NameError::InvalidChar('%')
    )
}

fn libzfs_accepts(name: &str, kind: zc::zfs_type_t) -> bool {
    let Ok(c) = CString::new(name) else { return false };
    // SAFETY: a valid C string; zfs_name_valid only reads it (no handle:
    // nothing is printed or recorded).
    unsafe { sys::zfs_name_valid(c.as_ptr(), kind) != 0 }
}

/// One of our typed-name checks.
type Check = fn(&str) -> Result<(), ZfsError>;

#[test]
fn names_agree_with_libzfs_zfs_name_valid() {
    let kinds: [(&str, zc::zfs_type_t, Check); 4] = [
        ("dataset", zc::ZFS_TYPE_FILESYSTEM, |n| DatasetName::try_from(n).map(drop)),
        ("snapshot", zc::ZFS_TYPE_SNAPSHOT, |n| SnapshotName::try_from(n).map(drop)),
        ("bookmark", zc::ZFS_TYPE_BOOKMARK, |n| BookmarkName::try_from(n).map(drop)),
        ("pool", zc::ZFS_TYPE_POOL, |n| PoolName::try_from(n).map(drop)),
    ];
    let mut compared = 0;
    for name in corpus() {
        for (what, kind, ours) in kinds {
            let theirs = libzfs_accepts(&name, kind);
            match reason(ours(&name)) {
                None => assert!(
                    theirs
                        // libzfs refuses, for new pools only, names that merely
                        // start like a vdev type; existing ones keep them.
                        || (kind == zc::ZFS_TYPE_POOL
                            && ["mirror", "raidz", "draid", "spare", "log"]
                                .iter()
                                .any(|p| name.starts_with(p))),
                    "{what} {name:?}: accepted here, refused by libzfs"
                ),
                Some(r) if theirs => assert!(
                    stricter_on_purpose(r),
                    "{what} {name:?}: refused here ({r}), accepted by libzfs"
                ),
                Some(_) => {}
            }
            compared += 1;
        }
    }
    assert!(compared > 2000, "{compared}");
}

#[test]
fn user_properties_agree_with_libzfs_zfs_prop_user() {
    let mut names: Vec<String> =
        ["a:b", "ab", ":", "a:", ":b", "A:b", "a:B", "a:b=c", "com.example:x-y_z.w", ""]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    for byte in 0x20u8..0x7f {
        let c = char::from(byte);
        names.push(format!("a{c}:b"));
        names.push(format!("{c}"));
    }
    for name in names {
        let Ok(c) = CString::new(name.as_str()) else { continue };
        // SAFETY: a valid C string, only read.
        let theirs = unsafe { sys::zfs_prop_user(c.as_ptr()) } != sys::B_FALSE;
        let ours = names::check_user_property(&name, "v").is_ok();
        assert_eq!(ours, theirs, "{name:?}");
    }
}
