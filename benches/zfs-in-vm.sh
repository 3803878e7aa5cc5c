#!/usr/bin/env bash
# Runs the pool half of the zfs_status benchmark (native status vs `zpool
# status -jp` + `zpool get -jp`) inside the helios64 test VM, on a pool of
# file vdevs shaped like the fixtures: mirror + raidz + spare.
#
#   benches/zfs-status-in-vm.sh            # prints criterion's report
#
# How: builds the benchmark on the host, boots `tests/vm/run --shell` and
# types one command into its console, which runs benches/zfs-status-guest.sh
# from the repository (mounted read-only in the guest at $H64_REPO, with
# target/). Criterion writes its data
# under /var/tmp in the guest, which is discarded. Timing under TCG (no KVM
# on this machine) is slower than on real hardware; compare the rows with
# each other, not with numbers from another machine. Results:
# docs/PERFORMANCE.md and docs/zfs.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=$(cargo bench -p helios64-benches --bench zfs_status --no-run --message-format=json 2> /dev/null |
  python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "zfs_status" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "zfs-status-in-vm: no benchmark executable" >&2; exit 1; }
rel=${bin#"$PWD/"}

work=$(mktemp -d)
trap 'kill "${writer:-0}" 2> /dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/console"

# What to type: one short line (the console can drop or repeat characters
# when typed fast), the work is in benches/zfs-status-guest.sh.
# The repository is mounted at its host path.
printf 'H64_REPO=%s sh %s/benches/zfs-status-guest.sh; echo BENCH-EXIT $?; exit\n' "$PWD" "$PWD" > "$work/commands"

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
  sleep 3600
} > "$work/console" &
writer=$!

tests/vm/run --shell --timeout=3000 < "$work/console" | tr -d '\r' | tee "$work/out" |
  grep -E "zfs-status-guest|BENCH-EXIT|^zfs_status/|time:|not run|rror" || true
grep -q "BENCH-EXIT 0" "$work/out"
