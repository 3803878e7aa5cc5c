//! The exporter binary: textfile mode read by the real node_exporter,
//! listen mode scraped by a real Prometheus and queried over its HTTP API,
//! promtool's lint, reload and stop, and inputs that cannot be read.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

mod support;

use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use helios64_hal::testing::{Fixture, copy_fixture};
use support::*;

fn textfile(
    root: &std::path::Path,
    dir: &std::path::Path,
    args: &[String],
) -> (Option<i32>, String) {
    let out = exporter()
        .args(["--textfile"])
        .arg(dir)
        .args(["--at", NOW, "--root"])
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn textfile_mode_writes_a_file_promtool_and_node_exporter_accept() {
    for (fixture, board) in [(Fixture::Armbian, "armbian"), (Fixture::Mainline, "mainline")] {
        let dir = tmp();
        let (code, err) = textfile(&fixture.path(), dir.path(), &saved(board));
        assert_eq!(code, Some(0), "{err}");
        let file = dir.path().join("helios64.prom");
        let text = std::fs::read_to_string(&file).unwrap();
        assert_eq!(promtool_lint(&text), "", "{board}");
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o644);
        // Nothing else is left in the directory (the temp file was renamed).
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

        let port = free_port();
        let node = Killed(
            Command::new("prometheus-node-exporter")
                .args(["--collector.disable-defaults", "--collector.textfile"])
                .arg(format!("--collector.textfile.directory={}", dir.path().display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("prometheus-node-exporter (Debian package) must be installed: scripts/deps.sh host"),
        );
        let body = eventually("node_exporter answering", Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
            let (code, body) = get(&format!("127.0.0.1:{port}"), "/metrics");
            (code == 200).then_some(body)
        });
        drop(node);
        assert!(
            body.lines().any(|l| l == "node_textfile_scrape_error 0"),
            "{board}: textfile collector error"
        );
        assert!(body.lines().any(|l| l.starts_with("helios64_health_status ")), "{board}");
        assert!(body.contains("zfs_pool_health{pool=\"tank\"} 0"), "{board}");
    }
}

#[test]
fn a_real_prometheus_scrapes_listen_mode_and_promql_answers() {
    let exporter = listen(&Fixture::Armbian.path(), &saved("armbian"));
    let (code, body) = get(&exporter.addr, "/metrics");
    assert_eq!(code, 200);
    assert_eq!(promtool_lint(&body), "");

    let dir = tmp();
    let port = free_port();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: helios64\n    static_configs:\n      - targets: ['{}']\n",
            exporter.addr
        ),
    )
    .unwrap();
    let _prometheus = Killed(
        Command::new("prometheus")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus (Debian package) must be installed: scripts/deps.sh host"),
    );
    let api = format!("127.0.0.1:{port}");
    let query = |promql: &str| -> Option<serde_json::Value> {
        std::net::TcpStream::connect(&api).ok()?;
        let encoded: String = promql
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b == b'_' {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        let (code, body) = get(&api, &format!("/api/v1/query?query={encoded}"));
        if code != 200 {
            return None;
        }
        let doc: serde_json::Value = serde_json::from_str(&body).ok()?;
        let result = doc["data"]["result"].as_array()?.first()?.clone();
        Some(result)
    };
    let pool = eventually("zfs_pool_health in Prometheus", Duration::from_secs(60), || {
        query("zfs_pool_health{pool=\"tank\"}")
    });
    assert_eq!(pool["value"][1], "0");
    let smart = query("smartctl_device_smart_status{device=\"sdc\"}").unwrap();
    assert_eq!(smart["value"][1], "1");
    // The join, in PromQL: the bay of the vdev with checksum errors.
    let joined = query("zfs_vdev_checksum_errors > 0").unwrap();
    assert_eq!(joined["metric"]["bay"], "2");
    assert_eq!(query("helios64_bay_status{bay=\"3\"}").unwrap()["value"][1], "2");
    // Prometheus's own view of the target: up, and no scrape error.
    assert_eq!(query("up{job=\"helios64\"}").unwrap()["value"][1], "1");
}

#[test]
fn listen_mode_answers_http_reloads_and_stops_cleanly() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    let etc = root.base().join("etc/helios64");
    std::fs::create_dir_all(&etc).unwrap();
    let mut exporter = listen(root.base(), &saved("armbian"));
    assert_eq!(get(&exporter.addr, "/").0, 200);
    assert_eq!(get(&exporter.addr, "/nope").0, 404);
    assert_eq!(http(&exporter.addr, "POST /metrics HTTP/1.1\r\n\r\n").0, 405);
    assert_eq!(http(&exporter.addr, "garbage\r\n\r\n").0, 400);
    assert_eq!(http(&exporter.addr, "HEAD /metrics HTTP/1.1\r\n\r\n"), (200, String::new()));
    // A request head that never ends is cut off; the server still answers.
    {
        use std::io::Write as _;
        let mut s = std::net::TcpStream::connect(&exporter.addr).unwrap();
        let _ = s.write_all(&vec![b'x'; 64 * 1024]);
    }
    assert_eq!(get(&exporter.addr, "/metrics").0, 200);

    // A bad health.toml on SIGHUP is refused; the old thresholds stay.
    std::fs::write(etc.join("health.toml"), "[thresholds]\nscrub_warn_days = \"soon\"\n").unwrap();
    let pid = exporter.child.id().to_string();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    exporter.wait_log("reload refused", Duration::from_secs(20));
    assert_eq!(get(&exporter.addr, "/metrics").0, 200);
    // A good one applies: vdev errors are now critical.
    std::fs::write(etc.join("health.toml"), "[thresholds]\nvdev_errors = \"critical\"\n").unwrap();
    assert!(Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    exporter.wait_log("reloaded", Duration::from_secs(20));
    let (_, body) = get(&exporter.addr, "/metrics");
    assert!(body.contains("helios64_bay_status{bay=\"2\"} 2"), "vdev errors critical after reload");

    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = exporter.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn sources_that_fail_are_marked_and_the_scrape_still_answers() {
    let (_guard, root) = copy_fixture(Fixture::Armbian);
    // A truncated zpool output, a disk pulled from bay 2, a thermal node
    // that cannot be read.
    let dir = tmp();
    let zpool = dir.path().join("z.json");
    let text = std::fs::read_to_string(
        helios64_hal::testing::fixtures_dir().join("health/armbian/zpool-status.json"),
    )
    .unwrap();
    std::fs::write(&zpool, &text[..text.len() / 3]).unwrap();
    let target = root.sys().join("devices/platform/f8000000.pcie/pci0000:00/0000:00:00.0/0000:01:00.0/ata2/host1/target1:0:0");
    std::fs::remove_dir_all(&target).unwrap();
    let temp = root.sys().join("devices/virtual/thermal/thermal_zone0/temp");
    std::fs::remove_file(&temp).unwrap();
    std::fs::create_dir(&temp).unwrap();

    let mut args = saved("armbian");
    args[1] = zpool.display().to_string();
    let out = tmp();
    let (code, err) = textfile(root.base(), out.path(), &args);
    assert_eq!(code, Some(0), "{err}");
    let text = std::fs::read_to_string(out.path().join("helios64.prom")).unwrap();
    assert_eq!(promtool_lint(&text), "");
    for line in [
        "helios64_scrape_collector_success{collector=\"zfs\"} 0",
        "helios64_scrape_collector_success{collector=\"board\"} 0",
        "helios64_scrape_collector_success{collector=\"smart\"} 1",
        "helios64_bay_occupied{bay=\"2\"} 0",
        // Bay 3's failing disk keeps it critical; the two sources that
        // failed are the unknowns.
        "helios64_health_status 2",
        "helios64_health_reasons{level=\"unknown\"} 2",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}");
    }
    assert!(!text.contains("zfs_pool_health"), "no pool metrics from a failed ZFS read");
    assert!(
        text.contains("helios64_temperature_celsius{sensor=\"board\"}"),
        "the rest of the board is there"
    );
}

#[test]
fn bad_configs_are_78_and_a_bad_command_line_64() {
    let dir = tmp();
    let file = dir.path().join("exporter.toml");
    std::fs::write(&file, "listen = \"localhost\"\n").unwrap();
    let out = exporter().args(["--check-config", "--config"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(78));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("exporter.toml:1:1: listen: \"localhost\" is not an address:port")
    );
    let health = dir.path().join("health.toml");
    std::fs::write(&health, "[leds]\nbay_from = 3\n").unwrap();
    let out = exporter()
        .args(["--check-config", "--health-config"])
        .arg(&health)
        .args(["--config"])
        .arg(dir.path().join("none.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78), "{}", String::from_utf8_lossy(&out.stderr));
    let out = exporter().args(["--listen", "127.0.0.1:1", "--textfile", "/tmp"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    // An unwritable textfile directory: 73.
    let out = exporter()
        .args(["--textfile", "/nonexistent/dir", "--root"])
        .arg(Fixture::Armbian.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(73), "{}", String::from_utf8_lossy(&out.stderr));
}
