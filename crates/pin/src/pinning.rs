//! The configuration resolved on a system, applied, and checked.

use std::collections::BTreeMap;
use std::fmt;

use helios64_hal::{
    ActionCheck, CheckOutcome, CpuSet, CpuTopology, Interrupts, LinkModes, Nic, NicRole, PinAction,
    PinSetting, PinningResolution, Root,
};
use helios64_service::{Invalid, Loaded};
use serde::Serialize;

use crate::config::PinConfig;
use crate::error::{PinError, Result};
use crate::link::{LinkCheck, LinkOutcome, LinkPlan};

/// A value `apply` sets: a CPU set or count, or a NIC's advertised modes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Setting {
    /// IRQ affinity, RPS/XPS masks, flow table sizes.
    Pin(PinSetting),
    /// Advertised speed/duplex modes.
    Link(LinkModes),
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Setting::Pin(s) => write!(f, "{s}"),
            Setting::Link(modes) => write!(f, "{modes}"),
        }
    }
}

/// The configuration resolved on one system: the concrete writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pinning {
    /// The plan's name.
    pub plan: String,
    /// The writes, the rules that matched nothing, the online CPUs.
    #[serde(flatten)]
    pub resolution: PinningResolution,
    /// The link policies of the NICs present.
    pub links: Vec<LinkPlan>,
}

/// One setting `apply` changed (or, on a dry run, would change).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What was set: `IRQ 31 (xhci-hcd:usb1)`, `end0 rx-0 rps_cpus`.
    pub target: String,
    /// The value before; `None` when it could not be read.
    pub old: Option<Setting>,
    /// The value written.
    pub new: Setting,
    /// The rule's reason.
    pub reason: String,
    /// Whether it was written (false on a dry run).
    pub written: bool,
}

impl fmt::Display for Change {
    /// `IRQ 31 (xhci-hcd:usb1): 0-5 -> 4 (reason)`, the journal line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let old = self.old.as_ref().map_or_else(|| "unreadable".to_owned(), |o| o.to_string());
        write!(f, "{}: {old} -> {}", self.target, self.new)?;
        if !self.written {
            f.write_str(" (dry run)")?;
        }
        if !self.reason.is_empty() {
            write!(f, " ({})", self.reason)?;
        }
        Ok(())
    }
}

/// One setting `apply` could not make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    /// What was to be set.
    pub target: String,
    /// The value it was to get.
    pub new: Setting,
    /// Why not, naming the file (the kernel refuses managed and per-CPU
    /// IRQs with `EIO`).
    pub error: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: not set to {}: {}", self.target, self.new, self.error)
    }
}

/// What `apply` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    /// The plan's name.
    pub plan: String,
    /// Settings changed.
    pub changes: Vec<Change>,
    /// Settings already as planned.
    pub unchanged: usize,
    /// Settings that could not be made; the others were still applied.
    pub failures: Vec<Failure>,
    /// Rules that matched nothing here (an absent NIC, an IRQ name this
    /// kernel does not use).
    pub unmatched: Vec<String>,
}

/// The drift report: every planned setting against the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// The plan's name.
    pub plan: String,
    /// The CPUs online.
    pub online_cpus: CpuSet,
    /// Each planned setting and how the system compares.
    pub settings: Vec<ActionCheck>,
    /// Each NIC's advertised modes against its link policy.
    pub links: Vec<LinkCheck>,
    /// Rules that matched nothing here.
    pub unmatched: Vec<String>,
}

impl CheckReport {
    /// The settings that hold another value.
    pub fn drifted(&self) -> impl Iterator<Item = &ActionCheck> {
        self.settings.iter().filter(|c| matches!(c.outcome, CheckOutcome::Drifted { .. }))
    }

    /// The settings that could not be read.
    pub fn unreadable(&self) -> impl Iterator<Item = &ActionCheck> {
        self.settings.iter().filter(|c| matches!(c.outcome, CheckOutcome::Unreadable { .. }))
    }

    /// The NICs advertising other modes than their policy's.
    pub fn links_drifted(&self) -> impl Iterator<Item = &LinkCheck> {
        self.links.iter().filter(|c| matches!(c.outcome, LinkOutcome::Drifted { .. }))
    }

    /// The NICs whose link settings could not be read.
    pub fn links_unreadable(&self) -> impl Iterator<Item = &LinkCheck> {
        self.links.iter().filter(|c| matches!(c.outcome, LinkOutcome::Unreadable { .. }))
    }

    /// One line per setting: `drift: IRQ 31 (xhci-hcd:usb1) is 0-5, planned 4`.
    pub fn lines(&self) -> Vec<String> {
        self.settings
            .iter()
            .map(|c| {
                let target = target(&c.action);
                let planned = c.action.planned();
                match &c.outcome {
                    CheckOutcome::AsPlanned => format!("ok: {target} is {planned}"),
                    CheckOutcome::Drifted { now } => {
                        format!("drift: {target} is {now}, planned {planned}")
                    }
                    CheckOutcome::Unreadable { error } => format!("unreadable: {target}: {error}"),
                }
            })
            .chain(self.links.iter().map(|c| {
                let target = c.plan.target();
                let planned = &c.plan.advertise;
                match &c.outcome {
                    LinkOutcome::AsPlanned => format!("ok: {target} are {planned}"),
                    LinkOutcome::Drifted { now } => {
                        format!("drift: {target} are {now}, planned {planned}")
                    }
                    LinkOutcome::Unreadable { error } => format!("unreadable: {target}: {error}"),
                }
            }))
            .collect()
    }
}

/// What an action sets, for people: `IRQ 31 (xhci-hcd:usb1)`,
/// `end0 rx-0 rps_cpus`.
pub fn target(action: &PinAction) -> String {
    match action {
        PinAction::IrqAffinity { irq, actions, .. } if actions.is_empty() => format!("IRQ {irq}"),
        PinAction::IrqAffinity { irq, actions, .. } => {
            format!("IRQ {irq} ({})", actions.join(","))
        }
        PinAction::RpsCpus { interface, queue, .. } => format!("{interface} rx-{queue} rps_cpus"),
        PinAction::RpsFlowCount { interface, queue, .. } => {
            format!("{interface} rx-{queue} rps_flow_cnt")
        }
        PinAction::XpsCpus { interface, queue, .. } => format!("{interface} tx-{queue} xps_cpus"),
        PinAction::SockFlowEntries { .. } => "rps_sock_flow_entries".to_owned(),
    }
}

fn reason(action: &PinAction) -> &str {
    match action {
        PinAction::IrqAffinity { reason, .. }
        | PinAction::RpsCpus { reason, .. }
        | PinAction::XpsCpus { reason, .. } => reason,
        PinAction::RpsFlowCount { .. } | PinAction::SockFlowEntries { .. } => "",
    }
}

impl Pinning {
    /// Resolves `config` on given facts: the IRQs, the present NICs by
    /// role with their interface names, the online CPUs. Pure: the rule
    /// matching and masks tested on literal `/proc/interrupts` text. A CPU
    /// list naming an offline CPU is refused at its key.
    pub fn resolve_with(
        config: &PinConfig,
        interrupts: &Interrupts,
        nics: &BTreeMap<NicRole, String>,
        online: &CpuSet,
    ) -> std::result::Result<Pinning, Invalid> {
        config.check_online(online)?;
        let resolution = config
            .plan()
            .resolve(interrupts, nics, online)
            // check_online and validate refuse what hal's resolve refuses.
            .map_err(|e| Invalid::at("irq", helios64_text::error_chain(&e)))?;
        let mut resolution = resolution;
        let mut links = Vec::new();
        for rule in &config.link {
            let advertise: LinkModes = rule.advertise.iter().copied().collect();
            let reason = rule
                .reason
                .clone()
                .unwrap_or_else(|| format!("{} advertises only {advertise}", rule.nic));
            match nics.get(&rule.nic) {
                Some(interface) => links.push(LinkPlan {
                    nic: rule.nic,
                    interface: interface.clone(),
                    advertise,
                    reason,
                }),
                None => resolution.unmatched.push(reason),
            }
        }
        Ok(Pinning { plan: config.name.clone(), resolution, links })
    }

    /// Resolves the loaded configuration on the system under `root`: reads
    /// `/proc/interrupts`, the NICs and the online CPUs. A CPU that is not
    /// online is a located configuration error.
    pub fn resolve(root: &Root, loaded: &Loaded<PinConfig>) -> Result<Pinning> {
        let read = |during| move |source| PinError::Read { during, source };
        let interrupts = Interrupts::read(root).map_err(read("reading /proc/interrupts"))?;
        let nics: BTreeMap<NicRole, String> = Nic::all(root)
            .map_err(read("finding the NICs"))?
            .into_iter()
            .map(|n| (n.role(), n.name().to_owned()))
            .collect();
        let online = CpuTopology::read(root).map_err(read("reading the online CPUs"))?.online();
        Pinning::resolve_with(loaded.config(), &interrupts, &nics, &online)
            .map_err(|invalid| PinError::Config(loaded.invalid(invalid)))
    }

    /// Makes every write still needed. A setting already as planned is not
    /// written; a failed read or write is reported and the rest go on.
    /// Each write is read back: a kernel that keeps another value is a
    /// failure too. `dry_run` reads and reports, never writes.
    pub fn apply(&self, root: &Root, dry_run: bool) -> ApplyReport {
        let mut report = ApplyReport {
            plan: self.plan.clone(),
            changes: Vec::new(),
            unchanged: 0,
            failures: Vec::new(),
            unmatched: self.resolution.unmatched.clone(),
        };
        for action in &self.resolution.actions {
            let new = Setting::Pin(action.planned());
            let old = action.current(root).ok();
            if old.as_ref().is_some_and(|o| action.holds(o)) {
                report.unchanged += 1;
                continue;
            }
            let target = target(action);
            if !dry_run {
                let written = action.apply(root).and_then(|()| action.current(root));
                let error = match written {
                    Ok(now) if action.holds(&now) => None,
                    Ok(now) => Some(format!("written, but the kernel keeps {now}")),
                    Err(e) => Some(helios64_text::error_chain(&e)),
                };
                if let Some(error) = error {
                    report.failures.push(Failure { target, new, error });
                    continue;
                }
            }
            report.changes.push(Change {
                target,
                old: old.map(Setting::Pin),
                new,
                reason: reason(action).to_owned(),
                written: !dry_run,
            });
        }
        for link in &self.links {
            let new = Setting::Link(link.advertise.clone());
            match link.apply(root, dry_run) {
                Ok(None) => report.unchanged += 1,
                Ok(Some(old)) => report.changes.push(Change {
                    target: link.target(),
                    old: Some(Setting::Link(old)),
                    new,
                    reason: link.reason.clone(),
                    written: !dry_run,
                }),
                Err(error) => report.failures.push(Failure { target: link.target(), new, error }),
            }
        }
        report
    }

    /// The drift report: hal's check of every planned setting, the one
    /// `helios64 status` and the health verdict use.
    pub fn check(&self, root: &Root) -> CheckReport {
        CheckReport {
            plan: self.plan.clone(),
            online_cpus: self.resolution.online.clone(),
            settings: self.resolution.check(root),
            links: self.links.iter().map(|l| l.check(root)).collect(),
            unmatched: self.resolution.unmatched.clone(),
        }
    }
}
