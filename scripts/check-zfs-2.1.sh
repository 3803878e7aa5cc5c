#!/usr/bin/env bash
# Proves the ZFS crates still compile against OpenZFS 2.1 headers: the
# oldest supported release, Debian bookworm's libzfslinux-dev 2.1.11.
#
# The -dev package is downloaded (not installed) and unpacked under the
# work directory; the build scripts read it through HELIOS64_ZFS_PREFIX and
# derive the zfs_2_1 cfg from its headers. Nothing is linked (cargo check),
# so the 2.1 shared libraries are not needed.
#
#   scripts/check-zfs-2.1.sh            # work dir: target-zfs21/
#   ZFS21_DIR=/tmp/z21 scripts/check-zfs-2.1.sh
#
# Needs apt sources with bookworm contrib (scripts/deps.sh sets them up).
set -euo pipefail
cd "$(dirname "$0")/.."

work=${ZFS21_DIR:-target-zfs21}
mkdir -p "$work/deb"
work=$(cd "$work" && pwd)
root="$work/root"

if [ ! -f "$root/usr/include/libzfs/libzfs_core.h" ]; then
  # The package lists may be missing or stale (e.g. a fresh CI runner).
  if ! (cd "$work/deb" && apt-get download libzfslinux-dev/bookworm); then
    apt-get -o DPkg::Lock::Timeout=600 update -q >&2
    (cd "$work/deb" && apt-get download libzfslinux-dev/bookworm)
  fi
  rm -rf "$root"
  dpkg-deb -x "$work"/deb/libzfslinux-dev_2.1*.deb "$root"
fi
pc=$(find "$root" -name libzfs_core.pc | head -n1)
grep -q '^Version: 2\.1\.' "$pc" || { echo "check-zfs-2.1: $pc is not OpenZFS 2.1" >&2; exit 1; }

HELIOS64_ZFS_PREFIX="$root" RUSTFLAGS="-D warnings" \
  cargo check --target-dir "$work/target" --all-targets \
    -p nvpair-sys -p zfs-core-sys -p libzfs-sys -p helios64-zfs
