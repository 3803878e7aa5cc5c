//! Retention planning: `helios64-retention` against the real sanoid
//! (`sanoid --readonly --verbose --force-prune --take-snapshots
//! --prune-snapshots`, Debian's 2.1.0) on the same listing: 540 days of
//! sanoid's default schedule (a snapshot run every 15 minutes: hourly 48,
//! daily 90, monthly 6) never pruned, on 8 datasets — about 108,000
//! snapshots — judged at the end of the history.
//!
//! * `retention/helios64_in_process`: read the `zfs get` TSV text, resolve
//!   the sanoid.conf, plan, write the JSON plan (take and destroy) to a sink.
//! * `retention/helios64_process`: the same as a whole process (this
//!   executable re-run in its child mode: the listing streamed from its
//!   file as `helios64-snap plan` reads it, JSON to /dev/null), to compare
//!   with sanoid's process.
//! * `retention/helios64_parse`, `_plan`, `_json`: the three parts of the
//!   first alone (reading the listing; resolving nothing new, planning;
//!   writing the JSON plan of take and destroy).
//! * `retention/sanoid_process`: sanoid through a fake `zfs` serving the
//!   listing, with the clock faked to the same instant.
//!
//! Before measuring, both decide once and the destroy and take sets must be
//! equal; the peak RSS of each process (GNU time's `%M`) is printed. Under
//! `cargo test` (criterion's test mode) each routine runs once, and the
//! equality and an RSS ceiling for helios64 are asserted (10 MiB optimized,
//! 16 MiB in the unoptimized test build).

#![allow(
    clippy::disallowed_methods,
    missing_docs,
    reason = "a benchmark's own scratch files; criterion's main is undocumented"
)]
#![allow(
    clippy::print_stderr,
    clippy::panic,
    reason = "a benchmark reports on stderr and stops loudly"
)]

use std::hint::black_box;
use std::io::{self, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use criterion::Criterion;
use helios64_retention::testing::{Rng, Spec, history};
use helios64_retention::{Input, Plan, Zone, plan, read_zfs_get, sanoid, to_zfs_get};
use helios64_sanoid_oracle::Sanoid;

const CONF: &str = "[h64bench]\nrecursive = yes\n";
const START: i64 = 1_700_000_000;
const DAYS: i64 = 540;
const CHILD: &str = "H64_RETENTION_BENCH_CHILD";

fn datasets() -> Vec<String> {
    let mut d = vec!["h64bench".to_owned()];
    d.extend((1..8).map(|i| format!("h64bench/ds{i}")));
    d
}

/// Everything the planner does for one run, from the listing's bytes to
/// JSON, as `helios64-snap plan --sanoid-conf --no-keep` does it.
fn plan_from<R: io::BufRead, W: io::Write>(
    conf: &str,
    listing: R,
    now: i64,
    out: W,
) -> (usize, usize) {
    let imported = sanoid::parse(conf, "sanoid.conf").unwrap_or_else(|e| panic!("{e}"));
    let listing = read_zfs_get(listing, "listing").unwrap_or_else(|e| panic!("{e}"));
    let mut names: Vec<&str> = listing.datasets().collect();
    names.sort_unstable();
    let policies = imported.config.resolve(&names).unwrap_or_else(|e| panic!("{e}"));
    let zone = Zone::utc();
    let input =
        Input { policies: &policies, listing: &listing, datasets: &names, now, zone: &zone };
    let mut p: Plan<'_> = plan(input).unwrap_or_else(|e| panic!("{e}"));
    p.keep.clear();
    let mut out = io::BufWriter::with_capacity(64 * 1024, out);
    p.write_json(&mut out, "helios64.snap.plan/1").unwrap_or_else(|e| panic!("{e}"));
    out.flush().unwrap_or_else(|e| panic!("{e}"));
    (p.destroy.len(), p.take.iter().map(|g| g.snapshots.len()).sum())
}

/// The child mode: `conf listing now` from the environment; the listing
/// streams from its file, as the binary reads it.
fn child(spec: &str) {
    let mut parts = spec.split('\t');
    let (Some(conf), Some(listing), Some(now)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("{CHILD}: conf<TAB>listing<TAB>now")
    };
    let conf = std::fs::read_to_string(conf).unwrap_or_else(|e| panic!("{conf}: {e}"));
    let file = std::fs::File::open(listing).unwrap_or_else(|e| panic!("{listing}: {e}"));
    let now = now.parse().unwrap_or_else(|e| panic!("{now}: {e}"));
    plan_from(&conf, io::BufReader::with_capacity(64 * 1024, file), now, io::stdout().lock());
}

/// Peak RSS in KiB of `cmd` run under GNU time.
fn max_rss_kib(cmd: &Command) -> u64 {
    let out_file = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    let mut timed = Command::new("/usr/bin/time");
    timed
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(out_file.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    timed.env_clear();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            timed.env(k, v);
        }
    }
    let status =
        timed.stdout(Stdio::null()).status().unwrap_or_else(|e| panic!("/usr/bin/time: {e}"));
    assert!(status.success(), "{:?} failed: {status}", cmd.get_program());
    let text = std::fs::read_to_string(out_file.path()).unwrap_or_else(|e| panic!("{e}"));
    text.trim()
        .lines()
        .last()
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("time said {text:?}"))
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    let names = datasets();
    let spec = Spec::sanoid_defaults(names.clone(), START, DAYS);
    let snaps = history(&spec, &mut Rng::new(540));
    let now = spec.now();
    let listing = to_zfs_get(&snaps);
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let oracle =
        Sanoid { conf: CONF, listing: &listing, datasets: &refs, now, tz: "UTC", take: true };
    let mut sanoid = oracle.prepare().unwrap_or_else(|e| panic!("{e}"));

    // Same decisions first, or nothing is worth measuring.
    let theirs = sanoid.run().unwrap_or_else(|e| panic!("{e}"));
    let mut ours_json = Vec::new();
    let (destroyed, taken) = plan_from(CONF, listing.as_bytes(), now, &mut ours_json);
    let ours: serde_json::Value =
        serde_json::from_slice(&ours_json).unwrap_or_else(|e| panic!("{e}"));
    let mut a: Vec<&str> = ours["destroy"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| d["snapshot"].as_str())
        .collect();
    let mut b: Vec<&str> = theirs.prune.iter().map(String::as_str).collect();
    a.sort_unstable();
    b.sort_unstable();
    assert!(a == b, "destroy sets differ: ours {} vs sanoid {}", a.len(), b.len());
    assert_eq!(taken, theirs.take.len(), "take sets differ");

    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let conf_path = dir.path().join("sanoid.conf");
    let listing_path = dir.path().join("listing.tsv");
    std::fs::write(&conf_path, CONF).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&listing_path, &listing).unwrap_or_else(|e| panic!("{e}"));
    let exe: PathBuf = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut ours_cmd = Command::new(&exe);
    ours_cmd.env(CHILD, format!("{}\t{}\t{now}", conf_path.display(), listing_path.display()));
    ours_cmd.stdout(Stdio::null());

    let ours_rss = max_rss_kib(&ours_cmd);
    sanoid.clear_cache().unwrap_or_else(|e| panic!("{e}"));
    let sanoid_rss = max_rss_kib(sanoid.command());
    let _ = writeln!(
        io::stderr(),
        "retention: {} snapshots in {} datasets; {destroyed} destroyed, {taken} taken, same as sanoid; \
         peak RSS helios64 {ours_rss} KiB, sanoid {sanoid_rss} KiB ({:.1}x)",
        snaps.len(),
        names.len(),
        sanoid_rss as f64 / ours_rss as f64
    );
    // The 10 MB target is for the optimized build (`cargo bench`); under
    // `cargo test` this executable is unoptimized and its own code larger.
    let ceiling_mib = if cfg!(debug_assertions) { 16 } else { 10 };
    assert!(
        ours_rss < ceiling_mib * 1024,
        "helios64 planning took {ours_rss} KiB (> {ceiling_mib} MiB)"
    );

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("retention");
        g.sample_size(20);
        g.bench_function("helios64_in_process", |bench| {
            bench.iter(|| plan_from(CONF, black_box(listing.as_bytes()), now, io::sink()))
        });
        let parsed = read_zfs_get(listing.as_bytes(), "listing").unwrap_or_else(|e| panic!("{e}"));
        let config = sanoid::parse(CONF, "sanoid.conf").unwrap_or_else(|e| panic!("{e}")).config;
        let mut ds: Vec<&str> = parsed.datasets().collect();
        ds.sort_unstable();
        let policies = config.resolve(&ds).unwrap_or_else(|e| panic!("{e}"));
        let zone = Zone::utc();
        let input =
            Input { policies: &policies, listing: &parsed, datasets: &ds, now, zone: &zone };
        g.bench_function("helios64_parse", |bench| {
            bench.iter(|| read_zfs_get(black_box(listing.as_bytes()), "listing").map(|l| l.len()))
        });
        g.bench_function("helios64_plan", |bench| {
            bench.iter(|| plan(black_box(input)).map(|p| p.destroy.len()))
        });
        let mut planned = plan(input).unwrap_or_else(|e| panic!("{e}"));
        planned.keep.clear();
        g.bench_function("helios64_json", |bench| {
            bench
                .iter(|| serde_json::to_writer(io::BufWriter::new(io::sink()), black_box(&planned)))
        });
        g.bench_function("helios64_process", |bench| {
            bench.iter(|| {
                let status = ours_cmd.status().unwrap_or_else(|e| panic!("{e}"));
                assert!(status.success());
            })
        });
        g.sample_size(10).measurement_time(Duration::from_secs(20));
        g.bench_function("sanoid_process", |bench| {
            bench.iter(|| sanoid.run_quiet().unwrap_or_else(|e| panic!("{e}")))
        });
        g.finish();
    }
    c.final_summary();
}
