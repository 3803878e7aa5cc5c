#!/usr/bin/env bash
# Cross-builds the workspace for aarch64-unknown-linux-gnu (the Helios64's
# target) with Debian's rustc-web + libstd-rust-web-dev:arm64 and
# gcc-aarch64-linux-gnu, then runs the unit tests of the crates that parse
# or bind C under qemu-aarch64-static. `c_char` is unsigned on aarch64 and
# `long` layouts differ from what a host-only build sees, so this catches
# real FFI bugs.
#
#   scripts/cross-aarch64.sh            # build everything, run the unit tests
#   scripts/cross-aarch64.sh build      # build only
#   scripts/cross-aarch64.sh release -p CRATE...  # release build of those
#
# Uses /usr/bin/cargo and /usr/bin/rustc explicitly (a rustup toolchain may
# shadow them on PATH) and its own target directory, so host builds keep
# their cache.
set -euo pipefail
cd "$(dirname "$0")/.."

TRIPLE=aarch64-unknown-linux-gnu
MULTIARCH=aarch64-linux-gnu
# Crates whose unit tests run under emulation: the board model, the parsers,
# the ZFS model and bindings (nvlist round trips through the real arm64
# libnvpair), the process runner (qemu-user reports a failed exec as exit
# status 127), the daemon runtime (signalfd, timerfd and poll through the
# arm64 syscalls) the snapshot planner and the UPS policy.
TEST_CRATES=(${CROSS_TEST_CRATES:-helios64-hal smartctl-parser helios64-zfs-model helios64-zfs helios64-exec helios64-service helios64-retention helios64-ups})

for tool in /usr/bin/cargo /usr/bin/rustc "$MULTIARCH-gcc" qemu-aarch64-static; do
  command -v "$tool" >/dev/null || { echo "cross-aarch64: $tool is missing (run scripts/deps.sh cross)" >&2; exit 1; }
done
[ -d "/usr/lib/rustlib/$TRIPLE/lib" ] || { echo "cross-aarch64: libstd-rust-web-dev:arm64 is missing" >&2; exit 1; }

export RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc
export CARGO_TARGET_DIR=${CROSS_TARGET_DIR:-target/aarch64-debian}
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=$MULTIARCH-gcc
# The arm64 loader and libraries are installed multiarch, so qemu needs no -L.
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=qemu-aarch64-static
export CC_aarch64_unknown_linux_gnu=$MULTIARCH-gcc
export AR_aarch64_unknown_linux_gnu=$MULTIARCH-ar
export PKG_CONFIG_ALLOW_CROSS=1
export PKG_CONFIG_PATH_aarch64_unknown_linux_gnu=/usr/lib/$MULTIARCH/pkgconfig
export PKG_CONFIG_LIBDIR_aarch64_unknown_linux_gnu=/usr/lib/$MULTIARCH/pkgconfig:/usr/share/pkgconfig
export BINDGEN_EXTRA_CLANG_ARGS_aarch64_unknown_linux_gnu="--target=$MULTIARCH -I/usr/include/$MULTIARCH"

CARGO=(/usr/bin/cargo)
echo "cross-aarch64: $(/usr/bin/rustc --version), target $TRIPLE" >&2
if [ "${1:-test}" = release ]; then
  # The shipped binaries: `release PACKAGE-ARGS...` (scripts/size-aarch64.sh).
  shift
  "${CARGO[@]}" build --locked --release --target "$TRIPLE" "$@"
  exit 0
fi
"${CARGO[@]}" build --locked --workspace --all-targets --target "$TRIPLE"
[ "${1:-test}" = build ] && exit 0

present=()
for c in "${TEST_CRATES[@]}"; do
  if "${CARGO[@]}" metadata --no-deps --format-version 1 --locked | grep -q "\"name\":\"$c\""; then
    present+=(-p "$c")
  else
    echo "cross-aarch64: crate $c is not in the workspace" >&2; exit 1
  fi
done
"${CARGO[@]}" test --locked --target "$TRIPLE" "${present[@]}" --lib --all-features
