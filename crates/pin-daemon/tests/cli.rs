//! `helios64-pin` on copies of the fixture boards: check, apply, dry run,
//! --check-config, and one watch cycle with its state file.
#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use helios64_hal::testing::{Fixture, copy_fixture};

fn pin(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_helios64-pin"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn check_reports_lan2_drift_and_apply_clears_it() {
    let (d, _root) = copy_fixture(Fixture::Armbian);
    let o = pin(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("drift: eth1 rx-0 rps_cpus is none, planned 0-3,5"), "{out}");
    assert!(out.contains("ok: IRQ 31 (xhci-hcd:usb1) is 4"), "{out}");

    let o = pin(d.path(), &["check", "--json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["plan"], "helios64");
    let drifted: Vec<&serde_json::Value> = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["outcome"]["state"] == "drifted")
        .collect();
    assert_eq!(drifted.len(), 2, "{v:#}");
    assert_eq!(drifted[0]["action"], "rps_cpus");
    assert_eq!(drifted[0]["interface"], "eth1");

    let o = pin(d.path(), &["apply", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("eth1 rx-0 rps_cpus: none -> 0-3,5 (dry run)"), "{}", stdout(&o));
    assert_eq!(pin(d.path(), &["check"]).status.code(), Some(1), "the dry run wrote");

    let o = pin(d.path(), &["apply"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stdout(&o).contains("helios64: 2 changed"), "{}", stdout(&o));
    assert_eq!(
        std::fs::read_to_string(d.path().join(
            "sys/devices/platform/usb@fe900000/fe900000.usb/xhci-hcd.2.auto/usb2/2-1/2-1.4/2-1.4:1.0/net/eth1/queues/rx-0/rps_cpus"
        ))
        .unwrap()
        .trim(),
        "2f"
    );
    let o = pin(d.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn check_config_refuses_an_offline_cpu_and_prints_the_effective_config() {
    let (d, _root) = copy_fixture(Fixture::Mainline);
    let o = pin(d.path(), &["--check-config"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("name = \"helios64\""), "{out}");
    assert!(out.contains("[[rps]]"), "{out}");

    let etc = d.path().join("etc/helios64");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("pin.toml"), "[[irq]]\naction = \"ahci\"\ncpus = [4, 6]\n").unwrap();
    for args in [&["--check-config"][..], &["apply"], &["check"]] {
        let o = pin(d.path(), args);
        assert_eq!(o.status.code(), Some(78), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("pin.toml:3:1: irq[0].cpus: CPU 6 is not online (online: 0-5)"),
            "{}",
            stderr(&o)
        );
    }
    // Nothing was written: the mainline IRQ 75 is still on every CPU.
    assert_eq!(
        std::fs::read_to_string(d.path().join("proc/irq/75/smp_affinity_list")).unwrap().trim(),
        "0-5"
    );
}

#[test]
fn a_watch_cycle_applies_and_writes_its_state() {
    let (d, _root) = copy_fixture(Fixture::Mainline);
    assert_eq!(pin(d.path(), &["check"]).status.code(), Some(1));
    let o = pin(d.path(), &["--once", "watch"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("IRQ 31 (xhci-hcd:usb1): 0-5 -> 4"), "{}", stderr(&o));
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("run/helios64/pin.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(state["daemon"], "pin");
    assert_eq!(state["state"]["trigger"], "start");
    assert!(state["state"]["changed"].as_u64().unwrap() > 0, "{state:#}");
    assert_eq!(pin(d.path(), &["check"]).status.code(), Some(0));
}

#[test]
fn json_apply_is_a_report() {
    let (d, _root) = copy_fixture(Fixture::Mainline);
    let o = pin(d.path(), &["apply", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["target"] == "IRQ 75 (ahci[0000:01:00.0])"
                && c["new"] == serde_json::json!([4, 5]))
    );
    assert_eq!(v["failures"], serde_json::json!([]));
}
