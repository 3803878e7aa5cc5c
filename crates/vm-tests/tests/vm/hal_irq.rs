//! helios64-hal's interrupt and CPU modules against a running kernel:
//! `/proc/interrupts` as the VM's kernel prints it, affinity writes on a real
//! IRQ (the e1000's), and a pinning plan applied and checked.

use std::collections::BTreeMap;

use helios64_hal::{
    CpuSet, CpuTopology, Error, ErrorKind, Interrupts, IoOp, Irq, IrqMatch, IrqRule, NicRole,
    PinAction, PinningPlan, Root, RpsRule,
};
use vm_env::{board, require_guest};

use crate::common::read;

fn lan1_irq(ints: &Interrupts) -> u32 {
    let rows: Vec<_> = ints.with_action(board::LAN1).collect();
    assert_eq!(rows.len(), 1, "{} IRQ rows: {rows:?}", board::LAN1);
    rows[0].irq().unwrap()
}

#[test]
fn proc_interrupts_parses_with_the_online_cpus_as_columns() {
    require_guest();
    let root = Root::system();
    let ints = Interrupts::read(&root).unwrap();
    let online = CpuSet::parse_list(&read("/sys/devices/system/cpu/online")).unwrap();
    assert_eq!(ints.cpus.iter().copied().collect::<CpuSet>(), online);
    assert!(
        ints.rows.iter().filter(|r| r.irq().is_some()).all(|r| r.counts.len() == ints.cpus.len())
    );
    assert!(ints.matching("ahci").count() >= 1, "the bays' controller has an IRQ");
    let lan1 = ints.get(lan1_irq(&ints)).unwrap();
    assert!(lan1.chip.is_some() && lan1.hwirq.is_some(), "{lan1:?}");
    let irq = Irq::open(&root, lan1.irq().unwrap()).unwrap();
    assert_eq!(irq.actions().unwrap(), [board::LAN1]);
}

#[test]
fn irq_affinity_write_reads_back() {
    require_guest();
    let root = Root::system();
    let irq = Irq::open(&root, lan1_irq(&Interrupts::read(&root).unwrap())).unwrap();
    let before = irq.affinity().unwrap();
    let one = CpuSet::from_cpus([1]);
    irq.set_affinity(&one).unwrap();
    let (list, mask, effective) = (irq.affinity(), irq.affinity_mask(), irq.effective_affinity());
    irq.set_affinity_mask(&CpuSet::from_cpus([0])).unwrap();
    let via_mask = irq.affinity();
    irq.set_affinity(&before).unwrap();

    assert_eq!(list.unwrap(), one);
    assert_eq!(mask.unwrap(), one);
    // x86 moves an IO-APIC/MSI interrupt at its next occurrence, so the
    // effective CPU may still be the old one; it is always an online CPU.
    let effective = effective.unwrap().expect("effective_affinity_list on a 6.12 kernel");
    assert_eq!(effective.len(), 1, "{effective}");
    assert!(effective.is_subset(&CpuSet::from_cpus([0, 1])), "{effective}");
    assert_eq!(via_mask.unwrap(), CpuSet::from_cpus([0]));
    assert_eq!(irq.affinity().unwrap(), before);
}

#[test]
fn the_kernel_refusing_an_affinity_names_the_file() {
    require_guest();
    let root = Root::system();
    let irq = Irq::open(&root, lan1_irq(&Interrupts::read(&root).unwrap())).unwrap();
    // CPU 7 is beyond nr_cpu_ids: the kernel's list parser answers ERANGE.
    let e = irq.set_affinity(&CpuSet::from_cpus([7])).unwrap_err();
    assert_eq!(e.path(), Some(irq.affinity_list_path().as_path()), "{e}");
    assert!(matches!(e, Error::Io { op: IoOp::Write, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e:?}");
    assert_eq!(irq.affinity().unwrap().len(), 2, "nothing changed");
}

#[test]
fn a_pinning_plan_resolves_applies_and_checks() {
    require_guest();
    let root = Root::system();
    let online = CpuTopology::read(&root).unwrap().online();
    assert_eq!(online, CpuSet::from_cpus([0, 1]), "the VM boots with 2 vCPUs");
    let ints = Interrupts::read(&root).unwrap();
    // The VM's e1000 plays LAN1 for the plan.
    let nics = BTreeMap::from([(NicRole::Lan1, board::LAN1.to_owned())]);

    // Armbian's plan names CPUs 3-5: refused whole, nothing half-applied.
    let e = PinningPlan::armbian_helios64().resolve(&ints, &nics, &online).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    let plan = PinningPlan {
        name: "vm".into(),
        irqs: vec![
            IrqRule {
                matcher: IrqMatch::ActionContains { text: "ahci".into() },
                cpus: CpuSet::from_cpus([1]),
                reason: "SATA to CPU1".into(),
            },
            IrqRule {
                matcher: IrqMatch::NicIrq { nic: NicRole::Lan1 },
                cpus: CpuSet::from_cpus([0]),
                reason: "LAN1 to CPU0".into(),
            },
        ],
        rps: vec![RpsRule {
            nic: NicRole::Lan1,
            rx_queue: 0,
            cpus: CpuSet::from_cpus([1]),
            flow_count: Some(256),
            reason: "LAN1 receive on CPU1".into(),
        }],
        xps: vec![],
        rps_sock_flow_entries: Some(1024),
    };
    let res = plan.resolve(&ints, &nics, &online).unwrap();
    assert!(res.unmatched.is_empty(), "{:?}", res.unmatched);
    let lan1 = lan1_irq(&ints);
    assert!(
        res.actions.iter().any(|a| matches!(a, PinAction::IrqAffinity { irq, .. } if *irq == lan1))
    );

    // Remember, apply, check, restore.
    let irqs: Vec<u32> = res
        .actions
        .iter()
        .filter_map(|a| match a {
            PinAction::IrqAffinity { irq, .. } => Some(*irq),
            _ => None,
        })
        .collect();
    let saved: Vec<(u32, CpuSet)> =
        irqs.iter().map(|n| (*n, Irq::open(&root, *n).unwrap().affinity().unwrap())).collect();
    let rx = helios64_hal::NetInterface::by_name(&root, board::LAN1).unwrap().rx_queue(0).unwrap();
    let saved_rx = (rx.rps_cpus().unwrap(), rx.rps_flow_cnt().unwrap());
    let saved_entries = helios64_hal::rps_sock_flow_entries(&root).unwrap();

    let applied: Vec<_> = res.actions.iter().map(|a| a.apply(&root)).collect();
    let checked: Vec<_> = res.actions.iter().map(|a| a.is_applied(&root)).collect();

    for (n, cpus) in &saved {
        Irq::open(&root, *n).unwrap().set_affinity(cpus).unwrap();
    }
    rx.set_rps_cpus(&saved_rx.0).unwrap();
    rx.set_rps_flow_cnt(saved_rx.1).unwrap();
    helios64_hal::set_rps_sock_flow_entries(&root, saved_entries).unwrap();

    for (action, result) in res.actions.iter().zip(applied) {
        result.unwrap_or_else(|e| panic!("{action:?}: {e}"));
    }
    for (action, result) in res.actions.iter().zip(checked) {
        assert!(result.unwrap(), "not applied: {action:?}");
    }
}

#[test]
fn cpu_topology_reads_the_vm_cpus() {
    require_guest();
    let topo = CpuTopology::read(&Root::system()).unwrap();
    assert_eq!(topo.cpus.len(), 2);
    assert!(topo.cpus.iter().all(|c| c.online && c.package_id.is_some()), "{topo:?}");
    assert_eq!(topo.clusters.iter().map(|c| c.cpus.len()).sum::<usize>(), 2);
    // x86 has no MIDR; the strongest CPUs are all of them when no capacity
    // tells them apart.
    assert!(topo.cpus.iter().all(|c| c.midr.is_none()));
    assert_eq!(topo.strongest_cpus(), topo.online());
}
