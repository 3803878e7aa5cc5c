//! The units in `dist/systemd`, proven under a real systemd in the test VM.
//!
//! Built only with `--features vm` and run by `tests/vm/run --systemd`,
//! which boots the VM with systemd as PID 1, the project installed as
//! docs/DEPLOYMENT.md says and its units enabled, and runs this binary from
//! a unit once the boot is done (docs/TESTING.md, "systemd mode"). Every
//! check goes through `systemctl`, `busctl` and the journal, the way an
//! operator sees the units; `vm_env::require_guest()` fails each test
//! elsewhere.
//!
//! Tests that stop a unit start it again before they return: the daemons
//! are shared by the whole suite.

// Tests read and write sysfs, /proc and config files directly.
#![allow(clippy::disallowed_methods)]
// As the `vm` target (build.rs explains why).
#![cfg(test)]
#![cfg(any(helios64_vm_build, clippy))]

mod daemons;
mod exporter;
mod fand;
mod oneshots;
mod pin;
mod replicate;
mod target;
mod unit;
mod upsd;
mod watchdog;
