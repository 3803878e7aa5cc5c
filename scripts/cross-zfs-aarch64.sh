#!/usr/bin/env bash
# Cross-builds the ZFS crates for the Helios64 (aarch64) against Debian's
# multiarch arm64 OpenZFS headers and libraries (libzfslinux-dev:arm64),
# then runs the unit tests that need no kernel module under qemu-user.
#
#   scripts/cross-zfs-aarch64.sh          # build + run the unit tests
#   scripts/cross-zfs-aarch64.sh build    # build only
#
# Uses Debian's rustc (rustc-web, with libstd-rust-web-dev:arm64), since the
# rustup toolchain has no aarch64 standard library here. Needs
# `scripts/deps.sh cross`.
#
# The environment, and why:
# * PKG_CONFIG_LIBDIR_<target> replaces pkg-config's search path with the
#   arm64 .pc files (whose libdir is /lib/aarch64-linux-gnu);
# * PKG_CONFIG_SYSROOT_DIR_<target>=/ tells the pkg-config crate that cross
#   use is configured (multiarch: the sysroot is /);
# * bindgen passes --target=aarch64-unknown-linux-gnu to clang by itself
#   (from TARGET), so struct layouts and c_char (unsigned on aarch64) match;
# * the linker is the GNU cross gcc; the runner is qemu-user.
set -euo pipefail
cd "$(dirname "$0")/.."

target=aarch64-unknown-linux-gnu
export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static
export PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/aarch64-linux-gnu/pkgconfig
export PKG_CONFIG_SYSROOT_DIR_aarch64_unknown_linux_gnu=/

packages=(-p nvpair-sys -p zfs-core-sys -p libzfs-sys -p helios64-zfs)
/usr/bin/cargo build --target "$target" --target-dir target-aarch64 "${packages[@]}"
if [ "${1:-test}" = test ]; then
  /usr/bin/cargo test --target "$target" --target-dir target-aarch64 -p helios64-zfs --lib
fi
