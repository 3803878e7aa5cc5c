#!/bin/sh
# Runs inside the image chroot (mmdebstrap customize hook).
# Installs ZFS through DKMS, the way a CI machine or a homelab box gets it, for
# the one kernel whose headers are in the chroot; and smartmontools from
# backports, the same 7.4 the host tests and fixtures use.
#   usage: chroot-packages.sh <zfs-version> <zfs-suite>
set -eu
ZVER=$1
ZSUITE=$2
BPO=bookworm-backports
export DEBIAN_FRONTEND=noninteractive

apt-get install -y -q --no-install-recommends -t "$BPO" smartmontools > /dev/null

# Only one kernel's headers are in the chroot, so DKMS builds exactly once.
# No recommends: zfs-zed, zfs-initramfs and the ZFS test suite are not needed;
# the tests drive the kernel module and the CLI.
# From backports, -t makes the ZFS userland libraries come from the same
# suite as zfs-dkms. Not for bookworm itself: -t bookworm would rank
# bookworm-updates and -security below it and clash with what is installed.
if [ "$ZSUITE" = bookworm ]; then
  apt-get install -y -q --no-install-recommends "zfs-dkms=$ZVER" "zfsutils-linux=$ZVER"
else
  apt-get install -y -q --no-install-recommends -t "$ZSUITE" \
    "zfs-dkms=$ZVER" "zfsutils-linux=$ZVER"
fi

K=$(ls /lib/modules)
found=$(find "/lib/modules/$K/updates/dkms" -name 'zfs.ko*' | head -n 1)
if [ -z "$found" ]; then
  echo "chroot-packages: DKMS did not produce zfs.ko for $K" >&2
  dkms status >&2 || true
  find /var/lib/dkms -name make.log -exec tail -n 40 {} \; >&2 || true
  exit 1
fi
# zfs-dkms's prerm deletes what DKMS installed, and slimming purges zfs-dkms:
# keep the built modules where depmod still finds them.
mkdir -p "/lib/modules/$K/updates/zfs"
cp "/lib/modules/$K/updates/dkms/"*.ko* "/lib/modules/$K/updates/zfs/"
dkms status
