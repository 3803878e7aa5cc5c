//! What every daemon unit must do under systemd: reach `active (running)`
//! through `READY=1` (Type=notify: systemd holds a notify unit in
//! `activating` until then), publish a sane `STATUS=` (read through
//! `systemctl show` and over D-Bus with `busctl`), reload on
//! `systemctl reload` (ExecReload= sends SIGHUP: the daemon logs the
//! reload and keeps its process), and stop to `inactive (dead)` with result
//! `success`, not `failed`.

use std::collections::BTreeMap;
use std::time::Duration;

use vm_env::require_guest;

use crate::unit::{Unit, realtime_us};

pub(crate) const FAND: Unit = Unit("helios64-fand.service");
pub(crate) const UPSD: Unit = Unit("helios64-upsd.service");
pub(crate) const PIN: Unit = Unit("helios64-pin.service");
pub(crate) const EXPORTER: Unit = Unit("helios64-exporter.service");
/// Every long-running daemon unit in dist/systemd.
pub(crate) const DAEMONS: [Unit; 4] = [FAND, UPSD, PIN, EXPORTER];

/// The bound on a daemon's start (a restart included) under TCG.
pub(crate) const START_LIMIT: Duration = Duration::from_secs(60);

const STARTED: &[&str] = &[
    "Type",
    "NotifyAccess",
    "ActiveState",
    "SubState",
    "Result",
    "StatusText",
    "MainPID",
    "ExecMainStartTimestampMonotonic",
    "ActiveEnterTimestampMonotonic",
];

/// Asserts that `unit` is a notify service that got to `active (running)`
/// (so systemd received its `READY=1`) with a non-empty `STATUS=`, the same
/// over D-Bus; returns its properties.
pub(crate) fn assert_started(unit: Unit) -> BTreeMap<String, String> {
    let p = unit.wait_running(START_LIMIT);
    let p = unit.show(STARTED).into_iter().chain(p).collect::<BTreeMap<_, _>>();
    let context = || format!("{p:#?}\n{}", unit.describe());
    assert_eq!(
        (p["Type"].as_str(), p["NotifyAccess"].as_str()),
        ("notify", "main"),
        "{}",
        context()
    );
    assert_eq!(p["Result"], "success", "{}", context());
    assert_ne!(p["MainPID"], "0", "{}", context());
    let started: u64 = p["ExecMainStartTimestampMonotonic"].parse().unwrap();
    let active: u64 = p["ActiveEnterTimestampMonotonic"].parse().unwrap();
    assert!(started > 0 && active >= started, "{}", context());
    assert!(!p["StatusText"].is_empty(), "no STATUS= from {}\n{}", unit.0, context());
    let bus = unit.bus_property("org.freedesktop.systemd1.Service", "StatusText");
    // busctl quotes the string; the status may change between the reads.
    assert!(bus.starts_with("s \""), "busctl StatusText of {}: {bus}", unit.0);
    p
}

/// `systemctl reload`: the same process (no restart), the reload in the
/// journal, back to `active (running)`.
pub(crate) fn assert_reloads(unit: Unit) {
    let before = unit.show(&["MainPID", "InvocationID", "NRestarts"]);
    let since = realtime_us();
    unit.ok("reload");
    unit.wait_journal(since, "configuration reloaded", Duration::from_secs(30));
    unit.wait_running(START_LIMIT);
    let after = unit.show(&["MainPID", "InvocationID", "NRestarts"]);
    assert_eq!(before, after, "{} restarted instead of reloading\n{}", unit.0, unit.describe());
}

/// `systemctl stop` ends in `inactive (dead)`, result `success`; `check`
/// runs while it is stopped; then the unit is started again.
pub(crate) fn assert_stops_cleanly(unit: Unit, check: impl FnOnce()) {
    unit.ok("stop");
    let p = unit.show(&["ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus"]);
    let stopped = (p["ActiveState"].as_str(), p["SubState"].as_str(), p["Result"].as_str());
    let ok = stopped == ("inactive", "dead", "success");
    // Check the stopped state, then start again whatever it was.
    let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(check));
    let describe = unit.describe();
    unit.ok("start");
    assert_started(unit);
    assert!(ok, "{} after stop: {p:#?}\n{describe}", unit.0);
    if let Err(panic) = checked {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn every_daemon_is_active_through_ready_with_a_status() {
    require_guest();
    for unit in DAEMONS {
        let p = assert_started(unit);
        eprintln!("{}: {}", unit.0, p["StatusText"]);
    }
}

#[test]
fn every_daemon_reloads_on_systemctl_reload() {
    require_guest();
    for unit in DAEMONS {
        assert_reloads(unit);
    }
}

#[test]
fn upsd_pin_and_exporter_stop_to_inactive_not_failed() {
    require_guest();
    // fand's stop has its own test (the fans' safe state).
    for unit in [UPSD, PIN, EXPORTER] {
        assert_stops_cleanly(unit, || {});
    }
}
