//! Interrupts: `/proc/interrupts`, per-IRQ CPU affinity, and the IRQ/RPS
//! pinning policy as data.
//!
//! IRQs are found by action name (`xhci`, `ahci`, the LAN1 interface name),
//! never by number: Linux IRQ numbers are allocated at boot and differ
//! between kernels.

mod drift;
mod interrupts;
mod pinning;

use std::path::PathBuf;

pub use drift::{ActionCheck, CheckOutcome, PinSetting};
pub use interrupts::{InterruptRow, Interrupts, IrqId, IrqTrigger};
pub use pinning::{IrqMatch, IrqRule, PinAction, PinningPlan, PinningResolution, RpsRule, XpsRule};

use crate::cpuset::{self, CpuSet};
use crate::error::{Error, Result};
use crate::root::{self, Root};

/// One Linux IRQ's `/proc/irq/<n>` directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Irq {
    root: Root,
    number: u32,
    dir: PathBuf,
}

/// An IRQ's affinity at one moment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IrqAffinity {
    /// The Linux IRQ number.
    pub irq: u32,
    /// The handlers registered on it (`/proc/irq/<n>/<action>/`).
    pub actions: Vec<String>,
    /// The CPUs it may be delivered to (`smp_affinity_list`).
    pub allowed_cpus: CpuSet,
    /// The CPUs it is actually delivered to (`effective_affinity_list`);
    /// `None` on kernels without effective-affinity tracking. A GICv3 SPI
    /// goes to one CPU of the allowed set.
    pub effective_cpus: Option<CpuSet>,
}

impl Irq {
    /// IRQ `number`; `NotPresent` when `/proc/irq/<number>` does not exist.
    pub fn open(root: &Root, number: u32) -> Result<Irq> {
        let dir = root.proc().join("irq").join(number.to_string());
        if !root.exists(&dir)? {
            return Err(Error::NotPresent {
                component: format!("IRQ {number}"),
                searched: root.proc().join("irq"),
            });
        }
        Ok(Irq { root: root.clone(), number, dir })
    }

    /// The Linux IRQ number.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// `smp_affinity_list`.
    pub fn affinity_list_path(&self) -> PathBuf {
        self.dir.join("smp_affinity_list")
    }

    /// `smp_affinity`.
    pub fn affinity_mask_path(&self) -> PathBuf {
        self.dir.join("smp_affinity")
    }

    /// The allowed CPUs, from `smp_affinity_list`.
    pub fn affinity(&self) -> Result<CpuSet> {
        cpuset::read_list(&self.root, &self.affinity_list_path())
    }

    /// The allowed CPUs, from the hex mask `smp_affinity` (the file
    /// Armbian's script writes). Should always equal [`Irq::affinity`].
    pub fn affinity_mask(&self) -> Result<CpuSet> {
        cpuset::read_mask(&self.root, &self.affinity_mask_path())
    }

    /// The CPUs the IRQ is really delivered to, when the kernel says. After
    /// [`Irq::set_affinity`] this can lag: x86 moves an IO-APIC or MSI
    /// interrupt when it next fires (GICv3 on the RK3399 moves it at once).
    pub fn effective_affinity(&self) -> Result<Option<CpuSet>> {
        cpuset::read_list_optional(&self.root, &self.dir.join("effective_affinity_list"))
    }

    /// Restricts the IRQ to `cpus` by writing `smp_affinity_list`. The
    /// kernel refuses per-CPU IRQs (timers, PMU) with `EIO`, a set with no
    /// online CPU with `EINVAL` and a CPU beyond `nr_cpu_ids` with `ERANGE`;
    /// each comes back as [`Error::Io`] naming the file.
    pub fn set_affinity(&self, cpus: &CpuSet) -> Result<()> {
        if cpus.is_empty() {
            return Err(Error::InvalidInput {
                what: "IRQ affinity",
                value: String::new(),
                reason: format!("IRQ {} needs at least one CPU", self.number),
            });
        }
        self.root.write(&self.affinity_list_path(), &cpus.to_list_string()).map_err(Error::from)
    }

    /// Restricts the IRQ to `cpus` through the hex mask file instead.
    pub fn set_affinity_mask(&self, cpus: &CpuSet) -> Result<()> {
        if cpus.is_empty() {
            return Err(Error::InvalidInput {
                what: "IRQ affinity",
                value: "0".into(),
                reason: format!("IRQ {} needs at least one CPU", self.number),
            });
        }
        self.root.write(&self.affinity_mask_path(), &cpus.to_mask_string()).map_err(Error::from)
    }

    /// The handler names, from the subdirectories of `/proc/irq/<n>`.
    pub fn actions(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for entry in self.root.list(&self.dir)? {
            if self.root.is_dir(&entry)? {
                out.push(root::file_name(&entry)?.to_owned());
            }
        }
        Ok(out)
    }

    /// Reads the IRQ's affinity now.
    pub fn snapshot(&self) -> Result<IrqAffinity> {
        Ok(IrqAffinity {
            irq: self.number,
            actions: self.actions()?,
            allowed_cpus: self.affinity()?,
            effective_cpus: self.effective_affinity()?,
        })
    }
}

/// The default affinity for new IRQs (`/proc/irq/default_smp_affinity`).
pub fn default_irq_affinity(root: &Root) -> Result<CpuSet> {
    cpuset::read_mask(root, &root.proc().join("irq/default_smp_affinity"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn affinity_reads_both_forms_consistently() {
        for f in Fixture::ALL {
            let root = f.root();
            let ints = Interrupts::read(&root).unwrap();
            for row in ints.rows.iter().filter(|r| r.irq().is_some()) {
                let irq = Irq::open(&root, row.irq().unwrap()).unwrap();
                assert_eq!(irq.affinity().unwrap(), irq.affinity_mask().unwrap(), "{f:?} {row:?}");
                assert_eq!(irq.actions().unwrap().len(), row.actions.len(), "{f:?} {row:?}");
            }
            assert_eq!(default_irq_affinity(&root).unwrap(), CpuSet::parse_list("0-5").unwrap());
        }
    }

    #[test]
    fn armbian_fixture_shows_armbian_pinning() {
        let root = Fixture::Armbian.root();
        let ints = Interrupts::read(&root).unwrap();
        let ahci = ints.matching("ahci").next().unwrap().irq().unwrap();
        let snap = Irq::open(&root, ahci).unwrap().snapshot().unwrap();
        assert_eq!(snap.allowed_cpus, CpuSet::from_cpus([4, 5]));
        assert_eq!(snap.effective_cpus, Some(CpuSet::from_cpus([4])));
        assert_eq!(snap.actions, ["ahci[0000:01:00.0]"]);
        let json = serde_json::to_value(&snap).unwrap();
        assert_eq!(json["allowed_cpus"], serde_json::json!([4, 5]));
        let mainline = Fixture::Mainline.root();
        let snap = Irq::open(&mainline, 75).unwrap().snapshot().unwrap();
        assert_eq!(snap.allowed_cpus, CpuSet::parse_list("0-5").unwrap());
    }

    #[test]
    fn writes_go_to_the_list_file_and_read_back() {
        for f in Fixture::ALL {
            let (_d, root) = copy_fixture(f);
            let irq = Irq::open(&root, 31).unwrap();
            irq.set_affinity(&CpuSet::from_cpus([4])).unwrap();
            assert_eq!(fs::read_to_string(irq.affinity_list_path()).unwrap(), "4");
            assert_eq!(irq.affinity().unwrap(), CpuSet::from_cpus([4]));
            irq.set_affinity_mask(&CpuSet::from_cpus([4, 5])).unwrap();
            assert_eq!(fs::read_to_string(irq.affinity_mask_path()).unwrap(), "30");
            let e = irq.set_affinity(&CpuSet::new()).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
    }

    #[test]
    fn bad_and_missing_nodes_name_the_path() {
        for f in Fixture::ALL {
            let (_d, root) = copy_fixture(f);
            let irq = Irq::open(&root, 24).unwrap();
            fs::write(irq.affinity_list_path(), "zero\n").unwrap();
            let e = irq.snapshot().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(irq.affinity_list_path().as_path()))
            );
            fs::write(irq.affinity_list_path(), "").unwrap();
            let e = irq.affinity().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(irq.affinity_list_path().as_path()))
            );
            fs::write(irq.affinity_mask_path(), "").unwrap();
            assert_eq!(
                irq.affinity_mask().unwrap_err().path(),
                Some(irq.affinity_mask_path().as_path())
            );
            fs::remove_file(irq.affinity_list_path()).unwrap();
            let e = irq.set_affinity(&CpuSet::from_cpus([1])).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound, "writes never create nodes");
            let eff = root.proc().join("irq/24/effective_affinity_list");
            fs::remove_file(&eff).unwrap();
            assert_eq!(irq.effective_affinity().unwrap(), None);
            let e = Irq::open(&root, 9999).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound);
            assert!(e.to_string().contains("IRQ 9999"), "{e}");
        }
    }
}
