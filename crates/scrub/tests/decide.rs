//! The scrub rule on tables, and following a scrub on a simulated clock.

// Tests fail loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use helios64_scrub::{Decision, Facts, Refusal, ScrubConfig, Window, decide};
use helios64_zfs_model::{Health, ScanFunction, ScanState, ScanStats};

const DAY: u64 = 86_400;
const NOW: u64 = 1_700_000_000;

fn scan(function: ScanFunction, state: ScanState, end_time: u64, paused: bool) -> ScanStats {
    ScanStats {
        function,
        state,
        start_time: end_time.saturating_sub(3_600),
        end_time,
        to_examine: 100,
        examined: 50,
        skipped: None,
        processed: 0,
        errors: 0,
        pass_examined: 50,
        pass_start: end_time.saturating_sub(3_600),
        pass_scrub_pause: u64::from(paused),
        pass_scrub_spent_paused: 0,
        pass_issued: 50,
        issued: 50,
    }
}

fn facts() -> Facts {
    Facts {
        health: Health::Online,
        scan: Some(scan(ScanFunction::Scrub, ScanState::Finished, NOW - 40 * DAY, false)),
        recorded_end: None,
        mains_online: Some(true),
        hottest_disk: Some(("bay 1".into(), 40)),
        uptime: Duration::from_secs(3_600),
        now: NOW,
        in_window: true,
        other_scrubbing: None,
    }
}

#[test]
fn the_rule_in_a_table() {
    let c = ScrubConfig::default();
    let refused = |why| Decision::Refused { why };
    let f = facts;
    let cases: Vec<(&str, Facts, Decision)> = vec![
        ("due", f(), Decision::Start { last_end: Some(NOW - 40 * DAY) }),
        ("never scrubbed", Facts { scan: None, ..f() }, Decision::Start { last_end: None }),
        (
            "not due",
            Facts {
                scan: Some(scan(ScanFunction::Scrub, ScanState::Finished, NOW - 10 * DAY, false)),
                ..f()
            },
            Decision::NotDue { last_end: NOW - 10 * DAY, due_at: NOW + 20 * DAY },
        ),
        (
            "a canceled scrub does not count as completed",
            Facts {
                scan: Some(scan(ScanFunction::Scrub, ScanState::Canceled, NOW - DAY, false)),
                ..f()
            },
            Decision::Start { last_end: None },
        ),
        (
            "a resilver replaced the stats: our record counts",
            Facts {
                scan: Some(scan(ScanFunction::Resilver, ScanState::Finished, NOW - DAY, false)),
                recorded_end: Some(NOW - 5 * DAY),
                ..f()
            },
            Decision::NotDue { last_end: NOW - 5 * DAY, due_at: NOW + 25 * DAY },
        ),
        (
            "already scrubbing is success",
            Facts { scan: Some(scan(ScanFunction::Scrub, ScanState::Scanning, 0, false)), ..f() },
            Decision::AlreadyScrubbing,
        ),
        (
            "resilvering",
            Facts {
                scan: Some(scan(ScanFunction::Resilver, ScanState::Scanning, 0, false)),
                ..f()
            },
            refused(Refusal::Resilvering),
        ),
        (
            "degraded",
            Facts { health: Health::Degraded, ..f() },
            refused(Refusal::Health { health: "DEGRADED".into() }),
        ),
        (
            "suspended",
            Facts { health: Health::Suspended, ..f() },
            refused(Refusal::Health { health: "SUSPENDED".into() }),
        ),
        ("on battery", Facts { mains_online: Some(false), ..f() }, refused(Refusal::OnBattery)),
        (
            "mains unknown is not battery",
            Facts { mains_online: None, ..f() },
            Decision::Start { last_end: Some(NOW - 40 * DAY) },
        ),
        (
            "hot disk",
            Facts { hottest_disk: Some(("bay 3".into(), 56)), ..f() },
            refused(Refusal::TooHot { bay: "bay 3".into(), celsius: 56, limit: 55 }),
        ),
        (
            "just booted",
            Facts { uptime: Duration::from_secs(60), ..f() },
            refused(Refusal::BootGrace { uptime_secs: 60 }),
        ),
        ("outside the window", Facts { in_window: false, ..f() }, refused(Refusal::OutsideWindow)),
        (
            "one pool at a time",
            Facts { other_scrubbing: Some("tank".into()), ..f() },
            refused(Refusal::AnotherPool { pool: "tank".into() }),
        ),
        (
            "window end pauses a running scrub",
            Facts {
                scan: Some(scan(ScanFunction::Scrub, ScanState::Scanning, 0, false)),
                in_window: false,
                ..f()
            },
            Decision::Pause { why: Refusal::OutsideWindow },
        ),
        (
            "mains lost pauses a running scrub",
            Facts {
                scan: Some(scan(ScanFunction::Scrub, ScanState::Scanning, 0, false)),
                mains_online: Some(false),
                ..f()
            },
            Decision::Pause { why: Refusal::OnBattery },
        ),
        (
            "a paused scrub resumes inside the window",
            Facts { scan: Some(scan(ScanFunction::Scrub, ScanState::Scanning, 0, true)), ..f() },
            Decision::Resume,
        ),
        (
            "a paused scrub stays paused on battery",
            Facts {
                scan: Some(scan(ScanFunction::Scrub, ScanState::Scanning, 0, true)),
                mains_online: Some(false),
                ..f()
            },
            refused(Refusal::OnBattery),
        ),
    ];
    for (what, facts, want) in cases {
        assert_eq!(decide(&c, &facts), want, "{what}");
    }
    let lenient =
        ScrubConfig { allow_degraded: true, max_disk_celsius: 0, ..ScrubConfig::default() };
    assert!(matches!(
        decide(&lenient, &Facts { health: Health::Degraded, ..f() }),
        Decision::Start { .. }
    ));
    assert!(matches!(
        decide(&lenient, &Facts { hottest_disk: Some(("bay 1".into(), 90)), ..f() }),
        Decision::Start { .. }
    ));
    assert!(matches!(
        decide(&lenient, &Facts { health: Health::Faulted, ..f() }),
        Decision::Refused { .. }
    ));
}

#[test]
fn windows_across_midnight() {
    let w = Window { start: "22:30".into(), end: "05:00".into() };
    assert_eq!(w.contains(23 * 60), Some(true));
    assert_eq!(w.contains(4 * 60 + 59), Some(true));
    assert_eq!(w.contains(5 * 60), Some(false));
    assert_eq!(w.contains(12 * 60), Some(false));
    let w = Window { start: "01:00".into(), end: "06:00".into() };
    assert_eq!(w.contains(60), Some(true));
    assert_eq!(w.contains(6 * 60), Some(false));
    assert_eq!(Window { start: "1:00".into(), end: "06:00".into() }.contains(0), None);
}
