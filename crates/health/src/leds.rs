//! The fault LED and the per-bay error LEDs, following the verdict.
//!
//! Only the LEDs that mean "something is wrong" are driven: the fault LED
//! (`helios64:red:fault`) and the five `helios64:red:ataN-err`. The
//! activity LEDs (`hdd-status` on the kernel's disk-activity trigger, the
//! network LED on netdev, the status heartbeat) are never touched, so the
//! kernel's own triggers keep them.
//!
//! Before the first write to an LED its trigger and brightness are saved
//! and its trigger set to `none` (a trigger would overwrite the
//! brightness); [`LedDriver::restore`] puts every saved trigger back, and
//! dropping the driver does it too. Blinking uses the kernel's `timer`
//! trigger when it is offered, solid otherwise.

use std::collections::BTreeMap;

use helios64_hal::{Led, LedRole, Leds as BoardLeds, Root, Triggers};

use crate::config::Leds as LedConfig;
use crate::error::{Error, Result};
use crate::level::Level;
use crate::model::Health;

/// What an LED should show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LedState {
    /// Dark.
    Off,
    /// Lit.
    On,
    /// Blinking.
    Blink,
}

/// The LEDs this module drives, in order: fault, then bays 1..=5.
pub fn driven_roles() -> Vec<LedRole> {
    let mut roles = vec![LedRole::Fault];
    roles.extend((1..=5).filter_map(LedRole::ata_error));
    roles
}

/// What each driven LED should show for `health` (pure).
pub fn plan(health: &Health, config: &LedConfig) -> Vec<(LedRole, LedState)> {
    let state = |level: Level, floor: Level| {
        if !level.reaches(floor) {
            LedState::Off
        } else if level == Level::Critical && config.blink_critical {
            LedState::Blink
        } else {
            LedState::On
        }
    };
    let mut out = vec![(LedRole::Fault, state(health.verdict, config.fault_from))];
    for bay in 1..=5u8 {
        if let Some(role) = LedRole::ata_error(bay) {
            out.push((role, state(health.bay_level(bay), config.bay_from)));
        }
    }
    out
}

/// An LED as the driver needs it; the board's [`Led`], or a fake in tests.
pub trait LedOutput {
    /// The class device name.
    fn name(&self) -> &str;
    /// The triggers offered and the active one.
    fn triggers(&self) -> helios64_hal::Result<Triggers>;
    /// Activates a trigger (`none` to deactivate).
    fn set_trigger(&self, trigger: &str) -> helios64_hal::Result<()>;
    /// The current brightness.
    fn brightness(&self) -> helios64_hal::Result<u32>;
    /// The highest brightness.
    fn max_brightness(&self) -> helios64_hal::Result<u32>;
    /// Sets the brightness.
    fn set_brightness(&self, value: u32) -> helios64_hal::Result<()>;
}

impl LedOutput for Led {
    fn name(&self) -> &str {
        Led::name(self)
    }
    fn triggers(&self) -> helios64_hal::Result<Triggers> {
        Led::triggers(self)
    }
    fn set_trigger(&self, trigger: &str) -> helios64_hal::Result<()> {
        Led::set_trigger(self, trigger)
    }
    fn brightness(&self) -> helios64_hal::Result<u32> {
        Led::brightness(self)
    }
    fn max_brightness(&self) -> helios64_hal::Result<u32> {
        Led::max_brightness(self)
    }
    fn set_brightness(&self, value: u32) -> helios64_hal::Result<()> {
        Led::set_brightness(self, value)
    }
}

/// What an LED was before the driver took it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Saved {
    trigger: String,
    brightness: u32,
    offers_timer: bool,
    max: u32,
}

/// Drives the fault and bay error LEDs; restores them on
/// [`restore`](LedDriver::restore) and on drop.
#[derive(Debug)]
pub struct LedDriver<L: LedOutput = Led> {
    leds: Vec<(LedRole, L)>,
    saved: BTreeMap<usize, Saved>,
    shown: BTreeMap<usize, LedState>,
}

impl LedDriver<Led> {
    /// The driven LEDs this board has (the mainline device tree has no
    /// bay error LEDs; those are simply absent).
    pub fn open(root: &Root) -> Result<LedDriver<Led>> {
        let board = BoardLeds::discover(root).map_err(Error::Discover)?;
        let leds = driven_roles()
            .into_iter()
            .filter_map(|role| board.get(role).map(|led| (role, led.clone())))
            .collect();
        Ok(LedDriver::with(leds))
    }
}

impl<L: LedOutput> LedDriver<L> {
    /// A driver over these LEDs.
    pub fn with(leds: Vec<(LedRole, L)>) -> LedDriver<L> {
        LedDriver { leds, saved: BTreeMap::new(), shown: BTreeMap::new() }
    }

    /// The roles this driver has an LED for.
    pub fn roles(&self) -> Vec<LedRole> {
        self.leds.iter().map(|(r, _)| *r).collect()
    }

    /// What each LED shows now (after the last [`apply`](Self::apply)).
    pub fn shown(&self) -> Vec<(LedRole, LedState)> {
        self.shown.iter().filter_map(|(i, s)| self.leds.get(*i).map(|(r, _)| (*r, *s))).collect()
    }

    /// Shows `plan`: changes only the LEDs whose state differs from what
    /// they show. Tries every LED and returns the first error; the LEDs
    /// changed are listed in the result.
    pub fn apply(&mut self, plan: &[(LedRole, LedState)]) -> Result<Vec<(LedRole, LedState)>> {
        let mut changed = Vec::new();
        let mut first_error = None;
        for (index, (role, led)) in self.leds.iter().enumerate() {
            let Some(want) = plan.iter().find(|(r, _)| r == role).map(|(_, s)| *s) else {
                continue;
            };
            if self.shown.get(&index) == Some(&want) {
                continue;
            }
            let result = (|| {
                let saved = match self.saved.get(&index) {
                    Some(s) => s.clone(),
                    None => {
                        let s = save(led)?;
                        self.saved.insert(index, s.clone());
                        s
                    }
                };
                show(led, &saved, want)
            })();
            match result {
                Ok(()) => {
                    self.shown.insert(index, want);
                    changed.push((*role, want));
                }
                Err(e) => {
                    // Unknown: shown again on the next apply.
                    self.shown.remove(&index);
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(changed),
        }
    }

    /// Puts every LED the driver changed back to its saved trigger (and,
    /// for a trigger of `none`, its brightness). Tries every LED and
    /// returns the first error.
    pub fn restore(&mut self) -> Result<()> {
        let mut first_error = None;
        for (index, saved) in std::mem::take(&mut self.saved) {
            let Some((_, led)) = self.leds.get(index) else { continue };
            let result = (|| {
                led.set_trigger(&saved.trigger).map_err(|source| Error::Led {
                    led: led.name().to_owned(),
                    op: "restore the trigger of",
                    source,
                })?;
                if saved.trigger == "none" {
                    led.set_brightness(saved.brightness).map_err(|source| Error::Led {
                        led: led.name().to_owned(),
                        op: "restore the brightness of",
                        source,
                    })?;
                }
                Ok(())
            })();
            if let Err(e) = result {
                first_error.get_or_insert(e);
            }
        }
        self.shown.clear();
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl<L: LedOutput> Drop for LedDriver<L> {
    fn drop(&mut self) {
        // Best effort: an error here has nobody to go to; callers that care
        // call restore() themselves first.
        let _ = self.restore();
    }
}

fn save(led: &impl LedOutput) -> Result<Saved> {
    let err = |op, source| Error::Led { led: led.name().to_owned(), op, source };
    let triggers = led.triggers().map_err(|e| err("read the triggers of", e))?;
    Ok(Saved {
        offers_timer: triggers.available.iter().any(|t| t == "timer"),
        trigger: triggers.current,
        brightness: led.brightness().map_err(|e| err("read the brightness of", e))?,
        max: led.max_brightness().map_err(|e| err("read the maximum brightness of", e))?,
    })
}

fn show(led: &impl LedOutput, saved: &Saved, want: LedState) -> Result<()> {
    let err = |op, source| Error::Led { led: led.name().to_owned(), op, source };
    if want == LedState::Blink && saved.offers_timer {
        // The timer trigger blinks at its default 500/500 ms.
        return led.set_trigger("timer").map_err(|e| err("set the trigger of", e));
    }
    // `none` first: with a trigger active, the trigger would overwrite the
    // brightness on its next event.
    led.set_trigger("none").map_err(|e| err("set the trigger of", e))?;
    let value = if want == LedState::Off { 0 } else { saved.max.max(1) };
    led.set_brightness(value).map_err(|e| err("set the brightness of", e))
}
