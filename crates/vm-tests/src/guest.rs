//! The running test VM: checks that we are in it, and finds what is only
//! known at run time.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::{Error, SimBank, board, parse_facts};

/// Where the guest's device setup leaves its state: `ready` and `env`.
pub const STATE_DIR: &str = "/run/helios64-vm";
/// Root of the per-test scratch directories (on the guest's ext4 root, with
/// several GiB free: room for file vdevs).
pub const SCRATCH_DIR: &str = "/var/tmp/helios64-vm";

/// The test VM, as seen from a test running inside it.
#[derive(Debug, Clone)]
pub struct Guest {
    facts_path: PathBuf,
    facts: BTreeMap<String, String>,
}

/// Checks that this process runs inside the helios64 test VM with its
/// devices set up, and loads the facts the setup recorded.
///
/// Fails with [`Error::NotInGuest`] unless `HELIOS64_VM=1` and
/// `/run/helios64-vm/ready` exists.
pub fn try_guest() -> Result<Guest, Error> {
    if std::env::var_os("HELIOS64_VM").as_deref() != Some("1".as_ref()) {
        return Err(Error::NotInGuest { reason: "HELIOS64_VM is not set to 1".to_owned() });
    }
    let state = std::env::var_os("HELIOS64_VM_STATE")
        .map_or_else(|| PathBuf::from(STATE_DIR), PathBuf::from);
    let ready = state.join("ready");
    if !ready.exists() {
        return Err(Error::NotInGuest {
            reason: format!("{} is missing: the device setup did not finish", ready.display()),
        });
    }
    let facts_path = state.join("env");
    let text = fs::read_to_string(&facts_path)
        .map_err(|source| Error::Read { path: facts_path.clone(), source })?;
    let facts = parse_facts(&facts_path, &text)?;
    Ok(Guest { facts_path, facts })
}

/// [`try_guest`] for tests: panics with a message that says how to run the
/// test, so a VM test run elsewhere fails loudly instead of passing quietly.
#[allow(clippy::panic, reason = "test support: failing the calling test is the point")]
pub fn require_guest() -> Guest {
    match try_guest() {
        Ok(guest) => guest,
        Err(err) => {
            let mut message = err.to_string();
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            panic!(
                "{message}\nThis test runs only inside the helios64 test VM: \
                 run `tests/vm/run [FILTER]` from the repository (see docs/TESTING.md)."
            )
        }
    }
}

static UNIQUE: AtomicU32 = AtomicU32::new(0);

impl Guest {
    /// A fact recorded by the device setup (`/run/helios64-vm/env`).
    pub fn fact(&self, key: &str) -> Result<&str, Error> {
        self.facts.get(key).map(String::as_str).ok_or_else(|| Error::MissingFact {
            path: self.facts_path.clone(),
            key: key.to_owned(),
        })
    }

    /// The simulated GPIO bank labelled `label` (`gpio0`..`gpio4`).
    pub fn gpio_bank(&self, label: &str) -> Result<SimBank, Error> {
        if !board::GPIO_BANKS.contains(&label) {
            return Err(Error::NoSuchBank { label: label.to_owned() });
        }
        let chip = self.fact(&format!("HELIOS64_VM_GPIOCHIP_{label}"))?;
        let device = self.fact("HELIOS64_VM_GPIO_SIM_DEVICE")?;
        Ok(SimBank::new(label, chip, device))
    }

    /// Number of the i2c-stub bus carrying the board sensor (`/dev/i2c-N`).
    pub fn i2c_stub_bus(&self) -> Result<u32, Error> {
        self.parsed_fact("HELIOS64_VM_I2C_BUS", "I2C bus number")
    }

    /// The board sensor's hwmon directory (`/sys/class/hwmon/hwmonN`).
    pub fn board_sensor_hwmon(&self) -> Result<PathBuf, Error> {
        self.fact("HELIOS64_VM_BOARD_HWMON").map(PathBuf::from)
    }

    /// The iio_dummy device's directory (`/sys/bus/iio/devices/iio:deviceN`).
    pub fn iio_dummy(&self) -> Result<PathBuf, Error> {
        self.fact("HELIOS64_VM_IIO_DUMMY").map(PathBuf::from)
    }

    /// PCI address of the AHCI controller holding the bays (e.g. `0000:00:08.0`).
    pub fn ahci_pci_address(&self) -> Result<&str, Error> {
        self.fact("HELIOS64_VM_AHCI_PCI")
    }

    /// The block device of the disk in `bay` (1..=5), e.g. `/dev/sda`.
    pub fn bay_disk(&self, bay: u8) -> Result<PathBuf, Error> {
        if !(1..=board::BAY_COUNT).contains(&bay) {
            return Err(Error::NoSuchBay { bay });
        }
        self.fact(&format!("HELIOS64_VM_BAY{bay}")).map(PathBuf::from)
    }

    /// The guest kernel's ABI name, e.g. `6.12.117+deb12-amd64`.
    pub fn kernel_abi(&self) -> Result<String, Error> {
        env_var("HELIOS64_VM_KERNEL_ABI")
    }

    /// The ZFS module version built into the image, e.g. `2.3.2-2~bpo12+2`.
    pub fn zfs_module_version(&self) -> Result<String, Error> {
        env_var("HELIOS64_VM_ZFS_MODULE_VERSION")
    }

    /// A name no other call in this run returns: `<tag>-<pid>-<n>`. Valid as
    /// a pool, dataset, interface-suffix or file name when `tag` is.
    pub fn unique_name(&self, tag: &str) -> String {
        format!("{tag}-{}-{}", std::process::id(), UNIQUE.fetch_add(1, Ordering::Relaxed))
    }

    /// One of the project's binaries (`helios64`, `helios64-fand`, ...), built
    /// on the host by `tests/vm/run` and shared at `$HELIOS64_VM_BIN`. An
    /// error names it when it was not built (a new daemon crate that
    /// `cargo build --workspace --bins` did not produce).
    pub fn binary(&self, name: &str) -> Result<PathBuf, Error> {
        let dir = std::env::var_os("HELIOS64_VM_BIN")
            .ok_or_else(|| Error::NotInGuest { reason: "HELIOS64_VM_BIN is not set".into() })?;
        let path = PathBuf::from(dir).join(name);
        match fs::metadata(&path) {
            Ok(m) if m.is_file() => Ok(path),
            Ok(_) => Err(Error::Read { path, source: std::io::Error::other("not a regular file") }),
            Err(source) => Err(Error::Read { path, source }),
        }
    }

    /// A new, empty directory under [`SCRATCH_DIR`] for one test. It is not
    /// removed afterwards: the VM's disk is thrown away after the run, and a
    /// failed test's files stay for `tests/vm/run --shell` inspection.
    pub fn scratch_dir(&self, tag: &str) -> Result<PathBuf, Error> {
        let root = std::env::var_os("HELIOS64_VM_SCRATCH")
            .map_or_else(|| PathBuf::from(SCRATCH_DIR), PathBuf::from);
        let dir = root.join(self.unique_name(tag));
        fs::create_dir_all(&dir).map_err(|source| Error::Scratch { path: dir.clone(), source })?;
        Ok(dir)
    }

    fn parsed_fact<T: std::str::FromStr>(
        &self,
        key: &str,
        expected: &'static str,
    ) -> Result<T, Error> {
        let value = self.fact(key)?;
        value.parse().map_err(|_| Error::Invalid {
            source_name: format!("{} {key}", self.facts_path.display()),
            value: value.to_owned(),
            expected,
        })
    }
}

fn env_var(key: &str) -> Result<String, Error> {
    std::env::var(key).map_err(|_| Error::NotInGuest { reason: format!("{key} is not set") })
}

/// Reads a sysfs attribute (or any small text file), without its trailing
/// newline.
pub fn read_attr(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path)
        .map(|s| s.trim_end().to_owned())
        .map_err(|source| Error::Read { path: path.to_owned(), source })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(text: &str) -> Guest {
        let facts_path = PathBuf::from("/run/helios64-vm/env");
        let facts = parse_facts(&facts_path, text).unwrap();
        Guest { facts_path, facts }
    }

    #[test]
    fn gpio_bank_from_facts() {
        let g =
            guest("HELIOS64_VM_GPIO_SIM_DEVICE=gpio-sim.0\nHELIOS64_VM_GPIOCHIP_gpio2=gpiochip2\n");
        let bank = g.gpio_bank("gpio2").unwrap();
        assert_eq!(bank.chip_name(), "gpiochip2");
        assert_eq!(bank.label(), "gpio2");
        assert!(matches!(g.gpio_bank("gpio7"), Err(Error::NoSuchBank { .. })));
        assert!(matches!(g.gpio_bank("gpio0"), Err(Error::MissingFact { .. })));
    }

    #[test]
    fn i2c_bus_must_be_a_number() {
        assert_eq!(guest("HELIOS64_VM_I2C_BUS=1\n").i2c_stub_bus().unwrap(), 1);
        let err = guest("HELIOS64_VM_I2C_BUS=one\n").i2c_stub_bus().unwrap_err();
        assert_eq!(
            err.to_string(),
            "/run/helios64-vm/env HELIOS64_VM_I2C_BUS: \"one\" is not a valid I2C bus number"
        );
    }

    #[test]
    fn bays_are_one_to_five() {
        let g = guest("HELIOS64_VM_BAY1=/dev/sda\n");
        assert_eq!(g.bay_disk(1).unwrap(), Path::new("/dev/sda"));
        assert!(matches!(g.bay_disk(0), Err(Error::NoSuchBay { bay: 0 })));
        assert!(matches!(g.bay_disk(6), Err(Error::NoSuchBay { bay: 6 })));
        let err = g.bay_disk(2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/run/helios64-vm/env has no HELIOS64_VM_BAY2 (device setup incomplete?)"
        );
    }

    #[test]
    fn unique_names_differ() {
        let g = guest("");
        assert_ne!(g.unique_name("pool"), g.unique_name("pool"));
        assert!(g.unique_name("pool").starts_with("pool-"));
    }
}
