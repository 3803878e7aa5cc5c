#!/usr/bin/env bash
# Builds each optional feature set of the libraries once, so a feature
# combination nobody builds by default cannot rot, and proves that the
# commands which need no udev monitor link no libudev: with pkg-config
# unable to find any library, `helios64` (status, smart) still builds.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo clippy --locked -q -p helios64-hal --no-default-features -- -D warnings
for feature in gpio i2c hotplug; do
  cargo clippy --locked -q -p helios64-hal --no-default-features --features "$feature" -- -D warnings
done
PKG_CONFIG_LIBDIR=/nonexistent cargo build --locked -q -p helios64
echo "feature sets: hal none/gpio/i2c/hotplug checked; helios64 built without libudev" >&2
