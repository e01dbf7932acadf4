//! Money: exact decimal CNY amounts with two places, never floats.
//!
//! Every amount the product shows or stores is a `Money`: a `Decimal` already rounded to 0.01.
//! It travels as a string with exactly two decimals (`"370.00"`) so no JSON parser can turn it
//! into a float, and it is stored as integer fen (cents) so SQLite and PostgreSQL hold it exactly.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign};
use std::str::FromStr;

/// An amount of CNY (人民币), exact to the fen (0.01).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Rounds an exact amount once, half-up (away from zero), to 0.01.
    pub fn round_half_up(exact: Decimal) -> Money {
        let mut d = exact.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        d.rescale(2);
        Money(d)
    }

    /// Money from a whole number of fen (分), the unit it is stored in.
    pub fn from_fen(fen: i64) -> Money {
        Money(Decimal::new(fen, 2))
    }

    /// The amount in whole fen. Exact: a `Money` never holds more than two decimals.
    pub fn fen(self) -> i64 {
        let mut d = self.0;
        d.rescale(2);
        i64::try_from(d.mantissa()).expect("money amount out of range")
    }

    pub fn decimal(self) -> Decimal {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// Parses a user-typed amount: digits with at most two decimals, optional thousands
    /// separators. Returns `None` for anything else (more decimals, letters, exponents).
    pub fn parse(text: &str) -> Option<Money> {
        let cleaned: String = text.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
        if cleaned.is_empty() || !cleaned.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') {
            return None;
        }
        let d = Decimal::from_str(&cleaned).ok()?;
        if d.scale() > 2 {
            return None;
        }
        Some(Money::round_half_up(d))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, rhs: Money) -> Money {
        Money(self.0 + rhs.0)
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, rhs: Money) {
        self.0 += rhs.0;
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        let text = String::deserialize(d)?;
        Money::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("invalid amount {text:?}: expected a number with at most two decimals"))
        })
    }
}

/// Groups thousands for display: `1234567.5` → `1,234,567.50`.
pub fn format_grouped(m: Money) -> String {
    let s = m.to_string();
    let (sign, body) = s.strip_prefix('-').map_or(("", s.as_str()), |b| ("-", b));
    let (int, frac) = body.split_once('.').unwrap_or((body, "00"));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_up_once_to_two_places() {
        assert_eq!(Money::round_half_up(d("2.345")).to_string(), "2.35");
        assert_eq!(Money::round_half_up(d("2.3449")).to_string(), "2.34");
        assert_eq!(Money::round_half_up(d("370")).to_string(), "370.00");
        assert_eq!(Money::round_half_up(d("0.005")).to_string(), "0.01");
    }

    #[test]
    fn fen_round_trips() {
        for fen in [0, 1, 99, 100, 37000, 123_456_789] {
            assert_eq!(Money::from_fen(fen).fen(), fen);
        }
        assert_eq!(Money::round_half_up(d("12.3")).fen(), 1230);
    }

    #[test]
    fn serialises_as_two_decimal_string() {
        assert_eq!(serde_json::to_string(&Money::from_fen(37000)).unwrap(), "\"370.00\"");
        let m: Money = serde_json::from_str("\"5.5\"").unwrap();
        assert_eq!(m, Money::from_fen(550));
        assert!(serde_json::from_str::<Money>("\"5.555\"").is_err());
        assert!(serde_json::from_str::<Money>("\"1e3\"").is_err());
    }

    #[test]
    fn parse_accepts_grouping_and_rejects_junk() {
        assert_eq!(Money::parse("1,234.5"), Some(Money::from_fen(123_450)));
        assert_eq!(Money::parse(" 42 "), Some(Money::from_fen(4200)));
        assert_eq!(Money::parse("abc"), None);
        assert_eq!(Money::parse(""), None);
        assert_eq!(Money::parse("1.005"), None);
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(format_grouped(Money::from_fen(123_456_750)), "1,234,567.50");
        assert_eq!(format_grouped(Money::from_fen(37000)), "370.00");
        assert_eq!(format_grouped(Money::from_fen(100_000)), "1,000.00");
    }
}
