//! What one job's run did ([`Report`]), printed as a line or as JSON.

use helios64_replication::{Base, Plan};
use helios64_zfs::DatasetName;
use serde::Serialize;

use crate::remote::Host;

/// What a run did (or, dry, would do).
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The job.
    pub job: String,
    /// Its source.
    pub source: DatasetName,
    /// Its target.
    pub target: DatasetName,
    /// The target's host; `None` for a pool on this host.
    pub host: Option<Host>,
    /// What received the streams ("libzfs_core", "helios64-replicate
    /// receive on HOST", "zfs receive on HOST").
    pub receiver: String,
    /// Whether streams are raw.
    pub raw: bool,
    /// Holds of this job left by an earlier run, released (`snap#tag`).
    pub released_stale_holds: Vec<String>,
    /// The snapshot an interrupted receive was resumed to.
    pub resumed: Option<String>,
    /// Why an interrupted receive was given up, and what was removed.
    pub aborted: Option<String>,
    /// The plan.
    pub plan: Option<Plan>,
    /// Estimated size of each step's stream (`lzc_send_space`), in bytes.
    pub estimated_bytes: Vec<u64>,
    /// Bytes received.
    pub received_bytes: u64,
    /// The source bookmark of the newest replicated snapshot.
    pub bookmark: Option<String>,
    /// The target's newest snapshot after the run.
    pub newest_target_snapshot: Option<String>,
    /// Its creation time, Unix seconds.
    pub newest_target_creation: Option<u64>,
    /// Target snapshots destroyed by the job's `target_retention` (in a
    /// dry run: those it would destroy as the target is now).
    pub pruned: Vec<String>,
}

impl Report {
    /// An empty report of a job.
    pub fn new(job: &str, source: &DatasetName, target: &DatasetName, host: Option<&Host>) -> Self {
        Report {
            job: job.to_owned(),
            source: source.clone(),
            target: target.clone(),
            host: host.cloned(),
            receiver: String::new(),
            raw: false,
            released_stale_holds: Vec::new(),
            resumed: None,
            aborted: None,
            plan: None,
            estimated_bytes: Vec::new(),
            received_bytes: 0,
            pruned: Vec::new(),
            bookmark: None,
            newest_target_snapshot: None,
            newest_target_creation: None,
        }
    }

    /// The target as `HOST:DATASET`, or the dataset on this host.
    pub fn where_to(&self) -> String {
        match &self.host {
            Some(h) => format!("{h}:{}", self.target),
            None => self.target.to_string(),
        }
    }

    /// One line: the plan (full or incremental, which snapshots, from a
    /// bookmark), its estimated size, and a rollback's casualties.
    pub fn summary(&self) -> String {
        let head = format!("{}: {} → {}", self.job, self.source, self.where_to());
        let raw = if self.raw { " (raw)" } else { "" };
        match &self.plan {
            None => format!("{head}: nothing planned"),
            Some(Plan::UpToDate { newest }) => format!("{head}: up to date at {}", newest.name),
            Some(Plan::Send(send)) => {
                let steps: Vec<String> = send
                    .steps
                    .iter()
                    .map(|s| match &s.from {
                        None => format!("full {}", s.to.name),
                        Some(Base::Snapshot(f)) => format!("{f}→{}", s.to.name),
                        Some(Base::Bookmark(f)) => format!("#{f}→{}", s.to.name),
                    })
                    .collect();
                let bytes: u64 = self.estimated_bytes.iter().sum();
                let rollback = if send.rollback {
                    format!(", rolling the target back (destroys {})", send.destroys.join(", "))
                } else {
                    String::new()
                };
                format!("{head}{raw}: {} (about {bytes} bytes){rollback}", steps.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use helios64_replication::{Send, Snap, Step};

    fn report(plan: Plan) -> Report {
        let name = |s: &str| s.parse::<DatasetName>().unwrap();
        Report {
            plan: Some(plan),
            estimated_bytes: vec![100, 20],
            ..Report::new("usb", &name("tank/home"), &name("usb/home"), None)
        }
    }

    #[test]
    fn summaries_name_every_step_its_base_and_the_size() {
        let step = |from, to: &str| Step { from, to: Snap::new(to, 1, 1) };
        let send = Send {
            base: None,
            rollback: false,
            destroys: vec![],
            steps: vec![step(None, "a"), step(Some(Base::Bookmark("m_a".into())), "b")],
        };
        assert_eq!(
            report(Plan::Send(send.clone())).summary(),
            "usb: tank/home → usb/home: full a, #m_a→b (about 120 bytes)"
        );
        let rolled = Send { rollback: true, destroys: vec!["x".into()], ..send };
        assert!(report(Plan::Send(rolled)).summary().ends_with("(destroys x)"));
        let up = report(Plan::UpToDate { newest: Snap::new("c", 3, 3) });
        assert_eq!(up.summary(), "usb: tank/home → usb/home: up to date at c");
        let remote = Report { host: Some("nas2".parse().unwrap()), ..up };
        assert_eq!(remote.summary(), "usb: tank/home → nas2:usb/home: up to date at c");
        let json = serde_json::to_value(&remote).unwrap();
        assert_eq!(
            (json["host"].as_str(), json["target"].as_str()),
            (Some("nas2"), Some("usb/home"))
        );
    }
}
