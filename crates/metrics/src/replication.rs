//! Replication jobs, from `helios64-replicate`'s state file: how fresh each
//! backup is and whether its last run and restore test passed. Absent on a
//! box without replication jobs.

use helios64_health::Health;

use crate::family::{Family, flag, labels, num};

pub(crate) fn replication(h: &Health, out: &mut Vec<Family>) {
    let mut last_run = Family::new(
        "helios64_replication_last_run_timestamp_seconds",
        "When the replication job last ran (Unix time).",
    );
    let mut success = Family::new(
        "helios64_replication_last_run_success",
        "1 when the replication job's last run succeeded (or found the target up to date).",
    );
    let mut newest = Family::new(
        "helios64_replication_newest_snapshot_timestamp_seconds",
        "Creation time of the target's newest snapshot (Unix time): how fresh the backup is.",
    );
    let mut newest_age = Family::new(
        "helios64_replication_newest_snapshot_age_seconds",
        "Age of the target's newest snapshot at the scrape.",
    );
    let mut received = Family::new(
        "helios64_replication_received_bytes",
        "Bytes the replication job's last run received.",
    );
    let mut verify_at = Family::new(
        "helios64_replication_verify_timestamp_seconds",
        "When the job's last restore test (helios64-replicate verify) ran (Unix time).",
    );
    let mut verify_ok = Family::new(
        "helios64_replication_verify_success",
        "1 when the job's last restore test passed: the backup read back and equal to its source.",
    );
    let mut verify_bytes = Family::new(
        "helios64_replication_verify_compared_bytes",
        "File bytes the last restore test compared with the source (0 when it could not: no key).",
    );
    for j in &h.replication {
        let job = labels([("job", &j.job)]);
        last_run.push(job.clone(), num(j.last_run_unix));
        success.push(job.clone(), flag(j.result == "ok"));
        newest.push_some(job.clone(), j.newest_snapshot_unix.map(num));
        newest_age.push_some(job.clone(), j.newest_snapshot_age_seconds.map(num));
        received.push(job.clone(), num(j.received_bytes));
        if let Some(v) = &j.verify {
            verify_at.push(job.clone(), num(v.at_unix));
            verify_ok.push(job.clone(), flag(v.result == "ok"));
            verify_bytes.push(job, num(v.content_bytes_compared));
        }
    }
    out.extend([
        last_run,
        success,
        newest,
        newest_age,
        received,
        verify_at,
        verify_ok,
        verify_bytes,
    ]);
}
