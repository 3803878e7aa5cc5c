//! `--help`, `-h`, `--version` and `-V` on the real `helios64-scrub`: exit 0, on
//! stdout, with its usage line and its version.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_helios64-scrub");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage: helios64-scrub "), "{flag}: {help}");
    }
    for flag in ["--version", "-V"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let version = String::from_utf8_lossy(&out.stdout);
        assert_eq!(version, concat!("helios64-scrub ", env!("CARGO_PKG_VERSION"), "\n"), "{flag}");
    }
}
