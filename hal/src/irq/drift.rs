//! Whether a resolved pinning plan holds: the drift check that
//! `helios64-pin check`, `helios64 status` and the health verdict share.
//!
//! Each [`PinAction`] names one setting; [`PinAction::current`] reads it,
//! [`PinAction::holds`] compares it with the plan (flow counts allowing for
//! the kernel's rounding up to a power of two), and
//! [`PinningResolution::check`] does both for every action, keeping a
//! failed read as that action's outcome rather than failing the check.

use crate::cpuset::CpuSet;
use crate::error::{Error, Result};
use crate::irq::{Irq, PinAction, PinningResolution};
use crate::net;
use crate::root::Root;

/// The value of the setting a [`PinAction`] writes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum PinSetting {
    /// A CPU set (IRQ affinity, `rps_cpus`, `xps_cpus`).
    Cpus(CpuSet),
    /// A table size (`rps_flow_cnt`, `rps_sock_flow_entries`).
    Count(u32),
    /// The setting does not exist on this kernel (no `xps_cpus`: `CONFIG_XPS`
    /// off, or a single-queue device that refuses it).
    Absent,
}

impl std::fmt::Display for PinSetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PinSetting::Cpus(cpus) if cpus.is_empty() => f.write_str("none"),
            PinSetting::Cpus(cpus) => write!(f, "{cpus}"),
            PinSetting::Count(n) => write!(f, "{n}"),
            PinSetting::Absent => f.write_str("absent"),
        }
    }
}

/// How one planned setting compares with the system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The system holds the planned value.
    AsPlanned,
    /// The system holds another value.
    Drifted {
        /// What it holds.
        now: PinSetting,
    },
    /// The setting could not be read.
    Unreadable {
        /// The error, with the file it concerns.
        error: String,
    },
}

/// One planned setting and how it compares.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ActionCheck {
    /// The planned write.
    #[serde(flatten)]
    pub action: PinAction,
    /// How the system compares.
    pub outcome: CheckOutcome,
}

impl ActionCheck {
    /// Whether the system holds the planned value.
    pub fn as_planned(&self) -> bool {
        self.outcome == CheckOutcome::AsPlanned
    }
}

impl PinAction {
    /// The value this action writes.
    pub fn planned(&self) -> PinSetting {
        match self {
            PinAction::IrqAffinity { cpus, .. }
            | PinAction::RpsCpus { cpus, .. }
            | PinAction::XpsCpus { cpus, .. } => PinSetting::Cpus(cpus.clone()),
            PinAction::RpsFlowCount { count, .. } | PinAction::SockFlowEntries { count } => {
                PinSetting::Count(*count)
            }
        }
    }

    /// Reads the setting this action writes, as the system holds it now.
    pub fn current(&self, root: &Root) -> Result<PinSetting> {
        Ok(match self {
            PinAction::IrqAffinity { irq, .. } => {
                PinSetting::Cpus(Irq::open(root, *irq)?.affinity()?)
            }
            PinAction::RpsCpus { interface, queue, .. } => PinSetting::Cpus(
                net::NetInterface::by_name(root, interface)?.rx_queue(*queue)?.rps_cpus()?,
            ),
            PinAction::RpsFlowCount { interface, queue, .. } => PinSetting::Count(
                net::NetInterface::by_name(root, interface)?.rx_queue(*queue)?.rps_flow_cnt()?,
            ),
            PinAction::XpsCpus { interface, queue, .. } => {
                match net::NetInterface::by_name(root, interface)?.tx_queue(*queue)?.xps_cpus()? {
                    Some(cpus) => PinSetting::Cpus(cpus),
                    None => PinSetting::Absent,
                }
            }
            PinAction::SockFlowEntries { .. } => {
                PinSetting::Count(net::rps_sock_flow_entries(root)?)
            }
        })
    }

    /// Whether `now` is what this action writes. Flow counts compare with
    /// the kernel's rounding in mind: it stores `count` rounded up to a
    /// power of two.
    pub fn holds(&self, now: &PinSetting) -> bool {
        match (self.planned(), now) {
            (PinSetting::Count(planned), PinSetting::Count(now)) => {
                *now == planned || Some(*now) == planned.checked_next_power_of_two()
            }
            (planned, now) => planned == *now,
        }
    }

    /// Whether the system already matches this action (to skip needless
    /// writes).
    pub fn is_applied(&self, root: &Root) -> Result<bool> {
        Ok(self.holds(&self.current(root)?))
    }

    /// Compares this action with the system.
    pub fn check(&self, root: &Root) -> ActionCheck {
        let outcome = match self.current(root) {
            Ok(now) if self.holds(&now) => CheckOutcome::AsPlanned,
            Ok(now) => CheckOutcome::Drifted { now },
            Err(e) => CheckOutcome::Unreadable { error: error_chain(&e) },
        };
        ActionCheck { action: self.clone(), outcome }
    }
}

impl PinningResolution {
    /// Compares every planned setting with the system under `root`.
    pub fn check(&self, root: &Root) -> Vec<ActionCheck> {
        self.actions.iter().map(|a| a.check(root)).collect()
    }
}

fn error_chain(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PinningPlan;
    use crate::testing::{Fixture, copy_fixture};

    #[test]
    fn flow_counts_allow_the_kernels_rounding() {
        let a = PinAction::SockFlowEntries { count: 30000 };
        assert!(a.holds(&PinSetting::Count(32768)));
        assert!(a.holds(&PinSetting::Count(30000)));
        assert!(!a.holds(&PinSetting::Count(16384)));
        assert!(!a.holds(&PinSetting::Cpus(CpuSet::new())));
    }

    #[test]
    fn the_mainline_fixture_drifts_and_a_write_shows_up() {
        let (_d, root) = copy_fixture(Fixture::Mainline);
        let res = PinningPlan::armbian_helios64().resolve_on(&root).unwrap();
        let checks = res.check(&root);
        let xhci = checks
            .iter()
            .find(|c| matches!(&c.action, PinAction::IrqAffinity { irq: 31, .. }))
            .unwrap();
        assert_eq!(
            xhci.outcome,
            CheckOutcome::Drifted { now: PinSetting::Cpus(CpuSet::parse_list("0-5").unwrap()) }
        );
        for a in &res.actions {
            a.apply(&root).unwrap();
        }
        assert!(res.check(&root).iter().all(ActionCheck::as_planned));
    }

    #[test]
    fn an_unreadable_setting_names_its_file() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        let action = PinAction::IrqAffinity {
            irq: 31,
            actions: vec![],
            cpus: CpuSet::from_cpus([4]),
            reason: "t".into(),
        };
        assert!(action.check(&root).as_planned());
        root.write(&root.proc().join("irq/31/smp_affinity_list"), "garbage\n").unwrap();
        match action.check(&root).outcome {
            CheckOutcome::Unreadable { error } => {
                assert!(error.contains("smp_affinity_list"), "{error}")
            }
            other => panic!("{other:?}"),
        }
    }
}
