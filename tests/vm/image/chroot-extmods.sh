#!/bin/sh
# Runs inside the image chroot (mmdebstrap customize hook).
# Debian's kernels leave GPIO_SIM, LEDS_USER (uleds), TEST_POWER, NETDEVSIM and
# IIO_SIMPLE_DUMMY unset. Build them out of tree from Debian's own linux-source of the exact
# installed kernel version, so they match the running kernel's ABI. Also builds
# the project's own test drivers (testmods/, copied to /tmp): h64_pwmfan (two
# pwm-fan shaped hwmon fans) and h64_saradc (an RK3399 SARADC shaped IIO ADC).
# Also extracts an uncompressed vmlinux for a faster (PVH) boot.
#   usage: chroot-extmods.sh <kernel-abi> <out-dir-for-vmlinux>
set -eu
K=$1
OUT=$2
V=$(dpkg-query -W -f='${Version}' "linux-image-$K")
SER=$(echo "$K" | cut -d. -f1,2)            # 6.12.117+deb12-amd64 -> 6.12
SRC=/tmp/h64-ksrc
E=/tmp/h64-extmods
rm -rf "$SRC" "$E"
mkdir -p "$SRC" "$E/netdevsim"

cd /tmp
apt-get download -q "linux-source-$SER=$V"
deb=$(ls /tmp/linux-source-"$SER"_*.deb)
# Only a handful of files are needed from the ~150 MB tarball.
dpkg-deb --fsys-tarfile "$deb" | tar -xO "./usr/src/linux-source-$SER.tar.xz" | xz -dc |
  tar -x -C "$SRC" --strip-components=1 --wildcards \
    "linux-source-$SER/drivers/gpio/gpio-sim.c" \
    "linux-source-$SER/drivers/gpio/gpiolib.h" \
    "linux-source-$SER/kernel/irq/irq_sim.c" \
    "linux-source-$SER/drivers/leds/uleds.c" \
    "linux-source-$SER/drivers/power/supply/test_power.c" \
    "linux-source-$SER/drivers/net/netdevsim/*" \
    "linux-source-$SER/drivers/iio/industrialio-sw-device.c" \
    "linux-source-$SER/drivers/iio/industrialio-configfs.c" \
    "linux-source-$SER/drivers/iio/dummy/iio_simple_dummy.[ch]" \
    "linux-source-$SER/scripts/extract-vmlinux"
rm -f "$deb"

cd "$E"
cp "$SRC/drivers/gpio/gpio-sim.c" gpio-sim-main.c
cp "$SRC/drivers/gpio/gpiolib.h" "$SRC/kernel/irq/irq_sim.c" \
   "$SRC/drivers/leds/uleds.c" "$SRC/drivers/power/supply/test_power.c" .
cp "$SRC"/drivers/net/netdevsim/*.[ch] netdevsim/
# iio_dummy (an IIO device with fixed channel values) needs the configfs
# "software device" core, which Debian leaves unset, and IIO's configfs root,
# which 6.1 leaves unset too: build whichever the kernel lacks. Events and
# buffers stay off: the dummy's header stubs them out.
cfg=/boot/config-$K
has() { grep -q "^CONFIG_$1=[ym]" "$cfg"; }
has IIO || { echo "chroot-extmods: $K has no IIO core; cannot build iio_dummy" >&2; exit 1; }
iio_mods="iio_dummy"
for core in IIO_SW_DEVICE:industrialio-sw-device IIO_CONFIGFS:industrialio-configfs; do
  if ! has "${core%%:*}"; then
    cp "$SRC/drivers/iio/${core#*:}.c" .
    iio_mods="$iio_mods ${core#*:}"
  fi
done
cp "$SRC"/drivers/iio/dummy/iio_simple_dummy.[ch] .
cp /tmp/h64_pwmfan.c /tmp/h64_saradc.c .
# shellcheck disable=SC2016 # a make variable, not a shell one
sed 's/obj-$(CONFIG_NETDEVSIM)/obj-m/' "$SRC/drivers/net/netdevsim/Makefile" > netdevsim/Kbuild

# CONFIG_IRQ_SIM is not built into Debian's kernel, so irq_sim.c is linked into
# gpio-sim.ko. It calls irq_to_desc(), which is not exported to modules;
# generic_handle_irq() does the same thing through an exported symbol.
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' irq_sim.c
if ! grep -q 'generic_handle_irq(irqnum);' irq_sim.c; then
  echo "chroot-extmods: the irq_sim.c patch no longer applies to $K; update chroot-extmods.sh" >&2
  exit 1
fi
{
  echo 'obj-m += gpio-sim.o uleds.o test_power.o netdevsim/'
  echo 'obj-m += h64_pwmfan.o h64_saradc.o'
  echo 'gpio-sim-y := gpio-sim-main.o irq_sim.o'
  for m in $iio_mods; do echo "obj-m += $m.o"; done
  echo 'iio_dummy-y := iio_simple_dummy.o'
} > Kbuild

make -s -C "/lib/modules/$K/build" M="$E" modules -j"$(nproc)"

dst="/lib/modules/$K/updates/helios64-vm"
mkdir -p "$dst"
find "$E" -name '*.ko' -exec cp {} "$dst/" \;
for m in gpio-sim uleds test_power netdevsim h64_pwmfan h64_saradc $iio_mods; do
  [ -f "$dst/$m.ko" ] || { echo "chroot-extmods: $m.ko was not built" >&2; exit 1; }
done
depmod -a "$K"

mkdir -p "$OUT"
if sh "$SRC/scripts/extract-vmlinux" "/boot/vmlinuz-$K" > "$OUT/vmlinux" 2>/dev/null; then
  echo "chroot-extmods: extracted vmlinux ($(du -h "$OUT/vmlinux" | cut -f1))"
else
  # Not fatal: the harness boots the compressed bzImage instead (a few seconds slower).
  echo "chroot-extmods: could not extract vmlinux; the bzImage will be booted" >&2
  rm -f "$OUT/vmlinux"
fi
rm -rf "$SRC" "$E"
