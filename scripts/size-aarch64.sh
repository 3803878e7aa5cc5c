#!/usr/bin/env bash
# Builds what runs on the box — every daemon and oneshot and the CLI — for
# aarch64 with the release profile (fat LTO, one codegen unit, stripped,
# unwinding kept: fand's fail-safe runs in a drop guard and a panic hook)
# and checks each binary's size against the budget of issue 16 (3 MiB).
#
#   scripts/size-aarch64.sh          # build, print the table, exit 1 over budget
#
# The table goes to stdout and to target/aarch64-sizes.md. Same toolchain
# and environment as scripts/cross-aarch64.sh (Debian's rustc-web), its own
# target directory so the debug cross build keeps its cache.
set -euo pipefail
cd "$(dirname "$0")/.."
BUDGET=${SIZE_BUDGET_BYTES:-$((3 * 1024 * 1024))}
PACKAGES=(helios64 helios64-exporter helios64-fand helios64-pin-daemon helios64-scrub helios64-snap helios64-upsd)
BINARIES=(helios64 helios64-exporter helios64-fand helios64-pin helios64-scrub helios64-snap helios64-upsd)
export CROSS_TARGET_DIR=${CROSS_RELEASE_TARGET_DIR:-target/aarch64-debian-release}

args=()
for p in "${PACKAGES[@]}"; do args+=(-p "$p"); done
scripts/cross-aarch64.sh release "${args[@]}"

dir=$CROSS_TARGET_DIR/aarch64-unknown-linux-gnu/release
out=target/aarch64-sizes.md
over=0
# Not a pipeline: `over` must survive the loop.
{
  echo "| binary (aarch64, release, stripped) | bytes | MiB | budget 3 MiB |"
  echo "|---|---|---|---|"
  for b in "${BINARIES[@]}"; do
    [ -f "$dir/$b" ] || { echo "size-aarch64: $dir/$b was not built" >&2; exit 1; }
    file "$dir/$b" | grep -q "ARM aarch64" || { echo "size-aarch64: $dir/$b is not an aarch64 binary" >&2; exit 1; }
    file "$dir/$b" | grep -q "not stripped" && { echo "size-aarch64: $dir/$b is not stripped" >&2; exit 1; }
    bytes=$(stat -c %s "$dir/$b")
    verdict=ok
    if [ "$bytes" -gt "$BUDGET" ]; then verdict=OVER; over=1; fi
    printf '| %s | %d | %s | %s |\n' "$b" "$bytes" "$(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }')" "$verdict"
  done
} > "$out"
cat "$out"
[ "$over" = 0 ] || { echo "size-aarch64: a binary is over the ${BUDGET}-byte budget (see $out)" >&2; exit 1; }
