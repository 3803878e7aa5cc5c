//! Which board this is, which device tree it runs, and which components
//! are present.
//!
//! [`Board::detect`] reads the device tree's `model` and `compatible`, the
//! `kobol,board-rev` and `kobol,cpu-id` properties Armbian's U-Boot adds,
//! and `serial-number` when present, and tells the device-tree variant
//! apart by node names. A machine that is not a Helios64 (or has no device
//! tree at all, like the x86 test VM) is a [`Variant`], not an error: the
//! subsystem modules still work there for whatever is present.
//!
//! [`Board::inventory`] lists each component of the board (device tree,
//! fans, thermal, LEDs, I2C, NICs, SATA controller, UPS inputs, GPIO banks)
//! as present or missing, with
//! where it was found or looked for, and whether this device tree is
//! expected to have it.
//!
//! ```no_run
//! use helios64_hal::{Board, Root};
//! let root = Root::system();
//! let board = Board::detect(&root)?;
//! for missing in board.inventory(&root)?.missing_expected() {
//!     eprintln!("missing: {} (looked in {})", missing.component, missing.location.display());
//! }
//! # Ok::<(), helios64_hal::Error>(())
//! ```

use std::path::PathBuf;

use serde::Serialize;

use crate::bay::SataController;
use crate::dt::{self, DeviceTree};
use crate::error::{Error, Result};
use crate::fan::{FanHeader, Fans};
use crate::gpio::GpioChip;
use crate::i2c::i2c_adapters;
use crate::iio::IioDevice;
use crate::led::{LedRole, Leds};
use crate::net::{Nic, NicRole};
use crate::root::Root;
use crate::thermal::{BoardSensor, Thermal, ZoneRole};

/// Which device tree the board runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Variant {
    /// Armbian's full device tree: fans `p6-fan`/`p7-fan`, eleven LEDs
    /// with `helios64::status`, gpio-charger, GPIO expander, Type-C, keys.
    Armbian,
    /// The minimal mainline device tree: fans `fan1`/`fan2`, only the
    /// `helios64:green:status` and `helios64:red:fault` LEDs.
    Mainline,
    /// A Kobol-era Armbian device tree (2020–2021), recognised by
    /// `model = "Helios64"`. Its layout is taken to be Armbian's, which
    /// descends from it.
    KobolEra,
    /// `compatible` says Helios64, but the nodes match neither known
    /// device tree (a custom or future one).
    UnrecognisedHelios64,
    /// A device tree whose `compatible` lacks `kobol,helios64`.
    NotHelios64,
    /// No device tree at all (ACPI machines, such as the x86 test VM).
    NoDeviceTree,
}

impl Variant {
    /// Whether the board is a Helios64, whichever its device tree.
    pub fn is_helios64(self) -> bool {
        matches!(
            self,
            Variant::Armbian
                | Variant::Mainline
                | Variant::KobolEra
                | Variant::UnrecognisedHelios64
        )
    }

    /// Whether this device tree describes the full board (Armbian's and
    /// the Kobol-era ones) rather than the mainline minimum.
    pub fn is_full(self) -> bool {
        matches!(self, Variant::Armbian | Variant::KobolEra)
    }
}

/// Which nodes tell the device trees apart; see [`classify`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DtLayout {
    /// Armbian-only nodes exist (`p6-fan`, `p7-fan`, `system-gpio-leds`,
    /// `io-gpio-leds`).
    pub armbian_nodes: bool,
    /// Mainline-only nodes exist (`fan1`, `fan2`).
    pub mainline_nodes: bool,
}

const ARMBIAN_NODES: [&str; 4] = ["p6-fan", "p7-fan", "system-gpio-leds", "io-gpio-leds"];
const MAINLINE_NODES: [&str; 2] = ["fan1", "fan2"];

/// Classifies a device tree from its root `model`, `compatible` and
/// layout.
///
/// A Helios64 is recognised by `kobol,helios64` in `compatible`, or by the
/// Kobol-era model "Helios64" (whose compatible is unconfirmed).
///
/// ```
/// use helios64_hal::{DtLayout, Variant, classify};
/// let compatible = ["kobol,helios64".to_owned(), "rockchip,rk3399".to_owned()];
/// let layout = DtLayout { armbian_nodes: false, mainline_nodes: true };
/// assert_eq!(classify("Kobol Helios64", &compatible, layout), Variant::Mainline);
/// let rockpro = ["pine64,rockpro64".to_owned(), "rockchip,rk3399".to_owned()];
/// assert_eq!(classify("Pine64 RockPro64", &rockpro, layout), Variant::NotHelios64);
/// ```
pub fn classify(model: &str, compatible: &[String], layout: DtLayout) -> Variant {
    let kobol_era = model == "Helios64";
    if !kobol_era && !compatible.iter().any(|c| c == "kobol,helios64") {
        return Variant::NotHelios64;
    }
    if kobol_era {
        return Variant::KobolEra;
    }
    match (layout.armbian_nodes, layout.mainline_nodes) {
        (true, false) => Variant::Armbian,
        (false, true) => Variant::Mainline,
        _ => Variant::UnrecognisedHelios64,
    }
}

/// What the device tree says about the board itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Root `model`, e.g. "Kobol Helios64".
    pub model: String,
    /// Root `compatible`, most specific first.
    pub compatible: Vec<String>,
    /// `kobol,board-rev` ("major.minor" from the board's OTP), set by
    /// Armbian's U-Boot; absent with other boot loaders.
    pub board_rev: Option<String>,
    /// `kobol,cpu-id` (the RK3399 eFuse CPU id as hex), set by Armbian's
    /// U-Boot.
    pub cpu_id: Option<String>,
    /// Root `serial-number`, when the boot loader exports one.
    pub serial_number: Option<String>,
}

/// The detected board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Board {
    /// Which device tree it runs.
    pub variant: Variant,
    /// The device tree's identity properties; `None` without a device tree.
    pub identity: Option<Identity>,
    /// The device tree's root node as it reads on the box.
    pub device_tree: Option<PathBuf>,
}

impl Board {
    /// Reads the device tree and classifies the board. Missing `model` or
    /// `compatible` in an existing device tree is an error naming the file;
    /// a missing device tree is [`Variant::NoDeviceTree`].
    pub fn detect(root: &Root) -> Result<Board> {
        let Some(tree) = DeviceTree::open(root)? else {
            return Ok(Board { variant: Variant::NoDeviceTree, identity: None, device_tree: None });
        };
        let top = tree.node_path("");
        let identity = Identity {
            model: dt::read_string(root, &top.join("model"))?,
            compatible: dt::read_strings(root, &top.join("compatible"))?,
            board_rev: tree.string("", "kobol,board-rev")?,
            cpu_id: tree.string("", "kobol,cpu-id")?,
            serial_number: tree.string("", "serial-number")?,
        };
        let any_node = |nodes: &[&str]| -> Result<bool> {
            for node in nodes {
                if tree.has_node(node)? {
                    return Ok(true);
                }
            }
            Ok(false)
        };
        let layout = DtLayout {
            armbian_nodes: any_node(&ARMBIAN_NODES)?,
            mainline_nodes: any_node(&MAINLINE_NODES)?,
        };
        Ok(Board {
            variant: classify(&identity.model, &identity.compatible, layout),
            identity: Some(identity),
            device_tree: Some(root.on_box(tree.base())),
        })
    }

    /// Whether the board is a Helios64.
    pub fn is_helios64(&self) -> bool {
        self.variant.is_helios64()
    }

    /// Lists the board-level components as present or missing.
    pub fn inventory(&self, root: &Root) -> Result<Inventory> {
        let helios = self.is_helios64();
        let full = self.variant.is_full();
        let mut components = Vec::new();
        let mut push =
            |subsystem, component: String, expected, found: Option<PathBuf>, searched| {
                components.push(ComponentStatus {
                    subsystem,
                    component,
                    expected,
                    present: found.is_some(),
                    location: root.on_box(&found.unwrap_or(searched)),
                });
            };

        push(
            Subsystem::DeviceTree,
            "device tree".to_owned(),
            helios,
            DeviceTree::open(root)?.map(|t| t.base().to_owned()),
            root.proc().join("device-tree"),
        );

        let fans = Fans::discover(root)?;
        for header in FanHeader::ALL {
            push(
                Subsystem::Fans,
                format!("fan {header}"),
                helios,
                fans.get(header).map(|f| f.hwmon().path().to_owned()),
                root.bus_devices("platform"),
            );
        }

        let thermal = Thermal::discover(root)?;
        for (role, zone) in [(ZoneRole::Cpu, &thermal.cpu), (ZoneRole::Gpu, &thermal.gpu)] {
            push(
                Subsystem::Thermal,
                format!("{} thermal zone", if role == ZoneRole::Cpu { "cpu" } else { "gpu" }),
                helios,
                zone.as_ref().map(|z| z.path().to_owned()),
                root.class("thermal"),
            );
        }
        // Where an absent sensor was looked for: the I2C bus when there is
        // no lm75 client, the client's own hwmon/ when the client is there but
        // its hwmon is not (driver unbound, module not loaded).
        let board_searched = match BoardSensor::find(root) {
            Err(Error::NotPresent { searched, .. }) => searched,
            _ => root.bus_devices("i2c"),
        };
        push(
            Subsystem::Thermal,
            "lm75 board sensor (i2c 2-004c)".to_owned(),
            helios,
            thermal.board.as_ref().map(|b| b.hwmon.path().to_owned()),
            board_searched,
        );

        let leds = Leds::discover(root)?;
        for role in LedRole::ALL {
            push(
                Subsystem::Leds,
                format!("{role} LED"),
                helios && (full || role.in_mainline_dt()),
                leds.get(role).map(|l| l.path().to_owned()),
                root.class("leds"),
            );
        }

        let adapters = i2c_adapters(root)?;
        for (bus, in_mainline) in I2C_BUSES {
            push(
                Subsystem::I2c,
                format!("i2c-{bus} bus"),
                helios && (full || in_mainline),
                adapters.iter().find(|a| a.number == bus).map(|a| a.path.clone()),
                root.bus_devices("i2c"),
            );
        }
        for (bus, address, what, in_mainline) in I2C_DEVICES {
            let client = adapters
                .iter()
                .filter(|a| a.number == bus)
                .flat_map(|a| &a.clients)
                .find(|c| c.address == address);
            push(
                Subsystem::I2c,
                format!("{what} (i2c {bus}-{address:04x})"),
                helios && (full || in_mainline),
                client.map(|c| c.path.clone()),
                root.bus_devices("i2c"),
            );
        }

        for (role, what) in
            [(NicRole::Lan1, "LAN1 1GbE (RK3399 GMAC)"), (NicRole::Lan2, "LAN2 2.5GbE (RTL8156)")]
        {
            push(
                Subsystem::Network,
                what.to_owned(),
                helios,
                found(Nic::find(root, role))?.map(|n| n.interface().dir().to_owned()),
                root.class("net"),
            );
        }

        push(
            Subsystem::Storage,
            "JMB585 SATA controller".to_owned(),
            helios,
            found(SataController::find(root))?
                .map(|c| root.bus_devices("pci").join(c.pci_address())),
            root.bus_devices("pci"),
        );

        let charger = root.class("power_supply").join("gpio-charger");
        push(
            Subsystem::Ups,
            "mains detection (gpio-charger)".to_owned(),
            helios && full,
            root.exists(&charger)?.then_some(charger),
            root.class("power_supply"),
        );
        push(
            Subsystem::Ups,
            "battery voltage ADC (SARADC)".to_owned(),
            helios,
            found(IioDevice::saradc(root))?.map(|d| d.dir().to_owned()),
            root.bus_devices("iio"),
        );

        for bank in 0..5 {
            push(
                Subsystem::Gpio,
                format!("GPIO bank gpio{bank}"),
                helios,
                found(GpioChip::rockchip_bank(root, bank))?.map(|c| c.dev_path()),
                root.bus_devices("gpio"),
            );
        }

        Ok(Inventory { variant: self.variant, components })
    }
}

/// `Ok(None)` for a component that is not there, other errors unchanged.
fn found<T>(result: Result<T>) -> Result<Option<T>> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(Error::NotPresent { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// I2C buses of the Helios64 and whether the mainline DT enables them.
const I2C_BUSES: [(u32, bool); 5] = [(0, true), (2, true), (4, false), (7, false), (8, false)];

/// I2C devices: bus, address, description, in the mainline DT.
const I2C_DEVICES: [(u32, u16, &str, bool); 6] = [
    (0, 0x1b, "RK808 PMIC", true),
    (0, 0x40, "vdd_cpu_b regulator SYR827", true),
    (0, 0x41, "vdd_gpu regulator SYR828", false),
    (2, 0x20, "PCA9555 GPIO expander", false),
    (2, 0x4c, "NCT75 board sensor", true),
    (4, 0x22, "FUSB302 Type-C controller", false),
];

/// The subsystem a component belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Subsystem {
    /// The device tree itself.
    DeviceTree,
    /// The P6 and P7 fans.
    Fans,
    /// Thermal zones and the board sensor.
    Thermal,
    /// LEDs.
    Leds,
    /// I2C buses and devices.
    I2c,
    /// The NICs.
    Network,
    /// The SATA controller.
    Storage,
    /// Mains detection and the battery ADC.
    Ups,
    /// GPIO banks.
    Gpio,
}

/// One component of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComponentStatus {
    /// Its subsystem.
    pub subsystem: Subsystem,
    /// What it is, e.g. "fan P6" or "ata3-err LED".
    pub component: String,
    /// Whether this board's device tree should provide it: a missing
    /// component that is not expected (the net LED on the mainline DT) is
    /// normal, a missing expected one is a problem.
    pub expected: bool,
    /// Whether it was found.
    pub present: bool,
    /// Where it was found, or where it was looked for, as on the box.
    pub location: PathBuf,
}

/// Present and missing components of a board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inventory {
    /// The board's device-tree variant.
    pub variant: Variant,
    /// Every component checked.
    pub components: Vec<ComponentStatus>,
}

impl Inventory {
    /// Components the device tree should provide but that are missing:
    /// what a health check should report.
    pub fn missing_expected(&self) -> impl Iterator<Item = &ComponentStatus> {
        self.components.iter().filter(|c| c.expected && !c.present)
    }

    /// Adds a component checked by another subsystem's module.
    pub fn push(&mut self, component: ComponentStatus) {
        self.components.push(component);
    }

    /// `Ok` when nothing expected is missing, else [`Error::NotPresent`]
    /// naming the first missing component and where it was looked for.
    pub fn ensure_complete(&self) -> Result<()> {
        match self.missing_expected().next() {
            None => Ok(()),
            Some(c) => Err(Error::NotPresent {
                component: c.component.clone(),
                searched: c.location.clone(),
            }),
        }
    }
}

#[cfg(test)]
mod tests;
