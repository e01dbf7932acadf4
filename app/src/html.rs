//! Text into HTML where nothing escapes it for us.
//!
//! `view!` escapes text and attribute values, with two exceptions in leptos 0.8 (tachys 0.2,
//! leptos_meta 0.8) that write the string into the server's HTML as it is:
//!
//! - the children of `<textarea>`: tachys treats them like `<script>`'s (raw on the server, never
//!   hydrated), so a saved `</textarea><meta http-equiv="refresh" …>` would close the field and
//!   plant markup in the page. Give a textarea its initial text with [`textarea_text`], and its
//!   live value with `prop:value`.
//! - `<Title text=…/>`: written raw into `<title>`. Titles here are texts of the locale files and
//!   numbers the server makes; keep user text out of them or pass it through [`escape`].
//!
//! Pages built by hand (`server/src/payment.rs`) escape every value they interpolate with [`escape`].

/// Escapes text for HTML element content and for attribute values (quoted with `"` or `'`).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The initial text of a `<textarea>`, to give as its only child (with `prop:value` for the value
/// the browser keeps up to date).
///
/// On the server it is escaped, since tachys writes textarea children raw; the HTML parser turns
/// it back into exactly `text` (a leading newline, which the parser drops right after
/// `<textarea>`, is doubled), so the field shows the saved text with JavaScript off. The browser
/// never hydrates textarea children, so this text cannot mismatch; when the browser renders the
/// field itself, the child becomes a DOM text node, which is never parsed as markup, so it is `text`
/// unchanged.
pub fn textarea_text(text: &str) -> String {
    if cfg!(feature = "ssr") { escape_textarea(text) } else { text.to_owned() }
}

fn escape_textarea(text: &str) -> String {
    let escaped = escape(text);
    if text.starts_with('\n') || text.starts_with("\r\n") { format!("\n{escaped}") } else { escaped }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape(r#"</textarea><h1 id="inj">A&B</h1>'"#),
            "&lt;/textarea&gt;&lt;h1 id=&quot;inj&quot;&gt;A&amp;B&lt;/h1&gt;&#39;"
        );
        assert_eq!(escape("备注 2026"), "备注 2026");
    }

    #[test]
    fn a_textarea_keeps_a_leading_newline_and_nothing_else_changes() {
        assert_eq!(escape_textarea("\n第二行"), "\n\n第二行");
        assert_eq!(escape_textarea("a\nb"), "a\nb");
        assert_eq!(escape_textarea("</textarea>"), "&lt;/textarea&gt;");
    }
}
