//! Integration tests of smartctl-parser: real fixtures, and arbitrary input
//! never panicking. One binary keeps link time down on small CI machines.

// Tests build, break and read fixture trees and files directly.
#![allow(clippy::disallowed_methods)]
// Helpers outside #[test] fns are test code too; a failing read should panic loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod docs;
mod fixtures;
mod never_panics;
