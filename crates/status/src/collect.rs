//! Reading every section under one root.

use std::error::Error as _;

use std::collections::BTreeMap;

use helios64_hal::{
    Board, CpuTopology, Error, ErrorKind, Fans, Irq, Leds, NetInterface, Nic, PinningPlan, Root,
    SataController, Thermal, Ups, UpsConfig, drivetemp_sensors,
};

use crate::views::{self, NicView, PinningView};
use crate::{BoxStatus, SCHEMA_VERSION, Section, SectionError};

/// Keeps going past failed sections, remembering why each failed.
struct Reader<'a> {
    root: &'a Root,
    errors: Vec<SectionError>,
}

impl Reader<'_> {
    fn read<T>(&mut self, section: Section, result: Result<T, Error>) -> Option<T> {
        result.map_err(|error| self.errors.push(section_error(self.root, section, &error))).ok()
    }
}

pub(crate) fn collect(root: &Root) -> BoxStatus {
    let mut r = Reader { root, errors: Vec::new() };
    let board = r.read(Section::Board, Board::detect(root));
    let inventory = match &board {
        Some(board) => r.read(Section::Inventory, board.inventory(root)),
        None => None,
    };
    let thermal = r.read(Section::Thermal, Thermal::discover(root).and_then(|t| t.snapshot(root)));
    let fans = r.read(Section::Fans, Fans::discover(root).and_then(|f| f.snapshot()));
    let leds = r.read(Section::Leds, Leds::discover(root).and_then(|l| l.snapshot()));
    let bays = r.read(Section::Bays, read_bays(root, leds.as_deref()));
    let network = read_network(&mut r);
    let network = r.read(Section::Network, network);
    let cpus = r.read(Section::Cpus, CpuTopology::read(root));
    let pinning = r.read(Section::Pinning, read_pinning(root));
    let ups =
        r.read(Section::Ups, Ups::discover(root, UpsConfig::default()).and_then(|u| u.status()));

    BoxStatus {
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
    }
}

fn read_bays(
    root: &Root,
    leds: Option<&[helios64_hal::LedSnapshot]>,
) -> Result<Vec<views::BayView>, Error> {
    let bays = SataController::find(root)?
        .bays()?
        .iter()
        .map(|b| b.status())
        .collect::<Result<Vec<_>, _>>()?;
    let mut temps = BTreeMap::new();
    for sensor in drivetemp_sensors(root)? {
        let reading = sensor.snapshot()?;
        if let Some(dev) = reading.block_device {
            temps.insert(dev, reading.temp_millicelsius);
        }
    }
    Ok(views::bay_views(bays, &temps, leds))
}

/// The NICs; a NIC whose link modes cannot be read (a driver without
/// ethtool link settings) keeps its sysfs view and the failure is listed.
fn read_network(r: &mut Reader<'_>) -> Result<Vec<NicView>, Error> {
    let root = r.root;
    let mut views = Vec::new();
    for nic in Nic::all(root)? {
        // The ethtool ioctl talks to the running kernel: a tree's interface
        // of the same name is not the host's, so a tree shows none.
        let advertised = if root.is_live() {
            let modes = nic.interface().link_settings().map(|s| s.advertising.iter().collect());
            r.read(Section::Network, modes)
        } else {
            None
        };
        views.push(NicView { nic: nic.status()?, advertised });
    }
    Ok(views)
}

fn read_pinning(root: &Root) -> Result<PinningView, Error> {
    views::pinning_view(
        PinningPlan::armbian_helios64().resolve_on(root)?,
        |irq| Irq::open(root, irq)?.snapshot(),
        |interface, queue| NetInterface::by_name(root, interface)?.rx_queue(queue)?.rps_cpus(),
    )
}

fn section_error(root: &Root, section: Section, error: &Error) -> SectionError {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    SectionError {
        section,
        kind: kind_name(error.kind()).to_owned(),
        message,
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
