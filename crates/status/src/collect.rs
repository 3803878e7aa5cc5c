//! Reading every section under one root, item by item.
//!
//! A section is `None` only when it cannot be read at all (its class
//! directory cannot be listed, its controller cannot be found). Within a
//! section every item (a zone, a fan, a bay, an LED, a NIC, an IRQ, the
//! battery) is read on its own: one bad file costs that item, whose error
//! names it in [`SectionError::item`], and the rest of the section stays.

use std::collections::BTreeMap;

use helios64_hal::{
    Board, BoardSensor, CpuTopology, Error, ErrorKind, Fans, FansSnapshot, Irq, LedSnapshot, Leds,
    NetInterface, Nic, PinAction, PinningPlan, Root, SataController, ThermalSnapshot, Ups,
    UpsConfig, UpsStatus, ZoneRole, cooling_devices, thermal_zones,
};

use crate::problems;
use crate::views::{self, BayView, NicView, PinningView};
use crate::{BoxStatus, SCHEMA_VERSION, Section, SectionError};

/// Keeps going past failed sections and items, remembering why each failed.
pub(crate) struct Reader<'a> {
    pub(crate) root: &'a Root,
    pub(crate) errors: Vec<SectionError>,
}

impl Reader<'_> {
    /// A whole section's read: `None` and an error when it fails.
    fn read<T>(&mut self, section: Section, result: Result<T, Error>) -> Option<T> {
        result
            .map_err(|error| self.errors.push(section_error(self.root, section, None, &error)))
            .ok()
    }

    /// One item's read within a section that is otherwise fine.
    pub(crate) fn item<T>(
        &mut self,
        section: Section,
        item: impl Into<String>,
        result: Result<T, Error>,
    ) -> Option<T> {
        result
            .map_err(|error| {
                self.errors.push(section_error(self.root, section, Some(item.into()), &error));
            })
            .ok()
    }
}

pub(crate) fn collect(root: &Root, sata_controller: Option<&str>) -> BoxStatus {
    let mut r = Reader { root, errors: Vec::new() };
    let board = r.read(Section::Board, Board::detect(root));
    let inventory = match &board {
        Some(board) => r.read(Section::Inventory, board.inventory(root)),
        None => None,
    };
    let thermal = read_thermal(&mut r);
    let fans = read_fans(&mut r);
    let leds = read_leds(&mut r);
    let bays = read_bays(&mut r, leds.as_deref(), sata_controller);
    let network = read_network(&mut r);
    let cpus = r.read(Section::Cpus, CpuTopology::read(root));
    let pinning = read_pinning(&mut r);
    let ups = read_ups(&mut r);

    let mut status = BoxStatus {
        schema_version: SCHEMA_VERSION,
        root: root.base().to_path_buf(),
        board,
        inventory,
        thermal,
        fans,
        leds,
        bays,
        network,
        cpus,
        pinning,
        ups,
        errors: r.errors,
        problems: Vec::new(),
    };
    status.problems = problems::find(root, &status);
    status
}

fn read_thermal(r: &mut Reader<'_>) -> Option<ThermalSnapshot> {
    let root = r.root;
    let zones = r.read(Section::Thermal, thermal_zones(root))?;
    let mut snapshot = ThermalSnapshot {
        cpu: None,
        gpu: None,
        board: None,
        other_zones: Vec::new(),
        cooling_devices: Vec::new(),
    };
    for zone in zones {
        let label = format!("thermal zone {}", zone.zone_type());
        let slot = match zone.role() {
            Some(ZoneRole::Cpu) if snapshot.cpu.is_none() => &mut snapshot.cpu,
            Some(ZoneRole::Gpu) if snapshot.gpu.is_none() => &mut snapshot.gpu,
            _ => {
                if let Some(z) = r.item(Section::Thermal, label, zone.snapshot()) {
                    snapshot.other_zones.push(z);
                }
                continue;
            }
        };
        *slot = r.item(Section::Thermal, label, zone.snapshot());
    }
    snapshot.board = match BoardSensor::find(root) {
        Ok(sensor) => r.item(Section::Thermal, "board sensor", sensor.snapshot()),
        // Absent is an inventory matter, with where it was looked for.
        Err(Error::NotPresent { .. }) => None,
        Err(e) => r.item(Section::Thermal, "board sensor", Err(e)),
    };
    if let Some(devices) = r.item(Section::Thermal, "cooling devices", cooling_devices(root)) {
        for d in devices {
            let label = format!("cooling device {}", d.id());
            if let Some(s) = r.item(Section::Thermal, label, d.snapshot()) {
                snapshot.cooling_devices.push(s);
            }
        }
    }
    Some(snapshot)
}

fn read_fans(r: &mut Reader<'_>) -> Option<FansSnapshot> {
    let fans = r.read(Section::Fans, Fans::discover(r.root))?;
    let mut snapshot = FansSnapshot { fans: Vec::new(), cooling_devices: Vec::new() };
    for fan in fans.all() {
        let label = match fan.header() {
            Some(h) => format!("fan {h}"),
            None => format!("fan {}", fan.node_name()),
        };
        if let Some(s) = r.item(Section::Fans, label, fan.snapshot()) {
            snapshot.fans.push(s);
        }
    }
    for d in fans.cooling_devices() {
        if let Some(s) = r.item(Section::Fans, format!("cooling device {}", d.id()), d.snapshot()) {
            snapshot.cooling_devices.push(s);
        }
    }
    Some(snapshot)
}

fn read_leds(r: &mut Reader<'_>) -> Option<Vec<LedSnapshot>> {
    let leds = r.read(Section::Leds, Leds::discover(r.root))?;
    let mut out = Vec::new();
    for led in leds.known().chain(leds.others()) {
        if let Some(s) = r.item(Section::Leds, format!("LED {}", led.name()), led.snapshot()) {
            out.push(s);
        }
    }
    Some(out)
}

fn read_bays(
    r: &mut Reader<'_>,
    leds: Option<&[LedSnapshot]>,
    sata_controller: Option<&str>,
) -> Option<Vec<BayView>> {
    let found = match sata_controller {
        Some(address) => SataController::at(r.root, address),
        None => SataController::find(r.root),
    };
    let controller = r.read(Section::Bays, found)?;
    let bays = r.read(Section::Bays, controller.bays())?;
    let mut views = Vec::new();
    for bay in bays {
        let label = format!("bay {}", bay.number());
        let Some(status) = r.item(Section::Bays, label.clone(), bay.status()) else { continue };
        let temp = match status.disk {
            // An empty bay has no temperature to read, nor to miss.
            None => None,
            Some(_) => r
                .item(
                    Section::Bays,
                    format!("{label} temperature"),
                    bay.disk_temp().and_then(|t| t.map(|t| t.temp_millicelsius()).transpose()),
                )
                .flatten(),
        };
        views.push(views::bay_view(status, temp, leds));
    }
    Some(views)
}

/// The NICs; a NIC whose link modes cannot be read (a driver without
/// ethtool link settings) keeps its sysfs view and the failure is listed.
fn read_network(r: &mut Reader<'_>) -> Option<Vec<NicView>> {
    let root = r.root;
    let nics = r.read(Section::Network, Nic::all(root))?;
    let mut views = Vec::new();
    for nic in nics {
        let label = format!("{} ({})", nic.role(), nic.name());
        let Some(status) = r.item(Section::Network, label.clone(), nic.status()) else { continue };
        // The ethtool ioctl talks to the running kernel: a tree's interface
        // of the same name is not the host's, so a tree shows none.
        let advertised = if root.is_live() {
            let modes = nic.interface().link_settings().map(|s| s.advertising.iter().collect());
            r.item(Section::Network, format!("{label} link modes"), modes)
        } else {
            None
        };
        views.push(NicView { nic: status, advertised });
    }
    Some(views)
}

fn read_pinning(r: &mut Reader<'_>) -> Option<PinningView> {
    let root = r.root;
    let resolution = r.read(Section::Pinning, PinningPlan::armbian_helios64().resolve_on(root))?;
    // Read each planned item once, recording its error, then join.
    let mut irqs = BTreeMap::new();
    let mut queues = BTreeMap::new();
    for action in &resolution.actions {
        match action {
            PinAction::IrqAffinity { irq, .. } => {
                let read = Irq::open(root, *irq).and_then(|i| i.snapshot());
                if let Some(affinity) = r.item(Section::Pinning, format!("IRQ {irq}"), read) {
                    irqs.insert(*irq, affinity);
                }
            }
            PinAction::RpsCpus { interface, queue, .. } => {
                let read = NetInterface::by_name(root, interface)
                    .and_then(|i| i.rx_queue(*queue))
                    .and_then(|q| q.rps_cpus());
                let label = format!("{interface} rx-{queue}");
                if let Some(cpus) = r.item(Section::Pinning, label, read) {
                    queues.insert((interface.clone(), *queue), cpus);
                }
            }
            _ => {}
        }
    }
    Some(views::pinning_view(
        resolution,
        |irq| irqs.remove(&irq),
        |interface, queue| queues.remove(&(interface.to_owned(), queue)),
    ))
}

fn read_ups(r: &mut Reader<'_>) -> Option<UpsStatus> {
    let ups = r.read(Section::Ups, Ups::discover(r.root, UpsConfig::default()))?;
    let mains = r.item(Section::Ups, "mains", ups.mains()).flatten();
    let battery = match ups.battery() {
        Ok(reading) => reading,
        Err(e) => {
            let reason = format!("unreadable: {e}");
            r.item::<()>(Section::Ups, "battery", Err(e));
            helios64_hal::BatteryReading::Unknown { reason }
        }
    };
    let dc_in_millivolts = r.item(Section::Ups, "DC input", ups.dc_in_millivolts()).flatten();
    Some(UpsStatus { mains, battery, dc_in_millivolts })
}

fn section_error(
    root: &Root,
    section: Section,
    item: Option<String>,
    error: &Error,
) -> SectionError {
    SectionError {
        section,
        item,
        kind: kind_name(error.kind()).to_owned(),
        message: crate::error_chain(error),
        path: error.path().map(|p| root.on_box(p)),
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::NotFound => "not-found",
        ErrorKind::PermissionDenied => "permission-denied",
        ErrorKind::Malformed => "malformed",
        ErrorKind::InvalidInput => "invalid-input",
        ErrorKind::Unsupported => "unsupported",
        ErrorKind::Busy => "busy",
        _ => "other",
    }
}
