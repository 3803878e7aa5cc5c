//! CPU topology: which CPUs exist, how they group into clusters, how strong
//! each is, and their cpufreq policies.
//!
//! On the Helios64 the RK3399 has four Cortex-A53s (cpu0–3) and two
//! Cortex-A72s (cpu4–5), but nothing here assumes it: clusters are derived
//! from `topology/cluster_id` (kernel 5.16+) and `physical_package_id`, core types from
//! `regs/identification/midr_el1`, strength from `cpu_capacity`. IRQ pinning
//! policies use this to name "the big cores" without hard-coding 4 and 5.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cpuset::{self, CpuSet};
use crate::error::{Error, Result};
use crate::root::{self, Root};

/// One logical CPU as sysfs describes it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Cpu {
    /// The CPU number (`cpuN`).
    pub number: u32,
    /// Whether the CPU is online (listed in `cpu/online`).
    pub online: bool,
    /// `cpu_capacity`: the scheduler's relative strength, 1024 for the
    /// strongest CPU. `None` on symmetric systems that do not expose it.
    pub capacity: Option<u32>,
    /// `topology/physical_package_id`; `None` while the CPU is offline.
    pub package_id: Option<i32>,
    /// `topology/cluster_id` (kernel 5.16+); `None` when not exposed or
    /// the CPU is offline.
    pub cluster_id: Option<i32>,
    /// `topology/core_id`.
    pub core_id: Option<i32>,
    /// `topology/core_cpus_list`: the SMT siblings sharing this core.
    pub core_cpus: Option<CpuSet>,
    /// `regs/identification/midr_el1` (arm64 only).
    pub midr: Option<Midr>,
    /// The cpufreq policy directory name (`policy4`), if cpufreq runs.
    pub cpufreq_policy: Option<String>,
}

/// CPUs that share a package and cluster: on big.LITTLE, one core type.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CpuCluster {
    /// The package the cluster sits in.
    pub package_id: i32,
    /// The cluster id, or `None` when the kernel exposes no clusters (the
    /// package is then the cluster).
    pub cluster_id: Option<i32>,
    /// The CPUs in it.
    pub cpus: CpuSet,
    /// The highest `cpu_capacity` of its CPUs.
    pub capacity: Option<u32>,
    /// The core type, when every CPU's MIDR names the same known core.
    pub core_type: Option<&'static str>,
    /// The cpufreq policy covering the cluster, when exactly one does.
    pub cpufreq_policy: Option<String>,
}

/// The CPU topology read from `/sys/devices/system/cpu`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CpuTopology {
    /// Every possible CPU, ascending.
    pub cpus: Vec<Cpu>,
    /// Clusters, ordered by (package, cluster id).
    pub clusters: Vec<CpuCluster>,
}

impl CpuTopology {
    /// Reads the topology under `root`.
    pub fn read(root: &Root) -> Result<CpuTopology> {
        let base = cpu_dir(root);
        let online = cpuset::read_list(root, &base.join("online"))?;
        let mut cpus = Vec::new();
        for entry in root.list(&base)? {
            let name = root::file_name(&entry)?;
            let Some(number) = name.strip_prefix("cpu").and_then(|n| n.parse::<u32>().ok()) else {
                continue; // cpufreq, cpuidle, online, ...
            };
            cpus.push(read_cpu(root, &entry, number, online.contains(number))?);
        }
        if cpus.is_empty() {
            return Err(Error::NotPresent { component: "CPU".into(), searched: base });
        }
        cpus.sort_by_key(|c| c.number);
        let clusters = derive_clusters(&cpus);
        Ok(CpuTopology { cpus, clusters })
    }

    /// The cluster(s) with the highest capacity: the "big" cores. Falls back
    /// to every online CPU when no capacity is exposed (a symmetric system
    /// has no big cores, so all of them are equally good).
    pub fn strongest_cpus(&self) -> CpuSet {
        let best = self.clusters.iter().filter_map(|c| c.capacity).max();
        match best {
            Some(best) => self
                .clusters
                .iter()
                .filter(|c| c.capacity == Some(best))
                .flat_map(|c| c.cpus.iter())
                .collect(),
            None => self.online(),
        }
    }

    /// Every online CPU.
    pub fn online(&self) -> CpuSet {
        self.cpus.iter().filter(|c| c.online).map(|c| c.number).collect()
    }
}

fn cpu_dir(root: &Root) -> PathBuf {
    root.sys().join("devices/system/cpu")
}

fn read_cpu(root: &Root, dir: &Path, number: u32, online: bool) -> Result<Cpu> {
    let topo = dir.join("topology");
    // An offline CPU has no topology directory; an online one must.
    let package_id = if online {
        Some(root.read_parse(&topo.join("physical_package_id"), "an integer package id")?)
    } else {
        root.read_parse_optional(&topo.join("physical_package_id"), "an integer package id")?
    };
    let core_cpus = cpuset::read_list_optional(root, &topo.join("core_cpus_list"))?;
    let midr = match root.read_optional(&dir.join("regs/identification/midr_el1"))? {
        Some(text) => Some(Midr::parse(&text).ok_or_else(|| {
            Error::malformed(
                dir.join("regs/identification/midr_el1"),
                &text,
                "a hexadecimal MIDR_EL1 such as 0x00000000410fd034",
            )
        })?),
        None => None,
    };
    let cpufreq_policy = root.link_name(&dir.join("cpufreq"))?;
    Ok(Cpu {
        number,
        online,
        capacity: root.read_parse_optional(&dir.join("cpu_capacity"), "an integer capacity")?,
        package_id,
        cluster_id: root.read_parse_optional(&topo.join("cluster_id"), "an integer cluster id")?,
        core_id: root.read_parse_optional(&topo.join("core_id"), "an integer core id")?,
        core_cpus,
        midr,
        cpufreq_policy,
    })
}

fn derive_clusters(cpus: &[Cpu]) -> Vec<CpuCluster> {
    let mut groups: BTreeMap<(i32, Option<i32>), Vec<&Cpu>> = BTreeMap::new();
    for cpu in cpus {
        if let Some(package) = cpu.package_id {
            groups.entry((package, cpu.cluster_id)).or_default().push(cpu);
        }
    }
    groups
        .into_iter()
        .map(|((package_id, cluster_id), members)| {
            let core_types: Vec<Option<&'static str>> =
                members.iter().map(|c| c.midr.and_then(|m| m.core_name())).collect();
            let core_type = match core_types.first() {
                Some(first) if core_types.iter().all(|t| t == first) => *first,
                _ => None,
            };
            let mut policies: Vec<&String> =
                members.iter().filter_map(|c| c.cpufreq_policy.as_ref()).collect();
            policies.dedup();
            CpuCluster {
                package_id,
                cluster_id,
                cpus: members.iter().map(|c| c.number).collect(),
                capacity: members.iter().filter_map(|c| c.capacity).max(),
                core_type,
                cpufreq_policy: match policies.as_slice() {
                    [one] => Some((*one).clone()),
                    _ => None,
                },
            }
        })
        .collect()
}

/// The arm64 Main ID Register: who designed the core and which core it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(into = "String")]
pub struct Midr(pub u64);

impl Midr {
    /// Parses the sysfs text, `0x00000000410fd034`.
    pub fn parse(text: &str) -> Option<Midr> {
        let hex = text.trim().strip_prefix("0x")?;
        u64::from_str_radix(hex, 16).ok().map(Midr)
    }

    /// The implementer code (0x41 = Arm).
    pub fn implementer(self) -> u8 {
        ((self.0 >> 24) & 0xff) as u8
    }

    /// The primary part number (0xd03 = Cortex-A53).
    pub fn part(self) -> u16 {
        ((self.0 >> 4) & 0xfff) as u16
    }

    /// The major revision (the `r` in r0p4).
    pub fn variant(self) -> u8 {
        ((self.0 >> 20) & 0xf) as u8
    }

    /// The minor revision (the `p` in r0p4).
    pub fn revision(self) -> u8 {
        (self.0 & 0xf) as u8
    }

    /// The core's name for Arm-designed cores this crate knows, from the
    /// part numbers in Arm's Technical Reference Manuals.
    pub fn core_name(self) -> Option<&'static str> {
        if self.implementer() != 0x41 {
            return None;
        }
        Some(match self.part() {
            0xd03 => "Cortex-A53",
            0xd04 => "Cortex-A35",
            0xd05 => "Cortex-A55",
            0xd07 => "Cortex-A57",
            0xd08 => "Cortex-A72",
            0xd09 => "Cortex-A73",
            0xd0a => "Cortex-A75",
            0xd0b => "Cortex-A76",
            0xd0c => "Neoverse-N1",
            0xd0d => "Cortex-A77",
            0xd41 => "Cortex-A78",
            _ => return None,
        })
    }
}

impl From<Midr> for String {
    fn from(m: Midr) -> String {
        format!("{:#010x}", m.0)
    }
}

/// A cpufreq policy directory (`/sys/devices/system/cpu/cpufreq/policyN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpufreqPolicy {
    name: String,
    dir: PathBuf,
}

/// The live state of a cpufreq policy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CpufreqState {
    /// The policy name, `policy0`.
    pub policy: String,
    /// The CPUs the policy governs (`related_cpus`).
    pub cpus: CpuSet,
    /// `scaling_driver`, e.g. `cpufreq-dt`.
    pub driver: String,
    /// `scaling_governor`, e.g. `schedutil`.
    pub governor: String,
    /// `scaling_cur_freq`.
    pub current_khz: u32,
    /// `scaling_min_freq`.
    pub min_khz: u32,
    /// `scaling_max_freq`.
    pub max_khz: u32,
    /// `cpuinfo_max_freq`: the hardware (OPP table) maximum.
    pub hardware_max_khz: u32,
    /// `scaling_available_frequencies`, when the driver lists them. The
    /// mainline Helios64 DT deletes the low OPPs, so this shows one
    /// frequency per cluster there.
    pub available_khz: Option<Vec<u32>>,
}

impl CpufreqPolicy {
    /// Every cpufreq policy, by name. Empty when cpufreq is not running.
    pub fn all(root: &Root) -> Result<Vec<CpufreqPolicy>> {
        let mut out = Vec::new();
        for dir in root.list_optional(&cpu_dir(root).join("cpufreq"))? {
            let name = root::file_name(&dir)?.to_owned();
            if name.starts_with("policy") {
                out.push(CpufreqPolicy { name, dir });
            }
        }
        Ok(out)
    }

    /// The policy name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Reads the policy's current state.
    pub fn read(&self, root: &Root) -> Result<CpufreqState> {
        let khz = |attr: &str| root.read_parse::<u32>(&self.dir.join(attr), "a frequency in kHz");
        let available = match root.read_optional(&self.dir.join("scaling_available_frequencies"))? {
            Some(text) => Some(
                text.split_whitespace()
                    .map(|w| w.parse::<u32>())
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .map_err(|_| {
                        Error::malformed(
                            self.dir.join("scaling_available_frequencies"),
                            &text,
                            "space-separated frequencies in kHz",
                        )
                    })?,
            ),
            None => None,
        };
        Ok(CpufreqState {
            policy: self.name.clone(),
            cpus: cpuset::read_spaced(root, &self.dir.join("related_cpus"))?,
            driver: root.read(&self.dir.join("scaling_driver"))?,
            governor: root.read(&self.dir.join("scaling_governor"))?,
            current_khz: khz("scaling_cur_freq")?,
            min_khz: khz("scaling_min_freq")?,
            max_khz: khz("scaling_max_freq")?,
            hardware_max_khz: khz("cpuinfo_max_freq")?,
            available_khz: available,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::fs;

    #[test]
    fn rk3399_clusters_are_derived_from_sysfs() {
        for f in Fixture::ALL {
            let topo = CpuTopology::read(&f.root()).unwrap();
            assert_eq!(topo.cpus.len(), 6, "{f:?}");
            assert_eq!(topo.clusters.len(), 2, "{f:?}");
            let little = &topo.clusters[0];
            let big = &topo.clusters[1];
            assert_eq!(little.cpus, CpuSet::parse_list("0-3").unwrap());
            assert_eq!(big.cpus, CpuSet::parse_list("4-5").unwrap());
            assert_eq!(little.core_type, Some("Cortex-A53"));
            assert_eq!(big.core_type, Some("Cortex-A72"));
            assert_eq!(big.capacity, Some(1024));
            assert_eq!(big.cpufreq_policy.as_deref(), Some("policy4"));
            assert_eq!(topo.strongest_cpus(), big.cpus, "{f:?}");
            assert_eq!(topo.online(), CpuSet::parse_list("0-5").unwrap());
        }
        // The variants disagree on the A53 capacity on purpose.
        let a = CpuTopology::read(&Fixture::Armbian.root()).unwrap();
        let m = CpuTopology::read(&Fixture::Mainline.root()).unwrap();
        assert_eq!(a.clusters[0].capacity, Some(485));
        assert_eq!(m.clusters[0].capacity, Some(381));
    }

    #[test]
    fn midr_decodes_the_rk3399_cores() {
        let a53 = Midr::parse("0x00000000410fd034").unwrap();
        assert_eq!(
            (a53.implementer(), a53.part(), a53.variant(), a53.revision()),
            (0x41, 0xd03, 0, 4)
        );
        assert_eq!(a53.core_name(), Some("Cortex-A53"));
        let a72 = Midr::parse("0x00000000410fd082\n").unwrap();
        assert_eq!(a72.core_name(), Some("Cortex-A72"));
        assert_eq!(a72.revision(), 2);
        assert_eq!(Midr(0x0000_0000_510f_8000).core_name(), None, "not Arm-designed");
        assert_eq!(Midr::parse("410fd034"), None);
        assert_eq!(serde_json::to_string(&a72).unwrap(), "\"0x410fd082\"");
    }

    #[test]
    fn cpufreq_policies_show_the_opp_difference() {
        let armbian = Fixture::Armbian.root();
        let policies = CpufreqPolicy::all(&armbian).unwrap();
        assert_eq!(policies.iter().map(|p| p.name()).collect::<Vec<_>>(), ["policy0", "policy4"]);
        let big = policies[1].read(&armbian).unwrap();
        assert_eq!(big.cpus, CpuSet::parse_list("4-5").unwrap());
        assert_eq!(big.hardware_max_khz, 1_800_000);
        assert_eq!(big.available_khz.as_ref().map(Vec::len), Some(8));
        let mainline = Fixture::Mainline.root();
        for p in CpufreqPolicy::all(&mainline).unwrap() {
            let state = p.read(&mainline).unwrap();
            assert_eq!(state.available_khz.map(|v| v.len()), Some(1), "{}", p.name());
            assert_eq!(state.driver, "cpufreq-dt");
        }
    }

    #[test]
    fn without_cluster_id_the_package_is_the_cluster() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        for n in 0..6 {
            fs::remove_file(
                root.sys().join(format!("devices/system/cpu/cpu{n}/topology/cluster_id")),
            )
            .unwrap();
        }
        let topo = CpuTopology::read(&root).unwrap();
        assert_eq!(topo.clusters.len(), 1);
        assert_eq!(topo.clusters[0].core_type, None, "mixed cores");
        assert_eq!(topo.clusters[0].cpufreq_policy, None, "two policies");
    }

    #[test]
    fn malformed_and_missing_nodes_name_the_path() {
        for f in Fixture::ALL {
            let (_d, root) = copy_fixture(f);
            let cap = root.sys().join("devices/system/cpu/cpu4/cpu_capacity");
            fs::write(&cap, "big\n").unwrap();
            let e = CpuTopology::read(&root).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed);
            assert_eq!(e.path(), Some(cap.as_path()));
            fs::write(&cap, "").unwrap();
            assert_eq!(CpuTopology::read(&root).unwrap_err().path(), Some(cap.as_path()));
            fs::write(&cap, "1024\n").unwrap();

            let midr = root.sys().join("devices/system/cpu/cpu0/regs/identification/midr_el1");
            fs::write(&midr, "0xzz\n").unwrap();
            assert_eq!(CpuTopology::read(&root).unwrap_err().path(), Some(midr.as_path()));
            fs::remove_file(&midr).unwrap();
            assert_eq!(CpuTopology::read(&root).unwrap().cpus[0].midr, None);

            let pkg = root.sys().join("devices/system/cpu/cpu2/topology/physical_package_id");
            fs::remove_file(&pkg).unwrap();
            let e = CpuTopology::read(&root).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound);
            assert_eq!(e.path(), Some(pkg.as_path()));

            let gov = root.sys().join("devices/system/cpu/cpufreq/policy0/scaling_cur_freq");
            fs::write(&gov, "fast").unwrap();
            let p = &CpufreqPolicy::all(&root).unwrap()[0];
            assert_eq!(p.read(&root).unwrap_err().path(), Some(gov.as_path()));
        }
    }

    #[test]
    fn an_empty_cpu_directory_is_not_present() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        fs::create_dir_all(root.sys().join("devices/system/cpu")).unwrap();
        fs::write(root.sys().join("devices/system/cpu/online"), "0\n").unwrap();
        assert_eq!(CpuTopology::read(&root).unwrap_err().kind(), ErrorKind::NotFound);
    }
}
