//! IRQ and RPS pinning as data.
//!
//! A [`PinningPlan`] says which interrupts go to which CPUs and how receive
//! packet steering is spread, as rules a daemon resolves against the running
//! system ([`PinningPlan::resolve`]) and applies ([`PinAction::apply`]). The
//! plan is serialisable, so a user's own policy can live in a config file;
//! [`PinningPlan::armbian_helios64`] reproduces what Armbian ships.

use std::collections::BTreeMap;

use crate::cpu::CpuTopology;
use crate::cpuset::CpuSet;
use crate::error::{Error, Result};
use crate::irq::{Interrupts, Irq};
use crate::net::{self, Nic, NicRole};
use crate::root::Root;

/// Which interrupts a rule is about.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "match", rename_all = "snake_case")]
pub enum IrqMatch {
    /// Every IRQ with an action name containing `text` (case-sensitive),
    /// as Armbian's `awk '/xhci/'` does.
    ActionContains {
        /// The substring.
        text: String,
    },
    /// The IRQ a NIC's driver requested under the interface's name
    /// (stmmac names LAN1's IRQ `end0`/`eth0`). Resolved by role, so the
    /// rule survives the eth0→end0 rename that broke Armbian's script.
    /// LAN2's traffic arrives on the xhci IRQ, which has no such action.
    NicIrq {
        /// The NIC.
        nic: NicRole,
    },
}

/// Send the matching IRQs to `cpus`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IrqRule {
    /// Which IRQs.
    #[serde(flatten)]
    pub matcher: IrqMatch,
    /// Where to.
    pub cpus: CpuSet,
    /// Why, for logs and `helios64 status`.
    pub reason: String,
}

/// Spread a NIC receive queue's packet processing over `cpus`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RpsRule {
    /// The NIC.
    pub nic: NicRole,
    /// The receive queue index (`rx-0` = 0).
    pub rx_queue: u32,
    /// RPS CPUs (empty = RPS off).
    pub cpus: CpuSet,
    /// The queue's RFS flow table size, if the plan sets one.
    pub flow_count: Option<u32>,
    /// Why.
    pub reason: String,
}

/// Pick a NIC transmit queue by CPU (XPS): `queues/tx-<queue>/xps_cpus`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct XpsRule {
    /// The NIC.
    pub nic: NicRole,
    /// The transmit queue index (`tx-0` = 0).
    pub tx_queue: u32,
    /// CPUs that transmit on this queue (empty = XPS off).
    pub cpus: CpuSet,
    /// Why.
    pub reason: String,
}

/// An IRQ/RPS/XPS policy. Rules apply in order; a later IRQ rule matching
/// the same IRQ wins.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PinningPlan {
    /// A name for logs.
    pub name: String,
    /// IRQ affinity rules.
    pub irqs: Vec<IrqRule>,
    /// RPS rules.
    pub rps: Vec<RpsRule>,
    /// XPS rules (none in Armbian's plan).
    #[serde(default)]
    pub xps: Vec<XpsRule>,
    /// `/proc/sys/net/core/rps_sock_flow_entries`, if the plan sets it.
    pub rps_sock_flow_entries: Option<u32>,
}

/// One concrete write a resolved plan makes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PinAction {
    /// Write `/proc/irq/<irq>/smp_affinity_list`.
    IrqAffinity {
        /// The Linux IRQ number.
        irq: u32,
        /// Its handlers, for the log.
        actions: Vec<String>,
        /// The CPUs.
        cpus: CpuSet,
        /// The rule's reason.
        reason: String,
    },
    /// Write `queues/rx-<queue>/rps_cpus`.
    RpsCpus {
        /// The interface.
        interface: String,
        /// The receive queue index.
        queue: u32,
        /// The CPUs.
        cpus: CpuSet,
        /// The rule's reason.
        reason: String,
    },
    /// Write `queues/rx-<queue>/rps_flow_cnt`.
    RpsFlowCount {
        /// The interface.
        interface: String,
        /// The receive queue index.
        queue: u32,
        /// The flow table size.
        count: u32,
    },
    /// Write `queues/tx-<queue>/xps_cpus`.
    XpsCpus {
        /// The interface.
        interface: String,
        /// The transmit queue index.
        queue: u32,
        /// The CPUs.
        cpus: CpuSet,
        /// The rule's reason.
        reason: String,
    },
    /// Write `/proc/sys/net/core/rps_sock_flow_entries`.
    SockFlowEntries {
        /// The table size.
        count: u32,
    },
}

/// A plan resolved against the running system.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinningResolution {
    /// The writes to make, IRQs by number first, then RPS, then XPS.
    pub actions: Vec<PinAction>,
    /// Reasons of rules that matched nothing (an absent NIC, an IRQ name
    /// this kernel does not use): worth a log line, not an error.
    pub unmatched: Vec<String>,
    /// The online CPUs the plan was checked against.
    pub online: CpuSet,
}

impl PinningPlan {
    /// Armbian's policy for the Helios64 (`armbian-hardware-optimization`,
    /// rockchip64 case, plus the Helios64 xhci override):
    /// - "Mali" IRQs → CPU1. Panfrost names its IRQs `panfrost-*`, so with
    ///   the mainline GPU driver this matches nothing, as in Armbian.
    /// - ehci/ohci → CPU1.
    /// - xhci → CPU4 (A72): it carries LAN2, the 2.5 GbE USB NIC. The
    ///   generic rockchip64 value is CPU2; Helios64 overrides it.
    /// - ahci → CPU4+5 (the A72s): the JMB585 SATA controller.
    /// - LAN1's IRQ → CPU3, its rx-0 RPS → CPU0–2, RFS tables 32768.
    /// - No XPS; nothing is pinned for LAN2's queues.
    pub fn armbian_helios64() -> PinningPlan {
        let rule = |text: &str, cpus: &[u32], reason: &str| IrqRule {
            matcher: IrqMatch::ActionContains { text: text.to_owned() },
            cpus: cpus.iter().copied().collect(),
            reason: reason.to_owned(),
        };
        PinningPlan {
            name: "armbian-helios64".into(),
            irqs: vec![
                rule("Mali", &[1], "Armbian: Mali GPU to CPU1"),
                rule("ehci", &[1], "Armbian: USB 2.0 (ehci) to CPU1"),
                rule("ohci", &[1], "Armbian: USB 1.1 (ohci) to CPU1"),
                rule("xhci", &[4], "Armbian Helios64: xhci (2.5GbE USB LAN) to CPU4"),
                rule("ahci", &[4, 5], "Armbian: SATA controller to CPU4 and CPU5"),
                IrqRule {
                    matcher: IrqMatch::NicIrq { nic: NicRole::Lan1 },
                    cpus: CpuSet::from_cpus([3]),
                    reason: "Armbian: LAN1 (end0) to CPU3".into(),
                },
            ],
            rps: vec![RpsRule {
                nic: NicRole::Lan1,
                rx_queue: 0,
                cpus: CpuSet::from_cpus([0, 1, 2]),
                flow_count: Some(32768),
                reason: "Armbian: LAN1 receive processing on CPU0-2".into(),
            }],
            xps: Vec::new(),
            rps_sock_flow_entries: Some(32768),
        }
    }

    /// Resolves the plan: which IRQ numbers and queues the rules mean here.
    /// `nics` maps each present NIC to its interface name; `online` are the
    /// CPUs that can take work. A rule naming an offline CPU is an error: a
    /// plan for six cores must not be half-applied on a two-core machine.
    pub fn resolve(
        &self,
        interrupts: &Interrupts,
        nics: &BTreeMap<NicRole, String>,
        online: &CpuSet,
    ) -> Result<PinningResolution> {
        let mut by_irq: BTreeMap<u32, PinAction> = BTreeMap::new();
        let mut unmatched = Vec::new();
        for rule in &self.irqs {
            check_cpus(&rule.cpus, online, &rule.reason, false)?;
            let rows: Vec<_> = match &rule.matcher {
                IrqMatch::ActionContains { text } => interrupts.matching(text).collect(),
                IrqMatch::NicIrq { nic } => match nics.get(nic) {
                    Some(name) => interrupts.with_action(name).collect(),
                    None => Vec::new(),
                },
            };
            if rows.is_empty() {
                unmatched.push(rule.reason.clone());
            }
            for row in rows {
                if let Some(irq) = row.irq() {
                    by_irq.insert(
                        irq,
                        PinAction::IrqAffinity {
                            irq,
                            actions: row.actions.clone(),
                            cpus: rule.cpus.clone(),
                            reason: rule.reason.clone(),
                        },
                    );
                }
            }
        }
        let mut actions: Vec<PinAction> = by_irq.into_values().collect();
        for rule in &self.rps {
            check_cpus(&rule.cpus, online, &rule.reason, true)?;
            let Some(interface) = nics.get(&rule.nic) else {
                unmatched.push(rule.reason.clone());
                continue;
            };
            actions.push(PinAction::RpsCpus {
                interface: interface.clone(),
                queue: rule.rx_queue,
                cpus: rule.cpus.clone(),
                reason: rule.reason.clone(),
            });
            if let Some(count) = rule.flow_count {
                actions.push(PinAction::RpsFlowCount {
                    interface: interface.clone(),
                    queue: rule.rx_queue,
                    count,
                });
            }
        }
        for rule in &self.xps {
            check_cpus(&rule.cpus, online, &rule.reason, true)?;
            let Some(interface) = nics.get(&rule.nic) else {
                unmatched.push(rule.reason.clone());
                continue;
            };
            actions.push(PinAction::XpsCpus {
                interface: interface.clone(),
                queue: rule.tx_queue,
                cpus: rule.cpus.clone(),
                reason: rule.reason.clone(),
            });
        }
        if let Some(count) = self.rps_sock_flow_entries {
            actions.push(PinAction::SockFlowEntries { count });
        }
        Ok(PinningResolution { actions, unmatched, online: online.clone() })
    }

    /// Resolves the plan against the system under `root`: reads
    /// `/proc/interrupts`, finds the NICs and the online CPUs.
    pub fn resolve_on(&self, root: &Root) -> Result<PinningResolution> {
        let interrupts = Interrupts::read(root)?;
        let nics: BTreeMap<NicRole, String> =
            Nic::all(root)?.into_iter().map(|n| (n.role(), n.name().to_owned())).collect();
        let online = CpuTopology::read(root)?.online();
        self.resolve(&interrupts, &nics, &online)
    }
}

fn check_cpus(cpus: &CpuSet, online: &CpuSet, reason: &str, may_be_empty: bool) -> Result<()> {
    if cpus.is_empty() && !may_be_empty {
        return Err(Error::InvalidInput {
            what: "pinning rule",
            value: reason.to_owned(),
            reason: "names no CPU".into(),
        });
    }
    if let Some(cpu) = cpus.iter().find(|c| !online.contains(*c)) {
        return Err(Error::InvalidInput {
            what: "pinning rule",
            value: reason.to_owned(),
            reason: format!("CPU {cpu} is not online (online: {online})"),
        });
    }
    Ok(())
}

impl PinAction {
    /// Makes the write.
    pub fn apply(&self, root: &Root) -> Result<()> {
        match self {
            PinAction::IrqAffinity { irq, cpus, .. } => Irq::open(root, *irq)?.set_affinity(cpus),
            PinAction::RpsCpus { interface, queue, cpus, .. } => {
                net::NetInterface::by_name(root, interface)?.rx_queue(*queue)?.set_rps_cpus(cpus)
            }
            PinAction::RpsFlowCount { interface, queue, count } => {
                net::NetInterface::by_name(root, interface)?
                    .rx_queue(*queue)?
                    .set_rps_flow_cnt(*count)
            }
            PinAction::XpsCpus { interface, queue, cpus, .. } => {
                net::NetInterface::by_name(root, interface)?.tx_queue(*queue)?.set_xps_cpus(cpus)
            }
            PinAction::SockFlowEntries { count } => net::set_rps_sock_flow_entries(root, *count),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::{Fixture, copy_fixture};
    use std::path::Path;

    fn irq_actions(res: &PinningResolution) -> Vec<(u32, String)> {
        res.actions
            .iter()
            .filter_map(|a| match a {
                PinAction::IrqAffinity { irq, cpus, .. } => Some((*irq, cpus.to_mask_string())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn armbian_plan_resolves_on_a_literal_sample() {
        let text = "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5
 24:          0          0          0          0          0          0     GICv3  44 Level     end0
 31:          0          0          0          0          0          0     GICv3 142 Level     xhci-hcd:usb1
 32:          0          0          0          0          0          0     GICv3 137 Level     xhci-hcd:usb3
 33:          0          0          0          0          0          0     GICv3  58 Level     ehci_hcd:usb5
 75:          0          0          0          0          0          0   ITS-MSI 524288 Edge      ahci[0000:01:00.0]
";
        let ints = Interrupts::parse(text, Path::new("/proc/interrupts")).unwrap();
        let nics = BTreeMap::from([
            (NicRole::Lan1, "end0".to_owned()),
            (NicRole::Lan2, "eth1".to_owned()),
        ]);
        let online = CpuSet::parse_list("0-5").unwrap();
        let res = PinningPlan::armbian_helios64().resolve(&ints, &nics, &online).unwrap();
        assert_eq!(res.online, online);
        // Armbian's masks: end0 8, xhci 10, ehci 2, ahci 30.
        assert_eq!(
            irq_actions(&res),
            [
                (24, "8".into()),
                (31, "10".into()),
                (32, "10".into()),
                (33, "2".into()),
                (75, "30".into())
            ]
        );
        assert_eq!(res.unmatched, ["Armbian: Mali GPU to CPU1", "Armbian: USB 1.1 (ohci) to CPU1"]);
        assert!(res.actions.contains(&PinAction::RpsCpus {
            interface: "end0".into(),
            queue: 0,
            cpus: CpuSet::from_cpus([0, 1, 2]),
            reason: "Armbian: LAN1 receive processing on CPU0-2".into(),
        }));
        assert_eq!(res.actions.last(), Some(&PinAction::SockFlowEntries { count: 32768 }));
    }

    #[test]
    fn the_nic_rule_follows_the_interface_name() {
        let text = "      CPU0 CPU1 CPU2 CPU3
 24: 0 0 0 0 GICv3 44 Level eth0
";
        let ints = Interrupts::parse(text, Path::new("/proc/interrupts")).unwrap();
        let nics = BTreeMap::from([(NicRole::Lan1, "eth0".to_owned())]);
        let plan = PinningPlan {
            name: "t".into(),
            irqs: vec![IrqRule {
                matcher: IrqMatch::NicIrq { nic: NicRole::Lan1 },
                cpus: CpuSet::from_cpus([3]),
                reason: "lan1".into(),
            }],
            rps: vec![],
            xps: vec![],
            rps_sock_flow_entries: None,
        };
        let res = plan.resolve(&ints, &nics, &CpuSet::parse_list("0-3").unwrap()).unwrap();
        assert_eq!(irq_actions(&res), [(24, "8".into())]);
        let res =
            plan.resolve(&ints, &BTreeMap::new(), &CpuSet::parse_list("0-3").unwrap()).unwrap();
        assert!(res.actions.is_empty());
        assert_eq!(res.unmatched, ["lan1"]);
    }

    #[test]
    fn later_rules_win_and_offline_cpus_are_refused() {
        let text = "      CPU0 CPU1
 31: 0 0 GICv3 142 Level xhci-hcd:usb1
";
        let ints = Interrupts::parse(text, Path::new("/proc/interrupts")).unwrap();
        let rule = |cpus: &[u32]| IrqRule {
            matcher: IrqMatch::ActionContains { text: "xhci".into() },
            cpus: cpus.iter().copied().collect(),
            reason: format!("to {cpus:?}"),
        };
        let plan = PinningPlan {
            name: "t".into(),
            irqs: vec![rule(&[0]), rule(&[1])],
            rps: vec![],
            xps: vec![],
            rps_sock_flow_entries: None,
        };
        let online = CpuSet::from_cpus([0, 1]);
        let res = plan.resolve(&ints, &BTreeMap::new(), &online).unwrap();
        assert_eq!(irq_actions(&res), [(31, "2".into())]);
        let e =
            PinningPlan::armbian_helios64().resolve(&ints, &BTreeMap::new(), &online).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(e.to_string().contains("CPU 4 is not online"), "{e}");
        let empty = PinningPlan { irqs: vec![rule(&[])], ..plan };
        assert_eq!(
            empty.resolve(&ints, &BTreeMap::new(), &online).unwrap_err().kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn the_plan_round_trips_through_json() {
        let plan = PinningPlan::armbian_helios64();
        let json = serde_json::to_string_pretty(&plan).unwrap();
        assert!(json.contains(r#""match": "action_contains""#), "{json}");
        assert!(json.contains(r#""match": "nic_irq""#), "{json}");
        let back: PinningPlan = serde_json::from_str(&json).unwrap();
        assert_eq!(back, plan);
    }

    #[test]
    fn applying_on_a_mainline_copy_reaches_the_armbian_state() {
        let (_d, root) = copy_fixture(Fixture::Mainline);
        let plan = PinningPlan::armbian_helios64();
        let res = plan.resolve_on(&root).unwrap();
        assert!(
            res.actions
                .iter()
                .any(|a| matches!(a, PinAction::RpsCpus { interface, .. } if interface == "eth0"))
        );
        let pending: Vec<_> =
            res.actions.iter().filter(|a| !a.is_applied(&root).unwrap()).collect();
        assert!(!pending.is_empty());
        for action in &res.actions {
            action.apply(&root).unwrap();
        }
        for action in &res.actions {
            assert!(action.is_applied(&root).unwrap(), "{action:?}");
        }
        // The written state equals what the Armbian fixture shows.
        let armbian = Fixture::Armbian.root();
        for irq in [24, 31, 32, 33, 75] {
            assert_eq!(
                Irq::open(&root, irq).unwrap().affinity().unwrap(),
                Irq::open(&armbian, irq).unwrap().affinity().unwrap(),
                "IRQ {irq}"
            );
        }
    }

    #[test]
    fn the_armbian_fixture_already_matches_the_plan() {
        let root = Fixture::Armbian.root();
        let res = PinningPlan::armbian_helios64().resolve_on(&root).unwrap();
        for action in &res.actions {
            assert!(action.is_applied(&root).unwrap(), "{action:?}");
        }
        assert_eq!(res.unmatched, ["Armbian: Mali GPU to CPU1"]);
    }

    #[test]
    fn applying_to_a_missing_irq_names_it() {
        let (_d, root) = copy_fixture(Fixture::Armbian);
        let action = PinAction::IrqAffinity {
            irq: 4242,
            actions: vec![],
            cpus: CpuSet::from_cpus([1]),
            reason: "t".into(),
        };
        let e = action.apply(&root).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.to_string().contains("IRQ 4242"), "{e}");
    }
}
