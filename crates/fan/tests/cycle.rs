//! The control cycle over hal's fakes (injected faults no fixture tree can
//! produce as root) and over a copy of the Armbian fixture tree (the pwm
//! files' history under a scripted temperature series).

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::fs;
use std::time::Duration;

use helios64_fan::{Board, Cycle, DiscoverOptions, DiskSlot, Event, FailSafe, FandConfig, Source};
use helios64_hal::testing::{FakeDisk, FakeFan, FakeTemp, FanWrite, Fixture, copy_fixture};
use helios64_hal::{FanHeader, PowerMode, PwmEnable, Root};
use helios64_service::MonoTime;

fn at(secs: u64) -> MonoTime {
    MonoTime::from_duration(Duration::from_secs(secs))
}

struct Fakes {
    cpu: FakeTemp,
    board: FakeTemp,
    p6: FakeFan,
    p7: FakeFan,
    bay1: FakeTemp,
    disk1: FakeDisk,
}

fn fakes() -> (Fakes, Board) {
    let f = Fakes {
        cpu: FakeTemp::new("cpu", 45_000),
        board: FakeTemp::new("board", 35_000),
        p6: FakeFan::new(FanHeader::P6, 80),
        p7: FakeFan::new(FanHeader::P7, 80),
        bay1: FakeTemp::new("bay1", 36_000),
        disk1: FakeDisk::new("sda", PowerMode::Active),
    };
    let board = Board {
        sensors: BTreeMap::from([
            (Source::Cpu, Box::new(f.cpu.clone()) as Box<dyn helios64_hal::TempSensor>),
            (Source::Board, Box::new(f.board.clone())),
        ]),
        disks: vec![DiskSlot {
            bay: 1,
            temp: Box::new(f.bay1.clone()),
            power: Some(Ok(Box::new(f.disk1.clone()))),
        }],
        fans: BTreeMap::from([
            (FanHeader::P6, Box::new(f.p6.clone()) as Box<dyn helios64_hal::FanOutput>),
            (FanHeader::P7, Box::new(f.p7.clone())),
        ]),
    };
    (f, board)
}

fn failsafe_entered(events: &[Event]) -> Option<&FailSafe> {
    events.iter().find_map(|e| match e {
        Event::FailSafeEntered(why) => Some(why),
        _ => None,
    })
}

#[test]
fn a_quiet_cycle_writes_nothing_and_reads_each_source_once() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    let events = cycle.run(at(0));
    // 45 °C asks 57: one write per fan, nothing else.
    assert_eq!(f.p6.writes(), [FanWrite::Pwm(57)]);
    assert!(events.iter().any(|e| matches!(e, Event::PwmSet { fan: FanHeader::P6, to: 57, .. })));
    f.p6.clear_writes();
    f.p7.clear_writes();
    let events = cycle.run(at(10));
    assert!(events.is_empty(), "{events:?}");
    assert!(
        f.p6.writes().is_empty() && f.p7.writes().is_empty(),
        "{:?} {:?}",
        f.p6.writes(),
        f.p7.writes()
    );
    assert_eq!((f.cpu.reads(), f.board.reads(), f.bay1.reads(), f.disk1.checks()), (2, 2, 2, 2));
}

#[test]
fn eio_on_a_pwm_write_sends_both_fans_to_full_speed_in_that_cycle() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    f.cpu.set(60_000);
    f.p6.fail_pwm_writes(Some(libc::EIO));
    let events = cycle.run(at(10));
    assert!(
        matches!(failsafe_entered(&events), Some(FailSafe::FanFault { fan: FanHeader::P6, .. })),
        "{events:?}"
    );
    assert_eq!(f.p7.current_pwm(), 255, "the other fan at once");
    assert_eq!(f.p7.current_enable(), Some(PwmEnable::Enabled));
    // The fault clears when writes work again: one cycle driving 255
    // without error, then control resumes (once the rate limit lets the
    // duty down).
    f.p6.fail_pwm_writes(None);
    assert!(!cycle.run(at(20)).contains(&Event::FailSafeCleared));
    assert_eq!(f.p6.current_pwm(), 255, "the failed fan now takes full speed");
    let events = cycle.run(at(30));
    assert!(events.contains(&Event::FailSafeCleared), "{events:?}");
    cycle.run(at(60));
    assert_eq!((f.p6.current_pwm(), f.p7.current_pwm()), (142, 142));
}

#[test]
fn eio_on_a_temperature_fails_safe_after_the_configured_cycles() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    f.cpu.fail(libc::EIO);
    let first = cycle.run(at(10));
    assert!(first.iter().any(|e| matches!(e, Event::SourceFailing { source: Source::Cpu, .. })));
    assert!(failsafe_entered(&first).is_none());
    cycle.run(at(20));
    let third = cycle.run(at(30));
    assert!(matches!(
        failsafe_entered(&third),
        Some(FailSafe::InputUnreadable { source: Source::Cpu, .. })
    ));
    assert_eq!((f.p6.current_pwm(), f.p7.current_pwm()), (255, 255));
}

#[test]
fn a_vanished_fan_sends_the_other_to_full_speed_and_asks_for_rediscovery() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    f.p6.vanish();
    let events = cycle.run(at(10));
    assert!(failsafe_entered(&events).is_some(), "{events:?}");
    assert_eq!(f.p7.current_pwm(), 255);
    assert!(cycle.needs_rediscovery(), "ENODEV means the hwmon moved");
    // Rediscovered (a new board without P6): still safe, P6 counted missing.
    let (g, mut board) = fakes();
    board.fans.remove(&FanHeader::P6);
    cycle.replace_board(board);
    cycle.run(at(20));
    assert_eq!(g.p7.current_pwm(), 255, "one fan missing: the other stays at full speed");
}

#[test]
fn a_driver_reset_and_a_foreign_write_are_taken_back() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    // Resume reset the mode; another tool wrote 200.
    f.p6.tamper(200, Some(PwmEnable::Off));
    let events = cycle.run(at(10));
    assert!(events.contains(&Event::EnableReasserted { fan: FanHeader::P6, was: PwmEnable::Off }));
    assert!(events.contains(&Event::TakenBack { fan: FanHeader::P6, found: 200, expected: 57 }));
    assert_eq!((f.p6.current_pwm(), f.p6.current_enable()), (57, Some(PwmEnable::Enabled)));
}

#[test]
fn a_sleeping_disk_is_never_read_nor_is_one_whose_power_cannot_be_asked() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    f.disk1.set(PowerMode::Standby);
    let reads = f.bay1.reads();
    let events = cycle.run(at(10));
    assert!(events.contains(&Event::DiskAsleep { bay: 1 }));
    cycle.run(at(20));
    assert_eq!(f.bay1.reads(), reads, "drivetemp not read while asleep");
    f.disk1.fail(libc::EIO);
    let events = cycle.run(at(30));
    assert!(events.iter().any(|e| matches!(e, Event::PowerCheckUnavailable { bay: 1, .. })));
    assert_eq!(f.bay1.reads(), reads, "unknown power mode: not read either");
    assert!(cycle.failsafe().is_none(), "asleep is not a fault");
    f.disk1.set(PowerMode::Active);
    let events = cycle.run(at(40));
    assert!(events.contains(&Event::DiskAwake { bay: 1 }));
    assert_eq!(f.bay1.reads(), reads + 1);
}

#[test]
fn a_dry_run_decides_and_never_writes_but_stopping_still_fails_safe() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, true);
    let events = cycle.run(at(0));
    assert!(events.iter().any(|e| matches!(e, Event::PwmSet { to: 57, dry_run: true, .. })));
    assert!(f.p6.writes().is_empty() && f.p7.writes().is_empty());
    cycle.full_speed().unwrap();
    assert_eq!((f.p6.current_pwm(), f.p7.current_pwm()), (255, 255));
}

#[test]
fn stopping_sets_every_fan_even_when_one_fails() {
    let (f, board) = fakes();
    let mut cycle = Cycle::new(&FandConfig::default(), board, false);
    cycle.run(at(0));
    f.p6.fail_pwm_writes(Some(libc::EIO));
    let e = cycle.full_speed().unwrap_err();
    assert!(e.to_string().contains("fake-P6"), "{e}");
    assert_eq!(f.p7.current_pwm(), 255);
}

/// The fixture loop: the Armbian tree, its CPU zone's `temp` scripted, the
/// pwm files' history recorded cycle by cycle.
#[test]
fn on_a_fixture_tree_the_pwm_files_follow_a_temperature_series() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let (board, notes) = helios64_fan::discover(&root, &DiscoverOptions::default());
    assert!(notes.is_empty(), "{notes:?}");
    assert_eq!(board.fans.len(), 2);
    assert_eq!(board.disks.len(), 5, "five bay disks with drivetemp");
    // Cool disks and board: only the CPU drives.
    for bay in ["hwmon8", "hwmon9", "hwmon10", "hwmon11", "hwmon12"] {
        let dir = root.resolve(&root.class("hwmon").join(bay)).unwrap();
        fs::write(dir.join("temp1_input"), "30000\n").unwrap();
    }
    let mut config = FandConfig::default();
    config.fans.p6.min_change_interval_secs = 0;
    config.fans.p7.min_change_interval_secs = 0;
    config.fans.p6.hysteresis_celsius = 0.0;
    config.fans.p7.hysteresis_celsius = 0.0;
    let mut cycle = Cycle::new(&config, board, false);
    let zone = root.resolve(&root.class("thermal").join("thermal_zone0")).unwrap().join("temp");
    let pwm_file = |node: &str| {
        let hwmon = fs::read_dir(root.sys().join(format!("devices/platform/{node}/hwmon")))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        hwmon.join("pwm1")
    };
    let (p6, p7) = (pwm_file("p6-fan"), pwm_file("p7-fan"));
    let mut history = Vec::new();
    for (i, milli) in
        [30_000, 45_000, 60_000, 80_000, 95_000, 50_000, 20_000].into_iter().enumerate()
    {
        fs::write(&zone, format!("{milli}\n")).unwrap();
        cycle.run(at(10 * i as u64));
        let read =
            |p: &std::path::Path| fs::read_to_string(p).unwrap().trim().parse::<u8>().unwrap();
        history.push((read(&p6), read(&p7)));
    }
    assert_eq!(
        history,
        [(20, 20), (57, 57), (142, 142), (255, 255), (255, 255), (86, 86), (20, 20)]
    );
    // Stopping leaves the files at full speed with mode 1.
    cycle.full_speed().unwrap();
    assert_eq!(fs::read_to_string(&p6).unwrap().trim(), "255");
    assert_eq!(fs::read_to_string(p6.with_file_name("pwm1_enable")).unwrap().trim(), "1");
    let _ = Root::system();
}
