#!/usr/bin/env python3
"""Times scrapes of one or more HTTP /metrics endpoints, raw sockets only
(the guest has python3-minimal). With --also CMD, each scrape also runs the
commands given (the `zpool status` and per-disk smartctl users run next to
node_exporter), counted in the same wall time.

    exporter-scrape.py --url 127.0.0.1:9164 --n 50 [--also 'zpool status -jp'] ...

Prints: median and p90 milliseconds per scrape, bytes, and processes
started per scrape (the --also commands; the endpoints' own forks are
counted with strace by the caller).
"""
import argparse
import socket
import subprocess
import time


def get(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=60)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    chunks = []
    while True:
        b = s.recv(65536)
        if not b:
            break
        chunks.append(b)
    s.close()
    data = b"".join(chunks)
    if not data.startswith(b"HTTP/1.1 200"):
        raise SystemExit("scrape of %s failed: %r" % (addr, data[:80]))
    return len(data)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", action="append", default=[])
    p.add_argument("--also", action="append", default=[])
    p.add_argument("--n", type=int, default=50)
    p.add_argument("--label", default="scrape")
    a = p.parse_args()
    for _ in range(3):  # warm-up
        for u in a.url:
            get(u)
    times, size = [], 0
    for _ in range(a.n):
        t0 = time.perf_counter()
        size = sum(get(u) for u in a.url)
        for cmd in a.also:
            subprocess.run(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    med = times[len(times) // 2]
    p90 = times[int(len(times) * 0.9)]
    print("%s: n=%d median=%.2f ms p90=%.2f ms bytes=%d processes_per_scrape=%d"
          % (a.label, a.n, med, p90, size, len(a.also)))


if __name__ == "__main__":
    main()
