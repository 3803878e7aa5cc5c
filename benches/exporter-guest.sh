#!/bin/sh
# Guest half of benches/exporter-vs-node-exporter.sh vm: inside the test
# VM (the repository mounted at $H64_REPO). A mirror of bays 2 and 3, then
# helios64-exporter (SMART refreshed once in the background, ZFS native)
# against node_exporter + `zpool status -jp` + smartctl -a on each bay disk.
set -e
R=$H64_REPO
cfg=/var/tmp/exporter-bench
mkdir -p $cfg
addr=$(cat /sys/bus/pci/drivers/ahci/*/uevent 2> /dev/null | sed -n 's/^PCI_SLOT_NAME=//p' | head -n 1)
printf 'sata_controller = "%s"\n[smart]\nstate_file = ""\n' "$addr" > $cfg/health.toml
printf 'smart_interval_seconds = 86400\n' > $cfg/exporter.toml
zpool create -f -o cachefile=none -O mountpoint=none benchpool \
  mirror /dev/disk/by-id/ata-QEMU_HARDDISK_H64BAY2 /dev/disk/by-id/ata-QEMU_HARDDISK_H64BAY3
echo "exporter-guest: $(zfs version | head -n 1), $(uname -r), ahci $addr"
"$R/target/release/helios64-exporter" --listen 127.0.0.1:9164 --config $cfg/exporter.toml \
  --health-config $cfg/health.toml 2> $cfg/exporter.log &
ep=$!
"$R/target/bench-bin/node_exporter" --web.listen-address=127.0.0.1:9100 2> $cfg/node.log &
np=$!
# The first SMART run (five smartctl) finishes before the timed scrapes.
for i in $(seq 1 120); do
  python3 -c 'import socket;s=socket.create_connection(("127.0.0.1",9164));s.sendall(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");d=b"";
while True:
  b=s.recv(65536)
  if not b: break
  d+=b
raise SystemExit(0 if b"collector=\"smart\"} 1" in d else 1)' && break
  sleep 1
done
disks=$(for n in 1 2 3 4 5; do readlink -f /dev/disk/by-id/ata-QEMU_HARDDISK_H64BAY$n; done)
also=""
set -- --also "zpool status -jp --json-int"
for d in $disks; do set -- "$@" --also "smartctl --json=c -a -n standby -d sat $d"; done
python3 "$R/benches/exporter-scrape.py" --url 127.0.0.1:9164 --n 30 --label "helios64-exporter (VM)"
python3 "$R/benches/exporter-scrape.py" --url 127.0.0.1:9100 "$@" --n 30 --label "baseline: node_exporter + zpool status + 5 smartctl (VM)"
python3 "$R/benches/exporter-scrape.py" --url 127.0.0.1:9100 --n 30 --label "node_exporter alone (VM)"
forks() {
  python3 "$R/benches/exporter-scrape.py" --url "$2" --n 100000 --label x > /dev/null 2>&1 &
  lp=$!
  timeout 10 strace -f -qq -c -e trace=process -p "$1" -o $cfg/strace.$1 2> /dev/null || true
  kill $lp 2> /dev/null || true
  awk '$NF ~ /^(clone|clone3|fork|vfork|execve)$/ {n += $4} END {print n + 0}' $cfg/strace.$1
}
echo "forks while scraped for 10 s: helios64-exporter $(forks $ep 127.0.0.1:9164), node_exporter $(forks $np 127.0.0.1:9100)"
echo "RSS helios64-exporter: $(awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' /proc/$ep/status)"
echo "RSS node_exporter: $(awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' /proc/$np/status)"
kill $ep $np
zpool destroy benchpool
