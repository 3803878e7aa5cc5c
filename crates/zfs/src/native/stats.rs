//! `vdev_stat_t` and `pool_scan_stat_t`, read by position.
//!
//! The kernel passes these C structs as `uint64` arrays in the pool config.
//! Their layouts grow every release (and 2.2 inserted `vs_noalloc` before
//! `vs_pspace`), so the structs are never cast: each field's index is its
//! byte offset in the *compiled* header's struct divided by 8, and every
//! read is bounds-checked against the array's length. A field the running
//! kernel does not send reads as `None`.

use std::mem::{offset_of, size_of};

use zfs_core_sys::{pool_checkpoint_stat_t, pool_removal_stat_t, pool_scan_stat_t, vdev_stat_t};

use crate::error::{Result, ZfsError};
use crate::model::{
    CheckpointState, CheckpointStats, RemovalState, RemovalStats, ScanFunction, ScanState,
    ScanStats, VdevAux, VdevErrors, VdevSpace, VdevState,
};

// Every field is 8 bytes wide (uint64_t or hrtime_t), so offset / 8 is the
// array index. Check it for the headers actually compiled against.
const _: () = assert!(size_of::<vdev_stat_t>().is_multiple_of(8));
const _: () = assert!(size_of::<pool_scan_stat_t>().is_multiple_of(8));
const _: () = assert!(offset_of!(vdev_stat_t, vs_state) == 8);

macro_rules! vs {
    ($field:ident) => {
        offset_of!(vdev_stat_t, $field) / 8
    };
}

macro_rules! pss {
    ($field:ident) => {
        offset_of!(pool_scan_stat_t, $field) / 8
    };
}

/// A stats array with the context needed for error messages.
struct Fields<'a> {
    values: &'a [u64],
    what: &'static str,
    target: &'a str,
}

impl Fields<'_> {
    fn get(&self, index: usize) -> Option<u64> {
        self.values.get(index).copied()
    }

    fn require(&self, index: usize, field: &str) -> Result<u64> {
        self.get(index).ok_or_else(|| {
            ZfsError::malformed(
                self.what,
                self.target,
                format!("{} values, no {field} (index {index})", self.values.len()),
            )
        })
    }
}

/// The fields of `vdev_stat_t` the model uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VdevStats {
    pub(crate) state: VdevState,
    pub(crate) aux: Option<VdevAux>,
    pub(crate) errors: VdevErrors,
    pub(crate) space: VdevSpace,
    pub(crate) slow_ios: Option<u64>,
}

/// Reads `vdev_stats` of a vdev. State, aux, space and the three error
/// counters exist in every release and are required; `vs_slow_ios` (0.8+)
/// is optional.
pub(crate) fn vdev_stats(values: &[u64], target: &str) -> Result<VdevStats> {
    let f = Fields { values, what: "vdev_stats", target };
    Ok(VdevStats {
        state: VdevState::from_raw(f.require(vs!(vs_state), "vs_state")?),
        aux: VdevAux::from_raw(f.require(vs!(vs_aux), "vs_aux")?),
        errors: VdevErrors {
            read: f.require(vs!(vs_read_errors), "vs_read_errors")?,
            write: f.require(vs!(vs_write_errors), "vs_write_errors")?,
            checksum: f.require(vs!(vs_checksum_errors), "vs_checksum_errors")?,
        },
        space: VdevSpace {
            allocated: f.require(vs!(vs_alloc), "vs_alloc")?,
            total: f.require(vs!(vs_space), "vs_space")?,
        },
        slow_ios: f.get(vs!(vs_slow_ios)),
    })
}

/// Reads `scan_stats` of the root vdev. The 15 fields of 2.1's
/// `pool_scan_stat_t` are required; slot 6 is `pss_skipped` from 2.2 on (it
/// was `pss_to_process` before) and reported only then.
pub(crate) fn scan_stats(values: &[u64], target: &str) -> Result<ScanStats> {
    let f = Fields { values, what: "scan_stats", target };
    let r = |index, field| f.require(index, field);
    #[cfg(zfs_2_2)]
    let skipped = f.get(pss!(pss_skipped));
    #[cfg(not(zfs_2_2))]
    let skipped = None;
    Ok(ScanStats {
        function: ScanFunction::from_raw(r(pss!(pss_func), "pss_func")?),
        state: ScanState::from_raw(r(pss!(pss_state), "pss_state")?),
        start_time: r(pss!(pss_start_time), "pss_start_time")?,
        end_time: r(pss!(pss_end_time), "pss_end_time")?,
        to_examine: r(pss!(pss_to_examine), "pss_to_examine")?,
        examined: r(pss!(pss_examined), "pss_examined")?,
        skipped,
        processed: r(pss!(pss_processed), "pss_processed")?,
        errors: r(pss!(pss_errors), "pss_errors")?,
        pass_examined: r(pss!(pss_pass_exam), "pss_pass_exam")?,
        pass_start: r(pss!(pss_pass_start), "pss_pass_start")?,
        pass_scrub_pause: r(pss!(pss_pass_scrub_pause), "pss_pass_scrub_pause")?,
        pass_scrub_spent_paused: r(
            pss!(pss_pass_scrub_spent_paused),
            "pss_pass_scrub_spent_paused",
        )?,
        pass_issued: r(pss!(pss_pass_issued), "pss_pass_issued")?,
        issued: r(pss!(pss_issued), "pss_issued")?,
    })
}

macro_rules! pcs {
    ($field:ident) => {
        offset_of!(pool_checkpoint_stat_t, $field) / 8
    };
}

/// Reads `checkpoint_stats` of the root vdev (`pool_checkpoint_stat_t`,
/// unchanged since 0.8). The kernel sends it only while a checkpoint
/// exists or is being discarded, so any other state is malformed.
pub(crate) fn checkpoint_stats(values: &[u64], target: &str) -> Result<CheckpointStats> {
    let f = Fields { values, what: "checkpoint_stats", target };
    let raw = f.require(pcs!(pcs_state), "pcs_state")?;
    let state = CheckpointState::from_raw(raw).ok_or_else(|| {
        ZfsError::malformed("checkpoint_stats", target, format!("pcs_state {raw}"))
    })?;
    Ok(CheckpointStats {
        state,
        start_time: f.require(pcs!(pcs_start_time), "pcs_start_time")?,
        space: f.require(pcs!(pcs_space), "pcs_space")?,
    })
}

macro_rules! prs {
    ($field:ident) => {
        offset_of!(pool_removal_stat_t, $field) / 8
    };
}

/// Reads `removal_stats` of the root vdev (`pool_removal_stat_t`,
/// unchanged since 0.8). The kernel sends it only once a removal has
/// started (`spa_removal_get_stats` refuses `DSS_NONE`), so any state but
/// scanning, finished or canceled is malformed.
pub(crate) fn removal_stats(values: &[u64], target: &str) -> Result<RemovalStats> {
    let f = Fields { values, what: "removal_stats", target };
    let raw = f.require(prs!(prs_state), "prs_state")?;
    let state = RemovalState::from_raw(raw)
        .ok_or_else(|| ZfsError::malformed("removal_stats", target, format!("prs_state {raw}")))?;
    Ok(RemovalStats {
        state,
        removing_vdev: f.require(prs!(prs_removing_vdev), "prs_removing_vdev")?,
        start_time: f.require(prs!(prs_start_time), "prs_start_time")?,
        end_time: f.require(prs!(prs_end_time), "prs_end_time")?,
        to_copy: f.require(prs!(prs_to_copy), "prs_to_copy")?,
        copied: f.require(prs!(prs_copied), "prs_copied")?,
        mapping_memory: f.require(prs!(prs_mapping_memory), "prs_mapping_memory")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn indices_are_the_documented_positions() {
        // Positions fixed since 0.8 and identical in 2.1–2.4.
        assert_eq!(vs!(vs_state), 1);
        assert_eq!(vs!(vs_aux), 2);
        assert_eq!(vs!(vs_alloc), 3);
        assert_eq!(vs!(vs_space), 4);
        assert_eq!(vs!(vs_read_errors), 20);
        assert_eq!(vs!(vs_checksum_errors), 22);
        assert_eq!(vs!(vs_slow_ios), 34);
        assert_eq!(pss!(pss_issued), 14);
    }

    #[cfg(zfs_2_2)]
    #[test]
    fn fields_that_moved_in_2_2() {
        // 2.2 inserted vs_noalloc where 2.1 had vs_pspace.
        assert_eq!(vs!(vs_noalloc), 45);
        assert_eq!(vs!(vs_pspace), 46);
        assert_eq!(pss!(pss_skipped), 6);
    }

    #[cfg(not(zfs_2_2))]
    #[test]
    fn fields_before_2_2() {
        assert_eq!(vs!(vs_pspace), 45);
        assert_eq!(pss!(pss_to_process), 6);
    }

    fn stats_array(len: usize) -> Vec<u64> {
        let mut v: Vec<u64> = (0..len as u64).map(|i| 1000 + i).collect();
        v[vs!(vs_state)] = 7;
        v[vs!(vs_aux)] = 0;
        v
    }

    #[test]
    fn reads_by_position() {
        let v = stats_array(size_of::<vdev_stat_t>() / 8);
        let s = vdev_stats(&v, "tank").unwrap();
        assert_eq!(s.state, VdevState::Online);
        assert_eq!(s.aux, None);
        assert_eq!(s.errors, VdevErrors { read: 1020, write: 1021, checksum: 1022 });
        assert_eq!(s.space, VdevSpace { allocated: 1003, total: 1004 });
        assert_eq!(s.slow_ios, Some(1034));
    }

    #[test]
    fn shorter_arrays_from_older_kernels() {
        // A kernel that predates vs_slow_ios: the optional field is None.
        let v = stats_array(vs!(vs_slow_ios));
        assert_eq!(vdev_stats(&v, "tank").unwrap().slow_ios, None);
        // Too short for a required field: an error naming it, not a zero.
        let err = vdev_stats(&v[..22], "tank").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Malformed);
        assert!(err.to_string().contains("vs_checksum_errors"), "{err}");
    }

    #[test]
    fn longer_arrays_from_newer_kernels_are_fine() {
        let v = stats_array(size_of::<vdev_stat_t>() / 8 + 10);
        assert!(vdev_stats(&v, "tank").is_ok());
    }

    #[test]
    fn checkpoint_stats_by_position() {
        assert_eq!((pcs!(pcs_state), pcs!(pcs_start_time), pcs!(pcs_space)), (0, 1, 2));
        let c = checkpoint_stats(&[2, 1_700_000_000, 4096], "tank").unwrap();
        assert_eq!(c.state, CheckpointState::Discarding);
        assert_eq!((c.start_time, c.space), (1_700_000_000, 4096));
        assert_eq!(checkpoint_stats(&[0, 1, 2], "tank").unwrap_err().kind(), ErrorKind::Malformed);
        assert_eq!(checkpoint_stats(&[1, 1], "tank").unwrap_err().kind(), ErrorKind::Malformed);
    }

    #[test]
    fn removal_stats_by_position() {
        let idx = [
            prs!(prs_state),
            prs!(prs_removing_vdev),
            prs!(prs_start_time),
            prs!(prs_end_time),
            prs!(prs_to_copy),
            prs!(prs_copied),
            prs!(prs_mapping_memory),
        ];
        assert_eq!(idx, [0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(size_of::<pool_removal_stat_t>() / 8, 7);
        let r = removal_stats(&[2, 1, 100, 160, 8192, 8192, 48], "tank").unwrap();
        assert_eq!(r.state, RemovalState::Finished);
        assert_eq!(r.removing_vdev, 1);
        assert_eq!((r.start_time, r.end_time), (100, 160));
        assert_eq!((r.to_copy, r.copied, r.mapping_memory), (8192, 8192, 48));
        let e = removal_stats(&[0, 1, 2, 3, 4, 5, 6], "tank").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        // DSS_ERRORSCRUBBING is a scan's state, never a removal's.
        let e = removal_stats(&[4, 1, 2, 3, 4, 5, 6], "tank").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        let e = removal_stats(&[1, 0, 2, 3, 4, 5], "tank").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
    }

    #[test]
    fn scan_stats_by_position() {
        let mut v: Vec<u64> = (0..15).collect();
        v[0] = 1; // SCRUB
        v[1] = 2; // FINISHED
        let s = scan_stats(&v, "tank").unwrap();
        assert_eq!(s.function, ScanFunction::Scrub);
        assert_eq!(s.state, ScanState::Finished);
        assert_eq!((s.start_time, s.end_time, s.errors, s.issued), (2, 3, 8, 14));
        #[cfg(zfs_2_2)]
        assert_eq!(s.skipped, Some(6));
        assert!(scan_stats(&v[..14], "tank").is_err());
    }
}
