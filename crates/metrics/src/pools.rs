//! Pools, vdevs and scans: pdf/zfs_exporter's `zfs_pool_*` names and codes,
//! and the vdev and scrub quantities it lacks.

use helios64_health::{Health, PoolHealth};

use crate::family::{Family, flag, labels, num};

fn pool(p: &PoolHealth) -> Vec<(&'static str, String)> {
    labels([("pool", &p.name)])
}

pub(crate) fn pools(h: &Health, out: &mut Vec<Family>) {
    let mut health = Family::new(
        "zfs_pool_health",
        "Pool health: 0 ONLINE, 1 DEGRADED, 2 FAULTED, 3 OFFLINE, 4 UNAVAIL, 5 REMOVED, 6 SUSPENDED (zfs_exporter's codes).",
    );
    let mut allocated = Family::new("zfs_pool_allocated_bytes", "Bytes allocated in the pool.");
    let mut size = Family::new("zfs_pool_size_bytes", "Pool size in bytes.");
    let mut free = Family::new("zfs_pool_free_bytes", "Bytes free in the pool.");
    let mut capacity = Family::new("zfs_pool_capacity_ratio", "Allocated over size, 0 to 1.");
    let mut frag = Family::new("zfs_pool_fragmentation_ratio", "Free-space fragmentation, 0 to 1.");
    let mut data_errors =
        Family::new("zfs_pool_data_errors", "Files with permanent errors (zpool status -v).");

    let mut vstate = Family::new(
        "zfs_vdev_state",
        "Vdev state, zfs_pool_health's codes; bay and device name the disk behind a leaf.",
    );
    let mut vread =
        Family::new("zfs_vdev_read_errors", "Read errors on the vdev since import or zpool clear.");
    let mut vwrite = Family::new(
        "zfs_vdev_write_errors",
        "Write errors on the vdev since import or zpool clear.",
    );
    let mut vsum = Family::new(
        "zfs_vdev_checksum_errors",
        "Checksum errors on the vdev since import or zpool clear.",
    );

    let mut scan_info = Family::new(
        "zfs_pool_scan_info",
        "The last or running scan: its function (scrub, resilver, errorscrub) and state (scanning, paused, finished, canceled).",
    );
    let mut running = Family::new("zfs_pool_scrub_running", "1 while a scan runs (not paused).");
    let mut paused = Family::new("zfs_pool_scrub_paused", "1 while a scrub is paused.");
    let mut progress = Family::new(
        "zfs_pool_scrub_progress_ratio",
        "Issued over to-examine of the last or running scan, 0 to 1.",
    );
    let mut rate = Family::new(
        "zfs_pool_scrub_rate_bytes_per_second",
        "Issue rate of the running scan over its current pass.",
    );
    let mut scan_errors =
        Family::new("zfs_pool_scrub_errors", "Errors the last or running scan found.");
    let mut start = Family::new(
        "zfs_pool_scrub_start_timestamp_seconds",
        "When the last or running scan started (Unix time).",
    );
    let mut end = Family::new(
        "zfs_pool_scrub_end_timestamp_seconds",
        "When the last scan ended (Unix time; absent while running).",
    );
    let mut last = Family::new(
        "zfs_pool_scrub_last_completed_timestamp_seconds",
        "When the last scrub completed (Unix time), while the pool status shows it.",
    );
    let mut last_age = Family::new(
        "zfs_pool_scrub_last_completed_age_seconds",
        "Seconds since the last scrub completed.",
    );

    let mut event = Family::new(
        "helios64_pool_event_last_timestamp_seconds",
        "The newest recent zpool event of each class (Unix time).",
    );

    for p in &h.pools {
        let l = pool(p);
        health.push(l.clone(), p.health_code);
        allocated.push(l.clone(), num(p.space.allocated_bytes));
        size.push(l.clone(), num(p.space.size_bytes));
        free.push(l.clone(), num(p.space.free_bytes));
        capacity.push(l.clone(), p.space.capacity_ratio);
        frag.push_some(l.clone(), p.space.fragmentation_ratio);
        data_errors.push_some(l.clone(), p.data_errors.map(num));
        for v in &p.vdevs {
            let bay = v.bay.map(|b| b.to_string()).unwrap_or_default();
            let device = v.device.clone().unwrap_or_default();
            let vl =
                labels([("pool", &p.name), ("vdev", &v.name), ("bay", &bay), ("device", &device)]);
            let mut sl = vl.clone();
            sl.push(("vdev_type", v.vdev_type.clone()));
            sl.push(("class", v.class.to_owned()));
            vstate.push(sl, v.state_code);
            vread.push_some(vl.clone(), v.read_errors.map(num));
            vwrite.push_some(vl.clone(), v.write_errors.map(num));
            vsum.push_some(vl, v.checksum_errors.map(num));
        }
        if let Some(s) = &p.scan {
            scan_info.push(
                labels([("pool", &p.name), ("function", &s.function), ("state", &s.state)]),
                1i64,
            );
            running.push(l.clone(), flag(s.state == "scanning"));
            paused.push(l.clone(), flag(s.state == "paused"));
            progress.push(l.clone(), s.progress_ratio);
            rate.push_some(l.clone(), s.rate_bytes_per_second);
            scan_errors.push(l.clone(), num(s.errors));
            start.push(l.clone(), num(s.start_unix));
            if s.end_unix > 0 {
                end.push(l.clone(), num(s.end_unix));
            }
        }
        last.push_some(l.clone(), p.last_scrub_completed_unix.map(num));
        last_age.push_some(l.clone(), p.last_scrub_age_seconds.map(num));
        // Newest per class: events come oldest first.
        let mut newest: Vec<(&str, u64)> = Vec::new();
        for e in &p.events {
            match newest.iter_mut().find(|(c, _)| *c == e.class) {
                Some(slot) => slot.1 = slot.1.max(e.time_unix),
                None => newest.push((&e.class, e.time_unix)),
            }
        }
        for (class, t) in newest {
            event.push(labels([("pool", &p.name), ("class", class)]), num(t));
        }
    }
    out.extend([
        health,
        allocated,
        size,
        free,
        capacity,
        frag,
        data_errors,
        vstate,
        vread,
        vwrite,
        vsum,
        scan_info,
        running,
        paused,
        progress,
        rate,
        scan_errors,
        start,
        end,
        last,
        last_age,
        event,
    ]);
}
