#!/usr/bin/env bash
# Bounded fuzz run of the smartctl JSON parser (cargo-fuzz, nightly).
#
#   scripts/fuzz-smart.sh            # 60 s
#   FUZZ_SECONDS=600 scripts/fuzz-smart.sh
#
# Seeds: every real fixture in fixtures/smartctl (read-only corpus); new
# inputs go to fuzz/corpus/parse (git-ignored). A crash leaves its input in
# fuzz/artifacts/parse and makes this script fail.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}

if ! rustup toolchain list | grep -q '^nightly'; then
  echo "fuzz-smart.sh: the nightly toolchain is required (rustup toolchain install nightly)" >&2
  exit 1
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

mkdir -p fuzz/corpus/parse
start=$(date +%s)
cargo +nightly fuzz run --fuzz-dir fuzz parse fuzz/corpus/parse fixtures/smartctl -- \
  -max_total_time="$seconds" -max_len=65536 -timeout=10 -print_final_stats=1
end=$(date +%s)
echo "fuzz-smart.sh: parse target ran ${seconds}s of fuzzing, $((end - start))s wall clock including the build"
