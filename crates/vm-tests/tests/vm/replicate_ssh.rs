//! `helios64-replicate` to a target over `ssh`: an `sshd` of the test's own
//! on 127.0.0.1 with a fresh key, the target on the guest's second pool;
//! full then incremental with our `receive` and with plain `zfs receive`
//! (the remote command missing), and a closed port refused naming job,
//! dataset and host with nothing changed.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use helios64_zfs::{DatasetName, Zfs};
use vm_env::{Guest, require_guest};

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, native};
use crate::zfs_send::checksum;

/// An sshd on loopback, killed when dropped.
struct Sshd {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Sshd {
    fn start(dir: &Path, port: u16) -> Sshd {
        run_ok("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", &p(dir, "host")]);
        run_ok("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-f", &p(dir, "id")]);
        std::fs::copy(dir.join("id.pub"), dir.join("authorized_keys")).unwrap();
        std::fs::create_dir_all("/run/sshd").unwrap();
        let config = format!(
            "ListenAddress 127.0.0.1\nPort {port}\nHostKey {host}\nAuthorizedKeysFile {keys}\n\
             PermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\n\
             UsePAM no\nPidFile none\n",
            host = p(dir, "host"),
            keys = p(dir, "authorized_keys"),
        );
        std::fs::write(dir.join("sshd_config"), config).unwrap();
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f", &p(dir, "sshd_config")])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("sshd.log")).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(15);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not listen: {}", log(dir));
            std::thread::sleep(Duration::from_millis(100));
        }
        Sshd { child, port, dir: dir.to_owned() }
    }

    /// The `[jobs.off.ssh]` section for `port` and the remote `command`.
    fn section(&self, port: u16, command: &str) -> String {
        format!(
            "[jobs.off.ssh]\nhost = \"127.0.0.1\"\nuser = \"root\"\nport = {port}\n\
             identity = \"{id}\"\nconnect_timeout = 5\ncommand = \"{command}\"\n\
             options = [\"StrictHostKeyChecking=accept-new\", \"UserKnownHostsFile={known}\"]\n",
            id = p(&self.dir, "id"),
            known = p(&self.dir, "known_hosts"),
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("sshd.log")).unwrap_or_default()
}

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
        let bin = guest.binary("helios64-replicate").unwrap();
        Bed { a, b, src, dst, src_mnt, dir, bin }
    }

    /// A run of job `off` with this `[jobs.off.ssh]` section, bounded in
    /// time (a hung ssh fails the test instead of blocking it).
    fn run(&self, section: &str) -> Output {
        let text =
            format!("[jobs.off]\nsource = \"{}\"\ntarget = \"{}\"\n{section}", self.src, self.dst);
        std::fs::write(self.dir.join("replicate.toml"), text).unwrap();
        let out = Command::new("timeout")
            .arg("120")
            .arg(&self.bin)
            .arg("--config")
            .arg(self.dir.join("replicate.toml"))
            .arg("run")
            .arg("--record-dir")
            .arg(self.dir.join("lib"))
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(124), "the run hung: {out:?}");
        out
    }

    /// The restore test of job `off` with the config the last run wrote,
    /// bounded in time like a run.
    fn verify(&self) -> Output {
        let out = Command::new("timeout")
            .arg("120")
            .arg(&self.bin)
            .arg("--config")
            .arg(self.dir.join("replicate.toml"))
            .arg("verify")
            .arg("--json")
            .arg("--record-dir")
            .arg(self.dir.join("lib"))
            .output()
            .unwrap();
        assert_ne!(out.status.code(), Some(124), "the test hung: {out:?}");
        out
    }

    /// A passing restore test of the target over ssh: the newest snapshot
    /// read back on the host, matched to the source's by GUID, contents
    /// not compared; recorded in the state file.
    fn verify_passes(&self) {
        let out = self.verify();
        assert!(out.status.success(), "{out:?}");
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["target_snapshot"], format!("{}@s3", self.dst), "{report}");
        assert_eq!(report["source_snapshot"], format!("{}@s3", self.src), "{report}");
        assert!(report["read_back_bytes"].as_u64().unwrap() >= 1 << 20, "{report}");
        let skipped = report["contents_skipped"].as_str().unwrap_or_default();
        assert!(skipped.contains("the target is on 127.0.0.1"), "{report}");
        let state: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(self.dir.join("lib/replicate.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(state["state"]["jobs"]["off"]["verify"]["result"], "ok", "{state}");
    }

    fn names(&self, fs: &DatasetName) -> Vec<String> {
        native()
            .snapshots(fs)
            .unwrap()
            .into_iter()
            .map(|s| s.name.short_name().to_owned())
            .collect()
    }

    fn snapshot(&self, name: &str) {
        run_ok("zfs", &["snapshot", &format!("{}@{name}", self.src)]);
    }

    /// Full, then incremental, data equal; returns the two runs' stderr.
    fn full_then_incremental(&self, section: &str) -> (String, String) {
        self.a.fill("fs", 4);
        self.snapshot("s1");
        self.a.fill("fs", 1);
        self.snapshot("s2");
        let first = self.run(section);
        let err1 = String::from_utf8_lossy(&first.stderr).into_owned();
        assert!(first.status.success(), "{first:?}");
        assert_eq!(self.names(&self.dst), ["s1", "s2"]);
        let props = native().properties(&self.dst.clone().into()).unwrap();
        assert_eq!(props["canmount"].value, "noauto");
        self.a.fill("fs", 1);
        self.snapshot("s3");
        let second = self.run(section);
        let err2 = String::from_utf8_lossy(&second.stderr).into_owned();
        assert!(second.status.success(), "{second:?}");
        assert!(String::from_utf8_lossy(&second.stdout).contains("s2→s3"), "{second:?}");
        assert_eq!(self.names(&self.dst), ["s1", "s2", "s3"]);
        let marks = native().lzc().get_bookmarks(self.src.as_str()).unwrap();
        assert!(marks.iter().any(|m| m.name.ends_with("helios64-replicate_off_s3")), "{marks:?}");
        let mnt = self.b.mnt.join("target");
        run_ok("zfs", &["set", &format!("mountpoint={}", mnt.display()), self.dst.as_str()]);
        run_ok("zfs", &["mount", self.dst.as_str()]);
        for s in ["s1", "s2", "s3"] {
            assert_eq!(checksum(&self.src_mnt, s), checksum(&mnt, s), "{s}");
        }
        (err1, err2)
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn over_ssh_with_our_receive_full_then_incremental() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rso");
    let sshd = Sshd::start(&bed.dir, free_port());
    let section = sshd.section(sshd.port, &bed.bin.display().to_string());
    let (err, _) = bed.full_then_incremental(&section);
    assert!(err.contains("received by") && err.contains("receive on 127.0.0.1"), "{err}");
    assert!(!err.contains("zfs receive on"), "{err}");
    // Read back by our `receive --read-back` on the host.
    bed.verify_passes();
}

#[test]
fn over_ssh_without_our_program_plain_zfs_receive() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rsp");
    let sshd = Sshd::start(&bed.dir, free_port());
    let section = sshd.section(sshd.port, "/nonexistent/helios64-replicate");
    let (err, err2) = bed.full_then_incremental(&section);
    assert!(err.contains("received by zfs receive on 127.0.0.1"), "{err}");
    assert!(err2.contains("received by zfs receive on 127.0.0.1"), "{err2}");
    // Read back by `zfs send -w` on the host, counted here.
    bed.verify_passes();
}

#[test]
fn an_unreachable_host_names_job_dataset_and_host_and_changes_nothing() {
    let guest = require_guest();
    let bed = Bed::new(&guest, "rsu");
    let sshd = Sshd::start(&bed.dir, free_port());
    bed.snapshot("s1");
    let closed = free_port();
    let out = bed.run(&sshd.section(closed, "helios64-replicate"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "{out:?}");
    assert!(
        err.contains(&format!("job off: {} on 127.0.0.1: cannot reach 127.0.0.1", bed.dst)),
        "{err}"
    );
    assert!(err.contains("Connection refused"), "{err}");
    assert!(!native().lzc().exists(bed.dst.as_str()).unwrap(), "nothing received");
    assert_eq!(bed.names(&bed.src), ["s1"], "nothing destroyed on the source");
    let marks = native().lzc().get_bookmarks(bed.src.as_str()).unwrap();
    assert!(marks.is_empty(), "no bookmark: {marks:?}");
    let holds = run_ok("zfs", &["holds", "-H", &format!("{}@s1", bed.src)]);
    assert!(holds.trim().is_empty(), "no hold left: {holds}");
    // The restore test of an unreachable target fails the same way.
    let out = bed.verify();
    assert_eq!(out.status.code(), Some(75), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot reach 127.0.0.1"), "{err}");
}
