//! Send, receive, bookmarks and resume tokens between two real pools, with
//! the replication planner choosing the streams (issue #17).

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::os::fd::AsFd;

use helios64_replicate::Stream;
use helios64_replication::{Base, Error as PlanError, Options, Plan, Snap, Source, Step, Target};
use helios64_zfs::lzc::{Lzc, Receive, SendFlags};
use helios64_zfs::{Aborted, DatasetName, Native, NvList, Zfs, ZfsError};
use vm_env::require_guest;

use crate::common::run_ok;
use crate::zfs_pool::{TestPool, native};

/// The planner's view of a filesystem's snapshots and bookmarks.
fn source_of(zfs: &Native, fs: &DatasetName) -> Source {
    let snapshots = zfs
        .snapshots(fs)
        .unwrap()
        .into_iter()
        .map(|s| Snap::new(s.name.short_name(), s.guid, s.createtxg))
        .collect();
    let bookmarks = zfs
        .lzc()
        .get_bookmarks(fs.as_str())
        .unwrap()
        .into_iter()
        .map(|b| Snap::new(b.name.rsplit_once('#').unwrap().1, b.guid, b.createtxg))
        .collect();
    Source { snapshots, bookmarks }
}

fn target_of(zfs: &Native, fs: &DatasetName) -> Option<Target> {
    if !zfs.lzc().exists(fs.as_str()).unwrap() {
        return None;
    }
    let written = zfs.properties(&fs.clone().into()).unwrap()["written"].value.clone();
    Some(Target { snapshots: source_of(zfs, fs).snapshots, modified: written != "0" })
}

/// Target properties every test receive sets: never mounted automatically.
fn noauto() -> NvList {
    let mut props = NvList::new().unwrap();
    props.insert("canmount", &2u64).unwrap();
    props
}

/// One step over a pipe, as `zfs send | zfs receive -s`, through
/// helios64-replicate's transfer. Returns the receive's result.
fn transfer(
    src: &DatasetName,
    dst: &DatasetName,
    step: &Step,
    resume_at: (u64, u64),
    force: bool,
) -> Result<u64, ZfsError> {
    let props = noauto();
    let stream = Stream {
        source: src,
        target: dst,
        step,
        flags: SendFlags::NATIVE,
        resume_at,
        force,
        local_props: Some(&props),
    };
    helios64_replicate::transfer(Lzc::init().unwrap(), &stream).map_err(|(_, e)| e)
}

/// Runs a plan's steps; panics on any failure.
fn apply(zfs: &Native, src: &DatasetName, dst: &DatasetName, options: Options) -> Vec<String> {
    let plan =
        helios64_replication::plan(&source_of(zfs, src), target_of(zfs, dst).as_ref(), options)
            .unwrap();
    let Plan::Send(send) = plan else { return Vec::new() };
    for step in &send.steps {
        transfer(src, dst, step, (0, 0), send.rollback).unwrap_or_else(|e| panic!("{step:?}: {e}"));
    }
    send.steps.iter().map(|s| s.to.name.clone()).collect()
}

fn snapshot(fs: &DatasetName, name: &str) {
    Lzc::init().unwrap().snapshot(&[&format!("{fs}@{name}")], None).unwrap();
}

/// `sha256sum` of a file in a snapshot, through `.zfs/snapshot` of a mount.
pub(crate) fn checksum(mountpoint: &std::path::Path, snap: &str) -> String {
    let path = mountpoint.join(".zfs/snapshot").join(snap).join("data");
    run_ok("sha256sum", &[&path.display().to_string()])
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// Mounts a received filesystem somewhere of its own to read it.
fn mount(pool: &TestPool, fs: &DatasetName) -> std::path::PathBuf {
    let mnt = pool.mnt.join("received");
    run_ok("zfs", &["set", &format!("mountpoint={}", mnt.display()), fs.as_str()]);
    run_ok("zfs", &["mount", fs.as_str()]);
    mnt
}

#[test]
fn full_then_incremental_with_every_intermediate_matched_by_guid() {
    let guest = require_guest();
    let zfs = native();
    let (a, b) =
        (TestPool::create(&guest, "zrsa", &["F"]), TestPool::create(&guest, "zrsb", &["F"]));
    let src_mnt = a.filesystem("fs");
    let (src, dst) = (a.dataset("fs"), b.dataset("copy"));
    a.fill("fs", 8);
    snapshot(&src, "s1");
    let estimate = zfs.lzc().send_space(&format!("{src}@s1"), None, SendFlags::NATIVE).unwrap();
    assert!(estimate >= 8 << 20, "send_space {estimate}");
    assert_eq!(apply(&zfs, &src, &dst, Options::default()), ["s1"]);

    a.fill("fs", 4);
    snapshot(&src, "s2");
    a.fill("fs", 4);
    snapshot(&src, "s3");
    assert_eq!(apply(&zfs, &src, &dst, Options::default()), ["s2", "s3"]);
    assert!(apply(&zfs, &src, &dst, Options::default()).is_empty(), "up to date");

    let guids = |fs| zfs.snapshots(fs).unwrap().into_iter().map(|s| s.guid).collect::<Vec<_>>();
    assert_eq!(guids(&src), guids(&dst));
    let props = zfs.properties(&dst.clone().into()).unwrap();
    assert_eq!(props["canmount"].value, "noauto");
    assert_eq!(props["mounted"].value, "no");
    let dst_mnt = mount(&b, &dst);
    for s in ["s1", "s2", "s3"] {
        assert_eq!(checksum(&src_mnt, s), checksum(&dst_mnt, s), "{s}");
    }
    assert_ne!(checksum(&src_mnt, "s1"), checksum(&src_mnt, "s3"));
}

#[test]
fn a_bookmark_carries_the_chain_when_the_source_pruned_every_snapshot() {
    let guest = require_guest();
    let zfs = native();
    let (a, b) =
        (TestPool::create(&guest, "zrba", &["F"]), TestPool::create(&guest, "zrbb", &["F"]));
    a.filesystem("fs");
    let (src, dst) = (a.dataset("fs"), b.dataset("copy"));
    a.fill("fs", 2);
    snapshot(&src, "s1");
    snapshot(&src, "s2");
    apply(&zfs, &src, &dst, Options::default());
    let lzc = zfs.lzc();
    lzc.bookmark(&[(&format!("{src}#s2"), &format!("{src}@s2"))]).unwrap();
    let marks = lzc.get_bookmarks(src.as_str()).unwrap();
    assert_eq!(marks.len(), 1);
    assert_eq!(marks[0].guid, zfs.snapshots(&src).unwrap()[1].guid);
    // lzc_exists does not see bookmarks (ZFS_IOC_OBJSET_STATS): the listing
    // is the only way to tell.
    assert!(!lzc.exists(&format!("{src}#s2")).unwrap());
    lzc.destroy_snaps(&[&format!("{src}@s1"), &format!("{src}@s2")], false).unwrap();
    a.fill("fs", 2);
    snapshot(&src, "s3");

    let plan = helios64_replication::plan(
        &source_of(&zfs, &src),
        target_of(&zfs, &dst).as_ref(),
        Options::default(),
    )
    .unwrap();
    let Plan::Send(send) = &plan else { panic!("{plan:?}") };
    assert_eq!(send.steps[0].from, Some(Base::Bookmark("s2".into())));
    assert_eq!(apply(&zfs, &src, &dst, Options::default()), ["s3"]);
    assert_eq!(zfs.snapshots(&dst).unwrap().len(), 3);

    lzc.destroy_bookmarks(&[&format!("{src}#s2")]).unwrap();
    assert!(lzc.get_bookmarks(src.as_str()).unwrap().is_empty());
}

#[test]
fn an_interrupted_receive_resumes_and_a_gone_source_is_aborted() {
    let guest = require_guest();
    let zfs = native();
    let (a, b) =
        (TestPool::create(&guest, "zrra", &["F"]), TestPool::create(&guest, "zrrb", &["F"]));
    let src_mnt = a.filesystem("fs");
    let (src, dst) = (a.dataset("fs"), b.dataset("copy"));
    a.fill("fs", 16);
    snapshot(&src, "s1");
    let lzc = zfs.lzc();

    // A stream cut off half way, as when the sender dies mid-transfer.
    let cut = |to: &str, from: Option<&str>| {
        let mut file = tempfile::tempfile().unwrap();
        lzc.send(&format!("{src}@{to}"), from, file.as_fd(), SendFlags::NATIVE).unwrap();
        let len = file.seek(SeekFrom::End(0)).unwrap();
        file.set_len(len / 2).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file
    };
    let receive_cut = |file: &File, to: &str| {
        let props = noauto();
        let how = Receive { resumable: true, local_props: Some(&props), ..Receive::default() };
        lzc.receive(&format!("{dst}@{to}"), file.as_fd(), how).unwrap_err()
    };
    let err = receive_cut(&cut("s1", None), "s1");
    assert!(
        err.to_string().starts_with(&format!("lzc_receive_with_cmdprops failed on {dst}@s1")),
        "{err}"
    );
    let token = zfs.receive_resume_token(&dst).unwrap().expect("a resume token after a cut");
    let t = zfs.decode_resume_token(&token).unwrap();
    assert_eq!(t.toname, format!("{src}@s1"));
    assert_eq!(t.fromguid, None);
    assert!(t.bytes > 0);
    let step = helios64_replication::resume(&source_of(&zfs, &src), t.toguid, t.fromguid).unwrap();
    transfer(&src, &dst, &step, (t.object, t.offset), false).unwrap();
    assert_eq!(zfs.receive_resume_token(&dst).unwrap(), None);
    assert_eq!(checksum(&src_mnt, "s1"), checksum(&mount(&b, &dst), "s1"));
    run_ok("zfs", &["umount", dst.as_str()]);

    // An incremental cut off, then its snapshot destroyed on the source:
    // the token cannot resume; the partial clone is aborted and the next
    // plan starts over from the common snapshot.
    a.fill("fs", 8);
    snapshot(&src, "s2");
    receive_cut(&cut("s2", Some(&format!("{src}@s1"))), "s2");
    let t = zfs.decode_resume_token(&zfs.receive_resume_token(&dst).unwrap().unwrap()).unwrap();
    assert_eq!(t.fromguid, Some(zfs.snapshots(&src).unwrap()[0].guid));
    lzc.destroy_snaps(&[&format!("{src}@s2")], false).unwrap();
    let gone = helios64_replication::resume(&source_of(&zfs, &src), t.toguid, t.fromguid);
    assert_eq!(gone, Err(PlanError::ResumeGone { what: "snapshot", guid: t.toguid }));
    assert_eq!(zfs.abort_receive(&dst).unwrap(), Aborted::Clone(format!("{dst}/%recv")));
    assert_eq!(zfs.receive_resume_token(&dst).unwrap(), None);
    assert_eq!(zfs.abort_receive(&dst).unwrap(), Aborted::Nothing);
    snapshot(&src, "s3");
    assert_eq!(apply(&zfs, &src, &dst, Options::default()), ["s3"]);

    // A cut first receive leaves a filesystem without snapshots: aborting
    // destroys it, and only it.
    let fresh = b.dataset("fresh");
    let props = noauto();
    let how = Receive { resumable: true, local_props: Some(&props), ..Receive::default() };
    lzc.receive(&format!("{fresh}@s1"), cut("s1", None).as_fd(), how).unwrap_err();
    assert_eq!(zfs.abort_receive(&fresh).unwrap(), Aborted::PartialFilesystem(fresh.to_string()));
    assert!(!lzc.exists(fresh.as_str()).unwrap());
    assert!(lzc.exists(dst.as_str()).unwrap());
}

#[test]
fn a_modified_target_is_refused_by_the_planner_and_the_kernel() {
    let guest = require_guest();
    let zfs = native();
    let (a, b) =
        (TestPool::create(&guest, "zrma", &["F"]), TestPool::create(&guest, "zrmb", &["F"]));
    a.filesystem("fs");
    let (src, dst) = (a.dataset("fs"), b.dataset("copy"));
    a.fill("fs", 1);
    snapshot(&src, "s1");
    apply(&zfs, &src, &dst, Options::default());
    let mnt = mount(&b, &dst);
    std::fs::write(mnt.join("stray"), "written on the backup").unwrap();
    run_ok("zpool", &["sync", &b.name]);
    snapshot(&src, "s2");

    let err = helios64_replication::plan(
        &source_of(&zfs, &src),
        target_of(&zfs, &dst).as_ref(),
        Options::default(),
    )
    .unwrap_err();
    assert_eq!(err, PlanError::Diverged { base: "s1".into(), newer: vec![], modified: true });
    let step = Step { from: Some(Base::Snapshot("s1".into())), to: Snap::new("s2", 0, 0) };
    let kernel = transfer(&src, &dst, &step, (0, 0), false).unwrap_err();
    assert_eq!(kernel.errno(), Some(helios64_zfs::Errno(libc::ETXTBSY)), "{kernel}");
    assert_eq!(zfs.snapshots(&dst).unwrap().len(), 1, "nothing received");

    // With rollback allowed the stray write is undone by the receive.
    let rollback = Options { rollback: true, ..Options::default() };
    assert_eq!(apply(&zfs, &src, &dst, rollback), ["s2"]);
    assert!(!mnt.join("stray").exists());
}
