#!/bin/sh
# Guest half of benches/zfs-in-vm.sh: runs inside the helios64 test VM (the
# repository is mounted read-only at $H64_REPO, with target/), builds the
# pools each named benchmark needs on sparse files under /var/tmp, and runs
# it. Criterion's data stays in the guest, which is discarded.
#
#   sh benches/zfs-guest.sh zfs_status zfs_snapshots
set -e
d=/var/tmp/zfs-bench
mkdir -p "$d"
echo "zfs-guest: $(zfs version | head -n 1), $(uname -r), $(nproc) vCPU"

bench_bin() {
  ls -t "$H64_REPO"/target/release/deps/"$1"-* | grep -v '\.d$' | head -n 1
}

run() {
  bin=$(bench_bin "$1")
  echo "zfs-guest: $1: $bin"
  CRITERION_HOME="$d/criterion" "$bin" --bench --noplot --color never "$1"
}

for bench in "$@"; do
  case "$bench" in
  zfs_status)
    # Shaped like the fixtures (mirror + raidz + spare: 6 vdevs), and for
    # the scaling rows 4 and 10 raidz2 groups of 6 (24 and 60 vdevs); every
    # vdev a 64 MiB sparse file.
    vdevs() { for i in $(seq "$2" "$3"); do printf ' %s/%s%s' "$d" "$1" "$i"; done; }
    for i in $(seq 0 59); do truncate -s 64M "$d/v6-$i" "$d/v24-$i" "$d/v60-$i"; done
    # shellcheck disable=SC2046 # one argument per vdev
    zpool create -f -o cachefile=none -O mountpoint=none sv6 \
      mirror $(vdevs v6- 0 1) raidz $(vdevs v6- 2 4) spare $(vdevs v6- 5 5)
    for n in 24 60; do
      groups=""
      for g in $(seq 0 $((n / 6 - 1))); do groups="$groups raidz2$(vdevs "v$n-" $((g * 6)) $((g * 6 + 5)))"; done
      # shellcheck disable=SC2086 # one argument per word
      zpool create -f -o cachefile=none -O mountpoint=none "sv$n" $groups
    done
    HELIOS64_ZFS_BENCH_POOLS=v6=sv6,v24=sv24,v60=sv60 run zfs_status
    ;;
  zfs_snapshots)
    # 1k: 10 datasets of 100 snapshots; 10k: 10 of 1,000; 50k: 50 of 1,000;
    # 100: one dataset of 100 (a quick row). H64_SNAPSHOT_SETS picks some of
    # them (default 1k 10k 50k): the 50k set alone takes over an hour to
    # build under TCG.
    # ZFS takes one snapshot of a dataset per transaction group, so a
    # channel program takes snapshot N of every dataset that needs one in
    # one txg: 1,000 txgs in all (5,000 for 50k over 10 datasets took over
    # 20 minutes under TCG).
    sets=${H64_SNAPSHOT_SETS:-1k 10k 50k}
    truncate -s 6G "$d/snaps"
    zpool create -f -o cachefile=none -O mountpoint=none snapbench "$d/snaps"
    t0=$(date +%s)
    few="" many="" total=0 roots=""
    for label in $sets; do
      case "$label" in
      100) count=1 depth=100 ;;
      1k) count=10 depth=100 ;;
      10k) count=10 depth=1000 ;;
      50k) count=50 depth=1000 ;;
      *) echo "zfs-guest: unknown snapshot set $label (100, 1k, 10k, 50k)" >&2; exit 2 ;;
      esac
      zfs create "snapbench/s$label"
      for i in $(seq 1 "$count"); do
        zfs create "snapbench/s$label/d$i"
        if [ "$depth" = 100 ]; then few="$few snapbench/s$label/d$i"; else many="$many snapbench/s$label/d$i"; fi
      done
      total=$((total + count * depth))
      roots="$roots${roots:+,}$label=snapbench/s$label"
    done
    last=100
    [ -z "$many" ] || last=1000
    n=1
    while [ "$n" -le "$last" ]; do
      if [ "$n" -le 100 ]; then dss="$few $many"; else dss=$many; fi
      # shellcheck disable=SC2086 # one argument per dataset
      zfs program snapbench "$H64_REPO/benches/make-snapshots.lua" "$n" $dss > /dev/null
      [ $((n % 100)) -ne 0 ] || echo "zfs-guest: snapshot index $n of $last after $(($(date +%s) - t0)) s"
      n=$((n + 1))
    done
    echo "zfs-guest: $total snapshots ($sets) in $(($(date +%s) - t0)) s;" \
      "allocated $(zpool list -Hp -o allocated snapbench) bytes"
    HELIOS64_ZFS_BENCH_SNAPSHOT_ROOTS=$roots run zfs_snapshots
    ;;
  zfs_replicate)
    # Two pools of one sparse file each, compression off; 256 MiB of
    # random data in one snapshot (H64_REPLICATE_MIB changes the size).
    mib=${H64_REPLICATE_MIB:-256}
    truncate -s 2G "$d/repa" "$d/repb"
    zpool create -f -o cachefile=none -O compression=off -O mountpoint=none repa "$d/repa"
    zpool create -f -o cachefile=none -O compression=off -O mountpoint=none repb "$d/repb"
    zfs create -o mountpoint="$d/repa-fs" repa/fs
    zfs create repb/backup
    dd if=/dev/urandom of="$d/repa-fs/data" bs=1M count="$mib" status=none
    zfs snapshot repa/fs@bench
    echo "zfs-guest: zfs_replicate: $mib MiB in repa/fs@bench"
    HELIOS64_REPLICATE_BENCH=repa/fs,repb/backup \
      HELIOS64_REPLICATE_BIN="$H64_REPO/target/release/helios64-replicate" run zfs_replicate
    ;;
  *)
    echo "zfs-guest: unknown benchmark $bench" >&2
    exit 2
    ;;
  esac
done
