#!/bin/sh
# Runs inside the image chroot (mmdebstrap customize hook).
# Builds a tiny initramfs: static busybox plus the few modules needed to mount
# the ext4 root on virtio-blk. Debian's generic initrd (tens of MB, udev
# coldplug inside) costs several seconds per boot under TCG; this one does only
# what the test VM needs.
#   usage: chroot-initramfs.sh <kernel-abi> <output-file>
set -eu
K=$1
OUT=$2
W=/tmp/h64-initramfs
rm -rf "$W"
mkdir -p "$W/bin" "$W/dev" "$W/proc" "$W/sys" "$W/newroot" "$W/lib/modules"
cp /bin/busybox "$W/bin/busybox"
if ! "$W/bin/busybox" --list | grep -qx switch_root; then
  echo "chroot-initramfs: /bin/busybox lacks switch_root (need busybox-static)" >&2
  exit 1
fi

# Dependency order from modprobe itself; built-in ones print "builtin ...".
: > "$W/modules"
for m in virtio_pci virtio_blk crc32c_generic ext4; do
  modprobe -S "$K" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r path; do
  base=$(basename "$path")
  case "$base" in
    *.ko.xz) xz -dc "$path" > "$W/lib/modules/${base%.xz}"; base=${base%.xz} ;;
    *.ko.zst) zstd -qdc "$path" > "$W/lib/modules/${base%.zst}"; base=${base%.zst} ;;
    *.ko.gz) gzip -dc "$path" > "$W/lib/modules/${base%.gz}"; base=${base%.gz} ;;
    *) cp "$path" "$W/lib/modules/$base" ;;
  esac
  echo "$base" >> "$W/modules"
done
grep -q '^virtio_blk\.ko$' "$W/modules" || modinfo -k "$K" -F filename virtio_blk | grep -q builtin || {
  echo "chroot-initramfs: virtio_blk is neither a module nor built in for $K" >&2
  exit 1
}

cat > "$W/init" <<'EOF'
#!/bin/busybox sh
# Loads the root-disk modules, mounts /dev/vda and hands over to the image's init.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
while read -r m; do
  insmod "/lib/modules/$m" || echo "initramfs: insmod $m failed"
done < /modules
i=0
while [ ! -b /dev/vda ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
if ! mount -t ext4 -o rw,noatime /dev/vda /newroot; then
  echo "initramfs: cannot mount /dev/vda; modules loaded:"; cat /proc/modules
  echo o > /proc/sysrq-trigger
fi
mount --move /dev /newroot/dev
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
exec switch_root /newroot /sbin/helios64-vm-init
EOF
chmod 755 "$W/init"
(cd "$W" && find . | busybox cpio -o -H newc --quiet) > "$OUT"
echo "chroot-initramfs: $(wc -l < "$W/modules") modules, $(du -h "$OUT" | cut -f1)"
rm -rf "$W"
