//! Gives the `vm` test target its tests only when tests/vm/run builds it.
//!
//! `--features vm` alone is not enough of a signal: `cargo test --workspace
//! --all-features` turns every feature on, and would run the in-guest tests
//! on the host, where they fail by design. tests/vm/run sets
//! `HELIOS64_VM_BUILD=1`, which enables `cfg(helios64_vm_build)`; clippy
//! always sees the test code (`cfg(clippy)`), so it stays linted.

// Build scripts read headers and write generated code: not the board.
#![allow(clippy::disallowed_methods)]
#![allow(clippy::print_stdout, reason = "build scripts talk to cargo through stdout")]

fn main() {
    println!("cargo::rustc-check-cfg=cfg(helios64_vm_build)");
    println!("cargo::rerun-if-env-changed=HELIOS64_VM_BUILD");
    if std::env::var_os("HELIOS64_VM_BUILD").is_some_and(|v| v == "1") {
        println!("cargo::rustc-cfg=helios64_vm_build");
    }
}
