use super::*;
use crate::ErrorKind;
use crate::testing::{Fixture, copy_fixture};
use std::fs;

#[test]
fn trigger_lists_parse_and_reject_malformed() {
    let t = parse_triggers("[none] timer heartbeat\n").unwrap();
    assert_eq!((t.current.as_str(), t.available.len()), ("none", 3));
    assert_eq!(parse_triggers("none [netdev]").unwrap().available, ["none", "netdev"]);
    for bad in ["", "none timer", "[none] [timer]", "[] none", "none [timer", "no]ne [timer]"] {
        assert_eq!(parse_triggers(bad), None, "{bad:?}");
    }
}

#[test]
fn roles_know_both_status_names() {
    assert_eq!(LedRole::from_name("helios64::status"), Some(LedRole::Status));
    assert_eq!(LedRole::from_name("helios64:green:status"), Some(LedRole::Status));
    assert_eq!(LedRole::from_name("helios64:red:ata3-err"), Some(LedRole::Ata3Err));
    assert_eq!(LedRole::from_name("mmc0::"), None);
    assert_eq!(LedRole::ata_error(5), Some(LedRole::Ata5Err));
    assert_eq!(LedRole::ata_error(0), None);
    assert_eq!(LedRole::ata_error(6), None);
    assert_eq!(LedRole::HddStatus.to_string(), "hdd-status");
    assert_eq!(LedRole::Status.to_string(), "status");
    assert_eq!(serde_json::to_string(&LedRole::Ata1Err).unwrap(), "\"ata1-err\"");
    let names: Vec<_> = LedRole::ALL.iter().flat_map(|r| r.names()).collect();
    assert_eq!(names.len(), 12, "eleven roles, two names for status");
}

#[test]
fn armbian_has_every_led_mainline_only_status_and_fault() {
    for f in Fixture::ALL {
        let root = f.root();
        let leds = Leds::discover(&root).unwrap();
        assert!(leds.others().is_empty(), "{f:?}");
        match f {
            Fixture::Armbian => {
                assert!(leds.missing().is_empty());
                assert_eq!(
                    leds.require(LedRole::Status, &root).unwrap().name(),
                    "helios64::status"
                );
            }
            Fixture::Mainline => {
                let present: Vec<_> = leds.known().filter_map(Led::role).collect();
                assert_eq!(present, [LedRole::Status, LedRole::Fault]);
                assert!(leds.missing().iter().all(|r| !r.in_mainline_dt()));
                assert_eq!(
                    leds.require(LedRole::Status, &root).unwrap().name(),
                    "helios64:green:status"
                );
                let e = leds.require(LedRole::Net, &root).unwrap_err();
                assert_eq!(
                    e.to_string(),
                    format!(
                        "net LED (helios64:blue:net) not found under {}",
                        root.class("leds").display()
                    )
                );
            }
        }
    }
}

#[test]
fn snapshots_show_triggers_and_brightness() {
    let root = Fixture::Armbian.root();
    let leds = Leds::discover(&root).unwrap();
    let snaps = leds.snapshot().unwrap();
    assert_eq!(snaps.len(), 11);
    let by_name = |n: &str| snaps.iter().find(|s| s.name == n).unwrap();
    let status = by_name("helios64::status");
    assert_eq!((status.trigger.as_str(), status.max_brightness), ("heartbeat", 1));
    assert_eq!(by_name("helios64:red:fault").trigger, "panic");
    assert_eq!(by_name("helios64:blue:hdd-status").trigger, "disk-activity");
    assert_eq!(by_name("helios64:blue:usb3").trigger, "usbport");
    assert_eq!(by_name("helios64:red:ata4-err").trigger, "none");
    let power = by_name("helios64:blue:power-status");
    assert_eq!((power.max_brightness, power.role), (255, Some(LedRole::PowerStatus)));
    let net = by_name("helios64:blue:net");
    assert_eq!(
        net.netdev,
        Some(NetdevSettings {
            device_name: "eth0".to_owned(),
            link: true,
            rx: true,
            tx: true,
            interval_ms: 52
        })
    );
    // Armbian's service names eth0, which current Armbian calls end0.
    assert_eq!(net.netdev_interface_present, Some(false));
    assert!(snaps.iter().filter(|s| s.name != net.name).all(|s| s.netdev.is_none()));
    assert!(status.available_triggers.iter().any(|t| t == "netdev"));

    let mainline = Fixture::Mainline.root();
    for s in Leds::discover(&mainline).unwrap().snapshot().unwrap() {
        assert_eq!(s.trigger, "none");
        assert!(!s.available_triggers.iter().any(|t| t == "netdev" || t == "heartbeat"));
    }
}

#[test]
fn brightness_and_trigger_writes_on_copies() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let leds = Leds::discover(&root).unwrap();
        let fault = leds.require(LedRole::Fault, &root).unwrap();
        fault.set_brightness(1).unwrap();
        assert_eq!(fault.brightness().unwrap(), 1);
        let e = fault.set_brightness(2).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert_eq!(fault.brightness().unwrap(), 1, "a rejected value is not written");
        let trigger = fault.path().join("trigger");
        let before = fs::read_to_string(&trigger).unwrap();
        let e = fault.set_trigger("rainbow").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("rainbow"), "{e}");
        assert_eq!(fs::read_to_string(&trigger).unwrap(), before, "nothing written");
        // A plain file stands in for sysfs here, so the write is seen
        // verbatim rather than as a re-rendered trigger list.
        fault.set_trigger("disk-activity").unwrap();
        assert_eq!(fs::read_to_string(&trigger).unwrap(), "disk-activity");
    }
}

#[test]
fn netdev_trigger_must_be_offered_and_active() {
    let (_dir, root) = copy_fixture(Fixture::Mainline);
    let leds = Leds::discover(&root).unwrap();
    let status = leds.require(LedRole::Status, &root).unwrap();
    let e = status.set_trigger("netdev").unwrap_err();
    assert!(e.to_string().contains("is the trigger's module loaded?"), "{e}");
    let settings = NetdevSettings {
        device_name: "end0".to_owned(),
        link: true,
        rx: false,
        tx: true,
        interval_ms: 100,
    };
    let e = status.set_netdev(&settings).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert_eq!(status.netdev().unwrap(), None);
}

#[test]
fn netdev_settings_are_written() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let leds = Leds::discover(&root).unwrap();
    let net = leds.require(LedRole::Net, &root).unwrap();
    let settings = NetdevSettings {
        device_name: "end0".to_owned(),
        link: true,
        rx: false,
        tx: true,
        interval_ms: 100,
    };
    net.set_netdev(&settings).unwrap();
    assert_eq!(net.netdev().unwrap(), Some(settings));
    assert_eq!(fs::read_to_string(net.path().join("rx")).unwrap(), "0");
}

#[test]
fn malformed_led_files_name_the_path() {
    for f in Fixture::ALL {
        let (_dir, root) = copy_fixture(f);
        let leds = Leds::discover(&root).unwrap();
        let fault = leds.require(LedRole::Fault, &root).unwrap();
        let trigger = fault.path().join("trigger");
        for bad in ["", "none timer"] {
            fs::write(&trigger, bad).unwrap();
            let e = fault.triggers().unwrap_err();
            assert_eq!(
                (e.kind(), e.path()),
                (ErrorKind::Malformed, Some(trigger.as_path())),
                "{bad:?}"
            );
        }
        let brightness = fault.path().join("brightness");
        fs::write(&brightness, "bright\n").unwrap();
        let e = fault.brightness().unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(brightness.as_path())));
        let max = fault.path().join("max_brightness");
        fs::remove_file(&max).unwrap();
        let e = fault.set_brightness(0).unwrap_err();
        assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(max.as_path())));
    }
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let net = Led::open(&root, "helios64:blue:net").unwrap();
    let rx = net.path().join("rx");
    fs::write(&rx, "yes\n").unwrap();
    let e = net.netdev().unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::Malformed, Some(rx.as_path())));
}

#[test]
fn unknown_and_duplicate_leds_are_listed_as_others() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let class = root.class("leds");
    let target = fs::read_link(class.join("helios64:red:fault")).unwrap();
    std::os::unix::fs::symlink(&target, class.join("mmc0::")).unwrap();
    std::os::unix::fs::symlink(&target, class.join("helios64:green:status")).unwrap();
    let leds = Leds::discover(&root).unwrap();
    let others: Vec<_> = leds.others().iter().map(Led::name).collect();
    assert_eq!(others, ["helios64:green:status", "mmc0::"]);
    assert_eq!(leds.require(LedRole::Status, &root).unwrap().name(), "helios64::status");
    assert_eq!(leds.snapshot().unwrap().len(), 13);
    assert!(matches!(Led::open(&root, "nope"), Err(Error::NotPresent { .. })));
}
