//! The policy as a state machine over hal's fakes on simulated time: every
//! rule of the issue, and every fault path to its safe state.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use helios64_hal::BatteryReading;
use helios64_hal::testing::{FakeBattery, FakeMains};
use helios64_service::MonoTime;
use helios64_ups::{
    Event, Monitor, NextAction, Policy, PolicyEvent, PowerState, ShutdownReason, ShutdownRule,
    UpsState, UpsdConfig,
};
use proptest::prelude::*;

/// A monitor over fakes, stepped once per simulated second.
struct Rig {
    monitor: Monitor,
    mains: FakeMains,
    battery: FakeBattery,
    now: Duration,
    events: Vec<(u64, Event)>,
}

impl Rig {
    fn new(config: UpsdConfig) -> Rig {
        Rig {
            monitor: Monitor::new(Policy::new(config.policy())),
            mains: FakeMains::new(true),
            battery: FakeBattery::new(8100),
            now: Duration::ZERO,
            events: Vec::new(),
        }
    }

    fn defaults() -> Rig {
        Rig::new(UpsdConfig::default())
    }

    fn at(&self) -> MonoTime {
        MonoTime::from_duration(self.now)
    }

    /// Polls every `step` for `total`.
    fn run(&mut self, total: Duration, step: Duration) {
        let end = self.now + total;
        while self.now < end {
            self.now += step;
            let events = self.monitor.poll(self.at(), &self.mains, &self.battery);
            self.events.extend(events.into_iter().map(|e| (self.now.as_secs(), e)));
        }
    }

    fn secs(&mut self, n: u64) {
        self.run(Duration::from_secs(n), Duration::from_secs(1));
    }

    fn state(&self) -> PowerState {
        self.monitor.policy().state()
    }

    fn shutdowns(&self) -> Vec<(u64, ShutdownReason)> {
        self.events
            .iter()
            .filter_map(|(t, e)| match e {
                Event::Policy(PolicyEvent::Shutdown(r)) => Some((*t, *r)),
                _ => None,
            })
            .collect()
    }

    fn count(&self, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().filter(|(_, e)| pred(e)).count()
    }
}

#[test]
fn a_glitch_shorter_than_the_debounce_does_nothing() {
    let mut rig = Rig::defaults();
    rig.secs(10);
    rig.mains.set_online(false);
    rig.secs(3); // debounce is 5 s
    assert_eq!(rig.state(), PowerState::Online);
    assert!(
        matches!(rig.monitor.policy().next_action(rig.at()), NextAction::OnBatteryIn(d) if d == Duration::from_secs(3))
    );
    rig.mains.set_online(true);
    rig.secs(3600);
    assert_eq!(rig.state(), PowerState::Online);
    assert_eq!(rig.count(|e| matches!(e, Event::Policy(PolicyEvent::OnBattery { .. }))), 0);
    assert_eq!(rig.count(|e| matches!(e, Event::Policy(PolicyEvent::Glitch { .. }))), 1);
    assert!(rig.events.iter().all(|(_, e)| e.notify_type().is_none()), "{:?}", rig.events);
    assert_eq!(rig.monitor.policy().counters().glitches, 1);
}

#[test]
fn an_outage_shorter_than_the_limit_is_cancelled() {
    let mut rig = Rig::defaults();
    rig.mains.set_online(false);
    rig.secs(300);
    assert_eq!(rig.state(), PowerState::OnBattery);
    let st = UpsState::of(&rig.monitor, rig.at());
    assert_eq!(st.on_battery_secs, Some(299.0), "counted from the first off reading");
    assert_eq!(st.next_action.rule, Some(ShutdownRule::MaxOnBattery));
    assert_eq!(st.next_action.in_secs, Some(301.0));
    rig.mains.set_online(true);
    rig.secs(3600);
    assert_eq!(rig.state(), PowerState::Online);
    assert!(rig.shutdowns().is_empty());
    let returned: Vec<_> = rig
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            Event::Policy(PolicyEvent::MainsReturned { on_battery }) => Some(*on_battery),
            _ => None,
        })
        .collect();
    assert_eq!(returned, [Duration::from_secs(300)]);
    let types: Vec<_> = rig.events.iter().filter_map(|(_, e)| e.notify_type()).collect();
    assert_eq!(types, ["ONBATT", "ONLINE"]);
}

#[test]
fn an_outage_past_the_limit_shuts_down_once_at_the_limit() {
    let mut rig = Rig::defaults();
    rig.secs(1);
    rig.mains.set_online(false);
    rig.secs(2000);
    // First off reading at t=2; 600 s later.
    assert_eq!(
        rig.shutdowns(),
        [(602, ShutdownReason::OnBatteryLimit { limit: Duration::from_secs(600) })]
    );
    assert_eq!(rig.state(), PowerState::Shutdown);
}

#[test]
fn a_noisy_voltage_crossing_the_threshold_needs_sustained_lows() {
    let config = UpsdConfig { max_on_battery_secs: 0, ..UpsdConfig::default() };
    let mut rig = Rig::new(config);
    rig.mains.set_online(false);
    rig.secs(10);
    // Well above 7.0 V with single wild samples far below it: never low.
    for i in 0..200u32 {
        let wild = i % 17 == 0;
        rig.battery.set_millivolts(if wild { 6200 } else { 7300 + (i * 37) % 60 });
        rig.secs(1);
    }
    assert_eq!(rig.state(), PowerState::OnBattery, "{:?}", rig.shutdowns());
    // A slow fall through 7.0 V with ±40 mV of noise.
    let mut first_low_true = None;
    for i in 0..400u32 {
        let truth = 7200 - i; // 1 mV/s
        let noise = [0i32, 40, -40, 25, -25, 10][(i % 6) as usize];
        let v = u32::try_from(i64::from(truth) + i64::from(noise)).unwrap();
        if truth <= 7000 && first_low_true.is_none() {
            first_low_true = Some(rig.now.as_secs() + 1);
        }
        rig.battery.set_millivolts(v);
        rig.secs(1);
        if !rig.shutdowns().is_empty() {
            break;
        }
    }
    let [(at, ShutdownReason::LowBattery { millivolts, threshold, samples })] = rig.shutdowns()[..]
    else {
        panic!("{:?}", rig.shutdowns());
    };
    assert_eq!((threshold, samples), (7000, 5));
    assert!(millivolts <= 7000);
    // Not before the true voltage was at the threshold, and promptly after.
    let first = first_low_true.unwrap();
    assert!(at >= first && at <= first + 20, "shut down at {at}, true low at {first}");
    assert!(rig.count(|e| matches!(e, Event::Policy(PolicyEvent::LowBattery { .. }))) >= 1);
}

#[test]
fn one_low_sample_on_battery_is_not_a_shutdown_even_without_a_filter() {
    let config = UpsdConfig { filter_window: 1, max_on_battery_secs: 0, ..UpsdConfig::default() };
    let mut rig = Rig::new(config);
    rig.mains.set_online(false);
    rig.secs(10);
    for _ in 0..50 {
        rig.battery.set_millivolts(6500);
        rig.secs(1);
        rig.battery.set_millivolts(7400);
        rig.secs(4); // 4 good samples: the count never reaches 5
    }
    assert!(rig.shutdowns().is_empty());
    assert_eq!(rig.state(), PowerState::OnBattery);
    let cleared = rig.count(|e| matches!(e, Event::Policy(PolicyEvent::LowBatteryCleared { .. })));
    assert_eq!(cleared, 50);
}

#[test]
fn mains_back_after_the_decision_does_not_cancel_it() {
    let config = UpsdConfig { max_on_battery_secs: 20, ..UpsdConfig::default() };
    let mut rig = Rig::new(config);
    rig.mains.set_online(false);
    rig.secs(30);
    assert_eq!(rig.shutdowns().len(), 1);
    // The pre-shutdown command is running; mains returns.
    rig.mains.set_online(true);
    rig.secs(60);
    rig.mains.set_online(false);
    rig.secs(5);
    rig.mains.set_online(true);
    rig.secs(5);
    assert_eq!(rig.state(), PowerState::Shutdown);
    assert_eq!(rig.shutdowns().len(), 1);
    assert_eq!(
        rig.count(|e| matches!(e, Event::Policy(PolicyEvent::MainsReturnedDuringShutdown))),
        1
    );
    let st = UpsState::of(&rig.monitor, rig.at());
    assert!(st.shutdown.unwrap().mains_back);
    assert_eq!(st.next_action.action, "shutting_down");
}

#[test]
fn a_low_pack_on_mains_is_a_fault_never_a_shutdown() {
    let mut rig = Rig::defaults();
    rig.secs(5);
    rig.battery.set_millivolts(6500);
    rig.secs(7200);
    assert_eq!(rig.state(), PowerState::Online);
    assert!(rig.shutdowns().is_empty());
    assert_eq!(rig.count(|e| e.notify_type() == Some("REPLBATT")), 1);
    assert!(rig.monitor.policy().battery_fault());
    assert!(UpsState::of(&rig.monitor, rig.at()).battery_fault);
    rig.battery.set_millivolts(8200);
    rig.secs(10);
    assert!(!rig.monitor.policy().battery_fault());
    assert_eq!(rig.monitor.policy().counters().battery_faults, 1);
}

#[test]
fn no_battery_on_mains_is_reported_and_on_battery_is_flying_blind() {
    let config = UpsdConfig {
        max_on_battery_secs: 0,
        battery_unreadable_limit_secs: 120,
        ..UpsdConfig::default()
    };
    let mut rig = Rig::new(config);
    rig.battery.set(BatteryReading::Absent { adc_millivolts: 114.0 });
    rig.secs(600);
    assert_eq!(rig.count(|e| e.notify_type() == Some("NOBATT")), 1);
    assert_eq!(rig.state(), PowerState::Online);
    assert_eq!(UpsState::of(&rig.monitor, rig.at()).battery, helios64_ups::BatteryState::Absent);
    // The power goes anyway (the ADC's "no battery" is wrong, or a
    // supercap holds on): no voltage, so the blind limit applies.
    rig.mains.set_online(false);
    rig.secs(300);
    assert_eq!(
        rig.shutdowns(),
        [(721, ShutdownReason::BatteryUnreadable { on_battery: Duration::from_secs(120) })]
    );
}

#[test]
fn a_failing_mains_reading_on_mains_never_shuts_down() {
    let mut rig = Rig::defaults();
    rig.secs(5);
    rig.mains.fail(libc::EIO);
    rig.battery.fail(libc::EIO);
    rig.secs(86_400);
    assert_eq!(rig.state(), PowerState::Online);
    assert!(rig.shutdowns().is_empty());
    // Each failure reported once, not per reading.
    assert_eq!(rig.count(|e| matches!(e, Event::SensorFailing { .. })), 2);
    let st = UpsState::of(&rig.monitor, rig.at());
    assert!(st.sensor_failing(helios64_ups::Sensor::Mains), "{:?}", st.errors);
    assert!(st.errors.iter().any(|e| e.contains("/fake/fake-ac/online")), "{:?}", st.errors);
    rig.mains.set_online(true);
    rig.secs(1);
    assert_eq!(rig.count(|e| e.notify_type() == Some("COMMOK")), 1);
}

#[test]
fn a_failing_mains_reading_during_the_debounce_holds_it() {
    let mut rig = Rig::defaults();
    rig.mains.set_online(false);
    rig.secs(2);
    rig.mains.fail(libc::EIO);
    rig.secs(3600);
    assert_eq!(rig.state(), PowerState::Online, "never confirmed: no outage");
    // Readings of "off" again: a new debounce, a new outage clock.
    rig.mains.set_online(false);
    rig.secs(5);
    assert_eq!(rig.state(), PowerState::Online);
    rig.secs(1);
    assert_eq!(rig.state(), PowerState::OnBattery);
    assert_eq!(rig.monitor.policy().on_battery_for(rig.at()), Some(Duration::from_secs(5)));
}

#[test]
fn a_failing_mains_reading_on_battery_keeps_the_clock_running() {
    let mut rig = Rig::defaults();
    rig.mains.set_online(false);
    rig.secs(60);
    rig.mains.fail(libc::ENODEV);
    rig.secs(1000);
    assert_eq!(
        rig.shutdowns(),
        [(601, ShutdownReason::OnBatteryLimit { limit: Duration::from_secs(600) })]
    );
}

#[test]
fn an_unreadable_voltage_on_battery_shuts_down_at_the_blind_limit() {
    let config = UpsdConfig {
        max_on_battery_secs: 0,
        battery_unreadable_limit_secs: 300,
        ..UpsdConfig::default()
    };
    let mut rig = Rig::new(config);
    rig.mains.set_online(false);
    rig.secs(100);
    rig.battery.fail(libc::EIO);
    rig.secs(3); // fewer than low_samples failures: not yet unreadable
    assert!(!rig.monitor.policy().voltage_unreadable());
    rig.secs(1000);
    assert_eq!(
        rig.shutdowns(),
        [(301, ShutdownReason::BatteryUnreadable { on_battery: Duration::from_secs(300) })]
    );
    assert_eq!(rig.count(|e| e.notify_type() == Some("COMMBAD")), 2, "{:?}", rig.events);
}

#[test]
fn without_a_saradc_on_battery_the_blind_limit_applies_and_max_on_battery_comes_first() {
    let mut rig =
        Rig::new(UpsdConfig { battery_unreadable_limit_secs: 900, ..UpsdConfig::default() });
    rig.battery.set(BatteryReading::Unknown { reason: "no SARADC".into() });
    rig.secs(30);
    assert!(rig.monitor.policy().voltage_unreadable());
    rig.mains.set_online(false);
    rig.secs(2000);
    assert_eq!(
        rig.shutdowns(),
        [(631, ShutdownReason::OnBatteryLimit { limit: Duration::from_secs(600) })]
    );
}

#[test]
fn a_flicker_back_during_an_outage_does_not_reset_its_clock() {
    let mut rig = Rig::new(UpsdConfig { max_on_battery_secs: 100, ..UpsdConfig::default() });
    rig.mains.set_online(false);
    rig.secs(80);
    rig.mains.set_online(true);
    rig.secs(2); // back for less than the 5 s debounce
    rig.mains.set_online(false);
    rig.secs(100);
    assert_eq!(
        rig.shutdowns(),
        [(101, ShutdownReason::OnBatteryLimit { limit: Duration::from_secs(100) })]
    );
    assert!(
        rig.events
            .iter()
            .any(|(_, e)| matches!(e, Event::Policy(PolicyEvent::OnBattery { resumed: true, .. })))
    );
    // Back for longer than the debounce: a new outage, a new clock.
    let mut rig = Rig::new(UpsdConfig { max_on_battery_secs: 100, ..UpsdConfig::default() });
    rig.mains.set_online(false);
    rig.secs(80);
    rig.mains.set_online(true);
    rig.secs(10);
    rig.mains.set_online(false);
    rig.secs(95);
    assert!(rig.shutdowns().is_empty());
    assert_eq!(rig.monitor.policy().counters().outages, 2);
}

#[test]
fn either_rule_may_be_disabled() {
    // Time limit off: hours on a healthy battery are fine.
    let mut rig = Rig::new(UpsdConfig { max_on_battery_secs: 0, ..UpsdConfig::default() });
    rig.mains.set_online(false);
    rig.battery.set_millivolts(7600);
    rig.secs(7200);
    assert_eq!(rig.state(), PowerState::OnBattery);
    // Voltage rule off: a low pack waits for the time limit.
    let mut rig = Rig::new(UpsdConfig { low_voltage_mv: 0, ..UpsdConfig::default() });
    rig.mains.set_online(false);
    rig.battery.set_millivolts(6000);
    rig.secs(700);
    assert_eq!(rig.shutdowns().len(), 1);
    assert_eq!(rig.shutdowns()[0].1.rule(), ShutdownRule::MaxOnBattery);
}

#[test]
fn the_estimate_follows_the_slope_and_the_next_action_takes_the_earliest_rule() {
    let mut rig = Rig::new(UpsdConfig { max_on_battery_secs: 3600, ..UpsdConfig::default() });
    rig.mains.set_online(false);
    for i in 0..120u32 {
        rig.battery.set_millivolts(7600 - i); // 1 mV/s: 7.0 V in ~480 s
        rig.secs(1);
    }
    let st = UpsState::of(&rig.monitor, rig.at());
    let slope = st.slope_mv_per_min.unwrap();
    assert!((slope + 60.0).abs() < 1.0, "{slope}");
    let eta = st.estimated_secs_to_low.unwrap();
    assert!((470.0..=490.0).contains(&eta), "{eta}");
    assert_eq!(st.next_action.rule, Some(ShutdownRule::LowVoltage));
    // With a nearer time limit, that one is next.
    rig.monitor
        .policy_mut()
        .set_config(UpsdConfig { max_on_battery_secs: 200, ..UpsdConfig::default() }.policy());
    let next = rig.monitor.policy().next_action(rig.at());
    assert_eq!(
        next,
        NextAction::Shutdown {
            rule: ShutdownRule::MaxOnBattery,
            within: Some(Duration::from_secs(81))
        }
    );
    assert_eq!(next.to_string(), "shutdown in 81 s (max_on_battery)");
}

#[test]
fn a_udev_event_starts_the_debounce_between_polls() {
    let mut rig = Rig::defaults();
    rig.secs(1);
    let events =
        rig.monitor.mains_changed(MonoTime::from_duration(Duration::from_millis(1500)), false);
    assert!(matches!(events[..], [Event::Policy(PolicyEvent::MainsOff { .. })]), "{events:?}");
    rig.mains.set_online(false);
    rig.secs(5); // t=6: 4.5 s after the event
    assert_eq!(rig.state(), PowerState::Online);
    rig.secs(1);
    assert_eq!(rig.state(), PowerState::OnBattery);
}

proptest! {
    /// On mains — online or unreadable, any battery readings at all — the
    /// policy never shuts down.
    #[test]
    fn on_mains_nothing_ever_shuts_down(steps in proptest::collection::vec((0u8..3, 0u8..4, 5000u32..9000), 1..400)) {
        let mut rig = Rig::new(UpsdConfig { on_battery_delay_secs: 0, max_on_battery_secs: 1, low_samples: 1, filter_window: 1, ..UpsdConfig::default() });
        for (mains, battery, mv) in steps {
            match mains { 0 | 1 => rig.mains.set_online(true), _ => rig.mains.fail(libc::EIO) }
            match battery {
                0 => rig.battery.set_millivolts(mv),
                1 => rig.battery.set(BatteryReading::Absent { adc_millivolts: 100.0 }),
                2 => rig.battery.set(BatteryReading::Unknown { reason: "x".into() }),
                _ => rig.battery.fail(libc::EIO),
            }
            rig.secs(1);
        }
        prop_assert!(rig.shutdowns().is_empty());
        prop_assert_eq!(rig.state(), PowerState::Online);
    }

    /// On battery with a healthy pack, one wild sample in every window
    /// never shuts down (default filter and sample count).
    #[test]
    fn single_wild_samples_never_shut_down(wild in proptest::collection::vec(0u32..7000, 1..100)) {
        let mut rig = Rig::new(UpsdConfig { max_on_battery_secs: 0, ..UpsdConfig::default() });
        rig.mains.set_online(false);
        for w in wild {
            rig.battery.set_millivolts(w);
            rig.secs(1);
            rig.battery.set_millivolts(7500);
            rig.secs(2);
        }
        prop_assert!(rig.shutdowns().is_empty());
    }
}

#[test]
fn a_restart_during_an_outage_keeps_its_clock() {
    let mut rig = Rig::defaults();
    rig.secs(1000);
    // The previous run had mains off for 590 s by now.
    let now = rig.at();
    rig.monitor.policy_mut().restore_outage(Duration::from_secs(590), now);
    rig.mains.set_online(false);
    rig.secs(20);
    assert_eq!(
        rig.shutdowns(),
        [(1010, ShutdownReason::OnBatteryLimit { limit: Duration::from_secs(600) })]
    );
    // Mains on at the first reading: the old outage is over, forgotten.
    let mut rig = Rig::defaults();
    let now = rig.at();
    rig.monitor.policy_mut().restore_outage(Duration::from_secs(590), now);
    rig.secs(5);
    rig.mains.set_online(false);
    rig.secs(100);
    assert!(rig.shutdowns().is_empty());
    assert_eq!(rig.state(), PowerState::OnBattery);
}
