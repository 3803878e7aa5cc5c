//! Receive and transmit queues: RPS and XPS CPU masks.
//!
//! RPS (`rx-N/rps_cpus`) spreads received packets' protocol processing over
//! CPUs; XPS (`tx-N/xps_cpus`) picks the transmit queue by CPU. Both files
//! hold hexadecimal CPU masks; RFS sizes live in `rx-N/rps_flow_cnt` and the
//! global `/proc/sys/net/core/rps_sock_flow_entries`.

use std::path::{Path, PathBuf};

use crate::cpuset::{self, CpuSet};
use crate::error::{Error, Result};
use crate::root::{self, Root};

/// A receive queue (`queues/rx-N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RxQueue {
    root: Root,
    interface: String,
    index: u32,
    dir: PathBuf,
}

/// A transmit queue (`queues/tx-N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxQueue {
    root: Root,
    interface: String,
    index: u32,
    dir: PathBuf,
}

fn list(root: &Root, netdev: &Path, prefix: &str) -> Result<Vec<(u32, PathBuf)>> {
    let mut out = Vec::new();
    for dir in root.list(&netdev.join("queues"))? {
        let name = root::file_name(&dir)?;
        if let Some(index) = name.strip_prefix(prefix).and_then(|n| n.parse().ok()) {
            out.push((index, dir));
        }
    }
    // Sorted by number, not by name: rx-10 after rx-9.
    out.sort_by_key(|(index, _)| *index);
    Ok(out)
}

pub(super) fn rx_queues(root: &Root, interface: &str, netdev: &Path) -> Result<Vec<RxQueue>> {
    Ok(list(root, netdev, "rx-")?
        .into_iter()
        .map(|(index, dir)| RxQueue { root: root.clone(), interface: interface.into(), index, dir })
        .collect())
}

pub(super) fn tx_queues(root: &Root, interface: &str, netdev: &Path) -> Result<Vec<TxQueue>> {
    Ok(list(root, netdev, "tx-")?
        .into_iter()
        .map(|(index, dir)| TxQueue { root: root.clone(), interface: interface.into(), index, dir })
        .collect())
}

impl RxQueue {
    /// The queue number.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The queue's directory name, `rx-0`.
    pub fn name(&self) -> String {
        format!("rx-{}", self.index)
    }

    /// The interface it belongs to.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The `rps_cpus` file.
    pub fn rps_cpus_path(&self) -> PathBuf {
        self.dir.join("rps_cpus")
    }

    /// The `rps_flow_cnt` file.
    pub fn rps_flow_cnt_path(&self) -> PathBuf {
        self.dir.join("rps_flow_cnt")
    }

    /// CPUs RPS steers this queue's packets to (empty = RPS off).
    pub fn rps_cpus(&self) -> Result<CpuSet> {
        cpuset::read_mask(&self.root, &self.rps_cpus_path())
    }

    /// Sets the RPS CPUs (an empty set turns RPS off).
    pub fn set_rps_cpus(&self, cpus: &CpuSet) -> Result<()> {
        self.root.write(&self.rps_cpus_path(), &cpus.to_mask_string()).map_err(Error::from)
    }

    /// The RFS flow table size for this queue.
    pub fn rps_flow_cnt(&self) -> Result<u32> {
        self.root.read_parse(&self.rps_flow_cnt_path(), "a flow count").map_err(Error::from)
    }

    /// Sets the RFS flow table size (the kernel rounds it up to a power of
    /// two).
    pub fn set_rps_flow_cnt(&self, count: u32) -> Result<()> {
        self.root.write(&self.rps_flow_cnt_path(), &count.to_string()).map_err(Error::from)
    }
}

impl TxQueue {
    /// The queue number.
    pub fn index(&self) -> u32 {
        self.index
    }

    /// The queue's directory name, `tx-0`.
    pub fn name(&self) -> String {
        format!("tx-{}", self.index)
    }

    /// The interface it belongs to.
    pub fn interface(&self) -> &str {
        &self.interface
    }

    /// The `xps_cpus` file.
    pub fn xps_cpus_path(&self) -> PathBuf {
        self.dir.join("xps_cpus")
    }

    /// CPUs that transmit on this queue, or `None` when XPS does not
    /// apply: the file is absent (`CONFIG_XPS` off) or the kernel refuses it
    /// (`ENOENT` on single-queue devices).
    pub fn xps_cpus(&self) -> Result<Option<CpuSet>> {
        cpuset::read_mask_optional(&self.root, &self.xps_cpus_path())
    }

    /// Sets the XPS CPUs.
    pub fn set_xps_cpus(&self, cpus: &CpuSet) -> Result<()> {
        self.root.write(&self.xps_cpus_path(), &cpus.to_mask_string()).map_err(Error::from)
    }
}

fn sock_flow_path(root: &Root) -> PathBuf {
    root.proc().join("sys/net/core/rps_sock_flow_entries")
}

/// The global RFS socket flow table size.
pub fn rps_sock_flow_entries(root: &Root) -> Result<u32> {
    root.read_parse(&sock_flow_path(root), "a flow entry count").map_err(Error::from)
}

/// Sets the global RFS socket flow table size.
pub fn set_rps_sock_flow_entries(root: &Root, entries: u32) -> Result<()> {
    root.write(&sock_flow_path(root), &entries.to_string()).map_err(Error::from)
}
