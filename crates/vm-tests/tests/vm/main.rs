//! Integration tests that run inside the helios64 test VM.
//!
//! Built only with `--features vm` and run by `tests/vm/run`, which boots the
//! VM, sets up the Helios64-shaped devices and runs this binary in the guest
//! (see docs/TESTING.md). Each test starts with `vm_env::require_guest()`, so
//! run anywhere else it fails with instructions instead of passing.
//!
//! One module per subsystem; add yours here.

// Tests build, break and read fixture trees and files directly.
#![allow(clippy::disallowed_methods)]
// Only tests/vm/run builds the tests in (build.rs explains why); clippy
// always lints them. `test` also makes clippy's test allowances (unwrap,
// panic, print) cover the helpers.
#![cfg(test)]
#![cfg(any(helios64_vm_build, clippy))]

mod common;
mod fand;
mod hal_bay;
mod hal_board;
mod hal_gpio;
mod hal_hotplug;
mod hal_irq;
mod hal_leds;
mod hal_net;
mod hal_thermal;
mod hal_ups;
mod health;
mod nettest;
mod pin;
mod replicate;
mod replicate_ssh;
mod scrub;
mod smart;
mod smoke;
mod snap;
mod status;
mod upsd;
mod zfs_cli_json;
mod zfs_errlog;
mod zfs_errors;
mod zfs_missing;
mod zfs_pool;
mod zfs_progress;
mod zfs_pyzfs;
mod zfs_pyzfs_holds;
mod zfs_readonly;
mod zfs_scrub;
mod zfs_send;
mod zfs_snapshots;
mod zfs_spares;
mod zfs_status;
mod zfs_vdev_names;
