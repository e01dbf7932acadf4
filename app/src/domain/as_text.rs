//! Serde adapters for values that travel as text (`#[serde(with = "…")]`), read back with small
//! parsers of our own instead of the general ones: chrono's format parser (a date) and
//! rust_decimal's float path (a decimal sent as a JSON number goes through float-to-text code).
//! What the browser decodes is compiled into the quote page's WASM, so these keep ~30 KB of
//! unused parsing and formatting code out of it (BENCHMARKS.md, twenty-third session). The text
//! written is what the default impls write, so the wire format is unchanged.

/// A `Decimal` as a JSON string (`"0.06"`), like `Money`: never a JSON number, which a parser
/// could turn into a float.
pub mod decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};
    use std::str::FromStr;

    pub fn serialize<S: Serializer>(value: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let text = String::deserialize(d)?;
        Decimal::from_str(text.trim()).map_err(|_| {
            serde::de::Error::custom(format!("invalid decimal {text:?}: expected a number as text, e.g. \"0.06\""))
        })
    }
}

/// A date as `YYYY-MM-DD`, the form chrono writes and the admin's forms send.
pub mod date {
    use chrono::NaiveDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        parse(&text).ok_or_else(|| serde::de::Error::custom(format!("invalid date {text:?}: expected YYYY-MM-DD")))
    }

    /// `YYYY-MM-DD` with a four-digit year and two-digit month and day, a day that exists.
    pub fn parse(text: &str) -> Option<NaiveDate> {
        let b = text.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
        };
        NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Both {
        #[serde(with = "date")]
        day: NaiveDate,
        #[serde(with = "decimal")]
        rate: Decimal,
    }

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    struct Plain {
        day: NaiveDate,
        rate: Decimal,
    }

    #[test]
    fn the_text_is_what_the_default_impls_write_and_read() {
        for (y, m, d, rate) in [(2022, 5, 16, "0.06"), (2027, 12, 31, "0"), (1999, 1, 1, "0.1250"), (2024, 2, 29, "1")]
        {
            let plain =
                Plain { day: NaiveDate::from_ymd_opt(y, m, d).unwrap(), rate: Decimal::from_str(rate).unwrap() };
            let json = serde_json::to_string(&plain).unwrap();
            let both: Both = serde_json::from_str(&json).unwrap();
            assert_eq!((both.day, both.rate), (plain.day, plain.rate));
            assert_eq!(serde_json::to_string(&both).unwrap(), json, "written the same");
            assert_eq!(both.rate.scale(), plain.rate.scale(), "the scale is kept");
        }
    }

    #[test]
    fn anything_else_is_refused_with_what_was_expected() {
        for (json, expected) in [
            (r#"{"day":"2022-5-16","rate":"0.06"}"#, "expected YYYY-MM-DD"),
            (r#"{"day":"2023-02-29","rate":"0.06"}"#, "expected YYYY-MM-DD"),
            (r#"{"day":"2022-05-16T00:00:00","rate":"0.06"}"#, "expected YYYY-MM-DD"),
            (r#"{"day":"２０２２-05-16","rate":"0.06"}"#, "expected YYYY-MM-DD"),
            (r#"{"day":"2022-05-16","rate":0.06}"#, "expected a string"),
            (r#"{"day":"2022-05-16","rate":"6%"}"#, "expected a number as text"),
        ] {
            let e = serde_json::from_str::<Both>(json).unwrap_err().to_string();
            assert!(e.contains(expected), "{json}: {e}");
        }
    }
}
