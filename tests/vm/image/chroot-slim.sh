#!/bin/sh
# Runs inside the image chroot (mmdebstrap customize hook), after the modules
# are built. Drops the toolchain, headers and DKMS, and kernel driver trees the
# test VM never loads. Smaller image = faster cache restore and faster boot.
#   usage: chroot-slim.sh <kernel-abi>
set -eu
K=$1
export DEBIAN_FRONTEND=noninteractive

apt-get purge -y -q zfs-dkms dkms "linux-headers-$K" > /dev/null
# Debian compresses modules with xz; under TCG every modprobe would pay for
# decompressing them again, on every boot. Store them plain (the qcow2 image
# is compressed anyway). After the DKMS purge, whose prerm removes its own
# (compressed) files by name.
find "/lib/modules/$K" -name '*.ko.xz' -exec xz -d {} +
find "/lib/modules/$K" -name '*.ko.zst' -exec zstd -q -d --rm {} +
apt-get purge -y -q zstd > /dev/null
apt-get autoremove -y -q --purge > /dev/null
apt-get clean
rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/lib/dkms /usr/src/* \
  /usr/share/doc /usr/share/man /usr/share/info /usr/share/locale \
  "/boot/initrd.img-$K" /tmp/* /var/tmp/*

# The guest has no GPU, sound, wireless, InfiniBand, Bluetooth, media or big
# vendor NICs; keep block, ATA/SCSI/NVMe, e1000, GPIO, I2C, hwmon, LEDs,
# power_supply, IIO, 9p, virtio and the rest.
M=/lib/modules/$K/kernel
for d in drivers/gpu drivers/media drivers/net/wireless drivers/infiniband \
  drivers/staging drivers/bluetooth drivers/isdn drivers/usb/gadget drivers/hid \
  drivers/input/touchscreen drivers/input/joystick drivers/input/tablet \
  drivers/net/can drivers/net/ethernet/mellanox drivers/net/ethernet/intel/ice \
  drivers/net/ethernet/intel/i40e drivers/net/ethernet/intel/iavf \
  drivers/net/ethernet/chelsio drivers/net/ethernet/broadcom drivers/net/ethernet/qlogic \
  drivers/net/ethernet/marvell drivers/net/ethernet/sfc drivers/net/ethernet/huawei \
  drivers/net/ethernet/cavium drivers/scsi/lpfc drivers/scsi/qla2xxx \
  drivers/scsi/mpt3sas drivers/scsi/be2iscsi drivers/scsi/bfa drivers/scsi/qedf \
  drivers/scsi/qedi drivers/scsi/megaraid drivers/scsi/aacraid drivers/mtd \
  drivers/thunderbolt drivers/platform/chrome drivers/comedi sound \
  net/bluetooth net/mac80211 net/wireless fs/ocfs2 fs/gfs2 fs/btrfs fs/xfs \
  fs/nfs fs/nfsd fs/smb fs/ceph fs/f2fs; do
  rm -rf "${M:?}/$d"
done
depmod -a "$K"
