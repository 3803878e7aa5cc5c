#!/usr/bin/env bash
# Installs what the build, the tests and the test VM need on Debian 12
# (bookworm). Idempotent: when every package is already installed it does
# nothing, not even `apt-get update`.
#
#   scripts/deps.sh host     # build + host tests (libzfs 2.3 headers, libudev, libclang)
#   scripts/deps.sh cross    # aarch64 cross build + qemu-user test run
#   scripts/deps.sh vm       # test VM: qemu-system-x86, mmdebstrap
#   scripts/deps.sh bench    # the baselines ./dev bench runs (fancontrol)
#   scripts/deps.sh all
#
# ZFS 2.3 comes from bookworm-backports (contrib). Packages from backports
# are installed by the `pkg/bookworm-backports` form, never with
# `-t bookworm-backports`, which would also upgrade systemd and friends.
set -euo pipefail

BPO=bookworm-backports
ZFS_LIBS="libzfslinux-dev libnvpair3linux libuutil3linux libzfs6linux libzfsbootenv1linux libzpool6linux"

host_pkgs() {
  # sanoid: the oracle of helios64-retention's differential tests and
  # benchmark; time (GNU time): that benchmark's peak-RSS measurement.
  # prometheus (and its promtool), prometheus-node-exporter: the exporter's
  # tests scrape with the real ones and lint with promtool.
  echo pkg-config libudev-dev libclang-dev clang python3 strace sanoid time
  echo prometheus prometheus-node-exporter
  # iperf3: helios64-nettest's tests run the real one over loopback.
  echo iperf3
  # systemd: systemd-analyze for scripts/unit-security.sh (a container may
  # lack it); nix-bin: scripts/nix-eval.sh evaluates the NixOS module.
  echo systemd nix-bin
  # groff-base, man-db: helios64-gen-docs's tests format every generated man
  # page (groff -ww) and render it (man -l).
  echo groff-base man-db
  for p in $ZFS_LIBS; do echo "$p/$BPO"; done
  echo "smartmontools/$BPO"
}
cross_pkgs() {
  echo gcc-aarch64-linux-gnu libc6-dev-arm64-cross rustc-web cargo-web libstd-rust-web-dev:arm64 libudev-dev:arm64
  echo "qemu-user-static/$BPO"
  for p in $ZFS_LIBS; do echo "$p:arm64/$BPO"; done
}
bench_pkgs() {
  # fancontrol: the baseline of benches/fand-vs-fancontrol.sh.
  echo fancontrol strace
}
vm_pkgs() {
  # qemu from backports: the machine image ships qemu-utils 10.0 (bpo),
  # which Breaks bookworm's qemu-system-common 7.2.
  echo "qemu-system-x86/$BPO" "qemu-system-common/$BPO" "qemu-system-data/$BPO" "seabios/$BPO" ipxe-qemu
  echo "mmdebstrap/$BPO" "qemu-utils/$BPO" e2fsprogs zstd xz-utils debian-archive-keyring python3
}

case "${1:-all}" in
  host) want="$(host_pkgs)" ;;
  cross) want="$(cross_pkgs)" ;;
  vm) want="$(vm_pkgs)" ;;
  bench) want="$(bench_pkgs)" ;;
  all) want="$(host_pkgs) $(cross_pkgs) $(vm_pkgs) $(bench_pkgs)" ;;
  *) echo "usage: $0 host|cross|vm|bench|all" >&2; exit 2 ;;
esac

# Already there? (name[:arch] installed, and from backports when asked.)
missing=()
for spec in $want; do
  pkg=${spec%/*}
  suite=""; [ "$pkg" != "$spec" ] && suite=${spec#*/}
  status=$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}' "$pkg" 2>/dev/null || true)
  case "$status" in
    "ii "*) if [ "$suite" = "$BPO" ] && [[ "$status" != *bpo* ]]; then missing+=("$spec"); fi ;;
    *) missing+=("$spec") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "deps.sh: missing packages: ${missing[*]}; run as root (or install them) first" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
APT=(apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3)
src=/etc/apt/sources.list.d/helios64.sources
if [ ! -f "$src" ]; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '/^deb .*debian/{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  case "$mirror" in *security*|"") mirror=http://deb.debian.org/debian ;; esac
  cat > "$src" <<SRC
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $mirror
Suites: $BPO
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi
if [[ " ${missing[*]} " == *":arm64"* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
fi
echo "deps.sh: installing ${missing[*]}" >&2
"${APT[@]}" update -q >&2
"${APT[@]}" install -y -q --no-install-recommends "${missing[@]}" >&2
