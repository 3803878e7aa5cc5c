//! The list of objects with permanent errors (`zpool status -v`), through
//! `zpool_get_errlog` and `zpool_obj_to_path`.

use std::ffi::c_char;

use libzfs_sys as sys;

use super::libzfs::Pool;
use crate::error::{Call, Result, ZfsError};
use crate::model::{DataError, ErrorObject};
use crate::nvlist::{NvList, NvListRef, NvValue};

/// `zpool status`'s buffer for one path (`MAXPATHLEN * 2`): a mountpoint
/// and a path inside it.
const PATH_BUF: usize = 4096 * 2;

/// The pool's error log, each object with its path.
pub(crate) fn data_errors(pool: &Pool<'_>) -> Result<Vec<DataError>> {
    let mut raw: *mut nvpair_sys::nvlist_t = std::ptr::null_mut();
    // SAFETY: valid pool handle and out-pointer. On success the list is
    // ours to free; with an error count of 0 libzfs returns 0 and leaves
    // the pointer untouched (null: no list).
    let rc = unsafe { sys::zpool_get_errlog(pool.raw(), &mut raw) };
    if rc != 0 {
        return Err(pool.error(Call::ZpoolGetErrlog));
    }
    // SAFETY: null or a list libzfs allocated for us and no longer uses.
    let Some(list) = (unsafe { NvList::from_raw(raw) }) else { return Ok(Vec::new()) };
    objects(&list, &pool.name())?
        .into_iter()
        .map(|object| Ok(DataError { path: path(pool, object), object: Some(object) }))
        .collect()
}

/// The (dataset, object) pairs of an error list: one nested list per
/// entry, all under the same name ("ejk"), each with `dataset` and
/// `object` (`ZPOOL_ERR_DATASET`, `ZPOOL_ERR_OBJECT`).
pub(crate) fn objects(list: &NvListRef, pool: &str) -> Result<Vec<ErrorObject>> {
    let mut out = Vec::new();
    for pair in list.iter() {
        let NvValue::NvList(entry) = pair.value()? else {
            let detail = format!("entry {:?} is a {:?}, not a list", pair.name(), pair.nv_type());
            return Err(ZfsError::malformed("error log", pool, detail));
        };
        let field = |key: &str| -> Result<u64> {
            entry.u64(key)?.ok_or_else(|| {
                ZfsError::malformed("error log", pool, format!("entry without {key}"))
            })
        };
        out.push(ErrorObject { dataset: field("dataset")?, object: field("object")? });
    }
    Ok(out)
}

/// `zpool_obj_to_path`: never fails, it falls back to object numbers.
fn path(pool: &Pool<'_>, object: ErrorObject) -> String {
    let mut buf = vec![0 as c_char; PATH_BUF];
    // SAFETY: valid pool handle; the buffer has the length passed, and
    // libzfs NUL-terminates within it (snprintf/strlcpy).
    unsafe {
        sys::zpool_obj_to_path(
            pool.raw(),
            object.dataset,
            object.object,
            buf.as_mut_ptr(),
            buf.len(),
        )
    };
    // The last byte stays 0 whatever libzfs wrote, so the string ends.
    buf[PATH_BUF - 1] = 0;
    // SAFETY: NUL-terminated (above), alive for the call.
    unsafe { crate::ffi::string(buf.as_ptr()) }.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn entry(dataset: u64, object: u64) -> NvList {
        let mut nv = NvList::new().unwrap();
        nv.insert("dataset", &dataset).unwrap();
        nv.insert("object", &object).unwrap();
        nv
    }

    #[test]
    fn reads_every_entry_of_a_list_with_repeated_names() {
        // libzfs adds every entry as "ejk" to a list without NV_UNIQUE_NAME.
        let mut list = NvList::new_allowing_duplicates().unwrap();
        for (d, o) in [(0, 0x2a), (54, 2), (54, 3)] {
            list.insert("ejk", &entry(d, o)).unwrap();
        }
        let objects = objects(&list, "tank").unwrap();
        let pairs: Vec<(u64, u64)> = objects.iter().map(|o| (o.dataset, o.object)).collect();
        assert_eq!(pairs, [(0, 0x2a), (54, 2), (54, 3)]);
    }

    #[test]
    fn an_entry_without_its_numbers_is_malformed() {
        let mut list = NvList::new_allowing_duplicates().unwrap();
        let mut nv = NvList::new().unwrap();
        nv.insert("dataset", &5u64).unwrap();
        list.insert("ejk", &nv).unwrap();
        let err = objects(&list, "tank").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.to_string().contains("object"), "{err}");

        let mut list = NvList::new_allowing_duplicates().unwrap();
        list.insert("ejk", &7u64).unwrap();
        assert_eq!(objects(&list, "tank").unwrap_err().kind(), ErrorKind::Malformed);
    }
}
