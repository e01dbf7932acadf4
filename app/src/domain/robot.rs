//! The WeCom group robot's (企业微信群机器人) message for a contract event: markdown in Chinese,
//! at most [`MAX_BYTES`] bytes, with a link to the contract and, when a level's turn comes, a
//! mention (`<@userid>`) of each approver who has a WeCom userid on file.
//!
//! Everything a person typed (customer, reason, display names) is made inert first: it can neither
//! break the markdown (links, emphasis, headings, quotes, `<font>` tags) nor forge a mention
//! (`<@all>` would ping the whole group). Only the mentions built here from stored userids of the
//! accepted shape reach the group as `<@…>`.

use crate::domain::event::Event;

/// WeCom refuses markdown content over 4,096 bytes (UTF-8).
pub const MAX_BYTES: usize = 4096;

/// Someone the event asks to act, as the robot names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recipient {
    pub display_name: String,
    /// Their WeCom userid, if on file: mentioned as `<@userid>` when it has a userid's shape.
    pub wecom_userid: Option<String>,
}

/// Whether `userid` has the shape of a WeCom userid (1–64 letters, digits, `_`, `-`, `.`, `@`),
/// so it can stand inside `<@…>` without closing the tag early or adding another.
pub fn mentionable(userid: &str) -> bool {
    (1..=64).contains(&userid.len())
        && userid.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
}

/// The message for `event`, or `None` for the kinds the group is not told of (withdrawn and
/// cancelled: the people involved hear of those in the app). `base_url` is the desk's public
/// address without a trailing `/`; `recipients` are the users in the event's `notify` (used for
/// a level's turn).
pub fn message(event: &Event, base_url: &str, recipients: &[Recipient]) -> Option<String> {
    let header = event.header();
    let (title, status, color) = match event {
        Event::ContractSubmitted { .. } => ("合同提交审批".to_owned(), "提交审批".to_owned(), "comment"),
        Event::LevelReached { level, .. } => {
            (format!("合同待审批（第{level}级）"), format!("第{level}级待审批"), "warning")
        }
        Event::ContractRejected { level, .. } => ("合同被驳回".to_owned(), format!("第{level}级驳回"), "warning"),
        Event::ContractApproved { .. } => ("合同审批通过".to_owned(), "审批通过".to_owned(), "info"),
        Event::ContractFulfilled { .. } => ("合同已开通".to_owned(), "已开通".to_owned(), "info"),
        // The group hears of decisions; a renewal reminder is the owner's own (in the app).
        Event::ContractWithdrawn { .. }
        | Event::ContractCancelled { .. }
        | Event::RenewalDue { .. }
        | Event::WecomJobStopped { .. }
        | Event::WecomJobFinished { .. }
        | Event::WecomJobStep { .. } => return None,
    };
    let number = header.document_number.as_deref().map(one_line).unwrap_or_else(|| "（未编号）".to_owned());
    let mut head = format!(
        "### {title}\n> 单号：{number}\n> 客户：{customer}\n> 状态：<font color=\"{color}\">{status}</font>\n",
        customer = cut_chars(&one_line(&header.end_customer), 200),
    );
    if matches!(event, Event::LevelReached { .. }) && !recipients.is_empty() {
        let names: Vec<String> = recipients.iter().map(name_or_mention).collect();
        head.push_str(&format!("请 {} 审批\n", names.join(" ")));
    }
    let link = format!("\n[查看合同]({}/contracts/{})", base_url.trim_end_matches('/'), header.contract_id);
    let body = match event {
        Event::ContractRejected { reason, .. } => {
            let label = "> 原因：";
            let budget = MAX_BYTES.saturating_sub(head.len() + label.len() + "\n".len() + link.len());
            format!("{label}{}\n", fit_bytes(&quoted(reason), budget))
        }
        _ => String::new(),
    };
    let mut text = format!("{head}{body}{link}");
    // A safety net: the parts above are already sized to fit.
    if text.len() > MAX_BYTES {
        text.truncate(floor_char_boundary(&text, MAX_BYTES));
    }
    Some(text)
}

fn name_or_mention(recipient: &Recipient) -> String {
    match recipient.wecom_userid.as_deref().map(str::trim) {
        Some(userid) if mentionable(userid) => format!("<@{userid}>"),
        _ => cut_chars(&one_line(&recipient.display_name), 50),
    }
}

/// Person-typed text made inert for WeCom markdown: the characters that open a tag or a mention,
/// a link, emphasis, inline code or a heading are replaced by their full-width look-alikes, and
/// control characters dropped (line breaks kept).
pub fn inert(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '<' => Some('＜'),
            '>' => Some('＞'),
            '[' => Some('［'),
            ']' => Some('］'),
            '(' => Some('（'),
            ')' => Some('）'),
            '*' => Some('＊'),
            '`' => Some('｀'),
            '#' => Some('＃'),
            '&' => Some('＆'),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Inert text on one line (line breaks become spaces), trimmed.
fn one_line(text: &str) -> String {
    inert(text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Inert text as the continuation of a `> ` quote: every line break starts a new quoted line.
fn quoted(text: &str) -> String {
    let lines: Vec<String> =
        inert(text.trim()).lines().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
    lines.join("\n> ")
}

fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// `text` in at most `budget` bytes, cut on a character boundary with a note when it was cut.
fn fit_bytes(text: &str, budget: usize) -> String {
    if text.len() <= budget {
        return text.to_owned();
    }
    const NOTE: &str = "…（已截断）";
    let end = floor_char_boundary(text, budget.saturating_sub(NOTE.len()));
    format!("{}{NOTE}", &text[..end])
}

/// The largest character boundary of `text` at or before `at`.
pub fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0)
}

#[cfg(test)]
#[path = "robot_tests.rs"]
mod tests;
