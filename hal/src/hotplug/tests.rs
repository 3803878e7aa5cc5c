use std::fs;
#[cfg(feature = "hotplug")]
use std::io;
#[cfg(feature = "hotplug")]
use std::os::fd::AsFd;
use std::path::Path;
#[cfg(feature = "hotplug")]
use std::time::Duration;

use super::*;
#[cfg(feature = "hotplug")]
use crate::Error;
use crate::testing::{Fixture, copy_fixture};
use crate::{ErrorKind, NicRole, Root, SataController};

/// The VL815 hub on the RK3399's USB 3 controller.
const USB_HUB: &str = "/devices/platform/usb@fe900000/fe900000.usb/xhci-hcd.2.auto/usb2/2-1";
const LAN2_USB_PARENT: &str =
    "/devices/platform/usb@fe900000/fe900000.usb/xhci-hcd.2.auto/usb2/2-1/2-1.4/2-1.4:1.0/net";
const LAN1_NET: &str = "/devices/platform/fe300000.ethernet/net";
const JMB585: &str = "/devices/platform/f8000000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0";
const GPIO_CHARGER: &str = "/devices/platform/gpio-charger/power_supply/gpio-charger";
const USB_C_SUPPLY: &str =
    "/devices/platform/ff3d0000.i2c/i2c-4/4-0022/power_supply/tcpm-source-psy-4-0022";

/// The names each fixture gives LAN1 and LAN2 (Armbian's udev rule vs
/// systemd's MAC-based name).
fn nic_names(f: Fixture) -> (&'static str, &'static str) {
    match f {
        Fixture::Armbian => ("end0", "eth1"),
        Fixture::Mainline => ("eth0", "enx646266d005a2"),
    }
}

fn net(action: Action, devpath: &str, properties: &[(&str, &str)]) -> HotplugEvent {
    HotplugEvent::new(action, KernelSubsystem::Net, devpath, properties.iter().copied())
}

/// What udev records for the RTL8156 (usb_id builtin) and hands back with
/// its removal.
const RTL8156_IDS: [(&str, &str); 4] = [
    ("ID_BUS", "usb"),
    ("ID_USB_DRIVER", "r8152"),
    ("ID_VENDOR_ID", "0bda"),
    ("ID_MODEL_ID", "8156"),
];

#[test]
fn actions_keep_the_kernel_spelling() {
    for text in ["add", "remove", "change", "move", "bind", "unbind", "online"] {
        let action = Action::parse(text);
        assert_eq!((action.as_str(), action.to_string()), (text, text.to_owned()));
        assert_eq!(serde_json::to_value(&action).unwrap(), text);
    }
    assert_eq!(Action::parse("move"), Action::Move);
    assert_eq!(Action::parse("offline"), Action::Other("offline".into()));
}

#[test]
fn a_literal_event_derives_its_sysname_and_keeps_fields_out_of_properties() {
    let event = HotplugEvent::new(
        Action::Add,
        KernelSubsystem::Block,
        "/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/cciss!c0d0",
        [("ACTION", "remove"), ("DEVPATH", "/elsewhere"), ("DEVTYPE", "disk"), ("MAJOR", "104")],
    );
    assert_eq!(event.sysname, "cciss/c0d0", "udev's '!' for '/'");
    assert_eq!(event.action, Action::Add, "the argument, not the property");
    assert_eq!(event.devtype(), Some("disk"));
    assert_eq!(event.properties.keys().collect::<Vec<_>>(), ["DEVTYPE", "MAJOR"]);
    assert_eq!(event.seqnum, None);
    let json = serde_json::to_value(&event).unwrap();
    assert_eq!(json["action"], "add");
    assert_eq!(json["properties"]["MAJOR"], "104");
    let root = Root::new("/tmp/box");
    assert_eq!(
        event.sys_path(&root),
        Path::new(
            "/tmp/box/sys/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/cciss!c0d0"
        )
    );
}

#[test]
fn present_interfaces_are_classified_through_sysfs() {
    for f in Fixture::ALL {
        let root = f.root();
        let (lan1, lan2) = nic_names(f);
        // LAN2 plugged in: no udev properties at all, sysfs decides.
        let added = net(Action::Add, &format!("{LAN2_USB_PARENT}/{lan2}"), &[]);
        assert_eq!(added.nic_role(&root).unwrap(), Some(NicRole::Lan2), "{f:?}");
        // LAN1 renamed at boot.
        let old = format!("{LAN1_NET}/eth0");
        let renamed = net(Action::Move, &format!("{LAN1_NET}/{lan1}"), &[("DEVPATH_OLD", &old)]);
        assert_eq!(renamed.nic_role(&root).unwrap(), Some(NicRole::Lan1), "{f:?}");
        assert_eq!(renamed.old_devpath(), Some(old.as_str()));
        let lo = net(Action::Change, "/devices/virtual/net/lo", &[]);
        assert_eq!(lo.nic_role(&root).unwrap(), None);
        // Sysfs outranks what the event claims while the interface exists.
        let lying = net(Action::Change, "/devices/virtual/net/lo", &RTL8156_IDS);
        assert_eq!(lying.nic_role(&root).unwrap(), None);
        let block = HotplugEvent::new(
            Action::Add,
            KernelSubsystem::Block,
            &format!("{LAN1_NET}/{lan1}"),
            RTL8156_IDS,
        );
        assert_eq!(block.nic_role(&root).unwrap(), None, "not a net event");
    }
}

#[test]
fn gone_interfaces_are_classified_from_the_event() {
    for f in Fixture::ALL {
        let root = f.root();
        let (lan1, lan2) = nic_names(f);
        let lan2_path = format!("{LAN2_USB_PARENT}/{lan2}");
        let removed = net(Action::Remove, &lan2_path, &RTL8156_IDS);
        assert_eq!(removed.nic_role(&root).unwrap(), Some(NicRole::Lan2), "{f:?}");
        // A removal is about the device that went, even if the path is
        // taken again by the time it is read.
        let bare = net(Action::Remove, &lan2_path, &[]);
        assert_eq!(bare.nic_role(&root).unwrap(), None, "a kernel-source removal says too little");
        // Unplugged before the add was read: the path is gone from sysfs.
        let raced = net(Action::Add, &format!("{LAN2_USB_PARENT}/eth9"), &RTL8156_IDS);
        assert_eq!(raced.nic_role(&root).unwrap(), Some(NicRole::Lan2));
        let rtl8153 = [RTL8156_IDS[0], RTL8156_IDS[1], RTL8156_IDS[2], ("ID_MODEL_ID", "8153")];
        let other_usb = net(Action::Remove, &format!("{LAN2_USB_PARENT}/eth9"), &rtl8153);
        assert_eq!(other_usb.nic_role(&root).unwrap(), None, "only the RTL8156 is LAN2");
        let removed = net(Action::Remove, &format!("{LAN1_NET}/{lan1}"), &[]);
        assert_eq!(removed.nic_role(&root).unwrap(), Some(NicRole::Lan1), "{f:?}");
        let veth = net(Action::Remove, "/devices/virtual/net/veth0", &[]);
        assert_eq!(veth.nic_role(&root).unwrap(), None);
    }
}

#[test]
fn malformed_nic_identities_name_the_device() {
    for f in Fixture::ALL {
        let (dir, root) = copy_fixture(f);
        let lan2 = format!("{LAN2_USB_PARENT}/{}", nic_names(f).1);
        let bad_ids = [RTL8156_IDS[0], RTL8156_IDS[1], ("ID_VENDOR_ID", "zz"), RTL8156_IDS[3]];
        let e = net(Action::Remove, &lan2, &bad_ids).nic_role(&root).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Malformed);
        assert_eq!(e.path(), Some(root.sys().join(&lan2[1..]).as_path()));
        assert!(e.to_string().contains("ID_VENDOR_ID=zz"), "{e}");
        // In sysfs, the USB device's own attribute is what is wrong.
        let id_vendor = root.sys().join(&USB_HUB[1..]).join("2-1.4/idVendor");
        fs::write(&id_vendor, "realtek\n").unwrap();
        let e = net(Action::Add, &lan2, &RTL8156_IDS).nic_role(&root).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(id_vendor.as_path())));
        drop(dir);
    }
}

fn supply(action: Action, devpath: &str, properties: &[(&str, &str)]) -> HotplugEvent {
    HotplugEvent::new(action, KernelSubsystem::PowerSupply, devpath, properties.iter().copied())
}

#[test]
fn mains_changes_are_read_from_the_event() {
    for f in Fixture::ALL {
        let root = f.root();
        let off = [("POWER_SUPPLY_TYPE", "Mains"), ("POWER_SUPPLY_ONLINE", "0")];
        assert_eq!(
            supply(Action::Change, GPIO_CHARGER, &off).mains_online(&root).unwrap(),
            Some(false)
        );
        let on = [("POWER_SUPPLY_TYPE", "Mains"), ("POWER_SUPPLY_ONLINE", "1")];
        assert_eq!(supply(Action::Add, GPIO_CHARGER, &on).mains_online(&root).unwrap(), Some(true));
        let vm = "/devices/platform/test_power/power_supply/test_ac";
        assert_eq!(supply(Action::Change, vm, &off).mains_online(&root).unwrap(), Some(false));
        assert_eq!(supply(Action::Remove, GPIO_CHARGER, &on).mains_online(&root).unwrap(), None);
        let battery = [("POWER_SUPPLY_TYPE", "Battery"), ("POWER_SUPPLY_ONLINE", "1")];
        let battery_path = "/devices/platform/test_power/power_supply/test_battery";
        assert_eq!(
            supply(Action::Change, battery_path, &battery).mains_online(&root).unwrap(),
            None
        );
        let leds = HotplugEvent::new(Action::Change, KernelSubsystem::Leds, GPIO_CHARGER, off);
        assert_eq!(leds.mains_online(&root).unwrap(), None, "not a power_supply event");
    }
}

#[test]
fn what_the_event_lacks_is_read_from_sysfs() {
    let armbian = Fixture::Armbian.root();
    // Armbian's gpio-charger: type Mains, online 1 in the tree.
    assert_eq!(
        supply(Action::Change, GPIO_CHARGER, &[]).mains_online(&armbian).unwrap(),
        Some(true)
    );
    let off = [("POWER_SUPPLY_ONLINE", "0")];
    assert_eq!(
        supply(Action::Change, GPIO_CHARGER, &off).mains_online(&armbian).unwrap(),
        Some(false)
    );
    // The USB-C port's supply is type USB.
    assert_eq!(supply(Action::Change, USB_C_SUPPLY, &[]).mains_online(&armbian).unwrap(), None);
    // The mainline DT has no charger node: nothing to read the type from.
    let mainline = Fixture::Mainline.root();
    let e = supply(Action::Change, GPIO_CHARGER, &off).mains_online(&mainline).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.path().unwrap().ends_with("power_supply/gpio-charger/type"), "{e}");
}

#[test]
fn malformed_mains_state_names_the_attribute() {
    let (_d, root) = copy_fixture(Fixture::Armbian);
    let online = root.sys().join(&GPIO_CHARGER[1..]).join("online");
    let bad = [("POWER_SUPPLY_TYPE", "Mains"), ("POWER_SUPPLY_ONLINE", "2")];
    let e = supply(Action::Change, GPIO_CHARGER, &bad).mains_online(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(online.as_path())));
    fs::write(&online, "yes\n").unwrap();
    let e = supply(Action::Change, GPIO_CHARGER, &[]).mains_online(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(online.as_path())));
    fs::remove_file(&online).unwrap();
    let e = supply(Action::Change, GPIO_CHARGER, &[]).mains_online(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(online.as_path())));
}

fn block(action: Action, devpath: &str, devtype: &str) -> HotplugEvent {
    HotplugEvent::new(action, KernelSubsystem::Block, devpath, [("DEVTYPE", devtype)])
}

#[test]
fn disks_and_partitions_are_placed_in_their_bays() {
    for f in Fixture::ALL {
        let ctl = SataController::find(&f.root()).unwrap();
        let bay_of = |event: HotplugEvent| event.bay(&ctl).unwrap().map(|b| b.number());
        // Armbian's sda is in bay 3, mainline's in bay 2 (sdX follows probe order).
        let (sda_port, sda_bay) = if f == Fixture::Armbian {
            ("ata3/host2/target2:0:0/2:0:0:0", 3)
        } else {
            ("ata2/host1/target1:0:0/1:0:0:0", 2)
        };
        let sda = format!("{JMB585}/{sda_port}/block/sda");
        assert_eq!(bay_of(block(Action::Add, &sda, "disk")), Some(sda_bay), "{f:?}");
        assert_eq!(
            bay_of(block(Action::Change, &format!("{sda}/sda1"), "partition")),
            Some(sda_bay)
        );
        // A disk pulled from bay 5: gone from sysfs, placed by its path.
        let pulled = format!("{JMB585}/ata5/host4/target4:0:0/4:0:0:1/block/sdz");
        assert_eq!(bay_of(block(Action::Remove, &pulled, "disk")), Some(5));
        let nvme = "/devices/pci0000:00/0000:00:05.0/nvme/nvme0/nvme0n1";
        assert_eq!(bay_of(block(Action::Add, nvme, "disk")), None, "not under an ATA port");
        let on_ata6 = format!("{JMB585}/ata6/host5/target5:0:0/5:0:0:0/block/sdf");
        assert_eq!(bay_of(block(Action::Add, &on_ata6, "disk")), None, "a port beyond the bays");
        let usb_disk = format!("{USB_HUB}/2-1.3/2-1.3:1.0/host6/target6:0:0/6:0:0:0/block/sdg");
        assert_eq!(bay_of(block(Action::Add, &usb_disk, "disk")), None, "a USB disk");
        let drivetemp = format!("{JMB585}/{sda_port}/hwmon/hwmon9");
        let hwmon = HotplugEvent::new(
            Action::Add,
            KernelSubsystem::Hwmon,
            &drivetemp,
            [("NAME", "drivetemp")],
        );
        assert_eq!(bay_of(hwmon), None, "not a block event");
    }
}

#[test]
#[cfg(feature = "hotplug")]
fn a_quiet_monitor_returns_nothing_without_blocking() {
    // The kernel source needs no udevd; nothing emits this subsystem.
    let none = KernelSubsystem::parse("helios64-none");
    let mut monitor = HotplugMonitor::open_with(
        &Root::system(),
        EventSource::Kernel,
        std::slice::from_ref(&none),
    )
    .unwrap();
    let flags = nix::fcntl::fcntl(monitor.as_fd(), nix::fcntl::FcntlArg::F_GETFL).unwrap();
    assert_ne!(flags & libc::O_NONBLOCK, 0, "the socket must never block a daemon");
    assert!(monitor.try_next().unwrap().is_none());
    assert!(monitor.next_timeout(Duration::from_millis(30)).unwrap().is_none());
    assert_eq!((monitor.source(), monitor.subsystems()), (EventSource::Kernel, &[none][..]));
    let shown = format!("{monitor:?}");
    assert!(shown.contains("helios64-none") && shown.contains("Kernel"), "{shown}");
    fn send<T: Send>(_: T) {}
    send(monitor);
}

#[test]
#[cfg(feature = "hotplug")]
fn a_fixture_root_never_opens_the_event_socket() {
    let e = HotplugMonitor::open(&Fixture::Armbian.root()).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unsupported, "{e}");
    assert!(e.to_string().contains("needs the running kernel"), "{e}");
}

#[test]
fn kernel_subsystems_round_trip_their_spelling() {
    for name in ["net", "usb", "block", "power_supply", "leds", "hwmon", "thermal", "input"] {
        assert_eq!(KernelSubsystem::parse(name).as_str(), name);
    }
    assert_eq!(KernelSubsystem::parse("power_supply"), KernelSubsystem::PowerSupply);
    assert_eq!(KernelSubsystem::parse("input"), KernelSubsystem::Other("input".into()));
}

#[test]
#[cfg(feature = "hotplug")]
fn lost_events_are_told_apart_from_other_failures() {
    let receive = |errno| Error::Device {
        call: "udev_monitor_receive_device",
        device: "udev monitor (net)".into(),
        source: io::Error::from_raw_os_error(errno),
    };
    assert!(HotplugMonitor::events_lost(&receive(libc::ENOBUFS)));
    assert!(!HotplugMonitor::events_lost(&receive(libc::EINVAL)));
    let poll_failed = Error::Device {
        call: "poll",
        device: "udev monitor (net)".into(),
        source: io::Error::from_raw_os_error(libc::ENOBUFS),
    };
    assert!(!HotplugMonitor::events_lost(&poll_failed));
    assert_eq!(
        receive(libc::ENOBUFS).to_string(),
        "udev_monitor_receive_device failed on udev monitor (net)"
    );
}
