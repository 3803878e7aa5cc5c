#!/usr/bin/env bash
# One helios64-exporter scrape against what users run now for the same
# information: node_exporter, plus `zpool status` and smartctl per disk
# (smartctl_exporter's way: a fork per disk per scrape). Latency per scrape,
# processes started per scrape, resident memory.
#
#   benches/exporter-vs-node-exporter.sh host   # on the fixture board
#   benches/exporter-vs-node-exporter.sh vm     # in the test VM: real ZFS pool, real smartctl
#
# host: both daemons read the Armbian fixture tree (node_exporter through
#   --path.sysfs/--path.procfs; it has no ZFS or SMART to add there, so the
#   row is node_exporter alone); helios64-exporter serves the fixture's
#   saved pool and SMART outputs. Needs root for strace.
# vm: boots tests/vm/run --shell and types one command that runs
#   benches/exporter-guest.sh (the repository is mounted in the guest),
#   on a mirror of two bay disks and real smartctl on the five bays.
# Results: docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-host}
cargo build -q --release -p helios64-exporter
exporter=$PWD/target/release/helios64-exporter
node=$(command -v prometheus-node-exporter)

rss() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$1/status"; echo; }
forks() { # PID SECONDS: processes the daemon starts while being scraped
  timeout "$2" strace -f -qq -c -e trace=process -p "$1" -o "$work/strace.$1" 2> /dev/null || true
  awk '$NF ~ /^(clone|clone3|fork|vfork|execve)$/ {n += $4} END {print n + 0}' "$work/strace.$1"
}

if [ "$mode" = vm ]; then
  mkdir -p target/bench-bin
  cp "$node" target/bench-bin/node_exporter
  work=$(mktemp -d)
  trap 'kill "${writer:-0}" 2> /dev/null || true; rm -rf "$work"' EXIT
  mkfifo "$work/console"
  printf 'H64_REPO=%s sh %s/benches/exporter-guest.sh; echo BENCH-EXIT $?; exit\n' "$PWD" "$PWD" > "$work/commands"
  {
    for _ in $(seq 1 600); do
      grep -q "Run the tests:" "$work/out" 2> /dev/null && break
      sleep 1
    done
    sleep 2
    while IFS= read -r -n1 c; do printf '%s' "${c:-$'\n'}"; sleep 0.05; done < "$work/commands"
    exec sleep 3600 # the writer itself, so the EXIT trap's kill ends it (and its hold on the caller's lock)
  } > "$work/console" &
  writer=$!
  # tr block-buffers into a pipe: unbuffered, or the prompt never reaches "out".
  tests/vm/run --shell --timeout=3000 < "$work/console" | stdbuf -o0 tr -d '\r' | tee "$work/out" |
    grep -E "^(exporter-guest|helios64|baseline|node_exporter|RSS|forks)" || true
  grep -q "BENCH-EXIT 0" "$work/out"
  exit
fi

work=$(mktemp -d)
fix=$PWD/fixtures/sysfs/helios64-armbian
health=$PWD/fixtures/health/armbian
p1=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
p2=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$exporter" --root "$fix" --listen "127.0.0.1:$p1" --config /dev/null \
  --zpool-json "$health/zpool-status.json" --smartctl-json "$health"/smart/*.json 2> "$work/exporter.log" &
ep=$!
"$node" --path.sysfs="$fix/sys" --path.procfs="$fix/proc" --web.listen-address="127.0.0.1:$p2" 2> "$work/node.log" &
np=$!
trap 'kill $ep $np 2> /dev/null || true; rm -rf "$work"' EXIT
sleep 2
echo "fixture board, $(nproc) CPUs, $(uname -r)"
python3 benches/exporter-scrape.py --url "127.0.0.1:$p1" --n 200 --label "helios64-exporter (fixture)"
python3 benches/exporter-scrape.py --url "127.0.0.1:$p2" --n 200 --label "node_exporter (fixture sysfs/procfs)"
# Forks while scraped (5 s of back-to-back scrapes).
(python3 benches/exporter-scrape.py --url "127.0.0.1:$p1" --n 100000 --label x > /dev/null 2>&1 &
 echo $! > "$work/loop1")
echo "forks while scraped for 5 s: helios64-exporter $(forks $ep 5)"
kill "$(cat "$work/loop1")" 2> /dev/null || true
(python3 benches/exporter-scrape.py --url "127.0.0.1:$p2" --n 100000 --label x > /dev/null 2>&1 &
 echo $! > "$work/loop2")
echo "forks while scraped for 5 s: node_exporter $(forks $np 5)"
kill "$(cat "$work/loop2")" 2> /dev/null || true
echo "RSS helios64-exporter: $(rss $ep)"
echo "RSS node_exporter: $(rss $np)"
