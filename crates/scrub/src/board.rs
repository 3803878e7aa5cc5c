//! [`Sensors`] on the board: mains from the UPS, the bay disks' `drivetemp`.

use helios64_hal::{Bay, Root, SataController, TempSensor as _, Ups, UpsConfig};

use crate::run::Sensors;

/// The board's UPS and bays, found once.
#[derive(Debug)]
pub struct HalSensors {
    ups: Option<Ups>,
    bays: Vec<Bay>,
}

impl HalSensors {
    /// Finds the UPS (a Mains power_supply, else the charger's GPIO lines)
    /// and the SATA bays under `root`. Either may be absent (not a
    /// Helios64, a controller not found): then that check cannot refuse.
    pub fn discover(root: &Root) -> HalSensors {
        let ups = Ups::discover(root, UpsConfig::default()).ok();
        let bays = SataController::find(root).and_then(|c| c.bays()).unwrap_or_default();
        HalSensors { ups, bays }
    }

    /// Whether a UPS and how many bays were found, for the log.
    pub fn found(&self) -> (bool, usize) {
        (self.ups.is_some(), self.bays.len())
    }
}

impl Sensors for HalSensors {
    /// A reading that fails is "cannot tell" (`None`), which does not
    /// refuse: an unreadable charger must not stop scrubs forever.
    fn mains_online(&self) -> Option<bool> {
        self.ups.as_ref()?.mains().ok().flatten().map(|m| m.online)
    }

    fn hottest_disk(&self) -> Option<(String, i64)> {
        let mut hottest: Option<(String, i64)> = None;
        for bay in &self.bays {
            let Ok(Some(disk)) = bay.disk_temp() else { continue };
            let Ok(mc) = disk.millicelsius() else { continue };
            let c = mc / 1_000;
            if hottest.as_ref().is_none_or(|(_, h)| c > *h) {
                hottest = Some((format!("bay {}", bay.number()), c));
            }
        }
        hottest
    }
}
