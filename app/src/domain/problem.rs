//! Problems found in user input: one shape for every rule, on both sides of the wire.
//!
//! A problem names the field it is about with a path a form can attach it to (`lines[2].months`),
//! carries a stable machine code for integrators, and says what is wrong and how to fix it in
//! Simplified Chinese and English. The browser shows exactly the message the server would return.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The languages the product speaks. Chinese first: the users are Chinese partners and customers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    /// Picks a language from an HTTP `Accept-Language` value: English only when it is preferred
    /// over Chinese, Chinese otherwise.
    pub fn from_accept_language(header: &str) -> Lang {
        for part in header.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }

    /// The text for this language out of a Chinese / English pair.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// Reads a language tag as stored in the `lang` cookie or the `<html lang>` attribute.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let tag = tag.trim().to_ascii_lowercase();
        if tag.starts_with("zh") {
            Some(Lang::Zh)
        } else if tag.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language remembered in a `Cookie` header (`lang=en`), if any.
    pub fn from_cookie_header(header: &str) -> Option<Lang> {
        header.split(';').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            if name.trim() == LANG_COOKIE { Lang::from_tag(value) } else { None }
        })
    }

    /// The language the switch offers from this one.
    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }

    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// Name of the cookie that remembers the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// Whether a problem stops the action or only informs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

/// One thing wrong with an input, tied to a field.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Problem {
    /// Path of the field, e.g. `lines[0].months`; empty for the input as a whole.
    pub field: String,
    /// Stable code, e.g. `months_out_of_range`. Never changes once published.
    pub code: String,
    pub severity: Severity,
    /// Message in Simplified Chinese.
    pub zh: String,
    /// Message in English.
    pub en: String,
}

impl Problem {
    pub fn error(field: impl Into<String>, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Problem { field: field.into(), code: code.to_owned(), severity: Severity::Error, zh: zh.into(), en: en.into() }
    }

    pub fn warning(field: impl Into<String>, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        Problem { severity: Severity::Warning, ..Problem::error(field, code, zh, en) }
    }

    pub fn message(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    /// The same problem with both messages put in a context, e.g. `第2行：` / `Line 2: `.
    pub fn prefixed(mut self, zh: &str, en: &str) -> Self {
        self.zh.insert_str(0, zh);
        self.en.insert_str(0, en);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.field, self.en, self.code)
    }
}

/// Builds the path of an element of a list field: `indexed("lines", 2, "months")` is
/// `lines[2].months`.
pub fn indexed(list: &str, index: usize, field: &str) -> String {
    if field.is_empty() { format!("{list}[{index}]") } else { format!("{list}[{index}].{field}") }
}

/// The problems of a list that concern `field` or anything below it.
pub fn problems_for<'a>(problems: &'a [Problem], field: &'a str) -> impl Iterator<Item = &'a Problem> + 'a {
    problems.iter().filter(move |p| {
        p.field == field
            || p.field.strip_prefix(field).is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_first_known_tag() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr-FR"), Lang::Zh);
        assert_eq!(Lang::from_accept_language(""), Lang::Zh);
    }

    #[test]
    fn language_cookie_is_read_among_others() {
        assert_eq!(Lang::from_cookie_header("a=1; lang=en; b=2"), Some(Lang::En));
        assert_eq!(Lang::from_cookie_header("lang=zh-CN"), Some(Lang::Zh));
        assert_eq!(Lang::from_cookie_header("language=en"), None);
        assert_eq!(Lang::from_cookie_header("lang=fr"), None);
    }

    #[test]
    fn problems_for_matches_field_and_children_only() {
        let ps = vec![
            Problem::error("lines[1].count", "x", "", ""),
            Problem::error("lines[10].count", "x", "", ""),
            Problem::error("lines", "y", "", ""),
        ];
        assert_eq!(problems_for(&ps, "lines[1]").count(), 1);
        assert_eq!(problems_for(&ps, "lines").count(), 3);
        assert_eq!(problems_for(&ps, "lines[1].count").count(), 1);
    }
}
