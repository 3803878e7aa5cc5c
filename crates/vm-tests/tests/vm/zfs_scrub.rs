//! Scrubs through both backends (start, pause, resume, cancel, wait), the
//! status of a scrubbing pool, and the events a scrub posts.

use std::time::{Duration, Instant};

use helios64_zfs::{ErrorKind, EventsFrom, PoolName, ScanFunction, ScanState, ScrubAction, Zfs};
use vm_env::require_guest;

use crate::zfs_pool::{ScanSuspended, TestPool, assert_same_status, backends, native};

fn scan_of(zfs: &dyn Zfs, pool: &PoolName) -> helios64_zfs::ScanStats {
    zfs.status(pool).unwrap().scan.unwrap_or_else(|| panic!("{pool} has no scan stats"))
}

#[test]
fn scrub_start_pause_resume_wait_in_both_backends() {
    let guest = require_guest();
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zsc{backend}"), &["mirror", "F", "F"]);
        pool.filesystem("fs");
        pool.fill("fs", 16);
        let p = &pool.pool();

        // Nothing to pause or cancel yet.
        zfs.scrub(p, ScrubAction::Pause).unwrap();
        assert_eq!(
            zfs.scrub(p, ScrubAction::Cancel).unwrap_err().kind(),
            ErrorKind::NotFound,
            "{backend}"
        );
        assert_eq!(
            zfs.scrub(p, ScrubAction::Resume).unwrap_err().kind(),
            ErrorKind::InvalidState,
            "{backend}"
        );

        let frozen = ScanSuspended::new();
        zfs.scrub(p, ScrubAction::Start).unwrap();
        let s = scan_of(zfs.as_ref(), p);
        assert_eq!((s.function, s.state), (ScanFunction::Scrub, ScanState::Scanning), "{backend}");
        assert!(s.is_running(), "{backend}: {s:?}");
        assert_same_status(p);
        assert_eq!(
            zfs.scrub(p, ScrubAction::Start).unwrap_err().kind(),
            ErrorKind::Busy,
            "{backend}"
        );

        zfs.scrub(p, ScrubAction::Pause).unwrap();
        let s = scan_of(zfs.as_ref(), p);
        assert!(s.is_paused(), "{backend}: {s:?}");
        assert_same_status(p);
        // A paused scrub is not "in progress": waiting returns at once.
        zfs.wait_scrub(p).unwrap();

        zfs.scrub(p, ScrubAction::Resume).unwrap();
        assert!(scan_of(zfs.as_ref(), p).is_running(), "{backend}");

        drop(frozen);
        zfs.wait_scrub(p).unwrap();
        let s = scan_of(zfs.as_ref(), p);
        assert_eq!(s.state, ScanState::Finished, "{backend}: {s:?}");
        assert!(s.examined >= 16 << 20, "{backend}: scrub read the data: {s:?}");
        assert_eq!(s.errors, 0);
        assert_same_status(p);
    }
}

#[test]
fn cancel_stops_a_running_scrub() {
    let guest = require_guest();
    for (backend, zfs) in backends() {
        let pool = TestPool::create(&guest, &format!("zcn{backend}"), &["F"]);
        pool.filesystem("fs");
        pool.fill("fs", 8);
        let _frozen = ScanSuspended::new();
        zfs.scrub(&pool.pool(), ScrubAction::Start).unwrap();
        zfs.scrub(&pool.pool(), ScrubAction::Cancel).unwrap();
        assert_eq!(scan_of(zfs.as_ref(), &pool.pool()).state, ScanState::Canceled, "{backend}");
    }
}

#[test]
fn a_scrub_posts_start_and_finish_events() {
    let guest = require_guest();
    let pool = TestPool::create(&guest, "zev", &["F"]);
    pool.filesystem("fs");
    pool.fill("fs", 4);
    let zfs = native();
    let mut events = zfs.events(EventsFrom::Now).unwrap();
    zfs.scrub(&pool.pool(), ScrubAction::Start).unwrap();
    zfs.wait_scrub(&pool.pool()).unwrap();

    // The finish event is posted when the scrub's last txg syncs; poll
    // without blocking so a missing event fails the test instead of hanging.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while !seen.iter().any(|c: &String| c.ends_with("scrub_finish")) {
        assert!(Instant::now() < deadline, "no scrub_finish event for {}; saw {seen:?}", pool.name);
        match events.try_next().unwrap() {
            Some(e) if e.pool.as_deref() == Some(pool.name.as_str()) => {
                assert!(e.pool_guid.is_some(), "{e:?}");
                assert!(e.eid.is_some(), "{e:?}");
                seen.push(e.class);
            }
            Some(_) => {}
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let start = seen.iter().position(|c| c == "sysevent.fs.zfs.scrub_start");
    let finish = seen.iter().position(|c| c == "sysevent.fs.zfs.scrub_finish");
    assert!(start.is_some() && start < finish, "{seen:?}");
}
