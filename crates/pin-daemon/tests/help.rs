//! `--help`, `-h`, `--version` and `-V` on the real `helios64-pin`: exit 0, on
//! stdout, with its usage line and its version; and every subcommand's --help.

#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_helios64-pin");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

#[test]
fn help_and_version_exit_0_on_stdout() {
    for flag in ["--help", "-h"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("Usage: helios64-pin "), "{flag}: {help}");
    }
    for flag in ["--version", "-V"] {
        let out = run(&[flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}");
        let version = String::from_utf8_lossy(&out.stdout);
        assert_eq!(version, concat!("helios64-pin ", env!("CARGO_PKG_VERSION"), "\n"), "{flag}");
    }
}

#[test]
fn every_subcommand_has_help() {
    use clap::CommandFactory as _;
    let command = helios64_pin_daemon::cli::Args::command();
    for sub in command.get_subcommands() {
        let out = run(&[sub.get_name(), "--help"]);
        assert_eq!(out.status.code(), Some(0), "{}", sub.get_name());
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains(&format!("Usage: helios64-pin {}", sub.get_name())), "{help}");
    }
    assert!(command.get_subcommands().count() > 1);
}
