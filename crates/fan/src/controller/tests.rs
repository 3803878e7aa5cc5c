use std::collections::BTreeMap;
use std::time::Duration;

use helios64_hal::FanHeader;
use helios64_service::MonoTime;
use proptest::prelude::*;

use super::*;
use crate::config::FandConfig;

fn at(secs: u64) -> MonoTime {
    MonoTime::from_duration(Duration::from_secs(secs))
}

fn readings(list: &[(Source, Reading)]) -> BTreeMap<Source, Reading> {
    list.iter().cloned().collect()
}

/// CPU at `cpu` °C, board at 35, no disks.
fn cpu(c: f64) -> BTreeMap<Source, Reading> {
    readings(&[(Source::Cpu, Reading::Celsius(c)), (Source::Board, Reading::Celsius(35.0))])
}

fn pwms(d: &Decision) -> (u8, u8) {
    (d.fans[0].pwm, d.fans[1].pwm)
}

#[test]
fn the_default_curve_follows_kobol_with_the_minpwm_floor() {
    let mut c = Controller::new(&FandConfig::default());
    for (i, (temp, pwm)) in
        [(30.0, 20), (45.0, 57), (60.0, 142), (80.0, 255), (95.0, 255)].into_iter().enumerate()
    {
        // Far apart in time: the rate limit never holds here.
        let d = c.step(at(1000 * i as u64), &cpu(temp));
        assert_eq!(pwms(&d), (pwm, pwm), "{temp} °C");
        assert_eq!(d.failsafe, None);
    }
}

#[test]
fn hysteresis_lowers_only_after_the_band_and_raises_at_once() {
    let mut config = FandConfig::default();
    config.fans.p6.min_change_interval_secs = 0;
    config.fans.p7.min_change_interval_secs = 0;
    let mut c = Controller::new(&config);
    let table = [
        // (cpu °C, P6 pwm, why)
        (60.0, 142, "first reading"),
        (58.0, 142, "2 °C down: inside the 3 °C band"),
        (57.0, 142, "3 °C down: the band's edge"),
        (56.0, 136, "4 °C down: follows, 3 °C behind (59 °C in use)"),
        (57.5, 136, "back up inside the band: holds"),
        (62.0, 153, "up past the value in use: at once"),
    ];
    for (i, (temp, pwm, why)) in table.into_iter().enumerate() {
        let d = c.step(at(10 * i as u64), &cpu(temp));
        assert_eq!(d.fans[0].pwm, pwm, "{why}");
    }
}

#[test]
fn a_lowering_waits_the_rate_limit_a_raise_does_not() {
    let mut config = FandConfig::default();
    config.fans.p6.hysteresis_celsius = 0.0;
    let mut c = Controller::new(&config);
    assert_eq!(c.step(at(0), &cpu(60.0)).fans[0].pwm, 142);
    let d = c.step(at(10), &cpu(50.0));
    assert_eq!((d.fans[0].pwm, d.fans[0].target, d.fans[0].held), (142, 86, true));
    // 29 + 30/40·226 = 198.5 → 199.
    assert_eq!(c.step(at(20), &cpu(70.0)).fans[0].pwm, 199, "raised at once");
    assert!(c.step(at(40), &cpu(50.0)).fans[0].held, "20 s after the raise");
    let d = c.step(at(50), &cpu(50.0));
    assert_eq!((d.fans[0].pwm, d.fans[0].held), (86, false), "30 s after the last change");
}

#[test]
fn a_stopped_fan_is_kicked_for_one_cycle() {
    let mut config = FandConfig::default();
    config.fans.p6.min_pwm = 0;
    let mut c = Controller::new(&config);
    c.note_current(FanHeader::P6, 0);
    let d = c.step(at(0), &cpu(45.0));
    assert_eq!((d.fans[0].pwm, d.fans[0].target, d.fans[0].kicked), (60, 57, true));
    let d = c.step(at(10), &cpu(45.0));
    assert_eq!(
        (d.fans[0].pwm, d.fans[0].kicked, d.fans[0].held),
        (57, false, false),
        "kick drop is not rate limited"
    );
    // Cold: curve asks 0, floor 0: the fan stops, and is kicked again later.
    assert_eq!(c.step(at(100), &cpu(30.0)).fans[0].pwm, 0);
    assert!(c.step(at(200), &cpu(41.0)).fans[0].kicked);
    // A target above start_pwm needs no kick.
    c.note_current(FanHeader::P6, 0);
    assert!(!c.step(at(300), &cpu(70.0)).fans[0].kicked);
}

#[test]
fn the_hottest_input_drives_each_fan() {
    let mut c = Controller::new(&FandConfig::default());
    let r = readings(&[
        (Source::Cpu, Reading::Celsius(45.0)),
        (Source::Board, Reading::Celsius(40.0)),
        (Source::Bay(2), Reading::Celsius(36.0)),
        (Source::Bay(4), Reading::Celsius(50.0)),
    ]);
    let d = c.step(at(0), &r);
    // cpu 45 °C asks 57; disks at 50 °C (the hotter bay) on 38→29 .. 55→255
    // ask 29 + 12/17·226 = 188.5 → 189: the disks win.
    assert_eq!(d.fans[0].pwm, 189);
    assert_eq!(d.fans[0].driven_by, Some(("disks".to_owned(), 50.0)));
}

#[test]
fn an_unreadable_input_holds_its_value_then_fails_safe_then_recovers() {
    let mut c = Controller::new(&FandConfig::default());
    assert_eq!(pwms(&c.step(at(0), &cpu(50.0))), (86, 86));
    let failed = readings(&[
        (Source::Cpu, Reading::Failed("EIO".into())),
        (Source::Board, Reading::Celsius(35.0)),
    ]);
    let d = c.step(at(10), &failed);
    assert_eq!((pwms(&d), d.failsafe.clone()), ((86, 86), None), "1st failure: last value held");
    assert_eq!(c.step(at(20), &failed).failsafe, None, "2nd");
    let d = c.step(at(30), &failed);
    assert_eq!(pwms(&d), (255, 255), "3rd: fail-safe");
    assert!(matches!(
        d.failsafe,
        Some(FailSafe::InputUnreadable { source: Source::Cpu, cycles: 3, .. })
    ));
    // Back: out of the fail-safe, down once the rate limit allows.
    let d = c.step(at(40), &cpu(50.0));
    assert_eq!((d.failsafe.clone(), pwms(&d)), (None, (255, 255)), "lowering held 30 s");
    assert_eq!(pwms(&c.step(at(60), &cpu(50.0))), (86, 86));
}

#[test]
fn a_required_source_missing_from_the_board_counts_as_failing() {
    let mut c = Controller::new(&FandConfig::default());
    let no_cpu = readings(&[(Source::Board, Reading::Celsius(35.0))]);
    for i in 0..2 {
        assert_eq!(c.step(at(i * 10), &no_cpu).failsafe, None);
    }
    let d = c.step(at(20), &no_cpu);
    assert!(
        matches!(&d.failsafe, Some(FailSafe::InputUnreadable { source: Source::Cpu, error, .. }) if error.contains("not found"))
    );
    // An empty bay is not a failure.
    let mut c = Controller::new(&FandConfig::default());
    for i in 0..5 {
        assert_eq!(c.step(at(i * 10), &cpu(45.0)).failsafe, None);
    }
}

#[test]
fn a_fan_fault_sends_every_fan_to_full_speed_until_it_clears() {
    let mut c = Controller::new(&FandConfig::default());
    c.step(at(0), &cpu(45.0));
    c.fan_fault(FanHeader::P6, "cannot write pwm1: EIO");
    let d = c.step(at(10), &cpu(45.0));
    assert_eq!(pwms(&d), (255, 255));
    assert!(matches!(&d.failsafe, Some(FailSafe::FanFault { fan: FanHeader::P6, .. })));
    c.fan_ok(FanHeader::P6);
    assert_eq!(c.step(at(20), &cpu(45.0)).failsafe, None);
}

#[test]
fn a_sleeping_disk_is_never_read_and_its_value_decays() {
    let mut c = Controller::new(&FandConfig::default());
    let awake = readings(&[
        (Source::Cpu, Reading::Celsius(30.0)),
        (Source::Board, Reading::Celsius(30.0)),
        (Source::Bay(1), Reading::Celsius(50.0)),
    ]);
    assert_eq!(c.step(at(0), &awake).temps[&Source::Bay(1)], 50.0);
    let asleep = readings(&[
        (Source::Cpu, Reading::Celsius(30.0)),
        (Source::Board, Reading::Celsius(30.0)),
        (Source::Bay(1), Reading::Asleep),
    ]);
    let d = c.step(at(600), &asleep);
    // 30 + 20·e⁻¹ after one time constant (10 min).
    let expected = 30.0 + 20.0 * (-1.0f64).exp();
    assert!((d.temps[&Source::Bay(1)] - expected).abs() < 1e-9, "{:?}", d.temps);
    assert_eq!(d.failsafe, None, "asleep is not unreadable");
    let later = c.step(at(6000), &asleep).temps[&Source::Bay(1)];
    assert!(later < 30.01 && later > 30.0, "{later}");
    // A disk never seen awake contributes nothing.
    let mut c = Controller::new(&FandConfig::default());
    let d = c.step(at(0), &asleep);
    assert!(!d.temps.contains_key(&Source::Bay(1)));
}

fn any_reading() -> impl Strategy<Value = Reading> {
    prop_oneof![
        (-20.0f64..120.0).prop_map(Reading::Celsius),
        Just(Reading::Asleep),
        Just(Reading::Failed("EIO".into())),
    ]
}

fn any_cycle() -> impl Strategy<Value = BTreeMap<Source, Reading>> {
    (any_reading(), any_reading(), proptest::collection::vec(any_reading(), 0..5)).prop_map(
        |(cpu, board, bays)| {
            let mut r = BTreeMap::new();
            r.insert(Source::Cpu, cpu);
            r.insert(Source::Board, board);
            for (i, b) in bays.into_iter().enumerate() {
                r.insert(Source::Bay(i as u8 + 1), b);
            }
            r
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn output_stays_within_min_and_255(cycles in proptest::collection::vec(any_cycle(), 1..40)) {
        let config = FandConfig::default();
        let mut c = Controller::new(&config);
        for (i, r) in cycles.iter().enumerate() {
            let d = c.step(at(10 * i as u64), r);
            for f in &d.fans {
                prop_assert!(f.pwm >= config.fans.p6.min_pwm);
                if d.failsafe.is_some() {
                    prop_assert_eq!(f.pwm, 255);
                }
            }
        }
    }

    #[test]
    fn a_hotter_reading_never_asks_for_less(
        history in proptest::collection::vec(any_cycle(), 0..10),
        base in 20.0f64..100.0,
        delta in 0.0f64..30.0,
        which in 0usize..3,
    ) {
        // Same history, then the same final cycle but one source hotter.
        let mut a = Controller::new(&FandConfig::default());
        for (i, r) in history.iter().enumerate() {
            a.step(at(10 * i as u64), r);
        }
        let mut b = a.clone();
        let now = at(10 * history.len() as u64);
        let source = [Source::Cpu, Source::Board, Source::Bay(1)][which];
        let mut cool = cpu(base);
        cool.insert(Source::Bay(1), Reading::Celsius(base));
        let mut hot = cool.clone();
        hot.insert(source, Reading::Celsius(base + delta));
        let (da, db) = (a.step(now, &cool), b.step(now, &hot));
        for (fa, fb) in da.fans.iter().zip(&db.fans) {
            prop_assert!(fb.pwm >= fa.pwm, "{:?} vs {:?}", fa, fb);
        }
    }

    #[test]
    fn every_injected_fault_ends_at_full_speed(
        history in proptest::collection::vec(any_cycle(), 0..10),
        fault in 0usize..3,
    ) {
        let config = FandConfig::default();
        let mut c = Controller::new(&config);
        let mut t = 0;
        for r in &history {
            c.step(at(t), r);
            t += 10;
        }
        let d = match fault {
            // EIO on a read, as many cycles as it takes.
            0 => {
                let mut last = None;
                for _ in 0..config.fail_after_cycles {
                    let mut r = cpu(45.0);
                    r.insert(Source::Cpu, Reading::Failed("EIO".into()));
                    last = Some(c.step(at(t), &r));
                    t += 10;
                }
                last.unwrap()
            }
            // EIO on a write.
            1 => {
                c.fan_fault(FanHeader::P7, "cannot write pwm1: EIO");
                c.step(at(t), &cpu(45.0))
            }
            // A fan that vanished.
            _ => {
                c.fan_fault(FanHeader::P6, "hwmon gone (ENODEV)");
                c.step(at(t), &cpu(45.0))
            }
        };
        prop_assert!(d.failsafe.is_some());
        prop_assert!(d.fans.iter().all(|f| f.pwm == 255));
    }
}
