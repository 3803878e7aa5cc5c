use std::fs;

use super::*;
use crate::ErrorKind;
use crate::testing::{Fixture, copy_fixture};

fn statuses(f: Fixture) -> Vec<BayStatus> {
    let root = f.root();
    let ctl = SataController::find(&root).unwrap();
    ctl.bays().unwrap().iter().map(|b| b.status().unwrap()).collect()
}

#[test]
fn the_jmb585_is_found_by_pci_id() {
    for f in Fixture::ALL {
        let ctl = SataController::find(&f.root()).unwrap();
        assert_eq!(ctl.pci_address(), "0000:01:00.0");
        let info = ctl.info().unwrap();
        assert_eq!((info.vendor_id, info.device_id), JMB585_PCI_ID);
        assert_eq!(info.driver.as_deref(), Some("ahci"));
        assert_eq!(info.pcie_link_width, Some(2));
        let speed = if f == Fixture::Armbian { "5.0 GT/s PCIe" } else { "2.5 GT/s PCIe" };
        assert_eq!(info.pcie_link_speed.as_deref(), Some(speed));
        let ports = ctl.ports().unwrap();
        assert_eq!(ports.iter().map(AtaPort::port_no).collect::<Vec<_>>(), [1, 2, 3, 4, 5]);
        assert_eq!(ports[2].name(), "ata3");
        assert_eq!(SataController::at(&f.root(), "0000:01:00.0").unwrap(), ctl);
    }
}

#[test]
fn bays_map_to_disks_out_of_sdx_order() {
    let bays = statuses(Fixture::Armbian);
    let blocks: Vec<_> =
        bays.iter().map(|b| b.disk.as_ref().unwrap().block_device.clone().unwrap()).collect();
    assert_eq!(blocks, ["sdc", "sde", "sda", "sdb", "sdd"]);
    let bay3 = &bays[2];
    assert_eq!((bay3.bay, bay3.connector, bay3.ata_port.as_str()), (3, "J5", "ata3"));
    assert_eq!(bay3.scsi_host.as_deref(), Some("host2"));
    assert_eq!(bay3.error_led, "helios64:red:ata3-err");
    assert_eq!(bay3.link_speed_mbps, Some(6000));
    let disk = bay3.disk.as_ref().unwrap();
    assert_eq!(disk.model, "ST4000VN008-2DR166", "full model from IDENTIFY, not 16 chars");
    assert_eq!(disk.serial.as_deref(), Some("ZGY0AB03"));
    assert_eq!(disk.firmware.as_deref(), Some("SC60"));
    assert_eq!(disk.size_bytes, Some(7_814_037_168 * 512));
    assert_eq!((disk.rotational, disk.rotation_rpm), (Some(true), Some(5980)));
    assert_eq!(disk.hctl.to_string(), "2:0:0:0");
    assert!(disk.hwmon.as_deref().unwrap().ends_with("/2:0:0:0/hwmon/hwmon12"), "{:?}", disk.hwmon);
    assert!(disk.hwmon.as_deref().unwrap().starts_with("/sys/devices/platform/f8000000.pcie/"));
    assert_eq!(
        bays[0].disk.as_ref().unwrap().serial.as_deref(),
        Some("WD-WCC7K1AB0001"),
        "left padding trimmed"
    );
    assert!(bays[0].shares_port_with_m2);
    assert!(!bays[1].shares_port_with_m2);
    let json = serde_json::to_value(&bays[2]).unwrap();
    assert_eq!(json["disk"]["block_device"], "sda");
    assert_eq!(json["link_speed_mbps"], 6000);
}

#[test]
fn an_empty_bay_and_the_m2_mux() {
    let bays = statuses(Fixture::Mainline);
    let empty = &bays[3];
    assert_eq!(empty.bay, 4);
    assert_eq!(empty.disk, None);
    assert_eq!(empty.link_speed_mbps, None);
    assert_eq!(empty.scsi_host.as_deref(), Some("host3"));
    let m2 = bays[0].disk.as_ref().unwrap();
    assert!(bays[0].shares_port_with_m2);
    assert_eq!(m2.model, "Samsung SSD 860 EVO M.2 250GB");
    assert_eq!((m2.rotational, m2.rotation_rpm), (Some(false), Some(0)));
}

#[test]
fn without_vpd_pages_the_scsi_model_is_used() {
    for f in Fixture::ALL {
        let (_d, root) = copy_fixture(f);
        let bay = SataController::find(&root).unwrap().bay(2).unwrap();
        let name = bay.status().unwrap().disk.unwrap().block_device.unwrap();
        let sdev = root.resolve(&root.sys().join("block").join(&name).join("device")).unwrap();
        fs::remove_file(sdev.join("vpd_pg89")).unwrap();
        let disk = bay.status().unwrap().disk.unwrap();
        assert_eq!(disk.model, "WDC WD40EFRX-68N", "SCSI INQUIRY keeps 16 characters");
        assert!(disk.serial.as_deref().unwrap().starts_with("WD-WCC7K1AB000"), "{:?}", disk.serial);
        assert_eq!(disk.firmware.as_deref(), Some("0A82"), "the SCSI rev");
        assert_eq!(disk.rotation_rpm, None);
        fs::remove_file(sdev.join("vpd_pg80")).unwrap();
        assert_eq!(bay.status().unwrap().disk.unwrap().serial, None);
    }
}

#[test]
fn malformed_and_missing_nodes_name_the_path() {
    for f in Fixture::ALL {
        let (_d, root) = copy_fixture(f);
        let ctl = SataController::find(&root).unwrap();
        let bay = ctl.bay(5).unwrap();
        let sdev = root.resolve(&root.sys().join("block/sdd/device")).unwrap();
        let block = root.resolve(&root.sys().join("block/sdd")).unwrap();
        let link = bay.port.dir.join("link5/ata_link/link5/sata_spd");
        for (path, bad) in [
            (sdev.join("vpd_pg89"), &b"\x00\x89short"[..]),
            (sdev.join("vpd_pg80"), b"\x00\x80\x00\x14abc"),
            (block.join("size"), b"lots"),
            (block.join("size"), b""),
            (block.join("queue/rotational"), b"maybe"),
            (link.clone(), b"12 Gbps"),
        ] {
            let good = fs::read(&path).unwrap();
            fs::write(&path, bad).unwrap();
            let e = bay.status().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "{}", path.display());
            assert_eq!(e.path(), Some(path.as_path()));
            fs::write(&path, good).unwrap();
        }
        fs::remove_file(&link).unwrap();
        let e = bay.status().unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(link.as_path())));
        let port_no = bay.port.dir.join("ata_port/ata5/port_no");
        fs::write(&port_no, "five").unwrap();
        assert_eq!(ctl.bays().unwrap_err().path(), Some(port_no.as_path()));
        fs::write(&port_no, "6").unwrap();
        let e = ctl.bays().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("bay 5"), "{e}");
        let vendor = root.bus_devices("pci").join("0000:01:00.0/vendor");
        fs::write(&vendor, "jmicron").unwrap();
        assert_eq!(SataController::find(&root).unwrap_err().path(), Some(vendor.as_path()));
    }
}

#[test]
fn a_missing_controller_or_bad_bay_number_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let e = SataController::find(&Root::new(dir.path())).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("197b:0585"), "{e}");
    let root = Fixture::Armbian.root();
    assert_eq!(SataController::at(&root, "0000:09:00.0").unwrap_err().kind(), ErrorKind::NotFound);
    let ctl = SataController::find(&root).unwrap();
    assert_eq!(ctl.bay(0).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(ctl.bay(6).unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(ctl.bay(5).unwrap().number(), 5);
}

#[test]
fn a_bay_finds_its_disks_drivetemp_without_the_hwmon_class() {
    for f in Fixture::ALL {
        let (_d, root) = copy_fixture(f);
        let before: Vec<_> = SataController::find(&root)
            .unwrap()
            .bays()
            .unwrap()
            .iter()
            .map(|b| {
                let temp = b.disk_temp().unwrap();
                let block = b.block_device().unwrap();
                assert_eq!(temp.as_ref().and_then(|t| t.block_device.clone()), block, "{f:?}");
                temp.map(|t| t.temp_millicelsius().unwrap())
            })
            .collect();
        assert!(before.iter().filter(|t| t.is_some()).count() >= 4, "{f:?}: {before:?}");
        // An unrelated broken class (here: all of it) changes nothing.
        fs::remove_dir_all(root.class("hwmon")).unwrap();
        let after: Vec<_> = SataController::find(&root)
            .unwrap()
            .bays()
            .unwrap()
            .iter()
            .map(|b| b.disk_temp().unwrap().map(|t| t.temp_millicelsius().unwrap()))
            .collect();
        assert_eq!(before, after, "{f:?}");
    }
}
