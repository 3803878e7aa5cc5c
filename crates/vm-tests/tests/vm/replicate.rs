//! `helios64-replicate` on two real pools: full then incremental, the
//! bookmark after the source pruned, stale holds, an interrupted receive
//! resumed or aborted, a modified target and a missing parent refused.

use std::path::PathBuf;
use std::process::{Command, Output};

use helios64_zfs::{DatasetName, Zfs};
use vm_env::{Guest, require_guest};

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, native};
use crate::zfs_send::checksum;

/// Two pools, a source filesystem with data, and a config with job `usb`.
struct Bed {
    a: TestPool,
    b: TestPool,
    src: DatasetName,
    dst: DatasetName,
    src_mnt: PathBuf,
    dir: PathBuf,
    bin: PathBuf,
}

impl Bed {
    fn new(guest: &Guest, tag: &str) -> Bed {
        let a = TestPool::create(guest, &format!("{tag}a"), &["F"]);
        let b = TestPool::create(guest, &format!("{tag}b"), &["F"]);
        let src_mnt = a.filesystem("fs");
        let (src, dst) = (a.dataset("fs"), b.dataset("backup/fs"));
        run_ok("zfs", &["create", &b.ds("backup")]);
        let dir = guest.scratch_dir(&format!("{tag}-cfg")).unwrap();
        Bed { a, b, src, dst, src_mnt, dir, bin: guest.binary("helios64-replicate").unwrap() }
            .with_config("")
    }

    fn with_config(self, extra: &str) -> Bed {
        let text =
            format!("[jobs.usb]\nsource = \"{}\"\ntarget = \"{}\"\n{extra}", self.src, self.dst);
        std::fs::write(self.dir.join("replicate.toml"), text).unwrap();
        self
    }

    fn run(&self, extra: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("--config")
            .arg(self.dir.join("replicate.toml"))
            .arg("run")
            .arg("--record-dir")
            .arg(self.dir.join("lib"))
            .args(extra)
            .output()
            .unwrap()
    }

    /// A run that must succeed; its stderr.
    fn run_ok(&self, extra: &[&str]) -> String {
        let out = self.run(extra);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "{:?}: {err}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout)
        );
        err
    }

    fn snapshot(&self, name: &str) {
        run_ok("zfs", &["snapshot", &format!("{}@{name}", self.src)]);
    }

    fn names(&self, fs: &DatasetName) -> Vec<String> {
        native()
            .snapshots(fs)
            .unwrap()
            .into_iter()
            .map(|s| s.name.short_name().to_owned())
            .collect()
    }

    fn verify(&self, extra: &[&str]) -> Output {
        Command::new(&self.bin)
            .arg("--config")
            .arg(self.dir.join("replicate.toml"))
            .arg("verify")
            .arg("--record-dir")
            .arg(self.dir.join("lib"))
            .arg("--json")
            .args(extra)
            .output()
            .unwrap()
    }

    /// A verify that must pass; its report.
    fn verify_ok(&self) -> serde_json::Value {
        let out = self.verify(&[]);
        assert!(out.status.success(), "{out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert!(!mounts.contains("helios64-verify"), "left mounted: {mounts}");
        report
    }

    fn state(&self) -> serde_json::Value {
        let text = std::fs::read_to_string(self.dir.join("lib/replicate.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["state"]["jobs"]["usb"].clone()
    }

    /// The target mounted read-only somewhere of its own.
    fn mount_target(&self) -> PathBuf {
        let mnt = self.b.mnt.join("target");
        run_ok("zfs", &["set", &format!("mountpoint={}", mnt.display()), self.dst.as_str()]);
        run_ok("zfs", &["mount", self.dst.as_str()]);
        mnt
    }
}

#[test]
fn full_then_incremental_with_a_bookmark_and_fresh_state() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpf");
    bed.a.fill("fs", 8);
    bed.snapshot("s1");
    bed.a.fill("fs", 2);
    bed.snapshot("s2");

    let dry = bed.run(&["--dry-run", "--json"]);
    assert!(dry.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(plan["plan"]["action"], "send");
    assert_eq!(plan["plan"]["steps"][0]["from"], serde_json::Value::Null);
    assert_eq!(plan["plan"]["steps"][1]["from"]["name"], "s1");
    assert!(plan["estimated_bytes"][0].as_u64().unwrap() >= 8 << 20, "{plan}");
    assert!(!native().lzc().exists(bed.dst.as_str()).unwrap(), "a dry run receives nothing");

    bed.run_ok(&[]);
    assert_eq!(bed.names(&bed.dst), ["s1", "s2"]);
    let props = native().properties(&bed.dst.clone().into()).unwrap();
    assert_eq!(props["canmount"].value, "noauto");
    let marks = native().lzc().get_bookmarks(bed.src.as_str()).unwrap();
    let mark: Vec<&str> = marks.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(mark, [format!("{}#helios64-replicate_usb_s2", bed.src)]);
    assert_eq!(bed.state()["result"], "ok");
    assert_eq!(bed.state()["newest_target_snapshot"], format!("{}@s2", bed.dst));

    bed.a.fill("fs", 2);
    bed.snapshot("s3");
    let out = bed.run(&[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("s2→s3"), "{out:?}");
    assert_eq!(bed.names(&bed.dst), ["s1", "s2", "s3"]);
    let marks = native().lzc().get_bookmarks(bed.src.as_str()).unwrap();
    assert_eq!(marks.len(), 1, "the older bookmark is gone: {marks:?}");
    assert!(marks[0].name.ends_with("_s3"));
    let up = bed.run(&[]);
    assert!(String::from_utf8_lossy(&up.stdout).contains("up to date at s3"), "{up:?}");

    let mnt = bed.mount_target();
    for s in ["s1", "s2", "s3"] {
        assert_eq!(checksum(&bed.src_mnt, s), checksum(&mnt, s), "{s}");
    }
}

#[test]
fn after_the_source_pruned_everything_the_bookmark_is_the_base() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpb");
    bed.a.fill("fs", 1);
    bed.snapshot("s1");
    bed.snapshot("s2");
    bed.run_ok(&[]);
    run_ok("zfs", &["destroy", &format!("{}@s1,s2", bed.src)]);
    bed.a.fill("fs", 1);
    bed.snapshot("s3");
    let out = bed.run(&[]);
    assert!(out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("#helios64-replicate_usb_s2→s3"),
        "{out:?}"
    );
    assert_eq!(bed.names(&bed.dst), ["s1", "s2", "s3"]);
}

#[test]
fn stale_holds_of_a_crashed_run_are_released() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rph");
    bed.snapshot("s1");
    bed.run_ok(&[]);
    bed.snapshot("s2");
    // What a run killed between hold and release leaves behind.
    run_ok("zfs", &["hold", "helios64-replicate:usb", &format!("{}@s1", bed.src)]);
    run_ok("zfs", &["hold", "helios64-replicate:usb", &format!("{}@s1", bed.dst)]);
    run_ok("zfs", &["hold", "someone-else", &format!("{}@s1", bed.src)]);
    let said = bed.run_ok(&[]);
    assert!(
        said.contains(&format!("released the stale hold {}@s1#helios64-replicate:usb", bed.src)),
        "{said}"
    );
    assert!(
        said.contains(&format!("released the stale hold {}@s1#helios64-replicate:usb", bed.dst)),
        "{said}"
    );
    let holds =
        run_ok("zfs", &["holds", "-H", &format!("{}@s1", bed.src), &format!("{}@s2", bed.src)]);
    assert_eq!(holds.lines().count(), 1, "only the other tag stays: {holds}");
    assert!(holds.contains("someone-else"));
    assert_eq!(bed.names(&bed.dst), ["s1", "s2"]);
}

/// A receive cut short: `zfs send | head -c | zfs receive -s`.
fn cut_receive(bed: &Bed, snap: &str, from: Option<&str>, bytes: u64) {
    let from = from.map(|f| format!("-i {}@{f}", bed.src)).unwrap_or_default();
    let pipeline = format!(
        "zfs send -Lec {from} {src}@{snap} | head -c {bytes} | zfs receive -s {dst}; true",
        src = bed.src,
        dst = bed.dst
    );
    run_ok("sh", &["-c", &pipeline]);
    let token =
        run_ok("zfs", &["get", "-H", "-o", "value", "receive_resume_token", bed.dst.as_str()]);
    assert!(token.trim().len() > 10, "no token after a cut receive: {token}");
}

#[test]
fn an_interrupted_receive_resumes_and_an_unresumable_one_is_aborted() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpr");
    bed.a.fill("fs", 16);
    bed.snapshot("s1");
    cut_receive(&bed, "s1", None, 6 << 20);
    // A dry run plans past the pending resume instead of refusing a target
    // without snapshots.
    let dry = bed.run_ok(&["--dry-run"]);
    assert!(dry.contains("usb: resuming the receive of s1 at "), "{dry}");
    assert!(
        native().receive_resume_token(&bed.dst).unwrap().is_some(),
        "a dry run resumes nothing"
    );
    let said = bed.run_ok(&[]);
    assert!(said.contains("usb: resuming the receive of s1 at "), "{said}");
    assert_eq!(bed.names(&bed.dst), ["s1"]);

    bed.a.fill("fs", 8);
    bed.snapshot("s2");
    cut_receive(&bed, "s2", Some("s1"), 3 << 20);
    run_ok("zfs", &["destroy", &format!("{}@s2", bed.src)]);
    bed.snapshot("s3");
    let said = bed.run_ok(&[]);
    assert!(said.contains("cannot resume") && said.contains("aborting it"), "{said}");
    assert_eq!(bed.names(&bed.dst), ["s1", "s3"]);
    let token =
        run_ok("zfs", &["get", "-H", "-o", "value", "receive_resume_token", bed.dst.as_str()]);
    assert_eq!(token.trim(), "-");
    let mnt = bed.mount_target();
    for s in ["s1", "s3"] {
        assert_eq!(checksum(&bed.src_mnt, s), checksum(&mnt, s), "{s}");
    }
}

#[test]
fn a_modified_target_and_a_missing_parent_are_refused_and_nothing_is_destroyed() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpm");
    bed.snapshot("s1");
    bed.run_ok(&[]);
    let mnt = bed.mount_target();
    std::fs::write(mnt.join("stray"), "written on the backup").unwrap();
    run_ok("zpool", &["sync", &bed.b.name]);
    bed.snapshot("s2");
    let out = bed.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "job usb: {} → {}: refused: the target has diverged",
            bed.src, bed.dst
        )),
        "{said}"
    );
    assert!(said.contains("written since its newest snapshot"), "{said}");
    assert!(mnt.join("stray").exists());
    assert_eq!(bed.names(&bed.dst), ["s1"]);
    assert_eq!(bed.state()["result"], "failed");

    let bed = bed.with_config("");
    let text =
        format!("[jobs.usb]\nsource = \"{}\"\ntarget = \"{}/nowhere/fs\"\n", bed.src, bed.b.name);
    std::fs::write(bed.dir.join("replicate.toml"), text).unwrap();
    let out = bed.run(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(&format!(
            "job usb: the target {0}/nowhere/fs's parent {0}/nowhere does not exist",
            bed.b.name
        )),
        "{said}"
    );
    assert_eq!(bed.names(&bed.src), ["s1", "s2"]);
}

#[test]
fn an_encrypted_source_is_sent_raw_and_the_target_has_no_key() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpe");
    let key = bed.dir.join("key");
    std::fs::write(&key, "correct horse battery staple\n").unwrap();
    let secret = bed.a.ds("secret");
    let location = format!("keylocation=file://{}", key.display());
    let mnt = format!("mountpoint={}", bed.a.mnt.join("secret").display());
    run_ok(
        "zfs",
        &[
            "create",
            "-o",
            "encryption=on",
            "-o",
            "keyformat=passphrase",
            "-o",
            &location,
            "-o",
            &mnt,
            &secret,
        ],
    );
    std::fs::write(bed.a.mnt.join("secret/data"), "only with the key").unwrap();
    run_ok("zfs", &["snapshot", &format!("{secret}@s1")]);
    let text = format!("[jobs.usb]\nsource = \"{secret}\"\ntarget = \"{}\"\n", bed.dst);
    std::fs::write(bed.dir.join("replicate.toml"), text).unwrap();
    let out = bed.run(&[]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("(raw)"), "{out:?}");
    let get = |prop: &str| {
        run_ok("zfs", &["get", "-H", "-o", "value", prop, bed.dst.as_str()]).trim().to_owned()
    };
    assert_eq!(get("encryption"), "aes-256-gcm");
    assert_eq!(get("keystatus"), "unavailable", "the target never had the key");
    assert_eq!(bed.names(&bed.dst), ["s1"]);

    // The restore test reads the raw backup back, and says it could not
    // compare what it cannot decrypt.
    let report = bed.verify_ok();
    assert!(report["read_back_bytes"].as_u64().unwrap() > 0, "{report}");
    let skipped = report["contents_skipped"].as_str().unwrap();
    assert!(
        skipped.contains("key is not loaded") && skipped.contains(bed.dst.as_str()),
        "{report}"
    );
    assert_eq!(bed.state()["verify"]["result"], "ok");
}

#[test]
fn the_restore_test_reads_the_backup_back_and_compares_it_with_its_source() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rpv");
    bed.a.fill("fs", 6);
    std::fs::create_dir(bed.src_mnt.join("dir")).unwrap();
    std::fs::write(bed.src_mnt.join("dir/small"), "a small file").unwrap();
    std::os::unix::fs::symlink("../data", bed.src_mnt.join("dir/link")).unwrap();
    bed.snapshot("s1");
    bed.a.fill("fs", 2);
    bed.snapshot("s2");
    // The live filesystem moves on: the test compares snapshots.
    std::fs::write(bed.src_mnt.join("dir/small"), "changed after s2").unwrap();
    bed.run_ok(&[]);

    let report = bed.verify_ok();
    assert_eq!(report["target_snapshot"], format!("{}@s2", bed.dst), "{report}");
    assert_eq!(report["source_snapshot"], format!("{}@s2", bed.src), "{report}");
    assert_eq!(report["difference_count"], 0, "{report}");
    assert_eq!(report["entries_compared"], 5, "root, data, dir, small, link: {report}");
    assert_eq!(report["files_compared"], 2, "{report}");
    let bytes = report["content_bytes_compared"].as_u64().unwrap();
    assert_eq!(bytes, (2 << 20) + 12, "every byte of data and small: {report}");
    assert!(report["read_back_bytes"].as_u64().unwrap() >= 2 << 20, "{report}");
    let state = bed.state();
    assert_eq!(state["result"], "ok", "a run's record is kept: {state}");
    assert_eq!(state["verify"]["result"], "ok", "{state}");
    assert_eq!(state["verify"]["snapshot"], format!("{}@s2", bed.dst));

    // The source pruned s2: the newest target snapshot it still has is s1.
    run_ok("zfs", &["destroy", &format!("{}@s2", bed.src)]);
    let report = bed.verify_ok();
    assert_eq!(report["source_snapshot"], format!("{}@s1", bed.src), "{report}");
    assert_eq!(report["target_snapshot"], format!("{}@s1", bed.dst), "{report}");

    // A budget of one byte: at most one file's contents are compared.
    let small = bed.with_config("verify_content_bytes = 1\n");
    let report = small.verify_ok();
    assert!(report["files_compared"].as_u64().unwrap() <= 1, "{report}");
    assert_eq!(report["entries_compared"], 5, "metadata is always compared: {report}");

    // No target: a failed test, recorded, nothing created.
    run_ok("zfs", &["destroy", "-r", small.dst.as_str()]);
    let out = small.verify(&[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("job usb") && err.contains("has no snapshot to verify"), "{err}");
    assert_eq!(small.state()["verify"]["result"], "failed");
    assert!(!native().lzc().exists(small.dst.as_str()).unwrap());
}

#[test]
fn target_retention_prunes_the_backup_by_its_own_counts_and_keeps_the_base() {
    let guest = require_guest();
    // Counts of 0: sanoid's rule prunes beyond the count only snapshots
    // older than count x period, and these are seconds old (the counts
    // themselves are host tests of helios64_replicate::prune).
    let bed = Bed::new(&guest, "rpr")
        .with_config("[jobs.usb.target_retention]\nhourly = 0\ndaily = 0\nmonthly = 0\n");
    let hourly = |i: usize| format!("autosnap_2026-12-04_{i:02}:00:00_hourly");
    let target = |name: &str| format!("{}@{name}", bed.dst);
    for i in 0..5 {
        bed.a.fill("fs", 1);
        bed.snapshot(&hourly(i));
    }
    bed.snapshot("before-upgrade");
    let err = bed.run_ok(&[]);
    assert!(err.contains("pruned 5 snapshots"), "{err}");
    assert_eq!(bed.names(&bed.dst), ["before-upgrade"], "not sanoid-named: kept; {err}");
    assert_eq!(bed.names(&bed.src).len(), 6, "the source keeps its own");

    // The newest common snapshot stays whatever the counts say.
    bed.a.fill("fs", 1);
    bed.snapshot(&hourly(5));
    bed.run_ok(&[]);
    assert_eq!(bed.names(&bed.dst), ["before-upgrade".to_owned(), hourly(5)]);

    // A held one stays.
    run_ok("zfs", &["hold", "keep", &target(&hourly(5))]);
    bed.a.fill("fs", 1);
    bed.snapshot(&hourly(6));
    bed.run_ok(&[]);
    assert_eq!(bed.names(&bed.dst), ["before-upgrade".to_owned(), hourly(5), hourly(6)]);
    run_ok("zfs", &["release", "keep", &target(&hourly(5))]);

    // A dry run names what it would prune, as the target is now, and
    // destroys nothing.
    let dry = bed.run(&["--dry-run", "--json"]);
    assert!(dry.status.success(), "{dry:?}");
    let report: serde_json::Value = serde_json::from_slice(&dry.stdout).unwrap();
    assert_eq!(report["pruned"], serde_json::json!([hourly(5)]), "{report}");
    assert_eq!(bed.names(&bed.dst).len(), 3);

    // The chain is intact: the next incremental goes from the kept base.
    bed.a.fill("fs", 1);
    bed.snapshot(&hourly(7));
    let err = bed.run_ok(&[]);
    assert!(err.contains("incremental"), "{err}");
    assert_eq!(bed.names(&bed.dst), ["before-upgrade".to_owned(), hourly(7)], "{err}");
}
