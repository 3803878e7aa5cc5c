//! helios64-pin against literal `/proc/interrupts` text and both fixture
//! boards: rule matching, masks, drift, apply, and refused configurations
//! with file:line:column.
#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::Path;

use helios64_hal::testing::{Fixture, copy_fixture};
use helios64_hal::{
    CheckOutcome, CpuSet, Interrupts, NicRole, PinAction, PinSetting, PinningPlan, Root,
};
use helios64_pin::{PinConfig, PinError, Pinning};
use helios64_service::{ConfigSource, Loaded};

fn load(dir: &Path, text: &str) -> Result<Loaded<PinConfig>, helios64_service::Error> {
    std::fs::write(dir.join("pin.toml"), text).unwrap();
    ConfigSource::new("pin").with_dir(dir).load::<PinConfig>()
}

fn defaults() -> Loaded<PinConfig> {
    let dir = tempfile::tempdir().unwrap();
    ConfigSource::new("pin").with_dir(dir.path()).load::<PinConfig>().unwrap()
}

fn irq_masks(p: &Pinning) -> Vec<(u32, String)> {
    p.resolution
        .actions
        .iter()
        .filter_map(|a| match a {
            PinAction::IrqAffinity { irq, cpus, .. } => Some((*irq, cpus.to_list_string())),
            _ => None,
        })
        .collect()
}

fn rps(p: &Pinning) -> Vec<(String, u32, String)> {
    p.resolution
        .actions
        .iter()
        .filter_map(|a| match a {
            PinAction::RpsCpus { interface, queue, cpus, .. } => {
                Some((interface.clone(), *queue, cpus.to_list_string()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn the_default_is_armbians_plan_plus_lan2_off_the_xhci_cpu() {
    let config = PinConfig::default();
    let plan = config.plan();
    let armbian = PinningPlan::armbian_helios64();
    assert_eq!(plan.irqs, armbian.irqs);
    assert_eq!(plan.rps[0], armbian.rps[0]);
    assert_eq!(plan.rps.len(), 2);
    assert_eq!(plan.rps[1].nic, NicRole::Lan2);
    assert_eq!(plan.rps[1].cpus, CpuSet::parse_list("0-3,5").unwrap());
    assert_eq!(plan.rps_sock_flow_entries, Some(32768));
    // The defaults survive the runtime's serialize-and-load round trip.
    assert_eq!(defaults().into_config(), config);
}

const SAMPLE: &str = "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5
 24:          0          0          0          0          0          0     GICv3  44 Level     end0
 31:          0          0          0          0          0          0     GICv3 142 Level     xhci-hcd:usb1
 32:          0          0          0          0          0          0     GICv3 137 Level     xhci-hcd:usb3
 75:          0          0          0          0          0          0   ITS-MSI 524288 Edge      ahci[0000:01:00.0]
";

/// LAN2 re-enumerated after a USB reset: the xhci IRQs come back under
/// other numbers and the interface under another name.
const REENUMERATED: &str = "           CPU0       CPU1       CPU2       CPU3       CPU4       CPU5
 24:          0          0          0          0          0          0     GICv3  44 Level     end0
 75:          0          0          0          0          0          0   ITS-MSI 524288 Edge      ahci[0000:01:00.0]
 88:          0          0          0          0          0          0     GICv3 142 Level     xhci-hcd:usb1
 89:          0          0          0          0          0          0     GICv3 137 Level     xhci-hcd:usb3
";

#[test]
fn rules_follow_identity_across_a_reenumeration() {
    let online = CpuSet::parse_list("0-5").unwrap();
    let config = PinConfig::default();
    let before = BTreeMap::from([(NicRole::Lan1, "end0".into()), (NicRole::Lan2, "eth1".into())]);
    let after = BTreeMap::from([(NicRole::Lan1, "end0".into()), (NicRole::Lan2, "eth2".into())]);
    let ints = Interrupts::parse(SAMPLE, Path::new("/proc/interrupts")).unwrap();
    let p = Pinning::resolve_with(&config, &ints, &before, &online).unwrap();
    assert_eq!(
        irq_masks(&p),
        [(24, "3".into()), (31, "4".into()), (32, "4".into()), (75, "4-5".into())]
    );
    assert_eq!(rps(&p), [("end0".into(), 0, "0-2".into()), ("eth1".into(), 0, "0-3,5".into())]);

    let ints = Interrupts::parse(REENUMERATED, Path::new("/proc/interrupts")).unwrap();
    let p = Pinning::resolve_with(&config, &ints, &after, &online).unwrap();
    assert_eq!(
        irq_masks(&p),
        [(24, "3".into()), (75, "4-5".into()), (88, "4".into()), (89, "4".into())]
    );
    assert_eq!(rps(&p), [("end0".into(), 0, "0-2".into()), ("eth2".into(), 0, "0-3,5".into())]);

    // Without LAN2 its rule matches nothing: reported, not an error.
    let lan1_only = BTreeMap::from([(NicRole::Lan1, "end0".into())]);
    let p = Pinning::resolve_with(&config, &ints, &lan1_only, &online).unwrap();
    assert!(p.resolution.unmatched.iter().any(|r| r.starts_with("LAN2")), "{:?}", p.resolution);
}

#[test]
fn the_armbian_board_drifts_only_on_lan2_and_apply_fixes_it() {
    let (_d, root) = copy_fixture(Fixture::Armbian);
    let p = Pinning::resolve(&root, &defaults()).unwrap();
    let report = p.check(&root);
    let drifted: Vec<String> = report.drifted().map(|c| helios64_pin::target(&c.action)).collect();
    assert_eq!(drifted, ["eth1 rx-0 rps_cpus", "eth1 rx-0 rps_flow_cnt"], "{:#?}", report.lines());
    assert_eq!(report.unreadable().count(), 0);

    let applied = p.apply(&root, false);
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    let lines: Vec<String> = applied.changes.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines[0],
        format!(
            "eth1 rx-0 rps_cpus: none -> 0-3,5 ({})",
            PinConfig::default().rps[1].reason.clone().unwrap()
        )
    );
    assert_eq!(applied.changes.len(), 2);
    assert_eq!(p.check(&root).drifted().count(), 0);
    // Idempotent: nothing left to write.
    let again = p.apply(&root, false);
    assert!(again.changes.is_empty() && again.failures.is_empty());
}

#[test]
fn the_mainline_board_drifts_and_a_dry_run_writes_nothing() {
    let (_d, root) = copy_fixture(Fixture::Mainline);
    let p = Pinning::resolve(&root, &defaults()).unwrap();
    let before = p.check(&root);
    let xhci = before
        .settings
        .iter()
        .find(|c| matches!(c.action, PinAction::IrqAffinity { irq: 31, .. }))
        .unwrap();
    assert_eq!(
        xhci.outcome,
        CheckOutcome::Drifted { now: PinSetting::Cpus(CpuSet::parse_list("0-5").unwrap()) }
    );
    let dry = p.apply(&root, true);
    assert!(dry.changes.iter().all(|c| !c.written));
    assert_eq!(dry.changes.len(), before.drifted().count());
    assert_eq!(p.check(&root), before, "a dry run wrote");

    let applied = p.apply(&root, false);
    assert!(applied.failures.is_empty(), "{:?}", applied.failures);
    assert!(
        applied
            .changes
            .iter()
            .any(|c| c.to_string().starts_with("IRQ 31 (xhci-hcd:usb1): 0-5 -> 4"))
    );
    assert_eq!(p.check(&root).drifted().count(), 0);
}

#[test]
fn a_failed_write_is_reported_and_the_rest_applied() {
    let (d, root) = copy_fixture(Fixture::Mainline);
    // IRQ 31's write made to fail (a directory where the file was; root
    // ignores permissions): its failure is reported, the others go on.
    let file = d.path().join("proc/irq/31/smp_affinity_list");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let p = Pinning::resolve(&root, &defaults()).unwrap();
    let applied = p.apply(&root, false);
    assert_eq!(applied.failures.len(), 1, "{:?}", applied.failures);
    assert!(
        applied.failures[0].error.contains("irq/31/smp_affinity_list"),
        "{}",
        applied.failures[0]
    );
    let report = p.check(&root);
    assert_eq!(report.drifted().count(), 0);
    assert_eq!(report.unreadable().count(), 1, "{:#?}", report.lines());
}

#[test]
fn bad_configs_are_refused_at_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("pin.toml").display().to_string();
    for (text, expected) in [
        ("[[irq]]\nactoin = \"xhci\"\ncpus = \"4\"\n", "2:1: irq[0].actoin: unknown key `actoin`"),
        (
            "[[irq]]\naction = \"xhci\"\nnic = \"lan1\"\ncpus = \"4\"\n",
            "3:1: irq[0].nic: give `action` or `nic`, not both",
        ),
        ("[[irq]]\ncpus = \"4\"\n", ": irq[0]: an IRQ rule needs `action`"),
        ("[[irq]]\naction = \"xhci\"\ncpus = \"4-\"\n", "3:8: irq[0].cpus: "),
        (
            "[[rps]]\nnic = \"lan3\"\nqueue = 0\ncpus = \"1\"\n",
            "2:7: rps[0].nic: unknown variant `lan3`",
        ),
        (
            "[[link]]\nnic = \"lan2\"\nadvertise = [\"Pause\"]\n",
            "3:1: link[0].advertise: Pause is not a speed/duplex mode",
        ),
        (
            "[[link]]\nnic = \"lan2\"\nadvertise = [\"2500baseT/Fast\"]\n",
            "3:13: link[0].advertise[0]: invalid link mode \"2500baseT/Fast\"",
        ),
        (
            "[[rps]]\nnic = \"lan1\"\nqueue = 0\ncpus = \"1\"\n[[rps]]\nnic = \"lan1\"\nqueue = 0\ncpus = \"2\"\n",
            "7:1: rps[1].queue: LAN1 queue 0 is already set by rps[0]",
        ),
    ] {
        let e = load(d, text).unwrap_err().to_string();
        assert!(e.starts_with(&file), "{text}: {e}");
        assert!(e.contains(expected), "{text}:\n{e}\nexpected {expected}");
    }
}

#[test]
fn an_offline_cpu_is_refused_at_its_key_before_anything_is_written() {
    let (d, root) = copy_fixture(Fixture::Armbian);
    let etc = d.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let loaded = load(&etc, "[[irq]]\naction = \"ahci\"\ncpus = \"4-7\"\n").unwrap();
    let e = Pinning::resolve(&root, &loaded).unwrap_err();
    assert!(matches!(e, PinError::Config(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.ends_with("pin.toml:3:1: irq[0].cpus: CPU 6 is not online (online: 0-5)"),
        "{text}"
    );
}

#[test]
fn a_missing_proc_interrupts_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = Pinning::resolve(&Root::new(dir.path()), &defaults()).unwrap_err();
    let chain = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(chain.contains("proc/interrupts"), "{chain}");
}

/// dist/config/pin.toml shows every key with its default: uncommented, it
/// is exactly the compiled-in configuration (so the two cannot drift).
#[test]
fn the_shipped_example_is_the_defaults_with_every_key() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist/config/pin.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let uncommented = helios64_service::config::example_settings(&text, &[]);
    // Parsed alone, not merged over the defaults: a missing key fails.
    let parsed: PinConfig =
        toml::from_str(&uncommented).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(parsed, PinConfig::default());
}

#[test]
fn a_link_policy_on_a_tree_is_reported_not_applied() {
    // A fixture tree refuses ioctls: the link policy is unreadable in the
    // check and a failure in apply, naming the interface; pinning still applies.
    let (d, root) = copy_fixture(Fixture::Armbian);
    let etc = d.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let loaded =
        load(&etc, "[[link]]\nnic = \"lan2\"\nadvertise = [\"2500baseT/Full\"]\n").unwrap();
    let p = Pinning::resolve(&root, &loaded).unwrap();
    assert_eq!(p.links.len(), 1);
    assert_eq!(p.links[0].interface, "eth1");
    assert_eq!(p.links[0].advertise.to_string(), "2500baseT/Full");
    let report = p.check(&root);
    assert_eq!(report.links_unreadable().count(), 1, "{:#?}", report.lines());
    let applied = p.apply(&root, false);
    assert_eq!(applied.failures.len(), 1, "{:?}", applied.failures);
    assert_eq!(applied.failures[0].target, "eth1 advertised link modes");
    assert_eq!(applied.changes.len(), 2, "LAN2's RPS still applied: {:?}", applied.changes);

    // Without LAN2 the policy matches nothing.
    let lan1_only = BTreeMap::from([(NicRole::Lan1, "end0".to_owned())]);
    let ints = Interrupts::parse(SAMPLE, Path::new("/proc/interrupts")).unwrap();
    let online = CpuSet::parse_list("0-5").unwrap();
    let p = Pinning::resolve_with(loaded.config(), &ints, &lan1_only, &online).unwrap();
    assert!(p.links.is_empty());
    assert!(p.resolution.unmatched.iter().any(|u| u == "LAN2 advertises only 2500baseT/Full"));
}
