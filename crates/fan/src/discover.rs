//! Finding the board's sensors and fans, by identity, for a [`Board`].

use helios64_hal::{
    BoardSensor, DiskPower, FanOutput, Fans, Root, SataController, TempSensor, ZoneRole,
    thermal_zone,
};

use crate::controller::Source;
use crate::cycle::{Board, DiskSlot};

/// What discovery is told.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscoverOptions {
    /// The PCI address of the SATA controller whose ports 1..=5 are the
    /// bays; `None`: the Helios64's JMB585, found by its PCI id.
    pub sata_controller: Option<String>,
}

/// Finds every sensor and fan under `root`, each opened for a control loop
/// (one syscall per access). What is missing is left out, with a line in
/// the returned notes: the controller counts a missing followed sensor as
/// failing and a missing fan as a fault, so the fail-safe decides, not
/// discovery.
///
/// Disks are found through each bay's own SCSI device. On the running
/// system each disk also gets its block device opened for ATA CHECK POWER
/// MODE; on a tree there is no disk to wake and none is checked.
pub fn discover(root: &Root, options: &DiscoverOptions) -> (Board, Vec<String>) {
    let mut board = Board::default();
    let mut notes = Vec::new();
    for (source, role) in [(Source::Cpu, ZoneRole::Cpu), (Source::Gpu, ZoneRole::Gpu)] {
        match thermal_zone(root, role).and_then(|z| z.open_temp()) {
            Ok(t) => {
                board.sensors.insert(source, Box::new(t) as Box<dyn TempSensor>);
            }
            Err(e) => notes.push(format!("{source}: {}", helios64_text::error_chain(&e))),
        }
    }
    match BoardSensor::find(root).and_then(|s| s.open_temp()) {
        Ok(t) => {
            board.sensors.insert(Source::Board, Box::new(t));
        }
        Err(e) => notes.push(format!("board: {}", helios64_text::error_chain(&e))),
    }

    let controller = match &options.sata_controller {
        Some(address) => SataController::at(root, address),
        None => SataController::find(root),
    };
    match controller.and_then(|c| c.bays()) {
        Ok(bays) => {
            for bay in bays {
                let n = bay.number();
                let temp = match bay.disk_temp().and_then(|t| t.map(|t| t.open_temp()).transpose())
                {
                    Ok(Some(t)) => t,
                    // An empty bay, or a disk without drivetemp: nothing to follow.
                    Ok(None) => continue,
                    Err(e) => {
                        notes.push(format!("bay{n}: {}", helios64_text::error_chain(&e)));
                        continue;
                    }
                };
                let power = if root.is_live() {
                    Some(match bay.open_ata() {
                        Ok(Some(disk)) => Ok(Box::new(disk) as Box<dyn DiskPower>),
                        Ok(None) => Err("no block device".to_owned()),
                        Err(e) => Err(helios64_text::error_chain(&e)),
                    })
                } else {
                    None
                };
                board.disks.push(DiskSlot { bay: n, temp: Box::new(temp), power });
            }
        }
        Err(e) => notes.push(format!("bays: {}", helios64_text::error_chain(&e))),
    }

    match Fans::discover(root) {
        Ok(fans) => {
            for fan in fans.all() {
                let Some(header) = fan.header() else { continue };
                match fan.open_control() {
                    Ok(control) => {
                        board.fans.insert(header, Box::new(control) as Box<dyn FanOutput>);
                    }
                    Err(e) => {
                        notes.push(format!("fan {header}: {}", helios64_text::error_chain(&e)))
                    }
                }
            }
        }
        Err(e) => notes.push(format!("fans: {}", helios64_text::error_chain(&e))),
    }
    (board, notes)
}
