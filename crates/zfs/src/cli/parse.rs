//! Pure parsers for the JSON the `zpool`/`zfs` commands print (OpenZFS 2.3+,
//! `-j`), and the tab-separated `zfs holds -Hp`. No I/O here: the runner in
//! `mod.rs` attaches the command and pool to errors.
//!
//! Only the members the model needs are read; unknown ones are ignored, so
//! newer minor schema versions parse. Object order matters (vdevs are listed
//! in configuration order), so maps are read in document order.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::error::{Result, ZfsError};
use crate::model::{
    CheckpointState, CheckpointStats, Dataset, DatasetKind, Health, Holds, PoolSpace, PoolStatus,
    Properties, Property, PropertySource, RemovalState, RemovalStats, ScanFunction, ScanState,
    ScanStats, Snapshot, Vdev, VdevAux, VdevErrors, VdevSpace, VdevState,
};
use crate::names::reported;

mod errlist;
mod pool_props;

pub use errlist::parse_data_errors;
pub use pool_props::{parse_pool_list, parse_pool_space, parse_writability};

/// A JSON object read as an ordered list of entries.
#[derive(Debug)]
struct Ordered<T>(Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Ordered<T>, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A number as `--json-int` prints it, or as a decimal string without it.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Num {
    Int(u64),
    Text(String),
}

impl Num {
    fn get(&self, field: &str, target: &str) -> Result<u64> {
        match self {
            Num::Int(n) => Ok(*n),
            Num::Text(s) => s.parse().map_err(|_| {
                ZfsError::malformed("JSON number", target, format!("{field} is {s:?}"))
            }),
        }
    }

    /// `None` for "-" (ZFS's "not available").
    fn get_opt(&self, field: &str, target: &str) -> Result<Option<u64>> {
        match self {
            Num::Text(s) if s == "-" => Ok(None),
            other => other.get(field, target).map(Some),
        }
    }
}

#[derive(Debug, Deserialize)]
struct OutputVersion {
    command: String,
    vers_major: u64,
}

fn check_schema(v: &OutputVersion, command: &str, what: &'static str, target: &str) -> Result<()> {
    // Minor versions only add members; a new major may change them.
    if v.vers_major != 0 || v.command != command {
        return Err(ZfsError::malformed(
            what,
            target,
            format!("unsupported output_version {} {}.x", v.command, v.vers_major),
        ));
    }
    Ok(())
}

fn json<'a, T: Deserialize<'a>>(text: &'a str, what: &'static str, target: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| ZfsError::malformed(what, target, e.to_string()))
}

// ---------------------------------------------------------------- status

#[derive(Debug, Deserialize)]
struct StatusDoc {
    output_version: OutputVersion,
    #[serde(default)]
    pools: Ordered<PoolJson>,
}

#[derive(Debug, Deserialize)]
struct PoolJson {
    name: String,
    state: String,
    pool_guid: Num,
    txg: Num,
    #[serde(default)]
    msgid: Option<String>,
    #[serde(default)]
    scan_stats: Option<ScanJson>,
    #[serde(default)]
    checkpoint_stats: Option<CheckpointJson>,
    #[serde(default)]
    removal_stats: Option<RemovalJson>,
    #[serde(default)]
    vdevs: Ordered<VdevJson>,
    #[serde(default)]
    logs: Ordered<VdevJson>,
    #[serde(default)]
    special: Ordered<VdevJson>,
    #[serde(default)]
    dedup: Ordered<VdevJson>,
    #[serde(default)]
    l2cache: Ordered<VdevJson>,
    #[serde(default)]
    spares: Ordered<VdevJson>,
    #[serde(default)]
    error_count: Option<Num>,
}

#[derive(Debug, Deserialize)]
struct VdevJson {
    name: String,
    #[serde(default)]
    vdev_type: Option<String>,
    #[serde(default)]
    guid: Option<Num>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    aux: Option<String>,
    #[serde(default)]
    not_present: Option<Num>,
    #[serde(default)]
    alloc_space: Option<Num>,
    #[serde(default)]
    total_space: Option<Num>,
    #[serde(default)]
    read_errors: Option<Num>,
    #[serde(default)]
    write_errors: Option<Num>,
    #[serde(default)]
    checksum_errors: Option<Num>,
    #[serde(default)]
    slow_ios: Option<Num>,
    #[serde(default)]
    vdevs: Ordered<VdevJson>,
}

#[derive(Debug, Deserialize)]
struct ScanJson {
    #[serde(default)]
    function: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    start_time: Option<Num>,
    #[serde(default)]
    end_time: Option<Num>,
    #[serde(default)]
    to_examine: Option<Num>,
    #[serde(default)]
    examined: Option<Num>,
    #[serde(default)]
    skipped: Option<Num>,
    #[serde(default)]
    processed: Option<Num>,
    #[serde(default)]
    errors: Option<Num>,
    #[serde(default)]
    bytes_per_scan: Option<Num>,
    #[serde(default)]
    pass_start: Option<Num>,
    #[serde(default)]
    scrub_pause: Option<Num>,
    #[serde(default)]
    scrub_spent_paused: Option<Num>,
    #[serde(default)]
    issued_bytes_per_scan: Option<Num>,
    #[serde(default)]
    issued: Option<Num>,
}

#[derive(Debug, Deserialize)]
struct CheckpointJson {
    state: String,
    #[serde(default)]
    start_time: Option<Num>,
    #[serde(default)]
    space: Option<Num>,
}

/// `removal_status_nvlist`'s member. It also carries the removed vdev's
/// name, type and GUID (`fill_vdev_info`), which the model leaves out:
/// the native backend has the index only, and the vdev they describe is
/// an indirect one once the removal finished.
#[derive(Debug, Deserialize)]
struct RemovalJson {
    state: String,
    #[serde(default)]
    removing_vdev: Option<Num>,
    #[serde(default)]
    start_time: Option<Num>,
    #[serde(default)]
    end_time: Option<Num>,
    #[serde(default)]
    to_copy: Option<Num>,
    #[serde(default)]
    copied: Option<Num>,
    #[serde(default)]
    mapping_memory: Option<Num>,
}

const STATUS: &str = "zpool status JSON";

fn checkpoint(c: &CheckpointJson, pool: &str) -> Result<CheckpointStats> {
    let state = CheckpointState::from_name(&c.state).ok_or_else(|| {
        ZfsError::malformed(STATUS, pool, format!("unknown checkpoint state {:?}", c.state))
    })?;
    Ok(CheckpointStats {
        state,
        start_time: req(&c.start_time, "checkpoint start_time", pool)?,
        space: req(&c.space, "checkpoint space", pool)?,
    })
}

fn removal(r: &RemovalJson, pool: &str) -> Result<RemovalStats> {
    let state = RemovalState::from_name(&r.state).ok_or_else(|| {
        ZfsError::malformed(STATUS, pool, format!("unknown removal state {:?}", r.state))
    })?;
    Ok(RemovalStats {
        state,
        removing_vdev: req(&r.removing_vdev, "removal removing_vdev", pool)?,
        start_time: req(&r.start_time, "removal start_time", pool)?,
        end_time: req(&r.end_time, "removal end_time", pool)?,
        to_copy: req(&r.to_copy, "removal to_copy", pool)?,
        copied: req(&r.copied, "removal copied", pool)?,
        mapping_memory: req(&r.mapping_memory, "removal mapping_memory", pool)?,
    })
}

fn req(v: &Option<Num>, field: &str, target: &str) -> Result<u64> {
    v.as_ref()
        .ok_or_else(|| ZfsError::malformed(STATUS, target, format!("no {field}")))?
        .get(field, target)
}

fn opt(v: &Option<Num>, field: &str, target: &str) -> Result<Option<u64>> {
    v.as_ref().map(|n| n.get(field, target)).transpose()
}

/// Which section of `zpool status` a vdev was listed in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Normal,
    Spares,
}

fn vdev(v: &VdevJson, section: Section, pool: &str) -> Result<Vdev> {
    let target = format!("{pool} vdev {}", v.name);
    let t = target.as_str();
    let state_name =
        v.state.as_deref().ok_or_else(|| ZfsError::malformed(STATUS, t, "no state"))?;
    // Spares are printed as AVAIL (healthy, unused) or INUSE (aux SPARED)
    // instead of their raw state; an in-use spare's raw state is CANT_OPEN
    // (what the kernel and so the native backend report).
    let (state, spare_aux) = match (section, state_name) {
        (Section::Spares, "AVAIL") => (VdevState::Online, None),
        (Section::Spares, "INUSE") => (VdevState::CantOpen, Some(VdevAux::Spared)),
        (_, name) => (
            VdevState::from_name(name)
                .ok_or_else(|| ZfsError::malformed(STATUS, t, format!("unknown state {name:?}")))?,
            None,
        ),
    };
    let aux = match (&v.aux, spare_aux) {
        (_, Some(a)) => Some(a),
        (None, None) => None,
        (Some(name), None) => VdevAux::from_name(name)
            .ok_or_else(|| ZfsError::malformed(STATUS, t, format!("unknown aux {name:?}")))?,
    };
    // `zpool status -j` prints no aux for a device that is not present (it
    // prints "was PATH" instead); the kernel's, and so the native backend's,
    // is OPEN_FAILED: the one meaning both backends give a missing device.
    let aux = match (aux, v.not_present.is_some(), state) {
        (None, true, VdevState::CantOpen) => Some(VdevAux::OpenFailed),
        (aux, ..) => aux,
    };
    let errors = if section == Section::Spares {
        None
    } else {
        Some(VdevErrors {
            read: req(&v.read_errors, "read_errors", t)?,
            write: req(&v.write_errors, "write_errors", t)?,
            checksum: req(&v.checksum_errors, "checksum_errors", t)?,
        })
    };
    // `zpool status` omits zero space values; absence means 0 there.
    let space = (section != Section::Spares).then(|| -> Result<VdevSpace> {
        Ok(VdevSpace {
            allocated: opt(&v.alloc_space, "alloc_space", t)?.unwrap_or(0),
            total: opt(&v.total_space, "total_space", t)?.unwrap_or(0),
        })
    });
    let children =
        v.vdevs.0.iter().map(|(_, c)| vdev(c, section, pool)).collect::<Result<Vec<_>>>()?;
    Ok(Vdev {
        name: v.name.clone(),
        vdev_type: v
            .vdev_type
            .clone()
            .ok_or_else(|| ZfsError::malformed(STATUS, t, "no vdev_type"))?,
        guid: req(&v.guid, "guid", t)?,
        path: v.path.clone(),
        state,
        aux,
        not_present: v.not_present.is_some(),
        errors,
        slow_ios: opt(&v.slow_ios, "slow_ios", t)?,
        space: space.transpose()?,
        children,
    })
}

fn scan(s: &ScanJson, pool: &str) -> Result<Option<ScanStats>> {
    let Some(function) = &s.function else { return Ok(None) };
    let state = s.state.as_deref().unwrap_or("");
    Ok(Some(ScanStats {
        function: ScanFunction::from_name(function).ok_or_else(|| {
            ZfsError::malformed(STATUS, pool, format!("unknown scan function {function:?}"))
        })?,
        state: ScanState::from_name(state).ok_or_else(|| {
            ZfsError::malformed(STATUS, pool, format!("unknown scan state {state:?}"))
        })?,
        start_time: req(&s.start_time, "start_time", pool)?,
        end_time: req(&s.end_time, "end_time", pool)?,
        to_examine: req(&s.to_examine, "to_examine", pool)?,
        examined: req(&s.examined, "examined", pool)?,
        skipped: opt(&s.skipped, "skipped", pool)?,
        processed: req(&s.processed, "processed", pool)?,
        errors: req(&s.errors, "errors", pool)?,
        pass_examined: req(&s.bytes_per_scan, "bytes_per_scan", pool)?,
        pass_start: req(&s.pass_start, "pass_start", pool)?,
        pass_scrub_pause: req(&s.scrub_pause, "scrub_pause", pool)?,
        pass_scrub_spent_paused: req(&s.scrub_spent_paused, "scrub_spent_paused", pool)?,
        pass_issued: req(&s.issued_bytes_per_scan, "issued_bytes_per_scan", pool)?,
        issued: req(&s.issued, "issued", pool)?,
    }))
}

fn class(entries: &Ordered<VdevJson>, section: Section, pool: &str) -> Result<Vec<Vdev>> {
    entries.0.iter().map(|(_, v)| vdev(v, section, pool)).collect()
}

/// Parses `zpool status -jp --json-int [POOL]` for one pool. The space
/// fields come from `zpool get` and are left at their defaults here; see
/// [`parse_pool_space`].
pub fn parse_status(text: &str, pool: &str) -> Result<PoolStatus> {
    let doc: StatusDoc = json(text, STATUS, pool)?;
    check_schema(&doc.output_version, "zpool status", STATUS, pool)?;
    let p = doc
        .pools
        .0
        .iter()
        .find(|(k, _)| k == pool)
        .map(|(_, p)| p)
        .ok_or_else(|| ZfsError::malformed(STATUS, pool, "pool not in output"))?;
    let health = Health::from_name(&p.state)
        .ok_or_else(|| ZfsError::malformed(STATUS, pool, format!("unknown state {:?}", p.state)))?;
    let mut roots = p.vdevs.0.iter();
    let root = match (roots.next(), roots.next()) {
        (Some((_, r)), None) => vdev(r, Section::Normal, pool)?,
        _ => return Err(ZfsError::malformed(STATUS, pool, "expected exactly one root vdev")),
    };
    Ok(PoolStatus {
        name: reported(STATUS, pool, p.name.clone())?,
        guid: p.pool_guid.get("pool_guid", pool)?,
        txg: p.txg.get("txg", pool)?,
        health,
        state: None,
        msgid: p.msgid.clone(),
        root,
        logs: class(&p.logs, Section::Normal, pool)?,
        special: class(&p.special, Section::Normal, pool)?,
        dedup: class(&p.dedup, Section::Normal, pool)?,
        l2cache: class(&p.l2cache, Section::Normal, pool)?,
        spares: class(&p.spares, Section::Spares, pool)?,
        scan: p.scan_stats.as_ref().map(|s| scan(s, pool)).transpose()?.flatten(),
        checkpoint: p.checkpoint_stats.as_ref().map(|c| checkpoint(c, pool)).transpose()?,
        removal: p.removal_stats.as_ref().map(|r| removal(r, pool)).transpose()?,
        error_count: opt(&p.error_count, "error_count", pool)?,
        space: PoolSpace::default(),
    })
}

// ------------------------------------------------------- pool properties
// (the pool documents themselves are in `pool_props`)

#[derive(Debug, Deserialize)]
struct PropJson {
    value: Num,
    #[serde(default)]
    source: Option<SourceJson>,
}

#[derive(Debug, Deserialize)]
struct SourceJson {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Option<String>,
}

fn prop<'a>(
    props: &'a Ordered<PropJson>,
    name: &str,
    what: &'static str,
    target: &str,
) -> Result<&'a Num> {
    props
        .0
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, p)| &p.value)
        .ok_or_else(|| ZfsError::malformed(what, target, format!("no property {name}")))
}

// --------------------------------------------------------------- datasets

#[derive(Debug, Deserialize)]
struct DatasetsDoc {
    output_version: OutputVersion,
    #[serde(default)]
    datasets: Ordered<DatasetJson>,
}

#[derive(Debug, Deserialize)]
struct DatasetJson {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    properties: Ordered<PropJson>,
}

/// Parses `zfs list -jp -t snapshot -d 1 -o name,createtxg,creation,guid,used,userrefs DATASET`.
pub fn parse_snapshots(text: &str, dataset: &str) -> Result<Vec<Snapshot>> {
    const WHAT: &str = "zfs list JSON";
    let doc: DatasetsDoc = json(text, WHAT, dataset)?;
    check_schema(&doc.output_version, "zfs list", WHAT, dataset)?;
    let mut out = Vec::new();
    for (_, d) in &doc.datasets.0 {
        if d.kind != "SNAPSHOT" {
            continue;
        }
        let n = |name: &str| prop(&d.properties, name, WHAT, &d.name)?.get(name, &d.name);
        out.push(Snapshot {
            name: reported(WHAT, dataset, d.name.clone())?,
            createtxg: n("createtxg")?,
            creation: n("creation")?,
            guid: n("guid")?,
            used: n("used")?,
            userrefs: n("userrefs")?,
        });
    }
    out.sort_by(|a, b| a.createtxg.cmp(&b.createtxg).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

/// Parses `zfs list -jp -d 1 -t filesystem,volume -o name PARENT`: the
/// children of `parent`, without `parent` itself.
pub fn parse_children(text: &str, parent: &str) -> Result<Vec<Dataset>> {
    const WHAT: &str = "zfs list JSON";
    let doc: DatasetsDoc = json(text, WHAT, parent)?;
    check_schema(&doc.output_version, "zfs list", WHAT, parent)?;
    let mut out = Vec::new();
    for (_, d) in &doc.datasets.0 {
        if d.name == parent {
            continue;
        }
        let kind = match d.kind.as_str() {
            "FILESYSTEM" => DatasetKind::Filesystem,
            "VOLUME" => DatasetKind::Volume,
            other => {
                return Err(ZfsError::malformed(
                    WHAT,
                    &d.name,
                    format!("unexpected type {other:?}"),
                ));
            }
        };
        out.push(Dataset { name: reported(WHAT, parent, d.name.clone())?, kind });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Parses `zfs get -jp all DATASET` (without `--json-int`: values are the
/// literal strings `zfs get -p` prints).
pub fn parse_properties(text: &str, dataset: &str) -> Result<Properties> {
    const WHAT: &str = "zfs get JSON";
    let doc: DatasetsDoc = json(text, WHAT, dataset)?;
    check_schema(&doc.output_version, "zfs get", WHAT, dataset)?;
    let d = doc
        .datasets
        .0
        .iter()
        .find(|(k, _)| k == dataset)
        .map(|(_, d)| d)
        .ok_or_else(|| ZfsError::malformed(WHAT, dataset, "dataset not in output"))?;
    let mut out = Properties::new();
    for (name, p) in &d.properties.0 {
        let value = match &p.value {
            Num::Text(s) => s.clone(),
            Num::Int(n) => n.to_string(),
        };
        let source = match &p.source {
            None => PropertySource::None,
            Some(s) => match s.kind.as_str() {
                "NONE" => PropertySource::None,
                "DEFAULT" => PropertySource::Default,
                "LOCAL" => PropertySource::Local,
                "TEMPORARY" => PropertySource::Temporary,
                "RECEIVED" => PropertySource::Received,
                "INHERITED" => {
                    PropertySource::Inherited { from: s.data.clone().unwrap_or_default() }
                }
                other => {
                    return Err(ZfsError::malformed(
                        WHAT,
                        dataset,
                        format!("{name} has unknown source {other:?}"),
                    ));
                }
            },
        };
        out.insert(name.clone(), Property { value, source });
    }
    Ok(out)
}

/// Parses `zfs holds -Hp SNAPSHOT`: `snapshot<TAB>tag<TAB>unix-time` lines.
pub fn parse_holds(text: &str, snapshot: &str) -> Result<Holds> {
    const WHAT: &str = "zfs holds output";
    let mut out = Holds::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let mut cols = line.split('\t');
        let (Some(snap), Some(tag), Some(time), None) =
            (cols.next(), cols.next(), cols.next(), cols.next())
        else {
            return Err(ZfsError::malformed(WHAT, snapshot, format!("line {line:?}")));
        };
        if snap != snapshot {
            return Err(ZfsError::malformed(WHAT, snapshot, format!("holds of {snap:?}")));
        }
        let time = time
            .trim()
            .parse()
            .map_err(|_| ZfsError::malformed(WHAT, snapshot, format!("time {time:?}")))?;
        out.insert(tag.to_owned(), time);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
