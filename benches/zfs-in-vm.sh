#!/usr/bin/env bash
# Runs the ZFS benchmarks that need a pool inside the helios64 test VM, on
# pools of sparse file vdevs the guest builds (benches/zfs-guest.sh):
#
#   benches/zfs-in-vm.sh [BENCH...]   # default: all three
#
#   zfs_status     native pool status/list vs `zpool status -jp` + `zpool get`
#   zfs_snapshots  native snapshot listing vs `zfs list -t snapshot -Hp`,
#                  1k and 10k snapshots over 10 datasets, 50k over 50
#   zfs_replicate  helios64-replicate vs `zfs send | zfs receive` (a full
#                  256 MiB replication) and vs syncoid (nothing to send)
#
# How: builds the benchmarks on the host, boots `tests/vm/run --shell` and
# types one command into its console, which runs benches/zfs-guest.sh from
# the repository (mounted read-only in the guest at its host path, with
# target/). Prints criterion's report lines. Timing under TCG (no KVM on
# this machine) is slower than on real hardware; compare the rows with each
# other, not with numbers from another machine. Results: docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -gt 0 ] || set -- zfs_status zfs_snapshots zfs_replicate
for bench in "$@"; do
  case "$bench" in
  zfs_status | zfs_snapshots) ;;
  zfs_replicate)
    cargo build --locked --release -p helios64-replicate 2> /dev/null ||
      { echo "zfs-in-vm: cannot build helios64-replicate" >&2; exit 1; }
    ;;
  *) echo "zfs-in-vm: unknown benchmark $bench (zfs_status, zfs_snapshots, zfs_replicate)" >&2; exit 2 ;;
  esac
  # The guest picks the newest binary of each name in target/release/deps.
  cargo bench --locked -p helios64-benches --bench "$bench" --no-run 2> /dev/null ||
    { echo "zfs-in-vm: cannot build benchmark $bench" >&2; exit 1; }
done

self=$$
work=$(mktemp -d)
trap 'kill "${writer:-0}" 2> /dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/console"

# What to type: one short line (the console can drop or repeat characters
# when typed fast); the work is in benches/zfs-guest.sh.
# HELIOS64_ZFS_BENCH_SNAPSHOT_SETS (e.g. "1k 10k") limits zfs_snapshots' sets.
printf 'H64_SNAPSHOT_SETS="%s" H64_REPO=%s sh %s/benches/zfs-guest.sh %s; echo BENCH-EXIT $?; exit\n' \
  "${HELIOS64_ZFS_BENCH_SNAPSHOT_SETS:-1k 10k 50k}" "$PWD" "$PWD" "$*" > "$work/commands"

# `stdbuf -o0`: tr would hold the console's last few KB in its buffer,
# and the prompt the typist waits for with them.
# Type only once the guest's shell is up, and keep the console open until
# the VM is gone (a closed stdin would stall the guest's console).
{
  for _ in $(seq 1 600); do
    grep -q "Run the tests:" "$work/out" 2> /dev/null && break
    sleep 1
  done
  sleep 2
  # One character at a time: the emulated UART has a 16-byte FIFO.
  while IFS= read -r -n1 c; do printf '%s' "${c:-$'\n'}"; sleep 0.05; done < "$work/commands"
  # Until this script ends, however it ends: a writer that outlived it
  # would keep its inherited fds open (the VM lock's among them).
  while kill -0 "$self" 2> /dev/null; do sleep 5; done
} > "$work/console" &
writer=$!

tests/vm/run --shell --timeout="${HELIOS64_BENCH_VM_TIMEOUT:-5400}" < "$work/console" | stdbuf -o0 tr -d '\r' | tee "$work/out" |
  grep -E "zfs-guest|BENCH-EXIT|^zfs_(status|snapshots)/|time:|not run|rror" || true
grep -q "BENCH-EXIT 0" "$work/out"
