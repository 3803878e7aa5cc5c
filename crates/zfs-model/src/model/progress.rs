//! Pool-wide progress beside the scan: the checkpoint
//! (`pool_checkpoint_stat_t`) and device removal (`pool_removal_stat_t`).

use std::fmt;

/// What a pool's checkpoint is doing (`checkpoint_state_t`; the kernel
/// sends no stats at all for `CS_NONE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CheckpointState {
    /// `CS_CHECKPOINT_EXISTS`: the pool can be rewound to it.
    Exists,
    /// `CS_CHECKPOINT_DISCARDING`: `zpool checkpoint -d` is freeing it.
    Discarding,
}

impl CheckpointState {
    /// From the kernel's number; `None` for `CS_NONE` and unknown values.
    pub fn from_raw(v: u64) -> Option<CheckpointState> {
        match v {
            1 => Some(CheckpointState::Exists),
            2 => Some(CheckpointState::Discarding),
            _ => None,
        }
    }

    /// From `zpool status`'s name ("EXISTS", "DISCARDING").
    pub fn from_name(name: &str) -> Option<CheckpointState> {
        [CheckpointState::Exists, CheckpointState::Discarding]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    /// The name `zpool status` prints (`checkpoint_state_str`).
    pub fn as_str(self) -> &'static str {
        match self {
            CheckpointState::Exists => "EXISTS",
            CheckpointState::Discarding => "DISCARDING",
        }
    }
}

impl fmt::Display for CheckpointState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pool's checkpoint (`pool_checkpoint_stat_t`, `zpool status`'s
/// "checkpoint:" line).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckpointStats {
    /// Exists, or being discarded.
    pub state: CheckpointState,
    /// When the checkpoint was taken, Unix seconds.
    pub start_time: u64,
    /// Space the checkpoint holds, in bytes.
    pub space: u64,
}

/// What the pool's last device removal did (`prs_state`, a
/// `dsl_scan_state_t`; the kernel sends no stats for `DSS_NONE`, and a
/// removal is never an error scrub).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RemovalState {
    /// `DSS_SCANNING`: the vdev's data is being copied away.
    Scanning,
    /// `DSS_FINISHED`: the vdev is gone, an indirect mapping remains.
    Finished,
    /// `DSS_CANCELED`: `zpool remove -s` stopped it; the vdev stays.
    Canceled,
}

impl RemovalState {
    /// From the kernel's number; `None` for `DSS_NONE`, `DSS_ERRORSCRUBBING`
    /// and unknown values.
    pub fn from_raw(v: u64) -> Option<RemovalState> {
        match v {
            1 => Some(RemovalState::Scanning),
            2 => Some(RemovalState::Finished),
            3 => Some(RemovalState::Canceled),
            _ => None,
        }
    }

    /// From `zpool status -j`'s name ("SCANNING", "FINISHED", "CANCELED").
    pub fn from_name(name: &str) -> Option<RemovalState> {
        [RemovalState::Scanning, RemovalState::Finished, RemovalState::Canceled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    /// The name `zpool status -j` prints (`pool_scan_state_str`).
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalState::Scanning => "SCANNING",
            RemovalState::Finished => "FINISHED",
            RemovalState::Canceled => "CANCELED",
        }
    }
}

impl fmt::Display for RemovalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The pool's last device removal (`pool_removal_stat_t`, `zpool
/// status`'s "remove:" line). It stays after the removal finished or was
/// canceled, until the next one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemovalStats {
    /// Copying, finished, canceled.
    pub state: RemovalState,
    /// The removed top-level vdev's index among the root's children (the
    /// kernel's `vdev_id`; once finished that child is an indirect vdev,
    /// which [`PoolStatus::root`](crate::PoolStatus::root) leaves out).
    pub removing_vdev: u64,
    /// When the removal started, Unix seconds.
    pub start_time: u64,
    /// When it finished or was canceled, Unix seconds (0 while copying).
    pub end_time: u64,
    /// Bytes to copy off the vdev.
    pub to_copy: u64,
    /// Bytes copied so far.
    pub copied: u64,
    /// Memory the indirect mappings of all removed vdevs use, bytes.
    pub mapping_memory: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_names_are_the_kernels_and_zpools() {
        assert_eq!(CheckpointState::from_raw(0), None);
        assert_eq!(CheckpointState::from_raw(1), Some(CheckpointState::Exists));
        assert_eq!(CheckpointState::from_raw(2), Some(CheckpointState::Discarding));
        assert_eq!(CheckpointState::from_raw(3), None);
        for s in [CheckpointState::Exists, CheckpointState::Discarding] {
            assert_eq!(CheckpointState::from_name(&s.to_string()), Some(s));
        }
        assert_eq!(CheckpointState::from_name("NONE"), None);
    }

    #[test]
    fn removal_states_are_dsl_scan_states_and_zpools_names() {
        assert_eq!(RemovalState::from_raw(0), None);
        assert_eq!(RemovalState::from_raw(1), Some(RemovalState::Scanning));
        assert_eq!(RemovalState::from_raw(2), Some(RemovalState::Finished));
        assert_eq!(RemovalState::from_raw(3), Some(RemovalState::Canceled));
        // DSS_ERRORSCRUBBING belongs to scans only.
        assert_eq!(RemovalState::from_raw(4), None);
        for s in [RemovalState::Scanning, RemovalState::Finished, RemovalState::Canceled] {
            assert_eq!(RemovalState::from_name(&s.to_string()), Some(s));
        }
        assert_eq!(RemovalState::from_name("NONE"), None);
        assert_eq!(RemovalState::from_name("ERRORSCRUBBING"), None);
    }
}
