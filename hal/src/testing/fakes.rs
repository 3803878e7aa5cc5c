//! Fakes of the edge traits ([`TempSensor`], [`FanOutput`], [`MainsSensor`],
//! [`BatteryGauge`]) with scripted values and injected errors.
//!
//! Each fake is a cheap handle around shared state: clone it, give one clone
//! to the code under test, and keep the other to change readings, inject an
//! errno, or look at what was written. Errors are the crate's own
//! [`Error::Io`] with the errno asked for and a `/fake/...` path, so code
//! under test sees exactly what a failing sysfs node gives it.

use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::ata::PowerMode;
use crate::edge::{BatteryGauge, DiskPower, FanOutput, MainsSensor, TempSensor};
use crate::error::{Error, IoOp, Result};
use crate::fan::{FanHeader, PwmEnable};
use crate::ups::{BatteryReading, ChargeStatus, MainsOrigin, MainsStatus};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock has failed already; the
    // state is still readable for the next assertion.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn io_error(op: IoOp, path: String, errno: i32) -> Error {
    Error::Io { op, path: PathBuf::from(path), source: io::Error::from_raw_os_error(errno) }
}

#[derive(Debug)]
struct TempState {
    value: Result<i64, i32>,
    reads: usize,
}

/// A temperature sensor whose reading the test sets.
#[derive(Debug, Clone)]
pub struct FakeTemp {
    label: String,
    state: Arc<Mutex<TempState>>,
}

impl FakeTemp {
    /// A sensor called `label` reading `millicelsius`.
    pub fn new(label: &str, millicelsius: i64) -> FakeTemp {
        FakeTemp {
            label: label.to_owned(),
            state: Arc::new(Mutex::new(TempState { value: Ok(millicelsius), reads: 0 })),
        }
    }

    /// From now on, reads return `millicelsius`.
    pub fn set(&self, millicelsius: i64) {
        lock(&self.state).value = Ok(millicelsius);
    }

    /// From now on, reads fail with `errno` (e.g. `libc::EIO`).
    pub fn fail(&self, errno: i32) {
        lock(&self.state).value = Err(errno);
    }

    /// How many reads were made.
    pub fn reads(&self) -> usize {
        lock(&self.state).reads
    }

    /// The path its errors name.
    pub fn path(&self) -> String {
        format!("/fake/{}/temp1_input", self.label)
    }
}

impl TempSensor for FakeTemp {
    fn millicelsius(&self) -> Result<i64> {
        let mut state = lock(&self.state);
        state.reads += 1;
        state.value.map_err(|errno| io_error(IoOp::Read, self.path(), errno))
    }
}

/// One write a [`FakeFan`] received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FanWrite {
    /// `pwm1` was written.
    Pwm(u8),
    /// `pwm1_enable` was written.
    Enable(PwmEnable),
}

#[derive(Debug)]
struct FanState {
    pwm: u8,
    enable: Option<PwmEnable>,
    writes: Vec<FanWrite>,
    fail_pwm_write: Option<i32>,
    fail_pwm_read: Option<i32>,
    fail_enable: Option<i32>,
    gone: bool,
    ceiling: u8,
}

/// A fan that records what is written to it and fails on demand.
#[derive(Debug, Clone)]
pub struct FakeFan {
    header: Option<FanHeader>,
    label: String,
    state: Arc<Mutex<FanState>>,
}

impl FakeFan {
    /// A fan on `header` at `pwm`, mode 1 (enabled).
    pub fn new(header: FanHeader, pwm: u8) -> FakeFan {
        FakeFan {
            header: Some(header),
            label: format!("fake-{header}"),
            state: Arc::new(Mutex::new(FanState {
                pwm,
                enable: Some(PwmEnable::Enabled),
                writes: Vec::new(),
                fail_pwm_write: None,
                fail_pwm_read: None,
                fail_enable: None,
                gone: false,
                ceiling: u8::MAX,
            })),
        }
    }

    /// The duty cycle it holds now.
    pub fn current_pwm(&self) -> u8 {
        lock(&self.state).pwm
    }

    /// The enable mode it holds now.
    pub fn current_enable(&self) -> Option<PwmEnable> {
        lock(&self.state).enable
    }

    /// Every write so far, oldest first.
    pub fn writes(&self) -> Vec<FanWrite> {
        lock(&self.state).writes.clone()
    }

    /// Forgets the writes so far.
    pub fn clear_writes(&self) {
        lock(&self.state).writes.clear();
    }

    /// Someone else changed the fan (another daemon, a driver reset on
    /// resume): the values change without a recorded write.
    pub fn tamper(&self, pwm: u8, enable: Option<PwmEnable>) {
        let mut state = lock(&self.state);
        state.pwm = pwm;
        state.enable = enable;
    }

    /// `pwm1` writes fail with `errno` (`None`: they work again).
    pub fn fail_pwm_writes(&self, errno: Option<i32>) {
        lock(&self.state).fail_pwm_write = errno;
    }

    /// `pwm1` reads fail with `errno` (`None`: they work again).
    pub fn fail_pwm_reads(&self, errno: Option<i32>) {
        lock(&self.state).fail_pwm_read = errno;
    }

    /// `pwm1_enable` reads and writes fail with `errno`.
    pub fn fail_enable(&self, errno: Option<i32>) {
        lock(&self.state).fail_enable = errno;
    }

    /// The device went away (unbound, hwmon renumbered): every access fails
    /// with `ENODEV`, as sysfs does for a removed device's open file.
    pub fn vanish(&self) {
        lock(&self.state).gone = true;
    }

    /// The driver clamps duty cycles to at most `ceiling` (a fan that does
    /// not take 255).
    pub fn clamp_to(&self, ceiling: u8) {
        lock(&self.state).ceiling = ceiling;
    }

    fn attr(&self, attr: &str) -> String {
        format!("/fake/{}/{attr}", self.label)
    }
}

impl FanOutput for FakeFan {
    fn header(&self) -> Option<FanHeader> {
        self.header
    }

    fn label(&self) -> &str {
        &self.label
    }

    fn pwm(&self) -> Result<u8> {
        let state = lock(&self.state);
        match (state.gone, state.fail_pwm_read) {
            (true, _) => Err(io_error(IoOp::Read, self.attr("pwm1"), libc::ENODEV)),
            (false, Some(errno)) => Err(io_error(IoOp::Read, self.attr("pwm1"), errno)),
            (false, None) => Ok(state.pwm),
        }
    }

    fn set_pwm(&self, pwm: u8) -> Result<()> {
        let mut state = lock(&self.state);
        match (state.gone, state.fail_pwm_write) {
            (true, _) => Err(io_error(IoOp::Write, self.attr("pwm1"), libc::ENODEV)),
            (false, Some(errno)) => Err(io_error(IoOp::Write, self.attr("pwm1"), errno)),
            (false, None) => {
                state.writes.push(FanWrite::Pwm(pwm));
                state.pwm = pwm.min(state.ceiling);
                Ok(())
            }
        }
    }

    fn pwm_enable(&self) -> Result<Option<PwmEnable>> {
        let state = lock(&self.state);
        match (state.gone, state.fail_enable) {
            (true, _) => Err(io_error(IoOp::Read, self.attr("pwm1_enable"), libc::ENODEV)),
            (false, Some(errno)) => Err(io_error(IoOp::Read, self.attr("pwm1_enable"), errno)),
            (false, None) => Ok(state.enable),
        }
    }

    fn set_pwm_enable(&self, mode: PwmEnable) -> Result<()> {
        let mut state = lock(&self.state);
        match (state.gone, state.fail_enable) {
            (true, _) => Err(io_error(IoOp::Write, self.attr("pwm1_enable"), libc::ENODEV)),
            (false, Some(errno)) => Err(io_error(IoOp::Write, self.attr("pwm1_enable"), errno)),
            (false, None) => {
                state.writes.push(FanWrite::Enable(mode));
                state.enable = Some(mode);
                Ok(())
            }
        }
    }
}

/// A disk whose power mode the test sets, counting the checks made.
#[derive(Debug, Clone)]
pub struct FakeDisk {
    label: String,
    state: Arc<Mutex<(Result<PowerMode, i32>, usize)>>,
}

impl FakeDisk {
    /// A disk called `label` in `mode`.
    pub fn new(label: &str, mode: PowerMode) -> FakeDisk {
        FakeDisk { label: label.to_owned(), state: Arc::new(Mutex::new((Ok(mode), 0))) }
    }

    /// From now on the disk is in `mode`.
    pub fn set(&self, mode: PowerMode) {
        lock(&self.state).0 = Ok(mode);
    }

    /// From now on checks fail with `errno` (a disk in SLEEP, a bridge
    /// without SAT).
    pub fn fail(&self, errno: i32) {
        lock(&self.state).0 = Err(errno);
    }

    /// How many checks were made.
    pub fn checks(&self) -> usize {
        lock(&self.state).1
    }
}

impl DiskPower for FakeDisk {
    fn power_mode(&self) -> Result<PowerMode> {
        let mut state = lock(&self.state);
        state.1 += 1;
        state.0.map_err(|errno| Error::Device {
            call: "SG_IO ATA CHECK POWER MODE",
            device: format!("/fake/{}", self.label),
            source: io::Error::from_raw_os_error(errno),
        })
    }
}

/// Mains presence the test switches.
#[derive(Debug, Clone)]
pub struct FakeMains {
    state: Arc<Mutex<Result<Option<MainsStatus>, i32>>>,
}

impl FakeMains {
    /// Mains on line (`true`) or off, charging while on line.
    pub fn new(online: bool) -> FakeMains {
        FakeMains { state: Arc::new(Mutex::new(Ok(Some(Self::status(online))))) }
    }

    fn status(online: bool) -> MainsStatus {
        MainsStatus {
            source: MainsOrigin::PowerSupply("fake-ac".into()),
            online,
            charge: Some(if online { ChargeStatus::Charging } else { ChargeStatus::NotCharging }),
        }
    }

    /// From now on mains reads `online`.
    pub fn set_online(&self, online: bool) {
        *lock(&self.state) = Ok(Some(Self::status(online)));
    }

    /// From now on mains reads exactly `status` (`None`: no way to tell).
    pub fn set(&self, status: Option<MainsStatus>) {
        *lock(&self.state) = Ok(status);
    }

    /// From now on reads fail with `errno`.
    pub fn fail(&self, errno: i32) {
        *lock(&self.state) = Err(errno);
    }
}

impl MainsSensor for FakeMains {
    fn mains(&self) -> Result<Option<MainsStatus>> {
        lock(&self.state)
            .clone()
            .map_err(|errno| io_error(IoOp::Read, "/fake/fake-ac/online".into(), errno))
    }
}

#[derive(Debug, Clone)]
struct BatteryState {
    reading: Result<BatteryReading, i32>,
    dc_in: Option<u32>,
}

/// A battery whose reading the test sets.
#[derive(Debug, Clone)]
pub struct FakeBattery {
    state: Arc<Mutex<BatteryState>>,
}

impl FakeBattery {
    /// A present battery at `battery_millivolts` (the ADC value derived with
    /// the Helios64's ×7.64 divider), not low.
    pub fn new(battery_millivolts: u32) -> FakeBattery {
        let battery = FakeBattery {
            state: Arc::new(Mutex::new(BatteryState {
                reading: Ok(BatteryReading::Absent { adc_millivolts: 0.0 }),
                dc_in: Some(12_000),
            })),
        };
        battery.set_millivolts(battery_millivolts);
        battery
    }

    /// From now on the battery reads `battery_millivolts` (low at or below
    /// 7.0 V, the board's default).
    pub fn set_millivolts(&self, battery_millivolts: u32) {
        lock(&self.state).reading = Ok(BatteryReading::Present {
            adc_millivolts: f64::from(battery_millivolts) / 7.64,
            battery_millivolts,
            low: battery_millivolts <= 7000,
        });
    }

    /// From now on the battery reads exactly `reading`.
    pub fn set(&self, reading: BatteryReading) {
        lock(&self.state).reading = Ok(reading);
    }

    /// From now on the DC input reads `millivolts`.
    pub fn set_dc_in(&self, millivolts: Option<u32>) {
        lock(&self.state).dc_in = millivolts;
    }

    /// From now on battery reads fail with `errno`.
    pub fn fail(&self, errno: i32) {
        lock(&self.state).reading = Err(errno);
    }
}

impl BatteryGauge for FakeBattery {
    fn battery(&self) -> Result<BatteryReading> {
        lock(&self.state)
            .reading
            .clone()
            .map_err(|errno| io_error(IoOp::Read, "/fake/saradc/in_voltage2_raw".into(), errno))
    }

    fn dc_in_millivolts(&self) -> Result<Option<u32>> {
        Ok(lock(&self.state).dc_in)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn the_fail_safe_reaches_255_and_mode_1_through_every_fault_it_can() {
        // Mode 3 (regulator off at 0) is put back to 1, then 255.
        let fan = FakeFan::new(FanHeader::P6, 40);
        fan.tamper(40, Some(PwmEnable::EnabledPowerOffAtZero));
        fan.set_full_speed().unwrap();
        assert_eq!((fan.current_pwm(), fan.current_enable()), (255, Some(PwmEnable::Enabled)));
        assert_eq!(fan.writes(), [FanWrite::Enable(PwmEnable::Enabled), FanWrite::Pwm(255)]);

        // Already at mode 1: only the pwm is written.
        fan.clear_writes();
        fan.set_full_speed().unwrap();
        assert_eq!(fan.writes(), [FanWrite::Pwm(255)]);

        // pwm1_enable unreadable: 255 is still written, the error returned.
        let fan = FakeFan::new(FanHeader::P7, 0);
        fan.fail_enable(Some(libc::EIO));
        let e = fan.set_full_speed().unwrap_err();
        assert!(e.path().is_some_and(|p| p.ends_with("pwm1_enable")), "{e}");
        assert_eq!(fan.current_pwm(), 255);

        // A fan that does not take 255 is an error naming it.
        let fan = FakeFan::new(FanHeader::P7, 0);
        fan.clamp_to(200);
        let e = fan.set_full_speed().unwrap_err();
        assert!(e.to_string().contains("fake-P7"), "{e}");

        // A vanished fan: ENODEV, classified as unsupported (gone).
        let fan = FakeFan::new(FanHeader::P6, 0);
        fan.vanish();
        assert_eq!(fan.set_full_speed().unwrap_err().kind(), ErrorKind::Unsupported);
    }

    #[test]
    fn all_full_speed_tries_every_fan_and_returns_the_first_error() {
        let p6 = FakeFan::new(FanHeader::P6, 10);
        let p7 = FakeFan::new(FanHeader::P7, 10);
        p6.fail_pwm_writes(Some(libc::EIO));
        let e = crate::all_full_speed(&[&p6, &p7]).unwrap_err();
        assert!(e.path().is_some_and(|p| p.ends_with("fake-P6/pwm1")), "{e}");
        assert_eq!(p7.current_pwm(), 255, "the second fan was still set");
    }

    #[test]
    fn sensors_fail_on_demand_with_a_named_path() {
        let t = FakeTemp::new("cpu", 45_000);
        assert_eq!(t.millicelsius().unwrap(), 45_000);
        t.fail(libc::EIO);
        let e = t.millicelsius().unwrap_err();
        assert_eq!(e.path().unwrap(), std::path::Path::new("/fake/cpu/temp1_input"));
        assert_eq!(t.reads(), 2);

        let mains = FakeMains::new(true);
        assert!(mains.mains().unwrap().unwrap().online);
        mains.set_online(false);
        assert!(!mains.mains().unwrap().unwrap().online);
        mains.fail(libc::EIO);
        assert!(mains.mains().is_err());

        let battery = FakeBattery::new(7400);
        assert!(matches!(
            battery.battery().unwrap(),
            BatteryReading::Present { battery_millivolts: 7400, low: false, .. }
        ));
        battery.set_millivolts(6900);
        assert!(matches!(battery.battery().unwrap(), BatteryReading::Present { low: true, .. }));
        battery.fail(libc::EIO);
        assert!(battery.battery().is_err());
    }
}
