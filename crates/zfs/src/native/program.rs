//! Snapshot listing in one ioctl: a read-only channel program that walks a
//! dataset's snapshots in the kernel and returns their properties at once.
//!
//! libzfs (and `zfs list`) pay one `ZFS_IOC_SNAPSHOT_LIST_NEXT` round trip
//! per snapshot, each copying a `zfs_cmd_t` both ways and packing every
//! property of the snapshot into an nvlist that userland unpacks into a
//! handle. The program reads only the five properties asked for and packs
//! them into one list. It needs `CAP_SYS_ADMIN`, and the kernel bounds it
//! ([`ProgramLimits::MAX`]: about a quarter of a million snapshots per
//! dataset fit). Measured, it loses anyway: the kernel's Lua pays a hold
//! by name for every `zfs.get_prop`, five per snapshot, and costs 1.7× the
//! iteration (docs/PERFORMANCE.md), so `Zfs::snapshots` iterates and this
//! stays for the benchmark and the differential test.

use crate::DatasetName;
use crate::error::{Result, ZfsError};
use crate::lzc::{Lzc, ProgramLimits};
use crate::model::Snapshot;
use crate::names;
use crate::nvlist::{NvList, NvListRef, NvValue};

/// The program. `zfs.get_prop` returns (value, source); a table field keeps
/// the value. Numbers reach the output as int64 (Lua's number type in the
/// kernel), so a GUID above `i64::MAX` arrives negative and is cast back.
const LIST_SNAPSHOTS: &std::ffi::CStr = c"
local a = ...
local out = {}
for snap in zfs.list.snapshots(a.dataset) do
  out[snap] = {
    createtxg = zfs.get_prop(snap, 'createtxg'),
    creation = zfs.get_prop(snap, 'creation'),
    guid = zfs.get_prop(snap, 'guid'),
    used = zfs.get_prop(snap, 'used'),
    userrefs = zfs.get_prop(snap, 'userrefs'),
  }
end
return out
";

/// What the output is called in errors.
const WHAT: &str = "channel program snapshot list";

pub(crate) fn list_snapshots(lzc: &Lzc, dataset: &DatasetName) -> Result<Vec<Snapshot>> {
    let mut args = NvList::new()?;
    args.insert("dataset", dataset.as_str())?;
    let pool = dataset.pool();
    let out =
        lzc.channel_program_nosync(pool.as_str(), LIST_SNAPSHOTS, &args, ProgramLimits::MAX)?;
    decode(&out, dataset.as_str())
}

/// Reads the program's output: `return` → { snapshot name → { property →
/// int64 } }.
pub(crate) fn decode(out: &NvListRef, dataset: &str) -> Result<Vec<Snapshot>> {
    let Some(list) = out.nvlist("return")? else {
        // An empty table converts to an empty list; no `return` at all
        // means the program's contract broke.
        return Err(ZfsError::malformed(WHAT, dataset, "no \"return\" list"));
    };
    let mut snaps = Vec::with_capacity(list.len());
    for pair in list.iter() {
        let name = pair.name().into_owned();
        let NvValue::NvList(props) = pair.value()? else {
            return Err(ZfsError::malformed(WHAT, dataset, format!("{name}: not a list")));
        };
        let get = |prop: &str| -> Result<u64> {
            match props.i64(prop)? {
                // Two's complement back to the kernel's uint64.
                Some(v) => Ok(v as u64),
                None => Err(ZfsError::malformed(WHAT, &name, format!("no {prop}"))),
            }
        };
        snaps.push(Snapshot {
            createtxg: get("createtxg")?,
            creation: get("creation")?,
            guid: get("guid")?,
            used: get("used")?,
            userrefs: get("userrefs")?,
            name: names::reported("snapshot name", dataset, name)?,
        });
    }
    super::datasets::oldest_first(&mut snaps);
    Ok(snaps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn output(snaps: &[(&str, [(&str, i64); 5])]) -> NvList {
        let mut list = NvList::new().unwrap();
        for (name, props) in snaps {
            let mut p = NvList::new().unwrap();
            for (k, v) in props {
                p.insert(k, v).unwrap();
            }
            list.insert(name, &p).unwrap();
        }
        let mut out = NvList::new().unwrap();
        out.insert("return", &list).unwrap();
        out
    }

    const PROPS: [(&str, i64); 5] = [
        ("createtxg", 7),
        ("creation", 1_700_000_000),
        ("guid", -2),
        ("used", 4096),
        ("userrefs", 1),
    ];

    #[test]
    fn decodes_every_property_and_the_full_guid() {
        let snaps = decode(&output(&[("tank/fs@a", PROPS)]), "tank/fs").unwrap();
        assert_eq!(
            snaps,
            [Snapshot {
                name: "tank/fs@a".parse().unwrap(),
                createtxg: 7,
                creation: 1_700_000_000,
                guid: u64::MAX - 1,
                used: 4096,
                userrefs: 1,
            }]
        );
    }

    #[test]
    fn an_empty_table_is_no_snapshots() {
        assert_eq!(decode(&output(&[]), "tank/fs").unwrap(), []);
    }

    #[test]
    fn broken_output_is_malformed_naming_the_snapshot() {
        let mut missing = PROPS;
        missing[2] = ("guidx", 1);
        let err = decode(&output(&[("tank/fs@a", missing)]), "tank/fs").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.to_string().contains("tank/fs@a") && err.to_string().contains("guid"), "{err}");

        let err = decode(&output(&[("tank/fs@a%", PROPS)]), "tank/fs").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed, "{err}");

        let err = decode(&NvList::new().unwrap(), "tank/fs").unwrap_err();
        assert!(err.to_string().contains("return"), "{err}");

        let mut not_a_list = NvList::new().unwrap();
        let mut inner = NvList::new().unwrap();
        inner.insert("tank/fs@a", "x").unwrap();
        not_a_list.insert("return", &inner).unwrap();
        assert_eq!(decode(&not_a_list, "tank/fs").unwrap_err().kind(), ErrorKind::Malformed);
    }
}
