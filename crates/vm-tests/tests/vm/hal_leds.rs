//! `helios64-hal`'s LED module against real LED class devices: the guest's
//! uleds LEDs carry Armbian's names, so discovery by role, brightness and
//! trigger writes and the netdev trigger's settings go through the kernel's
//! LED core exactly as on the board.
//!
//! Every test puts back what it changes (trigger `none`, the contract's
//! initial brightness): tests share the guest's devices.

use std::fs;
use std::time::{Duration, Instant};

use helios64_hal::{ErrorKind, Led, LedRole, Leds, NetdevSettings, Root};
use vm_env::{board, require_guest};

use crate::common::{read, run_ok};

fn discover() -> (Root, Leds) {
    let root = Root::system();
    let leds = Leds::discover(&root).unwrap();
    (root, leds)
}

/// Waits up to `within` for `check` to hold; the LED core and the netdev
/// trigger update brightness from their own work items.
fn eventually(within: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if check() {
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits up to `within` for `check` to hold continuously for `held`.
fn steadily(within: Duration, held: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    let mut since = None;
    while start.elapsed() <= within {
        if check() {
            let first = *since.get_or_insert_with(Instant::now);
            if first.elapsed() >= held {
                return true;
            }
        } else {
            since = None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

fn restore(led: &Led, initial_brightness: u32) {
    led.set_trigger("none").unwrap();
    led.set_brightness(initial_brightness).unwrap();
}

#[test]
fn every_armbian_led_is_found_by_role_with_its_range() {
    require_guest();
    let (root, leds) = discover();
    assert_eq!(leds.missing(), [], "roles without an LED");
    // The guest's keyboard LEDs are listed too, as non-Helios64 ones.
    let others: Vec<_> = leds.others().iter().map(Led::name).collect();
    assert!(others.iter().any(|n| n.ends_with("::capslock")), "{others:?}");
    assert!(leds.others().iter().all(|l| l.role().is_none()), "{others:?}");
    for spec in board::LEDS {
        let role =
            LedRole::from_name(spec.name).unwrap_or_else(|| panic!("{} has no role", spec.name));
        let led = leds.require(role, &root).unwrap();
        assert_eq!(led.name(), spec.name);
        assert_eq!(led.max_brightness().unwrap(), spec.max_brightness, "{}", spec.name);
        let class = fs::canonicalize(format!("/sys/class/leds/{}", spec.name)).unwrap();
        assert_eq!(led.path(), class);
    }
    // The status LED is found under Armbian's name, not mainline's.
    assert_eq!(leds.require(LedRole::Status, &root).unwrap().name(), "helios64::status");
}

#[test]
fn brightness_writes_reach_the_kernel_and_read_back() {
    require_guest();
    let (root, leds) = discover();
    let ata3 = leds.require(LedRole::Ata3Err, &root).unwrap();
    ata3.set_trigger("none").unwrap();
    ata3.set_brightness(1).unwrap();
    assert_eq!(ata3.brightness().unwrap(), 1);
    assert_eq!(read(ata3.path().join("brightness")), "1");
    let e = ata3.set_brightness(2).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(ata3.brightness().unwrap(), 1, "a rejected value must not be written");
    ata3.set_brightness(0).unwrap();
    assert_eq!(ata3.brightness().unwrap(), 0);

    let power = leds.require(LedRole::PowerStatus, &root).unwrap();
    power.set_brightness(128).unwrap();
    assert_eq!(power.brightness().unwrap(), 128);
    assert_eq!(power.set_brightness(256).unwrap_err().kind(), ErrorKind::InvalidInput);
    restore(power, 0);
}

#[test]
fn heartbeat_trigger_is_set_and_read_back_like_armbians_service() {
    require_guest();
    // Debian builds the heartbeat trigger as a module; Armbian's
    // helios64-heartbeat-led.service puts it on the status LED.
    run_ok("modprobe", &["ledtrig-heartbeat"]);
    let (root, leds) = discover();
    let status = leds.require(LedRole::Status, &root).unwrap();
    let before = status.triggers().unwrap();
    assert_eq!(before.current, "none");
    assert!(before.available.iter().any(|t| t == "heartbeat"), "{:?}", before.available);

    status.set_trigger("heartbeat").unwrap();
    assert_eq!(status.triggers().unwrap().current, "heartbeat");
    assert!(read(status.path().join("trigger")).contains("[heartbeat]"));
    // The kernel now blinks it: both levels show up within a few beats.
    let mut seen = [false; 2];
    let blinked = eventually(Duration::from_secs(5), || {
        let b = status.brightness().unwrap();
        seen[usize::from(b > 0)] = true;
        seen == [true, true]
    });
    assert!(blinked, "heartbeat never toggled the LED: seen off/on = {seen:?}");

    let e = status.set_trigger("no-such-trigger").unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert_eq!(
        status.triggers().unwrap().current,
        "heartbeat",
        "a rejected trigger is not written"
    );
    restore(status, 1);
    assert_eq!(status.triggers().unwrap().current, "none");
}

#[test]
fn netdev_trigger_follows_end0_and_flags_armbians_stale_eth0() {
    require_guest();
    run_ok("modprobe", &["ledtrig-netdev"]);
    let (root, leds) = discover();
    let net = leds.require(LedRole::Net, &root).unwrap();
    assert_eq!(net.netdev().unwrap(), None, "netdev settings exist only while it is active");
    net.set_trigger("netdev").unwrap();
    let settings = NetdevSettings {
        device_name: board::LAN1.to_owned(),
        link: true,
        rx: true,
        tx: true,
        interval_ms: 50,
    };
    net.set_netdev(&settings).unwrap();
    let back = net.netdev().unwrap().unwrap();
    assert_eq!(back, NetdevSettings { interval_ms: back.interval_ms, ..settings.clone() });
    // Kept in jiffies: rounded up to a whole tick (HZ is at least 100).
    assert!((50..=60).contains(&back.interval_ms), "interval read back as {}", back.interval_ms);
    assert_eq!(read(net.path().join("device_name")), board::LAN1);
    let snap = net.snapshot().unwrap();
    assert_eq!((snap.trigger.as_str(), snap.netdev_interface_present), ("netdev", Some(true)));
    // end0 has carrier, so "link" lights the LED.
    assert!(
        eventually(Duration::from_secs(3), || net.brightness().unwrap() == 1),
        "the netdev trigger did not light the LED for {} with link up",
        board::LAN1
    );

    // Link only from here: an rx/tx activity blink in flight when the
    // device changes leaves the LED core's cached brightness at the blink's
    // last step (the deferred blink-disable writes the LED, not the cache),
    // so the read-back below would race end0's traffic. The oneshot blink
    // lasts two intervals; a steady second of "on" means none is running.
    let link_only = NetdevSettings { rx: false, tx: false, ..settings };
    net.set_netdev(&link_only).unwrap();
    assert!(
        steadily(Duration::from_secs(10), Duration::from_secs(1), || net.brightness().unwrap()
            == 1),
        "the LED did not settle on for {} with link only",
        board::LAN1
    );

    // What Armbian's service writes: an interface current Armbian renamed.
    net.set_netdev(&NetdevSettings { device_name: "eth0".to_owned(), ..link_only }).unwrap();
    assert_eq!(net.snapshot().unwrap().netdev_interface_present, Some(false));
    assert!(
        eventually(Duration::from_secs(3), || net.brightness().unwrap() == 0),
        "the LED stays lit for a missing interface"
    );
    restore(net, 0);
    assert_eq!(net.netdev().unwrap(), None);
}
