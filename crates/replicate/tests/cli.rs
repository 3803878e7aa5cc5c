//! The real `helios64-replicate` on the host: help and version, usage
//! errors, `--check-config` (the effective configuration, or a located
//! error and 78), an unknown job, and a run without ZFS (69, saying why).

#![allow(clippy::unwrap_used, clippy::disallowed_methods)]

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_helios64-replicate");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn config(dir: &Path, text: &str) -> String {
    let path = dir.join("replicate.toml");
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const GOOD: &str = "[jobs.usb]\nsource = \"tank/home\"\ntarget = \"usb/backup/home\"\n";

#[test]
fn help_and_version_exit_0_and_no_subcommand_is_usage() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: helios64-replicate "));
    let out = run(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        concat!("helios64-replicate ", env!("CARGO_PKG_VERSION"), "\n")
    );
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(64));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a subcommand is needed"));
    assert_eq!(run(&["run", "--bogus"]).status.code(), Some(64));
}

#[test]
fn check_config_prints_the_effective_jobs_or_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), GOOD);
    let out = run(&["--check-config", "--config", &path]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let effective = String::from_utf8_lossy(&out.stdout);
    assert!(effective.contains("canmount = \"noauto\""), "{effective}");
    assert!(effective.contains("intermediates = true"), "{effective}");

    let path = config(dir.path(), &format!("{GOOD}rolback = true\n"));
    let out = run(&["--check-config", "--config", &path]);
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{path}:4:1: jobs.usb.rolback: unknown key `rolback`, expected one of"
        )),
        "{err}"
    );

    let path =
        config(dir.path(), "[jobs.usb]\nsource = \"tank/home\"\ntarget = \"tank/home/copy\"\n");
    let out = run(&["--check-config", "--config", &path]);
    assert_eq!(out.status.code(), Some(78));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("jobs.usb.target: tank/home/copy and tank/home contain one another"),
        "{err}"
    );
}

#[test]
fn an_unknown_job_is_a_config_error_and_no_zfs_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let path = config(dir.path(), GOOD);
    let out = run(&["--config", &path, "run", "nas"]);
    assert_eq!(out.status.code(), Some(78));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no job \"nas\" in the configuration"));
    if Path::new("/dev/zfs").exists() {
        return;
    }
    let record = dir.path().join("lib").display().to_string();
    let out = run(&["--config", &path, "run", "usb", "--record-dir", &record]);
    assert_eq!(out.status.code(), Some(69));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("helios64-replicate: ZFS: the ZFS kernel module is not loaded"), "{err}");
    assert!(!dir.path().join("lib").exists(), "nothing recorded without ZFS");
}
