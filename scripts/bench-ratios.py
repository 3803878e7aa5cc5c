#!/usr/bin/env python3
"""Turns one benchmark run's output into the table of ratios: ours against
the tool users run today, both measured in that run.

    scripts/bench-ratios.py [--title TEXT] OUTPUT.txt... > target/bench-ratios.md
    scripts/bench-ratios.py --splice docs/PERFORMANCE.md target/bench/*.txt

Reads criterion's report lines (`ID  time: [low median high]`, the id alone
on the line before when it is long), from the host run and from the guest
console of benches/zfs-in-vm.sh alike, and the one-line ratios of the
comparison scripts (`fancontrol / helios64-fand CPU per cycle: 30×`). A
`--splice FILE` writes the table into FILE between the lines
`<!-- bench-ratios:begin -->` and `<!-- bench-ratios:end -->` instead of to
stdout, so docs/PERFORMANCE.md's table is regenerated from one run. A
comparison whose rows are not in the input says so in the table ("not run
here") instead of disappearing; `--require-host` makes a missing host row an
error (exit 1), so CI notices a benchmark that stopped producing its row.
"""
import argparse
import datetime
import os
import platform
import re
import subprocess
import sys

UNITS = {"ps": 1e-12, "ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
TIME = re.compile(r"^(?:(\S+)\s+)?time:\s+\[\S+ \S+ (\S+) (\S+) \S+ \S+\]")
EXTERNAL = re.compile(r"^fancontrol / helios64-fand CPU per cycle: ([0-9.]+)×")

# (what, ours, baseline, target ratio or None, where it runs); `ours` may be
# a tuple of ids whose medians add up (work measured in parts).
COMPARISONS = [
    ("retention: plan 108,160 snapshots, process vs `sanoid --readonly`",
     "retention/helios64_process", "retention/sanoid_process", None, "host"),
    ("retention: the decisions (parse + plan) vs `sanoid --readonly`",
     ("retention/helios64_parse", "retention/helios64_plan"), "retention/sanoid_process", 50, "host"),
    ("retention: sanoid.conf + listing to JSON in process vs `sanoid --readonly`",
     "retention/helios64_in_process", "retention/sanoid_process", None, "host"),
    ("smartctl: typed parse vs `serde_json::Value`, ATA -x 38 KB",
     "smartctl_parse/typed/ata_x_38k", "smartctl_parse/value/ata_x_38k", None, "host"),
    ("smartctl: typed parse vs `serde_json::Value`, NVMe 6 KB",
     "smartctl_parse/typed/nvme_7_5", "smartctl_parse/value/nvme_7_5", None, "host"),
    ("zfs: pool list, native vs `zpool list -j`",
     "zfs_status/pool/native_pools", "zfs_status/pool/cli_pools", 20, "vm"),
]
for label in ("v6", "v24", "v60"):
    COMPARISONS.append((
        f"zfs: pool status, {label[1:]} file vdevs, native vs `zpool status -jp` + `zpool get`",
        f"zfs_status/pool/native_status/{label}", f"zfs_status/pool/cli_status/{label}", 50, "vm"))
for label, target in (("1k", None), ("10k", 3), ("50k", None)):
    COMPARISONS.append((
        f"zfs: list {label} snapshots over {50 if label == '50k' else 10} datasets, channel program vs `zfs list -t snapshot -Hp`",
        f"zfs_snapshots/list/native_program/{label}", f"zfs_snapshots/list/cli_zfs_list/{label}",
        target, "vm"))
COMPARISONS += [
    ("replicate: a full 256 MiB replication to another pool vs `zfs send | zfs receive`",
     "zfs_replicate/full/helios64_replicate", "zfs_replicate/full/zfs_send_receive", 0.95, "vm"),
    ("replicate: a run with nothing to send vs syncoid `--no-sync-snap`",
     "zfs_replicate/noop/helios64_replicate", "zfs_replicate/noop/syncoid", None, "vm"),
]
for label in ("1k", "10k", "50k"):
    COMPARISONS.append((
        f"zfs: list {label} snapshots, libzfs iteration (the fallback) vs `zfs list`",
        f"zfs_snapshots/list/native_iterated/{label}", f"zfs_snapshots/list/cli_zfs_list/{label}",
        None, "vm"))


def parse(paths):
    """criterion id -> median seconds; external name -> ratio."""
    times, external = {}, {}
    for path in paths:
        pending = None
        with open(path, encoding="utf-8", errors="replace") as f:
            for raw in f:
                line = raw.strip()
                m = TIME.match(line)
                if m:
                    bench = m.group(1) or pending
                    if bench and m.group(3) in UNITS:
                        times[bench] = float(m.group(2)) * UNITS[m.group(3)]
                    pending = None
                    continue
                m = EXTERNAL.match(line)
                if m:
                    external["fand"] = float(m.group(1))
                    continue
                # A long id stands alone on the line before its `time:`.
                if line and " " not in line and "/" in line:
                    pending = line
    return times, external


def human(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-12:.3g} ps"


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        rustc = subprocess.run(["rustc", "-V"], capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        rustc = "rustc not found"
    return f"{platform.machine()}, {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}; {rustc}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--title", default="one `./dev bench` run")
    ap.add_argument("--require-host", action="store_true")
    ap.add_argument("--splice", metavar="FILE")
    ap.add_argument("outputs", nargs="+")
    args = ap.parse_args()
    times, external = parse(args.outputs)
    lines = []
    print = lines.append  # noqa: A001 - the table is built, then written once

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"Benchmark ratios: {args.title}\n")
    print(f"- Date: {now}\n- Machine: {machine()}")
    print(f"- Inputs: {', '.join(args.outputs)}")
    print("- Ratio = baseline median / ours (higher is better); VM rows are under TCG.\n")
    print("| comparison | ours | baseline | ratio | target | |")
    print("|---|---|---|---|---|---|")
    missing_host = []
    for what, ours, base, target, where in COMPARISONS:
        parts = ours if isinstance(ours, tuple) else (ours,)
        if all(p in times for p in parts) and base in times:
            mine = sum(times[p] for p in parts)
            ratio = times[base] / mine
            verdict = "" if target is None else ("met" if ratio >= target else "**short**")
            tgt = "" if target is None else f"≥ {target}×"
            # Two decimals near 1: a 5 % target must be visible.
            shown = f"{ratio:.2f}" if ratio < 2 else f"{ratio:.1f}"
            print(f"| {what} | {human(mine)} | {human(times[base])} | {shown}× | {tgt} | {verdict} |")
        else:
            hint = "in the VM: `./dev bench --vm`" if where == "vm" else "host"
            print(f"| {what} | not run here ({hint}) | | | | |")
            if where == "host":
                missing_host.append(what)
    if "fand" in external:
        r = external["fand"]
        print(f"| fand: CPU per quiet cycle vs Debian's `fancontrol` | | | {r:.0f}× | ≥ 100× | "
              f"{'met' if r >= 100 else '**short**'} |")
    else:
        print("| fand: CPU per quiet cycle vs Debian's `fancontrol` | not run here (benches/fand-vs-fancontrol.sh) | | | | |")
    text = "\n".join(lines) + "\n"
    if args.splice:
        splice(args.splice, text)
    else:
        sys.stdout.write(text)
    if args.require_host and missing_host:
        sys.stderr.write(f"bench-ratios: no rows for: {'; '.join(missing_host)}\n")
        return 1
    return 0


BEGIN, END = "<!-- bench-ratios:begin -->", "<!-- bench-ratios:end -->"


def splice(path, text):
    with open(path, encoding="utf-8") as f:
        doc = f.read()
    if BEGIN not in doc or END not in doc:
        sys.exit(f"bench-ratios: {path} has no {BEGIN} ... {END} markers")
    head, rest = doc.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{head}{BEGIN}\n{text}{END}{tail}")


if __name__ == "__main__":
    sys.exit(main())
