//! What a run needs to know about its target ([`Description`]), as
//! `helios64-replicate receive --describe` prints it, and the parsers of
//! the remote's answers (ours as JSON, plain `zfs list`/`zfs get` as
//! tab-separated lines): pure, no I/O, each failure naming the line.

use serde::{Deserialize, Serialize};

/// A target filesystem as the planner and the run see it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    /// Whether the target exists.
    pub exists: bool,
    /// Whether its parent exists (a full receive needs it).
    pub parent_exists: bool,
    /// Its snapshots, oldest first (by `createtxg`).
    pub snapshots: Vec<TargetSnap>,
    /// Its `receive_resume_token`, when a receive was interrupted.
    pub resume_token: Option<String>,
}

/// One target snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetSnap {
    /// The short name (after `@`).
    pub name: String,
    /// Its GUID (what matches it to the source's).
    pub guid: u64,
    /// The transaction group that created it.
    pub createtxg: u64,
    /// Creation time, Unix seconds.
    pub creation: u64,
    /// Number of user holds.
    pub userrefs: u64,
}

/// A remote answer that does not parse: what was expected, the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadOutput {
    /// What was wrong.
    pub reason: String,
}

impl std::fmt::Display for BadOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

fn bad(reason: String) -> BadOutput {
    BadOutput { reason }
}

/// `receive --describe`'s JSON.
pub fn parse_description(stdout: &str) -> Result<Description, BadOutput> {
    serde_json::from_str(stdout.trim())
        .map_err(|e| bad(format!("receive --describe printed {:?}: {e}", excerpt(stdout))))
}

/// `zfs list -Hp -d 1 -o name PARENT`: whether `target` is among the
/// names (the parent itself is the first line).
pub fn parse_children(stdout: &str, parent: &str, target: &str) -> Result<bool, BadOutput> {
    let mut lines = stdout.lines();
    match lines.next() {
        Some(first) if first == parent => {}
        other => {
            return Err(bad(format!(
                "zfs list of {parent} began with {:?}, not the parent",
                other.unwrap_or("")
            )));
        }
    }
    Ok(lines.any(|l| l == target))
}

/// `zfs list -Hp -t snapshot -o name,guid,createtxg,creation,userrefs
/// TARGET`, sorted by `createtxg`.
pub fn parse_snapshots(stdout: &str, target: &str) -> Result<Vec<TargetSnap>, BadOutput> {
    let mut snaps = Vec::new();
    for (i, line) in stdout.lines().enumerate() {
        let at = || format!("zfs list line {} {:?}", i + 1, excerpt(line));
        let fields: Vec<&str> = line.split('\t').collect();
        let [name, guid, createtxg, creation, userrefs] = fields[..] else {
            return Err(bad(format!("{}: not 5 tab-separated fields", at())));
        };
        let short = match name.split_once('@') {
            Some((fs, short)) if fs == target && !short.is_empty() => short,
            _ => return Err(bad(format!("{}: not a snapshot of {target}", at()))),
        };
        let num = |what: &str, v: &str| {
            v.parse::<u64>().map_err(|_| bad(format!("{}: {what} {v:?} is not a number", at())))
        };
        snaps.push(TargetSnap {
            name: short.to_owned(),
            guid: num("guid", guid)?,
            createtxg: num("createtxg", createtxg)?,
            creation: num("creation", creation)?,
            userrefs: num("userrefs", userrefs)?,
        });
    }
    snaps.sort_by_key(|s| s.createtxg);
    Ok(snaps)
}

/// `zfs get -Hp -o value receive_resume_token`: `-` is none.
pub fn parse_token(stdout: &str) -> Result<Option<String>, BadOutput> {
    let mut lines = stdout.lines();
    let (Some(value), None) = (lines.next(), lines.next()) else {
        return Err(bad(format!("zfs get printed {:?}, not one line", excerpt(stdout))));
    };
    let value = value.trim();
    if value.is_empty() || value.chars().any(char::is_whitespace) {
        return Err(bad(format!("zfs get printed {:?}, not a token", excerpt(value))));
    }
    Ok((value != "-").then(|| value.to_owned()))
}

/// `receive`'s JSON line: the bytes received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Received {
    /// Bytes of the stream received.
    pub bytes: u64,
}

/// `receive --abort`'s JSON line: what was removed, as a phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AbortedRemote {
    /// E.g. "nothing removed", "destroyed backup/home/%recv".
    pub removed: String,
}

/// One JSON line of ours.
pub fn parse_json<T: for<'de> Deserialize<'de>>(what: &str, stdout: &str) -> Result<T, BadOutput> {
    serde_json::from_str(stdout.trim())
        .map_err(|e| bad(format!("{what} printed {:?}: {e}", excerpt(stdout))))
}

/// How a remote command ended, as far as the fallback and the errors care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Exit 0.
    Done,
    /// `ssh` itself failed (exit 255): no connection, refused key, host
    /// key mismatch.
    Unreachable,
    /// The remote shell could not run the program (exit 127 or 126, or its
    /// "command not found"/"not found").
    NoCommand,
    /// The program ran and failed.
    Failed,
}

/// Classifies an exit code (`None`: killed by a signal) and stderr.
pub fn ending(code: Option<i32>, stderr: &str) -> Ending {
    match code {
        Some(0) => Ending::Done,
        Some(255) => Ending::Unreachable,
        Some(126 | 127) => Ending::NoCommand,
        _ if stderr.contains("command not found") => Ending::NoCommand,
        _ => Ending::Failed,
    }
}

/// The last non-empty line of a remote's stderr, the message to show.
pub fn last_line(stderr: &str) -> String {
    stderr.lines().rev().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_owned()
}

fn excerpt(s: &str) -> String {
    let s = s.trim();
    match s.char_indices().nth(120) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "backup/home@s2\t222\t20\t1700000100\t0\n\
                        backup/home@s1\t111\t10\t1700000000\t1\n";

    #[test]
    fn snapshots_parse_sorted_by_txg() {
        let snaps = parse_snapshots(LIST, "backup/home").unwrap();
        let names: Vec<&str> = snaps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["s1", "s2"]);
        assert_eq!(
            snaps[0],
            TargetSnap {
                name: "s1".into(),
                guid: 111,
                createtxg: 10,
                creation: 1_700_000_000,
                userrefs: 1
            }
        );
        assert_eq!(parse_snapshots("", "backup/home").unwrap(), []);
    }

    #[test]
    fn bad_snapshot_lines_name_the_line() {
        let e = parse_snapshots("backup/home@s1\t1\t2\n", "backup/home").unwrap_err();
        assert!(e.reason.contains("line 1") && e.reason.contains("5 tab-separated"), "{e}");
        let e = parse_snapshots("backup/home@s1\tx\t2\t3\t0\n", "backup/home").unwrap_err();
        assert!(e.reason.contains("guid \"x\""), "{e}");
        let e = parse_snapshots("other/fs@s1\t1\t2\t3\t0\n", "backup/home").unwrap_err();
        assert!(e.reason.contains("not a snapshot of backup/home"), "{e}");
        let e = parse_snapshots("backup/home@\t1\t2\t3\t0\n", "backup/home").unwrap_err();
        assert!(e.reason.contains("not a snapshot"), "{e}");
    }

    #[test]
    fn children_and_tokens() {
        let out = "backup\nbackup/home\nbackup/other\n";
        assert!(parse_children(out, "backup", "backup/home").unwrap());
        assert!(!parse_children("backup\n", "backup", "backup/home").unwrap());
        assert!(parse_children("junk\n", "backup", "backup/home").is_err());
        assert_eq!(parse_token("-\n").unwrap(), None);
        assert_eq!(parse_token("1-abc-def\n").unwrap().as_deref(), Some("1-abc-def"));
        assert!(parse_token("").is_err());
        assert!(parse_token("a\nb\n").is_err());
        assert!(parse_token("a b\n").is_err());
    }

    #[test]
    fn descriptions_round_trip_and_junk_is_an_error() {
        let d = Description {
            exists: true,
            parent_exists: true,
            snapshots: parse_snapshots(LIST, "backup/home").unwrap(),
            resume_token: Some("1-x".into()),
        };
        let text = serde_json::to_string(&d).unwrap();
        assert_eq!(parse_description(&text).unwrap(), d);
        let e = parse_description("bash: hello\n").unwrap_err();
        assert!(e.reason.contains("bash: hello"), "{e}");
        assert!(parse_description("{\"exists\": true}").is_err(), "fields are required");
        let r: Received = parse_json("receive", "{\"bytes\": 5}\n").unwrap();
        assert_eq!(r.bytes, 5);
        assert!(parse_json::<Received>("receive", "").is_err());
    }

    #[test]
    fn endings_tell_a_missing_program_from_an_unreachable_host() {
        assert_eq!(ending(Some(0), ""), Ending::Done);
        assert_eq!(
            ending(Some(255), "ssh: connect to host 127.0.0.1 port 1: Connection refused"),
            Ending::Unreachable
        );
        assert_eq!(ending(Some(127), "sh: 1: helios64-replicate: not found"), Ending::NoCommand);
        assert_eq!(ending(Some(126), "Permission denied"), Ending::NoCommand);
        assert_eq!(ending(Some(1), "bash: line 1: x: command not found"), Ending::NoCommand);
        assert_eq!(ending(Some(1), "cannot open 'b/x': dataset does not exist"), Ending::Failed);
        assert_eq!(ending(None, ""), Ending::Failed);
        assert_eq!(last_line("warning\nthe error\n\n"), "the error");
    }
}
