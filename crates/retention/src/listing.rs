//! Snapshot listings: the `zfs get -Hrpt snapshot creation` text, held in
//! a compact form (one arena of names, a few bytes per snapshot), so a
//! listing of 100,000 snapshots plans in a few megabytes.

use std::collections::BTreeMap;
use std::io::BufRead;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kind::{Class, SnapType, classify};

/// One snapshot, owned: for building listings and in tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snapshot {
    /// The dataset (`tank/home`).
    pub dataset: String,
    /// The name after `@` (`autosnap_2024-01-01_00:00:00_hourly`).
    pub name: String,
    /// The `creation` property: seconds since the epoch.
    pub creation: i64,
    /// Whether it has user holds (`userrefs` > 0): never destroyed.
    pub held: bool,
}

impl Snapshot {
    /// A record; `held` false.
    pub fn new(dataset: impl Into<String>, name: impl Into<String>, creation: i64) -> Self {
        Snapshot { dataset: dataset.into(), name: name.into(), creation, held: false }
    }

    /// `dataset@name`.
    pub fn full_name(&self) -> String {
        format!("{}@{}", self.dataset, self.name)
    }

    /// How its name is classified.
    pub fn class(&self) -> Class {
        classify(&self.name)
    }
}

/// A snapshot name as a [`Listing`] keeps it: ours without the
/// `autosnap_` prefix and `_<type>` suffix (the type is in the flags), so
/// a listing of sanoid's names costs a third of their text. Compares and
/// prints as the whole name.
#[derive(Debug, Clone, Copy)]
pub struct Name<'a> {
    body: &'a str,
    /// Set when the prefix and `_<kind>` were stripped.
    kind: Option<SnapType>,
}

impl<'a> Name<'a> {
    pub(crate) fn parts(&self) -> [&'a str; 4] {
        match self.kind {
            Some(k) => [crate::kind::PREFIX, self.body, "_", k.as_str()],
            None => [self.body, "", "", ""],
        }
    }

    fn bytes(&self) -> impl Iterator<Item = u8> + 'a {
        self.parts().into_iter().flat_map(str::bytes)
    }

    /// The length in bytes of the whole name.
    pub fn len(&self) -> usize {
        self.parts().iter().map(|p| p.len()).sum()
    }

    /// Never: snapshot names are not empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts().iter().try_for_each(|p| f.write_str(p))
    }
}

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}

impl Eq for Name<'_> {}

impl PartialEq<str> for Name<'_> {
    fn eq(&self, other: &str) -> bool {
        self.len() == other.len() && self.bytes().eq(other.bytes())
    }
}

impl PartialEq<&str> for Name<'_> {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl Ord for Name<'_> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.bytes().cmp(other.bytes())
    }
}

impl PartialOrd for Name<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// One snapshot of a [`Listing`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotRef<'a> {
    /// The dataset.
    pub dataset: &'a str,
    /// The name after `@`.
    pub name: Name<'a>,
    /// Seconds since the epoch.
    pub creation: i64,
    /// Has user holds.
    pub held: bool,
    /// How the name is classified.
    pub class: Class,
}

impl SnapshotRef<'_> {
    /// `dataset@name`.
    pub fn full_name(&self) -> String {
        format!("{}@{}", self.dataset, self.name)
    }

    /// An owned copy.
    pub fn to_owned(&self) -> Snapshot {
        Snapshot {
            dataset: self.dataset.into(),
            name: self.name.to_string(),
            creation: self.creation,
            held: self.held,
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a over `bytes`, continuing from `hash`.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

const HELD: u8 = 1;
/// The name is stored without `autosnap_` and `_<type>`.
const STRIPPED: u8 = 1 << 6;

fn pack(class: Class) -> u8 {
    match class {
        Class::Ours(t) => (t.index() as u8) << 1,
        Class::SanoidOnly(t) => (1 << 4) | ((t.index() as u8) << 1),
        Class::Foreign => 2 << 4,
    }
}

fn unpack(flags: u8) -> Class {
    let kind = SnapType::ALL[usize::from((flags >> 1) & 7).min(5)];
    match (flags >> 4) & 3 {
        0 => Class::Ours(kind),
        1 => Class::SanoidOnly(kind),
        _ => Class::Foreign,
    }
}

/// Snapshots, compactly: names in one arena, per snapshot a creation, an
/// arena offset, a dataset number and a flag byte.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    datasets: Vec<Box<str>>,
    dataset_index: BTreeMap<Box<str>, u32>,
    /// The stored names, end to end; the `i`th runs from `offset[i]` to
    /// `offset[i + 1]` (or the end).
    arena: String,
    offset: Vec<u32>,
    creation: Vec<i64>,
    /// Runs of one dataset: (first snapshot index, dataset number). A
    /// `zfs get -r` listing is one run per dataset, so this costs nothing
    /// per snapshot.
    runs: Vec<(u32, u32)>,
    flags: Vec<u8>,
}

impl Listing {
    /// An empty listing.
    pub fn new() -> Self {
        Listing::default()
    }

    /// A listing of these snapshots, in this order.
    pub fn from_snapshots<'a>(snapshots: impl IntoIterator<Item = &'a Snapshot>) -> Result<Self> {
        let mut l = Listing::new();
        for s in snapshots {
            l.push(&s.dataset, &s.name, s.creation, s.held)?;
        }
        Ok(l)
    }

    /// Appends a snapshot. A name after `@` longer than 255 bytes (ZFS's
    /// own limit for a whole name) is an error.
    pub fn push(&mut self, dataset: &str, name: &str, creation: i64, held: bool) -> Result<()> {
        u8::try_from(name.len()).map_err(|_| Error::Listing {
            input: String::new(),
            line: 0,
            message: format!("{dataset}@{name}: the snapshot name is longer than 255 bytes"),
        })?;
        let too_many = || Error::Listing {
            input: String::new(),
            line: 0,
            message: "listing too large".into(),
        };
        let same =
            self.runs.last().is_some_and(|&(_, last)| *self.datasets[last as usize] == *dataset);
        if !same {
            let ds = match self.dataset_index.get(dataset) {
                Some(&i) => i,
                None => {
                    let i = u32::try_from(self.datasets.len()).map_err(|_| too_many())?;
                    self.datasets.push(dataset.into());
                    self.dataset_index.insert(dataset.into(), i);
                    i
                }
            };
            let first = u32::try_from(self.len()).map_err(|_| too_many())?;
            self.runs.push((first, ds));
        }
        let class = classify(name);
        let mut flags = pack(class) | u8::from(held);
        let mut body = name;
        if let Class::Ours(kind) = class
            && let Some(stripped) = name
                .strip_prefix(crate::kind::PREFIX)
                .and_then(|rest| rest.strip_suffix(kind.as_str()))
                .and_then(|rest| rest.strip_suffix('_'))
        {
            body = stripped;
            flags |= STRIPPED;
        }
        self.offset.push(u32::try_from(self.arena.len()).map_err(|_| too_many())?);
        self.arena.push_str(body);
        self.creation.push(creation);
        self.flags.push(flags);
        Ok(())
    }

    /// How many snapshots.
    pub fn len(&self) -> usize {
        self.creation.len()
    }

    /// No snapshots.
    pub fn is_empty(&self) -> bool {
        self.creation.is_empty()
    }

    fn body(&self, i: usize) -> &str {
        let start = self.offset[i] as usize;
        let end = self.offset.get(i + 1).map_or(self.arena.len(), |&e| e as usize);
        // Bodies are pushed whole, so these are char boundaries.
        self.arena.get(start..end).unwrap_or_default()
    }

    fn name(&self, i: usize) -> Name<'_> {
        let body = self.body(i);
        let kind = match unpack(self.flags[i]) {
            Class::Ours(k) if self.flags[i] & STRIPPED != 0 => Some(k),
            _ => None,
        };
        Name { body, kind }
    }

    /// The `i`th snapshot (panics past the end, like slice indexing).
    pub fn get(&self, i: usize) -> SnapshotRef<'_> {
        SnapshotRef {
            dataset: &self.datasets[self.dataset_of(i)],
            name: self.name(i),
            creation: self.creation[i],
            held: self.flags[i] & HELD != 0,
            class: unpack(self.flags[i]),
        }
    }

    /// Every snapshot, in listing order.
    pub fn iter(&self) -> impl Iterator<Item = SnapshotRef<'_>> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The dataset number of the `i`th snapshot (an index into [`Listing::datasets`]).
    pub fn dataset_of(&self, i: usize) -> usize {
        let run = self.runs.partition_point(|&(first, _)| first as usize <= i);
        self.runs.get(run.wrapping_sub(1)).map_or(0, |&(_, ds)| ds as usize)
    }

    /// The `i`th snapshot's creation.
    pub fn creation_of(&self, i: usize) -> i64 {
        self.creation[i]
    }

    /// The `i`th snapshot's class.
    pub fn class_of(&self, i: usize) -> Class {
        unpack(self.flags[i])
    }

    /// The `i`th snapshot's name after `@`.
    pub fn name_of(&self, i: usize) -> Name<'_> {
        self.name(i)
    }

    /// Whether the `i`th snapshot is held.
    pub fn held_of(&self, i: usize) -> bool {
        self.flags[i] & HELD != 0
    }

    /// The datasets, in order of first appearance.
    pub fn datasets(&self) -> impl Iterator<Item = &str> + '_ {
        self.datasets.iter().map(|d| &**d)
    }

    /// The stored form of the `i`th name: the flag bits that change its
    /// spelling, and the stored body. Equal names have equal forms.
    fn raw(&self, i: usize) -> (u8, &[u8]) {
        let spelling =
            if self.flags[i] & STRIPPED != 0 { self.flags[i] & (STRIPPED | 0b1110) } else { 0 };
        (spelling, self.body(i).as_bytes())
    }

    /// The index ranges of `dataset`'s snapshots.
    fn ranges(&self, ds: u32) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.runs.iter().enumerate().filter(move |(_, r)| r.1 == ds).map(|(k, &(first, _))| {
            let end = self.runs.get(k + 1).map_or(self.len(), |&(next, _)| next as usize);
            first as usize..end
        })
    }

    /// The dataset number of every snapshot, from the runs.
    fn dataset_numbers(&self) -> Vec<u32> {
        let mut of: Vec<u32> = Vec::with_capacity(self.len());
        for (r, &(first, ds)) in self.runs.iter().enumerate() {
            let end = self.runs.get(r + 1).map_or(self.len(), |&(next, _)| next as usize);
            of.extend(std::iter::repeat_n(ds, end - first as usize));
        }
        of
    }

    /// A snapshot listed twice, if any. Sorting 64-bit hashes of (dataset,
    /// stored name) finds candidates in a few milliseconds for 100,000
    /// names; only when two hashes agree are the names compared, by an
    /// exact sort.
    fn duplicate(&self) -> Option<String> {
        let of = self.dataset_numbers();
        let mut hashes: Vec<u64> = (0..self.len())
            .map(|i| {
                let (spelling, body) = self.raw(i);
                fnv1a(fnv1a(fnv1a(FNV_OFFSET, &of[i].to_le_bytes()), &[spelling]), body)
            })
            .collect();
        hashes.sort_unstable();
        if hashes.windows(2).all(|w| w[0] != w[1]) {
            return None;
        }
        drop(hashes);
        let key = |i: u32| (of[i as usize], self.raw(i as usize));
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
        let pair = order.windows(2).find(|w| key(w[0]) == key(w[1]))?;
        Some(self.get(pair[0] as usize).full_name())
    }

    /// Whether `dataset` has a snapshot named `name`.
    pub fn contains(&self, dataset: &str, name: &str) -> bool {
        let Some(&ds) = self.dataset_index.get(dataset) else { return false };
        self.ranges(ds).flatten().any(|i| self.name(i) == name)
    }

    fn set_held(&mut self, held: bool) {
        if let Some(f) = self.flags.last_mut() {
            *f = (*f & !HELD) | u8::from(held);
        }
    }
}

/// Reads the output of `zfs get -Hrpt snapshot creation` (tab-separated
/// `name property value source`), as is. [`read_zfs_get`] on a string.
pub fn parse_zfs_get(text: &str, source: &str) -> Result<Listing> {
    read_zfs_get(text.as_bytes(), source)
}

/// Reads a `zfs get -Hrpt snapshot creation` listing line by line. Lines
/// for `userrefs` (from `zfs get -Hrpt snapshot creation,userrefs`) set the
/// held flag of the snapshot on the line before; other properties are an
/// error, as is a line that is not four fields, a name without `@`, a
/// non-numeric value or a snapshot listed twice. `source` names the input
/// in errors (a file name, `-`).
pub fn read_zfs_get(mut reader: impl BufRead, source: &str) -> Result<Listing> {
    let mut out = Listing::new();
    let mut line: Vec<u8> = Vec::with_capacity(256);
    let mut line_no = 0;
    let mut userrefs_of_last = false;
    let err = |line: usize, message: String| Error::Listing { input: source.into(), line, message };
    loop {
        line.clear();
        line_no += 1;
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => return Err(err(line_no, format!("cannot read: {e}"))),
        }
        let bytes = line.strip_suffix(b"\n").unwrap_or(&line);
        if bytes.is_empty() {
            continue;
        }
        // Fields split on bytes (a tab is never inside UTF-8 sequences);
        // only the text fields are checked for UTF-8.
        let mut fields = bytes.split(|&b| b == b'\t');
        let (Some(full), Some(property), Some(value), Some(_source), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(err(
                line_no,
                "expected 4 tab-separated fields: name property value source (zfs get -Hp)".into(),
            ));
        };
        let (Ok(full), Ok(property), Ok(value)) =
            (std::str::from_utf8(full), std::str::from_utf8(property), std::str::from_utf8(value))
        else {
            return Err(err(line_no, "not UTF-8".into()));
        };
        let Some((dataset, name)) = full.split_once('@') else {
            return Err(err(line_no, format!("{full:?} is not a snapshot name (no '@')")));
        };
        if dataset.is_empty() || name.is_empty() {
            return Err(err(line_no, format!("{full:?} is not a snapshot name")));
        }
        let number = |what: &str| {
            value.parse::<i64>().map_err(|_| {
                err(
                    line_no,
                    format!("{what} of {full} is {value:?}, not a number (use zfs get -p)"),
                )
            })
        };
        match property {
            "creation" => {
                let creation = number("creation")?;
                out.push(dataset, name, creation, false)
                    .map_err(|e| err(line_no, e.to_string()))?;
                userrefs_of_last = false;
            }
            // zfs get prints a snapshot's properties one after the other,
            // in the order asked: userrefs belongs to the line before.
            "userrefs" => {
                let last = out.len().checked_sub(1).map(|i| out.get(i));
                let Some(last) = last else {
                    return Err(err(
                        line_no,
                        format!("userrefs of {full} before its creation line"),
                    ));
                };
                if last.dataset != dataset || last.name != name || userrefs_of_last {
                    return Err(err(
                        line_no,
                        format!("userrefs of {full} does not follow its creation line"),
                    ));
                }
                let held = number("userrefs")? > 0;
                out.set_held(held);
                userrefs_of_last = true;
            }
            other => {
                return Err(err(
                    line_no,
                    format!("property {other:?}: only creation and userrefs are read"),
                ));
            }
        }
    }
    if let Some(dup) = out.duplicate() {
        return Err(Error::Listing {
            input: source.into(),
            line: 0,
            message: format!("{dup} is listed twice"),
        });
    }
    Ok(out)
}

/// Writes snapshots in the `zfs get -Hpt snapshot creation` form (what
/// [`parse_zfs_get`] reads), for tests and the fake `zfs` of the
/// differential harness.
pub fn to_zfs_get(snapshots: &[Snapshot]) -> String {
    let mut out = String::with_capacity(snapshots.len() * 64);
    for s in snapshots {
        out.push_str(&format!("{}@{}\tcreation\t{}\t-\n", s.dataset, s.name, s.creation));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_zfs_get_output_with_userrefs() {
        let text = "tank@autosnap_2024-01-01_00:00:00_hourly\tcreation\t1704067200\t-\n\
                    tank/a@manual\tcreation\t1704067201\t-\n\
                    tank/a@manual\tuserrefs\t1\t-\n";
        let got = parse_zfs_get(text, "list.tsv").unwrap();
        assert_eq!(got.len(), 2);
        let first = got.get(0);
        assert_eq!(first.full_name(), "tank@autosnap_2024-01-01_00:00:00_hourly");
        assert_eq!(first.creation, 1_704_067_200);
        assert_eq!(first.class, Class::Ours(SnapType::Hourly));
        assert!(!first.held);
        assert!(got.get(1).held);
        assert_eq!(got.get(1).class, Class::Foreign);
        assert!(got.contains("tank/a", "manual"));
        let back = parse_zfs_get(&to_zfs_get(&[first.to_owned()]), "x").unwrap();
        assert_eq!(back.get(0), first);
    }

    #[test]
    fn names_are_stored_short_and_read_back_whole() {
        let names = [
            "autosnap_2024-01-01_00:00:00_hourly",
            "autosnap_hourly",
            "autosnap__daily",
            "autosnap_x_weekly-daily",
            "manual",
            "autosnap_2024-10-27_02:00:00dst_hourly",
        ];
        let mut l = Listing::new();
        for (i, n) in names.iter().enumerate() {
            l.push("tank", n, i64::try_from(i).unwrap(), false).unwrap();
        }
        for (i, n) in names.iter().enumerate() {
            let got = l.name_of(i);
            assert_eq!(got.to_string(), *n);
            assert_eq!(got, *n);
            assert_eq!(got.len(), n.len());
            assert!(l.contains("tank", n));
        }
        assert_eq!(l.flags[0] & STRIPPED, STRIPPED);
        assert_eq!(l.flags[1] & STRIPPED, 0, "prefix and suffix overlap: kept whole");
        // Order is the whole names' byte order.
        for a in 0..names.len() {
            for b in 0..names.len() {
                assert_eq!(l.name_of(a).cmp(&l.name_of(b)), names[a].cmp(names[b]), "{a} {b}");
            }
        }
        assert!(!l.contains("tank", "autosnap_2024-01-01_00:00:00_daily"));
        assert!(!l.contains("pool", "manual"));
    }

    #[test]
    fn malformed_lines_name_source_and_line() {
        let cases = [
            ("tank@a\tcreation\t12\n", "list:1: expected 4"),
            ("tank@a\tcreation\tJan 1\t-\n", "list:1: creation of tank@a is \"Jan 1\""),
            ("\ntank\tcreation\t1\t-\n", "list:2: \"tank\" is not a snapshot name"),
            ("tank@a\tused\t1\t-\n", "list:1: property \"used\""),
            ("tank@a\tcreation\t1\t-\ntank@a\tcreation\t1\t-\n", "list: tank@a is listed twice"),
            ("tank@a\tuserrefs\t1\t-\n", "list:1: userrefs of tank@a before its creation"),
            (
                "tank@a\tcreation\t1\t-\ntank@b\tuserrefs\t1\t-\n",
                "list:2: userrefs of tank@b does not follow",
            ),
        ];
        for (text, want) in cases {
            let got = parse_zfs_get(text, "list").unwrap_err().to_string();
            assert!(got.starts_with(want), "{text:?}: {got}");
        }
        let long = format!("tank@{}\tcreation\t1\t-\n", "x".repeat(256));
        assert!(parse_zfs_get(&long, "list").unwrap_err().to_string().contains("longer than 255"));
    }
}
