//! helios64-hal's bay module on the VM's AHCI controller: five QEMU disks
//! with serials H64BAY1..5 on ports 1..5, the controller given by PCI
//! address as the VM has no JMB585.

use std::fs;
use std::path::Path;

use helios64_hal::{ErrorKind, PowerMode, Root, SataController};
use vm_env::{board, require_guest};

#[test]
fn bays_map_to_the_ports_of_the_given_controller() {
    let guest = require_guest();
    let root = Root::system();
    let ctl = SataController::at(&root, guest.ahci_pci_address().unwrap()).unwrap();
    let info = ctl.info().unwrap();
    assert_eq!(info.driver.as_deref(), Some("ahci"));
    assert!(ctl.ports().unwrap().len() >= 5, "{:?}", ctl.ports());
    for bay in ctl.bays().unwrap() {
        let n = bay.number();
        let status = bay.status().unwrap();
        let disk = status.disk.as_ref().unwrap_or_else(|| panic!("bay {n} is empty: {status:?}"));
        assert_eq!(disk.serial.as_deref(), Some(board::bay_serial(n).as_str()), "bay {n}");
        let expected = guest.bay_disk(n).unwrap();
        let expected = expected.file_name().unwrap().to_string_lossy();
        assert_eq!(disk.block_device.as_deref(), Some(&*expected), "bay {n}");
        assert_eq!(disk.model, "QEMU HARDDISK", "bay {n}");
        assert!(disk.size_bytes.unwrap() > 0);
        assert!(disk.rotational.is_some());
        assert!(matches!(status.link_speed_mbps, Some(1500 | 3000 | 6000)), "bay {n}: {status:?}");
        assert_eq!(status.error_led, format!("helios64:red:ata{n}-err"));
        assert!(
            Path::new("/sys/class/leds").join(&status.error_led).is_dir(),
            "{}",
            status.error_led
        );
        assert_eq!(status.shares_port_with_m2, n == 1);
        let sysfs = fs::canonicalize(format!("/sys/class/block/{expected}")).unwrap();
        assert!(
            sysfs.to_string_lossy().contains(&format!("/{}/", status.ata_port)),
            "bay {n}: {}",
            sysfs.display()
        );
    }
}

#[test]
fn the_jmb585_is_not_invented() {
    require_guest();
    let e = SataController::find(&Root::system()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("197b:0585"), "{e}");
}

/// ATA CHECK POWER MODE through SG_IO on each bay disk: one ioctl through
/// libata's SAT layer to QEMU's ATA device, which answers COUNT FFh
/// (active or idle; QEMU has no standby). The answer agrees with smartctl's
/// own check, and asking does not change it.
#[test]
fn each_bay_disk_answers_check_power_mode_without_changing_state() {
    let guest = require_guest();
    let root = Root::system();
    let ctl = SataController::at(&root, guest.ahci_pci_address().unwrap()).unwrap();
    for bay in ctl.bays().unwrap() {
        let n = bay.number();
        let disk = bay.open_ata().unwrap().unwrap_or_else(|| panic!("bay {n} has no disk"));
        let first = disk.power_mode().unwrap();
        assert_eq!(first, PowerMode::Active, "bay {n}");
        assert!(!first.is_spun_down());
        assert_eq!(disk.power_mode().unwrap(), first, "bay {n}: asking again");
        let out = std::process::Command::new("smartctl")
            .args(["-n", "standby", "-i"])
            .arg(disk.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Power mode is:    ACTIVE or IDLE"), "bay {n}: {text}");
    }
}
