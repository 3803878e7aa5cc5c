#!/usr/bin/env bash
# Checks every unit in dist/systemd (docs/DEPLOYMENT.md, "Unit security"):
#
# 1. `systemd-analyze security --offline=yes` on each .service: the score must
#    be <= 3.0 and <= the score recorded for it in docs/DEPLOYMENT.md's table,
#    every service must have a row, and no row may name a unit that is gone.
#    Any warning systemd prints while reading a unit (an unknown key, a value
#    it cannot parse and ignores) fails too: the score would be of another unit.
# 2. `systemd-analyze verify --root=TMP` on every unit (services, timers, the
#    target). TMP is a throwaway root: this host's own units (sysinit.target
#    and friends), an empty executable at each helios64 ExecStart path, copies
#    of the host's other commands the units run (/bin/sh, /bin/kill), and
#    empty zfs-import.target / zfs-mount.service when the host has no OpenZFS
#    (the units Require= them). verify exits 0 on warnings, so any output fails.
# 3. dist/tmpfiles.d and dist/sysusers.d applied to TMP with
#    systemd-tmpfiles / systemd-sysusers --root (they reject bad lines).
# udev rules are not checked here: `udevadm verify` needs systemd >= 254.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX=3.0
DOC=docs/DEPLOYMENT.md
fail=0
bad() { printf 'unit-security: FAIL: %s\n' "$*" >&2; fail=1; }

command -v systemd-analyze >/dev/null || { echo "unit-security: systemd-analyze not found (scripts/deps.sh host installs systemd)" >&2; exit 1; }
echo "systemd: $(systemd-analyze --version | head -1)"

# The recorded table: rows "| `NAME.service` | SCORE | ..." between the markers.
declare -A recorded=()
while IFS='|' read -r _ name score _; do
  name=$(tr -d ' `' <<<"$name"); score=$(tr -d ' ' <<<"$score")
  [[ $name == *.service ]] || continue
  [[ $score =~ ^[0-9]+\.[0-9]$ ]] || { bad "$DOC: row $name has no score ($score)"; continue; }
  recorded[$name]=$score
done < <(sed -n '/<!-- unit-security:begin -->/,/<!-- unit-security:end -->/p' "$DOC")
[ ${#recorded[@]} -gt 0 ] || { echo "unit-security: no score table in $DOC" >&2; exit 1; }

le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a + 0 <= b + 0) }'; }

services=(dist/systemd/*.service)
printf '%-40s %6s %9s\n' unit score recorded
for u in "${services[@]}"; do
  name=$(basename "$u")
  err=$(mktemp)
  out=$(systemd-analyze security --offline=yes --no-pager "$u" 2>"$err") || { bad "$name: systemd-analyze security failed: $(cat "$err")"; rm -f "$err"; continue; }
  [ -s "$err" ] && bad "$name: warnings while reading the unit: $(cat "$err")"
  rm -f "$err"
  # A template is scored as an instance named "i" (systemd-analyze's choice).
  shown=$name; [[ $name == *@.service ]] && shown=${name%@.service}@i.service
  score=$(sed -n "s/.*Overall exposure level for $shown: \([0-9.]*\).*/\1/p" <<<"$out")
  [ -n "$score" ] || { bad "$name: no score in the output"; continue; }
  rec=${recorded[$name]:-}
  printf '%-40s %6s %9s\n' "$name" "$score" "${rec:--}"
  le "$score" "$MAX" || bad "$name: score $score above $MAX"
  if [ -z "$rec" ]; then
    bad "$name: not in $DOC's table"
  elif ! le "$score" "$rec"; then
    bad "$name: score $score above its recorded $rec"
  elif [ "$score" != "$rec" ]; then
    echo "unit-security: note: $name scores $score, below its recorded $rec: lower the table's row" >&2
  fi
  unset "recorded[$name]"
done
for name in "${!recorded[@]}"; do bad "$DOC names $name, which is not in dist/systemd"; done

# verify, tmpfiles, sysusers in a throwaway root.
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
host_units=/usr/lib/systemd/system; [ -e $host_units/sysinit.target ] || host_units=/lib/systemd/system
[ -e $host_units/sysinit.target ] || { echo "unit-security: this host has no systemd units (sysinit.target); install systemd" >&2; exit 1; }
mkdir -p "$T/usr/lib/systemd" "$T/etc/systemd/system"
cp -a "$host_units" "$T/usr/lib/systemd/system"
for stub in zfs-import.target zfs-mount.service; do
  [ -e "$T/usr/lib/systemd/system/$stub" ] && continue
  case $stub in
    *.target) printf '[Unit]\nDescription=stand-in for OpenZFS %s\n' "$stub" ;;
    *) printf '[Unit]\nDescription=stand-in for OpenZFS %s\n[Service]\nType=oneshot\nExecStart=/bin/true\n' "$stub" ;;
  esac > "$T/usr/lib/systemd/system/$stub"
done
cp dist/systemd/* "$T/usr/lib/systemd/system/"
# Every command an Exec*= line runs (its first word, prefixes -@:+! dropped).
for cmd in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' dist/systemd/*.service | sort -u) /bin/true; do
  mkdir -p "$T$(dirname "$cmd")"
  case $(basename "$cmd") in
    helios64*) printf '#!/bin/sh\n' > "$T$cmd" ;;
    *) [ -x "$cmd" ] || { bad "the units run $cmd, which this host lacks"; continue; }; cp -L "$cmd" "$T$cmd" ;;
  esac
  chmod 0755 "$T$cmd"
done
out=$(systemd-analyze verify --root="$T" dist/systemd/* 2>&1) || bad "systemd-analyze verify failed"
[ -z "$out" ] || bad "systemd-analyze verify: $out"
[ -z "$out" ] && echo "systemd-analyze verify: $(ls dist/systemd | wc -l) units, no warnings"

# Both read their files inside the root, as they would on the box.
mkdir -p "$T/usr/lib/sysusers.d" "$T/usr/lib/tmpfiles.d" "$T/etc"
cp dist/sysusers.d/*.conf "$T/usr/lib/sysusers.d/"; cp dist/tmpfiles.d/*.conf "$T/usr/lib/tmpfiles.d/"
out=$(systemd-sysusers --root="$T" 2>&1) || bad "systemd-sysusers: $out"
grep -q '^helios64-leds:' "$T/etc/group" || bad "systemd-sysusers created no helios64-leds group"
out=$(systemd-tmpfiles --root="$T" --create 2>&1) || bad "systemd-tmpfiles: $out"
[ -z "$out" ] || bad "systemd-tmpfiles: $out"
[ -d "$T/run/helios64" ] || bad "systemd-tmpfiles created no /run/helios64"
sh -n dist/system-shutdown/helios64-upsd || bad "dist/system-shutdown/helios64-upsd: not valid sh"

[ $fail -eq 0 ] || exit 1
echo "unit-security: ok"
