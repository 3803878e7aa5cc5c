//! `helios64 health` and `helios64-exporter` on the real kernel: a pool on
//! two bay disks (whole disks by id, so the join goes through udev's real
//! links and the kernel's partitions), faulted, offlined, corrupted and
//! scrubbed, and a sleeping disk through the runner's skip path: the
//! verdict, the metrics and the uleds LEDs follow, and return to normal
//! after `zpool online` / `zpool clear`.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vm_env::{Guest, board, require_guest};

use crate::common::{read, run_ok};
use crate::zfs_pool::TestPool;

/// smartctl's real output for a disk found asleep (`-n standby`, exit 2).
const STANDBY_JSON: &str = include_str!(
    "../../../../fixtures/smartctl/local-capture/v74-replay-ata-sleep-nocheck-standby.json"
);

struct Setup {
    dir: PathBuf,
    config: PathBuf,
    /// While it exists, the wrapper answers for bay 5's disk as smartctl
    /// does for a sleeping disk.
    asleep_flag: PathBuf,
}

fn setup(guest: &Guest, tag: &str) -> Setup {
    let dir = guest.scratch_dir(tag).unwrap();
    let asleep_flag = dir.join("bay5-asleep");
    let standby = dir.join("standby.json");
    std::fs::write(&standby, STANDBY_JSON).unwrap();
    let bay5 = guest.bay_disk(5).unwrap();
    let wrapper = dir.join("smartctl");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nfor a; do last=$a; done\nif [ \"$last\" = '{}' ] && [ -e '{}' ]; then cat '{}'; exit 2; fi\nexec smartctl \"$@\"\n",
            bay5.display(),
            asleep_flag.display(),
            standby.display()
        ),
    )
    .unwrap();
    run_ok("chmod", &["+x", &wrapper.display().to_string()]);
    let config = dir.join("health.toml");
    std::fs::write(
        &config,
        format!(
            "sata_controller = \"{}\"\n[smart]\nsmartctl = \"{}\"\nstate_file = \"{}\"\n",
            guest.ahci_pci_address().unwrap(),
            wrapper.display(),
            dir.join("smart.json").display()
        ),
    )
    .unwrap();
    Setup { dir, config, asleep_flag }
}

fn health(guest: &Guest, s: &Setup) -> serde_json::Value {
    let out = Command::new(guest.binary("helios64").unwrap())
        .args(["health", "--json", "--config"])
        .arg(&s.config)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let verdict = doc["verdict"].as_str().unwrap();
    let code = ["ok", "warning", "critical", "unknown"].iter().position(|v| *v == verdict).unwrap();
    assert_eq!(out.status.code(), Some(i32::try_from(code).unwrap()), "exit code of {verdict}");
    doc
}

fn reasons(doc: &serde_json::Value, pool: &str) -> Vec<(String, String, Option<u64>)> {
    doc["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["subject"]["pool"].as_str() == Some(pool))
        .map(|r| {
            (
                r["level"].as_str().unwrap().into(),
                r["code"].as_str().unwrap().into(),
                r["subject"]["bay"].as_u64(),
            )
        })
        .collect()
}

fn bay_level(doc: &serde_json::Value, bay: usize) -> String {
    doc["bays"][bay - 1]["level"].as_str().unwrap().to_owned()
}

/// Whether a uleds LED shows light: on, or blinking through `timer`.
fn lit(name: &str) -> bool {
    let dir = Path::new("/sys/class/leds").join(name);
    read(dir.join("trigger")).contains("[timer]") || read(dir.join("brightness")) != "0"
}

struct Exporter {
    child: Child,
    addr: String,
}

impl Drop for Exporter {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

fn exporter(guest: &Guest, s: &Setup) -> Exporter {
    let log = s.dir.join("exporter.log");
    let mut child = Command::new(guest.binary("helios64-exporter").unwrap())
        .args(["--listen", "127.0.0.1:0", "--health-config"])
        .arg(&s.config)
        .args(["--config", "/dev/null"])
        .env("HELIOS64_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(addr) = text.lines().find_map(|l| l.split("listening on ").nth(1)) {
            break addr.trim().to_owned();
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the exporter exited ({status}): {text}");
        }
        assert!(Instant::now() < deadline, "the exporter did not listen: {text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let e = Exporter { child, addr };
    // SMART is refreshed in the background: wait for its first run.
    wait_metrics(&e, "the first SMART run", |m| {
        m.contains("helios64_scrape_collector_success{collector=\"smart\"} 1")
    });
    e
}

fn scrape(e: &Exporter) -> String {
    let mut s = TcpStream::connect(&e.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    assert!(out.starts_with("HTTP/1.1 200 OK"), "{out}");
    out
}

fn wait_metrics(e: &Exporter, what: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let m = scrape(e);
        if check(&m) {
            return m;
        }
        assert!(Instant::now() < deadline, "{what}: not within 120 s\n{m}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn has(metrics: &str, line: &str) -> bool {
    metrics.lines().any(|l| l == line)
}

/// The path of the pool's leaf on bay `n`'s disk, by id (ZFS partitions a
/// whole disk and records its first partition).
fn leaf(bay: u8) -> String {
    format!("{}-part1", board::bay_by_id(bay))
}

/// That leaf's name as `zpool status` prints it (and the `vdev` label):
/// the by-id name without its directory and partition.
fn leaf_name(bay: u8) -> String {
    board::bay_by_id(bay).rsplit('/').next().unwrap().to_owned()
}

#[test]
fn a_degraded_pool_on_the_bays_is_joined_lit_and_cleared() {
    let guest = require_guest();
    let s = setup(&guest, "health-degraded");
    let pool =
        TestPool::create(&guest, "hdeg", &["mirror", &board::bay_by_id(2), &board::bay_by_id(3)]);
    let baseline = health(&guest, &s);
    assert!(
        reasons(&baseline, &pool.name).iter().all(|(_, c, _)| c == "scrub_overdue"),
        "{:#?}",
        baseline["reasons"]
    );
    assert_ne!(
        baseline["verdict"], "critical",
        "the VM board itself is critical: {:#?}",
        baseline["reasons"]
    );
    // The join: bay 3's disk backs the pool's second leaf, through udev's
    // by-id link and the kernel's partition.
    let bay3 = &baseline["bays"][2]["disk"];
    assert_eq!(bay3["vdevs"][0]["pool"], pool.name.as_str());
    assert_eq!(bay3["vdevs"][0]["vdev"], leaf_name(3).as_str());
    let pool_vdevs = baseline["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == pool.name.as_str())
        .unwrap();
    let v = pool_vdevs["vdevs"].as_array().unwrap().iter().find(|v| v["bay"] == 3).unwrap();
    assert_eq!(v["path"], leaf(3).as_str());

    let exporter = exporter(&guest, &s);
    run_ok("zpool", &["offline", &pool.name, &leaf(3)]);
    let doc = health(&guest, &s);
    assert_eq!(doc["verdict"], "critical");
    let r = reasons(&doc, &pool.name);
    assert!(r.contains(&("critical".into(), "pool_degraded".into(), None)), "{r:?}");
    assert!(r.contains(&("warning".into(), "vdev_not_online".into(), Some(3))), "{r:?}");
    assert_eq!(bay_level(&doc, 3), "warning");
    assert_eq!(bay_level(&doc, 2), "ok");
    let m = wait_metrics(&exporter, "the degraded pool", |m| {
        has(m, &format!("zfs_pool_health{{pool=\"{}\"}} 1", pool.name))
    });
    assert!(has(&m, "helios64_bay_status{bay=\"3\"} 1"), "{m}");
    assert!(has(&m, "helios64_health_status 2"));
    assert!(lit("helios64:red:fault"), "the fault LED follows critical");
    assert!(lit("helios64:red:ata3-err"), "bay 3's LED names the bay");
    assert!(!lit("helios64:red:ata2-err"));

    run_ok("zpool", &["online", &pool.name, &leaf(3)]);
    run_ok("zpool", &["wait", "-t", "resilver", &pool.name]);
    let doc = health(&guest, &s);
    assert_eq!(bay_level(&doc, 3), "ok", "{:#?}", doc["reasons"]);
    let m = wait_metrics(&exporter, "the pool back online", |m| {
        has(m, &format!("zfs_pool_health{{pool=\"{}\"}} 0", pool.name))
    });
    assert!(has(&m, "helios64_bay_status{bay=\"3\"} 0"));
    assert!(!lit("helios64:red:ata3-err"), "bay 3's LED goes out");
    assert_eq!(lit("helios64:red:fault"), doc["verdict"] == "critical");
    drop(exporter);
    // Stopped: the LEDs' triggers are back (the harness leaves them on none).
    assert!(read("/sys/class/leds/helios64:red:ata3-err/trigger").contains("[none]"));
}

#[test]
fn checksum_errors_light_the_bay_of_the_damaged_disk_until_zpool_clear() {
    let guest = require_guest();
    let s = setup(&guest, "health-cksum");
    let pool =
        TestPool::create(&guest, "hcks", &["mirror", &board::bay_by_id(2), &board::bay_by_id(4)]);
    pool.filesystem("fs");
    pool.fill("fs", 48);
    let exporter = exporter(&guest, &s);
    // Overwrite the data area of bay 2's partition, sparing its labels.
    let part = std::fs::canonicalize(leaf(2)).unwrap();
    let of = format!("of={}", part.display());
    run_ok(
        "dd",
        &[
            "if=/dev/urandom",
            &of,
            "bs=1M",
            "seek=16",
            "count=96",
            "conv=notrunc,fsync",
            "status=none",
        ],
    );
    run_ok("zpool", &["scrub", "-w", &pool.name]);
    let doc = health(&guest, &s);
    let r = reasons(&doc, &pool.name);
    assert!(r.contains(&("warning".into(), "vdev_errors".into(), Some(2))), "{r:?}");
    assert_eq!(bay_level(&doc, 2), "warning");
    assert!(doc["bays"][1]["disk"]["vdevs"][0]["checksum_errors"].as_u64().unwrap() > 0);
    let vdev = leaf_name(2);
    let m = wait_metrics(&exporter, "checksum errors", |m| {
        m.lines().any(|l| {
            l.starts_with(&format!(
                "zfs_vdev_checksum_errors{{pool=\"{}\",vdev=\"{vdev}\",bay=\"2\"",
                pool.name
            )) && !l.ends_with(" 0")
        })
    });
    assert!(has(&m, "helios64_bay_status{bay=\"2\"} 1"), "{m}");
    assert!(lit("helios64:red:ata2-err"));
    assert!(!lit("helios64:red:ata4-err"));

    run_ok("zpool", &["clear", &pool.name]);
    let doc = health(&guest, &s);
    assert_eq!(bay_level(&doc, 2), "ok", "{:#?}", doc["reasons"]);
    wait_metrics(&exporter, "errors cleared", |m| has(m, "helios64_bay_status{bay=\"2\"} 0"));
    assert!(!lit("helios64:red:ata2-err"));
}

#[test]
fn a_sleeping_disk_is_standby_with_its_last_known_values() {
    let guest = require_guest();
    let s = setup(&guest, "health-sleep");
    // Awake: a full result, saved in the state file.
    let doc = health(&guest, &s);
    assert_eq!(doc["bays"][4]["disk"]["smart"]["verdict"], "ok", "{:#?}", doc["bays"][4]);
    std::fs::write(&s.asleep_flag, "").unwrap();
    let doc = health(&guest, &s);
    let smart = &doc["bays"][4]["disk"]["smart"];
    assert_eq!(smart["verdict"], "standby");
    assert_eq!(smart["last_known_verdict"], "ok");
    assert!(smart["age_seconds"].as_u64().unwrap() < 600, "{smart}");
    assert_eq!(bay_level(&doc, 5), "ok", "a sleeping disk is not a fault");
    // The exporter keeps the last known values with state 1 (standby).
    let e = exporter(&guest, &s);
    let dev = guest.bay_disk(5).unwrap().file_name().unwrap().to_string_lossy().into_owned();
    let m = wait_metrics(&e, "standby", |m| {
        has(m, &format!("helios64_smart_standby{{device=\"{dev}\"}} 1"))
    });
    assert!(has(&m, &format!("smartctl_device_state{{device=\"{dev}\"}} 1")), "{m}");
    assert!(
        m.lines()
            .any(|l| l.starts_with(&format!("smartctl_device_smart_status{{device=\"{dev}\"}} "))),
        "last known values kept"
    );
    std::fs::remove_file(&s.asleep_flag).unwrap();
}
