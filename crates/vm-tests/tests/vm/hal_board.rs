//! `helios64-hal`'s board detection, inventory and I2C listing on a real
//! kernel that is not a Helios64: the x86 guest has no device tree, so the
//! board must come out as [`Variant::NoDeviceTree`] and every subsystem must
//! still report what the guest does have (LEDs, the lm75, the stub bus).

use helios64_hal::{Board, Fans, LedRole, Root, Subsystem, Variant, i2c_adapters, i2c_snapshot};
use vm_env::{board, require_guest};

#[test]
fn an_x86_guest_is_detected_as_having_no_device_tree() {
    require_guest();
    let root = Root::system();
    let detected = Board::detect(&root).unwrap();
    assert_eq!(detected.variant, Variant::NoDeviceTree);
    assert!(!detected.is_helios64());
    assert_eq!((detected.identity, detected.device_tree), (None, None));
}

#[test]
fn inventory_reports_what_the_guest_has_and_expects_nothing() {
    require_guest();
    let root = Root::system();
    let inventory = Board::detect(&root).unwrap().inventory(&root).unwrap();
    assert!(inventory.components.iter().all(|c| !c.expected), "nothing is expected off a Helios64");
    inventory.ensure_complete().unwrap();
    let present = |subsystem: Subsystem| {
        inventory.components.iter().filter(move |c| c.subsystem == subsystem && c.present)
    };
    assert_eq!(present(Subsystem::Leds).count(), LedRole::ALL.len(), "every uleds LED");
    assert_eq!(present(Subsystem::Fans).count(), 0, "no pwm-fan on x86");
    assert_eq!(present(Subsystem::DeviceTree).count(), 0);
    let sensor =
        inventory.components.iter().find(|c| c.component.starts_with("lm75 board sensor")).unwrap();
    assert!(sensor.present && sensor.location.starts_with("/sys/devices/"), "{sensor:?}");
    assert!(Fans::discover(&root).unwrap().all().is_empty());
}

#[test]
fn i2c_listing_shows_the_stub_adapter_and_its_lm75() {
    let guest = require_guest();
    let root = Root::system();
    let number = guest.i2c_stub_bus().unwrap();
    let adapters = i2c_adapters(&root).unwrap();
    let stub = adapters
        .iter()
        .find(|a| a.number == number)
        .unwrap_or_else(|| panic!("i2c-{number} missing from {adapters:?}"));
    assert_eq!(stub.name, "SMBus stub driver");
    let clients: Vec<_> =
        stub.clients.iter().map(|c| (c.address, c.name.as_str(), c.driver.as_deref())).collect();
    assert_eq!(clients, [(board::BOARD_SENSOR_ADDRESS, "lm75", Some("lm75"))]);
    let snap = i2c_snapshot(&root).unwrap();
    assert!(snap.iter().any(|a| a.number == number && a.dev_node), "/dev/i2c-{number}: {snap:?}");
}
