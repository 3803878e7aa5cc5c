//! Decoding of ATA attribute raw values as smartctl renders them.
//!
//! The 48-bit raw number is vendor-defined and often packs several fields:
//! attribute 194 raw `240519741489` is `"49 (Min/Max 24/56)"`, Seagate's 188
//! is three 16-bit counters `"0 0 5"`, attribute 9 may be
//! `"1234h+56m+07.890s"`. smartctl already knows each drive's format (its
//! drive database) and renders `raw.string` accordingly, so these helpers
//! decode that string rather than guessing at the bits.

use serde::Serialize;

/// The first unsigned integer in a rendered raw value: `"0 0 5"` → 0,
/// `"2111 (12437 0)"` → 2111, `"49 (Min/Max 24/56)"` → 49, `"0x0004"` → 4.
pub fn first_integer(text: &str) -> Option<u64> {
    let trimmed = text.trim_start();
    if let Some(hex) = trimmed.strip_prefix("0x").or_else(|| trimmed.strip_prefix("0X")) {
        let digits: &str = hex.split(|c: char| !c.is_ascii_hexdigit()).next().unwrap_or_default();
        return u64::from_str_radix(digits, 16).ok();
    }
    integers(text).into_iter().next()
}

/// Every run of decimal digits in a rendered raw value, in order:
/// `"0 0 5"` → `[0, 0, 5]`, `"0/12/3"` → `[0, 12, 3]`. Runs that overflow
/// u64 are skipped.
pub fn integers(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_ascii_digit())
        .filter(|run| !run.is_empty())
        .filter_map(|run| run.parse().ok())
        .collect()
}

/// A temperature decoded from a `tempminmax` raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RawTemperature {
    /// Current temperature, °C.
    pub current: i64,
    /// Minimum, °C, when the drive records it.
    pub min: Option<i64>,
    /// Maximum, °C, when the drive records it.
    pub max: Option<i64>,
}

/// Decodes `"49"`, `"49 (Min/Max 24/56)"`, `"36 (Min/Max 20/45 #12)"` or
/// `"-5 (Min/Max -10/40)"`. Other parenthesised forms (raw bytes smartctl
/// could not interpret) give the current value only.
pub fn temperature(text: &str) -> Option<RawTemperature> {
    let text = text.trim();
    let (head, tail) = match text.split_once('(') {
        Some((head, tail)) => (head.trim(), Some(tail)),
        None => (text, None),
    };
    let current: i64 = head.parse().ok()?;
    let (mut min, mut max) = (None, None);
    if let Some(range) = tail.and_then(|t| t.trim_start().strip_prefix("Min/Max")) {
        let range = range.split(['#', ')']).next().unwrap_or_default().trim();
        if let Some((low, high)) = range.split_once('/') {
            min = low.trim().parse().ok();
            max = high.trim().parse().ok();
        }
    }
    Some(RawTemperature { current, min, max })
}

/// A power-on duration decoded from attribute 9's raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PowerOnDuration {
    /// Whole hours.
    pub hours: u64,
    /// Minutes past the hour (0 when the drive counts hours only).
    pub minutes: u64,
    /// Milliseconds past the minute (0 when not reported).
    pub milliseconds: u64,
}

/// Decodes `"14551"`, `"1234h+56m+07.890s"`, `"1234h+56m"` or
/// `"1234 (45 8)"` (hours first, extra vendor fields ignored).
pub fn power_on(text: &str) -> Option<PowerOnDuration> {
    let text = text.trim();
    let Some((hours, rest)) = text.split_once('h') else {
        return first_integer(text).map(|hours| PowerOnDuration {
            hours,
            minutes: 0,
            milliseconds: 0,
        });
    };
    let hours = hours.trim().parse().ok()?;
    let mut duration = PowerOnDuration { hours, minutes: 0, milliseconds: 0 };
    for part in rest.split('+').map(str::trim).filter(|p| !p.is_empty()) {
        if let Some(minutes) = part.strip_suffix('m') {
            duration.minutes = minutes.parse().ok()?;
        } else if let Some(seconds) = part.strip_suffix('s') {
            let (whole, fraction) = seconds.split_once('.').unwrap_or((seconds, ""));
            let whole: u64 = whole.parse().ok()?;
            let fraction = fraction.get(..3.min(fraction.len())).unwrap_or_default();
            let millis: u64 = if fraction.is_empty() {
                0
            } else {
                let scale = 10u64.pow(3 - u32::try_from(fraction.len()).ok()?);
                fraction.parse::<u64>().ok()? * scale
            };
            duration.milliseconds = whole.checked_mul(1000)?.checked_add(millis)?;
        } else {
            return None;
        }
    }
    Some(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_integer_of_packed_values() {
        assert_eq!(first_integer("0 0 5"), Some(0));
        assert_eq!(first_integer("2111 (12437 0)"), Some(2111));
        assert_eq!(first_integer("49 (Min/Max 24/56)"), Some(49));
        assert_eq!(first_integer("1640"), Some(1640));
        assert_eq!(first_integer("0x000a00000002"), Some(0x000a_0000_0002));
        assert_eq!(first_integer(""), None);
        assert_eq!(first_integer("-"), None);
        assert_eq!(first_integer("99999999999999999999999 3"), Some(3));
    }

    #[test]
    fn packed_words() {
        assert_eq!(integers("0 0 5"), vec![0, 0, 5]);
        assert_eq!(integers("0/12/3"), vec![0, 12, 3]);
        assert_eq!(integers("no digits"), Vec::<u64>::new());
    }

    #[test]
    fn temperature_with_min_max() {
        assert_eq!(
            temperature("49 (Min/Max 24/56)"),
            Some(RawTemperature { current: 49, min: Some(24), max: Some(56) })
        );
        assert_eq!(
            temperature("36 (Min/Max 20/45 #12)"),
            Some(RawTemperature { current: 36, min: Some(20), max: Some(45) })
        );
        assert_eq!(
            temperature("-5 (Min/Max -10/40)"),
            Some(RawTemperature { current: -5, min: Some(-10), max: Some(40) })
        );
        assert_eq!(temperature("41"), Some(RawTemperature { current: 41, min: None, max: None }));
        assert_eq!(
            temperature("36 (0 21 0 0 0)"),
            Some(RawTemperature { current: 36, min: None, max: None })
        );
        assert_eq!(temperature("hot"), None);
    }

    #[test]
    fn power_on_forms() {
        assert_eq!(
            power_on("1234h+56m+07.890s"),
            Some(PowerOnDuration { hours: 1234, minutes: 56, milliseconds: 7890 })
        );
        assert_eq!(
            power_on("1234h+56m"),
            Some(PowerOnDuration { hours: 1234, minutes: 56, milliseconds: 0 })
        );
        assert_eq!(
            power_on("14551"),
            Some(PowerOnDuration { hours: 14551, minutes: 0, milliseconds: 0 })
        );
        assert_eq!(
            power_on("10h+00m+01.5s"),
            Some(PowerOnDuration { hours: 10, minutes: 0, milliseconds: 1500 })
        );
        assert_eq!(power_on("12h+xm"), None);
        assert_eq!(power_on("h"), None);
    }
}
