//! Identifiers WeCom hands out, parsed once into types that prove they are well-formed.

use super::problem::Problem;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::hash::{Hash, Hasher};

/// A WeCom corp ID (企业微信ID / 企业ID): `ww` or `wx` followed by 16 hex digits, e.g.
/// `ww69c04360d53da8b7`. Case-insensitive on input, always lower-case once parsed.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CorpId(String);

impl CorpId {
    /// Parses a corp ID typed or pasted by a user; surrounding whitespace (including full-width
    /// spaces) is ignored. `field` names the field in the problem.
    pub fn parse(field: &str, text: &str) -> Result<CorpId, Problem> {
        let t = trim_all(text);
        if t.is_empty() {
            return Err(Problem::error(field, "corp_id_required", "请填写企业ID", "Enter the corp ID"));
        }
        let lower = t.to_ascii_lowercase();
        let ok = lower.len() == 18
            && (lower.starts_with("ww") || lower.starts_with("wx"))
            && lower[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(Problem::error(
                field,
                "corp_id_invalid",
                format!(
                    "企业ID应为 ww 或 wx 开头、后跟16位十六进制字符的18位字符（如 ww69c04360d53da8b7），当前为“{t}”"
                ),
                format!(
                    "A corp ID is ww or wx followed by 16 hex digits, 18 characters (e.g. ww69c04360d53da8b7); got \"{t}\""
                ),
            ));
        }
        Ok(CorpId(lower))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CorpId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for CorpId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CorpId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<CorpId, D::Error> {
        let text = String::deserialize(d)?;
        CorpId::parse("", &text).map_err(|p| serde::de::Error::custom(p.en))
    }
}

/// A WeCom member account (UserID, 企业微信通讯录账号): 1–64 bytes of letters, digits and
/// `_ - @ .`, starting with a letter or digit. WeCom treats userids case-insensitively, so two
/// `UserId`s are equal when they differ only in case; the original spelling is kept for display.
#[derive(Clone, Debug, Eq, PartialOrd, Ord)]
pub struct UserId(String);

/// A character as a problem names it: whitespace and invisible characters by their name (a
/// reader cannot see “ ” or “\u{200B}”), with the code point where the name alone is ambiguous;
/// any other character quoted.
pub fn char_name(c: char) -> (String, String) {
    let named = |zh: &str, en: &str| (zh.to_owned(), en.to_owned());
    let code = |zh: &str, en: &str| (format!("{zh}（U+{:04X}）", c as u32), format!("{en} (U+{:04X})", c as u32));
    match c {
        ' ' => named("空格", "a space"),
        '\u{3000}' => named("全角空格", "a full-width space"),
        '\t' => named("制表符", "a tab"),
        '\n' | '\r' => named("换行符", "a line break"),
        '\u{A0}' => named("不换行空格", "a no-break space"),
        '\u{200B}' => named("零宽空格", "a zero-width space"),
        '\u{FEFF}' => named("零宽不换行空格（BOM）", "a zero-width no-break space (BOM)"),
        c if c.is_control() => code("控制字符", "a control character"),
        c if c.is_whitespace() => code("空白字符", "a whitespace character"),
        c if crate::domain::attachment::is_invisible_format(c) => code("不可见字符", "an invisible character"),
        c => (format!("“{c}”"), format!("'{c}'")),
    }
}

/// Longest userid WeCom accepts, in bytes.
pub const USER_ID_MAX_BYTES: usize = 64;

impl UserId {
    /// Parses an already-trimmed userid. `field` names the field in the problem.
    pub fn parse(field: &str, text: &str) -> Result<UserId, Problem> {
        if text.is_empty() {
            return Err(Problem::error(field, "user_id_required", "UserID 不能为空", "The UserID is empty"));
        }
        if text.len() > USER_ID_MAX_BYTES {
            return Err(Problem::error(
                field,
                "user_id_too_long",
                format!("UserID 最长64字节，“{text}”有{}字节", text.len()),
                format!("A UserID is at most 64 bytes; \"{text}\" has {}", text.len()),
            ));
        }
        let first_ok = text.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !first_ok {
            return Err(Problem::error(
                field,
                "user_id_bad_start",
                format!("UserID 须以字母或数字开头：“{text}”"),
                format!("A UserID must start with a letter or digit: \"{text}\""),
            ));
        }
        // Checked byte by byte first: a non-ASCII character fails it too, and is then named.
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'@' | b'.');
        if !text.bytes().all(allowed)
            && let Some(bad) = text.chars().find(|c| !(c.is_ascii() && allowed(*c as u8)))
        {
            let (zh, en) = char_name(bad);
            return Err(Problem::error(
                field,
                "user_id_bad_char",
                format!("UserID 只能包含字母、数字和 _ - @ . ，“{text}”中有{zh}"),
                format!("A UserID may only contain letters, digits and _ - @ . ; \"{text}\" contains {en}"),
            ));
        }
        Ok(UserId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl PartialEq for UserId {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Hash for UserId {
    /// The lower-case bytes, as one write where they fit a userid's longest (every parsed one):
    /// a write per byte made hashing a large share of checking a 100,000-row sheet.
    fn hash<H: Hasher>(&self, state: &mut H) {
        let bytes = self.0.as_bytes();
        let mut lower = [0u8; USER_ID_MAX_BYTES];
        match lower.get_mut(..bytes.len()) {
            Some(buf) => {
                buf.copy_from_slice(bytes);
                buf.make_ascii_lowercase();
                state.write(buf);
            }
            None => state.write(&bytes.to_ascii_lowercase()),
        }
        // A terminator, as `str`'s own hash writes, so a key cannot run into the next.
        state.write_u8(0xff);
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for UserId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for UserId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<UserId, D::Error> {
        let text = String::deserialize(d)?;
        UserId::parse("", &text).map_err(|p| serde::de::Error::custom(p.en))
    }
}

/// Trims ASCII and Unicode whitespace, including the full-width space (U+3000) that Chinese
/// input methods type, and zero-width spaces / BOMs pasted from documents.
pub fn trim_all(text: &str) -> &str {
    // Most cells start and end with a visible ASCII character: nothing to trim, and no character
    // decoded (which is what this costs in the browser, on every cell of a big sheet).
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    if visible(text.as_bytes().first()) && visible(text.as_bytes().last()) {
        return text;
    }
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn an_invisible_bad_character_is_named_not_shown() {
        let zh = |t: &str| UserId::parse("u", t).unwrap_err().zh;
        assert!(zh("zhang san").contains("中有空格"), "{}", zh("zhang san"));
        assert!(zh("zhang\u{3000}san").contains("全角空格"));
        assert!(zh("zhang\tsan").contains("制表符"));
        assert!(zh("zhang\u{200B}san").contains("零宽空格"));
        assert!(zh("zhang\u{2060}san").contains("不可见字符（U+2060）"));
        assert!(zh("张三").contains("须以字母或数字开头"));
        assert!(zh("zhang三").contains("中有“三”"));
        let en = UserId::parse("u", "li\u{A0}si").unwrap_err().en;
        assert!(en.contains("contains a no-break space"), "{en}");
    }

    #[test]
    fn corp_id_is_normalised_to_lower_case() {
        assert_eq!(CorpId::parse("corp_id", " WW69C04360D53DA8B7\u{3000}").unwrap().as_str(), "ww69c04360d53da8b7");
        assert_eq!(CorpId::parse("corp_id", "wx0123456789abcdef").unwrap().as_str(), "wx0123456789abcdef");
    }

    #[test]
    fn corp_id_rejects_wrong_prefix_length_and_digits() {
        for bad in [
            "wa69c04360d53da8b7",
            "ww69c04360d53da8b",
            "ww69c04360d53da8b7a",
            "ww69c04360d53da8bg",
            "69c04360d53da8b7ww",
        ] {
            let p = CorpId::parse("corp_id", bad).unwrap_err();
            assert_eq!((p.field.as_str(), p.code.as_str()), ("corp_id", "corp_id_invalid"), "{bad}");
            assert!(p.zh.contains("企业ID应为 ww 或 wx 开头"), "{}", p.zh);
        }
        assert_eq!(CorpId::parse("corp_id", "  ").unwrap_err().code, "corp_id_required");
    }

    #[test]
    fn user_id_rules() {
        for ok in ["zhangsan", "13800138000", "a", "Li.Si-2@corp_x", &"a".repeat(64)] {
            assert!(UserId::parse("u", ok).is_ok(), "{ok}");
        }
        let code = |s: &str| UserId::parse("u", s).unwrap_err().code;
        assert_eq!(code(""), "user_id_required");
        assert_eq!(code(&"a".repeat(65)), "user_id_too_long");
        assert_eq!(code("_zhang"), "user_id_bad_start");
        assert_eq!(code(".zhang"), "user_id_bad_start");
        assert_eq!(code("zhang san"), "user_id_bad_char");
        assert_eq!(code("张三"), "user_id_bad_start");
        assert_eq!(code("zhang三"), "user_id_bad_char");
    }

    #[test]
    fn user_ids_compare_ignoring_case() {
        let a = UserId::parse("u", "ZhangSan").unwrap();
        let b = UserId::parse("u", "zhangsan").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.as_str(), "ZhangSan");
        let set: HashSet<UserId> = [a, b].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn trim_all_removes_full_width_and_zero_width_spaces() {
        assert_eq!(trim_all("\u{3000} zhang\t\u{200b}"), "zhang");
    }

    proptest! {
        /// The shortcut for text with nothing to trim trims as the whole rule does.
        #[test]
        fn trim_all_is_the_whitespace_rule(s in "[ a-z0-9_\t\u{3000}\u{200b}\u{feff}\u{a0}中]{0,6}") {
            let rule = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'));
            prop_assert_eq!(trim_all(&s), rule);
        }

        /// The byte-by-byte check of a userid's characters refuses what the character rule does,
        /// and names the first bad character.
        #[test]
        fn user_id_characters_are_checked_as_characters(s in "[a-z0-9][a-z0-9_.@ #中é-]{0,8}") {
            let bad = s.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.')));
            match (UserId::parse("u", &s), bad) {
                (Ok(u), None) => prop_assert_eq!(u.as_str(), s.as_str()),
                (Err(p), Some(c)) => {
                    prop_assert_eq!(p.code.as_str(), "user_id_bad_char");
                    prop_assert!(p.en.contains(char_name(c).1.as_str()), "{} names {:?}", p.en, c);
                }
                (got, bad) => prop_assert!(false, "{s:?}: {got:?} with bad {bad:?}"),
            }
        }

        #[test]
        fn valid_user_ids_parse_and_serde_round_trip(s in "[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}") {
            let u = UserId::parse("u", &s).unwrap();
            let json = serde_json::to_string(&u).unwrap();
            let back: UserId = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back.as_str(), s.as_str());
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,80}") {
            let _ = UserId::parse("u", &s);
            let _ = CorpId::parse("c", &s);
        }
    }
}
