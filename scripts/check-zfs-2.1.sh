#!/usr/bin/env bash
# Proves the ZFS crates still work with OpenZFS 2.1, the oldest supported
# release: Debian bookworm's 2.1.11.
#
#   scripts/check-zfs-2.1.sh          # CI: cargo check against the 2.1 headers
#   scripts/check-zfs-2.1.sh test     # also run the host tests on the real 2.1 libraries
#   scripts/check-zfs-2.1.sh prefix   # only prepare the tree; print its path
#   ZFS21_DIR=/tmp/z21 scripts/check-zfs-2.1.sh
#
# The packages are downloaded (not installed) and unpacked with dpkg-deb
# under the work directory (default target-zfs21/): libzfslinux-dev for the
# headers, and for `test`/`prefix` also the 2.1 libraries (libzfs4linux,
# libnvpair3linux, libuutil3linux). The build scripts read the tree through
# HELIOS64_ZFS_PREFIX and derive the zfs_2_1 cfg from its headers; with the
# libraries present they link against them (libzfs.so.4), and the tests run
# with LD_LIBRARY_PATH pointing at them: libnvpair, the loaded-version check
# (2.1's zfs_version_userland(buf, len)) and the parsers then run on 2.1.
# The same tree builds the VM suite for the 6.1 + ZFS 2.1.11 guest:
#   HELIOS64_ZFS_PREFIX=$(scripts/check-zfs-2.1.sh prefix) HELIOS64_VM_KERNEL=6.1 tests/vm/run zfs
#
# Needs apt sources with bookworm contrib (scripts/deps.sh sets them up).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-check}
case "$mode" in check | test | prefix) ;; *) echo "usage: $0 [check|test|prefix]" >&2; exit 2 ;; esac

work=${ZFS21_DIR:-target-zfs21}
mkdir -p "$work/deb"
work=$(cd "$work" && pwd)
root="$work/root"

# Downloads (once) and unpacks a bookworm package into the tree.
unpack() {
  local pkg=$1
  if ! ls "$work"/deb/"${pkg}"_2.1*.deb > /dev/null 2>&1; then
    # The package lists may be missing or stale (e.g. a fresh CI runner).
    if ! (cd "$work/deb" && apt-get download "$pkg/bookworm") > /dev/null; then
      apt-get -o DPkg::Lock::Timeout=600 update -q >&2
      (cd "$work/deb" && apt-get download "$pkg/bookworm") > /dev/null
    fi
  fi
  dpkg-deb -x "$work"/deb/"${pkg}"_2.1*.deb "$root"
}

[ -f "$root/usr/include/libzfs/libzfs_core.h" ] || unpack libzfslinux-dev
if [ "$mode" != check ]; then
  for pkg in libzfs4linux libnvpair3linux libuutil3linux; do
    ls "$root"/lib/*/libzfs.so.4 "$root"/lib/*/libnvpair.so.3 "$root"/lib/*/libuutil.so.3 > /dev/null 2>&1 || unpack "$pkg"
  done
fi
pc=$(find "$root" -name libzfs_core.pc | head -n1)
grep -q '^Version: 2\.1\.' "$pc" || { echo "check-zfs-2.1: $pc is not OpenZFS 2.1" >&2; exit 1; }

if [ "$mode" = prefix ]; then
  echo "$root"
  exit 0
fi

packages=(-p nvpair-sys -p zfs-core-sys -p libzfs-sys -p helios64-zfs)
export HELIOS64_ZFS_PREFIX="$root"
RUSTFLAGS="-D warnings" cargo check --target-dir "$work/target" --all-targets "${packages[@]}"
if [ "$mode" = test ]; then
  libdir=$(dirname "$(ls "$root"/lib/*/libzfs.so.4)")
  LD_LIBRARY_PATH="$libdir" RUSTFLAGS="-D warnings" \
    cargo test --target-dir "$work/target" -p helios64-zfs
fi
