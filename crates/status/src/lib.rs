//! The whole Helios64 in one view.
//!
//! [`BoxStatus::collect`] reads every subsystem of the board model
//! (`helios64-hal`) under one [`Root`] into a plain value that serialises to
//! the stable JSON documented in `docs/status-json.md`, and
//! [`BoxStatus::render`] prints it as the human table of `helios64 status`.
//!
//! A status view must degrade, not abort: when one subsystem cannot be read
//! (a malformed sysfs value, a missing node) its section is `null` and the
//! failure is listed in [`BoxStatus::errors`] with the path it concerns;
//! every other section is still reported.

mod collect;
mod problems;
mod render;
mod views;

use std::path::PathBuf;

use helios64_hal::{
    Board, CpuTopology, FansSnapshot, Inventory, LedSnapshot, Root, ThermalSnapshot, UpsStatus,
};
use serde::Serialize;

pub use problems::{Problem, ProblemKind};
pub use views::{BayView, NicView, PinnedIrq, PinnedQueue, PinningView};

/// The whole error chain of `error`, joined by `": "` (the one formatter
/// every helios64 command uses).
pub(crate) use helios64_text::error_chain;

/// Version of the JSON document. Bumped on any change that removes or
/// renames a field or changes its meaning; adding a field does not bump it.
pub const SCHEMA_VERSION: u32 = 1;

/// One reading of the whole board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BoxStatus {
    /// [`SCHEMA_VERSION`] of this document.
    pub schema_version: u32,
    /// The filesystem root that was read (`/` on the box).
    pub root: PathBuf,
    /// Board identity and device-tree variant.
    pub board: Option<Board>,
    /// Which components are present and which expected ones are missing.
    pub inventory: Option<Inventory>,
    /// Temperatures: CPU and GPU zones, the board sensor, cooling devices.
    pub thermal: Option<ThermalSnapshot>,
    /// The P6 and P7 fans.
    pub fans: Option<FansSnapshot>,
    /// Every LED, Helios64 roles first.
    pub leds: Option<Vec<LedSnapshot>>,
    /// The five SATA bays, with disks, temperatures and error LEDs.
    pub bays: Option<Vec<BayView>>,
    /// LAN1 and LAN2 (whichever are present).
    pub network: Option<Vec<NicView>>,
    /// CPU topology: the A53 and A72 clusters.
    pub cpus: Option<CpuTopology>,
    /// IRQ and RPS pinning next to Armbian's plan.
    pub pinning: Option<PinningView>,
    /// Mains, battery and DC input.
    pub ups: Option<UpsStatus>,
    /// Sections and items that could not be read, with what went wrong and
    /// where.
    pub errors: Vec<SectionError>,
    /// What was read but cannot be right: readings that contradict each
    /// other, and readings a Helios64 should have that are absent.
    pub problems: Vec<Problem>,
}

/// A part of the status view, as named in [`SectionError::section`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Section {
    /// [`BoxStatus::board`].
    Board,
    /// [`BoxStatus::inventory`].
    Inventory,
    /// [`BoxStatus::thermal`].
    Thermal,
    /// [`BoxStatus::fans`].
    Fans,
    /// [`BoxStatus::leds`].
    Leds,
    /// [`BoxStatus::bays`].
    Bays,
    /// [`BoxStatus::network`].
    Network,
    /// [`BoxStatus::cpus`].
    Cpus,
    /// [`BoxStatus::pinning`].
    Pinning,
    /// [`BoxStatus::ups`].
    Ups,
}

/// Why a section, or one item of it, is missing from a [`BoxStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionError {
    /// The section concerned.
    pub section: Section,
    /// The item within the section (`"bay 3 temperature"`, `"fan P6"`,
    /// `"battery"`), when only that item could not be read: the section is
    /// there, the item is absent or `null`. `None` when the whole section
    /// is `null`.
    pub item: Option<String>,
    /// The failure's class, in kebab-case (`not-found`, `malformed`,
    /// `permission-denied`, ...).
    pub kind: String,
    /// The whole error chain, outermost first, joined with ": ".
    pub message: String,
    /// The node concerned, as it reads on the box, when there is one.
    pub path: Option<PathBuf>,
}

impl BoxStatus {
    /// Reads the whole board under `root`. Never fails: unreadable sections
    /// are `None` and listed in [`BoxStatus::errors`].
    pub fn collect(root: &Root) -> BoxStatus {
        collect::collect(root, None)
    }

    /// Like [`BoxStatus::collect`], with the bays on the SATA controller at
    /// PCI address `sata_controller` instead of the Helios64's JMB585 (a
    /// test machine, or a board with another controller).
    pub fn collect_with(root: &Root, sata_controller: Option<&str>) -> BoxStatus {
        collect::collect(root, sata_controller)
    }

    /// Whether every section and item was read.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty()
    }

    /// Whether everything was read, nothing expected is missing and no
    /// reading contradicts another: what `helios64 status` exits 0 for.
    pub fn is_healthy(&self) -> bool {
        self.is_complete() && !self.has_missing_components() && self.problems.is_empty()
    }

    /// Whether the board lacks a component its device tree should provide.
    pub fn has_missing_components(&self) -> bool {
        self.inventory.iter().any(|inv| inv.missing_expected().next().is_some())
    }

    /// The human view: one block per subsystem, then the problems.
    pub fn render(&self) -> String {
        render::render(self)
    }
}
