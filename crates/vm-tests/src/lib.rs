//! `vm_env`: what the helios64 test VM provides, for the tests that run in it.
//!
//! `tests/vm/run` boots a Debian guest (a real 6.12 kernel with ZFS, udev
//! and simulated Helios64 devices) under QEMU and runs the `vm` test target of
//! this package inside it. This library is the guest side of that contract:
//!
//! * [`board`] lists what the harness sets up: GPIO banks and line names, LED
//!   names, the board sensor and its programmed values, disk serials, NIC
//!   names. These are fixed; docs/TESTING.md documents the same list.
//! * [`Guest`] finds what is only known at run time (GPIO chip numbers, the
//!   i2c-stub bus, the AHCI controller's PCI address, bay disks) and gives
//!   scratch directories and unique names.
//!
//! Every in-guest test starts with [`require_guest`], which fails the test
//! loudly when it runs anywhere but inside the VM: a test that needs the VM
//! never passes by skipping.
//!
//! ```no_run
//! let guest = vm_env::require_guest();
//! let bank = guest.gpio_bank(vm_env::board::AC_PRESENT.bank)?;
//! bank.set_pull(vm_env::board::AC_PRESENT.offset, vm_env::Pull::Up)?;
//! # Ok::<(), vm_env::Error>(())
//! ```

// The guest harness drives configfs, sysfs and scratch files to build the
// simulated board: it is test infrastructure, not a board model.
#![allow(clippy::disallowed_methods)]

pub mod board;
mod error;
mod facts;
mod gpio_sim;
mod guest;

pub use error::Error;
pub use facts::parse_facts;
pub use gpio_sim::{Pull, SimBank, parse_sim_value};
pub use guest::{Guest, SCRATCH_DIR, STATE_DIR, read_attr, require_guest, try_guest};
