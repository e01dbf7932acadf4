//! The desk's lists (inbox, renewals, audit trail): a table that turns into one card per row on a
//! phone (CSS `stack-on-phone`), each cell labelled by its column (`data-label`).

use leptos::prelude::*;

/// A column: its heading, and whether it holds numbers (right-aligned).
#[derive(Clone, Copy)]
pub struct Column {
    pub label: &'static str,
    pub numeric: bool,
}

impl Column {
    pub const fn text(label: &'static str) -> Column {
        Column { label, numeric: false }
    }

    pub const fn number(label: &'static str) -> Column {
        Column { label, numeric: true }
    }
}

/// `<table class="inbox-list stack-on-phone">` with a heading row for `columns`; `rows` are the
/// `<tr>`s, whose cells carry their column's label as `data-label`.
#[component]
pub fn StackTable(columns: Vec<Column>, testid: &'static str, children: Children) -> impl IntoView {
    view! {
        <table class="inbox-list stack-on-phone" data-testid=testid>
            <thead>
                <tr>
                    {columns
                        .into_iter()
                        .map(|c| view! { <th scope="col" class=c.numeric.then_some("num")>{c.label}</th> })
                        .collect_view()}
                </tr>
            </thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
