//! helios64-hal's hot-plug monitor against the guest's real kernel and
//! udevd: netdevsim interfaces created and deleted, test_power's mains going
//! off and on line, a bay disk's change event, a uleds LED appearing and
//! disappearing. Each test opens its monitor before causing the event, and
//! fails (never skips) when the event does not arrive in time.
//!
//! Every test puts back what it changes.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use helios64_hal::{
    Action, EventSource, HotplugEvent, HotplugMonitor, KernelSubsystem, Root, SataController,
};
use vm_env::{board, require_guest};

use crate::common::{read, write};

/// Long enough for udevd under TCG with the rest of the suite around it;
/// still bounded, so a missing event fails the test.
const WITHIN: Duration = Duration::from_secs(60);

/// Reads events until one satisfies `wanted`, or fails the test with what
/// did arrive.
fn expect_event(
    monitor: &mut HotplugMonitor,
    what: &str,
    wanted: impl Fn(&HotplugEvent) -> bool,
) -> HotplugEvent {
    let deadline = Instant::now() + WITHIN;
    let mut seen = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match monitor.next_timeout(remaining) {
            Ok(Some(event)) if wanted(&event) => return event,
            Ok(Some(event)) => {
                seen.push(format!("{} {} {}", event.action, event.subsystem, event.devpath))
            }
            Ok(None) => panic!(
                "no {what} within {WITHIN:?} on {monitor:?}; other events:\n{}",
                seen.join("\n")
            ),
            Err(e) => panic!("{what}: {e}: {:?}", std::error::Error::source(&e)),
        }
    }
}

#[test]
fn netdevsim_interfaces_come_and_go_as_net_events() {
    require_guest();
    let root = Root::system();
    let mut monitor = HotplugMonitor::open(&Root::system()).unwrap();
    // The device setup took netdevsim ID 1 (nsim0).
    let id = 100 + std::process::id() % 10_000;
    let parent = format!("/devices/netdevsim{id}/");
    write("/sys/bus/netdevsim/new_device", &format!("{id} 1"));
    let added = expect_event(&mut monitor, "net add for the new netdevsim port", |e| {
        e.subsystem == KernelSubsystem::Net && e.devpath.starts_with(&parent)
    });
    let name = added.sysname.clone();
    let live = added.sys_path(&root).exists();
    let added_role = added.nic_role(&root);
    write("/sys/bus/netdevsim/del_device", &id.to_string());
    let removed = expect_event(&mut monitor, "net remove of the netdevsim port", |e| {
        e.subsystem == KernelSubsystem::Net
            && e.devpath.starts_with(&parent)
            && e.action == Action::Remove
    });

    assert_eq!(added.action, Action::Add, "{added:?}");
    assert!(live, "{} missing while the port exists", added.sys_path(&root).display());
    assert_eq!(added.property("INTERFACE"), Some(name.as_str()), "{added:?}");
    assert!(added.seqnum.is_some());
    assert_eq!(added_role.unwrap(), None, "netdevsim is no board NIC");
    assert_eq!(removed.sysname, name, "udev renames before it announces the add");
    assert!(removed.seqnum > added.seqnum);
    assert!(!removed.sys_path(&root).exists());
    // The removal carries what udev recorded at the add: what LAN2's
    // removal is classified from.
    assert_eq!(removed.property("ID_NET_DRIVER"), Some("netdevsim"), "{removed:?}");
    assert_eq!(removed.nic_role(&root).unwrap(), None);
}

const AC_PARAM: &str = "/sys/module/test_power/parameters/ac_online";

/// Puts test_power's AC state back however the test ends.
struct RestoreAc(String);

impl Drop for RestoreAc {
    fn drop(&mut self) {
        write(AC_PARAM, &self.0);
    }
}

#[test]
fn mains_going_off_and_on_line_is_a_power_supply_change() {
    require_guest();
    let root = Root::system();
    let _restore = RestoreAc(read(AC_PARAM));
    let mut udev = HotplugMonitor::open(&Root::system()).unwrap();
    let mut kernel = HotplugMonitor::open_with(
        &Root::system(),
        EventSource::Kernel,
        &[KernelSubsystem::PowerSupply],
    )
    .unwrap();
    let is_mains = |e: &HotplugEvent| {
        e.subsystem == KernelSubsystem::PowerSupply && e.sysname == board::MAINS_SUPPLY
    };

    write(AC_PARAM, "off");
    let off = expect_event(&mut udev, "test_ac change (off)", is_mains);
    let off_raw = expect_event(&mut kernel, "kernel test_ac change (off)", is_mains);
    write(AC_PARAM, "on");
    let on = expect_event(&mut udev, "test_ac change (on)", is_mains);
    let on_raw = expect_event(&mut kernel, "kernel test_ac change (on)", is_mains);

    for event in [&off, &on, &off_raw, &on_raw] {
        assert_eq!(event.action, Action::Change, "{event:?}");
    }
    assert_eq!(off.mains_online(&root).unwrap(), Some(false), "{off:?}");
    assert_eq!(on.mains_online(&root).unwrap(), Some(true), "{on:?}");
    assert_eq!(off_raw.mains_online(&root).unwrap(), Some(false), "{off_raw:?}");
    assert_eq!(on_raw.mains_online(&root).unwrap(), Some(true), "{on_raw:?}");
    // The kernel's own uevent says the type: no sysfs lookup was needed.
    assert_eq!(off_raw.property("POWER_SUPPLY_TYPE"), Some("Mains"), "{off_raw:?}");
    assert_eq!(off.seqnum, off_raw.seqnum, "one uevent, two sources");
}

#[test]
fn a_bay_disk_change_is_placed_in_its_bay() {
    let guest = require_guest();
    let root = Root::system();
    let controller = SataController::at(&root, guest.ahci_pci_address().unwrap()).unwrap();
    let bay = 2;
    let disk = guest.bay_disk(bay).unwrap();
    let disk_name = disk.file_name().unwrap().to_str().unwrap().to_owned();
    let mut monitor = HotplugMonitor::open(&Root::system()).unwrap();
    // One at a time: waiting for one event consumes the others.
    let mut change = |name: &str| {
        write(format!("/sys/class/block/{name}/uevent"), "change");
        let name = name.to_owned();
        expect_event(&mut monitor, &format!("{name} change"), move |e| {
            e.subsystem == KernelSubsystem::Block && e.sysname == name
        })
    };
    let bay_disk = change(&disk_name);
    let nvme = change("nvme0n1");

    assert_eq!((bay_disk.action.clone(), bay_disk.devtype()), (Action::Change, Some("disk")));
    assert_eq!(bay_disk.bay(&controller).unwrap().map(|b| b.number()), Some(bay));
    assert_eq!(bay_disk.property("DEVNAME"), Some(disk.to_str().unwrap()));
    assert_eq!(bay_disk.property("ID_SERIAL_SHORT"), Some(board::bay_serial(bay).as_str()));
    assert_eq!(nvme.bay(&controller).unwrap(), None, "the NVMe is in no bay");
}

/// `struct uleds_user_dev { char name[LED_MAX_NAME_SIZE]; int max_brightness; }`.
fn uleds_request(name: &str, max_brightness: i32) -> Vec<u8> {
    let mut request = vec![0u8; 64];
    request[..name.len()].copy_from_slice(name.as_bytes());
    request.extend_from_slice(&max_brightness.to_ne_bytes());
    request
}

#[test]
fn a_uleds_led_appears_and_disappears() {
    let guest = require_guest();
    let name = guest.unique_name("h64hotplug");
    let mut monitor = HotplugMonitor::open(&Root::system()).unwrap();
    let mut uleds = fs::OpenOptions::new().read(true).write(true).open("/dev/uleds").unwrap();
    uleds.write_all(&uleds_request(&name, 1)).unwrap();
    let added = expect_event(&mut monitor, "leds add", |e| {
        e.subsystem == KernelSubsystem::Leds && e.sysname == name
    });
    let class_entry = Path::new("/sys/class/leds").join(&name).exists();
    drop(uleds);
    let removed = expect_event(&mut monitor, "leds remove", |e| {
        e.subsystem == KernelSubsystem::Leds && e.sysname == name && e.action == Action::Remove
    });
    assert_eq!(added.action, Action::Add, "{added:?}");
    assert!(class_entry);
    assert_eq!(removed.devpath, added.devpath);
}

#[test]
fn a_monitor_nothing_matches_waits_out_its_timeout() {
    require_guest();
    let mut monitor = HotplugMonitor::open_with(
        &Root::system(),
        EventSource::Udev,
        &[KernelSubsystem::parse("helios64-none")],
    )
    .unwrap();
    let start = Instant::now();
    assert!(monitor.try_next().unwrap().is_none());
    assert!(monitor.next_timeout(Duration::from_millis(300)).unwrap().is_none());
    assert!(start.elapsed() >= Duration::from_millis(300), "returned early");
}
