//! Transcendental and power functions on FEEL numbers: `sqrt` (exact integer square root of a
//! scaled coefficient), `exp` (Taylor series with halving), `ln` (Newton iteration on `exp`)
//! and `**`. Results are rounded to 34 digits; accuracy of `exp`/`ln` is about 30 digits.

use num_bigint::BigUint;

use super::{Number, big_pow10, digit_count};

impl Number {
    /// Square root; `None` for negative input.
    pub fn sqrt(&self) -> Option<Number> {
        if self.neg {
            return None;
        }
        if self.is_zero() {
            return Some(Number::ZERO);
        }
        let exp = i64::from(self.exp);
        let mut m = 72 - digit_count(self.coef);
        if (exp - m) % 2 != 0 {
            m += 1;
        }
        let n = BigUint::from(self.coef) * big_pow10(m as u64);
        let r = n.sqrt();
        let exact = &r * &r == n;
        let (r, extra) = if exact { (r, 0) } else { (r * 10u32 + 1u32, 1) };
        Number::from_big(false, &r, (exp - m) / 2 - extra)
    }

    /// `e^self`.
    pub fn exp(&self) -> Option<Number> {
        if self.to_f64() > 14200.0 {
            return None;
        }
        if self.to_f64() < -14200.0 {
            return Some(Number::ZERO);
        }
        let mut halvings = 0u32;
        let mut r = *self;
        let small = Number::parse("0.001")?;
        let two = Number::from_i128(2);
        while r.abs() > small && halvings < 64 {
            r = r.div(&two)?;
            halvings += 1;
        }
        let mut sum = Number::ONE;
        let mut term = Number::ONE;
        let eps = Number::parse("1e-40")?;
        for i in 1..40 {
            term = term.mul(&r)?.div(&Number::from_i128(i))?;
            sum = sum.add(&term)?;
            if term.abs() < eps {
                break;
            }
        }
        for _ in 0..halvings {
            sum = sum.mul(&sum)?;
        }
        Some(sum)
    }

    /// Natural logarithm; `None` for values `<= 0`.
    pub fn ln(&self) -> Option<Number> {
        if self.neg || self.is_zero() {
            return None;
        }
        let e10 = self.top() - 1;
        let m = Number {
            neg: false,
            coef: self.coef,
            exp: (i64::from(self.exp) - e10) as i32,
        };
        let mut y = Number::from_f64(m.to_f64().ln())?;
        let two = Number::from_i128(2);
        for _ in 0..4 {
            let ey = y.exp()?;
            let step = two.mul(&m.sub(&ey)?)?.div(&m.add(&ey)?)?;
            y = y.add(&step)?;
        }
        let ln10 = Number::parse("2.302585092994045684017991454684364207601")?;
        y.add(&ln10.mul(&Number::from_i128(i128::from(e10)))?)
    }

    /// `self ** power`: exact square-and-multiply for integer powers, `exp(p * ln(x))` otherwise.
    pub fn pow(&self, power: &Number) -> Option<Number> {
        if let Some(p) = power.to_i64() {
            if p == 0 {
                return Some(Number::ONE);
            }
            if self.is_zero() {
                return if p > 0 { Some(Number::ZERO) } else { None };
            }
            let mut base = *self;
            let mut n = p.unsigned_abs();
            let mut acc = Number::ONE;
            while n > 0 {
                if n & 1 == 1 {
                    acc = acc.mul(&base)?;
                }
                n >>= 1;
                if n > 0 {
                    base = base.mul(&base)?;
                }
            }
            return if p < 0 {
                Number::ONE.div(&acc)
            } else {
                Some(acc)
            };
        }
        if self.neg {
            return None;
        }
        if self.is_zero() {
            return if power.neg { None } else { Some(Number::ZERO) };
        }
        power.mul(&self.ln()?)?.exp()
    }
}

#[cfg(test)]
mod tests {
    use crate::number::Number;

    #[test]
    fn powers_and_roots() {
        let n = |s: &str| Number::parse(s).unwrap();
        assert_eq!(n("0.25").sqrt().unwrap(), n("0.5"));
        assert_eq!(n("1.5").pow(&n("2")).unwrap(), n("2.25"));
        assert!(n("-8").pow(&n("0.5")).is_none());
        assert!(n("0").pow(&n("-1")).is_none());
        let r = n("2").pow(&n("0.5")).unwrap().to_string();
        assert!(r.starts_with("1.41421356237309504880168872"), "{r}");
        assert_eq!(n("0").exp().unwrap(), n("1"));
    }
}
