//! `helios64-fand` on the real kernel: the `h64_pwmfan` test driver's two
//! pwm-fan shaped hwmon fans (real sysfs attribute semantics: `-EINVAL`
//! beyond 255, `ENODEV` on an unbound device's open attribute) and the lm75
//! on i2c-stub as the temperature. The daemon follows the sensor, fails safe
//! when a fan is unbound, leaves full speed on SIGTERM, `--full-speed`
//! works with the daemon killed, and no bay disk is touched.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use helios64_hal::{FanHeader, Fans, Root};
use vm_env::{Guest, require_guest};

use crate::common::{run_ok, write};

/// Loads the fan driver for one test and unloads it after.
struct FanDriver;

impl FanDriver {
    fn load() -> FanDriver {
        run_ok("modprobe", &["h64_pwmfan"]);
        run_ok("udevadm", &["settle"]);
        FanDriver
    }
}

impl Drop for FanDriver {
    fn drop(&mut self) {
        let _ = Command::new("rmmod").arg("h64_pwmfan").status();
    }
}

fn hwmon_attr(header: FanHeader, attr: &str) -> PathBuf {
    let fans = Fans::discover(&Root::system()).unwrap();
    fans.get(header).unwrap_or_else(|| panic!("fan {header} not found")).hwmon().attr(attr)
}

/// The pwm of the fan on platform device `node`, found afresh (its hwmon
/// number changes on rebind).
fn pwm(node: &str) -> Option<(u8, u8)> {
    let dir = Path::new("/sys/bus/platform/devices").join(node).join("hwmon");
    let hwmon = fs::read_dir(dir).ok()?.next()?.ok()?.path();
    let read = |a: &str| fs::read_to_string(hwmon.join(a)).ok()?.trim().parse().ok();
    Some((read("pwm1")?, read("pwm1_enable")?))
}

fn wait_for(what: &str, want: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if want() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what} (p6 {:?}, p7 {:?})", pwm("p6-fan"), pwm("p7-fan"));
}

/// The lm75's temperature register, programmed under the bound driver.
fn set_board_temp(guest: &Guest, msb: u8) {
    let bus = guest.i2c_stub_bus().unwrap().to_string();
    run_ok("i2cset", &["-f", "-y", &bus, "0x4c", "0x00", &format!("0x00{msb:02x}"), "w"]);
}

/// A one-second cycle following the board sensor only (the VM has no SoC
/// thermal zone): 30 °C → 29, 60 °C → 255, no hysteresis or rate limit.
const CONFIG: &str = r#"
interval_secs = 1
fail_after_cycles = 2
[inputs.board]
sensor = "board"
curve = [{ temp = 30, pwm = 29 }, { temp = 60, pwm = 255 }]
[fans.p6]
inputs = ["board"]
min_change_interval_secs = 0
hysteresis_celsius = 0.0
[fans.p7]
inputs = ["board"]
min_change_interval_secs = 0
hysteresis_celsius = 0.0
"#;

fn start_fand(guest: &Guest) -> Child {
    let dir = guest.scratch_dir("fand").unwrap();
    let config = dir.join("fand.toml");
    fs::write(&config, CONFIG).unwrap();
    Command::new(guest.binary("helios64-fand").unwrap())
        .arg("--config")
        .arg(&config)
        .env("HELIOS64_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn stop(child: Child, signal: i32) -> (Option<i32>, String) {
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(i32::try_from(child.id()).unwrap(), signal) };
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn it_follows_the_board_sensor_and_sigterm_leaves_full_speed() {
    let guest = require_guest();
    let _driver = FanDriver::load();
    set_board_temp(&guest, 37); // 37 °C: 29 + 7/30·226 = 81.7 → 82
    let fand = start_fand(&guest);
    wait_for("82 on both fans", || {
        pwm("p6-fan") == Some((82, 1)) && pwm("p7-fan") == Some((82, 1))
    });
    set_board_temp(&guest, 50); // 29 + 20/30·226 = 179.7 → 180
    wait_for("180", || pwm("p6-fan") == Some((180, 1)) && pwm("p7-fan") == Some((180, 1)));
    // A value the driver refuses is refused by the kernel, as pwm-fan does.
    let e = fs::write(hwmon_attr(FanHeader::P6, "pwm1"), "256").unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EINVAL));
    let (code, stderr) = stop(fand, libc::SIGTERM);
    set_board_temp(&guest, 37);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!((pwm("p6-fan"), pwm("p7-fan")), (Some((255, 1)), Some((255, 1))), "{stderr}");
}

#[test]
fn unbinding_one_fan_sends_the_other_to_full_speed_and_rebinding_recovers() {
    let guest = require_guest();
    let _driver = FanDriver::load();
    set_board_temp(&guest, 37);
    let fand = start_fand(&guest);
    wait_for("82", || pwm("p7-fan") == Some((82, 1)));
    write("/sys/bus/platform/drivers/pwm-fan/unbind", "p6-fan");
    wait_for("P7 at 255 with P6 gone", || pwm("p7-fan") == Some((255, 1)));
    assert_eq!(pwm("p6-fan"), None, "P6 unbound");
    write("/sys/bus/platform/drivers/pwm-fan/bind", "p6-fan");
    // Rediscovered, out of the fail-safe: both back under control.
    wait_for("both back at 82", || {
        pwm("p6-fan") == Some((82, 1)) && pwm("p7-fan") == Some((82, 1))
    });
    let (code, stderr) = stop(fand, libc::SIGTERM);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("FAIL-SAFE"), "{stderr}");
    assert!(stderr.contains("fail-safe cleared"), "{stderr}");
}

#[test]
fn full_speed_works_with_the_daemon_killed() {
    let guest = require_guest();
    let _driver = FanDriver::load();
    set_board_temp(&guest, 37);
    let fand = start_fand(&guest);
    wait_for("82", || pwm("p6-fan") == Some((82, 1)));
    // SIGKILL: no handler runs; the fans stay where the daemon left them.
    let (code, _) = stop(fand, libc::SIGKILL);
    assert_eq!(code, None);
    assert_eq!(pwm("p6-fan"), Some((82, 1)));
    // What systemd's ExecStopPost runs: needs no daemon and no config.
    let out =
        Command::new(guest.binary("helios64-fand").unwrap()).arg("--full-speed").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!((pwm("p6-fan"), pwm("p7-fan")), (Some((255, 1)), Some((255, 1))));
}

/// The bay disks carry no drivetemp here (drivetemp declines QEMU's
/// IDENTIFY data), so the daemon has no disk input to read; what this
/// proves is that a run with the `disks` input configured touches no disk:
/// no block I/O, and the power mode is what it was.
#[test]
fn no_bay_disk_is_touched() {
    let guest = require_guest();
    let _driver = FanDriver::load();
    let stats = || -> Vec<String> {
        (1..=5)
            .map(|n| {
                let disk = guest.bay_disk(n).unwrap();
                let name = disk.file_name().unwrap().to_string_lossy().into_owned();
                // Reads completed, sectors read, writes completed: the first,
                // third and fifth fields.
                let stat = fs::read_to_string(format!("/sys/block/{name}/stat")).unwrap();
                let f: Vec<&str> = stat.split_whitespace().collect();
                format!("{name} {} {} {}", f[0], f[2], f[4])
            })
            .collect()
    };
    let before = stats();
    let dir = guest.scratch_dir("fand-disks").unwrap();
    let config = dir.join("fand.toml");
    let address = guest.ahci_pci_address().unwrap();
    fs::write(
        &config,
        // Top-level keys before the first table.
        format!("sata_controller = \"{address}\"\n{CONFIG}")
            .replace("inputs = [\"board\"]", "inputs = [\"board\", \"disks\"]"),
    )
    .unwrap();
    // A valid config that follows the disks (the default disks input).
    let out = Command::new(guest.binary("helios64-fand").unwrap())
        .args(["--check-config", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut fand = Command::new(guest.binary("helios64-fand").unwrap())
        .arg("--config")
        .arg(&config)
        .env("HELIOS64_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(4));
    assert!(fand.try_wait().unwrap().is_none(), "fand exited early");
    let (code, stderr) = stop(fand, libc::SIGTERM);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stats(), before, "fand caused block I/O on a bay disk:\n{stderr}");
    let modes = run_ok(
        "sh",
        &[
            "-c",
            "for d in /sys/block/sd?; do smartctl -n standby -i /dev/${d##*/} | grep 'Power mode'; done",
        ],
    );
    assert!(modes.lines().all(|l| l.contains("ACTIVE or IDLE")), "{modes}");
}
