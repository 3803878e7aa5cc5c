//! Every rule of the join, one scenario at a time: the armbian fixture
//! board's inputs, changed the way a fault changes them, assessed at the
//! fixtures' moment.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::disallowed_methods)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use helios64_fan::{FanState, FanStateEntry};
use helios64_hal::testing::Fixture;
use helios64_hal::{BatteryReading, Duplex};
use helios64_health::{
    DaemonState, Health, HealthConfig, Inputs, Level, PinningCheck, Reading, ReasonCode, assess,
};
use helios64_smart::report::{EntryVerdict, LastKnownEntry};
use helios64_zfs_model::{Health as PoolState, ScanState, VdevState};
use proptest::prelude::*;

const DAY: u64 = 86_400;

fn armbian() -> Inputs {
    support::inputs(Fixture::Armbian)
}

fn run(inputs: &Inputs) -> Health {
    assess(inputs, &HealthConfig::default(), support::now())
}

fn run_with(inputs: &Inputs, config: &HealthConfig) -> Health {
    assess(inputs, config, support::now())
}

fn codes(h: &Health) -> Vec<(Level, ReasonCode)> {
    h.reasons.iter().map(|r| (r.level, r.code)).collect()
}

fn has(h: &Health, level: Level, code: ReasonCode) -> bool {
    h.reasons.iter().any(|r| r.level == level && r.code == code)
}

/// The armbian inputs with every SMART verdict ok and no vdev errors: a
/// clean baseline, so each scenario adds exactly one fault.
fn clean() -> Inputs {
    let mut i = armbian();
    if let Reading::Read(readings) = &mut i.smart {
        let ok = readings.iter().find(|r| r.device == "/dev/sdc").unwrap().clone();
        for r in readings.iter_mut() {
            let device = r.device.clone();
            *r = ok.clone();
            r.device = device;
        }
    }
    pools(&mut i, |p| {
        for leaf in leaves_mut(&mut p.root) {
            leaf.errors = Some(Default::default());
        }
    });
    i
}

fn pools(i: &mut Inputs, f: impl Fn(&mut helios64_zfs_model::PoolStatus)) {
    if let Reading::Read(pools) = &mut i.pools {
        pools.iter_mut().for_each(f);
    }
}

fn leaves_mut(v: &mut helios64_zfs_model::Vdev) -> Vec<&mut helios64_zfs_model::Vdev> {
    if v.children.is_empty() {
        return vec![v];
    }
    v.children.iter_mut().flat_map(leaves_mut).collect()
}

#[test]
fn the_clean_baseline_is_ok() {
    let h = run(&clean());
    assert_eq!(h.verdict, Level::Ok, "{:#?}", h.reasons);
    assert!(
        h.summary.starts_with("HELIOS64 OK - 5 of 5 bays in use, 1 pool healthy |"),
        "{}",
        h.summary
    );
}

#[test]
fn a_faulted_leaf_degrades_the_pool_and_points_at_its_bay() {
    let mut i = clean();
    pools(&mut i, |p| {
        p.health = PoolState::Degraded;
        let leaf = leaves_mut(&mut p.root).into_iter().nth(3).unwrap();
        leaf.state = VdevState::Faulted;
    });
    let h = run(&i);
    assert_eq!(h.verdict, Level::Critical);
    assert!(has(&h, Level::Critical, ReasonCode::PoolDegraded));
    let r = h.reasons.iter().find(|r| r.code == ReasonCode::VdevNotOnline).unwrap();
    // The fourth leaf is bay 4's disk (sdb).
    assert_eq!((r.subject.bay, r.subject.device.as_deref()), (Some(4), Some("sdb")));
    assert!(r.message.contains("FAULTED"), "{}", r.message);
    assert_eq!(h.bays[3].level, Level::Warning);
}

#[test]
fn unusable_pools_and_missing_expected_ones_are_critical() {
    for state in [PoolState::Faulted, PoolState::Suspended, PoolState::Unavail] {
        let mut i = clean();
        pools(&mut i, |p| p.health = state);
        let h = run(&i);
        assert!(has(&h, Level::Critical, ReasonCode::PoolUnusable), "{state}: {:?}", codes(&h));
        assert_eq!(
            h.pools[0].health_code,
            match state {
                PoolState::Faulted => 2,
                PoolState::Suspended => 6,
                _ => 4,
            }
        );
    }
    let config = HealthConfig {
        expected_pools: vec!["tank".parse().unwrap(), "backup".parse().unwrap()],
        ..HealthConfig::default()
    };
    let h = run_with(&clean(), &config);
    let missing: Vec<_> = h.reasons.iter().filter(|r| r.code == ReasonCode::PoolMissing).collect();
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].subject.pool.as_deref(), Some("backup"));
    assert_eq!(missing[0].level, Level::Critical);
    // ZFS not loaded (skipped) still misses the pool; ZFS unreadable does
    // not claim it missing, it is unknown.
    let mut i = clean();
    i.pools = Reading::Skipped("no ZFS module".into());
    assert!(has(&run_with(&i, &config), Level::Critical, ReasonCode::PoolMissing));
    i.pools = Reading::Failed("libzfs: permission denied".into());
    let h = run_with(&i, &config);
    assert!(!h.reasons.iter().any(|r| r.code == ReasonCode::PoolMissing));
    assert!(has(&h, Level::Unknown, ReasonCode::CollectorFailed));
    assert_eq!(h.verdict, Level::Unknown);
}

#[test]
fn vdev_errors_and_data_errors() {
    let mut i = clean();
    pools(&mut i, |p| {
        let leaf = leaves_mut(&mut p.root).into_iter().next().unwrap();
        leaf.errors = Some(helios64_zfs_model::VdevErrors { read: 1, write: 0, checksum: 7 });
        p.error_count = Some(3);
    });
    let h = run(&i);
    let r = h.reasons.iter().find(|r| r.code == ReasonCode::VdevErrors).unwrap();
    assert_eq!(r.level, Level::Warning);
    assert_eq!(r.subject.bay, Some(1));
    assert!(r.message.starts_with("1 read, 0 write, 7 checksum errors"), "{}", r.message);
    assert!(has(&h, Level::Critical, ReasonCode::DataErrors));
    assert_eq!(h.bays[0].disk.as_ref().unwrap().vdevs[0].checksum_errors, 7);
}

#[test]
fn scrub_age_thresholds_and_scan_states() {
    let now = support::NOW_UNIX;
    let case = |f: &dyn Fn(&mut helios64_zfs_model::ScanStats)| {
        let mut i = clean();
        pools(&mut i, |p| {
            if let Some(s) = p.scan.as_mut() {
                f(s);
            }
        });
        codes(&run(&i))
    };
    assert_eq!(case(&|s| s.end_time = now - 10 * DAY), []);
    assert_eq!(case(&|s| s.end_time = now - 35 * DAY), []);
    assert_eq!(
        case(&|s| s.end_time = now - 36 * DAY),
        [(Level::Warning, ReasonCode::ScrubOverdue)]
    );
    assert_eq!(
        case(&|s| s.end_time = now - 91 * DAY),
        [(Level::Critical, ReasonCode::ScrubOverdue)]
    );
    // Running: no age judgement while the fix is under way.
    assert_eq!(
        case(&|s| {
            s.state = ScanState::Scanning;
            s.end_time = 0;
            s.start_time = now - 200 * DAY;
        }),
        []
    );
    // Canceled long ago: overdue; a finished scan with errors says so.
    assert_eq!(
        case(&|s| {
            s.state = ScanState::Canceled;
            s.start_time = now - 40 * DAY;
        }),
        [(Level::Warning, ReasonCode::ScrubOverdue)]
    );
    assert_eq!(case(&|s| s.errors = 4), [(Level::Warning, ReasonCode::ScanErrors)]);
    // Never scrubbed.
    let mut i = clean();
    pools(&mut i, |p| p.scan = None);
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Warning, ReasonCode::ScrubOverdue)]);
    assert!(h.reasons[0].message.contains("never"), "{}", h.reasons[0].message);
    assert_eq!(h.pools[0].last_scrub_completed_unix, None);
}

#[test]
fn scan_progress_and_rate_while_scrubbing() {
    let now = support::NOW_UNIX;
    let mut i = clean();
    pools(&mut i, |p| {
        let s = p.scan.as_mut().unwrap();
        s.state = ScanState::Scanning;
        s.end_time = 0;
        s.to_examine = 1000;
        s.issued = 250;
        s.pass_start = now - 100;
        s.pass_issued = 5000;
        s.pass_scrub_pause = 0;
        s.pass_scrub_spent_paused = 50;
    });
    let scan = run(&i).pools[0].scan.clone().unwrap();
    assert_eq!((scan.function.as_str(), scan.state.as_str()), ("scrub", "scanning"));
    assert!((scan.progress_ratio - 0.25).abs() < 1e-9);
    // 5000 bytes over the 50 s not paused.
    assert_eq!(scan.rate_bytes_per_second, Some(100.0));
}

#[test]
fn capacity_thresholds() {
    for (percent, want) in [(80, None), (81, Some(Level::Warning)), (96, Some(Level::Critical))] {
        let mut i = clean();
        pools(&mut i, |p| p.space.capacity_percent = percent);
        let got =
            run(&i).reasons.iter().find(|r| r.code == ReasonCode::CapacityHigh).map(|r| r.level);
        assert_eq!(got, want, "{percent}%");
    }
}

#[test]
fn smart_verdicts_become_bay_reasons_and_a_sleeping_disk_keeps_its_last_known() {
    let h = run(&armbian());
    assert!(has(&h, Level::Critical, ReasonCode::SmartFailing));

    let mut i = clean();
    if let Reading::Read(readings) = &mut i.smart {
        let failing = support::saved_smart(Fixture::Armbian).0;
        let Reading::Read(saved) = failing else { panic!() };
        let failing = saved.iter().find(|r| r.device == "/dev/sda").unwrap();
        // Bay 5 (sdd) asleep, its last full result the failing one, 3 h old.
        let r = readings.iter_mut().find(|r| r.device == "/dev/sdd").unwrap();
        r.entry.verdict = EntryVerdict::Judged(smartctl_parser::Verdict::Asleep);
        r.entry.last_known = Some(LastKnownEntry {
            taken_at_unix: support::NOW_UNIX - 3 * 3600,
            verdict: smartctl_parser::Verdict::Failing,
            reasons: failing.entry.reasons.clone(),
            device: failing.entry.device.clone().unwrap(),
        });
        r.output = failing.output.clone();
    }
    let h = run(&i);
    let r = h.reasons.iter().find(|r| r.code == ReasonCode::SmartFailing).unwrap();
    assert_eq!(r.subject.bay, Some(5));
    assert!(r.message.contains("last known, 3 h old; disk in standby"), "{}", r.message);
    let smart = h.bays[4].disk.as_ref().unwrap().smart.clone().unwrap();
    assert_eq!(smart.verdict, "standby");
    assert_eq!(smart.last_known_verdict.as_deref(), Some("failing"));
    assert_eq!(smart.age_seconds, Some(3 * 3600));
}

#[test]
fn smart_that_cannot_be_read() {
    // smartctl missing: the source failed, the verdict unknown, no bay
    // blamed.
    let mut i = clean();
    i.smart = Reading::Failed("smartctl not found at smartctl".into());
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Unknown, ReasonCode::CollectorFailed)]);
    assert!(h.bays.iter().all(|b| b.level == Level::Ok));
    // Disabled: nothing claimed, nothing wrong.
    i.smart = Reading::Skipped("disabled".into());
    assert_eq!(run(&i).verdict, Level::Ok);
    // One disk unreachable, another missing from the run: bay reasons.
    let mut i = clean();
    if let Reading::Read(readings) = &mut i.smart {
        readings.retain(|r| r.device != "/dev/sdb");
        let r = readings.iter_mut().find(|r| r.device == "/dev/sdc").unwrap();
        r.entry.verdict = EntryVerdict::Error;
        r.entry.error =
            Some("smartctl on /dev/sdc -d sat did not finish within 60s and was killed".into());
        r.output = None;
    }
    let h = run(&i);
    let bays: Vec<_> = h
        .reasons
        .iter()
        .filter(|r| r.code == ReasonCode::SmartUnreachable)
        .map(|r| r.subject.bay.unwrap())
        .collect();
    assert_eq!(bays, [1, 4]);
    assert_eq!(h.verdict, Level::Warning);
}

#[test]
fn hot_disks() {
    for (milli, want) in
        [(50_000, None), (50_500, Some(Level::Warning)), (61_000, Some(Level::Critical))]
    {
        let mut i = clean();
        i.board.bays.as_mut().unwrap()[1].temp_millicelsius = Some(milli);
        let h = run(&i);
        let got = h.reasons.iter().find(|r| r.code == ReasonCode::DiskHot);
        assert_eq!(got.map(|r| r.level), want, "{milli}");
        if let Some(r) = got {
            assert_eq!(r.subject.bay, Some(2));
        }
    }
    // Without drivetemp, SMART's temperature counts; but not a sleeping
    // disk's (it is the last known one).
    let mut i = clean();
    i.board.bays.as_mut().unwrap()[0].temp_millicelsius = None;
    if let Reading::Read(readings) = &mut i.smart {
        let r = readings.iter_mut().find(|r| r.device == "/dev/sdc").unwrap();
        r.entry.device.as_mut().unwrap().temperature_celsius = Some(63);
    }
    assert!(has(&run(&i), Level::Critical, ReasonCode::DiskHot));
}

fn fan_state(failsafe: Option<&str>) -> FanState {
    FanState {
        failsafe: failsafe.map(str::to_owned),
        fans: ["P6", "P7"]
            .into_iter()
            .map(|fan| FanStateEntry {
                fan: fan.into(),
                pwm: 255,
                target: 255,
                driven_by: None,
                driven_by_celsius: None,
            })
            .collect(),
        temps_celsius: Default::default(),
        asleep_bays: Vec::new(),
        dry_run: false,
        stopped: false,
    }
}

#[test]
fn fans_follow_the_fan_daemon_and_its_fail_safe() {
    let mut i = clean();
    i.fand = DaemonState::Fresh(fan_state(Some("cpu sensor unreadable 3 times")));
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Critical, ReasonCode::FanFailsafe)]);
    assert_eq!(
        h.board.fans.iter().map(|f| (f.pwm, f.source)).collect::<Vec<_>>(),
        [(255, "fand"), (255, "fand")]
    );
    i.fand = DaemonState::Fresh(fan_state(None));
    assert_eq!(run(&i).verdict, Level::Ok);
    // Down: a reason only when the daemon is expected.
    i.fand = DaemonState::Stale { age: Duration::from_secs(3 * 3600), state: fan_state(None) };
    let h = run(&i);
    assert_eq!(h.verdict, Level::Ok);
    assert_eq!(h.board.fand.state, "stale");
    assert_eq!(h.board.fans[0].source, "sysfs");
    let mut config = HealthConfig::default();
    config.thresholds.fand_expected = true;
    assert_eq!(codes(&run_with(&i, &config)), [(Level::Warning, ReasonCode::FanDaemonDown)]);
    i.fand = DaemonState::Unreadable("state file /run/helios64/fand.json is malformed: EOF".into());
    assert!(has(&run(&i), Level::Unknown, ReasonCode::CollectorFailed));
}

#[test]
fn a_stopped_fan_daemon_is_down_not_in_fail_safe() {
    // What fand leaves behind after a clean stop: failsafe "stopping".
    let mut i = clean();
    let mut stopped = fan_state(Some("stopping"));
    stopped.stopped = true;
    i.fand = DaemonState::Fresh(stopped.clone());
    let h = run(&i);
    assert_eq!(h.verdict, Level::Ok, "{:?}", h.reasons);
    assert_eq!(h.board.fand.state, "stopped");
    assert_eq!(h.board.fan_failsafe, None);
    assert_eq!(h.board.fans[0].source, "sysfs");
    let mut config = HealthConfig::default();
    config.thresholds.fand_expected = true;
    assert_eq!(codes(&run_with(&i, &config)), [(Level::Warning, ReasonCode::FanDaemonDown)]);
    i.fand = DaemonState::Stale { age: Duration::from_secs(7200), state: stopped };
    assert_eq!(run(&i).board.fand.state, "stopped");
}

#[test]
fn on_battery_and_low_battery() {
    let mut i = clean();
    let ups = i.board.ups.as_mut().unwrap();
    ups.mains.as_mut().unwrap().online = false;
    assert_eq!(codes(&run(&i)), [(Level::Warning, ReasonCode::OnBattery)]);
    if let BatteryReading::Present { low, .. } = &mut i.board.ups.as_mut().unwrap().battery {
        *low = true;
    }
    assert_eq!(
        codes(&run(&i)),
        [(Level::Critical, ReasonCode::BatteryLow), (Level::Warning, ReasonCode::OnBattery)]
    );
}

#[test]
fn a_nic_below_its_line_rate() {
    let mut i = clean();
    let lan2 = &mut i.board.network.as_mut().unwrap()[1];
    lan2.nic.link.speed_mbps = Some(1000);
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Warning, ReasonCode::LinkBelowLineRate)]);
    assert_eq!(h.reasons[0].subject.part.as_deref(), Some("lan2"));
    let lan1 = &mut i.board.network.as_mut().unwrap()[0];
    lan1.nic.link.duplex = Some(Duplex::Half);
    assert_eq!(run(&i).reasons.len(), 2);
    // No carrier is not "slow".
    let mut i = clean();
    let lan2 = &mut i.board.network.as_mut().unwrap()[1];
    lan2.nic.link.carrier = Some(false);
    lan2.nic.link.speed_mbps = None;
    assert_eq!(run(&i).verdict, Level::Ok);
}

#[test]
fn pinning_drift_counts_when_pin_manages_the_box_or_always() {
    let mut i = clean();
    let irq = &mut i.board.pinning.as_mut().unwrap().irqs[0];
    irq.as_planned = false;
    assert_eq!(run(&i).verdict, Level::Ok);
    i.pin_managed = true;
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Warning, ReasonCode::PinningDrift)]);
    assert!(h.reasons[0].message.starts_with("irq 24 (end0) on "), "{}", h.reasons[0].message);
    let mut config = HealthConfig { pinning: PinningCheck::Never, ..HealthConfig::default() };
    assert_eq!(run_with(&i, &config).verdict, Level::Ok);
    i.pin_managed = false;
    config.pinning = PinningCheck::Always;
    assert_eq!(run_with(&i, &config).verdict, Level::Warning);
}

#[test]
fn a_pulled_disk_is_still_placed_by_its_name() {
    // The /dev links are gone (disk pulled, or a tree without them): the
    // by-id name still carries the serial.
    let mut i = clean();
    i.disk_links.clear();
    let h = run(&i);
    let placed: Vec<_> = h.pools[0].vdevs.iter().filter_map(|v| v.bay).collect();
    assert_eq!(placed, [1, 2, 3, 4, 5]);
    // A file vdev is in no bay; its errors name the pool and vdev only.
    let mut i = clean();
    pools(&mut i, |p| {
        let leaf = leaves_mut(&mut p.root).into_iter().next().unwrap();
        leaf.path = Some("/var/tmp/vdev0".into());
        leaf.name = "/var/tmp/vdev0".into();
        leaf.errors = Some(helios64_zfs_model::VdevErrors { read: 0, write: 2, checksum: 0 });
    });
    let h = run(&i);
    let r = h.reasons.iter().find(|r| r.code == ReasonCode::VdevErrors).unwrap();
    assert_eq!((r.subject.bay, r.subject.vdev.as_deref()), (None, Some("/var/tmp/vdev0")));
    assert!(h.bays[0].disk.as_ref().unwrap().vdevs.is_empty());
}

#[test]
fn reasons_sort_most_severe_first_and_the_summary_names_three() {
    let mut i = armbian();
    i.smart = Reading::Failed("x".into());
    pools(&mut i, |p| {
        p.space.capacity_percent = 90;
        p.scan = None;
    });
    let h = run(&i);
    let levels: Vec<_> = h.reasons.iter().map(|r| r.level).collect();
    assert_eq!(levels, [Level::Unknown, Level::Warning, Level::Warning, Level::Warning]);
    assert_eq!(h.verdict, Level::Unknown);
    assert!(
        h.summary.starts_with("HELIOS64 UNKNOWN - smart: could not be read: x; "),
        "{}",
        h.summary
    );
    assert!(h.summary.ends_with("(+1 more) | critical=0 warning=3 unknown=1"), "{}", h.summary);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the numbers ZFS and the board report, the join answers and
    /// its verdict is the worst of its reasons.
    #[test]
    fn any_numbers_give_a_verdict(
        capacity in any::<u64>(),
        size in any::<u64>(),
        alloc in any::<u64>(),
        frag in proptest::option::of(any::<u64>()),
        start in any::<u64>(),
        end in any::<u64>(),
        to_examine in any::<u64>(),
        issued in any::<u64>(),
        pass_start in any::<u64>(),
        paused in any::<u64>(),
        errors in any::<u64>(),
        data_errors in proptest::option::of(any::<u64>()),
        temp in any::<i64>(),
        state in 0u64..10,
    ) {
        let mut i = armbian();
        pools(&mut i, |p| {
            p.space.capacity_percent = capacity;
            p.space.size = size;
            p.space.allocated = alloc;
            p.space.fragmentation_percent = frag;
            p.error_count = data_errors;
            let s = p.scan.as_mut().unwrap();
            s.start_time = start;
            s.end_time = end;
            s.to_examine = to_examine;
            s.issued = issued;
            s.pass_start = pass_start;
            s.pass_scrub_spent_paused = paused;
            s.errors = errors;
            s.state = ScanState::from_raw(state);
        });
        i.board.bays.as_mut().unwrap()[0].temp_millicelsius = Some(temp);
        let h = run(&i);
        let worst = h.reasons.iter().fold(Level::Ok, |a, r| a.worst(r.level));
        prop_assert_eq!(h.verdict, worst);
        let scan = h.pools[0].scan.clone().unwrap();
        prop_assert!((0.0..=1.0).contains(&scan.progress_ratio));
        prop_assert!((0.0..=1.0).contains(&h.pools[0].space.capacity_ratio));
        serde_json::to_string(&h).unwrap();
    }
}

/// Readings are shared, not copied, between the runner's cache and a
/// health value.
#[test]
fn smart_outputs_are_shared() {
    let i = armbian();
    let Reading::Read(readings) = &i.smart else { panic!() };
    let r = readings.iter().find(|r| r.output.is_some()).unwrap();
    let copy = r.clone();
    assert!(Arc::ptr_eq(r.output.as_ref().unwrap(), copy.output.as_ref().unwrap()));
}

fn upsd_state(state: &str, mains: bool, shutdown: Option<&str>) -> helios64_ups::UpsState {
    serde_json::from_value(serde_json::json!({
        "state": state,
        "mains": mains,
        "mains_source": "gpio",
        "charge": if mains { Some("charging") } else { None },
        "battery": "present",
        "pack_mv": 7400,
        "filtered_mv": 7350,
        "adc_mv": 960.0,
        "battery_fault": false,
        "dc_in_mv": null,
        "mains_off_secs": if mains { None } else { Some(200.0) },
        "on_battery_secs": if mains { None } else { Some(195.0) },
        "slope_mv_per_min": null,
        "estimated_secs_to_low": null,
        "next_action": { "action": "shutdown", "rule": "max_on_battery", "in_secs": 405.0, "text": "shutdown in 405 s (max_on_battery_secs)" },
        "shutdown": shutdown.map(|reason| serde_json::json!({
            "rule": "max_on_battery", "reason": reason, "decided_secs_ago": 2.0, "phase": "powering_off", "mains_back": false
        })),
        "low_voltage_mv": 7000,
        "max_on_battery_secs": 600,
        "errors": [],
        "counters": { "glitches": 0, "outages": 1, "cancelled": 0, "battery_faults": 0 }
    }))
    .unwrap()
}

#[test]
fn the_ups_is_read_from_upsd_while_it_runs() {
    // upsd holds the GPIO lines: the board's own UPS read fails as busy,
    // and that is not a fault while upsd's state is fresh.
    let mut i = clean();
    i.board.ups = None;
    i.board.errors.push(helios64_status::SectionError {
        section: helios64_status::Section::Ups,
        item: Some("mains".into()),
        kind: "busy".into(),
        message: "GPIO line ac-ok is held by another consumer".into(),
        path: None,
    });
    assert!(
        has(&run(&i), Level::Unknown, ReasonCode::CollectorFailed),
        "without upsd it is unreadable"
    );
    i.upsd = DaemonState::Fresh(upsd_state("on_battery", false, None));
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Warning, ReasonCode::OnBattery)]);
    assert!(
        h.reasons[0].message.contains("for 3 min: shutdown in 405 s"),
        "{}",
        h.reasons[0].message
    );
    let ups = h.board.ups.clone().unwrap();
    assert_eq!((ups.on_mains, ups.source, ups.battery_volts), (Some(false), "upsd", Some(7.35)));
    i.upsd = DaemonState::Fresh(upsd_state("shutdown", false, Some("on battery for 600 s")));
    let h = run(&i);
    assert_eq!(codes(&h), [(Level::Critical, ReasonCode::UpsShutdown)]);
    assert!(h.reasons[0].message.ends_with("on battery for 600 s"));
    // Stale: the direct read counts again.
    i.upsd = DaemonState::Stale {
        age: Duration::from_secs(900),
        state: upsd_state("online", true, None),
    };
    assert!(has(&run(&i), Level::Unknown, ReasonCode::CollectorFailed));
}
