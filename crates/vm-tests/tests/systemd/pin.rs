//! helios64-pin under its unit: the writes its plan needs succeed inside
//! the sandbox. The VM's plan (tests/vm/guest/systemd/helios64/pin.d) pins
//! the AHCI controller's IRQ to CPU 1 and sets rps_sock_flow_entries; the
//! daemon applied it at start, and after the IRQ is moved away by hand,
//! `systemctl reload` moves it back. Before the unit stopped using
//! ProtectKernelTunables= (see its comments), /proc/irq was read-only
//! there and every IRQ setting failed.

use std::fs;
use std::time::Duration;

use vm_env::require_guest;

use crate::daemons::{PIN, assert_started};
use crate::unit::wait_until;

/// The AHCI controller's IRQ number, from /proc/interrupts.
fn ahci_irq() -> u32 {
    let ints = fs::read_to_string("/proc/interrupts").unwrap();
    let line = ints
        .lines()
        .find(|l| l.contains("ahci[0000:00:08.0]"))
        .unwrap_or_else(|| panic!("no ahci[0000:00:08.0] in /proc/interrupts:\n{ints}"));
    line.split(':').next().unwrap().trim().parse().unwrap()
}

fn affinity(irq: u32) -> String {
    fs::read_to_string(format!("/proc/irq/{irq}/smp_affinity_list")).unwrap().trim().to_owned()
}

fn assert_nothing_failed(trigger: &str) {
    let want = format!("0 failed; last: {trigger}");
    wait_until(
        &format!("pin's STATUS= to end with {want:?}"),
        Duration::from_secs(20),
        || {
            let s = PIN.prop("StatusText");
            s.starts_with("vm: ") && s.ends_with(&want)
        },
        || PIN.describe(),
    );
}

#[test]
fn pin_moved_the_ahci_irq_and_set_rps_sock_flow_entries_at_start() {
    require_guest();
    assert_started(PIN);
    let status = PIN.prop("StatusText");
    assert!(status.starts_with("vm: ") && status.contains(" 0 failed"), "{status}");
    let irq = ahci_irq();
    assert_eq!(affinity(irq), "1", "IRQ {irq}\n{}", PIN.describe());
    let entries = fs::read_to_string("/proc/sys/net/core/rps_sock_flow_entries").unwrap();
    assert_eq!(entries.trim(), "4096");
}

#[test]
fn pin_reload_moves_a_drifted_irq_back() {
    require_guest();
    assert_started(PIN);
    let irq = ahci_irq();
    // As root outside the sandbox: the drift a reload repairs.
    fs::write(format!("/proc/irq/{irq}/smp_affinity_list"), "0").unwrap();
    assert_eq!(affinity(irq), "0");
    PIN.ok("reload");
    wait_until(
        &format!("IRQ {irq} back on CPU 1"),
        Duration::from_secs(20),
        || affinity(irq) == "1",
        || PIN.describe(),
    );
    assert_nothing_failed("reload");
}
