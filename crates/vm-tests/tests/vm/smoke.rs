//! Proves each device class of the guest contract is really there, with the
//! shape docs/TESTING.md promises, through the kernel's own interfaces. If
//! the harness loses a device, these fail before any subsystem test does.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};

use gpiocdev::line::Value;
use vm_env::{Pull, board, require_guest};

use crate::common::{read, run, run_ok, write};

#[test]
fn runs_on_the_kernel_the_image_was_built_for() {
    let guest = require_guest();
    let abi = guest.kernel_abi().unwrap();
    assert_eq!(read("/proc/sys/kernel/osrelease"), abi);
    assert!(Path::new("/run/udev/control").exists(), "systemd-udevd is not running");
}

/// label -> (chip path, info) for every GPIO character device.
fn chips_by_label() -> BTreeMap<String, (PathBuf, gpiocdev::chip::Info)> {
    let mut by_label = BTreeMap::new();
    for path in gpiocdev::chip::chips().unwrap() {
        let info = gpiocdev::chip::Chip::from_path(&path).unwrap().info().unwrap();
        let previous = by_label.insert(info.label.clone(), (path.clone(), info));
        assert!(previous.is_none(), "two GPIO chips are labelled alike: {previous:?} and {path:?}");
    }
    by_label
}

#[test]
fn gpio_banks_are_shaped_like_the_rk3399() {
    let guest = require_guest();
    let chips = chips_by_label();
    for label in board::GPIO_BANKS {
        let (path, info) =
            chips.get(label).unwrap_or_else(|| panic!("no GPIO chip labelled {label}: {chips:?}"));
        assert_eq!(info.num_lines, board::GPIO_LINES_PER_BANK, "{label}");
        assert_eq!(guest.gpio_bank(label).unwrap().dev_path(), *path, "{label}");
        let chip = gpiocdev::chip::Chip::from_path(path).unwrap();
        let named: BTreeMap<u32, String> = (0..info.num_lines)
            .map(|offset| (offset, chip.line_info(offset).unwrap().name))
            .filter(|(_, name)| !name.is_empty())
            .collect();
        let expected: BTreeMap<u32, String> = board::GPIO_LINES
            .iter()
            .filter(|l| l.bank == label)
            .map(|l| (l.offset, l.name.to_owned()))
            .collect();
        assert_eq!(named, expected, "line names of {label}");
    }
}

#[test]
fn gpio_input_follows_the_simulated_signal() {
    let guest = require_guest();
    let line = board::AC_PRESENT;
    let bank = guest.gpio_bank(line.bank).unwrap();
    let req = gpiocdev::Request::builder()
        .on_chip(bank.dev_path())
        .with_consumer("vm-smoke")
        .with_line(line.offset)
        .as_input()
        .request()
        .unwrap();
    bank.set_pull(line.offset, Pull::Up).unwrap();
    assert_eq!(req.value(line.offset).unwrap(), Value::Active);
    bank.set_pull(line.offset, Pull::Down).unwrap();
    assert_eq!(req.value(line.offset).unwrap(), Value::Inactive);
}

#[test]
fn gpio_output_reaches_the_simulator() {
    let guest = require_guest();
    let line = board::AUTO_ON_EN_D;
    let bank = guest.gpio_bank(line.bank).unwrap();
    let req = gpiocdev::Request::builder()
        .on_chip(bank.dev_path())
        .with_consumer("vm-smoke")
        .with_line(line.offset)
        .as_output(Value::Active)
        .request()
        .unwrap();
    assert!(bank.value(line.offset).unwrap());
    req.set_value(line.offset, Value::Inactive).unwrap();
    assert!(!bank.value(line.offset).unwrap());
    let info =
        gpiocdev::chip::Chip::from_path(bank.dev_path()).unwrap().line_info(line.offset).unwrap();
    assert!(info.used && info.consumer == "vm-smoke", "{info:?}");
}

#[test]
fn leds_carry_armbian_names_and_take_writes() {
    let guest = require_guest();
    let holder = guest.fact("HELIOS64_VM_ULEDS_PID").unwrap();
    assert!(Path::new("/proc").join(holder).exists(), "the uleds holder (pid {holder}) died");
    for led in board::LEDS {
        let dir = Path::new("/sys/class/leds").join(led.name);
        assert!(dir.is_dir(), "{} missing", dir.display());
        assert_eq!(
            read(dir.join("max_brightness")),
            led.max_brightness.to_string(),
            "{}",
            led.name
        );
        let before = read(dir.join("brightness"));
        write(dir.join("brightness"), &led.max_brightness.to_string());
        assert_eq!(read(dir.join("brightness")), led.max_brightness.to_string(), "{}", led.name);
        write(dir.join("brightness"), "0");
        assert_eq!(read(dir.join("brightness")), "0", "{}", led.name);
        write(dir.join("brightness"), &before);
    }
}

#[test]
fn board_sensor_is_an_lm75_on_the_stub_bus() {
    let guest = require_guest();
    let bus = guest.i2c_stub_bus().unwrap();
    assert_eq!(read(format!("/sys/bus/i2c/devices/i2c-{bus}/name")), "SMBus stub driver");
    let dev = PathBuf::from(format!("/dev/i2c-{bus}"));
    assert!(fs::metadata(&dev).unwrap().file_type().is_char_device(), "{}", dev.display());

    let hwmon = guest.board_sensor_hwmon().unwrap();
    assert_eq!(read(hwmon.join("name")), board::BOARD_SENSOR_HWMON_NAME);
    let client = fs::canonicalize(hwmon.join("device")).unwrap();
    assert_eq!(
        client.file_name().unwrap().to_string_lossy(),
        format!("{bus}-{:04x}", board::BOARD_SENSOR_ADDRESS)
    );
    assert_eq!(read(hwmon.join("temp1_input")), board::BOARD_SENSOR_TEMP_MILLIDEGREES.to_string());
    assert_eq!(read(hwmon.join("temp1_max")), board::BOARD_SENSOR_MAX_MILLIDEGREES.to_string());
    assert_eq!(
        read(hwmon.join("temp1_max_hyst")),
        board::BOARD_SENSOR_HYST_MILLIDEGREES.to_string()
    );
    assert_eq!(
        fs::canonicalize(board::THERMAL_BOARD_LINK).unwrap(),
        fs::canonicalize(&hwmon).unwrap(),
        "{} should point at the board sensor",
        board::THERMAL_BOARD_LINK
    );
}

#[test]
fn iio_dummy_reads_its_fixed_values() {
    let guest = require_guest();
    let dev = guest.iio_dummy().unwrap();
    assert_eq!(read(dev.join("name")), board::IIO_DUMMY_NAME);
    assert_eq!(read(dev.join("in_voltage0_raw")), board::IIO_DUMMY_VOLTAGE0_RAW.to_string());
    assert_eq!(read(dev.join("in_voltage0_offset")), board::IIO_DUMMY_VOLTAGE0_OFFSET.to_string());
    assert_eq!(read(dev.join("in_voltage0_scale")), board::IIO_DUMMY_VOLTAGE0_SCALE);
}

#[test]
fn mains_supply_is_online() {
    require_guest();
    let ac = Path::new("/sys/class/power_supply").join(board::MAINS_SUPPLY);
    assert_eq!(read(ac.join("type")), "Mains");
    assert_eq!(read(ac.join("online")), "1");
    let battery = Path::new("/sys/class/power_supply").join(board::TEST_BATTERY);
    assert_eq!(read(battery.join("type")), "Battery");
}

#[test]
fn bays_are_ahci_ports_one_to_five() {
    let guest = require_guest();
    let ahci = guest.ahci_pci_address().unwrap().to_owned();
    let driver = fs::canonicalize(format!("/sys/bus/pci/devices/{ahci}/driver")).unwrap();
    assert!(driver.ends_with("ahci"), "{ahci} is driven by {}", driver.display());
    for bay in 1..=board::BAY_COUNT {
        let disk = fs::canonicalize(board::bay_by_id(bay))
            .unwrap_or_else(|e| panic!("{}: {e}", board::bay_by_id(bay)));
        assert_eq!(disk, guest.bay_disk(bay).unwrap(), "bay {bay}");
        let name = disk.file_name().unwrap().to_string_lossy().into_owned();
        let sysfs = fs::canonicalize(format!("/sys/class/block/{name}")).unwrap();
        let sysfs = sysfs.to_string_lossy();
        assert!(sysfs.contains(&format!("/{ahci}/ata{bay}/")), "bay {bay}: {sysfs}");
        let vpd = fs::read(format!("/sys/block/{name}/device/vpd_pg80")).unwrap();
        let serial = String::from_utf8_lossy(&vpd[4..]).trim().to_owned();
        assert_eq!(serial, board::bay_serial(bay), "bay {bay} serial");
    }
}

#[test]
fn nvme_disk_has_its_serial() {
    require_guest();
    assert_eq!(read("/sys/class/nvme/nvme0/serial").trim(), board::NVME_SERIAL);
    assert!(fs::metadata("/dev/nvme0n1").unwrap().file_type().is_block_device());
}

#[test]
fn zfs_creates_a_pool_on_file_vdevs() {
    let guest = require_guest();
    File::options()
        .read(true)
        .write(true)
        .open("/dev/zfs")
        .unwrap_or_else(|e| panic!("cannot open /dev/zfs: {e}"));
    assert_eq!(read("/sys/module/zfs/version"), guest.zfs_module_version().unwrap());
    for disk in board::ZFS_VDEV_DISKS {
        assert!(fs::metadata(disk).unwrap().file_type().is_block_device(), "{disk}");
    }

    let dir = guest.scratch_dir("smoke-zfs").unwrap();
    let vdevs: Vec<String> = (1..=2)
        .map(|i| {
            let path = dir.join(format!("vdev{i}"));
            File::create(&path).unwrap().set_len(128 << 20).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();
    let pool = guest.unique_name("smoke");
    let mountpoint = dir.join("mnt");
    let mountpoint = mountpoint.to_string_lossy();
    run_ok("zpool", &["create", "-f", "-m", &mountpoint, &pool, "mirror", &vdevs[0], &vdevs[1]]);
    let listed = run_ok("zpool", &["list", "-H", "-o", "name,health", &pool]);
    run_ok("zpool", &["destroy", &pool]);
    assert_eq!(listed.trim_end(), format!("{pool}\tONLINE"));
}

fn smartctl_json(device: &str) -> serde_json::Value {
    let out = run("smartctl", &["--json=c", "-a", device]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("smartctl -a {device}: not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout))
    });
    assert_eq!(out.status.code(), Some(0), "smartctl -a {device}: {json}");
    json
}

#[test]
fn smartctl_answers_for_a_bay_disk_and_the_nvme() {
    require_guest();
    let bay = smartctl_json(&board::bay_by_id(1));
    assert_eq!(bay["serial_number"], board::bay_serial(1).as_str(), "{bay}");
    assert_eq!(bay["smart_status"]["passed"], true, "{bay}");
    assert_eq!(bay["device"]["protocol"], "ATA", "{bay}");

    let nvme = smartctl_json("/dev/nvme0n1");
    assert_eq!(nvme["serial_number"], board::NVME_SERIAL, "{nvme}");
    assert_eq!(nvme["device"]["protocol"], "NVMe", "{nvme}");
}

#[test]
fn ethtool_changes_lan_link_settings() {
    require_guest();
    assert_eq!(read(format!("/sys/class/net/{}/address", board::LAN1)), board::LAN1_MAC);
    let driver = fs::canonicalize(format!("/sys/class/net/{}/device/driver", board::LAN1)).unwrap();
    assert!(driver.ends_with("e1000"), "{}", driver.display());
    let lan1 = run_ok("ethtool", &[board::LAN1]);
    assert!(lan1.contains("Speed: 1000Mb/s") && lan1.contains("Auto-negotiation: on"), "{lan1}");
    run_ok("ethtool", &["-s", board::LAN1, "autoneg", "off", "speed", "100", "duplex", "full"]);
    let changed = run_ok("ethtool", &[board::LAN1]);
    run_ok("ethtool", &["-s", board::LAN1, "autoneg", "on"]);
    assert!(changed.contains("Auto-negotiation: off"), "{changed}");

    assert_eq!(read(format!("/sys/class/net/{}/address", board::LAN2)), board::LAN2_MAC);
    let lan2 = run_ok("ethtool", &[board::LAN2]);
    assert!(lan2.contains("Speed: 2500Mb/s") && lan2.contains("Duplex: Full"), "{lan2}");

    let nsim = fs::canonicalize(format!("/sys/class/net/{}/device", board::NETDEVSIM)).unwrap();
    assert!(nsim.to_string_lossy().contains("netdevsim"), "{}", nsim.display());
    run_ok("ethtool", &["-g", board::NETDEVSIM]);
}

#[test]
fn lan1_and_the_sata_controller_have_their_own_irqs() {
    let guest = require_guest();
    let interrupts = read("/proc/interrupts");
    let ahci = format!("ahci[{}]", guest.ahci_pci_address().unwrap());
    for name in [board::LAN1, ahci.as_str()] {
        let line = interrupts
            .lines()
            .find(|l| l.split_whitespace().last() == Some(name))
            .unwrap_or_else(|| panic!("no IRQ named {name} in /proc/interrupts:\n{interrupts}"));
        let irq = line.split(':').next().unwrap().trim();
        assert!(irq.parse::<u32>().is_ok(), "{line}");
        assert!(Path::new(&format!("/proc/irq/{irq}/smp_affinity")).exists(), "{line}");
    }
}
