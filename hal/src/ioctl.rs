//! A count of the ioctls this crate has issued.
//!
//! Every ioctl wrapper in the crate calls [`note`] right before the system
//! call, so a test can prove that a run over a fixture tree reached no
//! device of the host (`testing::ioctls_issued` stays where it was). It is
//! one relaxed atomic add per ioctl: nothing next to the syscall itself.

use std::sync::atomic::{AtomicU64, Ordering};

static ISSUED: AtomicU64 = AtomicU64::new(0);

/// Records one ioctl about to be issued.
pub(crate) fn note() {
    ISSUED.fetch_add(1, Ordering::Relaxed);
}

/// How many ioctls the crate has issued in this process.
#[cfg_attr(not(feature = "testing"), allow(dead_code))]
pub(crate) fn issued() -> u64 {
    ISSUED.load(Ordering::Relaxed)
}
