//! Pool status from the pool configuration nvlist, shaped like
//! `zpool status -j` (`status_callback_json` in `zpool_main.c`): the same
//! vdev names, the same grouping into data/special/dedup/log/cache/spare
//! classes, the same health rules.

use libzfs_sys as sys;
use zfs_core_sys as zc;

use super::libzfs::Pool;
use super::{stats, vdev_names};
use crate::error::{Result, ZfsError};
use crate::model::{
    Health, PoolSpace, PoolState, PoolStatus, PoolSummary, PoolWritability, Vdev, VdevNaming,
};
use crate::names;
use crate::nvlist::NvListRef;

/// `ZFS_FRAG_INVALID`: fragmentation is unknown (shown as "-").
const FRAG_INVALID: u64 = u64::MAX;

fn missing(key: &str, target: &str) -> ZfsError {
    ZfsError::malformed("pool config", target, format!("no {key}"))
}

/// The space properties.
pub(crate) fn space(pool: &Pool<'_>) -> PoolSpace {
    let frag = pool.prop_u64(zc::ZPOOL_PROP_FRAGMENTATION);
    PoolSpace {
        size: pool.prop_u64(zc::ZPOOL_PROP_SIZE),
        allocated: pool.prop_u64(zc::ZPOOL_PROP_ALLOCATED),
        free: pool.prop_u64(zc::ZPOOL_PROP_FREE),
        capacity_percent: pool.prop_u64(zc::ZPOOL_PROP_CAPACITY),
        fragmentation_percent: (frag != FRAG_INVALID).then_some(frag),
    }
}

/// `zpool_get_state_str`: FAULTED when the pool is unavailable, SUSPENDED
/// after I/O failures, otherwise the root vdev's state.
fn health(pool: &Pool<'_>, root: Health) -> Health {
    if pool.state() == u64::from(zc::POOL_STATE_UNAVAIL) {
        return Health::Faulted;
    }
    let (status, _) = pool.status();
    if matches!(
        status,
        sys::ZPOOL_STATUS_IO_FAILURE_WAIT
            | sys::ZPOOL_STATUS_IO_FAILURE_CONTINUE
            | sys::ZPOOL_STATUS_IO_FAILURE_MMP
    ) {
        return Health::Suspended;
    }
    root
}

/// The `readonly` property and whether I/O is suspended, by
/// `zpool_get_state_str`'s rule (the pool's own health is not needed).
pub(crate) fn writability(pool: &Pool<'_>) -> PoolWritability {
    PoolWritability {
        readonly: pool.prop_u64(zc::ZPOOL_PROP_READONLY) != 0,
        suspended: health(pool, Health::Online) == Health::Suspended,
    }
}

/// One vdev and, recursively, its children. `spare` marks entries of the
/// spares list (`zpool status` treats them differently; the values here are
/// the raw ones either way).
fn vdev(nv: &NvListRef, pool_name: &str, naming: VdevNaming) -> Result<Vdev> {
    let vdev_type = nv.str("type")?.ok_or_else(|| missing("vdev type", pool_name))?.to_owned();
    let name = vdev_names::vdev_name(nv, pool_name, naming)?;
    let values = nv.u64_array("vdev_stats")?.ok_or_else(|| missing("vdev_stats", &name))?;
    let st = stats::vdev_stats(values, &format!("{pool_name} vdev {name}"))?;
    let mut children = Vec::new();
    for child in nv.nvlist_array("children")?.unwrap_or_default() {
        if in_main_tree(child)? {
            children.push(vdev(child, pool_name, naming)?);
        }
    }
    Ok(Vdev {
        name,
        vdev_type,
        guid: nv.u64("guid")?.ok_or_else(|| missing("vdev guid", pool_name))?,
        path: nv.str("path")?.map(str::to_owned),
        state: st.state,
        aux: st.aux,
        not_present: nv.u64("not_present")?.is_some(),
        errors: Some(st.errors),
        slow_ios: st.slow_ios,
        space: Some(st.space),
        children,
    })
}

/// Whether a child belongs to the data tree: `zpool status` lists log,
/// special and dedup vdevs in their own sections, and hides holes and
/// indirect (removed) vdevs.
fn in_main_tree(child: &NvListRef) -> Result<bool> {
    let is_log = child.u64("is_log")?.unwrap_or(0) != 0;
    let is_hole = child.u64("is_hole")?.unwrap_or(0) != 0;
    let biased = child.contains("alloc_bias");
    let indirect = child.str("type")? == Some("indirect");
    Ok(!(is_log || is_hole || biased || indirect))
}

/// The full status of an open pool.
pub(crate) fn pool_status(pool: &Pool<'_>, naming: VdevNaming) -> Result<PoolStatus> {
    let name = pool.name();
    let config = pool.config()?;
    let tree = config.nvlist("vdev_tree")?.ok_or_else(|| missing("vdev_tree", &name))?;
    let root = vdev(tree, &name, naming)?;

    let mut logs = Vec::new();
    let mut special = Vec::new();
    let mut dedup = Vec::new();
    for child in tree.nvlist_array("children")?.unwrap_or_default() {
        if child.str("type")? == Some("indirect") {
            continue;
        }
        let class = if child.u64("is_log")?.unwrap_or(0) != 0 {
            &mut logs
        } else {
            match child.str("alloc_bias")? {
                Some("special") => &mut special,
                Some("dedup") => &mut dedup,
                _ => continue,
            }
        };
        class.push(vdev(child, &name, naming)?);
    }
    let list = |key: &str| -> Result<Vec<Vdev>> {
        tree.nvlist_array(key)?
            .unwrap_or_default()
            .into_iter()
            .map(|v| vdev(v, &name, naming))
            .collect()
    };
    let l2cache = list("l2cache")?;
    let spares = list("spares")?;

    let scan = match tree.u64_array("scan_stats")? {
        Some(values) => Some(stats::scan_stats(values, &name)?),
        None => None,
    };
    let checkpoint = match tree.u64_array("checkpoint_stats")? {
        Some(values) => Some(stats::checkpoint_stats(values, &name)?),
        None => None,
    };
    let removal = match tree.u64_array("removal_stats")? {
        Some(values) => Some(stats::removal_stats(values, &name)?),
        None => None,
    };
    let (_, msgid) = pool.status();
    Ok(PoolStatus {
        guid: config.u64("pool_guid")?.ok_or_else(|| missing("pool_guid", &name))?,
        txg: config.u64("txg")?.ok_or_else(|| missing("txg", &name))?,
        health: health(pool, root.health()),
        state: Some(PoolState::from_raw(pool.state())),
        msgid,
        error_count: config.u64("error_count")?,
        space: space(pool),
        root,
        logs,
        special,
        dedup,
        l2cache,
        spares,
        scan,
        checkpoint,
        removal,
        name: names::reported("pool name", &name, name.clone())?,
    })
}

/// The `zpool list` view of an open pool.
pub(crate) fn pool_summary(pool: &Pool<'_>) -> Result<PoolSummary> {
    let name = pool.name();
    let config = pool.config()?;
    let tree = config.nvlist("vdev_tree")?.ok_or_else(|| missing("vdev_tree", &name))?;
    let values = tree.u64_array("vdev_stats")?.ok_or_else(|| missing("vdev_stats", &name))?;
    let st = stats::vdev_stats(values, &name)?;
    let health = health(pool, Health::of_vdev(st.state, st.aux));
    Ok(PoolSummary {
        guid: config.u64("pool_guid")?.ok_or_else(|| missing("pool_guid", &name))?,
        health,
        space: space(pool),
        name: names::reported("pool name", &name, name.clone())?,
    })
}
