//! helios64-scrub's gating on real pools: a degraded pool, a resilver in
//! progress, mains off (test_power), and a window that pauses a real scrub
//! and a later run that resumes it.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use helios64_hal::Root;
use helios64_scrub::{
    Context, Decision, Followed, HalSensors, Refusal, ScrubConfig, Window, follow,
};
use helios64_service::{SimClock, SystemClock};
use helios64_zfs::{PoolName, ScrubAction, Zfs};
use vm_env::require_guest;

use crate::common::{run_ok, write};
use crate::zfs_pool::{ScanSuspended, TestPool, native};

const AC_PARAM: &str = "/sys/module/test_power/parameters/ac_online";

fn decision(zfs: &dyn Zfs, config: &ScrubConfig, pool: &PoolName) -> Decision {
    let sensors = HalSensors::discover(&Root::system());
    let records = BTreeMap::new();
    let zone = jiff::tz::TimeZone::UTC;
    let clock = SystemClock;
    let cx =
        Context { zfs, sensors: &sensors, clock: &clock, zone: &zone, config, records: &records };
    cx.decide_all_for(std::slice::from_ref(pool)).unwrap().remove(0).1
}

fn config() -> ScrubConfig {
    // The VM has been up a few seconds: no boot grace here.
    ScrubConfig { boot_grace_minutes: 0, ..ScrubConfig::default() }
}

#[test]
fn a_degraded_pool_is_refused_unless_allowed() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "scrdeg", &["mirror", "F", "F"]);
    let zfs = native();
    assert_eq!(decision(&zfs, &config(), &pool.pool()), Decision::Start { last_end: None });
    run_ok("zpool", &["offline", &pool.name, &pool.files[1].display().to_string()]);
    let refused = decision(&zfs, &config(), &pool.pool());
    assert_eq!(refused, Decision::Refused { why: Refusal::Health { health: "DEGRADED".into() } });
    let lenient = ScrubConfig { allow_degraded: true, ..config() };
    assert_eq!(decision(&zfs, &lenient, &pool.pool()), Decision::Start { last_end: None });
}

#[test]
fn a_resilver_in_progress_is_refused() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "scrres", &["F"]);
    pool.filesystem("d");
    pool.fill("d", 32);
    let zfs = native();
    let _frozen = ScanSuspended::new();
    let spare = pool.files[0].with_file_name("attached");
    std::fs::File::create(&spare).unwrap().set_len(128 << 20).unwrap();
    run_ok(
        "zpool",
        &[
            "attach",
            "-f",
            &pool.name,
            &pool.files[0].display().to_string(),
            &spare.display().to_string(),
        ],
    );
    let d = decision(&zfs, &config(), &pool.pool());
    assert_eq!(d, Decision::Refused { why: Refusal::Resilvering });
}

#[test]
fn mains_off_refuses_and_pauses() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "scrac", &["F"]);
    pool.filesystem("d");
    pool.fill("d", 16);
    let zfs = native();
    write(AC_PARAM, "off");
    let off = decision(&zfs, &config(), &pool.pool());
    write(AC_PARAM, "on");
    assert_eq!(off, Decision::Refused { why: Refusal::OnBattery });
    // Mains lost while a scrub runs: following pauses it.
    let _frozen = ScanSuspended::new();
    zfs.scrub(&pool.pool(), ScrubAction::Start).unwrap();
    write(AC_PARAM, "off");
    let sensors = HalSensors::discover(&Root::system());
    let records = BTreeMap::new();
    let zone = jiff::tz::TimeZone::UTC;
    let clock = SystemClock;
    let config = ScrubConfig { progress_secs: 1, ..config() };
    let cx = Context {
        zfs: &zfs,
        sensors: &sensors,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &records,
    };
    let end = follow(&cx, &pool.pool(), &mut |d| std::thread::sleep(d), &mut |_| {});
    write(AC_PARAM, "on");
    assert_eq!(end.unwrap(), Followed::Paused { why: Refusal::OnBattery });
    assert!(zfs.status(&pool.pool()).unwrap().scan.unwrap().is_paused());
    zfs.scrub(&pool.pool(), ScrubAction::Cancel).unwrap();
}

#[test]
fn a_window_pauses_a_real_scrub_and_the_next_run_resumes_it() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "scrwin", &["F"]);
    pool.filesystem("d");
    pool.fill("d", 16);
    let zfs = native();
    let _frozen = ScanSuspended::new();
    let sensors = HalSensors::discover(&Root::system());
    let records = BTreeMap::new();
    let zone = jiff::tz::TimeZone::UTC;
    // 2023-11-14 22:13:20 UTC on a simulated wall clock; the window is
    // 22:00–22:15, so it ends two minutes into following.
    let clock = SimClock::new(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    let config = ScrubConfig {
        window: Some(Window { start: "22:00".into(), end: "22:15".into() }),
        progress_secs: 30,
        ..config()
    };
    let cx = Context {
        zfs: &zfs,
        sensors: &sensors,
        clock: &clock,
        zone: &zone,
        config: &config,
        records: &records,
    };
    let first = cx.decide_all_for(std::slice::from_ref(&pool.pool())).unwrap().remove(0).1;
    assert_eq!(first, Decision::Start { last_end: None });
    cx.act(&pool.pool(), &first).unwrap();
    let end = follow(&cx, &pool.pool(), &mut |d| clock.advance(d), &mut |_| {}).unwrap();
    assert_eq!(end, Followed::Paused { why: Refusal::OutsideWindow });
    assert!(zfs.status(&pool.pool()).unwrap().scan.unwrap().is_paused());
    // Outside the window the paused scrub stays paused.
    let later = cx.decide_all_for(std::slice::from_ref(&pool.pool())).unwrap().remove(0).1;
    assert_eq!(later, Decision::Refused { why: Refusal::OutsideWindow });
    // The next night, inside the window: resumed.
    clock.set_wall(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000 + 86_400 - 600));
    let next = cx.decide_all_for(std::slice::from_ref(&pool.pool())).unwrap().remove(0).1;
    assert_eq!(next, Decision::Resume);
    cx.act(&pool.pool(), &next).unwrap();
    assert!(zfs.status(&pool.pool()).unwrap().scan.unwrap().is_running());
    zfs.scrub(&pool.pool(), ScrubAction::Cancel).unwrap();
}

#[test]
fn the_binary_says_why_and_records_it() {
    use std::process::Command;
    let guest = require_guest();
    let pool = TestPool::create(&guest, "scrbin", &["F"]);
    let dir = guest.scratch_dir("scrbin-cfg").unwrap();
    let conf = dir.join("scrub.toml");
    std::fs::write(
        &conf,
        format!("pools = [\"{}\"]\nboot_grace_minutes = 0\nprogress_secs = 1\n", pool.name),
    )
    .unwrap();
    let bin = guest.binary("helios64-scrub").unwrap();
    let notify_path = dir.join("notify.sock");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    notify.set_nonblocking(true).unwrap();
    let run = |extra: &[&str]| {
        Command::new(&bin)
            .arg("--config")
            .arg(&conf)
            .arg("--state-dir")
            .arg(dir.join("run"))
            .arg("--record-dir")
            .arg(dir.join("lib"))
            .args(extra)
            .env("NOTIFY_SOCKET", &notify_path)
            .output()
            .unwrap()
    };
    let dry = run(&["--dry-run"]);
    assert!(dry.status.success());
    let said = String::from_utf8_lossy(&dry.stderr).into_owned();
    assert!(
        said.contains(&format!("{}: start: no completed scrub on record", pool.name)),
        "{said}"
    );
    assert!(zfs_scan_is_none(&pool.pool()), "a dry run starts nothing");
    // A real run with --wait: the empty pool's scrub completes at once.
    let done = run(&["--wait"]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let said = String::from_utf8_lossy(&done.stderr).into_owned();
    assert!(said.contains("scrub completed: "), "{said}");
    // Type=notify in the unit: READY=1 comes first, with the decisions, or
    // systemd fails the clean exit with result 'protocol'.
    let mut notes = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = notify.recv(&mut buf) {
        notes.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    let ready = notes.iter().position(|n| n.lines().any(|l| l == "READY=1"));
    assert!(ready.is_some(), "no READY=1 among {notes:?}");
    assert!(
        notes.iter().take(ready.unwrap()).all(|n| !n.contains("scrubbing")),
        "progress before READY=1: {notes:?}"
    );
    assert!(notes[ready.unwrap()].contains(&format!("STATUS={}: ", pool.name)), "{notes:?}");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("run/scrub.json")).unwrap()).unwrap();
    let record = &state["state"]["pools"][pool.name.as_str()];
    assert!(record["last_end"].as_u64().unwrap() > 1_600_000_000, "{state}");
    assert_eq!(record["errors"], 0);
    // Now it is not due.
    let again = run(&["--dry-run"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains(": not due: the last scrub completed at ")
    );
    let bad = std::fs::write(&conf, "interval_dayz = 3\n");
    bad.unwrap();
    assert_eq!(run(&["--dry-run"]).status.code(), Some(78));
}

fn zfs_scan_is_none(pool: &PoolName) -> bool {
    native().status(pool).unwrap().scan.is_none()
}
