//! helios64-fand under its unit: it drives both simulated fans (the
//! h64_pwmfan driver's p6-fan and p7-fan hwmon, under the unit's
//! `ReadWritePaths=`) to what its `STATUS=` says; `systemctl stop` leaves
//! them at full speed and the unit `inactive`, not `failed`; a SIGKILL,
//! which no handler in the daemon sees, still ends at full speed
//! (ExecStopPost=helios64-fand --full-speed) and `Restart=always` brings
//! it back.

use std::fs;
use std::path::Path;
use std::time::Duration;

use vm_env::require_guest;

use crate::daemons::{FAND, START_LIMIT, assert_started, assert_stops_cleanly};
use crate::unit::wait_until;

/// `(pwm1, pwm1_enable)` of the fan on platform device `node`.
fn pwm(node: &str) -> Option<(u8, u8)> {
    let dir = Path::new("/sys/bus/platform/devices").join(node).join("hwmon");
    let hwmon = fs::read_dir(dir).ok()?.next()?.ok()?.path();
    let read = |a: &str| fs::read_to_string(hwmon.join(a)).ok()?.trim().parse().ok();
    Some((read("pwm1")?, read("pwm1_enable")?))
}

/// `(pwm1, pwm1_enable)` of P6 and P7.
type Fans = (Option<(u8, u8)>, Option<(u8, u8)>);

fn fans() -> Fans {
    (pwm("p6-fan"), pwm("p7-fan"))
}

const FULL: Fans = (Some((255, 1)), Some((255, 1)));

/// The board sensor reads 37.5 °C: 29 + 7.5/30 · 226 on the VM's curve
/// (tests/vm/guest/systemd/helios64/fand.d), give or take the rounding.
const DUTY: std::ops::RangeInclusive<u8> = 80..=90;

/// Waits until the daemon drives both fans at the duty for 37.5 °C (past
/// the start kick) and returns it.
fn wait_controlled() -> u8 {
    wait_until(
        "fand to drive both fans at the duty for 37.5 °C",
        Duration::from_secs(30),
        || matches!(fans(), (Some((a, 1)), Some((b, 1))) if a == b && DUTY.contains(&a)),
        || format!("fans {:?}\n{}", fans(), FAND.describe()),
    );
    fans().0.unwrap().0
}

#[test]
fn fand_drives_the_fans_to_what_its_status_says() {
    require_guest();
    assert_started(FAND);
    let duty = wait_controlled();
    let want = format!("pwm P6 {duty}, P7 {duty}");
    wait_until(
        &format!("STATUS={want}"),
        Duration::from_secs(10),
        || FAND.prop("StatusText") == want,
        || FAND.describe(),
    );
}

#[test]
fn fand_stop_leaves_the_fans_at_full_speed() {
    require_guest();
    assert_started(FAND);
    wait_controlled();
    assert_stops_cleanly(FAND, || assert_eq!(fans(), FULL, "fans after systemctl stop"));
    wait_controlled();
}

#[test]
fn fand_killed_ends_at_full_speed_and_is_restarted() {
    require_guest();
    assert_started(FAND);
    wait_controlled();
    let restarts = FAND.number("NRestarts");
    let pid = FAND.prop("MainPID");
    FAND.ctl(&["kill", "--signal=SIGKILL"]);
    // RestartSec=2: ExecStopPost's full speed is there before the restart.
    wait_until(
        "full speed after SIGKILL (ExecStopPost)",
        Duration::from_secs(10),
        || fans() == FULL,
        || format!("fans {:?}\n{}", fans(), FAND.describe()),
    );
    FAND.wait(
        "restarted",
        START_LIMIT,
        &["NRestarts", "MainPID", "ActiveState", "SubState"],
        |p| {
            p["NRestarts"].parse::<u64>().unwrap_or(0) == restarts + 1
                && p["MainPID"] != pid
                && p["ActiveState"] == "active"
                && p["SubState"] == "running"
        },
    );
    wait_controlled();
}
