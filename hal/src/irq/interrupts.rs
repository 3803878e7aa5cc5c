//! A parser for `/proc/interrupts`.
//!
//! The layout is kernel/irq/proc.c `show_interrupts()`: a header naming the
//! online CPUs (`CPU0 CPU1 ...`), then one row per IRQ —
//! `"%*d: "`, one `"%10u "` count per online CPU, the chip name, the
//! hardware IRQ number, `Level`/`Edge` (with `GENERIC_IRQ_SHOW_LEVEL`, as on
//! arm64), then the action names joined by `", "`. Architecture rows follow
//! (`IPI0:` … with a description, and single-count rows such as `Err:` and
//! x86's `MIS:`). x86 prints the hwirq and flow together (`327680-edge`)
//! instead of a trigger column; both spellings are understood.

use std::path::Path;

use crate::error::{Error, Result};
use crate::root::Root;

/// What labels a row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(untagged)]
pub enum IrqId {
    /// A Linux IRQ number (`/proc/irq/<n>`).
    Number(u32),
    /// An architecture row: `IPI0`, `Err`, `NMI`, `MIS`, ...
    Named(String),
}

/// Interrupt trigger type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IrqTrigger {
    /// Level-triggered.
    Level,
    /// Edge-triggered.
    Edge,
}

/// One row of `/proc/interrupts`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InterruptRow {
    /// The IRQ number or row name.
    pub id: IrqId,
    /// Counts per online CPU, in header order. Summary rows (`Err`, `MIS`)
    /// have a single total instead.
    pub counts: Vec<u64>,
    /// The irqchip (`GICv3`, `ITS-MSI`, `gpio0`); `None` on architecture
    /// rows.
    pub chip: Option<String>,
    /// The hardware IRQ number within the chip's domain.
    pub hwirq: Option<u64>,
    /// Level or edge, when the kernel prints it.
    pub trigger: Option<IrqTrigger>,
    /// The flow handler name when printed (`edge`, `fasteoi` on x86).
    pub flow: Option<String>,
    /// The handlers' names (`ahci[0000:01:00.0]`, `end0`), in request order.
    pub actions: Vec<String>,
    /// The text of an architecture row (`Rescheduling interrupts`).
    pub description: Option<String>,
}

impl InterruptRow {
    /// The Linux IRQ number, for numbered rows.
    pub fn irq(&self) -> Option<u32> {
        match self.id {
            IrqId::Number(n) => Some(n),
            IrqId::Named(_) => None,
        }
    }

    /// The sum over CPUs.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Whether any action name contains `text` (case-sensitive, like the
    /// `awk /xhci/` matches of Armbian's script).
    pub fn action_contains(&self, text: &str) -> bool {
        self.actions.iter().any(|a| a.contains(text))
    }
}

/// The parsed contents of `/proc/interrupts`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Interrupts {
    /// The CPU numbers of the count columns (online CPUs only).
    pub cpus: Vec<u32>,
    /// The rows, in file order.
    pub rows: Vec<InterruptRow>,
}

const HEADER: &str = "a header of CPU columns such as `CPU0 CPU1`";
const ROW: &str = "`<irq>: <count per CPU> <chip> <hwirq> <trigger>  <actions>`, `<name>: <count per CPU> <text>` or `<name>: <count>`";

impl Interrupts {
    /// Reads and parses `<root>/proc/interrupts`.
    pub fn read(root: &Root) -> Result<Interrupts> {
        let path = root.proc().join("interrupts");
        // A table of CPUs × IRQs, not a one-page attribute.
        let text = root.read_with_limit(&path, crate::TABLE_LIMIT)?;
        Interrupts::parse(&text, &path)
    }

    /// Parses the text of `/proc/interrupts`. `source` only labels errors
    /// (which name it and the 1-based line number); nothing is read.
    pub fn parse(text: &str, source: &Path) -> Result<Interrupts> {
        let mut lines = text.lines().enumerate();
        let (_, header) =
            lines.next().ok_or_else(|| Error::malformed_line(source, 1, "", HEADER))?;
        let cpus =
            parse_header(header).ok_or_else(|| Error::malformed_line(source, 1, header, HEADER))?;
        let mut rows = Vec::new();
        for (i, line) in lines {
            if line.trim().is_empty() {
                continue;
            }
            let row = parse_row(line, cpus.len())
                .ok_or_else(|| Error::malformed_line(source, i + 1, line, ROW))?;
            rows.push(row);
        }
        Ok(Interrupts { cpus, rows })
    }

    /// Numbered rows whose action names contain `text`.
    pub fn matching(&self, text: &str) -> impl Iterator<Item = &InterruptRow> + '_ {
        let text = text.to_owned();
        self.rows.iter().filter(move |r| r.irq().is_some() && r.action_contains(&text))
    }

    /// Numbered rows with an action named exactly `name` (a netdev's IRQ is
    /// named after the interface).
    pub fn with_action(&self, name: &str) -> impl Iterator<Item = &InterruptRow> + '_ {
        let name = name.to_owned();
        self.rows.iter().filter(move |r| r.irq().is_some() && r.actions.contains(&name))
    }

    /// The row for IRQ `irq`.
    pub fn get(&self, irq: u32) -> Option<&InterruptRow> {
        self.rows.iter().find(|r| r.irq() == Some(irq))
    }
}

fn parse_header(line: &str) -> Option<Vec<u32>> {
    let cpus: Option<Vec<u32>> =
        line.split_whitespace().map(|w| w.strip_prefix("CPU")?.parse().ok()).collect();
    cpus.filter(|c| !c.is_empty())
}

/// Splits off the next whitespace-separated token.
fn token(text: &str) -> Option<(&str, &str)> {
    let text = text.trim_start();
    if text.is_empty() {
        return None;
    }
    let end = text.find(char::is_whitespace).unwrap_or(text.len());
    Some((&text[..end], &text[end..]))
}

fn parse_row(line: &str, ncpus: usize) -> Option<InterruptRow> {
    let (label, rest) = line.trim_start().split_once(':')?;
    if label.is_empty() || label.contains(char::is_whitespace) {
        return None;
    }
    match label.parse::<u32>() {
        Ok(n) => parse_irq_row(n, rest, ncpus),
        Err(_) if label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            parse_arch_row(label, rest, ncpus)
        }
        Err(_) => None,
    }
}

fn parse_irq_row(irq: u32, mut rest: &str, ncpus: usize) -> Option<InterruptRow> {
    let mut counts = Vec::with_capacity(ncpus);
    for _ in 0..ncpus {
        let (word, tail) = token(rest)?;
        counts.push(word.parse().ok()?);
        rest = tail;
    }
    let (chip, tail) = token(rest)?;
    if chip.parse::<u64>().is_ok() {
        return None; // more counts than CPUs
    }
    rest = tail;
    let mut hwirq = None;
    let mut flow = None;
    if let Some((word, tail)) = token(rest) {
        let (digits, suffix) = match word.split_once('-') {
            Some((d, s)) => (d, Some(s)),
            None => (word, None),
        };
        if let Ok(n) = digits.parse::<u64>() {
            hwirq = Some(n);
            flow = suffix.map(str::to_owned);
            rest = tail;
        }
    }
    let mut trigger = None;
    if let Some((word, tail)) = token(rest) {
        let t = match word {
            "Level" => Some(IrqTrigger::Level),
            "Edge" => Some(IrqTrigger::Edge),
            _ => None,
        };
        if t.is_some() {
            trigger = t;
            rest = tail;
            // desc->name follows as "-name" when set.
            if let Some((name, tail)) =
                token(rest).and_then(|(word, tail)| Some((word.strip_prefix('-')?, tail)))
            {
                flow = Some(name.to_owned());
                rest = tail;
            }
        }
    }
    let actions = rest.trim();
    let actions = if actions.is_empty() {
        Vec::new()
    } else {
        actions.split(", ").map(|a| a.trim().to_owned()).collect()
    };
    Some(InterruptRow {
        id: IrqId::Number(irq),
        counts,
        chip: Some(chip.to_owned()),
        hwirq,
        trigger,
        flow,
        actions,
        description: None,
    })
}

/// A named row: a count per CPU and a description (`IPI0: … Rescheduling
/// interrupts`), or one system-wide counter and nothing else (`Err:`,
/// x86's `ERR:` and `MIS:`). Anything in between is a truncated line.
fn parse_arch_row(label: &str, mut rest: &str, ncpus: usize) -> Option<InterruptRow> {
    let mut counts = Vec::new();
    while counts.len() < ncpus {
        match token(rest) {
            Some((word, tail)) => match word.parse::<u64>() {
                Ok(n) => {
                    counts.push(n);
                    rest = tail;
                }
                Err(_) => break,
            },
            None => break,
        }
    }
    let text = rest.trim();
    let single_counter = counts.len() == 1 && text.is_empty();
    let more_counts_than_cpus = token(text).is_some_and(|(w, _)| w.parse::<u64>().is_ok());
    if (counts.len() != ncpus && !single_counter) || more_counts_than_cpus {
        return None;
    }
    Some(InterruptRow {
        id: IrqId::Named(label.to_owned()),
        counts,
        chip: None,
        hwirq: None,
        trigger: None,
        flow: None,
        actions: Vec::new(),
        description: (!text.is_empty()).then(|| text.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use crate::testing::Fixture;

    /// An RK3399 running Armbian 6.x, trimmed.
    const RK3399: &str = "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       
 11:      88412      61234      59870      57321      91822      87710     GICv3  30 Level     arch_timer
 14:          0          0          0          0          0          0  GICv3-23   0 Level     arm-pmu
 24:        812          0          0    1203340          0          0     GICv3  44 Level     end0
 31:         91          0          0          0    4021117          0     GICv3 142 Level     xhci-hcd:usb1
 37:          0          0          0          0          0          0     GICv3  51 Level     panfrost-job
 56:          0          0          0          0          0          0     gpio0   3 Edge      User Button 1
 75:       1020          0          0          0    1861220          0   ITS-MSI 524288 Edge      ahci[0000:01:00.0]
 76:          0          0          0          0          0          0   ITS-MSI   0 Edge      PCIe PME, aerdrv
 77:          1          0          0          0          0          0     gpio0   5 Edge    
IPI0:     41233      38122      36654      35120      12300      11987  Rescheduling interrupts
IPI3:         0          0          0          0          0          0  CPU stop (for crash dump) interrupts
Err:          0
";

    fn parse(text: &str) -> Result<Interrupts> {
        Interrupts::parse(text, Path::new("/proc/interrupts"))
    }

    #[test]
    fn parses_an_rk3399_sample() {
        let ints = parse(RK3399).unwrap();
        assert_eq!(ints.cpus, [0, 1, 2, 3, 4, 5]);
        assert_eq!(ints.rows.len(), 12);
        let timer = ints.get(11).unwrap();
        assert_eq!(timer.chip.as_deref(), Some("GICv3"));
        assert_eq!(timer.hwirq, Some(30));
        assert_eq!(timer.trigger, Some(IrqTrigger::Level));
        assert_eq!(timer.actions, ["arch_timer"]);
        assert_eq!(timer.total(), 88412 + 61234 + 59870 + 57321 + 91822 + 87710);
        let ahci = ints.get(75).unwrap();
        assert_eq!((ahci.chip.as_deref(), ahci.hwirq), (Some("ITS-MSI"), Some(524_288)));
        assert_eq!(ahci.counts[4], 1_861_220);
        assert_eq!(ints.get(76).unwrap().actions, ["PCIe PME", "aerdrv"]);
        assert_eq!(ints.get(56).unwrap().actions, ["User Button 1"]);
        assert_eq!(ints.get(14).unwrap().chip.as_deref(), Some("GICv3-23"));
        let freed = ints.get(77).unwrap();
        assert!(freed.actions.is_empty());
        assert_eq!(freed.trigger, Some(IrqTrigger::Edge));
        let ipi = &ints.rows[9];
        assert_eq!(ipi.id, IrqId::Named("IPI0".into()));
        assert_eq!(ipi.counts.len(), 6);
        assert_eq!(ipi.description.as_deref(), Some("Rescheduling interrupts"));
        assert_eq!(
            ints.rows[10].description.as_deref(),
            Some("CPU stop (for crash dump) interrupts")
        );
        let err = ints.rows.last().unwrap();
        assert_eq!((err.id.clone(), err.counts.clone()), (IrqId::Named("Err".into()), vec![0]));
        assert_eq!(err.description, None);
    }

    #[test]
    fn finds_irqs_by_action() {
        let ints = parse(RK3399).unwrap();
        let irqs = |t: &str| ints.matching(t).filter_map(InterruptRow::irq).collect::<Vec<_>>();
        assert_eq!(irqs("xhci"), [31]);
        assert_eq!(irqs("ahci"), [75]);
        assert_eq!(irqs("Mali"), Vec::<u32>::new(), "panfrost is not Mali to awk");
        assert_eq!(irqs("panfrost"), [37]);
        assert_eq!(
            ints.with_action("end0").filter_map(InterruptRow::irq).collect::<Vec<_>>(),
            [24]
        );
        assert_eq!(ints.with_action("end").count(), 0, "exact match only");
    }

    #[test]
    fn parses_x86_and_newer_its_spellings() {
        let x86 = "            CPU0       CPU1
   0:         44          0   IO-APIC   2-edge      timer
  24:          0      12345  PCI-MSI 327680-edge      xhci_hcd
  25:          0          0  ITS-PCI-MSI-0000:01:00.0   0 Edge      ahci[0000:01:00.0]
  26:          5          0   IO-APIC  19-fasteoi   ata_piix, ata_piix
 NMI:          0          0   Non-maskable interrupts
 LOC:     123456     654321   Local timer interrupts
 ERR:          0
 MIS:          0
";
        let ints = parse(x86).unwrap();
        assert_eq!(ints.cpus, [0, 1]);
        let xhci = ints.get(24).unwrap();
        assert_eq!(
            (xhci.hwirq, xhci.flow.as_deref(), xhci.trigger),
            (Some(327_680), Some("edge"), None)
        );
        assert_eq!(ints.get(25).unwrap().chip.as_deref(), Some("ITS-PCI-MSI-0000:01:00.0"));
        assert_eq!(ints.get(26).unwrap().actions, ["ata_piix", "ata_piix"]);
        let mis = ints.rows.last().unwrap();
        assert_eq!(mis.id, IrqId::Named("MIS".into()));
        assert_eq!(mis.counts, [0]);
        assert_eq!(ints.rows[4].description.as_deref(), Some("Non-maskable interrupts"));
    }

    #[test]
    fn offline_cpus_shrink_every_row() {
        let text = "           CPU0       CPU4
 24:          1          2     GICv3  44 Level     end0
";
        let ints = parse(text).unwrap();
        assert_eq!(ints.cpus, [0, 4]);
        assert_eq!(ints.get(24).unwrap().counts, [1, 2]);
    }

    #[test]
    fn malformed_lines_name_the_file_and_line() {
        let cases = [
            ("", 1),
            ("garbage header\n", 1),
            ("      CPU0\n 24: 1 GICv3 44 Level end0\nnot a row\n", 3),
            ("      CPU0       CPU1\n 24:          1     GICv3  44 Level     end0\n", 2),
            ("      CPU0\n 24:          1          7     GICv3  44 Level     end0\n", 2),
            ("      CPU0\n 24:          x     GICv3  44 Level     end0\n", 2),
            ("      CPU0\n 24:          1\n", 2),
            ("      CPU0\n-5:          1     GICv3  44 Level     end0\n", 2),
            ("      CPU0\nIPI 0:          1  Rescheduling\n", 2),
            // A named row cut short is rejected like a numbered one: a
            // count per CPU, or one counter alone (Err:), nothing between.
            ("      CPU0   CPU1   CPU2\nIPI0:   41233   38122  Rescheduling interrupts\n", 2),
            ("      CPU0   CPU1\nIPI0:  Rescheduling interrupts\n", 2),
            ("      CPU0   CPU1\nErr:   1  2  3\n", 2),
        ];
        for (text, line) in cases {
            let e = parse(text).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::Malformed, "{text:?}");
            assert_eq!(e.path(), Some(Path::new("/proc/interrupts")));
            match &e {
                Error::MalformedLine { line: l, .. } => assert_eq!(*l, line, "{text:?}"),
                other => panic!("{other:?}"),
            }
            let shown = e.to_string();
            assert!(shown.contains(&format!("line {line} of /proc/interrupts")), "{shown}");
        }
    }

    #[test]
    fn both_fixtures_parse_and_name_the_board_irqs() {
        for f in Fixture::ALL {
            let ints = Interrupts::read(&f.root()).unwrap();
            assert_eq!(ints.cpus.len(), 6, "{f:?}");
            let lan1 = if f == Fixture::Armbian { "end0" } else { "eth0" };
            assert_eq!(ints.with_action(lan1).count(), 1, "{f:?}");
            assert_eq!(ints.matching("xhci").count(), 2);
            assert_eq!(ints.matching("ahci").count(), 1);
            assert_eq!(ints.get(24).unwrap().hwirq, Some(44), "GMAC is GIC SPI 12");
        }
    }

    #[test]
    fn a_missing_file_names_it() {
        let dir = tempfile::tempdir().unwrap();
        let e = Interrupts::read(&Root::new(dir.path())).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::NotFound);
        assert!(e.path().unwrap().ends_with("proc/interrupts"));
    }
}
