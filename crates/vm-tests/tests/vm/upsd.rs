//! helios64-upsd on the real kernel: mains from test_power's `test_ac`
//! (toggled through its module parameter; udev `change` events reach the
//! daemon), the pack voltage from the h64_saradc test driver (an IIO device
//! named like the RK3399 SARADC, codes set through its `raw` parameter),
//! `shutdown_command` pointing at a recorder; and the system-shutdown hook
//! latching the auto-power-on flip-flop on gpio-sim's gpio4 lines 25/26,
//! watched through the kernel's `gpio_value` trace events.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vm_env::{board, require_guest};

use crate::common::{read, run, run_ok, write};

const AC_PARAM: &str = "/sys/module/test_power/parameters/ac_online";
const RAW_PARAM: &str = "/sys/module/h64_saradc/parameters/raw";
const STATE_FILE: &str = "/run/helios64/upsd.json";
const RECORDS: &str = "/var/lib/helios64/upsd";

/// Puts the guest back however a test ends: mains on, the ADC unloaded,
/// the daemon's files gone, the daemon killed.
struct Rig {
    dir: PathBuf,
    daemon: Option<Child>,
}

impl Rig {
    fn new(tag: &str) -> Rig {
        let guest = require_guest();
        let dir = guest.scratch_dir(tag).unwrap();
        run_ok("modprobe", &["h64_saradc"]);
        write(AC_PARAM, "on");
        Rig { dir, daemon: None }
    }

    fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.join(name);
        fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn start(&mut self, extra: &str) {
        let record =
            self.script("record", &format!("echo \"$@\" >> {}/shutdowns", self.dir.display()));
        let notify =
            self.script("notify", &format!("echo \"$NOTIFYTYPE\" >> {}/notes", self.dir.display()));
        let config = self.dir.join("upsd.toml");
        let base = format!(
            "on_battery_poll_interval_ms = 100\non_battery_delay_secs = 1\nmax_on_battery_secs = 3\n\
             wall = false\nshutdown_command = [\"{}\", \"poweroff\"]\nnotify_command = [\"{}\"]\n",
            record.display(),
            notify.display()
        );
        // A key in `extra` replaces the base's (TOML allows a key once).
        let key = |line: &str| line.split('=').next().unwrap_or_default().trim().to_owned();
        let overridden: Vec<String> = extra.lines().map(key).collect();
        let kept: Vec<&str> = base.lines().filter(|l| !overridden.contains(&key(l))).collect();
        fs::write(&config, format!("{}\n{extra}", kept.join("\n"))).unwrap();
        let bin = require_guest().binary("helios64-upsd").unwrap();
        let child = Command::new(bin)
            .arg("--config")
            .arg(&config)
            .env("HELIOS64_LOG", "debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(fs::File::create(self.dir.join("stderr")).unwrap())
            .spawn()
            .unwrap();
        self.daemon = Some(child);
        self.wait_for("the first state file", || Path::new(STATE_FILE).exists());
    }

    fn lines(&self, name: &str) -> Vec<String> {
        fs::read_to_string(self.dir.join(name))
            .map(|t| t.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn state(&self) -> serde_json::Value {
        let text = fs::read_to_string(STATE_FILE).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["state"].clone()
    }

    fn wait_for(&self, what: &str, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if done() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("timed out waiting for {what}; stderr:\n{}", self.lines("stderr").join("\n"));
    }

    fn stop(&mut self) -> String {
        if let Some(mut child) = self.daemon.take() {
            let pid = i32::try_from(child.id()).unwrap();
            // SAFETY: kill(2) on our own child's pid.
            let sent = unsafe { libc::kill(pid, libc::SIGTERM) };
            assert_eq!(sent, 0);
            let status = child.wait().unwrap();
            assert_eq!(status.code(), Some(0), "{}", self.lines("stderr").join("\n"));
        }
        self.lines("stderr").join("\n")
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        if let Some(mut child) = self.daemon.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        write(AC_PARAM, "on");
        let _ = run("rmmod", &["h64_saradc"]);
        let _ = fs::remove_file(STATE_FILE);
        let _ = fs::remove_dir_all(RECORDS);
    }
}

#[test]
fn glitch_nothing_short_outage_cancelled_long_outage_one_shutdown() {
    let mut rig = Rig::new("upsd-outage");
    // A minute between polls on mains: only udev's event can start the
    // debounce within the test's timings.
    rig.start("poll_interval_ms = 60000\n");
    let state = rig.state();
    assert_eq!(
        (state["state"].as_str(), state["mains_source"].as_str()),
        (Some("online"), Some(board::MAINS_SUPPLY))
    );
    assert_eq!(state["filtered_mv"], 8058, "raw 600 × 1800/1024 mV × 7.64");
    assert_eq!(state["dc_in_mv"], 11_956, "raw 745 × 1800/1024 mV × 9.13");

    write(AC_PARAM, "off");
    std::thread::sleep(Duration::from_millis(300));
    write(AC_PARAM, "on");
    rig.wait_for("the flicker, seen through udev", || rig.state()["counters"]["glitches"] == 1);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(rig.lines("notes").is_empty(), "a flicker notified: {:?}", rig.lines("notes"));
    assert_eq!(rig.state()["state"], "online");

    let off = Instant::now();
    write(AC_PARAM, "off");
    rig.wait_for("ONBATT", || rig.lines("notes").contains(&"ONBATT".to_owned()));
    // The poll on mains is a minute: only the udev event can be this fast.
    assert!(off.elapsed() < Duration::from_secs(10), "on battery after {:?}", off.elapsed());
    write(AC_PARAM, "on");
    rig.wait_for("ONLINE", || rig.lines("notes").contains(&"ONLINE".to_owned()));
    std::thread::sleep(Duration::from_secs(4));
    assert!(rig.lines("shutdowns").is_empty(), "cancelled, yet shut down");

    write(AC_PARAM, "off");
    rig.wait_for("the shutdown command", || !rig.lines("shutdowns").is_empty());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(rig.lines("shutdowns"), ["poweroff"], "exactly once");
    assert_eq!(rig.lines("notes"), ["ONBATT", "ONLINE", "ONBATT", "SHUTDOWN"]);
    let state = rig.state();
    assert_eq!(
        (state["state"].as_str(), state["shutdown"]["rule"].as_str()),
        (Some("shutdown"), Some("max_on_battery"))
    );
    assert!(Path::new(RECORDS).join("last-shutdown.json").exists());
    let pid = rig.daemon.as_ref().unwrap().id();
    let rss = read(format!("/proc/{pid}/status"))
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .unwrap()
        .to_owned();
    eprintln!("helios64-upsd (debug build, udev monitor open) after the test: {rss}");
    let stderr = rig.stop();
    assert!(stderr.contains("mains from power_supply test_ac"), "{stderr}");
}

#[test]
fn a_falling_pack_read_through_iio_shuts_down_at_the_threshold() {
    let mut rig = Rig::new("upsd-low");
    rig.start(
        "poll_interval_ms = 500\nmax_on_battery_secs = 0\nbattery_unreadable_limit_secs = 600\n",
    );
    write(AC_PARAM, "off");
    rig.wait_for("ONBATT", || rig.lines("notes").contains(&"ONBATT".to_owned()));
    // 525 × 1800/1024 × 7.64 = 7051 mV: above 7.0 V, no shutdown.
    write(RAW_PARAM, "0,1023,525,0,0,0");
    std::thread::sleep(Duration::from_secs(2));
    assert!(rig.lines("shutdowns").is_empty());
    assert_eq!(rig.state()["filtered_mv"], 7051);
    // 515: 6916 mV, for good.
    write(RAW_PARAM, "0,1023,515,0,0,0");
    rig.wait_for("the shutdown command", || !rig.lines("shutdowns").is_empty());
    let state = rig.state();
    assert_eq!(state["shutdown"]["rule"], "low_voltage");
    assert_eq!(rig.lines("notes"), ["ONBATT", "LOWBATT", "SHUTDOWN"]);
    write(RAW_PARAM, "0,1023,600,0,745,0");
    rig.stop();
}

/// The global GPIO number of gpio-sim bank `label`'s line 0.
fn gpio_base(label: &str) -> u32 {
    let debug = read("/sys/kernel/debug/gpio");
    for line in debug.lines() {
        // "gpiochip4: GPIOs 640-671, parent: platform/gpio-sim.0, gpio4, can sleep:"
        if line.starts_with("gpiochip")
            && (line.contains(&format!(", {label},")) || line.contains(&format!(", {label}:")))
        {
            let after = line.split("GPIOs ").nth(1).unwrap();
            return after.split('-').next().unwrap().trim().parse().unwrap();
        }
    }
    panic!("no chip {label} in /sys/kernel/debug/gpio:\n{debug}");
}

fn tracing_dir() -> PathBuf {
    for dir in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
        if Path::new(dir).join("trace").exists() {
            return PathBuf::from(dir);
        }
    }
    run_ok("mount", &["-t", "tracefs", "nodev", "/sys/kernel/tracing"]);
    PathBuf::from("/sys/kernel/tracing")
}

/// Runs the hook with `verb` and returns the values set on (D, CLK) lines
/// 25/26 of gpio4, in order, as the kernel traced them.
fn hook_trace(verb: &str) -> (Vec<(u32, u32)>, String) {
    let base = gpio_base(board::AUTO_ON_EN_D.bank);
    let trace = tracing_dir();
    let event = trace.join("events/gpio/gpio_value/enable");
    write(trace.join("trace"), "");
    write(&event, "1");
    let bin = require_guest().binary("helios64-upsd").unwrap();
    let out = Command::new(bin).args(["--shutdown-hook", verb]).output().unwrap();
    write(&event, "0");
    let text = read(trace.join("trace"));
    let (d, clk) = (base + board::AUTO_ON_EN_D.offset, base + board::AUTO_ON_EN_CLK.offset);
    let mut seen = Vec::new();
    for line in text.lines().filter(|l| l.contains("gpio_value:")) {
        // "... gpio_value: 665 set 1"
        let fields: Vec<&str> =
            line.split("gpio_value:").nth(1).unwrap().split_whitespace().collect();
        let (gpio, op, value) =
            (fields[0].parse::<u32>().unwrap(), fields[1], fields[2].parse::<u32>().unwrap());
        if op == "set" && (gpio == d || gpio == clk) {
            seen.push((gpio - base, value));
        }
    }
    assert!(out.status.success(), "{verb}: {}", String::from_utf8_lossy(&out.stderr));
    (seen, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// D latched by the CLK line's rising edge.
fn latched(seen: &[(u32, u32)]) -> Option<u32> {
    let mut d = None;
    let mut clk = None;
    for &(line, value) in seen {
        if line == board::AUTO_ON_EN_D.offset {
            d = Some(value);
        } else {
            if clk == Some(0) && value == 1 {
                return d;
            }
            clk = Some(value);
        }
    }
    None
}

#[test]
fn the_shutdown_hook_latches_auto_power_on_the_right_way() {
    let _rig = Rig::new("upsd-hook");
    let _ = fs::remove_file(STATE_FILE);
    // On mains, a deliberate power-off: disarmed (D=0 clocked in).
    let (seen, said) = hook_trace("poweroff");
    assert_eq!(seen, [(25, 0), (26, 0), (26, 1), (26, 0)], "{said}");
    assert_eq!(latched(&seen), Some(0));
    assert!(said.contains("auto power-on disarmed: powering off on mains"), "{said}");
    // On battery: armed (D=1), so the board starts when AC returns.
    write(AC_PARAM, "off");
    let (seen, said) = hook_trace("poweroff");
    write(AC_PARAM, "on");
    assert_eq!(latched(&seen), Some(1), "{seen:?} {said}");
    assert!(said.contains("left armed: on battery"), "{said}");
    // After upsd's own battery shutdown, mains back by now: still armed.
    fs::create_dir_all("/run/helios64").unwrap();
    let now_ms =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis();
    let state = serde_json::json!({
        "schema": 1, "daemon": "upsd", "written_at_unix_ms": now_ms as u64,
        "state": serde_json::from_str::<serde_json::Value>(MARKER).unwrap(),
    });
    fs::write(STATE_FILE, state.to_string()).unwrap();
    let (seen, said) = hook_trace("poweroff");
    assert_eq!(latched(&seen), Some(1), "{seen:?} {said}");
    assert!(said.contains("helios64-upsd shut the box down (on battery for 3.0 s"), "{said}");
    // A reboot touches nothing.
    let (seen, said) = hook_trace("reboot");
    assert!(seen.is_empty(), "{seen:?} {said}");
}

/// A state file as upsd writes it when it decides a shutdown.
const MARKER: &str = r#"{"state":"shutdown","mains":true,"mains_source":"test_ac","charge":null,
"battery":"present","pack_mv":8058,"filtered_mv":8058,"adc_mv":1054.6875,"battery_fault":false,
"dc_in_mv":11958,"mains_off_secs":null,"on_battery_secs":3.0,"slope_mv_per_min":null,
"estimated_secs_to_low":null,"next_action":{"action":"shutting_down","rule":"max_on_battery",
"in_secs":null,"text":"shutting down"},"shutdown":{"rule":"max_on_battery",
"reason":"on battery for 3.0 s (max_on_battery_secs)","decided_secs_ago":0.0,"phase":"requested",
"mains_back":true},"low_voltage_mv":7000,"max_on_battery_secs":3,"errors":[],
"counters":{"glitches":0,"outages":1,"cancelled":0,"battery_faults":0}}"#;
