#!/usr/bin/env python3
"""Idle cost of helios64-upsd on mains against the timer+script approach.

Runs side by side, for the same wall time, on a copy of the Armbian fixture
tree (mains online, pack 8.06 V):

* helios64-upsd (release build) with its defaults (a reading every 5 s,
  udev not opened on a tree) and the unit's watchdog (WATCHDOG_USEC=30 s,
  a notify socket this script drains), and
* Armbian's helios64-ups.sh check as a 10 s timer would start it: a shell
  that reads in_voltage2_raw and in_voltage_scale with cat and computes the
  millivolts with bc, every 10 s (the systemd timer's own cost is not
  counted: that favours the script).

Each is a child of this script; wait4(2) gives its CPU time, context
switches and those of every child it reaped. RSS is read from
/proc/PID/status before the stop. Usage: upsd-idle.py BINARY FIXTURE SECONDS
"""
import os, shutil, signal, socket, sys, tempfile, threading, time

binary, fixture, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
work = tempfile.mkdtemp(prefix="upsd-idle-")
root = os.path.join(work, "root")
shutil.copytree(fixture, root, symlinks=True)
adc = os.path.join(root, "sys/devices/platform/ff100000.saradc/iio:device1")

script = os.path.join(work, "helios64-ups.sh")
with open(script, "w") as f:
    f.write(f"""#!/bin/bash
# Armbian's helios64-ups.sh, paths moved under the fixture tree.
TH=916
val=$(cat '{adc}/in_voltage2_raw')
sca=$(cat '{adc}/in_voltage_scale')
adc=$(echo "$val * $sca /1" | bc)
if [ "$adc" -le $TH ]; then
    echo poweroff
fi
""")
os.chmod(script, 0o755)
timer = os.path.join(work, "timer.sh")
with open(timer, "w") as f:
    f.write(f"#!/bin/bash\nwhile :; do sleep 10; {script} >/dev/null; done\n")
os.chmod(timer, 0o755)

sock_path = os.path.join(work, "notify")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(sock_path)
pings = [0]
def drain():
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            return
        if b"WATCHDOG=1" in data:
            pings[0] += 1
threading.Thread(target=drain, daemon=True).start()

env = {"PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": sock_path, "WATCHDOG_USEC": "30000000",
       "HELIOS64_LOG": "warn"}
devnull = os.open(os.devnull, os.O_RDWR)
def spawn(argv, env):
    pid = os.fork()
    if pid == 0:
        os.dup2(devnull, 0); os.dup2(devnull, 1)
        os.execve(argv[0], argv, env)
    return pid

upsd = spawn([binary, "--root", root], env)
script_pid = spawn([timer], {"PATH": "/usr/bin:/bin"})

def upsd_counters():
    """CPU ns and context switches of every upsd thread, from /proc."""
    ns = sw = 0
    for tid in os.listdir(f"/proc/{upsd}/task"):
        with open(f"/proc/{upsd}/task/{tid}/schedstat") as f:
            ns += int(f.read().split()[0])
        with open(f"/proc/{upsd}/task/{tid}/status") as f:
            for line in f:
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    sw += int(line.split()[1])
    return ns, sw

# Steady state: from 30 s in (start-up done) to the end.
warm = 30.0
time.sleep(warm)
ns0, sw0 = upsd_counters()
time.sleep(seconds - warm)
ns1, sw1 = upsd_counters()

def status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
rss = {"upsd": (status(upsd, "VmRSS"), status(upsd, "VmHWM")),
       "script": (status(script_pid, "VmRSS"), status(script_pid, "VmHWM"))}
os.kill(upsd, signal.SIGTERM)
os.kill(script_pid, signal.SIGTERM)
results = {}
for name, pid in (("upsd", upsd), ("script", script_pid)):
    _, st, ru = os.wait4(pid, 0)
    results[name] = ru
minutes = seconds / 60.0
print(f"run: {seconds:.0f} s side by side; watchdog pings seen from upsd: {pings[0]}")
steady = seconds - warm
print(f"upsd steady state ({steady:.0f} s after a {warm:.0f} s warm-up): "
      f"{(ns1 - ns0) / 1e9 * 3600 / steady:.3f} CPU s/hour, {(sw1 - sw0) * 60 / steady:.1f} context switches/min")
print(f"{'':8} {'CPU s':>8} {'CPU s/hour':>11} {'ctx sw/min':>11} {'VmRSS KiB':>10} {'VmHWM KiB':>10}")
for name, ru in results.items():
    cpu = ru.ru_utime + ru.ru_stime
    sw = (ru.ru_nvcsw + ru.ru_nivcsw) / minutes
    print(f"{name:8} {cpu:8.3f} {cpu * 3600 / seconds:11.2f} {sw:11.1f} {rss[name][0]:10} {rss[name][1]:10}")
shutil.rmtree(work)
