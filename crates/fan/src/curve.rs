//! A fan curve: (°C, pwm) points, linear in between.

use serde::{Deserialize, Serialize};

/// One point of a curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Temperature, °C.
    pub temp: f64,
    /// Duty at that temperature, 0..=255.
    pub pwm: u8,
}

/// A validated curve: at least one point, temperatures strictly rising,
/// duties never falling (so a warmer input never asks for less air).
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    points: Vec<Point>,
}

impl Curve {
    /// Checks `points` (see [`Curve::check`]) and builds the curve.
    pub fn new(points: Vec<Point>) -> Result<Curve, String> {
        Curve::check(&points).map_err(|(_, _, why)| why)?;
        Ok(Curve { points })
    }

    /// Why `points` are not a curve: the index and field at fault (`None`
    /// for the list itself) and the reason.
    pub fn check(points: &[Point]) -> Result<(), (Option<usize>, &'static str, String)> {
        if points.is_empty() {
            return Err((None, "", "a curve needs at least one point".to_owned()));
        }
        for (i, p) in points.iter().enumerate() {
            if !p.temp.is_finite() || !(-40.0..=150.0).contains(&p.temp) {
                return Err((
                    Some(i),
                    "temp",
                    format!("{} is not a temperature in -40..=150 °C", p.temp),
                ));
            }
            if i > 0 {
                let prev = points[i - 1];
                if p.temp <= prev.temp {
                    return Err((
                        Some(i),
                        "temp",
                        format!("{} °C is not above the previous point's {} °C", p.temp, prev.temp),
                    ));
                }
                if p.pwm < prev.pwm {
                    return Err((
                        Some(i),
                        "pwm",
                        format!(
                            "{} is below the previous point's {}: a warmer input must not ask for less air",
                            p.pwm, prev.pwm
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The points.
    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// The duty this curve asks for at `celsius`: 0 below the first point,
    /// linear between points (rounded to the nearest duty), the last duty at
    /// and above the last point.
    pub fn duty(&self, celsius: f64) -> u8 {
        let first = self.points[0];
        if celsius.is_nan() {
            // Not a temperature: no demand; the caller treats the input as
            // unreadable before it gets here.
            return 0;
        }
        if celsius < first.temp {
            return 0;
        }
        for pair in self.points.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if celsius < b.temp {
                let t = (celsius - a.temp) / (b.temp - a.temp);
                let pwm = f64::from(a.pwm) + t * (f64::from(b.pwm) - f64::from(a.pwm));
                // Between two u8 duties: the cast cannot truncate.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                return pwm.round().clamp(0.0, 255.0) as u8;
            }
        }
        self.points[self.points.len() - 1].pwm
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kobol() -> Curve {
        Curve::new(vec![Point { temp: 40.0, pwm: 29 }, Point { temp: 80.0, pwm: 255 }]).unwrap()
    }

    #[test]
    fn interpolates_between_points_and_holds_outside() {
        let c = kobol();
        let table = [
            (-10.0, 0),
            (39.9, 0),
            (40.0, 29),
            (50.0, 86),  // 29 + 10/40 * 226 = 85.5 → 86
            (60.0, 142), // 29 + 113
            (79.99, 255),
            (80.0, 255),
            (120.0, 255),
        ];
        for (t, pwm) in table {
            assert_eq!(c.duty(t), pwm, "{t} °C");
        }
        let step = Curve::new(vec![Point { temp: 30.0, pwm: 100 }]).unwrap();
        assert_eq!((step.duty(29.0), step.duty(30.0), step.duty(90.0)), (0, 100, 100));
        let three = Curve::new(vec![
            Point { temp: 30.0, pwm: 0 },
            Point { temp: 40.0, pwm: 100 },
            Point { temp: 50.0, pwm: 100 },
            Point { temp: 60.0, pwm: 200 },
        ])
        .unwrap();
        assert_eq!((three.duty(35.0), three.duty(45.0), three.duty(55.0)), (50, 100, 150));
    }

    #[test]
    fn bad_curves_name_the_point_and_field() {
        let p = |temp, pwm| Point { temp, pwm };
        assert_eq!(Curve::check(&[]).unwrap_err().0, None);
        let e = Curve::check(&[p(40.0, 29), p(40.0, 100)]).unwrap_err();
        assert_eq!((e.0, e.1), (Some(1), "temp"));
        let e = Curve::check(&[p(40.0, 29), p(35.0, 100)]).unwrap_err();
        assert_eq!((e.0, e.1), (Some(1), "temp"));
        let e = Curve::check(&[p(40.0, 200), p(60.0, 100)]).unwrap_err();
        assert_eq!((e.0, e.1), (Some(1), "pwm"));
        let e = Curve::check(&[p(f64::NAN, 1)]).unwrap_err();
        assert_eq!((e.0, e.1), (Some(0), "temp"));
        let e = Curve::check(&[p(20.0, 1), p(400.0, 2)]).unwrap_err();
        assert_eq!((e.0, e.1), (Some(1), "temp"));
    }
}
