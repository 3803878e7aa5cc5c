//! `helios64-hal`'s temperature sources against a real kernel: the board
//! sensor (a real lm75 driver on i2c-stub at 0x4c, on whatever bus number
//! the stub gets), the same chip read directly over i2c-dev, and drivetemp
//! on the five AHCI bay disks.
//!
//! The SoC thermal zones (TSADC) and the fans (pwm-fan) have no x86
//! counterpart; they are tested on the fixture trees only.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use helios64_hal::{
    BoardSensor, ErrorKind, I2cBus, Lm75Resolution, Root, Thermal, drivetemp_sensors,
};
use vm_env::{board, require_guest};

use crate::common::run_ok;

/// Polls `read` until it returns `want` or `within` passes; returns the
/// last value read. The lm75 driver caches a reading for about 1.5 s.
fn settle(within: Duration, want: i64, mut read: impl FnMut() -> i64) -> i64 {
    let start = Instant::now();
    loop {
        let v = read();
        if v == want || start.elapsed() > within {
            return v;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Programs the stub's LM75 temperature register (big-endian on the chip,
/// so the SMBus word is byte-swapped), under the bound driver (`-f`).
fn program_temperature(bus: u32, msb: u8, lsb: u8) {
    let word = format!("0x{lsb:02x}{msb:02x}");
    run_ok("i2cset", &["-f", "-y", &bus.to_string(), "0x4c", "0x00", &word, "w"]);
}

#[test]
fn board_sensor_is_the_lm75_at_0x4c_on_the_stub_bus() {
    let guest = require_guest();
    let root = Root::system();
    let sensor = BoardSensor::find(&root).unwrap();
    assert_eq!(sensor.client.bus, guest.i2c_stub_bus().unwrap(), "not on bus 2 here: any bus");
    assert_eq!(sensor.client.address, board::BOARD_SENSOR_ADDRESS);
    assert_eq!(sensor.client.driver.as_deref(), Some("lm75"));
    assert_eq!(sensor.hwmon.name(), board::BOARD_SENSOR_HWMON_NAME);
    let expected_hwmon = fs::canonicalize(guest.board_sensor_hwmon().unwrap()).unwrap();
    assert_eq!(sensor.hwmon.path(), expected_hwmon);
    // Armbian's udev rule points /dev/thermal-board at the same directory.
    let link = fs::canonicalize(board::THERMAL_BOARD_LINK).unwrap();
    assert_eq!(sensor.hwmon.path(), link);
    let snap = sensor.snapshot().unwrap();
    assert_eq!(snap.temp_millicelsius, board::BOARD_SENSOR_TEMP_MILLIDEGREES);
    assert_eq!(snap.max_millicelsius, Some(board::BOARD_SENSOR_MAX_MILLIDEGREES));
    assert_eq!(snap.max_hyst_millicelsius, Some(board::BOARD_SENSOR_HYST_MILLIDEGREES));
    assert!(snap.hwmon_path.starts_with("/sys/devices/"), "{snap:?}");
}

#[test]
fn board_sensor_follows_the_chip_register() {
    let guest = require_guest();
    let bus = guest.i2c_stub_bus().unwrap();
    let sensor = BoardSensor::find(&Root::system()).unwrap();
    // 0x2a80: 42.5 °C; then 0xf380: -12.5 °C (two's complement).
    for ((msb, lsb), want) in [((0x2a, 0x80), 42_500), ((0xf3, 0x80), -12_500)] {
        program_temperature(bus, msb, lsb);
        let got = settle(Duration::from_secs(5), want, || sensor.temp_millicelsius().unwrap());
        assert_eq!(got, want, "register {msb:02x}{lsb:02x}");
    }
    program_temperature(bus, 0x25, 0x80);
    let back = settle(Duration::from_secs(5), board::BOARD_SENSOR_TEMP_MILLIDEGREES, || {
        sensor.temp_millicelsius().unwrap()
    });
    assert_eq!(back, board::BOARD_SENSOR_TEMP_MILLIDEGREES, "could not restore the contract value");
}

#[test]
fn lm75_read_over_i2c_dev_agrees_with_the_driver() {
    let guest = require_guest();
    let root = Root::system();
    let bus = I2cBus::open(&root, guest.i2c_stub_bus().unwrap()).unwrap();
    let sensor = BoardSensor::find(&root).unwrap();
    let direct =
        bus.read_lm75_temperature(board::BOARD_SENSOR_ADDRESS, Lm75Resolution::Bits9).unwrap();
    assert_eq!(i64::from(direct), sensor.temp_millicelsius().unwrap());
    assert_eq!(i64::from(direct), board::BOARD_SENSOR_TEMP_MILLIDEGREES);
    // Plain access to an address a driver owns is refused by the kernel
    // (EBUSY from I2C_SLAVE), and reported as such, not bypassed.
    let e = bus.read_word_data(board::BOARD_SENSOR_ADDRESS, 0).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Busy, "{e}");
    assert!(e.to_string().starts_with("I2C_SLAVE failed on /dev/i2c-"), "{e}");
}

#[test]
fn thermal_discovery_degrades_to_what_an_x86_guest_has() {
    require_guest();
    let root = Root::system();
    let thermal = Thermal::discover(&root).unwrap();
    assert!(thermal.board.is_some(), "the board sensor must be found");
    let snap = thermal.snapshot(&root).unwrap();
    assert_eq!(snap.board.unwrap().temp_millicelsius, board::BOARD_SENSOR_TEMP_MILLIDEGREES);
    // Whatever zones the guest has (usually none) must read cleanly.
    for zone in snap.cpu.iter().chain(&snap.gpu).chain(&snap.other_zones) {
        assert!(!zone.zone_type.is_empty(), "{zone:?}");
    }
}

/// IDENTIFY DEVICE word 93 (hardware reset result) of `disk`, from the
/// ATA Information VPD page libata synthesises (the IDENTIFY data starts at
/// byte 60).
fn identify_word_93(disk: &Path) -> u16 {
    let name = disk.file_name().and_then(|n| n.to_str()).unwrap();
    let vpd = fs::read(format!("/sys/block/{name}/device/vpd_pg89")).unwrap();
    u16::from_le_bytes([vpd[60 + 93 * 2], vpd[60 + 93 * 2 + 1]])
}

/// drivetemp only binds drives whose IDENTIFY data says SATA (word 93 = 0).
/// QEMU's emulated disks report a PATA reset result (0x6001) even behind
/// AHCI, so the driver declines all five bays: the mapping to bays is
/// proven on the fixtures. What the real kernel proves here is that
/// `drivetemp_sensors` reads a live sysfs with the module loaded and every
/// other hwmon device present without an error or a false positive.
#[test]
fn drivetemp_sensors_finds_none_on_qemu_disks_drivetemp_declines() {
    let guest = require_guest();
    run_ok("modprobe", &["drivetemp"]);
    for bay in 1..=board::BAY_COUNT {
        let disk = guest.bay_disk(bay).unwrap();
        assert_ne!(
            identify_word_93(&disk),
            0,
            "bay {bay}: QEMU now reports a SATA drive; drivetemp will bind it, so \
             turn this test into the bay-to-sensor mapping check"
        );
    }
    let root = Root::system();
    assert!(drivetemp_sensors(&root).unwrap().is_empty());
    // The other hwmon devices were all read (names resolved) on the way.
    let names: Vec<_> =
        helios64_hal::hwmon_devices(&root).unwrap().iter().map(|h| h.name().to_owned()).collect();
    assert!(names.iter().any(|n| n == board::BOARD_SENSOR_HWMON_NAME), "{names:?}");
}
