//! helios64.target: enabled into multi-user.target, it pulls in every unit
//! enabled into it ([Install] WantedBy=), and, every unit being
//! `PartOf=helios64.target`, stopping it stops them all (fand leaving the
//! fans at full speed, none `failed`) and starting it brings them back.

use std::time::Duration;

use vm_env::require_guest;

use crate::daemons::{DAEMONS, assert_started};
use crate::unit::Unit;

const TARGET: Unit = Unit("helios64.target");
const TIMERS: [&str; 3] =
    ["helios64-exporter-textfile.timer", "helios64-scrub.timer", "helios64-snap.timer"];

#[test]
fn the_target_pulls_in_every_enabled_unit_and_stops_and_starts_them() {
    require_guest();
    let p = TARGET.show(&["ActiveState", "Wants", "WantedBy"]);
    assert_eq!(p["ActiveState"], "active", "{p:?}");
    assert!(p["WantedBy"].split(' ').any(|u| u == "multi-user.target"), "{p:?}");
    let wants: Vec<&str> = p["Wants"].split(' ').collect();
    for unit in DAEMONS.iter().map(|u| u.0).chain(TIMERS) {
        assert!(wants.contains(&unit), "helios64.target does not want {unit}: {wants:?}");
    }

    TARGET.ok("stop");
    // systemctl waits for the target's own stop job; the units' stops
    // (PartOf=) run beside it.
    let mut stopped = Vec::new();
    for unit in DAEMONS.iter().copied().chain(TIMERS.map(Unit)) {
        let p = unit.wait("stopped", Duration::from_secs(30), &["ActiveState", "Result"], |p| {
            p["ActiveState"] == "inactive" || p["ActiveState"] == "failed"
        });
        stopped.push((unit.0, p));
    }
    let fans = ["p6-fan", "p7-fan"].map(|n| {
        let dir = std::path::Path::new("/sys/bus/platform/devices").join(n).join("hwmon");
        let hwmon = std::fs::read_dir(dir).unwrap().next().unwrap().unwrap().path();
        std::fs::read_to_string(hwmon.join("pwm1")).unwrap().trim().to_owned()
    });
    TARGET.ok("start");
    for unit in DAEMONS {
        assert_started(unit);
    }
    for timer in TIMERS.map(Unit) {
        timer.wait("waiting again", Duration::from_secs(30), &["SubState"], |p| {
            p["SubState"] == "waiting"
        });
    }
    for (unit, p) in &stopped {
        assert_eq!(
            (p["ActiveState"].as_str(), p["Result"].as_str()),
            ("inactive", "success"),
            "{unit}"
        );
    }
    assert_eq!(fans, ["255", "255"], "fans with helios64.target stopped");
}
