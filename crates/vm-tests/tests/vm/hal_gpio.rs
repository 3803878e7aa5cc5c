//! helios64-hal's GPIO module on gpio-sim banks labelled like the RK3399's
//! (gpio0..gpio4, named lines per tests/vm/guest/gpio-lines): chip lookup,
//! the crate's pin constants against the VM's line names, line requests and
//! the auto-power-on sequence.

use gpiocdev::line::Value;
use helios64_hal::{Error, GPIO_CONSUMER, GpioChip, PinName, Root, pins, set_auto_power_on};
use vm_env::{Pull, board, require_guest};

fn bank(n: u8) -> GpioChip {
    GpioChip::rockchip_bank(&Root::system(), n).unwrap_or_else(|e| panic!("gpio{n}: {e}"))
}

#[test]
fn banks_are_found_by_label_on_a_non_rockchip_system() {
    let guest = require_guest();
    for n in 0..5u8 {
        let label = format!("gpio{n}");
        let chip = bank(n);
        assert_eq!(chip.name(), guest.gpio_bank(&label).unwrap().chip_name(), "{label}");
        let info = chip.chardev_info().unwrap();
        assert_eq!((info.label.as_str(), info.lines), (label.as_str(), board::GPIO_LINES_PER_BANK));
    }
}

#[test]
fn pin_constants_match_the_named_lines() {
    require_guest();
    for (pin, line) in [
        (pins::AC_PRESENT, board::AC_PRESENT),
        (pins::CHARGE_STATUS, board::CHARGE_STATUS),
        (pins::AUTO_ON_EN_D, board::AUTO_ON_EN_D),
        (pins::AUTO_ON_EN_CLK, board::AUTO_ON_EN_CLK),
        (pins::BOARD_REV_ID_0, board::BOARD_REV_ID_0),
        (pins::BOARD_REV_ID_1, board::BOARD_REV_ID_1),
    ] {
        assert_eq!(format!("gpio{}", pin.bank()), line.bank, "{pin}");
        assert_eq!(u32::from(pin.offset()), line.offset, "{pin}");
        assert_eq!(bank(pin.bank()).find_line(line.name).unwrap(), Some(line.offset), "{pin}");
    }
    // Every named line of the VM, through the pin-name parser.
    for line in board::GPIO_LINES {
        let n: u8 = line.bank.trim_start_matches("gpio").parse().unwrap();
        let group = char::from(b'A' + u8::try_from(line.offset / 8).unwrap());
        let pin: PinName = format!("GPIO{n}_{group}{}", line.offset % 8).parse().unwrap();
        assert_eq!(bank(pin.bank()).find_line(line.name).unwrap(), Some(u32::from(pin.offset())));
    }
}

#[test]
fn input_and_output_lines_carry_the_helios64_consumer() {
    let guest = require_guest();
    let sim0 = guest.gpio_bank(board::AC_PRESENT.bank).unwrap();
    let input = bank(0).request_input(board::AC_PRESENT.offset, false).unwrap();
    sim0.set_pull(board::AC_PRESENT.offset, Pull::Up).unwrap();
    let high = input.is_active();
    sim0.set_pull(board::AC_PRESENT.offset, Pull::Down).unwrap();
    assert!(high.unwrap());
    assert!(!input.is_active().unwrap());
    let inverted = bank(0).request_input(board::AC_PRESENT.offset, true);
    assert!(matches!(inverted, Err(Error::Gpio { .. })), "the line is already held");
    drop(input);
    let inverted = bank(0).request_input(board::AC_PRESENT.offset, true).unwrap();
    assert!(inverted.is_active().unwrap(), "pulled down reads active when active-low");

    let sim4 = guest.gpio_bank(board::BOARD_REV_ID_0.bank).unwrap();
    let out = bank(4).request_output(board::BOARD_REV_ID_0.offset, true).unwrap();
    assert!(sim4.value(board::BOARD_REV_ID_0.offset).unwrap());
    let info = gpiocdev::chip::Chip::from_path(bank(4).dev_path())
        .unwrap()
        .line_info(board::BOARD_REV_ID_0.offset)
        .unwrap();
    assert_eq!(info.consumer, GPIO_CONSUMER);
    out.set(false).unwrap();
    assert!(!sim4.value(board::BOARD_REV_ID_0.offset).unwrap());
}

#[test]
fn auto_power_on_releases_its_lines_and_reports_a_held_one() {
    require_guest();
    let chip = bank(4);
    set_auto_power_on(&chip, false).unwrap();
    set_auto_power_on(&chip, true).unwrap();
    let cdev = gpiocdev::chip::Chip::from_path(chip.dev_path()).unwrap();
    for line in [board::AUTO_ON_EN_D, board::AUTO_ON_EN_CLK] {
        assert!(!cdev.line_info(line.offset).unwrap().used, "{} still held", line.name);
    }
    let holder = gpiocdev::Request::builder()
        .on_chip(chip.dev_path())
        .with_consumer("vm-test")
        .with_line(board::AUTO_ON_EN_CLK.offset)
        .as_output(Value::Inactive)
        .request()
        .unwrap();
    let e = set_auto_power_on(&chip, false).unwrap_err();
    drop(holder);
    match e {
        Error::Gpio { chip: path, .. } => assert_eq!(path, chip.dev_path()),
        other => panic!("{other:?}"),
    }
}
