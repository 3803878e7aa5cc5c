//! Snapshot records and the `zfs get -Hrpt snapshot creation` listing.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::kind::{Class, classify};

/// One snapshot as the planner sees it.
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

/// Reads the output of `zfs get -Hrpt snapshot creation` (tab-separated
/// `name property value source`), as is. Lines for `userrefs` (from
/// `zfs get -Hrpt snapshot creation,userrefs`) set the held flag; other
/// properties are an error, as is any line that is not four fields, a name
/// without `@`, a non-numeric value or a snapshot listed twice. `source`
/// names the input in errors (a file name, `-`).
pub fn parse_zfs_get(text: &str, source: &str) -> Result<Vec<Snapshot>> {
    let mut out: Vec<Snapshot> = Vec::new();
    // The full name of each record, borrowed from `text`, for the
    // duplicate check and for matching a userrefs line to its record.
    let mut names: Vec<&str> = Vec::new();
    let mut userrefs_of_last = false;
    let err = |line: usize, message: String| Error::Listing { input: source.into(), line, message };
    for (n, line) in text.lines().enumerate() {
        let line_no = n + 1;
        if line.is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(full), Some(property), Some(value), Some(_source), None) =
            (fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(err(
                line_no,
                "expected 4 tab-separated fields: name property value source (zfs get -Hp)".into(),
            ));
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
                out.push(Snapshot::new(dataset, name, number("creation")?));
                names.push(full);
                userrefs_of_last = false;
            }
            // zfs get prints a snapshot's properties one after the other,
            // in the order asked: userrefs belongs to the line before.
            "userrefs" => {
                let (Some(last), Some(&last_name)) = (out.last_mut(), names.last()) else {
                    return Err(err(
                        line_no,
                        format!("userrefs of {full} before its creation line"),
                    ));
                };
                if last_name != full || userrefs_of_last {
                    return Err(err(
                        line_no,
                        format!("userrefs of {full} does not follow its creation line"),
                    ));
                }
                last.held = number("userrefs")? > 0;
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
    let mut sorted: Vec<(&str, usize)> = names.iter().copied().zip(0..).collect();
    sorted.sort_unstable();
    if let Some(pair) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(Error::Listing {
            input: source.into(),
            line: 0,
            message: format!("{} is listed twice", pair[0].0),
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
        assert_eq!(got[0].full_name(), "tank@autosnap_2024-01-01_00:00:00_hourly");
        assert_eq!(got[0].creation, 1_704_067_200);
        assert!(!got[0].held);
        assert!(got[1].held);
        assert_eq!(parse_zfs_get(&to_zfs_get(&got[..1]), "x").unwrap(), got[..1]);
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
    }
}
