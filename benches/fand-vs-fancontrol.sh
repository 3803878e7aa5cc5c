#!/usr/bin/env bash
# helios64-fand and Debian's fancontrol, side by side in one run, on the same
# Helios64-shaped hwmon tree on tmpfs (a copy of fixtures/sysfs/helios64-armbian),
# with equivalent configurations: both fans follow the CPU zone, 40 °C -> 29,
# 80 °C -> 255 (fancontrol's MINTEMP/MAXTEMP/MINSTOP/MAXPWM), floor 20
# (MINPWM, which Kobol's /etc/fancontrol sets and fancontrol reads here
# because the key is written right), kick 60 (MINSTART), a 1 s cycle.
#
# Per steady-state cycle (nothing changes: the CPU stays at 45 °C):
#   CPU    cpuacct usage of a cgroup holding the daemon and all it forks,
#          over WINDOW seconds, divided by the cycles in the window;
#   forks  clone/clone3/fork/vfork per cycle, strace -f -c over the window;
#   calls  every system call per cycle, same strace run;
#   RSS    VmRSS of the daemon's main process at the end.
# Prints a Markdown table. Needs root (cgroup v1 cpuacct or v2, strace,
# /var/run/fancontrol.pid) and the fancontrol package.
#   benches/fand-vs-fancontrol.sh [path/to/helios64-fand]
set -euo pipefail
cd "$(dirname "$0")/.."
FAND=${1:-target/release/helios64-fand}
WINDOW=${WINDOW:-20}
WARMUP=${WARMUP:-3}
[ -x "$FAND" ] || { echo "$FAND: not built (cargo build --release -p helios64-fand)" >&2; exit 2; }
command -v fancontrol > /dev/null || { echo "fancontrol is not installed (apt install fancontrol)" >&2; exit 2; }
command -v strace > /dev/null || { echo "strace is not installed" >&2; exit 2; }
[ ! -e /var/run/fancontrol.pid ] || { echo "/var/run/fancontrol.pid exists: is fancontrol running?" >&2; exit 2; }

work=$(mktemp -d /dev/shm/h64-fanbench.XXXXXX)
cg=
cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null || true
  [ -n "$cg" ] && rmdir "$cg" 2> /dev/null || true
  rm -rf "$work"
  rm -f /var/run/fancontrol.pid
}
trap cleanup EXIT

# A cgroup that counts CPU time of a process and everything it forks.
if [ -d /sys/fs/cgroup/cpuacct ]; then
  cg=/sys/fs/cgroup/cpuacct/h64-fanbench.$$
  mkdir "$cg"
  usage_ns() { cat "$cg/cpuacct.usage"; }
  join_cg() { echo "$1" > "$cg/tasks"; }
elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  cg=/sys/fs/cgroup/h64-fanbench.$$
  mkdir "$cg"
  usage_ns() { echo $(($(awk '/^usage_usec/ {print $2}' "$cg/cpu.stat") * 1000)); }
  join_cg() { echo "$1" > "$cg/cgroup.procs"; }
else
  echo "no cgroup cpu accounting (v1 cpuacct or v2) to measure with" >&2
  exit 2
fi

tree=$work/tree
cp -a fixtures/sysfs/helios64-armbian "$tree"
zone=$(readlink -f "$tree/sys/class/thermal/thermal_zone0")/temp
echo 45000 > "$zone"
p6=$(ls -d "$tree"/sys/devices/platform/p6-fan/hwmon/hwmon*)/pwm1
p7=$(ls -d "$tree"/sys/devices/platform/p7-fan/hwmon/hwmon*)/pwm1

mkdir -p "$tree/etc/helios64"
cat > "$tree/etc/helios64/fand.toml" << 'TOML'
interval_secs = 1
[inputs.cpu]
sensor = "cpu"
curve = [{ temp = 40, pwm = 29 }, { temp = 80, pwm = 255 }]
[fans.p6]
inputs = ["cpu"]
[fans.p7]
inputs = ["cpu"]
TOML
cat > "$work/fancontrol" << CONF
INTERVAL=1
FCTEMPS=$p6=$zone $p7=$zone
MINTEMP=$p6=40 $p7=40
MAXTEMP=$p6=80 $p7=80
MINSTART=$p6=60 $p7=60
MINSTOP=$p6=29 $p7=29
MINPWM=$p6=20 $p7=20
MAXPWM=$p6=255 $p7=255
CONF

# measure NAME COMMAND...: one row.
measure() {
  local name=$1; shift
  echo 36 > "$p6"; echo 36 > "$p7"
  # The daemon joins the cgroup before it execs, so every fork is counted.
  sh -c "echo \$\$ > /dev/null; exec \"\$@\"" sh "$@" > "$work/$name.out" 2>&1 &
  pid=$!
  join_cg "$pid"
  sleep "$WARMUP"
  local u0 u1
  u0=$(usage_ns)
  sleep "$WINDOW"
  u1=$(usage_ns)
  local rss
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  # Syscalls and forks over another window of the same length.
  timeout -s INT "$WINDOW" strace -f -c -q -p "$pid" -o "$work/$name.strace" 2> /dev/null || true
  local pwm6 pwm7
  pwm6=$(cat "$p6"); pwm7=$(cat "$p7")
  kill "$pid"; wait "$pid" 2> /dev/null || true
  pid=
  local total forks cpu_us
  total=$(awk '$NF == "total" {print $(NF-2)}' "$work/$name.strace")
  forks=$(awk '$NF ~ /^(clone|clone3|fork|vfork)$/ {n += $4} END {print n + 0}' "$work/$name.strace")
  cpu_us=$(awk -v d=$((u1 - u0)) -v w="$WINDOW" 'BEGIN {printf "%.1f", d / 1000 / w}')
  printf '| %s | %s µs | %s | %s | %s KiB | %s/%s |\n' "$name" "$cpu_us" \
    "$(awk -v f="$forks" -v w="$WINDOW" 'BEGIN {printf "%.2f", f / w}')" \
    "$(awk -v t="$total" -v w="$WINDOW" 'BEGIN {printf "%.1f", t / w}')" "$rss" "$pwm6" "$pwm7"
  echo "$cpu_us" > "$work/$name.cpu"
}

echo "| daemon | CPU per cycle | forks per cycle | syscalls per cycle | RSS | pwm P6/P7 at 45 °C |"
echo "|---|---|---|---|---|---|"
measure helios64-fand "$FAND" --root "$tree"
measure fancontrol fancontrol "$work/fancontrol"
awk -v a="$(cat "$work/helios64-fand.cpu")" -v b="$(cat "$work/fancontrol.cpu")" \
  'BEGIN {printf "\nfancontrol / helios64-fand CPU per cycle: %.0f×\n", b / a}'
