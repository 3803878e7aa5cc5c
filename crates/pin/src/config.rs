//! `/etc/helios64/pin.toml`: which CPUs take which interrupts and which
//! network queues, by identity.
//!
//! ```toml
//! name = "site"
//! rps_sock_flow_entries = 32768
//!
//! [watch]
//! debounce_ms = 500       # quiet time after the last matched event
//! min_interval_ms = 2000  # at most one re-apply per this long
//!
//! [[irq]]
//! action = "xhci"         # every IRQ whose action name contains "xhci"
//! cpus = "4"
//!
//! [[irq]]
//! nic = "lan1"            # the IRQ the LAN1 driver requested, whatever its name
//! cpus = "3"
//!
//! [[rps]]
//! nic = "lan2"
//! queue = 0               # rx-0
//! cpus = "0-3,5"
//! flow_count = 32768
//!
//! [[xps]]
//! nic = "lan1"
//! queue = 0               # tx-0
//! cpus = "3"
//! ```
//!
//! CPU lists are the kernel's list form (`"0-3,5"`) or an array of numbers.
//! A drop-in's `[[irq]]` replaces the whole `irq` array (the service
//! runtime replaces arrays whole), so a site file states its full policy
//! per kind.

use std::fmt;

use helios64_hal::{CpuSet, IrqMatch, IrqRule, LinkMode, NicRole, PinningPlan, RpsRule, XpsRule};
use helios64_service::{Config, Invalid, KeyPath};
use serde::{Deserialize, Serialize};

/// The six RK3399 cores: CPU0-3 Cortex-A53, CPU4-5 Cortex-A72.
const RK3399_CPUS: std::ops::RangeInclusive<u32> = 0..=5;

/// A CPU set as written in the file: `"0-3,5"` or `[0, 1, 2, 3, 5]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CpuList(pub CpuSet);

impl fmt::Display for CpuList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() { f.write_str("none") } else { write!(f, "{}", self.0) }
    }
}

impl Serialize for CpuList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_list_string())
    }
}

impl<'de> Deserialize<'de> for CpuList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<CpuList, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged, expecting = "a CPU list such as \"0-3,5\" or [0, 1, 2]")]
        enum Form {
            Text(String),
            Numbers(Vec<u32>),
        }
        let cpus = match Form::deserialize(d)? {
            Form::Text(text) => CpuSet::parse_list(&text).map_err(serde::de::Error::custom)?,
            Form::Numbers(numbers) => {
                if let Some(n) = numbers.iter().find(|n| **n > helios64_hal::MAX_CPU) {
                    return Err(serde::de::Error::custom(format!(
                        "CPU {n} is above {}",
                        helios64_hal::MAX_CPU
                    )));
                }
                numbers.into_iter().collect()
            }
        };
        Ok(CpuList(cpus))
    }
}

/// An IRQ rule: the IRQs matched by `action` or `nic` go to `cpus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IrqConfig {
    /// Every IRQ with an action name containing this text
    /// (case-sensitive; `xhci`, `ahci`, `ehci`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The IRQ a NIC's driver requested under the interface's name, found
    /// by the NIC's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nic: Option<NicRole>,
    /// Where to.
    pub cpus: CpuList,
    /// Why, for the journal and reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An RPS rule: receive queue `queue` of NIC `nic` is processed on `cpus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueConfig {
    /// The NIC, by role.
    pub nic: NicRole,
    /// The receive queue index (`rx-0` = 0).
    pub queue: u32,
    /// RPS CPUs (an empty list turns RPS off).
    pub cpus: CpuList,
    /// The queue's RFS flow table (`rps_flow_cnt`), if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_count: Option<u32>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An XPS rule: transmit queue `queue` of NIC `nic` is used by `cpus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XpsConfig {
    /// The NIC, by role.
    pub nic: NicRole,
    /// The transmit queue index (`tx-0` = 0).
    pub queue: u32,
    /// XPS CPUs (an empty list turns XPS off).
    pub cpus: CpuList,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A NIC's link policy: the speed/duplex modes it advertises, exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkConfig {
    /// The NIC, by role.
    pub nic: NicRole,
    /// ethtool's mode names: `["2500baseT/Full"]` keeps an unreworked
    /// LAN2 off the broken 1G mode; `["1000baseT/Full"]` pins 1 GbE.
    pub advertise: Vec<LinkMode>,
    /// Why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How `helios64-pin watch` reacts to hot-plug events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchConfig {
    /// Quiet time after the last matched event before re-applying: a USB
    /// NIC's arrival is a burst of events.
    pub debounce_ms: u64,
    /// At most one re-apply per this long, however many events come.
    pub min_interval_ms: u64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig { debounce_ms: 300, min_interval_ms: 1000 }
    }
}

/// The whole file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinConfig {
    /// A name for the plan, in logs and reports.
    pub name: String,
    /// `/proc/sys/net/core/rps_sock_flow_entries`, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rps_sock_flow_entries: Option<u32>,
    /// The daemon's event handling.
    pub watch: WatchConfig,
    /// IRQ rules, in order: a later rule matching the same IRQ wins.
    pub irq: Vec<IrqConfig>,
    /// RPS rules.
    pub rps: Vec<QueueConfig>,
    /// XPS rules.
    pub xps: Vec<XpsConfig>,
    /// Link policies (none by default).
    pub link: Vec<LinkConfig>,
}

impl Default for PinConfig {
    /// Armbian's Helios64 plan ([`PinningPlan::armbian_helios64`]) plus
    /// LAN2: its receive queue processed on every core its xhci IRQ is not
    /// on (Armbian pins xhci to CPU4, so CPU0-3 and CPU5), with the same
    /// flow table as LAN1's.
    fn default() -> Self {
        let armbian = PinningPlan::armbian_helios64();
        let mut config = PinConfig::from_plan(&armbian);
        config.name = "helios64".into();
        let xhci: CpuSet = armbian
            .irqs
            .iter()
            .filter(|r| matches!(&r.matcher, IrqMatch::ActionContains { text } if text == "xhci"))
            .flat_map(|r| r.cpus.iter())
            .collect();
        let off_xhci: CpuSet = RK3399_CPUS.filter(|c| !xhci.contains(*c)).collect();
        config.rps.push(QueueConfig {
            nic: NicRole::Lan2,
            queue: 0,
            reason: Some(format!(
                "LAN2 receive processing off its xhci IRQ's CPU{xhci}, on CPU{off_xhci}"
            )),
            cpus: CpuList(off_xhci),
            flow_count: Some(32768),
        });
        config
    }
}

impl PinConfig {
    /// The configuration that reproduces `plan`.
    pub fn from_plan(plan: &PinningPlan) -> PinConfig {
        PinConfig {
            name: plan.name.clone(),
            rps_sock_flow_entries: plan.rps_sock_flow_entries,
            watch: WatchConfig::default(),
            link: Vec::new(),
            irq: plan
                .irqs
                .iter()
                .map(|r| {
                    let (action, nic) = match &r.matcher {
                        IrqMatch::ActionContains { text } => (Some(text.clone()), None),
                        IrqMatch::NicIrq { nic } => (None, Some(*nic)),
                    };
                    IrqConfig {
                        action,
                        nic,
                        cpus: CpuList(r.cpus.clone()),
                        reason: Some(r.reason.clone()),
                    }
                })
                .collect(),
            rps: plan
                .rps
                .iter()
                .map(|r| QueueConfig {
                    nic: r.nic,
                    queue: r.rx_queue,
                    cpus: CpuList(r.cpus.clone()),
                    flow_count: r.flow_count,
                    reason: Some(r.reason.clone()),
                })
                .collect(),
            xps: plan
                .xps
                .iter()
                .map(|r| XpsConfig {
                    nic: r.nic,
                    queue: r.tx_queue,
                    cpus: CpuList(r.cpus.clone()),
                    reason: Some(r.reason.clone()),
                })
                .collect(),
        }
    }

    /// The plan hal resolves and applies. Rules without a reason get one
    /// that says what they do.
    pub fn plan(&self) -> PinningPlan {
        PinningPlan {
            name: self.name.clone(),
            irqs: self
                .irq
                .iter()
                .map(|r| {
                    let (matcher, what) = match (&r.action, r.nic) {
                        (_, Some(nic)) => (IrqMatch::NicIrq { nic }, format!("{nic}'s IRQ")),
                        (Some(text), None) => (
                            IrqMatch::ActionContains { text: text.clone() },
                            format!("IRQs named *{text}*"),
                        ),
                        // Refused by validate; an empty match meets nothing.
                        (None, None) => {
                            (IrqMatch::ActionContains { text: String::new() }, "no IRQ".to_owned())
                        }
                    };
                    IrqRule {
                        matcher,
                        cpus: r.cpus.0.clone(),
                        reason: r
                            .reason
                            .clone()
                            .unwrap_or_else(|| format!("{what} to CPU{}", r.cpus)),
                    }
                })
                .collect(),
            rps: self
                .rps
                .iter()
                .map(|r| RpsRule {
                    nic: r.nic,
                    rx_queue: r.queue,
                    cpus: r.cpus.0.clone(),
                    flow_count: r.flow_count,
                    reason: r.reason.clone().unwrap_or_else(|| {
                        format!("{} rx-{} receive processing on CPU{}", r.nic, r.queue, r.cpus)
                    }),
                })
                .collect(),
            xps: self
                .xps
                .iter()
                .map(|r| XpsRule {
                    nic: r.nic,
                    tx_queue: r.queue,
                    cpus: r.cpus.0.clone(),
                    reason: r.reason.clone().unwrap_or_else(|| {
                        format!("{} tx-{} transmits from CPU{}", r.nic, r.queue, r.cpus)
                    }),
                })
                .collect(),
            rps_sock_flow_entries: self.rps_sock_flow_entries,
        }
    }

    /// Every CPU list against the CPUs online now: the first CPU that is
    /// not online, at its key (`irq[3].cpus`). A plan for six cores is
    /// refused whole on a machine with fewer, never half-applied.
    pub fn check_online(&self, online: &CpuSet) -> Result<(), Invalid> {
        let lists = self
            .irq
            .iter()
            .enumerate()
            .map(|(i, r)| (KeyPath::root().key("irq").index(i).key("cpus"), &r.cpus))
            .chain(
                self.rps
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (KeyPath::root().key("rps").index(i).key("cpus"), &r.cpus)),
            )
            .chain(
                self.xps
                    .iter()
                    .enumerate()
                    .map(|(i, r)| (KeyPath::root().key("xps").index(i).key("cpus"), &r.cpus)),
            );
        for (key, list) in lists {
            if let Some(cpu) = list.0.iter().find(|c| !online.contains(*c)) {
                return Err(Invalid::new(
                    key,
                    format!("CPU {cpu} is not online (online: {online})"),
                ));
            }
        }
        Ok(())
    }
}

impl Config for PinConfig {
    fn validate(&self) -> Result<(), Invalid> {
        for (i, rule) in self.irq.iter().enumerate() {
            let at = |key: &str| KeyPath::root().key("irq").index(i).key(key);
            match (&rule.action, &rule.nic) {
                (Some(_), Some(_)) => {
                    return Err(Invalid::new(at("nic"), "give `action` or `nic`, not both"));
                }
                (None, None) => {
                    return Err(Invalid::new(
                        KeyPath::root().key("irq").index(i),
                        "an IRQ rule needs `action` (an action name's text) or `nic` (lan1, lan2)",
                    ));
                }
                (Some(text), None) if text.trim().is_empty() => {
                    return Err(Invalid::new(at("action"), "empty: it would match every IRQ"));
                }
                _ => {}
            }
            if rule.cpus.0.is_empty() {
                return Err(Invalid::new(at("cpus"), "an IRQ needs at least one CPU"));
            }
        }
        for (kind, keys) in [
            ("rps", self.rps.iter().map(|r| (r.nic, r.queue)).collect::<Vec<_>>()),
            ("xps", self.xps.iter().map(|r| (r.nic, r.queue)).collect()),
        ] {
            for (i, key) in keys.iter().enumerate() {
                if let Some(first) = keys[..i].iter().position(|k| k == key) {
                    return Err(Invalid::new(
                        KeyPath::root().key(kind).index(i).key("queue"),
                        format!("{} queue {} is already set by {kind}[{first}]", key.0, key.1),
                    ));
                }
            }
        }
        for (i, rule) in self.link.iter().enumerate() {
            let at = |key: &str| KeyPath::root().key("link").index(i).key(key);
            if rule.advertise.is_empty() {
                return Err(Invalid::new(
                    at("advertise"),
                    "at least one speed/duplex mode is needed",
                ));
            }
            if let Some(mode) = rule.advertise.iter().find(|m| !m.is_speed()) {
                return Err(Invalid::new(
                    at("advertise"),
                    format!("{mode} is not a speed/duplex mode (such as 2500baseT/Full)"),
                ));
            }
            if let Some(first) = self.link[..i].iter().position(|r| r.nic == rule.nic) {
                return Err(Invalid::new(
                    at("nic"),
                    format!("{}'s link is already set by link[{first}]", rule.nic),
                ));
            }
        }
        for (i, rule) in self.rps.iter().enumerate() {
            if rule.flow_count == Some(0) {
                return Err(Invalid::new(
                    KeyPath::root().key("rps").index(i).key("flow_count"),
                    "0 turns RFS off: leave the key out instead",
                ));
            }
        }
        Ok(())
    }
}
