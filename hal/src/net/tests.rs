use std::fs;

use super::*;
use crate::ErrorKind;
use crate::cpuset::CpuSet;
use crate::testing::{Fixture, copy_fixture};

#[test]
fn both_nics_are_found_by_driver_and_bus() {
    for f in Fixture::ALL {
        let root = f.root();
        let nics = Nic::all(&root).unwrap();
        assert_eq!(nics.iter().map(Nic::role).collect::<Vec<_>>(), [NicRole::Lan1, NicRole::Lan2]);
        let lan1 = Nic::find(&root, NicRole::Lan1).unwrap();
        let lan2 = Nic::find(&root, NicRole::Lan2).unwrap();
        let (n1, n2) = match f {
            Fixture::Armbian => ("end0", "eth1".to_owned()),
            Fixture::Mainline => ("eth0", "enx646266d005a2".to_owned()),
        };
        assert_eq!(lan1.name(), n1, "{f:?}");
        assert_eq!(lan2.name(), n2, "{f:?}");
        assert_eq!(lan1.interface().driver(), Some("rk_gmac-dwmac"));
        assert_eq!(lan2.interface().bus(), Some("usb"));
        let usb = lan2.interface().usb_device().unwrap().unwrap();
        assert_eq!((usb.vendor_id, usb.product_id), LAN2_USB_ID);
        assert_eq!(usb.port, LAN2_USB_PORT);
        assert_eq!(usb.speed_mbps, 5000);
        assert_eq!(lan1.interface().usb_device().unwrap(), None);
    }
}

#[test]
fn link_state_reads_sysfs_without_inventing_values() {
    let armbian = Fixture::Armbian.root();
    let lan2 = Nic::find(&armbian, NicRole::Lan2).unwrap().status().unwrap();
    assert_eq!(lan2.link.operstate, OperState::Up);
    assert_eq!(lan2.link.speed_mbps, Some(2500));
    assert_eq!(lan2.link.duplex, Some(Duplex::Full));
    assert_eq!(lan2.link.carrier, Some(true));
    assert_eq!(lan2.link.mac, "64:62:66:d0:05:a2");
    assert_eq!(lan2.link.mtu, 1500);
    assert_eq!(lan2.driver, "r8152");
    assert!(lan2.device.starts_with("/sys/devices/platform/usb@fe900000/"), "{}", lan2.device);
    let mainline = Fixture::Mainline.root();
    let down = Nic::find(&mainline, NicRole::Lan2).unwrap().status().unwrap();
    assert_eq!(down.link.operstate, OperState::Down);
    assert_eq!(down.link.speed_mbps, None, "speed -1 is unknown, not a number");
    assert_eq!(down.link.duplex, None);
    assert_eq!(down.link.carrier, Some(false));
    let lan1 = Nic::find(&mainline, NicRole::Lan1).unwrap().status().unwrap();
    assert_eq!(lan1.link.speed_mbps, Some(1000));
    assert_eq!(lan1.link.counters.rx_bytes, 918_273_645);
    let json = serde_json::to_value(&lan1).unwrap();
    assert_eq!(json["role"], "lan1");
    assert_eq!(json["link"]["speed_mbps"], 1000);
    assert_eq!(json["link"]["operstate"], "up");
}

#[test]
fn speed_spellings() {
    assert_eq!(parse_speed("-1"), Some(None));
    assert_eq!(parse_speed("4294967295"), Some(None));
    assert_eq!(parse_speed("65535"), Some(None));
    assert_eq!(parse_speed("2500"), Some(Some(2500)));
    assert_eq!(parse_speed("fast"), None);
    assert_eq!(parse_speed(""), None);
}

#[test]
fn virtual_and_unknown_interfaces_are_not_nics() {
    for f in Fixture::ALL {
        let root = f.root();
        let lo = NetInterface::by_name(&root, "lo").unwrap();
        assert_eq!((lo.driver(), lo.bus(), lo.device_dir()), (None, None, None));
        // lo's speed/duplex answer EINVAL on a real box, which a fixture
        // file cannot reproduce; its state is exercised in the VM tests.
        assert_eq!(NetInterface::all(&root).unwrap().len(), 3);
        assert_eq!(NetInterface::by_driver(&root, "r8152").unwrap().len(), 1);
        let e = NetInterface::by_name(&root, "wlan0").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
    }
}

#[test]
fn a_different_usb_nic_on_r8152_is_not_lan2() {
    let (_d, root) = copy_fixture(Fixture::Armbian);
    let lan2 = Nic::find(&root, NicRole::Lan2).unwrap();
    let usb_dev = lan2.interface().device_dir().unwrap().parent().unwrap().to_path_buf();
    fs::write(usb_dev.join("idProduct"), "8153\n").unwrap();
    let e = Nic::find(&root, NicRole::Lan2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("0bda:8156"), "{e}");
    assert_eq!(Nic::all(&root).unwrap().len(), 1);
    fs::write(usb_dev.join("idProduct"), "r8152\n").unwrap();
    let e = Nic::find(&root, NicRole::Lan2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Malformed);
    assert_eq!(e.path(), Some(usb_dev.join("idProduct").as_path()));
}

#[test]
fn malformed_and_missing_link_attributes_name_the_path() {
    for f in Fixture::ALL {
        let (_d, root) = copy_fixture(f);
        let nic = Nic::find(&root, NicRole::Lan1).unwrap();
        let dir = nic.interface().dir().to_path_buf();
        for (attr, bad) in [
            ("speed", "fast"),
            ("duplex", "both"),
            ("carrier", "yes"),
            ("operstate", "sideways"),
            ("address", "not-a-mac"),
            ("address", ""),
            ("mtu", ""),
            ("statistics/rx_bytes", "-3"),
        ] {
            let path = dir.join(attr);
            let good = fs::read_to_string(&path).unwrap();
            fs::write(&path, bad).unwrap();
            let e = nic.status().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "{attr}={bad:?}");
            assert_eq!(e.path(), Some(path.as_path()), "{attr}");
            fs::remove_file(&path).unwrap();
            let e = nic.status().unwrap_err();
            assert_eq!(e.kind(), ErrorKind::NotFound, "{attr} missing");
            assert_eq!(e.path(), Some(path.as_path()));
            fs::write(&path, good).unwrap();
        }
        nic.status().unwrap();
    }
}

#[test]
fn queues_show_armbian_rps_policy() {
    let armbian = Fixture::Armbian.root();
    let lan1 = Nic::find(&armbian, NicRole::Lan1).unwrap();
    let rx = lan1.interface().rx_queues().unwrap();
    assert_eq!(rx.len(), 1);
    assert_eq!(rx[0].name(), "rx-0");
    assert_eq!(rx[0].rps_cpus().unwrap(), CpuSet::parse_list("0-2").unwrap());
    assert_eq!(rx[0].rps_flow_cnt().unwrap(), 32768);
    assert_eq!(rps_sock_flow_entries(&armbian).unwrap(), 32768);
    let tx = lan1.interface().tx_queues().unwrap();
    assert_eq!(tx[0].xps_cpus().unwrap(), Some(CpuSet::new()));
    let mainline = Fixture::Mainline.root();
    let lan1 = Nic::find(&mainline, NicRole::Lan1).unwrap();
    assert!(lan1.interface().rx_queue(0).unwrap().rps_cpus().unwrap().is_empty());
    assert_eq!(rps_sock_flow_entries(&mainline).unwrap(), 0);
    assert_eq!(lan1.interface().rx_queue(3).unwrap_err().kind(), ErrorKind::NotFound);
}

#[test]
fn queue_writes_use_the_kernel_mask_format() {
    for f in Fixture::ALL {
        let (_d, root) = copy_fixture(f);
        let lan1 = Nic::find(&root, NicRole::Lan1).unwrap();
        let rx = lan1.interface().rx_queue(0).unwrap();
        rx.set_rps_cpus(&CpuSet::from_cpus([4, 5])).unwrap();
        assert_eq!(fs::read_to_string(rx.rps_cpus_path()).unwrap(), "30");
        assert_eq!(rx.rps_cpus().unwrap(), CpuSet::from_cpus([4, 5]));
        rx.set_rps_flow_cnt(4096).unwrap();
        assert_eq!(rx.rps_flow_cnt().unwrap(), 4096);
        let tx = &lan1.interface().tx_queues().unwrap()[0];
        tx.set_xps_cpus(&CpuSet::from_cpus([0])).unwrap();
        assert_eq!(tx.xps_cpus().unwrap(), Some(CpuSet::from_cpus([0])));
        set_rps_sock_flow_entries(&root, 65536).unwrap();
        assert_eq!(rps_sock_flow_entries(&root).unwrap(), 65536);
        fs::write(rx.rps_cpus_path(), "zz").unwrap();
        let e = rx.rps_cpus().unwrap_err();
        assert_eq!(
            (e.kind(), e.path()),
            (ErrorKind::Malformed, Some(rx.rps_cpus_path().as_path()))
        );
        fs::remove_file(tx.xps_cpus_path()).unwrap();
        assert_eq!(tx.xps_cpus().unwrap(), None, "CONFIG_XPS off");
    }
}
