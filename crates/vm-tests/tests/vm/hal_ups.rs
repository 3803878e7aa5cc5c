//! helios64-hal's UPS module: mains from test_power's `test_ac` (found by
//! type Mains), and from the charger's GPIO lines on gpio-sim.

use std::path::Path;

use helios64_hal::{
    BatteryReading, ChargeStatus, ErrorKind, MainsOrigin, MainsSource, Root, Ups, UpsConfig, pins,
    resolve_pin,
};
use vm_env::{Pull, board, require_guest};

use crate::common::write;

const AC_PARAM: &str = "/sys/module/test_power/parameters/ac_online";

#[test]
fn mains_follows_test_ac() {
    require_guest();
    let ups = Ups::discover(&Root::system(), UpsConfig::default()).unwrap();
    match ups.mains_source() {
        Some(MainsSource::PowerSupply { name, .. }) => assert_eq!(name, board::MAINS_SUPPLY),
        other => panic!("{other:?}"),
    }
    let on = ups.mains().unwrap().unwrap();
    write(AC_PARAM, "off");
    let off = ups.mains();
    write(AC_PARAM, "on");
    assert!(on.online && on.charge.is_none(), "{on:?}");
    assert!(!off.unwrap().unwrap().online);
    assert!(ups.mains().unwrap().unwrap().online);
    // No SARADC in the VM: unknown, which is not "absent".
    assert!(matches!(ups.battery().unwrap(), BatteryReading::Unknown { .. }));
    assert!(Path::new(AC_PARAM).exists());
}

#[test]
fn mains_and_charge_status_from_the_gpio_lines() {
    let guest = require_guest();
    let ac = guest.gpio_bank(board::AC_PRESENT.bank).unwrap();
    let stat = guest.gpio_bank(board::CHARGE_STATUS.bank).unwrap();
    let ups = Ups::from_gpio(&Root::system(), UpsConfig::default()).unwrap();
    let mut seen = Vec::new();
    for (ac_pull, stat_pull) in
        [(Pull::Up, Pull::Down), (Pull::Up, Pull::Up), (Pull::Down, Pull::Up)]
    {
        ac.set_pull(board::AC_PRESENT.offset, ac_pull).unwrap();
        stat.set_pull(board::CHARGE_STATUS.offset, stat_pull).unwrap();
        seen.push(ups.mains());
    }
    ac.set_pull(board::AC_PRESENT.offset, Pull::Down).unwrap();
    stat.set_pull(board::CHARGE_STATUS.offset, Pull::Down).unwrap();
    let seen: Vec<_> = seen.into_iter().map(|s| s.unwrap().unwrap()).collect();
    assert!(seen.iter().all(|s| s.source == MainsOrigin::Gpio));
    // The lines stay requested between reads: another consumer is refused
    // with a retryable Busy error, not an opaque one.
    let (chip, offset) = resolve_pin(&Root::system(), pins::AC_PRESENT).unwrap();
    let taken = chip.request_input(offset, false);
    assert_eq!(taken.unwrap_err().kind(), ErrorKind::Busy);
    drop(ups);
    // AC-present is active-high; the BQ24133 STAT line is active-low.
    assert_eq!((seen[0].online, seen[0].charge), (true, Some(ChargeStatus::Charging)));
    assert_eq!((seen[1].online, seen[1].charge), (true, Some(ChargeStatus::NotCharging)));
    assert!(!seen[2].online);

    let inverted = UpsConfig { charging_active_low: false, ..UpsConfig::default() };
    let ups = Ups::from_gpio(&Root::system(), inverted).unwrap();
    stat.set_pull(board::CHARGE_STATUS.offset, Pull::Up).unwrap();
    let high = ups.mains();
    stat.set_pull(board::CHARGE_STATUS.offset, Pull::Down).unwrap();
    assert_eq!(high.unwrap().unwrap().charge, Some(ChargeStatus::Charging));
}
