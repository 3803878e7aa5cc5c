//! helios64-pin against a running kernel: a plan by identity resolved on the
//! guest's real `/proc/interrupts` (the AHCI controller, the e1000 as LAN1
//! `end0`), applied to `/proc/irq/*/smp_affinity_list`, LAN1's RPS files and
//! `rps_sock_flow_entries`, checked, and the drift seen once restored; a
//! link policy set on the e1000 through the ethtool ioctl and read back;
//! `helios64-pin watch` re-applying within a second of a netdevsim port's
//! net add.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use helios64_hal::{
    CheckOutcome, CpuSet, CpuTopology, Interrupts, Irq, NicRole, PinAction, PinSetting, Root,
};
use helios64_pin::{LinkOutcome, PinConfig, Pinning};
use vm_env::{board, require_guest};

use crate::common::{run_ok, write};

const VM_PLAN: &str = r#"
name = "vm"
rps_sock_flow_entries = 1000
xps = []
link = []

[watch]
debounce_ms = 300
min_interval_ms = 1000

[[irq]]
action = "ahci"
cpus = "1"

[[irq]]
nic = "lan1"
cpus = [0]

[[rps]]
nic = "lan1"
queue = 0
cpus = "1"
flow_count = 200
"#;

#[test]
fn a_plan_applies_and_checks_on_the_real_proc_irq_and_rps_files() {
    require_guest();
    let root = Root::system();
    let online = CpuTopology::read(&root).unwrap().online();
    assert_eq!(online, CpuSet::from_cpus([0, 1]), "the VM boots with 2 vCPUs");
    let ints = Interrupts::read(&root).unwrap();
    // The VM's e1000 plays LAN1 (hal finds the board's NICs by driver).
    let nics = BTreeMap::from([(NicRole::Lan1, board::LAN1.to_owned())]);

    // The default plan names CPUs 2-5: refused at its key, before any write.
    let e = Pinning::resolve_with(&PinConfig::default(), &ints, &nics, &online).unwrap_err();
    assert!(e.message.contains("is not online (online: 0-1)"), "{e:?}");
    assert!(e.key.to_string().ends_with(".cpus"), "{e:?}");

    let config: PinConfig = toml::from_str(VM_PLAN).unwrap();
    let pinning = Pinning::resolve_with(&config, &ints, &nics, &online).unwrap();
    assert!(pinning.resolution.unmatched.is_empty(), "{:?}", pinning.resolution.unmatched);
    let ahci: Vec<u32> = ints.matching("ahci").filter_map(|r| r.irq()).collect();
    assert!(!ahci.is_empty(), "the SATA controller ahci[0000:00:08.0] has an IRQ");
    let irqs: Vec<u32> = pinning
        .resolution
        .actions
        .iter()
        .filter_map(|a| match a {
            PinAction::IrqAffinity { irq, .. } => Some(*irq),
            _ => None,
        })
        .collect();
    for n in &ahci {
        assert!(irqs.contains(n), "IRQ {n} not planned: {irqs:?}");
    }

    // Remember, move off the plan, apply, check, restore, check again.
    let saved: Vec<(u32, CpuSet)> =
        irqs.iter().map(|n| (*n, Irq::open(&root, *n).unwrap().affinity().unwrap())).collect();
    let rx = helios64_hal::NetInterface::by_name(&root, board::LAN1).unwrap().rx_queue(0).unwrap();
    let saved_rx = (rx.rps_cpus().unwrap(), rx.rps_flow_cnt().unwrap());
    let saved_entries = helios64_hal::rps_sock_flow_entries(&root).unwrap();
    for n in &ahci {
        Irq::open(&root, *n).unwrap().set_affinity(&CpuSet::from_cpus([0])).unwrap();
    }
    rx.set_rps_cpus(&CpuSet::new()).unwrap();

    let before = pinning.check(&root);
    let applied = pinning.apply(&root, false);
    let after = pinning.check(&root);
    let rounded = (rx.rps_flow_cnt().unwrap(), helios64_hal::rps_sock_flow_entries(&root).unwrap());
    let again = pinning.apply(&root, false);

    for (n, cpus) in &saved {
        Irq::open(&root, *n).unwrap().set_affinity(cpus).unwrap();
    }
    rx.set_rps_cpus(&CpuSet::new()).unwrap();
    let restored = pinning.check(&root);
    rx.set_rps_cpus(&saved_rx.0).unwrap();
    rx.set_rps_flow_cnt(saved_rx.1).unwrap();
    helios64_hal::set_rps_sock_flow_entries(&root, saved_entries).unwrap();

    assert!(before.drifted().count() > ahci.len(), "{:#?}", before.lines());
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    let lines: Vec<String> = applied.changes.iter().map(ToString::to_string).collect();
    for n in &ahci {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("IRQ {n} (ahci")) && l.contains(": 0 -> 1")),
            "{lines:#?}"
        );
    }
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("{} rx-0 rps_cpus: none -> 1", board::LAN1))),
        "{lines:#?}"
    );
    // The kernel rounds flow counts up to a power of two; the check allows it.
    assert_eq!(rounded, (256, 1024));
    assert_eq!(after.drifted().count(), 0, "{:#?}", after.lines());
    assert_eq!(after.unreadable().count(), 0, "{:#?}", after.lines());
    assert!(again.changes.is_empty() && again.failures.is_empty(), "{again:?}");
    let rps_drift = restored.settings.iter().find(
        |c| matches!(&c.action, PinAction::RpsCpus { interface, .. } if interface == board::LAN1),
    );
    assert_eq!(
        rps_drift.map(|c| &c.outcome),
        Some(&CheckOutcome::Drifted { now: PinSetting::Cpus(CpuSet::new()) })
    );
}

/// Waits (up to 20 s) for LAN1's carrier after a renegotiation.
fn wait_for_carrier(name: &str) {
    let path = format!("/sys/class/net/{name}/carrier");
    for _ in 0..200 {
        if std::fs::read_to_string(&path).is_ok_and(|c| c.trim() == "1") {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{name} has no carrier after 20 s");
}

#[test]
fn a_link_policy_sets_the_advertised_modes_and_checks_them() {
    require_guest();
    let root = Root::system();
    let online = CpuTopology::read(&root).unwrap().online();
    let ints = Interrupts::read(&root).unwrap();
    let nics = BTreeMap::from([(NicRole::Lan1, board::LAN1.to_owned())]);
    let text = "name = \"vm-link\"\nirq = []\nrps = []\nxps = []\n\
        [watch]\ndebounce_ms = 300\nmin_interval_ms = 1000\n\
        [[link]]\nnic = \"lan1\"\nadvertise = [\"100baseT/Full\"]\n";
    let config: PinConfig = toml::from_str(text).unwrap();
    let pinning = Pinning::resolve_with(&config, &ints, &nics, &online).unwrap();
    assert_eq!(pinning.links.len(), 1);

    let before = pinning.check(&root);
    let applied = pinning.apply(&root, false);
    let after = pinning.check(&root);
    let shown = run_ok("ethtool", &[board::LAN1]);
    let again = pinning.apply(&root, false);
    let restored = helios64_hal::NetInterface::by_name(&root, board::LAN1).unwrap().advertise_all();
    let drift = pinning.check(&root);
    wait_for_carrier(board::LAN1);

    assert!(matches!(before.links[0].outcome, LinkOutcome::Drifted { .. }), "{before:?}");
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    assert_eq!(applied.changes.len(), 1, "{:?}", applied.changes);
    let line = applied.changes[0].to_string();
    assert!(line.starts_with(&format!("{} advertised link modes: ", board::LAN1)), "{line}");
    assert!(line.contains("1000baseT/Full") && line.contains("-> 100baseT/Full"), "{line}");
    assert_eq!(after.links[0].outcome, LinkOutcome::AsPlanned, "{after:?}");
    let block: String = shown
        .split("Advertised link modes:")
        .nth(1)
        .and_then(|rest| rest.split("Advertised pause").next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        block.split_whitespace().collect::<Vec<_>>(),
        ["100baseT/Full"],
        "ethtool(8): {shown}"
    );
    assert!(again.changes.is_empty() && again.failures.is_empty(), "{again:?}");
    restored.unwrap();
    assert!(matches!(drift.links[0].outcome, LinkOutcome::Drifted { .. }), "{drift:?}");
}

const WATCH_PLAN: &str = r#"
name = "vm-watch"
xps = []
rps = []
link = []

[watch]
debounce_ms = 200
min_interval_ms = 200

[[irq]]
action = "ahci"
cpus = "1"
"#;

fn ahci_irqs(root: &Root) -> Vec<Irq> {
    let ints = Interrupts::read(root).unwrap();
    ints.matching("ahci").filter_map(|r| r.irq()).map(|n| Irq::open(root, n).unwrap()).collect()
}

/// Polls until every AHCI IRQ is on `cpus`, up to `within`; the time taken.
fn until_on(irqs: &[Irq], cpus: &CpuSet, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if irqs.iter().all(|i| i.affinity().is_ok_and(|a| a == *cpus)) {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[test]
fn watch_reapplies_after_a_netdevsim_port_is_added() {
    let guest = require_guest();
    let root = Root::system();
    let irqs = ahci_irqs(&root);
    assert!(!irqs.is_empty());
    let saved: Vec<CpuSet> = irqs.iter().map(|i| i.affinity().unwrap()).collect();
    let state = std::path::Path::new("/run/helios64/pin.json");
    let state_before = std::fs::read(state).ok();
    let dir = guest.scratch_dir("pin").unwrap();
    let config = dir.join("pin.toml");
    std::fs::write(&config, WATCH_PLAN).unwrap();
    let (cpu0, cpu1) = (CpuSet::from_cpus([0]), CpuSet::from_cpus([1]));
    for irq in &irqs {
        irq.set_affinity(&cpu0).unwrap();
    }

    let child = Command::new(guest.binary("helios64-pin").unwrap())
        .arg("--config")
        .arg(&config)
        .arg("watch")
        .env("HELIOS64_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let at_start = until_on(&irqs, &cpu1, Duration::from_secs(5));
    // Moved away by hand, then a netdevsim port appears: a net add.
    std::thread::sleep(Duration::from_millis(500));
    for irq in &irqs {
        irq.set_affinity(&cpu0).unwrap();
    }
    let untouched = until_on(&irqs, &cpu1, Duration::from_millis(400));
    let id = 200 + std::process::id() % 10_000;
    write("/sys/bus/netdevsim/new_device", &format!("{id} 1"));
    let after_event = until_on(&irqs, &cpu1, Duration::from_secs(3));
    write("/sys/bus/netdevsim/del_device", &id.to_string());

    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), libc::SIGTERM) };
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let written = std::fs::read_to_string(state).unwrap_or_default();
    for (irq, cpus) in irqs.iter().zip(&saved) {
        irq.set_affinity(cpus).unwrap();
    }
    // Health reads the state file's presence as "pinning is managed".
    match state_before {
        Some(bytes) => std::fs::write(state, bytes).unwrap(),
        None => {
            let _ = std::fs::remove_file(state);
        }
    }

    assert!(at_start.is_some(), "not applied at start:\n{stderr}");
    assert!(untouched.is_none(), "re-applied without an event:\n{stderr}");
    // Within the 3 s wait (200 ms of debounce; no tighter bound: under TCG
    // on a shared host a second is not a property of the daemon).
    assert!(after_event.is_some(), "not re-applied after net add:\n{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains(": 0 -> 1") && stderr.contains("[after net add "), "{stderr}");
    assert!(written.contains("\"daemon\":\"pin\""), "{written}");
}
