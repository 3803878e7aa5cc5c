//! `helios64 status` end to end: the real binary on the fixture boards,
//! its exit codes and its JSON.

#![allow(clippy::disallowed_methods, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/sysfs").join(name)
}

fn status(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_helios64")).arg("status").args(args).output().unwrap()
}

#[test]
fn json_on_the_armbian_board_is_complete_and_exits_0() {
    let root = fixture("helios64-armbian");
    let out = status(&["--root", root.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["board"]["variant"], "armbian");
    for section in [
        "board",
        "inventory",
        "thermal",
        "fans",
        "leds",
        "bays",
        "network",
        "cpus",
        "pinning",
        "ups",
    ] {
        assert!(!doc[section].is_null(), "section {section} missing");
    }
    assert_eq!(doc["errors"], serde_json::json!([]));
    assert_eq!(doc["bays"].as_array().unwrap().len(), 5);
    assert_eq!(doc["fans"]["fans"][0]["tachometer_rpm"], serde_json::Value::Null);
}

#[test]
fn table_on_the_mainline_board_shows_the_unreadable_ups_and_exits_1() {
    let root = fixture("helios64-mainline");
    let out = status(&["--root", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("Kobol Helios64 — mainline device tree\n"), "{text}");
    assert!(text.contains("\nBays\n") && text.contains("\nNetwork\n"), "{text}");
    // Only the mains reading is lost; the battery and DC input still show.
    assert!(text.contains("  power     unreadable (see problems)\n"), "{text}");
    assert!(text.contains("  battery   not connected (ADC 114 mV)\n"), "{text}");
    assert!(text.contains("cannot read ups (mains): cannot open "), "{text}");
}

#[test]
fn a_root_that_is_not_a_directory_is_a_usage_error() {
    let out = status(&["--root", "/nonexistent/helios64"]);
    assert_eq!(out.status.code(), Some(64));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("/nonexistent/helios64: not a directory"), "{err}");
}

/// The proof that a fixture run never reaches the host's devices: under
/// strace, `helios64 status --root FIXTURE` issues no ioctl at all (the
/// ethtool, GPIO and I2C calls are the ones a tree must not answer from the
/// host; nothing else in the command needs one).
#[test]
fn a_fixture_run_issues_no_ioctl() {
    let trace = tempfile::NamedTempFile::new().unwrap();
    // The control: strace as called here does see an ioctl (TCGETS on a
    // stdin that is not a terminal fails, but is traced).
    let control = Command::new("strace")
        .args(["-f", "-qq", "-e", "trace=ioctl", "-o"])
        .arg(trace.path())
        .args([
            "python3",
            "-c",
            "import fcntl\ntry: fcntl.ioctl(0, 0x5401, bytes(64))\nexcept OSError: pass",
        ])
        .output()
        .expect("strace runs (scripts/deps.sh installs it)");
    assert!(control.status.success(), "{}", String::from_utf8_lossy(&control.stderr));
    let traced = std::fs::read_to_string(trace.path()).unwrap();
    assert!(traced.contains("ioctl(0, TCGETS"), "strace missed the control ioctl:\n{traced}");
    for board in ["helios64-armbian", "helios64-mainline"] {
        let root = fixture(board);
        let out = Command::new("strace")
            .args(["-f", "-qq", "-e", "trace=ioctl", "-o"])
            .arg(trace.path())
            .arg(env!("CARGO_BIN_EXE_helios64"))
            .args(["status", "--json", "--root"])
            .arg(&root)
            .output()
            .expect("strace runs (scripts/deps.sh installs it)");
        assert!(out.status.code().is_some(), "{}", String::from_utf8_lossy(&out.stderr));
        let traced = std::fs::read_to_string(trace.path()).unwrap();
        let ioctls: Vec<&str> = traced.lines().filter(|l| l.contains("ioctl(")).collect();
        assert!(
            ioctls.is_empty(),
            "{board}: ioctls issued on a fixture tree:\n{}",
            ioctls.join("\n")
        );
        // The trace itself worked: the command ran and printed its document.
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["schema_version"], 1, "{board}");
    }
}
