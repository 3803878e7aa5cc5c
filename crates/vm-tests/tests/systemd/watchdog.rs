//! The watchdog: each unit with `WatchdogSec=` has it set
//! (`WatchdogUSec`), its daemon pings it (`WatchdogTimestamp` keeps
//! advancing: the loop sends `WATCHDOG=1` every half period), and the
//! service stays up, one invocation with no restart, for longer than its
//! WatchdogSec, which a daemon that stopped pinging would not survive.
//!
//! It waits for the longest, the exporter's 180 s, counted from each
//! unit's last start: after the tests that restart units it costs up to
//! that much.

use std::collections::BTreeMap;
use std::time::Duration;

use vm_env::require_guest;

use crate::daemons::{EXPORTER, FAND, UPSD, assert_started};
use crate::unit::{Unit, monotonic_us};

const WATCHED: [(Unit, &str, u64); 3] =
    [(FAND, "30s", 30), (UPSD, "30s", 30), (EXPORTER, "3min", 180)];
const PROPS: &[&str] = &[
    "ActiveState",
    "SubState",
    "InvocationID",
    "NRestarts",
    "WatchdogUSec",
    "WatchdogTimestampMonotonic",
    "ActiveEnterTimestampMonotonic",
];

#[test]
fn every_watchdog_unit_is_fed_past_its_watchdogsec() {
    require_guest();
    let mut first: BTreeMap<&str, BTreeMap<String, String>> = BTreeMap::new();
    let mut pings: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for (unit, text, _) in WATCHED {
        assert_started(unit);
        let p = unit.show(PROPS);
        assert_eq!(p["WatchdogUSec"], text, "{} WatchdogUSec", unit.0);
        first.insert(unit.0, p);
    }
    loop {
        let now = monotonic_us();
        let mut done = true;
        for (unit, _, secs) in WATCHED {
            let p = unit.show(PROPS);
            let was = &first[unit.0];
            for key in ["InvocationID", "NRestarts"] {
                assert_eq!(p[key], was[key], "{} restarted\n{}", unit.0, unit.describe());
            }
            assert_eq!(
                (p["ActiveState"].as_str(), p["SubState"].as_str()),
                ("active", "running"),
                "{}",
                unit.describe()
            );
            let ping: u64 = p["WatchdogTimestampMonotonic"].parse().unwrap();
            let seen = pings.entry(unit.0).or_default();
            if seen.last() != Some(&ping) {
                seen.push(ping);
            }
            // The last ping is never older than the period.
            assert!(
                ping > 0 && now.saturating_sub(ping) < secs * 1_000_000,
                "{}: last ping {} µs ago\n{}",
                unit.0,
                now.saturating_sub(ping),
                unit.describe()
            );
            let active: u64 = p["ActiveEnterTimestampMonotonic"].parse().unwrap();
            let up = now.saturating_sub(active);
            done &= up > (secs + 5) * 1_000_000 && seen.len() >= 2;
        }
        if done {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    for (unit, _, secs) in WATCHED {
        eprintln!("{}: {} pings seen, WatchdogSec={secs}", unit.0, pings[unit.0].len());
    }
}
