//! helios64-hal's network module against real drivers: the e1000 (end0,
//! standing in for LAN1), the tap (eth1, LAN2 at 2.5G), netdevsim and lo.
//! ethtool link settings go through the SIOCETHTOOL ioctl here, which the
//! fixture trees cannot exercise; `ethtool(8)` cross-checks what the crate
//! reads and writes.

use helios64_hal::{
    CpuSet, Duplex, Error, ErrorKind, LinkMode, LinkModes, NetInterface, OperState, Root,
    link_settings, rps_sock_flow_entries, set_link_settings, set_rps_sock_flow_entries,
};
use vm_env::{board, require_guest};

use crate::common::{read, run_ok};

/// Waits (up to 20 s) until `name` has carrier: changing link settings
/// makes the e1000 model renegotiate, and other tests (smoke's ethtool test
/// too) leave it doing so.
fn wait_for_carrier(name: &str) {
    let path = format!("/sys/class/net/{name}/carrier");
    for _ in 0..200 {
        if std::fs::read_to_string(&path).is_ok_and(|c| c.trim() == "1") {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("{name} has no carrier after 20 s");
}

fn iface(name: &str) -> NetInterface {
    NetInterface::by_name(&Root::system(), name).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The "Advertised link modes:" block of `ethtool IFACE`, as mode names.
fn ethtool_advertised(name: &str) -> Vec<String> {
    let out = run_ok("ethtool", &[name]);
    let mut modes = Vec::new();
    let mut inside = false;
    for line in out.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix("Advertised link modes:") {
            inside = true;
            modes.extend(rest.split_whitespace().map(str::to_owned));
        } else if inside && !line.contains(':') {
            modes.extend(line.split_whitespace().map(str::to_owned));
        } else if inside {
            break;
        }
    }
    modes
}

#[test]
fn lan1_stand_in_is_found_by_driver_with_its_link_state() {
    require_guest();
    wait_for_carrier(board::LAN1);
    let root = Root::system();
    let e1000 = NetInterface::by_driver(&root, "e1000").unwrap();
    assert_eq!(e1000.len(), 1, "{e1000:?}");
    assert_eq!(e1000[0].name(), board::LAN1);
    assert_eq!(e1000[0].bus(), Some("pci"));
    let state = e1000[0].state().unwrap();
    assert_eq!(state.mac, board::LAN1_MAC);
    assert_eq!(state.operstate, OperState::Up);
    assert_eq!(state.carrier, Some(true));
    assert_eq!(state.speed_mbps, Some(1000));
    assert_eq!(state.duplex, Some(Duplex::Full));
    assert_eq!(state.mtu.to_string(), read(format!("/sys/class/net/{}/mtu", board::LAN1)));
    // No Helios64 NIC in the VM: discovery by driver and bus must not guess.
    assert!(helios64_hal::Nic::all(&root).unwrap().is_empty());
}

#[test]
fn refused_attributes_read_as_unknown_not_as_numbers() {
    require_guest();
    // lo has no link settings: the kernel answers EINVAL for speed/duplex.
    let lo = iface("lo").state().unwrap();
    assert_eq!((lo.operstate, lo.speed_mbps, lo.duplex), (OperState::Unknown, None, None));
    // An administratively-down interface refuses carrier/speed/duplex.
    run_ok("ip", &["link", "set", "dev", board::LAN2, "down"]);
    let down = iface(board::LAN2).state();
    run_ok("ip", &["link", "set", "dev", board::LAN2, "up"]);
    let down = down.unwrap();
    assert_eq!(down.operstate, OperState::Down);
    assert_eq!((down.carrier, down.speed_mbps, down.duplex), (None, None, None));
    assert_eq!(down.mac, board::LAN2_MAC);
}

#[test]
fn ethtool_reads_the_e1000_like_ethtool_does() {
    require_guest();
    wait_for_carrier(board::LAN1);
    let s = link_settings(&Root::system(), board::LAN1).unwrap();
    assert_eq!((s.speed_mbps, s.duplex, s.autoneg), (Some(1000), Some(Duplex::Full), true));
    for mode in [LinkMode::BASE_T_10_HALF, LinkMode::BASE_T_100_FULL, LinkMode::BASE_T_1000_FULL] {
        assert!(s.supported.contains(mode), "{mode} not in {}", s.supported);
    }
    assert!(s.supported.contains(LinkMode::AUTONEG) && s.supported.contains(LinkMode::TP));
    let speeds: Vec<String> = s.advertising.speeds().iter().map(|m| m.to_string()).collect();
    assert_eq!(speeds, ethtool_advertised(board::LAN1));
}

#[test]
fn pinning_the_advertised_speed_and_undoing_it() {
    require_guest();
    let lan1 = iface(board::LAN1);
    let pinned = lan1.pin_speed(100);
    let after_pin = link_settings(&Root::system(), board::LAN1);
    let shown = ethtool_advertised(board::LAN1);
    let restored = lan1.advertise_all();
    let after_restore = link_settings(&Root::system(), board::LAN1).unwrap();
    wait_for_carrier(board::LAN1);

    let pinned = pinned.unwrap();
    let only_100: LinkModes = [LinkMode::BASE_T_100_FULL].into_iter().collect();
    assert_eq!(pinned.advertising.speeds(), only_100);
    let after_pin = after_pin.unwrap();
    assert_eq!(after_pin.advertising.speeds(), only_100, "the kernel kept what was set");
    assert!(after_pin.autoneg);
    assert_eq!(shown, ["100baseT/Full"], "ethtool(8) agrees");
    restored.unwrap();
    assert_eq!(after_restore.advertising.speeds(), after_restore.supported.speeds());

    let e = lan1.pin_speed(2500).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "the e1000 has no 2.5G mode: {e}");
}

#[test]
fn autoneg_off_and_on_through_slinksettings() {
    require_guest();
    let s = link_settings(&Root::system(), board::LAN1).unwrap();
    let set = set_link_settings(&Root::system(), &s.forced(100, Duplex::Full));
    let off = link_settings(&Root::system(), board::LAN1);
    let ethtool_off = run_ok("ethtool", &[board::LAN1]);
    let back = set_link_settings(&Root::system(), &s.with_autoneg(true).unwrap());
    let on = link_settings(&Root::system(), board::LAN1).unwrap();
    wait_for_carrier(board::LAN1);
    set.unwrap();
    assert!(!off.unwrap().autoneg);
    assert!(ethtool_off.contains("Auto-negotiation: off"), "{ethtool_off}");
    back.unwrap();
    assert!(on.autoneg);
}

#[test]
fn the_tap_takes_a_forced_speed_and_sysfs_follows() {
    require_guest();
    let s = link_settings(&Root::system(), board::LAN2).unwrap();
    assert_eq!((s.speed_mbps, s.duplex), (Some(2500), Some(Duplex::Full)));
    let set = set_link_settings(&Root::system(), &s.forced(1000, Duplex::Full));
    let now = link_settings(&Root::system(), board::LAN2);
    let sysfs = iface(board::LAN2).state();
    set_link_settings(&Root::system(), &s.forced(2500, Duplex::Full)).unwrap();
    set.unwrap();
    assert_eq!(now.unwrap().speed_mbps, Some(1000));
    assert_eq!(sysfs.unwrap().speed_mbps, Some(1000));
    assert_eq!(link_settings(&Root::system(), board::LAN2).unwrap().speed_mbps, Some(2500));
}

#[test]
fn interfaces_without_link_settings_fail_with_the_call_and_name() {
    require_guest();
    for name in [board::NETDEVSIM, "lo", "h64-absent0"] {
        let e = link_settings(&Root::system(), name).unwrap_err();
        match &e {
            Error::Device { call, device, .. } => {
                assert_eq!((*call, device.as_str()), ("ETHTOOL_GLINKSETTINGS", name));
            }
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[test]
fn rps_and_rfs_writes_read_back_and_single_queue_xps_is_absent() {
    require_guest();
    let root = Root::system();
    let lan1 = iface(board::LAN1);
    let rx = lan1.rx_queue(0).unwrap();
    let (cpus, flows, entries) =
        (rx.rps_cpus().unwrap(), rx.rps_flow_cnt().unwrap(), rps_sock_flow_entries(&root).unwrap());
    let one = CpuSet::from_cpus([1]);
    rx.set_rps_cpus(&one).unwrap();
    let set_cpus = rx.rps_cpus();
    let raw = read(rx.rps_cpus_path());
    rx.set_rps_flow_cnt(100).unwrap();
    let set_flows = rx.rps_flow_cnt();
    set_rps_sock_flow_entries(&root, 4096).unwrap();
    let set_entries = rps_sock_flow_entries(&root);
    rx.set_rps_cpus(&cpus).unwrap();
    rx.set_rps_flow_cnt(flows).unwrap();
    set_rps_sock_flow_entries(&root, entries).unwrap();

    assert_eq!(set_cpus.unwrap(), one);
    assert_eq!(raw, "2", "the kernel prints the mask for 2 CPUs in one digit");
    assert_eq!(set_flows.unwrap(), 128, "the kernel rounds up to a power of two");
    assert_eq!(set_entries.unwrap(), 4096);
    // e1000 has one transmit queue: the kernel refuses xps_cpus (ENOENT).
    let tx = lan1.tx_queues().unwrap();
    assert_eq!(tx.len(), 1);
    assert_eq!(tx[0].xps_cpus().unwrap(), None);
}
