#!/bin/sh
# Guest half of benches/zfs-status-in-vm.sh: runs inside the helios64 test
# VM (the repository is mounted read-only at $H64_REPO). Creates a pool of
# sparse file vdevs shaped like the fixtures (mirror + raidz + spare) and
# runs the zfs_status benchmark (both groups, so the parse numbers show
# how much slower the emulated guest is than the host) against it.
set -e
d=/var/tmp/zfs-bench
mkdir -p "$d"
for i in 0 1 2 3 4 5; do truncate -s 256M "$d/v$i"; done
zpool create -f -o cachefile=none -O mountpoint=none benchpool \
  mirror "$d/v0" "$d/v1" raidz "$d/v2" "$d/v3" "$d/v4" spare "$d/v5"
bin=$(ls -t "$H64_REPO"/target/release/deps/zfs_status-* | grep -v '\.d$' | head -n 1)
echo "zfs-status-guest: $bin on $(zfs version | head -n 1), $(uname -r)"
HELIOS64_ZFS_BENCH_POOL=benchpool CRITERION_HOME="$d/criterion" "$bin" --bench --noplot --color never zfs_status
