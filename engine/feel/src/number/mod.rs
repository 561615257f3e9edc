//! FEEL numbers: decimal floating point with 34 significant digits (IEEE 754 decimal128
//! precision, round half even), implemented here on a `u128` coefficient and a decimal exponent.
//! Intermediate results that need more than 128 bits use `num-bigint`; every result is rounded
//! back to 34 digits. No binary floating point touches a stored value (f64 is only used as a
//! starting guess for logarithms). Operations that overflow the exponent range or are undefined
//! return `None`; this module must never panic.

mod math;

use std::cmp::Ordering;
use std::fmt;

use num_bigint::BigUint;

/// Significant decimal digits kept by every operation.
pub const PRECISION: usize = 34;
/// Largest decimal exponent of a finite number (decimal128's emax).
const MAX_EXP: i64 = 6144;
/// Smallest exponent before a value underflows to zero.
const MIN_EXP: i64 = -6176;

/// A FEEL number: `(-1)^neg * coef * 10^exp` in canonical form (no trailing zeros in `coef`,
/// zero is `0e0`), so derived equality is numeric equality.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Number {
    neg: bool,
    coef: u128,
    exp: i32,
}

/// How `round` discards digits (names from the DMN rounding functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Toward negative infinity.
    Floor,
    /// Toward positive infinity.
    Ceiling,
    /// Toward zero.
    Down,
    /// Away from zero.
    Up,
    /// To nearest, ties away from zero.
    HalfUp,
    /// To nearest, ties toward zero.
    HalfDown,
    /// To nearest, ties to the even neighbour.
    HalfEven,
}

fn pow10(n: u32) -> Option<u128> {
    10u128.checked_pow(n)
}

fn big_pow10(n: u64) -> BigUint {
    BigUint::from(10u32).pow(n as u32)
}

fn digit_count(c: u128) -> i64 {
    if c == 0 { 1 } else { i64::from(c.ilog10()) + 1 }
}

impl Number {
    /// Zero.
    pub const ZERO: Number = Number {
        neg: false,
        coef: 0,
        exp: 0,
    };
    /// One.
    pub const ONE: Number = Number {
        neg: false,
        coef: 1,
        exp: 0,
    };

    /// Builds a number from a digit string (ASCII digits, leading zeros allowed) and exponent,
    /// rounding half even to 34 digits. `None` on exponent overflow.
    fn from_digits(neg: bool, digits: &str, exp: i64) -> Option<Number> {
        let digits = digits.trim_start_matches('0');
        if digits.is_empty() {
            return Some(Number::ZERO);
        }
        let bytes = digits.as_bytes();
        let (keep, mut exp, round_up) = if bytes.len() > PRECISION {
            let keep = &digits[..PRECISION];
            let rest = &bytes[PRECISION..];
            let first = rest.first().copied().unwrap_or(b'0');
            let tail_nonzero = rest.iter().skip(1).any(|&b| b != b'0');
            let last_odd = keep.as_bytes().last().is_some_and(|b| (b - b'0') % 2 == 1);
            let up = first > b'5' || (first == b'5' && (tail_nonzero || last_odd));
            (keep, exp + (bytes.len() - PRECISION) as i64, up)
        } else {
            (digits, exp, false)
        };
        let mut coef: u128 = keep.parse().ok()?;
        if round_up {
            coef += 1;
            if Some(coef) == pow10(PRECISION as u32) {
                coef /= 10;
                exp += 1;
            }
        }
        Number::from_parts(neg, coef, exp)
    }

    /// Builds a canonical number from a coefficient below 10^34 and an exponent.
    fn from_parts(neg: bool, mut coef: u128, mut exp: i64) -> Option<Number> {
        if coef == 0 {
            return Some(Number::ZERO);
        }
        while coef.is_multiple_of(10) {
            coef /= 10;
            exp += 1;
        }
        if exp > MAX_EXP {
            return None;
        }
        if exp + digit_count(coef) < MIN_EXP {
            return Some(Number::ZERO);
        }
        if exp < MIN_EXP {
            let s = coef.to_string();
            let cut = (MIN_EXP - exp) as usize;
            if cut >= s.len() {
                return Some(Number::ZERO);
            }
            return Number::from_digits(neg, &s[..s.len() - cut], MIN_EXP);
        }
        Some(Number {
            neg,
            coef,
            exp: exp as i32,
        })
    }

    fn from_big(neg: bool, coef: &BigUint, exp: i64) -> Option<Number> {
        Number::from_digits(neg, &coef.to_str_radix(10), exp)
    }

    /// Parses a decimal literal: `-12.5`, `.5`, `1e3`, `+7` (JSON and FEEL forms).
    pub fn parse(text: &str) -> Option<Number> {
        let t = text.trim();
        let (neg, t) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (mantissa, e) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = match mantissa.find('.') {
            Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
            None => (mantissa, ""),
        };
        if int.is_empty() && frac.is_empty() {
            return None;
        }
        if !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        if e.abs() > 1_000_000 {
            let zero = int.trim_start_matches('0').is_empty() && frac.trim_matches('0').is_empty();
            return if zero || e < 0 {
                Some(Number::ZERO)
            } else {
                None
            };
        }
        let digits = format!("{int}{frac}");
        let n = Number::from_digits(neg, &digits, e - frac.len() as i64)?;
        Some(n)
    }

    /// From a machine integer.
    pub fn from_i128(v: i128) -> Number {
        let mag = v.unsigned_abs();
        if mag < 10u128.pow(PRECISION as u32) {
            return Number::from_parts(v < 0, mag, 0).unwrap_or(Number::ZERO);
        }
        Number::from_digits(v < 0, &mag.to_string(), 0).unwrap_or(Number::ZERO)
    }

    /// From a binary float (shortest decimal form of the float); `None` for NaN and infinities.
    pub fn from_f64(v: f64) -> Option<Number> {
        if !v.is_finite() {
            return None;
        }
        Number::parse(&format!("{v:e}"))
    }

    /// Nearest binary float (for functions that only need an approximation).
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(f64::NAN)
    }

    /// The value as an integer if it has no fractional part and fits.
    pub fn to_i64(&self) -> Option<i64> {
        if self.exp < 0 {
            return None;
        }
        let m = self.coef.checked_mul(pow10(self.exp as u32)?)?;
        let v = i64::try_from(m).ok()?;
        Some(if self.neg { -v } else { v })
    }

    /// Integer part (toward zero) as i64, saturating; for indexes and counts.
    pub fn trunc_i64(&self) -> Option<i64> {
        self.round(0, Rounding::Down)?.to_i64()
    }

    /// True when the number has no fractional part.
    pub fn is_integer(&self) -> bool {
        self.exp >= 0
    }

    /// True for zero.
    pub fn is_zero(&self) -> bool {
        self.coef == 0
    }

    /// True for values below zero.
    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// Digits after the decimal point (0 for integers).
    pub fn scale(&self) -> i64 {
        (-i64::from(self.exp)).max(0)
    }

    /// `-self`.
    pub fn neg(&self) -> Number {
        if self.coef == 0 {
            *self
        } else {
            Number {
                neg: !self.neg,
                ..*self
            }
        }
    }

    /// `|self|`.
    pub fn abs(&self) -> Number {
        Number {
            neg: false,
            ..*self
        }
    }

    fn top(&self) -> i64 {
        i64::from(self.exp) + digit_count(self.coef)
    }

    /// Reduces the coefficient so its exponent is at least `min_exp`, keeping a sticky digit.
    fn cut_below(&self, min_exp: i64) -> (u128, i64) {
        let exp = i64::from(self.exp);
        if exp >= min_exp {
            return (self.coef, exp);
        }
        let k = (min_exp - exp) as u32;
        let (q, r) = match pow10(k) {
            Some(p) => (self.coef / p, self.coef % p),
            None => (0, self.coef),
        };
        if r == 0 {
            (q, min_exp)
        } else {
            (q * 10 + 1, min_exp - 1)
        }
    }

    /// `self + other`.
    pub fn add(&self, other: &Number) -> Option<Number> {
        if self.is_zero() {
            return Some(*other);
        }
        if other.is_zero() {
            return Some(*self);
        }
        let cutoff = self.top().max(other.top()) - 40;
        let (ca, ea) = self.cut_below(cutoff);
        let (cb, eb) = other.cut_below(cutoff);
        let e = ea.min(eb);
        let a = BigUint::from(ca) * big_pow10((ea - e) as u64);
        let b = BigUint::from(cb) * big_pow10((eb - e) as u64);
        if self.neg == other.neg {
            Number::from_big(self.neg, &(a + b), e)
        } else if a >= b {
            Number::from_big(self.neg, &(a - b), e)
        } else {
            Number::from_big(other.neg, &(b - a), e)
        }
    }

    /// `self - other`.
    pub fn sub(&self, other: &Number) -> Option<Number> {
        self.add(&other.neg())
    }

    /// `self * other`.
    pub fn mul(&self, other: &Number) -> Option<Number> {
        let c = BigUint::from(self.coef) * BigUint::from(other.coef);
        Number::from_big(
            self.neg != other.neg,
            &c,
            i64::from(self.exp) + i64::from(other.exp),
        )
    }

    /// `self / other`; `None` when dividing by zero.
    pub fn div(&self, other: &Number) -> Option<Number> {
        if other.is_zero() {
            return None;
        }
        if self.is_zero() {
            return Some(Number::ZERO);
        }
        let k = (36 + digit_count(other.coef) - digit_count(self.coef)).max(0);
        let a = BigUint::from(self.coef) * big_pow10(k as u64);
        let b = BigUint::from(other.coef);
        let q = &a / &b;
        let r = &a % &b;
        let (q, k) = if r == BigUint::ZERO {
            (q, k)
        } else {
            (q * 10u32 + 1u32, k + 1)
        };
        Number::from_big(
            self.neg != other.neg,
            &q,
            i64::from(self.exp) - i64::from(other.exp) - k,
        )
    }

    /// Rounds to `scale` digits after the point (negative scale rounds to tens, hundreds...).
    pub fn round(&self, scale: i64, mode: Rounding) -> Option<Number> {
        let exp = i64::from(self.exp);
        if exp >= -scale || self.is_zero() {
            return Some(*self);
        }
        let k = -scale - exp;
        let (q, r, half) = match u32::try_from(k).ok().and_then(pow10) {
            Some(p) => (
                self.coef / p,
                self.coef % p,
                (self.coef % p).saturating_mul(2).cmp(&p),
            ),
            None => (0, self.coef, Ordering::Less),
        };
        let odd = q % 2 == 1;
        let away = match mode {
            Rounding::Down => false,
            Rounding::Up => r != 0,
            Rounding::Floor => r != 0 && self.neg,
            Rounding::Ceiling => r != 0 && !self.neg,
            Rounding::HalfUp => half != Ordering::Less,
            Rounding::HalfDown => half == Ordering::Greater,
            Rounding::HalfEven => half == Ordering::Greater || (half == Ordering::Equal && odd),
        };
        let q = if away { q + 1 } else { q };
        Number::from_digits(self.neg, &q.to_string(), -scale)
    }

    /// Remainder with the sign of the divisor (FEEL `modulo`).
    pub fn modulo(&self, divisor: &Number) -> Option<Number> {
        let q = self.div(divisor)?.round(0, Rounding::Floor)?;
        self.sub(&q.mul(divisor)?)
    }
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        match (self.is_zero(), other.is_zero()) {
            (true, true) => return Ordering::Equal,
            (true, false) => {
                return if other.neg {
                    Ordering::Greater
                } else {
                    Ordering::Less
                };
            }
            (false, true) => {
                return if self.neg {
                    Ordering::Less
                } else {
                    Ordering::Greater
                };
            }
            _ => {}
        }
        if self.neg != other.neg {
            return if self.neg {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        let mag = self.top().cmp(&other.top()).then_with(|| {
            // Same magnitude: align the shorter coefficient (both have at most 34 digits,
            // so the scaled value still fits in u128).
            let (da, db) = (digit_count(self.coef), digit_count(other.coef));
            let scale = |c: u128, by: i64| c.saturating_mul(10u128.saturating_pow(by as u32));
            if da <= db {
                scale(self.coef, db - da).cmp(&other.coef)
            } else {
                self.coef.cmp(&scale(other.coef, da - db))
            }
        });
        if self.neg { mag.reverse() } else { mag }
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Number {
    /// Plain decimal notation without exponent, e.g. `-0.0025`, `1200`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.coef.to_string();
        if self.neg {
            f.write_str("-")?;
        }
        let exp = i64::from(self.exp);
        if exp >= 0 {
            f.write_str(&s)?;
            for _ in 0..exp {
                f.write_str("0")?;
            }
            return Ok(());
        }
        let point = s.len() as i64 + exp;
        if point > 0 {
            let (int, frac) = s.split_at(point as usize);
            write!(f, "{int}.{frac}")
        } else {
            f.write_str("0.")?;
            for _ in 0..(-point) {
                f.write_str("0")?;
            }
            f.write_str(&s)
        }
    }
}

impl fmt::Debug for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl From<i64> for Number {
    fn from(v: i64) -> Number {
        Number::from_i128(i128::from(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn parse_and_print() {
        assert_eq!(n("1.50").to_string(), "1.5");
        assert_eq!(n("-0.0025").to_string(), "-0.0025");
        assert_eq!(n("1.2e3").to_string(), "1200");
        assert_eq!(n(".5").to_string(), "0.5");
        assert_eq!(n("-0").to_string(), "0");
        assert!(Number::parse("abc").is_none());
        assert!(Number::parse(".").is_none());
    }

    #[test]
    fn arithmetic_is_decimal() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("10").div(&n("4")).unwrap(), n("2.5"));
        assert_eq!(
            n("1").div(&n("3")).unwrap().to_string(),
            "0.3333333333333333333333333333333333"
        );
        assert_eq!(
            n("2").div(&n("3")).unwrap().to_string(),
            "0.6666666666666666666666666666666667"
        );
        assert_eq!(n("1e30").add(&n("1e-30")).unwrap(), n("1e30"));
        assert_eq!(n("5").sub(&n("7")).unwrap(), n("-2"));
        assert!(n("1").div(&Number::ZERO).is_none());
        assert_eq!(
            n("123456789012345678901234567890")
                .mul(&n("10"))
                .unwrap()
                .to_string(),
            "1234567890123456789012345678900"
        );
    }

    #[test]
    fn ordering() {
        assert!(n("-2") < n("1"));
        assert!(n("1.5") < n("2"));
        assert!(n("12") > n("1.2"));
        assert!(n("-12") < n("-1.2"));
        assert_eq!(n("1.0").cmp(&n("1")), Ordering::Equal);
    }

    #[test]
    fn rounding_modes() {
        assert_eq!(n("2.5").round(0, Rounding::HalfEven).unwrap(), n("2"));
        assert_eq!(n("3.5").round(0, Rounding::HalfEven).unwrap(), n("4"));
        assert_eq!(n("-2.5").round(0, Rounding::HalfUp).unwrap(), n("-3"));
        assert_eq!(n("-2.5").round(0, Rounding::HalfDown).unwrap(), n("-2"));
        assert_eq!(n("-1.1").round(0, Rounding::Floor).unwrap(), n("-2"));
        assert_eq!(n("1.1").round(0, Rounding::Ceiling).unwrap(), n("2"));
        assert_eq!(n("1.123").round(2, Rounding::Up).unwrap(), n("1.13"));
        assert_eq!(n("125").round(-1, Rounding::HalfEven).unwrap(), n("120"));
    }

    #[test]
    fn functions() {
        assert_eq!(n("16").sqrt().unwrap(), n("4"));
        assert_eq!(
            n("2").sqrt().unwrap().to_string(),
            "1.414213562373095048801688724209698"
        );
        assert_eq!(n("2").pow(&n("10")).unwrap(), n("1024"));
        assert_eq!(n("2").pow(&n("-2")).unwrap(), n("0.25"));
        let e = n("1").exp().unwrap().to_string();
        assert!(e.starts_with("2.71828182845904523536028747135"), "{e}");
        let l = n("10").ln().unwrap().to_string();
        assert!(l.starts_with("2.30258509299404568401799145468"), "{l}");
        assert_eq!(n("-7").modulo(&n("3")).unwrap(), n("2"));
        assert_eq!(n("7").modulo(&n("-3")).unwrap(), n("-2"));
        assert!(n("10").pow(&n("1e10")).is_none());
    }
}
