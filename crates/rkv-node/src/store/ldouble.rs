//! Exact emulation of the x87 80-bit `long double` arithmetic Redis uses for INCRBYFLOAT and
//! HINCRBYFLOAT, so our replies match Redis digit for digit.
//!
//! Redis parses both operands with `strtold`, adds them in extended precision (64-bit
//! mantissa) and prints the sum with `%.17Lf`, trimming trailing zeros. Doing the same sum in
//! f64 gives different text for ordinary inputs (Redis answers `1505.5999999999999998` for
//! 5.6 + 1500, f64 would say `1505.6`), so we model the format exactly: a value is a 64-bit
//! mantissa times a power of two, every rounding is round-half-to-even on the exact result
//! (big-integer arithmetic), as glibc does.

use num_bigint::{BigInt, BigUint, Sign};

/// Bits in the x87 extended mantissa.
const MANT_BITS: u64 = 64;
/// Largest binary exponent of the format (values at or past 2^16384 overflow to infinity).
const MAX_EXP2: i64 = 16384;
/// Longest text Redis accepts as a long double (MAX_LONG_DOUBLE_CHARS).
const MAX_CHARS: usize = 5 * 1024;

/// A finite extended-precision value: `(-1)^neg * mant * 2^exp`, `mant` < 2^64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongDouble {
    neg: bool,
    mant: BigUint,
    exp: i64,
}

/// What parsing a string as Redis's `string2ld` gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// A finite value.
    Finite(LongDouble),
    /// `inf`, `+inf`, `-inf`, `infinity` (accepted by strtold; the sum then fails).
    Infinite,
}

/// Round the exact value `n * 2^exp` (plus a sticky "something below" bit) to 64 bits.
fn round(n: BigUint, mut exp: i64, sticky: bool) -> (BigUint, i64) {
    let bits = n.bits();
    if bits <= MANT_BITS {
        return (n, exp);
    }
    let shift = bits - MANT_BITS;
    let mut m = &n >> shift;
    let rem = &n - (&m << shift);
    let half = BigUint::from(1u8) << (shift - 1);
    let odd = m.bit(0);
    if rem > half || (rem == half && (sticky || odd)) {
        m += 1u8;
        if m.bits() > MANT_BITS {
            m >>= 1;
            exp += 1;
        }
    }
    exp += shift as i64;
    (m, exp)
}

impl LongDouble {
    fn zero() -> LongDouble {
        LongDouble {
            neg: false,
            mant: BigUint::default(),
            exp: 0,
        }
    }

    fn is_zero(&self) -> bool {
        self.mant.bits() == 0
    }

    /// True when the value is beyond the format's range (it would be infinite).
    pub fn overflows(&self) -> bool {
        !self.is_zero() && self.exp + self.mant.bits() as i64 > MAX_EXP2
    }

    /// The exact sum rounded to extended precision.
    pub fn add(&self, other: &LongDouble) -> LongDouble {
        if self.is_zero() {
            return other.clone();
        }
        if other.is_zero() {
            return self.clone();
        }
        let e = self.exp.min(other.exp);
        let signed = |v: &LongDouble| {
            BigInt::from_biguint(
                if v.neg { Sign::Minus } else { Sign::Plus },
                v.mant.clone() << (v.exp - e) as u64,
            )
        };
        let sum = signed(self) + signed(other);
        let (sign, mag) = sum.into_parts();
        if mag.bits() == 0 {
            return LongDouble::zero();
        }
        let (mant, exp) = round(mag, e, false);
        LongDouble {
            neg: sign == Sign::Minus,
            mant,
            exp,
        }
    }

    /// `%.17Lf` with trailing zeros (and a trailing dot) removed, and `-0` shown as `0`:
    /// Redis's `ld2string(…, LD_STR_HUMAN)`.
    pub fn to_human(&self) -> String {
        const DIGITS: u32 = 17;
        let ten17 = BigUint::from(10u8).pow(DIGITS);
        // scaled = round(|v| * 10^17), half to even.
        let scaled = if self.exp >= 0 {
            (&self.mant << self.exp as u64) * &ten17
        } else {
            let sh = (-self.exp) as u64;
            let n = &self.mant * &ten17;
            let q = &n >> sh;
            let rem = &n - (&q << sh);
            let half = BigUint::from(1u8) << (sh - 1);
            if rem > half || (rem == half && q.bit(0)) {
                q + 1u8
            } else {
                q
            }
        };
        let int_part = &scaled / &ten17;
        let frac = &scaled - &int_part * &ten17;
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        s.push_str(&int_part.to_string());
        let frac = format!("{:0>17}", frac.to_string());
        let frac = frac.trim_end_matches('0');
        if !frac.is_empty() {
            s.push('.');
            s.push_str(frac);
        }
        if s == "-0" {
            s = "0".to_string();
        }
        s
    }
}

/// Parse as Redis's `string2ld` (strtold on the whole string): decimal with optional sign,
/// fraction and exponent, or infinity; no leading space, nothing trailing, bounded length.
/// Values out of the format's range are refused, as strtold's ERANGE makes Redis do.
pub fn parse(b: &[u8]) -> Option<Parsed> {
    if b.is_empty() || b.len() >= MAX_CHARS {
        return None;
    }
    let s = std::str::from_utf8(b).ok()?;
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return Some(Parsed::Infinite);
    }
    if let Some(hex) = lower.strip_prefix("0x") {
        return parse_hex(neg, hex);
    }
    let (mantissa, exp10) = match lower.find('e') {
        Some(i) => {
            let e = &lower[i + 1..];
            let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // Anything past 10^±6000 is out of range for the format either way.
            let v: i64 = if digits.len() > 6 {
                999_999
            } else {
                digits.parse().ok()?
            };
            (&lower[..i], if e.starts_with('-') { -v } else { v })
        }
        None => (lower.as_str(), 0),
    };
    let (int_digits, frac_digits) = match mantissa.split_once('.') {
        Some((a, b)) => (a, b),
        None => (mantissa, ""),
    };
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    if !int_digits
        .bytes()
        .chain(frac_digits.bytes())
        .all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let all = format!("{int_digits}{frac_digits}");
    let d: BigUint = all.parse().ok()?;
    if d.bits() == 0 {
        let mut z = LongDouble::zero();
        z.neg = neg;
        return Some(Parsed::Finite(z));
    }
    let p = exp10 - frac_digits.len() as i64;
    // Rough magnitude check before big arithmetic: 10^p * d within ~10^±4960.
    let magnitude = p + all.trim_start_matches('0').len() as i64;
    if !(-4950..=4933).contains(&magnitude) {
        return None;
    }
    let (mant, exp) = if p >= 0 {
        round(d * BigUint::from(10u8).pow(p as u32), 0, false)
    } else {
        let q = BigUint::from(10u8).pow((-p) as u32);
        let s = (MANT_BITS as i64 + 2 + q.bits() as i64 - d.bits() as i64).max(0) as u64;
        let num = d << s;
        let quot = &num / &q;
        let sticky = &quot * &q != num;
        round(quot, -(s as i64), sticky)
    };
    let v = LongDouble { neg, mant, exp };
    if v.overflows() {
        return None;
    }
    Some(Parsed::Finite(v))
}

/// strtold's hexadecimal form: `0x` digits with an optional fraction and a binary exponent
/// (`0x1.8p3`).
fn parse_hex(neg: bool, hex: &str) -> Option<Parsed> {
    let (digits, exp2) = match hex.split_once('p') {
        Some((d, e)) => {
            let body = e.strip_prefix(['+', '-']).unwrap_or(e);
            if body.is_empty() || body.len() > 6 || !body.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            let v: i64 = body.parse().ok()?;
            (d, if e.starts_with('-') { -v } else { v })
        }
        None => (hex, 0),
    };
    let (int_digits, frac_digits) = digits.split_once('.').unwrap_or((digits, ""));
    if int_digits.is_empty() && frac_digits.is_empty() {
        return None;
    }
    let all = format!("{int_digits}{frac_digits}");
    let h = BigUint::parse_bytes(all.as_bytes(), 16)?;
    if h.bits() == 0 {
        let mut z = LongDouble::zero();
        z.neg = neg;
        return Some(Parsed::Finite(z));
    }
    let (mant, exp) = round(h, exp2 - 4 * frac_digits.len() as i64, false);
    let v = LongDouble { neg, mant, exp };
    if v.overflows() || v.exp + (v.mant.bits() as i64) < -16400 {
        return None;
    }
    Some(Parsed::Finite(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn human(a: &str, b: &str) -> String {
        let (Some(Parsed::Finite(x)), Some(Parsed::Finite(y))) =
            (parse(a.as_bytes()), parse(b.as_bytes()))
        else {
            panic!("parse {a} {b}");
        };
        x.add(&y).to_human()
    }

    /// Each expectation was read from redis-server 7.0.15 (`SET k a`, `INCRBYFLOAT k b`).
    #[test]
    fn matches_redis_long_double_text() {
        assert_eq!(human("0", "10.5"), "10.5");
        assert_eq!(human("10.5", "0.1"), "10.6");
        assert_eq!(human("10.6", "-5"), "5.6");
        assert_eq!(human("5.6", "1.5e3"), "1505.59999999999999998");
        assert_eq!(human("0.1", "0.2"), "0.3");
        assert_eq!(human("0", "5.0e3"), "5000");
        assert_eq!(human("1", "-1"), "0");
        assert_eq!(human("-3", "1"), "-2");
        assert_eq!(human("1.1", "2.2"), "3.3");
        assert_eq!(human("0.1", "0.7"), "0.8");
        assert_eq!(human("3.0", "1e-20"), "3");
        assert_eq!(human("-1e-20", "0"), "0");
        assert_eq!(
            human("123456789.123456789", "0.000000001"),
            "123456789.12345678999554366"
        );
        assert_eq!(human("1e20", "1"), "100000000000000000000");
        assert_eq!(human("1", "0x10"), "17");
    }

    #[test]
    fn parse_rules() {
        assert!(parse(b" 1").is_none());
        assert!(parse(b"1 ").is_none());
        assert!(parse(b"abc").is_none());
        assert!(parse(b"").is_none());
        assert!(parse(b".").is_none());
        assert!(parse(b"1e").is_none());
        assert!(parse(b"1e99999").is_none(), "out of range");
        assert_eq!(parse(b"-inf"), Some(Parsed::Infinite));
        assert!(matches!(parse(b".5"), Some(Parsed::Finite(_))));
        assert!(matches!(parse(b"5."), Some(Parsed::Finite(_))));
        assert!(
            parse(&vec![b'1'; 6000]).is_none(),
            "longer than Redis accepts"
        );
    }
}
