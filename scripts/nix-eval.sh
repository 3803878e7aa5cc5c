#!/usr/bin/env bash
# The NixOS module, evaluated offline (docs/DEPLOYMENT.md): every .nix file
# parses (`nix-instantiate --parse`), and nix/tests/eval.nix evaluates
# nix/module.nix with nixpkgs' lib against option stubs and asserts the
# rendered config. nixpkgs' lib: $NIXPKGS_LIB, else ../shared/vendor/nixpkgs.lib
# next to the repository (an unmodified copy; see its PROVENANCE.md). Neither
# there: this fails; it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v nix-instantiate >/dev/null || { echo "nix-eval: nix-instantiate not found (scripts/deps.sh host installs nix-bin)" >&2; exit 1; }
lib=${NIXPKGS_LIB:-$(git rev-parse --show-toplevel 2>/dev/null || pwd)/../shared/vendor/nixpkgs.lib}
if [ ! -f "$lib/lib/default.nix" ]; then
  echo "nix-eval: FAIL: no nixpkgs lib at $lib (set NIXPKGS_LIB to a nixpkgs.lib checkout)" >&2
  exit 1
fi
lib=$(cd "$lib" && pwd)
# No store or daemon is needed; keep Nix from asking for them.
export NIX_CONFIG="build-users-group =
experimental-features = nix-command flakes"
echo "nixpkgs lib: $lib ($(nix-instantiate --eval -E "(import $lib/lib).version" 2>/dev/null))"

for f in $(git ls-files '*.nix') ; do
  nix-instantiate --parse "$f" >/dev/null || { echo "nix-eval: FAIL: $f does not parse" >&2; exit 1; }
done
echo "parsed: $(git ls-files '*.nix' | tr '\n' ' ')"

out=$(nix-instantiate --eval --strict --json nix/tests/eval.nix --arg nixpkgsLib "$lib") || { echo "nix-eval: FAIL" >&2; exit 1; }
python3 -c 'import json,sys; p=json.loads(sys.argv[1])["passed"]; [print("  ok:", n) for n in p]; print(len(p), "assertions passed")' "$out"
