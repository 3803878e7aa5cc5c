//! Sets of CPUs in the kernel's two text forms.
//!
//! - The **list** form, `0-3,5` (`%*pbl` in the kernel): `smp_affinity_list`,
//!   `cluster_cpus_list`, `/sys/devices/system/cpu/online`.
//! - The **mask** form, hexadecimal with comma-separated 32-bit groups, most
//!   significant first (`%*pb`): `smp_affinity`, `rps_cpus`, `xps_cpus`. Six
//!   CPUs print as `3f`; a machine with more than 32 prints
//!   `00000000,0000003f`.
//!
//! Parsing is pure; the `read_*` helpers attach the file's path to errors.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::root::Root;

/// The highest CPU number accepted. The arm64 kernel's `NR_CPUS` maximum is
/// 4096; anything above it in a file is corruption, not a CPU.
pub const MAX_CPU: u32 = 4095;

/// A set of CPU numbers, ordered.
#[derive(
    Debug,
    Clone,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct CpuSet {
    cpus: BTreeSet<u32>,
}

impl CpuSet {
    /// The empty set.
    pub fn new() -> Self {
        CpuSet::default()
    }

    /// A set holding `cpus`.
    pub fn from_cpus(cpus: impl IntoIterator<Item = u32>) -> Self {
        CpuSet { cpus: cpus.into_iter().collect() }
    }

    /// Adds a CPU; returns whether it was new.
    pub fn insert(&mut self, cpu: u32) -> bool {
        self.cpus.insert(cpu)
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: u32) -> bool {
        self.cpus.contains(&cpu)
    }

    /// The CPUs, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.cpus.iter().copied()
    }

    /// How many CPUs.
    pub fn len(&self) -> usize {
        self.cpus.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.cpus.is_empty()
    }

    /// The lowest CPU, if any.
    pub fn first(&self) -> Option<u32> {
        self.cpus.first().copied()
    }

    /// Whether every CPU of `self` is in `other`.
    pub fn is_subset(&self, other: &CpuSet) -> bool {
        self.cpus.is_subset(&other.cpus)
    }

    /// Parses the list form: comma-separated CPU numbers and inclusive
    /// ranges (`0-3,5`). An empty string is the empty set, as the kernel
    /// prints it (e.g. `/sys/devices/system/cpu/offline`). The kernel's
    /// stride form (`0-5:2/3`) is not produced by any file read here and is
    /// rejected.
    pub fn parse_list(text: &str) -> Result<CpuSet> {
        let text = text.trim();
        let mut set = CpuSet::new();
        if text.is_empty() {
            return Ok(set);
        }
        for part in text.split(',') {
            let (lo, hi) = match part.split_once('-') {
                Some((lo, hi)) => (cpu_number(text, lo)?, cpu_number(text, hi)?),
                None => {
                    let n = cpu_number(text, part)?;
                    (n, n)
                }
            };
            if lo > hi {
                return Err(invalid_list(text, format!("range {part} runs backwards")));
            }
            set.cpus.extend(lo..=hi);
        }
        Ok(set)
    }

    /// Parses the mask form: hexadecimal, optionally in comma-separated
    /// groups of up to 8 digits (32 CPUs each, most significant group
    /// first). `0` and `00` are the empty set.
    pub fn parse_mask(text: &str) -> Result<CpuSet> {
        let text = text.trim();
        if text.is_empty() {
            return Err(invalid_mask(text, "empty".into()));
        }
        let groups: Vec<&str> = text.split(',').collect();
        let mut set = CpuSet::new();
        for (index_from_right, group) in groups.iter().rev().enumerate() {
            if group.is_empty() || group.len() > 8 {
                return Err(invalid_mask(
                    text,
                    format!("group {group:?} is not 1 to 8 hex digits"),
                ));
            }
            let bits = u32::from_str_radix(group, 16)
                .map_err(|_| invalid_mask(text, format!("{group:?} is not hexadecimal")))?;
            let offset = u32::try_from(index_from_right)
                .ok()
                .and_then(|i| i.checked_mul(32))
                .filter(|o| *o <= MAX_CPU)
                .ok_or_else(|| invalid_mask(text, format!("more than {} CPUs", MAX_CPU + 1)))?;
            for bit in 0..32 {
                if bits & (1 << bit) != 0 {
                    set.cpus.insert(offset + bit);
                }
            }
        }
        Ok(set)
    }

    /// The list form, e.g. `0-3,5`; empty for the empty set.
    pub fn to_list_string(&self) -> String {
        let mut out = String::new();
        let mut iter = self.cpus.iter().copied().peekable();
        while let Some(start) = iter.next() {
            let mut end = start;
            while iter.peek() == Some(&(end + 1)) {
                end += 1;
                iter.next();
            }
            if !out.is_empty() {
                out.push(',');
            }
            if start == end {
                out.push_str(&start.to_string());
            } else {
                out.push_str(&format!("{start}-{end}"));
            }
        }
        out
    }

    /// The mask form the kernel accepts on write: `0` for the empty set,
    /// plain hex up to 32 CPUs (`30`), comma-separated 32-bit groups beyond
    /// (`1,00000000`).
    pub fn to_mask_string(&self) -> String {
        let Some(&max) = self.cpus.last() else {
            return "0".to_owned();
        };
        let groups = max / 32 + 1;
        let mut out = String::new();
        for group in (0..groups).rev() {
            let bits = self
                .cpus
                .range(group * 32..group * 32 + 32)
                .fold(0u32, |acc, cpu| acc | 1 << (cpu - group * 32));
            if out.is_empty() {
                out.push_str(&format!("{bits:x}"));
            } else {
                out.push_str(&format!(",{bits:08x}"));
            }
        }
        out
    }
}

impl fmt::Display for CpuSet {
    /// The list form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_list_string())
    }
}

impl FromStr for CpuSet {
    type Err = Error;

    /// The list form (see [`CpuSet::parse_list`]).
    fn from_str(s: &str) -> Result<Self> {
        CpuSet::parse_list(s)
    }
}

impl FromIterator<u32> for CpuSet {
    fn from_iter<I: IntoIterator<Item = u32>>(iter: I) -> Self {
        CpuSet::from_cpus(iter)
    }
}

fn cpu_number(whole: &str, text: &str) -> Result<u32> {
    let n: u32 = text
        .trim()
        .parse()
        .map_err(|_| invalid_list(whole, format!("{text:?} is not a CPU number")))?;
    if n > MAX_CPU {
        return Err(invalid_list(whole, format!("CPU {n} is above {MAX_CPU}")));
    }
    Ok(n)
}

fn invalid_list(text: &str, reason: String) -> Error {
    Error::InvalidInput { what: "CPU list", value: text.to_owned(), reason }
}

fn invalid_mask(text: &str, reason: String) -> Error {
    Error::InvalidInput { what: "CPU mask", value: text.to_owned(), reason }
}

/// Reads a list-form file (`smp_affinity_list`, `cluster_cpus_list`,
/// `cpu/online`). None of the files read this way can legitimately be empty,
/// so an empty one is malformed.
pub(crate) fn read_list(root: &Root, path: &Path) -> Result<CpuSet> {
    list_at(path, &root.read(path)?)
}

/// Like [`read_list`], but `None` when the file does not exist.
pub(crate) fn read_list_optional(root: &Root, path: &Path) -> Result<Option<CpuSet>> {
    root.read_optional(path)?.map(|text| list_at(path, &text)).transpose()
}

fn list_at(path: &Path, text: &str) -> Result<CpuSet> {
    match CpuSet::parse_list(text) {
        Ok(set) if !set.is_empty() => Ok(set),
        _ => Err(Error::malformed(path, text, "a CPU list such as 0-3,5")),
    }
}

/// Reads a mask-form file (`smp_affinity`, `rps_cpus`, `xps_cpus`).
pub(crate) fn read_mask(root: &Root, path: &Path) -> Result<CpuSet> {
    mask_at(path, &root.read(path)?)
}

/// Like [`read_mask`], but `None` when the file does not exist.
pub(crate) fn read_mask_optional(root: &Root, path: &Path) -> Result<Option<CpuSet>> {
    root.read_optional(path)?.map(|text| mask_at(path, &text)).transpose()
}

fn mask_at(path: &Path, text: &str) -> Result<CpuSet> {
    CpuSet::parse_mask(text)
        .map_err(|_| Error::malformed(path, text, "a hexadecimal CPU mask such as 3f"))
}

/// Reads a space-separated CPU number list (cpufreq's `related_cpus`).
pub(crate) fn read_spaced(root: &Root, path: &Path) -> Result<CpuSet> {
    let text = root.read(path)?;
    let mut set = CpuSet::new();
    for word in text.split_whitespace() {
        let cpu = word
            .parse()
            .ok()
            .filter(|n| *n <= MAX_CPU)
            .ok_or_else(|| Error::malformed(path, &text, "space-separated CPU numbers"))?;
        set.insert(cpu);
    }
    if set.is_empty() {
        return Err(Error::malformed(path, &text, "space-separated CPU numbers"));
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn set(cpus: &[u32]) -> CpuSet {
        cpus.iter().copied().collect()
    }

    #[test]
    fn list_form_round_trips() {
        for (text, cpus) in [
            ("0-3,5", &[0, 1, 2, 3, 5][..]),
            ("4-5", &[4, 5]),
            ("0", &[0]),
            ("", &[]),
            ("1,3,5", &[1, 3, 5]),
            ("0-1,4-5", &[0, 1, 4, 5]),
        ] {
            let parsed = CpuSet::parse_list(text).unwrap();
            assert_eq!(parsed, set(cpus), "{text:?}");
            assert_eq!(parsed.to_list_string(), text);
        }
        assert_eq!(CpuSet::parse_list(" 3-4 \n").unwrap(), set(&[3, 4]));
        assert_eq!(CpuSet::parse_list("5,0-1").unwrap().to_string(), "0-1,5");
    }

    #[test]
    fn list_form_rejects_garbage() {
        for bad in ["a", "1-", "-1", "3-1", "1,,2", "0-5:2/3", "4096", "1.5"] {
            let e = CpuSet::parse_list(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
            assert!(e.to_string().contains("CPU list"), "{e}");
        }
    }

    #[test]
    fn mask_form_decodes_kernel_output() {
        assert_eq!(CpuSet::parse_mask("3f").unwrap(), set(&[0, 1, 2, 3, 4, 5]));
        assert_eq!(CpuSet::parse_mask("30").unwrap(), set(&[4, 5]));
        assert_eq!(CpuSet::parse_mask("07").unwrap(), set(&[0, 1, 2]));
        assert_eq!(CpuSet::parse_mask("00").unwrap(), CpuSet::new());
        assert_eq!(CpuSet::parse_mask("00000000,00000010").unwrap(), set(&[4]));
        assert_eq!(CpuSet::parse_mask("1,00000000").unwrap(), set(&[32]));
        assert_eq!(CpuSet::parse_mask("80000000,00000000,00000001").unwrap(), set(&[0, 95]));
    }

    #[test]
    fn mask_form_encodes_like_armbian_writes() {
        assert_eq!(set(&[1]).to_mask_string(), "2");
        assert_eq!(set(&[3]).to_mask_string(), "8");
        assert_eq!(set(&[4]).to_mask_string(), "10");
        assert_eq!(set(&[4, 5]).to_mask_string(), "30");
        assert_eq!(set(&[0, 1, 2]).to_mask_string(), "7");
        assert_eq!(CpuSet::new().to_mask_string(), "0");
        assert_eq!(set(&[32]).to_mask_string(), "1,00000000");
        assert_eq!(set(&[0, 33]).to_mask_string(), "2,00000001");
        let big = set(&[0, 31, 32, 63, 64]);
        assert_eq!(CpuSet::parse_mask(&big.to_mask_string()).unwrap(), big);
    }

    #[test]
    fn mask_form_rejects_garbage() {
        for bad in ["", "xyz", "0x3f", "123456789", "3f,", ",3f", "3f,,0"] {
            let e = CpuSet::parse_mask(bad).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        }
    }

    #[test]
    fn serialises_as_a_json_array() {
        assert_eq!(serde_json::to_string(&set(&[4, 5])).unwrap(), "[4,5]");
        let back: CpuSet = serde_json::from_str("[3,1]").unwrap();
        assert_eq!(back, set(&[1, 3]));
    }

    #[test]
    fn readers_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = Root::new(dir.path());
        let p = dir.path().join("smp_affinity");
        std::fs::write(&p, "zz\n").unwrap();
        let e = read_mask(&root, &p).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert_eq!(e.path(), Some(p.as_path()));
        std::fs::write(&p, "0-3\n").unwrap();
        assert_eq!(read_list(&root, &p).unwrap(), set(&[0, 1, 2, 3]));
        std::fs::write(&p, "\n").unwrap();
        assert_eq!(read_list(&root, &p).unwrap_err().kind(), ErrorKind::Malformed);
        std::fs::write(&p, "0 1 x\n").unwrap();
        assert_eq!(read_spaced(&root, &p).unwrap_err().path(), Some(p.as_path()));
        std::fs::write(&p, "\n").unwrap();
        assert_eq!(read_spaced(&root, &p).unwrap_err().kind(), ErrorKind::Malformed);
    }
}
