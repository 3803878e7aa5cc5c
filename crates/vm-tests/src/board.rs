//! The Helios64-shaped devices the test VM sets up: the fixed half of the
//! guest contract. `tests/vm/guest/setup-devices` builds them; the smoke
//! tests check every item here against the kernel's own interfaces.
//!
//! Line offsets and LED names follow the board (Armbian's Helios64 device
//! tree and U-Boot DT); where the VM must differ from the board (bus numbers,
//! the power-supply driver), the difference is stated.

/// A named GPIO line on one of the simulated RK3399 banks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GpioLine {
    /// Bank label, as the real RK3399 driver labels its chips: `gpio0`..`gpio4`.
    pub bank: &'static str,
    /// Offset within the bank: pin GPIOn_Xm is offset 8*X + m (A=0 … D=3).
    pub offset: u32,
    /// The line name the VM gives it (Linux's Helios64 DT names no lines).
    pub name: &'static str,
}

/// Labels of the simulated GPIO banks, in chip order.
pub const GPIO_BANKS: [&str; 5] = ["gpio0", "gpio1", "gpio2", "gpio3", "gpio4"];

/// Lines per bank, as on the RK3399.
pub const GPIO_LINES_PER_BANK: u32 = 32;

const fn line(bank: &'static str, offset: u32, name: &'static str) -> GpioLine {
    GpioLine { bank, offset, name }
}

/// Mains present (GPIO0_A2): the input of the board's `gpio-charger`.
pub const AC_PRESENT: GpioLine = line("gpio0", 2, "AC_PRESENT");
/// Charger status (GPIO2_D3): the other `gpio-charger` input.
pub const CHARGE_STATUS: GpioLine = line("gpio2", 27, "CHARGE_STATUS");
/// Auto power-on flip-flop data input (GPIO4_D1; U-Boot DT name).
pub const AUTO_ON_EN_D: GpioLine = line("gpio4", 25, "AUTO_ON_EN_D");
/// Auto power-on flip-flop clock (GPIO4_D2; U-Boot DT name).
pub const AUTO_ON_EN_CLK: GpioLine = line("gpio4", 26, "AUTO_ON_EN_CLK");
/// Board revision strap, bit 0 (GPIO4_D5; U-Boot DT name).
pub const BOARD_REV_ID_0: GpioLine = line("gpio4", 29, "BOARD_REV_ID_0");
/// Board revision strap, bit 1 (GPIO4_D6; U-Boot DT name).
pub const BOARD_REV_ID_1: GpioLine = line("gpio4", 30, "BOARD_REV_ID_1");

/// Every named line. Unnamed lines exist too (32 per bank) with empty names.
/// `tests/vm/guest/gpio-lines` holds the same table for the setup script.
pub const GPIO_LINES: &[GpioLine] = &[
    AC_PRESENT,
    line("gpio0", 3, "USER_BUTTON_1"),
    line("gpio0", 4, "LED_NET"),
    line("gpio0", 5, "POWER_BUTTON"),
    line("gpio0", 7, "SD_DETECT"),
    line("gpio0", 8, "WAKE_ON_LAN"),
    line("gpio0", 9, "GPIO_EXPANDER_INT"),
    line("gpio0", 10, "PMIC_INT"),
    line("gpio0", 11, "LED_USB3"),
    line("gpio0", 12, "LED_STATUS"),
    line("gpio0", 13, "LED_FAULT"),
    line("gpio1", 0, "HDD_A_POWER"),
    line("gpio1", 1, "HDD_B_POWER"),
    line("gpio1", 2, "TYPEC_INT"),
    line("gpio1", 3, "TYPEC_VBUS_EN"),
    line("gpio1", 22, "USB_POWER_EN"),
    line("gpio1", 23, "USB_LAN_POWER"),
    line("gpio1", 24, "PCIE_POWER"),
    line("gpio2", 2, "LED_ATA1_ERR"),
    line("gpio2", 3, "LED_ATA2_ERR"),
    line("gpio2", 4, "LED_ATA3_ERR"),
    line("gpio2", 5, "LED_ATA4_ERR"),
    line("gpio2", 6, "LED_ATA5_ERR"),
    CHARGE_STATUS,
    line("gpio3", 15, "GMAC_PHY_RESET"),
    line("gpio4", 21, "FAN1_SENSE"),
    line("gpio4", 23, "FAN2_SENSE"),
    AUTO_ON_EN_D,
    AUTO_ON_EN_CLK,
    line("gpio4", 27, "BEEPER"),
    line("gpio4", 28, "LED_HDD_STATUS"),
    BOARD_REV_ID_0,
    BOARD_REV_ID_1,
];

/// An LED in `/sys/class/leds`, created through uleds and held open by the
/// guest for the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Led {
    /// Name exactly as Armbian's Helios64 DT gives it.
    pub name: &'static str,
    /// `max_brightness`: 1 for the GPIO LEDs, 255 for the PWM one.
    pub max_brightness: u32,
    /// Brightness when the tests start (the DT turns only the status LED on).
    pub initial_brightness: u32,
}

const fn led(name: &'static str, max_brightness: u32, initial_brightness: u32) -> Led {
    Led { name, max_brightness, initial_brightness }
}

/// Armbian's Helios64 LEDs. Triggers start as `none` (uleds LEDs have no
/// default trigger).
pub const LEDS: &[Led] = &[
    led("helios64::status", 1, 1),
    led("helios64:red:fault", 1, 0),
    led("helios64:blue:net", 1, 0),
    led("helios64:blue:hdd-status", 1, 0),
    led("helios64:red:ata1-err", 1, 0),
    led("helios64:red:ata2-err", 1, 0),
    led("helios64:red:ata3-err", 1, 0),
    led("helios64:red:ata4-err", 1, 0),
    led("helios64:red:ata5-err", 1, 0),
    led("helios64:blue:usb3", 1, 0),
    led("helios64:blue:power-status", 255, 0),
];

/// I2C address of the board temperature sensor (an NCT75, driven by `lm75`).
/// On the board it sits on bus 2; in the VM on the i2c-stub bus
/// ([`Guest::i2c_stub_bus`](crate::Guest::i2c_stub_bus)).
pub const BOARD_SENSOR_ADDRESS: u16 = 0x4c;
/// hwmon `name` of the board sensor.
pub const BOARD_SENSOR_HWMON_NAME: &str = "lm75";
/// `temp1_input` the setup programs into the sensor (37.5 °C).
pub const BOARD_SENSOR_TEMP_MILLIDEGREES: i64 = 37_500;
/// `temp1_max` (the LM75 overtemperature register), 80 °C.
pub const BOARD_SENSOR_MAX_MILLIDEGREES: i64 = 80_000;
/// `temp1_max_hyst`, 75 °C.
pub const BOARD_SENSOR_HYST_MILLIDEGREES: i64 = 75_000;
/// Armbian's udev symlink to the board sensor's hwmon directory; the VM
/// installs an equivalent rule.
pub const THERMAL_BOARD_LINK: &str = "/dev/thermal-board";

/// IIO `name` of the kernel's iio_dummy device, the VM's only IIO device.
/// It is not shaped like the board's SARADC (whose battery channel is
/// `in_voltage2_raw` with a shared `in_voltage_scale`): it proves the IIO
/// sysfs read path against a real kernel, with fixed values.
pub const IIO_DUMMY_NAME: &str = "iio_dummy";
/// iio_dummy's `in_voltage0_raw`.
pub const IIO_DUMMY_VOLTAGE0_RAW: i64 = 73;
/// iio_dummy's `in_voltage0_offset`.
pub const IIO_DUMMY_VOLTAGE0_OFFSET: i64 = 7;
/// iio_dummy's `in_voltage0_scale`, as the kernel prints it.
pub const IIO_DUMMY_VOLTAGE0_SCALE: &str = "0.001333";

/// The mains supply. On the board this is `gpio-charger`; the VM has the
/// kernel's `test_power` driver instead, which starts online.
pub const MAINS_SUPPLY: &str = "test_ac";
/// The battery from `test_power` (the board itself exposes none).
pub const TEST_BATTERY: &str = "test_battery";

/// Number of SATA bays. Bay N is the disk on AHCI port N-1, i.e. `ataN`.
pub const BAY_COUNT: u8 = 5;

/// Serial number of the disk in `bay` (1..=5): `H64BAY1`..`H64BAY5`.
pub fn bay_serial(bay: u8) -> String {
    format!("H64BAY{bay}")
}

/// udev's by-id link of the disk in `bay` (QEMU's model is "QEMU HARDDISK").
pub fn bay_by_id(bay: u8) -> String {
    format!("/dev/disk/by-id/ata-QEMU_HARDDISK_H64BAY{bay}")
}

/// Serial of the NVMe disk (`/dev/nvme0n1`).
pub const NVME_SERIAL: &str = "NVME1";

/// By-id links of the four spare virtio disks (512 MiB each) for ZFS pools.
pub const ZFS_VDEV_DISKS: [&str; 4] = [
    "/dev/disk/by-id/virtio-H64ZVDEV1",
    "/dev/disk/by-id/virtio-H64ZVDEV2",
    "/dev/disk/by-id/virtio-H64ZVDEV3",
    "/dev/disk/by-id/virtio-H64ZVDEV4",
];

/// LAN1: an emulated e1000, renamed to the name Armbian gives the board's GMAC.
pub const LAN1: &str = "end0";
/// LAN1's MAC address (from Kobol's 64:62:66:Dx block).
pub const LAN1_MAC: &str = "64:62:66:d0:00:01";
/// LAN2: a tap, named as Armbian names the board's RTL8156, set to 2500/full.
pub const LAN2: &str = "eth1";
/// LAN2's MAC address.
pub const LAN2_MAC: &str = "64:62:66:d0:00:02";
/// A netdevsim port, for ethtool paths e1000 and tap lack (rings, coalescing).
pub const NETDEVSIM: &str = "nsim0";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn lines_are_unique_and_within_their_banks() {
        let mut names = BTreeSet::new();
        let mut places = BTreeSet::new();
        for l in GPIO_LINES {
            assert!(GPIO_BANKS.contains(&l.bank), "{l:?}");
            assert!(l.offset < GPIO_LINES_PER_BANK, "{l:?}");
            assert!(names.insert(l.name), "duplicate name {l:?}");
            assert!(places.insert((l.bank, l.offset)), "duplicate place {l:?}");
        }
    }

    #[test]
    fn the_setup_script_table_matches() {
        let table = include_str!("../../../tests/vm/guest/gpio-lines");
        let from_script: Vec<(String, u32, String)> = table
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                assert_eq!(f.len(), 3, "{l:?}");
                (f[0].to_owned(), f[1].parse().unwrap(), f[2].to_owned())
            })
            .collect();
        let from_here: Vec<(String, u32, String)> =
            GPIO_LINES.iter().map(|l| (l.bank.to_owned(), l.offset, l.name.to_owned())).collect();
        assert_eq!(from_script, from_here);
    }

    #[test]
    fn pin_arithmetic_matches_the_board() {
        // GPIO0_A2, GPIO2_D3, GPIO4_D1/D2, GPIO4_D5/D6.
        assert_eq!(AC_PRESENT.offset, 2);
        assert_eq!(CHARGE_STATUS.offset, 3 * 8 + 3);
        assert_eq!((AUTO_ON_EN_D.offset, AUTO_ON_EN_CLK.offset), (3 * 8 + 1, 3 * 8 + 2));
        assert_eq!((BOARD_REV_ID_0.offset, BOARD_REV_ID_1.offset), (3 * 8 + 5, 3 * 8 + 6));
    }

    #[test]
    fn bay_names() {
        assert_eq!(bay_serial(3), "H64BAY3");
        assert_eq!(bay_by_id(5), "/dev/disk/by-id/ata-QEMU_HARDDISK_H64BAY5");
    }
}
