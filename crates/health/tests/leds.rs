//! The LED driver on fake LEDs: what lights for which verdict, the trigger
//! set to `none` before any brightness write, blink through `timer`, the
//! original triggers restored (also on drop and after a failed LED), and
//! the activity LEDs never touched.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::cell::RefCell;
use std::rc::Rc;

use helios64_hal::testing::Fixture;
use helios64_hal::{LedRole, Triggers};
use helios64_health::leds::{LedDriver, LedOutput, LedState, driven_roles, plan};
use helios64_health::{HealthConfig, Leds, Level, assess};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Op {
    Trigger(String),
    Brightness(u32),
}

#[derive(Debug)]
struct State {
    trigger: String,
    available: Vec<String>,
    brightness: u32,
    ops: Vec<Op>,
    fail_writes: bool,
}

/// An LED that behaves like the kernel's: `none` keeps the brightness,
/// any other trigger owns it.
#[derive(Debug, Clone)]
struct FakeLed {
    name: String,
    state: Rc<RefCell<State>>,
}

impl FakeLed {
    fn new(name: &str, trigger: &str, available: &[&str]) -> FakeLed {
        FakeLed {
            name: name.into(),
            state: Rc::new(RefCell::new(State {
                trigger: trigger.into(),
                available: available.iter().map(|s| s.to_string()).collect(),
                brightness: 0,
                ops: Vec::new(),
                fail_writes: false,
            })),
        }
    }
    fn ops(&self) -> Vec<Op> {
        self.state.borrow().ops.clone()
    }
    fn trigger(&self) -> String {
        self.state.borrow().trigger.clone()
    }
    fn brightness(&self) -> u32 {
        self.state.borrow().brightness
    }
}

fn eio() -> helios64_hal::Error {
    helios64_hal::Error::Io {
        op: helios64_hal::IoOp::Write,
        path: "/sys/class/leds/x/trigger".into(),
        source: std::io::Error::from_raw_os_error(5),
    }
}

impl LedOutput for FakeLed {
    fn name(&self) -> &str {
        &self.name
    }
    fn triggers(&self) -> helios64_hal::Result<Triggers> {
        let s = self.state.borrow();
        Ok(Triggers { available: s.available.clone(), current: s.trigger.clone() })
    }
    fn set_trigger(&self, trigger: &str) -> helios64_hal::Result<()> {
        let mut s = self.state.borrow_mut();
        if s.fail_writes {
            return Err(eio());
        }
        s.ops.push(Op::Trigger(trigger.into()));
        s.trigger = trigger.into();
        Ok(())
    }
    fn brightness(&self) -> helios64_hal::Result<u32> {
        Ok(self.state.borrow().brightness)
    }
    fn max_brightness(&self) -> helios64_hal::Result<u32> {
        Ok(1)
    }
    fn set_brightness(&self, value: u32) -> helios64_hal::Result<()> {
        let mut s = self.state.borrow_mut();
        if s.fail_writes {
            return Err(eio());
        }
        s.ops.push(Op::Brightness(value));
        s.brightness = value;
        Ok(())
    }
}

const TRIGGERS: &[&str] = &["none", "timer", "heartbeat", "panic", "disk-activity"];

fn board_leds() -> Vec<(LedRole, FakeLed)> {
    let mut leds = vec![(LedRole::Fault, FakeLed::new("helios64:red:fault", "panic", TRIGGERS))];
    for bay in 1..=5u8 {
        leds.push((
            LedRole::ata_error(bay).unwrap(),
            FakeLed::new(&format!("helios64:red:ata{bay}-err"), "none", TRIGGERS),
        ));
    }
    leds
}

fn fixture_health() -> helios64_health::Health {
    // Armbian: bay 3 failing (critical), bay 2 vdev errors (warning).
    assess(&support::inputs(Fixture::Armbian), &HealthConfig::default(), support::now())
}

#[test]
fn only_the_fault_and_bay_error_leds_are_driven() {
    let roles = driven_roles();
    assert_eq!(roles.len(), 6);
    for activity in
        [LedRole::HddStatus, LedRole::Net, LedRole::Status, LedRole::Usb3, LedRole::PowerStatus]
    {
        assert!(!roles.contains(&activity), "{activity:?} belongs to the kernel's triggers");
    }
}

#[test]
fn the_plan_follows_the_verdict_and_each_bay() {
    let h = fixture_health();
    assert_eq!(h.verdict, Level::Critical);
    let p = plan(&h, &Leds::default());
    let state = |role| p.iter().find(|(r, _)| *r == role).unwrap().1;
    assert_eq!(state(LedRole::Fault), LedState::Blink);
    assert_eq!(state(LedRole::Ata3Err), LedState::Blink);
    assert_eq!(state(LedRole::Ata2Err), LedState::On);
    for off in [LedRole::Ata1Err, LedRole::Ata4Err, LedRole::Ata5Err] {
        assert_eq!(state(off), LedState::Off, "{off:?}");
    }
    // Solid instead of blink; the fault LED from warning up; bays only
    // from critical.
    let config = Leds {
        blink_critical: false,
        fault_from: Level::Warning,
        bay_from: Level::Critical,
        ..Leds::default()
    };
    let p = plan(&h, &config);
    let state = |role| p.iter().find(|(r, _)| *r == role).unwrap().1;
    assert_eq!(state(LedRole::Fault), LedState::On);
    assert_eq!(state(LedRole::Ata3Err), LedState::On);
    assert_eq!(state(LedRole::Ata2Err), LedState::Off);
}

#[test]
fn apply_sets_none_before_brightness_blinks_with_timer_and_restores() {
    let leds = board_leds();
    let fakes: Vec<FakeLed> = leds.iter().map(|(_, l)| l.clone()).collect();
    let mut driver = LedDriver::with(leds);
    let p = plan(&fixture_health(), &Leds::default());
    let changed = driver.apply(&p).unwrap();
    assert_eq!(changed.len(), 6);
    // Fault: critical → the kernel's timer trigger blinks it.
    assert_eq!(fakes[0].ops(), [Op::Trigger("timer".into())]);
    // Bay 2 on: none, then brightness 1.
    assert_eq!(fakes[2].ops(), [Op::Trigger("none".into()), Op::Brightness(1)]);
    // Bay 1 off: none, then 0.
    assert_eq!(fakes[1].ops(), [Op::Trigger("none".into()), Op::Brightness(0)]);

    // The same plan again changes nothing.
    assert!(driver.apply(&p).unwrap().is_empty());
    assert_eq!(fakes[2].ops().len(), 2);

    driver.restore().unwrap();
    assert_eq!(fakes[0].trigger(), "panic");
    assert!(fakes[1..].iter().all(|l| l.trigger() == "none" && l.brightness() == 0));
}

#[test]
fn without_the_timer_trigger_critical_is_solid() {
    let led = FakeLed::new("helios64:red:fault", "none", &["none", "panic"]);
    let mut driver = LedDriver::with(vec![(LedRole::Fault, led.clone())]);
    driver.apply(&[(LedRole::Fault, LedState::Blink)]).unwrap();
    assert_eq!(led.ops(), [Op::Trigger("none".into()), Op::Brightness(1)]);
}

#[test]
fn dropping_the_driver_restores_the_triggers() {
    let led = FakeLed::new("helios64:red:fault", "panic", TRIGGERS);
    {
        let mut driver = LedDriver::with(vec![(LedRole::Fault, led.clone())]);
        driver.apply(&[(LedRole::Fault, LedState::On)]).unwrap();
        assert_eq!(led.trigger(), "none");
    }
    assert_eq!(led.trigger(), "panic");
}

#[test]
fn a_failing_led_does_not_stop_the_others_and_is_retried() {
    let leds = board_leds();
    let fakes: Vec<FakeLed> = leds.iter().map(|(_, l)| l.clone()).collect();
    fakes[1].state.borrow_mut().fail_writes = true;
    let mut driver = LedDriver::with(leds);
    let all_on: Vec<_> = driven_roles().into_iter().map(|r| (r, LedState::On)).collect();
    let error = driver.apply(&all_on).unwrap_err();
    assert!(error.to_string().contains("helios64:red:ata1-err"), "{error}");
    // The others were set.
    assert!(fakes.iter().enumerate().filter(|(i, _)| *i != 1).all(|(_, l)| l.brightness() == 1));
    // Once the LED works again, the next apply sets it.
    fakes[1].state.borrow_mut().fail_writes = false;
    assert_eq!(driver.apply(&all_on).unwrap(), [(LedRole::Ata1Err, LedState::On)]);
    // Restoring: one failing LED, every other one still restored.
    fakes[0].state.borrow_mut().fail_writes = true;
    assert!(driver.restore().is_err());
    assert!(fakes[1..].iter().all(|l| l.trigger() == "none" && l.brightness() == 0));
}
