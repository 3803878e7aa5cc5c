#!/usr/bin/env bash
# Captures smartctl's JSON for QEMU's emulated disks in the test VM (the five
# AHCI bays, serials H64BAY1..5, and the NVMe disk NVME1) into
# fixtures/smartctl/qemu-vm/, byte for byte as the guest's smartctl printed
# it, and prints the rows for fixtures/smartctl/SOURCES.md.
#
#   scripts/capture-vm-smartctl.sh
#
# The in-guest test `smart::capture_smartctl_outputs`
# (crates/vm-tests/tests/vm/smart.rs) runs smartctl exactly as the runner
# does and prints each output between markers; this script picks them out of
# the VM's live output. See docs/TESTING.md for the VM itself.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
tests/vm/run -- smart::capture_smartctl_outputs --exact --nocapture | tee "$log"
python3 - "$log" fixtures/smartctl/qemu-vm << 'PY'
import json, re, sys
log, out = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\r\n") for l in open(log, encoding="utf-8", errors="replace")]
begin = re.compile(r"=== smartctl capture (\S+) (.*) BEGIN ===$")
rows = []
for i, line in enumerate(lines):
    m = begin.search(line)
    if not m:
        continue
    text = lines[i + 1]
    data = json.loads(text)
    proto = data["device"]["protocol"]
    kind = "nvme" if proto == "NVMe" else "ahci"
    serial = data["serial_number"]
    version = ".".join(str(v) for v in data["smartctl"]["version"])
    name = f"qemu-{kind}-{serial}-{version}.json"
    with open(f"{out}/{name}", "w", encoding="utf-8") as f:
        f.write(text + "\n")
    rows.append(f"| `qemu-vm/{name}` | `smartctl {m.group(2)}` | smartctl {version}; "
                f"exit={data['smartctl']['exit_status']}; {data['device']['type']}/{proto}; "
                f"{data['model_name']}; serial {serial}; passed={data['smart_status']['passed']} |")
if len(rows) != 6:
    sys.exit(f"expected 6 captures (5 bays + NVMe), found {len(rows)}")
print("\n".join(rows))
PY
