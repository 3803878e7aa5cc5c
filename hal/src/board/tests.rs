use super::*;
use crate::ErrorKind;
use crate::testing::{Fixture, copy_fixture};
use std::fs;

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn classify_covers_every_variant() {
    let helios = strings(&["kobol,helios64", "rockchip,rk3399"]);
    let armbian = DtLayout { armbian_nodes: true, mainline_nodes: false };
    let mainline = DtLayout { armbian_nodes: false, mainline_nodes: true };
    assert_eq!(classify("Kobol Helios64", &helios, armbian), Variant::Armbian);
    assert_eq!(classify("Kobol Helios64", &helios, mainline), Variant::Mainline);
    assert_eq!(classify("Helios64", &helios, armbian), Variant::KobolEra);
    assert_eq!(classify("Helios64", &strings(&["rockchip,rk3399"]), armbian), Variant::KobolEra);
    assert_eq!(
        classify("Kobol Helios64", &helios, DtLayout::default()),
        Variant::UnrecognisedHelios64
    );
    let both = DtLayout { armbian_nodes: true, mainline_nodes: true };
    assert_eq!(classify("Kobol Helios64", &helios, both), Variant::UnrecognisedHelios64);
    let rock = strings(&["radxa,rockpi4b", "rockchip,rk3399"]);
    assert_eq!(classify("Radxa ROCK Pi 4B", &rock, armbian), Variant::NotHelios64);
    assert!(!Variant::NotHelios64.is_helios64() && !Variant::NoDeviceTree.is_helios64());
    assert!(Variant::KobolEra.is_full() && !Variant::Mainline.is_full());
}

#[test]
fn detects_both_fixtures_with_identity() {
    let armbian = Board::detect(&Fixture::Armbian.root()).unwrap();
    assert_eq!(armbian.variant, Variant::Armbian);
    let id = armbian.identity.as_ref().unwrap();
    assert_eq!(id.model, "Kobol Helios64");
    assert_eq!(id.compatible, ["kobol,helios64", "rockchip,rk3399"]);
    assert_eq!(id.board_rev.as_deref(), Some("1.2"));
    assert_eq!(id.cpu_id.as_ref().map(String::len), Some(32));
    assert_eq!(id.serial_number, None);
    assert_eq!(
        armbian.device_tree.as_deref(),
        Some(std::path::Path::new("/sys/firmware/devicetree/base"))
    );

    let mainline = Board::detect(&Fixture::Mainline.root()).unwrap();
    assert_eq!(mainline.variant, Variant::Mainline);
    let id = mainline.identity.unwrap();
    assert_eq!(
        (id.board_rev, id.cpu_id),
        (None, None),
        "mainline U-Boot sets no kobol,* properties"
    );
}

#[test]
fn kobol_era_not_helios64_and_no_device_tree() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    let top = root.sys().join("firmware/devicetree/base");
    fs::write(top.join("model"), b"Helios64\0").unwrap();
    fs::write(top.join("serial-number"), b"H64A1B2C3\0").unwrap();
    let board = Board::detect(&root).unwrap();
    assert_eq!(board.variant, Variant::KobolEra);
    assert_eq!(board.identity.unwrap().serial_number.as_deref(), Some("H64A1B2C3"));

    fs::write(top.join("model"), b"Pine64 RockPro64 v2.1\0").unwrap();
    fs::write(
        top.join("compatible"),
        b"pine64,rockpro64-v2.1\0pine64,rockpro64\0rockchip,rk3399\0",
    )
    .unwrap();
    let board = Board::detect(&root).unwrap();
    assert_eq!(board.variant, Variant::NotHelios64);
    assert!(!board.is_helios64());
    // Still usable: the subsystems read what is there.
    let inventory = board.inventory(&root).unwrap();
    assert!(inventory.components.iter().all(|c| !c.expected));
    assert!(inventory.ensure_complete().is_ok());

    fs::remove_dir_all(root.sys().join("firmware")).unwrap();
    let board = Board::detect(&root).unwrap();
    assert_eq!(
        (board.variant, board.identity, board.device_tree),
        (Variant::NoDeviceTree, None, None)
    );
}

#[test]
fn missing_or_malformed_identity_is_an_error_naming_the_file() {
    let (_dir, root) = copy_fixture(Fixture::Mainline);
    let top = root.sys().join("firmware/devicetree/base");
    fs::write(top.join("compatible"), b"kobol,helios64").unwrap();
    let e = Board::detect(&root).unwrap_err();
    assert_eq!(
        (e.kind(), e.path()),
        (ErrorKind::Malformed, Some(top.join("compatible").as_path()))
    );
    assert!(e.to_string().contains("kobol,helios64"), "{e}");
    fs::remove_file(top.join("model")).unwrap();
    let e = Board::detect(&root).unwrap_err();
    assert_eq!((e.kind(), e.path()), (ErrorKind::NotFound, Some(top.join("model").as_path())));
    fs::write(top.join("model"), b"Kobol Helios64\0").unwrap();
    fs::write(top.join("compatible"), b"kobol,helios64\0").unwrap();
    fs::write(top.join("kobol,board-rev"), b"").unwrap();
    let e = Board::detect(&root).unwrap_err();
    assert_eq!(e.path(), Some(top.join("kobol,board-rev").as_path()));
}

#[test]
fn inventory_is_complete_on_both_fixtures() {
    for f in Fixture::ALL {
        let root = f.root();
        let board = Board::detect(&root).unwrap();
        let inventory = board.inventory(&root).unwrap();
        inventory.ensure_complete().unwrap();
        let present = |name: &str| {
            inventory
                .components
                .iter()
                .find(|c| c.component == name)
                .unwrap_or_else(|| panic!("{name}"))
        };
        assert!(present("fan P6").present && present("cpu thermal zone").present);
        assert_eq!(
            present("fan P7").location,
            std::path::Path::new(match f {
                Fixture::Armbian => "/sys/devices/platform/p7-fan/hwmon/hwmon2",
                Fixture::Mainline => "/sys/devices/platform/fan1/hwmon/hwmon4",
            })
        );
        let missing: Vec<_> = inventory
            .components
            .iter()
            .filter(|c| !c.present)
            .map(|c| c.component.as_str())
            .collect();
        match f {
            Fixture::Armbian => assert!(missing.is_empty(), "{missing:?}"),
            Fixture::Mainline => {
                // 9 LEDs, 3 buses, 3 I2C devices, and gpio-charger: the
                // mainline DT has none of them (the UPS reads GPIO instead).
                assert_eq!(missing.len(), 9 + 3 + 3 + 1, "{missing:?}");
                assert!(missing.contains(&"net LED") && missing.contains(&"i2c-4 bus"));
                assert!(missing.contains(&"mains detection (gpio-charger)"));
                for present_on_both in [
                    "LAN1 1GbE (RK3399 GMAC)",
                    "LAN2 2.5GbE (RTL8156)",
                    "JMB585 SATA controller",
                    "battery voltage ADC (SARADC)",
                    "GPIO bank gpio4",
                ] {
                    assert!(present(present_on_both).present, "{present_on_both}");
                }
                let net = present("net LED");
                assert_eq!(
                    (net.expected, net.location.as_path()),
                    (false, std::path::Path::new("/sys/class/leds"))
                );
            }
        }
    }
}

#[test]
fn missing_expected_component_is_reported_with_where_it_was_searched() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    fs::remove_file(root.class("leds").join("helios64:red:ata3-err")).unwrap();
    let board = Board::detect(&root).unwrap();
    let inventory = board.inventory(&root).unwrap();
    let missing: Vec<_> = inventory.missing_expected().map(|c| c.component.as_str()).collect();
    assert_eq!(missing, ["ata3-err LED"]);
    let e = inventory.ensure_complete().unwrap_err();
    assert_eq!(e.to_string(), "ata3-err LED not found under /sys/class/leds");
    let json = serde_json::to_value(&inventory).unwrap();
    assert_eq!(json["variant"], "armbian");
    assert_eq!(json["components"][0]["subsystem"], "device-tree");
}

#[test]
fn missing_nic_and_sata_controller_are_expected_components() {
    let (_dir, root) = copy_fixture(Fixture::Armbian);
    fs::remove_file(root.class("net").join("eth1")).unwrap();
    fs::remove_file(root.bus_devices("pci").join("0000:01:00.0")).unwrap();
    let board = Board::detect(&root).unwrap();
    let inventory = board.inventory(&root).unwrap();
    let missing: Vec<_> = inventory
        .missing_expected()
        .map(|c| (c.component.as_str(), c.location.display().to_string()))
        .collect();
    assert_eq!(
        missing,
        [
            ("LAN2 2.5GbE (RTL8156)", "/sys/class/net".to_owned()),
            ("JMB585 SATA controller", "/sys/bus/pci/devices".to_owned()),
        ]
    );
}
