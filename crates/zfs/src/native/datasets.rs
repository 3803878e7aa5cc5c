//! Dataset iteration and properties through libzfs (lzc cannot list).

use std::ffi::{c_char, c_int, c_void};
use std::ptr::NonNull;

use libzfs_sys as sys;
use zfs_core_sys as zc;

use super::libzfs::{Callback, Dataset, Libzfs};
use crate::error::{Call, Result, ZfsError};
use crate::ffi;
use crate::model::{DatasetKind, Properties, Property, PropertySource, Snapshot};
use crate::names;
use crate::nvlist::NvListRef;

type DatasetFn<'f> = dyn FnMut(Dataset) -> Result<()> + 'f;

unsafe extern "C" fn dataset_trampoline(zhp: *mut sys::zfs_handle_t, arg: *mut c_void) -> c_int {
    // SAFETY: `arg` is the `Callback` passed to the iterator, alive for the
    // iteration and not otherwise accessed meanwhile.
    let state = unsafe { &mut *arg.cast::<Callback<'_, DatasetFn<'_>>>() };
    let Some(zhp) = NonNull::new(zhp) else { return 0 };
    // The handle is ours to close; Dataset's Drop does it even on error.
    let dataset = Dataset::from_callback(zhp);
    state.run(|f| f(dataset))
}

enum Children {
    Snapshots,
    Filesystems,
}

fn iterate(
    lib: &mut Libzfs,
    parent: &Dataset,
    which: Children,
    mut f: impl FnMut(Dataset) -> Result<()>,
) -> Result<()> {
    let f: &mut DatasetFn<'_> = &mut f;
    let mut state: Callback<'_, DatasetFn<'_>> =
        Callback { lib: lib as *mut Libzfs, f, failure: None };
    let arg = (&raw mut state).cast::<c_void>();
    let cb = Some(dataset_trampoline as unsafe extern "C" fn(_, _) -> _);
    // SAFETY: valid dataset handle; the callback state lives for the call.
    // The v2 iterators (2.2+) take flags; 0 asks for the full handles with
    // properties, like the 2.1 calls with `simple = B_FALSE`.
    let (rc, call) = unsafe {
        match which {
            #[cfg(zfs_2_2)]
            Children::Snapshots => {
                (sys::zfs_iter_snapshots_v2(parent.raw(), 0, cb, arg, 0, 0), Call::ZfsIterSnapshots)
            }
            #[cfg(not(zfs_2_2))]
            Children::Snapshots => (
                sys::zfs_iter_snapshots(parent.raw(), sys::B_FALSE, cb, arg, 0, 0),
                Call::ZfsIterSnapshots,
            ),
            #[cfg(zfs_2_2)]
            Children::Filesystems => {
                (sys::zfs_iter_filesystems_v2(parent.raw(), 0, cb, arg), Call::ZfsIterFilesystems)
            }
            #[cfg(not(zfs_2_2))]
            Children::Filesystems => {
                (sys::zfs_iter_filesystems(parent.raw(), cb, arg), Call::ZfsIterFilesystems)
            }
        }
    };
    let name = parent.name();
    state.finish(rc, |lib| lib.error(call, name))
}

const FS_OR_VOLUME: zc::zfs_type_t = zc::ZFS_TYPE_FILESYSTEM | zc::ZFS_TYPE_VOLUME;
const ANY_DATASET: zc::zfs_type_t = FS_OR_VOLUME | zc::ZFS_TYPE_SNAPSHOT;

/// The snapshots of a filesystem or volume, oldest first.
pub(crate) fn snapshots(lib: &mut Libzfs, dataset: &str) -> Result<Vec<Snapshot>> {
    let parent = lib.open_dataset(dataset, FS_OR_VOLUME)?;
    let mut out = Vec::new();
    iterate(lib, &parent, Children::Snapshots, |snap| {
        out.push(Snapshot {
            name: names::reported("snapshot name", dataset, snap.name())?,
            createtxg: snap.prop_u64(zc::ZFS_PROP_CREATETXG),
            creation: snap.prop_u64(zc::ZFS_PROP_CREATION),
            guid: snap.prop_u64(zc::ZFS_PROP_GUID),
            used: snap.prop_u64(zc::ZFS_PROP_USED),
            userrefs: snap.prop_u64(zc::ZFS_PROP_USERREFS),
        });
        Ok(())
    })?;
    oldest_first(&mut out);
    Ok(out)
}

/// The trait's order: by `createtxg` (exact creation order), then by name
/// for the snapshots one `lzc_snapshot` made together.
pub(crate) fn oldest_first(snaps: &mut [Snapshot]) {
    snaps.sort_unstable_by(|a, b| a.createtxg.cmp(&b.createtxg).then_with(|| a.name.cmp(&b.name)));
}

/// The direct child filesystems and volumes, by name.
pub(crate) fn children(lib: &mut Libzfs, parent: &str) -> Result<Vec<crate::model::Dataset>> {
    let handle = lib.open_dataset(parent, FS_OR_VOLUME)?;
    let mut out = Vec::new();
    iterate(lib, &handle, Children::Filesystems, |child| {
        let kind = match child.kind() {
            zc::ZFS_TYPE_VOLUME => DatasetKind::Volume,
            _ => DatasetKind::Filesystem,
        };
        let name = names::reported("dataset name", parent, child.name())?;
        out.push(crate::model::Dataset { name, kind });
        Ok(())
    })?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// `ZFS_MAXPROPLEN` / `ZFS_MAX_DATASET_NAME_LEN`: buffer sizes libzfs uses.
const VALUE_LEN: usize = 4096;
const SOURCE_LEN: usize = 256;

/// Every property `zfs get all` shows for the dataset: the visible native
/// properties valid for its type that have a value, then its user
/// properties.
pub(crate) fn properties(lib: &mut Libzfs, dataset: &str) -> Result<Properties> {
    let handle = lib.open_dataset(dataset, ANY_DATASET)?;
    let kind = handle.kind();
    let mut out = Properties::new();
    let mut value = vec![0 as c_char; VALUE_LEN];
    let mut source = vec![0 as c_char; SOURCE_LEN];
    for prop in 0..zc::ZFS_NUM_PROPS {
        let prop = prop as zc::zfs_prop_t;
        // SAFETY: plain lookups in libzfs's static property table.
        let shown = unsafe {
            sys::zfs_prop_visible(prop) != sys::B_FALSE
                && sys::zfs_prop_valid_for_type(prop as c_int, kind, sys::B_FALSE) != sys::B_FALSE
        };
        if !shown {
            continue;
        }
        let mut src: zc::zprop_source_t = 0;
        value[0] = 0;
        source[0] = 0;
        // SAFETY: valid handle and buffers with their lengths; literal
        // values (as `zfs get -p`).
        let rc = unsafe {
            sys::zfs_prop_get(
                handle.raw(),
                prop,
                value.as_mut_ptr(),
                value.len(),
                &mut src,
                source.as_mut_ptr(),
                source.len(),
                sys::B_TRUE,
            )
        };
        if rc != 0 {
            // Not applicable to this dataset; `zfs get all` skips it too.
            continue;
        }
        // SAFETY: zfs_prop_to_name returns a static, NUL-terminated name (or
        // null for an unknown property).
        let Some(name) = (unsafe { ffi::string(sys::zfs_prop_to_name(prop)) }) else { continue };
        let source = match src {
            zc::ZPROP_SRC_NONE => PropertySource::None,
            zc::ZPROP_SRC_DEFAULT => PropertySource::Default,
            zc::ZPROP_SRC_LOCAL => PropertySource::Local,
            zc::ZPROP_SRC_TEMPORARY => PropertySource::Temporary,
            zc::ZPROP_SRC_RECEIVED => PropertySource::Received,
            zc::ZPROP_SRC_INHERITED => {
                // SAFETY: zfs_prop_get NUL-terminated the buffer it was given
                // with its length (and it was NUL-initialized above).
                let from = unsafe { ffi::string(source.as_ptr()) }.unwrap_or_default();
                PropertySource::Inherited { from }
            }
            other => {
                return Err(ZfsError::malformed(
                    "property source",
                    dataset,
                    format!("{name} has unknown source {other}"),
                ));
            }
        };
        // SAFETY: as for `source`: a NUL-terminated buffer of ours.
        let text = unsafe { ffi::string(value.as_ptr()) }.unwrap_or_default();
        out.insert(name, Property { value: text, source });
    }

    // SAFETY: valid handle; the list is owned by the handle.
    let user = unsafe { sys::zfs_get_user_props(handle.raw()) };
    if !user.is_null() {
        // SAFETY: non-null list owned by `handle`, which outlives this use.
        let user = unsafe { NvListRef::from_ptr(user) };
        for pair in user.iter() {
            let name = pair.name().into_owned();
            let Some(entry) = user.nvlist(&name)? else { continue };
            let value = entry.str("value")?.unwrap_or_default().to_owned();
            let from = entry.str("source")?.unwrap_or_default();
            let source = if from == dataset {
                PropertySource::Local
            } else if from == "$recvd" {
                PropertySource::Received
            } else {
                PropertySource::Inherited { from: from.to_owned() }
            };
            out.insert(name, Property { value, source });
        }
    }
    Ok(out)
}
