//! Replication jobs: a failed run, a stale backup, a failed or overdue
//! restore test.

use helios64_replication::{JobRecord, Outcome};

use super::age;
use crate::config::HealthConfig;
use crate::inputs::{DaemonState, Inputs};
use crate::model::{ReplicationHealth, RestoreTestView};
use crate::reason::{Reason, ReasonCode, Subject};

fn subject(job: &str) -> Subject {
    Subject::part(format!("replication job {job}"))
}

pub(super) fn assess(
    inputs: &Inputs,
    config: &HealthConfig,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> Vec<ReplicationHealth> {
    let t = &config.thresholds;
    let state = match &inputs.replication {
        DaemonState::Fresh(s) | DaemonState::Stale { state: s, .. } => s,
        DaemonState::Absent => return Vec::new(),
        DaemonState::Unreadable(error) => {
            reasons.push(Reason::new(
                t.collector_failed,
                ReasonCode::CollectorFailed,
                Subject::part("replication state"),
                format!("could not be read: {error}"),
            ));
            return Vec::new();
        }
    };
    state.jobs.iter().map(|(job, record)| one(job, record, config, now, reasons)).collect()
}

fn one(
    job: &str,
    r: &JobRecord,
    config: &HealthConfig,
    now: u64,
    reasons: &mut Vec<Reason>,
) -> ReplicationHealth {
    let (t, c) = (&config.thresholds, &config.replication);
    if r.result == Outcome::Failed {
        let why = r.error.as_deref().unwrap_or("no error recorded");
        reasons.push(Reason::new(
            t.replication_failed,
            ReasonCode::ReplicationFailed,
            subject(job),
            format!("the last run failed: {why}"),
        ));
    }
    let snapshot_age = r.newest_target_creation.map(|c| now.saturating_sub(c));
    let stale_after = c.stale_after_hours.saturating_mul(3600);
    match (&r.newest_target_snapshot, snapshot_age) {
        (Some(snap), Some(a)) if a > stale_after => reasons.push(Reason::new(
            t.replication_stale,
            ReasonCode::ReplicationStale,
            subject(job),
            format!("the newest backup, {snap}, is {} old", age(a)),
        )),
        (None, _) => reasons.push(Reason::new(
            t.replication_stale,
            ReasonCode::ReplicationStale,
            subject(job),
            "the target has no snapshot yet",
        )),
        _ => {}
    }
    let verify = r.verify.as_ref().map(|v| {
        if v.result == Outcome::Failed {
            let why = v.error.as_deref().unwrap_or("no error recorded");
            reasons.push(Reason::new(
                t.restore_test_failed,
                ReasonCode::RestoreTestFailed,
                subject(job),
                format!("the restore test failed: {why}"),
            ));
        }
        let since = now.saturating_sub(v.at);
        if since > c.verify_overdue_days.saturating_mul(86_400) {
            reasons.push(Reason::new(
                t.restore_test_overdue,
                ReasonCode::RestoreTestOverdue,
                subject(job),
                format!("the last restore test ran {} ago", age(since)),
            ));
        }
        RestoreTestView {
            at_unix: v.at,
            result: v.result.as_str(),
            error: v.error.clone(),
            read_back_bytes: v.read_back_bytes,
            content_bytes_compared: v.content_bytes_compared,
            contents_skipped: v.contents_skipped.clone(),
        }
    });
    ReplicationHealth {
        job: job.to_owned(),
        last_run_unix: r.last_run,
        result: r.result.as_str(),
        error: r.error.clone(),
        newest_snapshot: r.newest_target_snapshot.clone(),
        newest_snapshot_unix: r.newest_target_creation,
        newest_snapshot_age_seconds: snapshot_age,
        received_bytes: r.received_bytes,
        verify,
    }
}

#[cfg(test)]
mod tests {
    use helios64_replication::{ReplicationState, VerifyRecord};

    use super::*;
    use crate::level::Level;

    const NOW: u64 = 10_000_000;

    fn board() -> helios64_status::BoxStatus {
        let root = helios64_hal::Root::new(
            helios64_hal::testing::fixtures_dir().join("sysfs/helios64-armbian"),
        );
        helios64_status::BoxStatus::collect(&root)
    }

    fn run(records: Vec<(&str, JobRecord)>) -> (Vec<ReplicationHealth>, Vec<Reason>) {
        let mut state = ReplicationState::default();
        for (job, r) in records {
            state.jobs.insert(job.to_owned(), r);
        }
        let inputs =
            Inputs { replication: DaemonState::Fresh(state), ..Inputs::board_only(board()) };
        let mut reasons = Vec::new();
        let jobs = assess(&inputs, &HealthConfig::default(), NOW, &mut reasons);
        (jobs, reasons)
    }

    fn fresh() -> JobRecord {
        JobRecord {
            last_run: NOW - 60,
            newest_target_snapshot: Some("usb/home@a".into()),
            newest_target_creation: Some(NOW - 3600),
            ..JobRecord::default()
        }
    }

    #[test]
    fn a_fresh_job_with_a_passed_test_has_no_reason() {
        let mut r = fresh();
        r.verify = Some(VerifyRecord { at: NOW - 86_400, ..VerifyRecord::default() });
        let (jobs, reasons) = run(vec![("usb", r)]);
        assert_eq!(reasons, []);
        assert_eq!(jobs[0].newest_snapshot_age_seconds, Some(3600));
        assert_eq!(jobs[0].verify.as_ref().unwrap().result, "ok");
    }

    #[test]
    fn failures_staleness_and_a_failed_restore_test_are_levelled() {
        let failed = JobRecord {
            result: Outcome::Failed,
            error: Some("job usb: boom".into()),
            newest_target_creation: Some(NOW - 3 * 86_400),
            ..fresh()
        };
        let mut tested = fresh();
        tested.verify = Some(VerifyRecord {
            at: NOW - 50 * 86_400,
            result: Outcome::Failed,
            error: Some("differs".into()),
            ..VerifyRecord::default()
        });
        let (_, reasons) = run(vec![("usb", failed), ("off", tested)]);
        let got: Vec<(Level, ReasonCode, String)> =
            reasons.iter().map(|r| (r.level, r.code, r.to_string())).collect();
        assert!(
            got.contains(&(
                Level::Warning,
                ReasonCode::ReplicationFailed,
                "replication job usb: the last run failed: job usb: boom".into()
            )),
            "{got:?}"
        );
        assert!(
            got.iter().any(|(l, c, m)| *l == Level::Warning
                && *c == ReasonCode::ReplicationStale
                && m.contains("usb/home@a, is 3 days old")),
            "{got:?}"
        );
        assert!(
            got.contains(&(
                Level::Critical,
                ReasonCode::RestoreTestFailed,
                "replication job off: the restore test failed: differs".into()
            )),
            "{got:?}"
        );
        assert!(got.iter().any(|(_, c, _)| *c == ReasonCode::RestoreTestOverdue), "{got:?}");
    }

    #[test]
    fn an_unreadable_state_file_is_a_failed_collector_and_none_is_nothing() {
        let inputs = Inputs {
            replication: DaemonState::Unreadable("replicate.json: bad".into()),
            ..Inputs::board_only(board())
        };
        let mut reasons = Vec::new();
        assert!(assess(&inputs, &HealthConfig::default(), NOW, &mut reasons).is_empty());
        assert_eq!(reasons[0].code, ReasonCode::CollectorFailed);
        let mut none = Vec::new();
        let absent = Inputs::board_only(board());
        assert!(assess(&absent, &HealthConfig::default(), NOW, &mut none).is_empty());
        assert!(none.is_empty());
    }
}
