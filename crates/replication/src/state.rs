//! The replication state file (`/var/lib/helios64/replicate/replicate.json`,
//! payload schema [`STATE_SCHEMA`]): each job's last run and last restore
//! test, written by `helios64-replicate` and read by `helios64 health` and
//! the exporter. Here, not in the binary, so that readers share the type.
//!
//! Every field added after schema 1 has a default, so a file written by an
//! older binary still reads.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The state file's name under its directory (`replicate.json`).
pub const STATE_NAME: &str = "replicate";

/// The payload schema.
pub const STATE_SCHEMA: u32 = 1;

/// Where `helios64-replicate` keeps it on the box (the unit's
/// `StateDirectory=helios64/replicate`).
pub const STATE_DIR: &str = "/var/lib/helios64/replicate";

/// How a run or a restore test ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Done (for a run: replicated, or already up to date).
    #[default]
    Ok,
    /// Failed; the record's `error` says why.
    Failed,
}

impl Outcome {
    /// `ok` or `failed`, as in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One job's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobRecord {
    /// When the job last ran, Unix seconds.
    pub last_run: u64,
    /// How it ended.
    pub result: Outcome,
    /// The error, when it failed.
    pub error: Option<String>,
    /// The target's newest snapshot: how fresh the backup is. A failed run
    /// keeps the last good run's.
    pub newest_target_snapshot: Option<String>,
    /// Its creation time, Unix seconds.
    pub newest_target_creation: Option<u64>,
    /// Bytes received by the last run.
    pub received_bytes: u64,
    /// The last restore test (`helios64-replicate verify`), kept across
    /// runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify: Option<VerifyRecord>,
}

/// One restore test's record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRecord {
    /// When it ran, Unix seconds.
    pub at: u64,
    /// How it ended.
    pub result: Outcome,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The target snapshot tested.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// Bytes read back from the target snapshot (every block's checksum
    /// checked on the way).
    #[serde(default)]
    pub read_back_bytes: u64,
    /// Entries (files, directories, links) compared with the source.
    #[serde(default)]
    pub entries_compared: u64,
    /// File bytes compared with the source's.
    #[serde(default)]
    pub content_bytes_compared: u64,
    /// Why contents were not compared (an encrypted target without its
    /// key), when they were not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents_skipped: Option<String>,
}

/// The whole file's payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationState {
    /// Each job's record, by job name.
    #[serde(default)]
    pub jobs: BTreeMap<String, JobRecord>,
}

impl ReplicationState {
    /// Records a run of `job` over what the file holds. A run that found
    /// no target snapshot (it failed early) keeps the freshness the last
    /// good run recorded, and a run never touches the last restore test.
    pub fn record_run(&mut self, job: &str, run: JobRecord) {
        let last = self.jobs.entry(job.to_owned()).or_default();
        let verify = last.verify.take();
        let (snapshot, creation) =
            (last.newest_target_snapshot.take(), last.newest_target_creation);
        *last = if run.newest_target_snapshot.is_none() {
            JobRecord { newest_target_snapshot: snapshot, newest_target_creation: creation, ..run }
        } else {
            run
        };
        last.verify = verify;
    }

    /// Records a restore test of `job`, leaving its run record as it is.
    pub fn record_verify(&mut self, job: &str, verify: VerifyRecord) {
        self.jobs.entry(job.to_owned()).or_default().verify = Some(verify);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good(snapshot: &str, at: u64) -> JobRecord {
        JobRecord {
            last_run: at,
            newest_target_snapshot: Some(snapshot.into()),
            newest_target_creation: Some(at - 10),
            received_bytes: 5,
            ..JobRecord::default()
        }
    }

    #[test]
    fn a_failed_run_keeps_the_last_freshness_and_a_run_keeps_the_restore_test() {
        let mut state = ReplicationState::default();
        state.record_run("usb", good("usb/home@a", 100));
        let verify =
            VerifyRecord { at: 150, snapshot: Some("usb/home@a".into()), ..Default::default() };
        state.record_verify("usb", verify.clone());
        let failed = JobRecord {
            last_run: 200,
            result: Outcome::Failed,
            error: Some("boom".into()),
            ..JobRecord::default()
        };
        state.record_run("usb", failed);
        let r = &state.jobs["usb"];
        assert_eq!(
            (r.last_run, r.result, r.error.as_deref()),
            (200, Outcome::Failed, Some("boom"))
        );
        assert_eq!(r.newest_target_snapshot.as_deref(), Some("usb/home@a"));
        assert_eq!(r.newest_target_creation, Some(90));
        assert_eq!(r.received_bytes, 0);
        assert_eq!(r.verify.as_ref(), Some(&verify));
        state.record_run("usb", good("usb/home@b", 300));
        let r = &state.jobs["usb"];
        assert_eq!(r.newest_target_snapshot.as_deref(), Some("usb/home@b"));
        assert_eq!(r.verify.as_ref(), Some(&verify));
    }

    #[test]
    fn a_schema_1_file_without_the_later_fields_reads() {
        let old = r#"{"jobs":{"usb":{"last_run":1,"result":"failed","error":"x",
            "newest_target_snapshot":null,"newest_target_creation":null,"received_bytes":0}}}"#;
        let state: ReplicationState = serde_json::from_str(old).unwrap();
        assert_eq!(state.jobs["usb"].result, Outcome::Failed);
        assert_eq!(state.jobs["usb"].verify, None);
        let text = serde_json::to_string(&state).unwrap();
        assert!(text.contains(r#""result":"failed""#), "{text}");
    }
}
