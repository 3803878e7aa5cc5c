#!/usr/bin/env bash
# Builds each optional feature set of the libraries once, so a feature
# combination nobody builds by default cannot rot, and proves that what needs
# no C library builds without one: with pkg-config unable to find any library
# (no libzfs, no libudev), the ZFS model, the ZFS CLI backend (built, linted,
# tested) and `helios64` without its `native` feature (status, smart, fan,
# health over `zpool -j`) still build.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo clippy --locked -q -p helios64-hal --no-default-features -- -D warnings
for feature in gpio i2c hotplug; do
  cargo clippy --locked -q -p helios64-hal --no-default-features --features "$feature" -- -D warnings
done
(
  unset PKG_CONFIG_PATH HELIOS64_ZFS_PREFIX
  export PKG_CONFIG_LIBDIR=/nonexistent
  cargo build --locked -q -p helios64-zfs-model
  cargo clippy --locked -q -p helios64-zfs --no-default-features --features cli --all-targets -- -D warnings
  cargo test --locked -q -p helios64-zfs --no-default-features --features cli
  cargo clippy --locked -q -p helios64-zfs --no-default-features --all-targets -- -D warnings
  cargo build --locked -q -p helios64 --no-default-features
)
cargo clippy --locked -q -p helios64-zfs --no-default-features --features native --all-targets -- -D warnings
echo "feature sets: hal none/gpio/i2c/hotplug; zfs model, cli and none without libzfs, native alone; helios64 without libudev or libzfs" >&2
