//! helios64-exporter under both of its units: listen mode (DynamicUser,
//! loopback only) answers a scrape on 127.0.0.1:9164 and counts it in its
//! `STATUS=`; the textfile unit, started by its timer after boot and once
//! by hand, ends `inactive (dead)` with result `success` and leaves its
//! file in Debian's node_exporter textfile directory.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use vm_env::require_guest;

use crate::daemons::{EXPORTER, assert_started};
use crate::unit::{Unit, wait_until};

const TEXTFILE: Unit = Unit("helios64-exporter-textfile.service");
const TEXTFILE_TIMER: Unit = Unit("helios64-exporter-textfile.timer");
const PROM: &str = "/var/lib/prometheus/node-exporter/helios64.prom";

fn scrape() -> String {
    let mut s = TcpStream::connect("127.0.0.1:9164").expect("connect to 127.0.0.1:9164");
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    reply
}

fn scrapes(status: &str) -> u64 {
    // "...; listening on 127.0.0.1:9164; 3 scrapes; 1 SMART runs"
    status
        .split("; ")
        .find_map(|part| part.strip_suffix(" scrapes"))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no scrape count in {status:?}"))
}

#[test]
fn exporter_listen_mode_answers_a_scrape() {
    require_guest();
    let p = assert_started(EXPORTER);
    assert!(p["StatusText"].contains("listening on 127.0.0.1:9164"), "{}", p["StatusText"]);
    let before = scrapes(&p["StatusText"]);
    let reply = scrape();
    let head = reply.lines().next().unwrap_or_default();
    assert!(head.starts_with("HTTP/1.") && head.contains(" 200"), "{head}");
    assert!(reply.contains("\nhelios64_"), "no helios64_ metric:\n{reply}");
    wait_until(
        "the scrape in STATUS=",
        Duration::from_secs(20),
        || scrapes(&EXPORTER.prop("StatusText")) > before,
        || EXPORTER.describe(),
    );
}

const RAN: &[&str] = &["ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus"];

/// A oneshot's last run ended well: `inactive (dead)`, result `success`,
/// exit code 0 (`ExecMainCode=1` is CLD_EXITED).
pub(crate) fn assert_ran_cleanly(unit: Unit) {
    let p = unit.show(RAN);
    let got = (
        p["ActiveState"].as_str(),
        p["SubState"].as_str(),
        p["Result"].as_str(),
        p["ExecMainCode"].as_str(),
        p["ExecMainStatus"].as_str(),
    );
    assert_eq!(got, ("inactive", "dead", "success", "1", "0"), "{}", unit.describe());
}

#[test]
fn exporter_textfile_runs_from_its_timer_and_by_hand() {
    require_guest();
    let timer = TEXTFILE_TIMER.show(&["ActiveState", "SubState"]);
    assert_eq!((timer["ActiveState"].as_str(), timer["SubState"].as_str()), ("active", "waiting"));
    // OnBootSec=1min: the boot and the suite so far may not have taken it.
    TEXTFILE_TIMER.wait("its first trigger", Duration::from_secs(120), &["LastTriggerUSec"], |p| {
        !p["LastTriggerUSec"].is_empty() && p["LastTriggerUSec"] != "n/a"
    });
    TEXTFILE.wait("the timer's run to finish", Duration::from_secs(120), RAN, |p| {
        p["ActiveState"] == "inactive"
    });
    assert_ran_cleanly(TEXTFILE);
    // By hand: `systemctl start` of a oneshot returns when it has finished.
    TEXTFILE.ok("start");
    assert_ran_cleanly(TEXTFILE);
    let prom = std::fs::read_to_string(PROM).unwrap_or_else(|e| panic!("{PROM}: {e}"));
    assert!(prom.contains("\nhelios64_") || prom.starts_with("helios64_"), "{prom}");
}
