//! Real `zpool`/`zfs` JSON from pools in known states: every output must
//! parse with `helios64_zfs::cli::parse`, and each is printed between
//! markers so `fixtures/zfs/extract.py` can commit it (with provenance) as a
//! fixture for the host-side parser tests and the benchmarks:
//!
//! ```text
//! tests/vm/run -- zfs_cli_json --nocapture
//! fixtures/zfs/extract.py target/helios64-vm/<the run's>.tests.log
//! ```

use std::collections::BTreeMap;

use helios64_zfs::cli::{args, parse};
use helios64_zfs::{Cli, Health, Hold, ScanState, ScrubAction, Zfs};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{ScanSuspended, TestPool, native};

/// One captured output.
struct Capture {
    file: &'static str,
    command: Vec<String>,
    output: String,
}

fn capture(file: &'static str, program: &str, args: &[&str]) -> Capture {
    let output = run_ok(program, args);
    let mut command = vec![program.to_owned()];
    command.extend(args.iter().map(|a| (*a).to_owned()));
    Capture { file, command, output }
}

fn status(file: &'static str, pool: &str) -> Capture {
    let c = capture(file, "zpool", &[args::POOL_STATUS, &[pool]].concat());
    parse::parse_status(&c.output, pool).unwrap_or_else(|e| panic!("{file}: {e}"));
    c
}

fn emit(captures: &[Capture]) {
    let version = run_ok("zfs", &["version"]).lines().collect::<Vec<_>>().join(" / ");
    let kernel = run_ok("uname", &["-r"]).trim().to_owned();
    let date = run_ok("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]).trim().to_owned();
    for c in captures {
        println!("----- BEGIN HELIOS64 FIXTURE {}", c.file);
        println!("# command: {}", c.command.join(" "));
        println!("# zfs: {version}");
        println!("# kernel: {kernel}");
        println!("# date: {date}");
        print!("{}", c.output);
        if !c.output.ends_with('\n') {
            println!();
        }
        println!("----- END HELIOS64 FIXTURE");
    }
}

#[test]
fn real_outputs_parse() {
    let guest = require_guest();
    if !crate::zfs_pool::cli_has_json() {
        // Before 2.3 there is no JSON to capture: `-j` is a usage error.
        let out = crate::common::run("zpool", &["status", "-j"]);
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        return;
    }
    let mut out = Vec::new();

    // Fixed names so the fixtures are stable; nothing else uses "fx*".
    let layout =
        ["mirror", "F", "F", "raidz", "F", "F", "F", "log", "F", "cache", "F", "spare", "F"];
    let healthy = TestPool::create_named(&guest, "fxhealthy", &layout);
    healthy.filesystem("data/child");
    healthy.filesystem("other");
    run_ok("zfs", &["create", "-V", "16M", &healthy.ds("vol")]);
    run_ok("zfs", &["set", "compression=lz4", "helios64:role=fixture", &healthy.ds("data")]);
    let data = healthy.ds("data");
    let props = BTreeMap::from([("helios64:policy".to_owned(), "daily".to_owned())]);
    let (a, b) = (healthy.snapshot("data", "a"), healthy.snapshot("data", "b"));
    native().snapshot(std::slice::from_ref(&a), &props).unwrap();
    native().snapshot(&[b], &BTreeMap::new()).unwrap();
    let hold = |tag: &str| Hold::new(a.clone(), tag.parse().unwrap());
    native().hold(&[hold("keep"), hold("backup")]).unwrap();

    out.push(status("zpool-status-healthy.json", &healthy.name));
    let strings =
        capture("zpool-status-healthy-strings.json", "zpool", &["status", "-jp", &healthy.name]);
    parse::parse_status(&strings.output, &healthy.name).unwrap();
    out.push(strings);
    let space =
        capture("zpool-get-space.json", "zpool", &[args::POOL_SPACE, &[&healthy.name]].concat());
    parse::parse_pool_space(&space.output, &healthy.name).unwrap();
    out.push(space);
    let snaps = capture("zfs-list-snapshots.json", "zfs", &[args::SNAPSHOTS, &[&data]].concat());
    assert_eq!(parse::parse_snapshots(&snaps.output, &data).unwrap().len(), 2);
    out.push(snaps);
    let kids =
        capture("zfs-list-children.json", "zfs", &[args::CHILDREN, &[&healthy.name]].concat());
    assert_eq!(parse::parse_children(&kids.output, &healthy.name).unwrap().len(), 3);
    out.push(kids);
    let child = healthy.ds("data/child");
    let get = capture("zfs-get-all.json", "zfs", &[args::PROPERTIES, &[&child]].concat());
    parse::parse_properties(&get.output, &child).unwrap();
    out.push(get);
    let snap_a = format!("{data}@a");
    let get_snap =
        capture("zfs-get-all-snapshot.json", "zfs", &[args::PROPERTIES, &[&snap_a]].concat());
    parse::parse_properties(&get_snap.output, &snap_a).unwrap();
    out.push(get_snap);
    let holds = capture("zfs-holds.txt", "zfs", &[args::HOLDS, &[&snap_a]].concat());
    assert_eq!(parse::parse_holds(&holds.output, &snap_a).unwrap().len(), 2);
    out.push(holds);

    // Checksum errors repaired by a scrub.
    let cks = TestPool::create_named(&guest, "fxchecksum", &["mirror", "F", "F"]);
    cks.filesystem("fs");
    cks.fill("fs", 24);
    let of = format!("of={}", cks.files[0].display());
    run_ok(
        "dd",
        &["if=/dev/urandom", &of, "bs=1M", "seek=8", "count=110", "conv=notrunc", "status=none"],
    );
    run_ok("zpool", &["scrub", "-w", &cks.name]);
    out.push(status("zpool-status-checksum.json", &cks.name));

    // A faulted raidz member.
    let deg = TestPool::create_named(&guest, "fxdegraded", &["raidz", "F", "F", "F"]);
    run_ok("zpool", &["offline", "-f", &deg.name, &deg.files[1].display().to_string()]);
    out.push(status("zpool-status-degraded.json", &deg.name));

    // A running, then paused, scrub.
    let scr = TestPool::create_named(&guest, "fxscrub", &["mirror", "F", "F"]);
    scr.filesystem("fs");
    scr.fill("fs", 8);
    let frozen = ScanSuspended::new();
    Cli::new().scrub(&scr.pool(), ScrubAction::Start).unwrap();
    out.push(status("zpool-status-scrubbing.json", &scr.name));
    Cli::new().scrub(&scr.pool(), ScrubAction::Pause).unwrap();
    out.push(status("zpool-status-paused.json", &scr.name));
    drop(frozen);

    let list = capture("zpool-list.json", "zpool", args::POOL_LIST);
    let pools = parse::parse_pool_list(&list.output).unwrap();
    assert!(pools.iter().any(|p| p.name == deg.name && p.health == Health::Degraded));
    out.push(list);

    let paused = parse::parse_status(&out[out.len() - 2].output, &scr.name).unwrap();
    assert_eq!(paused.scan.map(|s| (s.state, s.is_paused())), Some((ScanState::Scanning, true)));
    emit(&out);
}
