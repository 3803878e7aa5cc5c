//! Views that join several hal subsystems: a bay with its disk's
//! temperature and error LED, a NIC with its advertised link modes, the IRQ
//! pinning as it is next to Armbian's plan.

use helios64_hal::{
    BayStatus, CpuSet, IrqAffinity, LedSnapshot, LinkMode, NicStatus, PinAction, PinSetting,
    PinningResolution,
};
use serde::Serialize;

/// A bay, its disk, the disk's temperature and the bay's error LED.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BayView {
    /// The bay as the board model reads it.
    #[serde(flatten)]
    pub bay: BayStatus,
    /// The disk's temperature from its drivetemp sensor; `None` when the
    /// bay is empty or the `drivetemp` module is not loaded.
    pub temp_millicelsius: Option<i64>,
    /// Whether the bay's error LED is lit; `None` when this device tree has
    /// no such LED (mainline).
    pub error_led_lit: Option<bool>,
}

/// A NIC and the link modes it advertises.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NicView {
    /// The NIC as the board model reads it.
    #[serde(flatten)]
    pub nic: NicStatus,
    /// The link modes advertised to the link partner, from the kernel's
    /// ethtool interface. Only read on the running system (`--root /`): a
    /// fixture tree has no kernel behind it. `None` there, and when the
    /// driver cannot report them (the failure is in
    /// [`BoxStatus::errors`](crate::BoxStatus::errors)).
    pub advertised: Option<Vec<LinkMode>>,
}

/// IRQ and RPS pinning: what is set, next to Armbian's Helios64 plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinningView {
    /// The CPUs online.
    pub online_cpus: CpuSet,
    /// The IRQs the plan covers, with their current affinity.
    pub irqs: Vec<PinnedIrq>,
    /// The RPS settings the plan covers.
    pub rps: Vec<PinnedQueue>,
    /// Plan rules that matched nothing on this system.
    pub unmatched_rules: Vec<String>,
}

/// One IRQ of the pinning plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedIrq {
    /// Current affinity and handlers.
    #[serde(flatten)]
    pub current: IrqAffinity,
    /// The CPUs the plan puts it on.
    pub planned_cpus: CpuSet,
    /// Whether the current affinity is the planned one.
    pub as_planned: bool,
    /// Why the plan pins it there.
    pub reason: String,
}

/// One receive queue of the pinning plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedQueue {
    /// The interface.
    pub interface: String,
    /// The receive queue index.
    pub queue: u32,
    /// Current `rps_cpus` (empty = RPS off).
    pub rps_cpus: CpuSet,
    /// The CPUs the plan steers it to.
    pub planned_cpus: CpuSet,
    /// Whether the current setting is the planned one.
    pub as_planned: bool,
}

/// Joins a bay with its disk's temperature and its error LED (by name).
pub(crate) fn bay_view(
    bay: BayStatus,
    temp_millicelsius: Option<i64>,
    leds: Option<&[LedSnapshot]>,
) -> BayView {
    let error_led_lit = leds
        .and_then(|leds| leds.iter().find(|l| l.name == bay.error_led))
        .map(|l| l.brightness > 0);
    BayView { bay, temp_millicelsius, error_led_lit }
}

/// The plan's IRQ actions with the current affinity each reader gives; an
/// item a reader cannot read (`None`, its error recorded by the reader) is
/// left out.
pub(crate) fn pinning_view(
    resolution: PinningResolution,
    mut irq_affinity: impl FnMut(u32) -> Option<IrqAffinity>,
    mut rps_cpus: impl FnMut(&str, u32) -> Option<CpuSet>,
) -> PinningView {
    let mut irqs = Vec::new();
    let mut rps = Vec::new();
    for action in &resolution.actions {
        match action {
            // The comparison is hal's drift check, shared with `helios64-pin
            // check`.
            PinAction::IrqAffinity { irq, cpus, reason, .. } => {
                let Some(current) = irq_affinity(*irq) else { continue };
                irqs.push(PinnedIrq {
                    as_planned: action.holds(&PinSetting::Cpus(current.allowed_cpus.clone())),
                    current,
                    planned_cpus: cpus.clone(),
                    reason: reason.clone(),
                });
            }
            PinAction::RpsCpus { interface, queue, cpus, .. } => {
                let Some(now) = rps_cpus(interface, *queue) else { continue };
                rps.push(PinnedQueue {
                    interface: interface.clone(),
                    queue: *queue,
                    as_planned: action.holds(&PinSetting::Cpus(now.clone())),
                    rps_cpus: now,
                    planned_cpus: cpus.clone(),
                });
            }
            // Flow-table sizes are tuning, not pinning: not shown.
            _ => {}
        }
    }
    PinningView { online_cpus: resolution.online, irqs, rps, unmatched_rules: resolution.unmatched }
}
