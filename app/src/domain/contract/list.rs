//! The contract list as a tool (`/contracts`): its filters and sort as a link or a person gives
//! them ([`ContractFilter`], text, the same in the URL, the list call and the export), read once
//! into a [`ListQuery`] the database can run, with every problem named in both languages.
//!
//! Dates a person types are days in China (Beijing time): `from` counts from 00:00 +08:00 of its
//! day, `to` through the end of its day. Paging is keyset: a [`Cursor`] holds the sort, the last
//! row's sort key and its id, so the next page starts right after it in any sort and no row is
//! repeated or skipped.

use super::fields::DocumentNumber;
use super::status::ContractStatus;
use crate::domain::calendar::china_day_start;
use crate::domain::period::parse_date;
use crate::domain::problem::Problem;
use crate::domain::quote::OrderType;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};

/// Rows per page when the caller does not say, and the most one page may have.
pub const DEFAULT_PAGE: u64 = 20;
pub const MAX_PAGE: u64 = 100;
/// The longest search text.
pub const MAX_SEARCH: usize = 100;

/// The list's filters, sort and page, as text: what the filter form sends, the pager's links
/// carry and the export reads. All optional; an empty value is no filter.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContractFilter {
    /// A `ContractStatus::code()`.
    pub status: Option<String>,
    /// An `OrderType::code()` (订单类型).
    pub order_type: Option<String>,
    /// The owner's (负责人) user id.
    #[serde(deserialize_with = "text_or_number")]
    pub owner: Option<String>,
    /// The organisation's (渠道伙伴) id; admins only.
    #[serde(deserialize_with = "text_or_number")]
    pub organisation: Option<String>,
    /// The exact corp ID (企业微信ID), any case.
    pub corp_id: Option<String>,
    /// Part of the document number, corp ID, end customer or corp name.
    pub search: Option<String>,
    /// Days (China), both included.
    pub created_from: Option<String>,
    pub created_to: Option<String>,
    pub updated_from: Option<String>,
    pub updated_to: Option<String>,
    /// A [`Sort::code`]; the newest change first when absent.
    pub sort: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 20).
    pub limit: Option<u32>,
}

/// An id as JSON gives it (a number) or as a link does (text).
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Text(String),
        Number(i64),
    }
    Ok(Option::<Either>::deserialize(d)?.map(|v| match v {
        Either::Text(t) => t,
        Either::Number(n) => n.to_string(),
    }))
}

impl ContractFilter {
    /// The query-string keys, in the order links write them (`q` is the search).
    pub const KEYS: [&'static str; 12] = [
        "q",
        "status",
        "order_type",
        "owner",
        "organisation",
        "corp_id",
        "created_from",
        "created_to",
        "updated_from",
        "updated_to",
        "sort",
        "cursor",
    ];

    fn slot(&mut self, key: &str) -> Option<&mut Option<String>> {
        Some(match key {
            "q" => &mut self.search,
            "status" => &mut self.status,
            "order_type" => &mut self.order_type,
            "owner" => &mut self.owner,
            "organisation" => &mut self.organisation,
            "corp_id" => &mut self.corp_id,
            "created_from" => &mut self.created_from,
            "created_to" => &mut self.created_to,
            "updated_from" => &mut self.updated_from,
            "updated_to" => &mut self.updated_to,
            "sort" => &mut self.sort,
            "cursor" => &mut self.cursor,
            _ => return None,
        })
    }

    /// The filter a query string gives, through `get` (a key's value); blank values are no filter.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> ContractFilter {
        let mut f = ContractFilter::default();
        for key in Self::KEYS {
            if let Some(slot) = f.slot(key) {
                *slot = get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
            }
        }
        f
    }

    /// The non-blank `key=value` pairs of this filter, in [`Self::KEYS`]' order (not encoded).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut me = self.clone();
        Self::KEYS
            .into_iter()
            .filter_map(|k| {
                let v = me.slot(k)?.take()?;
                (!v.trim().is_empty()).then_some((k, v))
            })
            .collect()
    }

    /// The same filter and sort on its first page.
    pub fn first_page(&self) -> ContractFilter {
        ContractFilter { cursor: None, ..self.clone() }
    }

    /// Whether anything narrows the list (the sort and the page do not).
    pub fn narrows(&self) -> bool {
        self.query_pairs().iter().any(|(k, _)| !matches!(*k, "sort" | "cursor"))
    }
}

/// What a list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    Updated,
    Created,
    /// 价格合计; an unpriced draft counts as [`UNPRICED`].
    Total,
    /// The number of 单据编号; a contract without one counts as [`UNNUMBERED`].
    Number,
}

/// The sort key of a contract without a total: below every real total.
pub const UNPRICED: i64 = -1;
/// The sort key of a contract without a document number: below every real number.
pub const UNNUMBERED: i64 = 0;

/// A sort: its key and direction; ties go by id in the same direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for Sort {
    fn default() -> Self {
        Sort { key: SortKey::Updated, descending: true }
    }
}

impl Sort {
    /// Every sort, as the sort choice lists them.
    pub const ALL: [Sort; 8] = [
        Sort { key: SortKey::Updated, descending: true },
        Sort { key: SortKey::Updated, descending: false },
        Sort { key: SortKey::Created, descending: true },
        Sort { key: SortKey::Created, descending: false },
        Sort { key: SortKey::Total, descending: true },
        Sort { key: SortKey::Total, descending: false },
        Sort { key: SortKey::Number, descending: true },
        Sort { key: SortKey::Number, descending: false },
    ];

    /// `updated_desc`, `total_asc`, …
    pub fn code(self) -> &'static str {
        match (self.key, self.descending) {
            (SortKey::Updated, true) => "updated_desc",
            (SortKey::Updated, false) => "updated_asc",
            (SortKey::Created, true) => "created_desc",
            (SortKey::Created, false) => "created_asc",
            (SortKey::Total, true) => "total_desc",
            (SortKey::Total, false) => "total_asc",
            (SortKey::Number, true) => "number_desc",
            (SortKey::Number, false) => "number_asc",
        }
    }

    pub fn from_code(code: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn zh(self) -> &'static str {
        match (self.key, self.descending) {
            (SortKey::Updated, true) => "最近更新在前",
            (SortKey::Updated, false) => "最早更新在前",
            (SortKey::Created, true) => "最近创建在前",
            (SortKey::Created, false) => "最早创建在前",
            (SortKey::Total, true) => "金额从高到低",
            (SortKey::Total, false) => "金额从低到高",
            (SortKey::Number, true) => "单据编号从大到小",
            (SortKey::Number, false) => "单据编号从小到大",
        }
    }

    pub fn en(self) -> &'static str {
        match (self.key, self.descending) {
            (SortKey::Updated, true) => "Recently updated first",
            (SortKey::Updated, false) => "Least recently updated first",
            (SortKey::Created, true) => "Newest first",
            (SortKey::Created, false) => "Oldest first",
            (SortKey::Total, true) => "Total, highest first",
            (SortKey::Total, false) => "Total, lowest first",
            (SortKey::Number, true) => "Document number, highest first",
            (SortKey::Number, false) => "Document number, lowest first",
        }
    }
}

/// A row's value of a sort key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortValue {
    /// Updated / created: an instant.
    At(DateTime<Utc>),
    /// Total (fen) / document number.
    Int(i64),
}

/// Where a page ends: the sort it was made in, the last row's sort key and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub sort: Sort,
    pub value: SortValue,
    pub id: i64,
}

/// What a sort needs to know of a row to place it.
pub struct RowKeys<'a> {
    pub id: i64,
    pub updated_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub total_fen: Option<i64>,
    pub document_number: Option<&'a str>,
}

impl Cursor {
    /// The cursor after `row` in `sort`.
    pub fn after(sort: Sort, row: &RowKeys) -> Cursor {
        let value = match sort.key {
            SortKey::Updated => SortValue::At(row.updated_at),
            SortKey::Created => SortValue::At(row.created_at),
            SortKey::Total => SortValue::Int(row.total_fen.unwrap_or(UNPRICED)),
            SortKey::Number => SortValue::Int(
                row.document_number
                    .and_then(|n| DocumentNumber::parse("", n).ok())
                    .and_then(|n| i64::try_from(n.number()).ok())
                    .unwrap_or(UNNUMBERED),
            ),
        };
        Cursor { sort, value, id: row.id }
    }

    /// `<sort>~<key>~<id>`, the key of a time in microseconds: `updated_desc~1733390000000000~42`.
    pub fn encode(&self) -> String {
        let key = match self.value {
            SortValue::At(t) => t.timestamp_micros(),
            SortValue::Int(n) => n,
        };
        format!("{}~{key}~{}", self.sort.code(), self.id)
    }

    /// Reads an [`Cursor::encode`]; `None` when it is not one.
    pub fn parse(text: &str) -> Option<Cursor> {
        let mut parts = text.split('~');
        let (sort, key, id) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let sort = Sort::from_code(sort)?;
        let key: i64 = key.parse().ok()?;
        let value = match sort.key {
            SortKey::Updated | SortKey::Created => SortValue::At(DateTime::from_timestamp_micros(key)?),
            SortKey::Total | SortKey::Number => SortValue::Int(key),
        };
        Some(Cursor { sort, value, id: id.parse().ok()? })
    }
}

/// A time span from days in China: `from` inclusive, `before` exclusive (the day after `to`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub from: Option<DateTime<Utc>>,
    pub before: Option<DateTime<Utc>>,
}

/// A list request the database can run: every filter typed, the page's start and size.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// A status code (any level of an approval).
    pub status: Option<&'static str>,
    pub order_type: Option<OrderType>,
    pub owner: Option<i64>,
    pub organisation: Option<i64>,
    /// Lower-case, as stored.
    pub corp_id: Option<String>,
    pub search: Option<String>,
    pub created: Span,
    pub updated: Span,
    pub sort: Sort,
    pub after: Option<Cursor>,
    pub limit: u64,
}

/// Reads the filter. `admin`: the caller may filter by organisation (for anyone else that filter
/// is refused: what they may see is already theirs). Every problem names its field.
pub fn parse(f: &ContractFilter, admin: bool) -> Result<ListQuery, Vec<Problem>> {
    let mut problems = Vec::new();
    let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let status = text(&f.status).and_then(|s| match ContractStatus::from_parts(&s, Some(1)) {
        Some(st) => Some(st.code()),
        None => {
            problems.push(Problem::error(
                "status",
                "unknown_status",
                format!("未知的合同状态“{}”", clip(&s)),
                format!("Unknown contract status \"{}\"", clip(&s)),
            ));
            None
        }
    });
    let order_type = text(&f.order_type).and_then(|t| {
        let o = OrderType::from_code(&t);
        if o.is_none() {
            problems.push(Problem::error(
                "order_type",
                "unknown_order_type",
                format!("未知的订单类型“{}”，应为新购、增购或续期", clip(&t)),
                format!("Unknown order type \"{}\": new, add-on or renewal", clip(&t)),
            ));
        }
        o
    });
    let mut id = |field: &str, v: &Option<String>, zh: &str, en: &str| {
        let t = text(v)?;
        let n = t.parse::<i64>().ok().filter(|n| *n > 0);
        if n.is_none() {
            problems.push(Problem::error(
                field,
                "invalid_id",
                format!("{zh}“{}”无效，请从列表中选择", clip(&t)),
                format!("The {en} \"{}\" is not valid; choose one from the list", clip(&t)),
            ));
        }
        n
    };
    let owner = id("owner", &f.owner, "负责人", "owner");
    let organisation = if admin || text(&f.organisation).is_none() {
        id("organisation", &f.organisation, "渠道伙伴", "organisation")
    } else {
        problems.push(Problem::error(
            "organisation",
            "organisation_admin_only",
            "只有管理员可以按渠道伙伴筛选",
            "Only an admin can filter by organisation",
        ));
        None
    };
    let corp_id = text(&f.corp_id).map(|c| c.to_lowercase());
    let search = text(&f.search);
    if search.as_ref().is_some_and(|s| s.chars().count() > MAX_SEARCH) {
        problems.push(Problem::error(
            "search",
            "too_long",
            format!("搜索词最多{MAX_SEARCH}个字符"),
            format!("Search at most {MAX_SEARCH} characters"),
        ));
    }
    let created = span(
        &mut problems,
        ("created_from", &f.created_from),
        ("created_to", &f.created_to),
        ("创建日期", "created date"),
    );
    let updated = span(
        &mut problems,
        ("updated_from", &f.updated_from),
        ("updated_to", &f.updated_to),
        ("更新日期", "updated date"),
    );
    let sort = match text(&f.sort) {
        None => Sort::default(),
        Some(s) => Sort::from_code(&s).unwrap_or_else(|| {
            problems.push(Problem::error(
                "sort",
                "unknown_sort",
                format!("未知的排序方式“{}”", clip(&s)),
                format!("Unknown sort \"{}\"", clip(&s)),
            ));
            Sort::default()
        }),
    };
    let after = text(&f.cursor).and_then(|c| match Cursor::parse(&c) {
        Some(cur) if cur.sort == sort => Some(cur),
        Some(_) => {
            problems.push(Problem::error(
                "cursor",
                "cursor_other_sort",
                "翻页位置属于另一种排序，请从第一页开始",
                "The page cursor belongs to another sort; start from the first page",
            ));
            None
        }
        None => {
            problems.push(Problem::error(
                "cursor",
                "invalid_cursor",
                "翻页位置无效，请从第一页开始",
                "Bad page cursor; start from the first page",
            ));
            None
        }
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let limit = f.limit.map_or(DEFAULT_PAGE, u64::from).clamp(1, MAX_PAGE);
    Ok(ListQuery { status, order_type, owner, organisation, corp_id, search, created, updated, sort, after, limit })
}

/// A date range from its two fields: each a day, and `from` not after `to`.
fn span(
    problems: &mut Vec<Problem>,
    (from_field, from): (&str, &Option<String>),
    (to_field, to): (&str, &Option<String>),
    (zh, en): (&str, &str),
) -> Span {
    let mut day = |field: &str, v: &Option<String>, end_zh: &str, end_en: &str| -> Option<NaiveDate> {
        let t = v.as_deref().map(str::trim).filter(|t| !t.is_empty())?;
        let d = parse_date(t);
        if d.is_none() {
            problems.push(Problem::error(
                field,
                "invalid_date",
                format!("{zh}（{end_zh}）“{}”不是日期，请按 2026-12-05 填写", clip(t)),
                format!("The {en} ({end_en}) \"{}\" is not a date; write it as 2026-12-05", clip(t)),
            ));
        }
        d
    };
    let (from, to) = (day(from_field, from, "起", "from"), day(to_field, to, "止", "to"));
    if let (Some(a), Some(b)) = (from, to)
        && a > b
    {
        problems.push(Problem::error(
            to_field,
            "range_reversed",
            format!("{zh}的开始日期 {a} 晚于结束日期 {b}"),
            format!("The {en} range starts on {a}, after it ends on {b}"),
        ));
    }
    Span {
        from: from.and_then(china_day_start),
        before: to.and_then(|d| d.checked_add_days(Days::new(1))).and_then(china_day_start),
    }
}

/// At most 40 characters of what was typed, for a message.
fn clip(t: &str) -> String {
    let mut s: String = t.chars().take(40).collect();
    if t.chars().count() > 40 {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn filter(pairs: &[(&str, &str)]) -> ContractFilter {
        ContractFilter::from_query(|k| pairs.iter().find(|(key, _)| *key == k).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn the_query_string_round_trips_and_blank_values_are_no_filter() {
        let f = filter(&[("q", " 星河 "), ("status", ""), ("owner", "7"), ("sort", "total_asc"), ("x", "1")]);
        assert_eq!(f.search.as_deref(), Some("星河"));
        assert_eq!(f.status, None);
        assert_eq!(f.query_pairs(), [("q", "星河".into()), ("owner", "7".into()), ("sort", "total_asc".into())]);
        assert!(f.narrows());
        assert!(!filter(&[("sort", "total_asc")]).narrows());
        let back = filter(&f.query_pairs().iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>());
        assert_eq!(back, f);
    }

    #[test]
    fn ids_come_as_json_numbers_or_as_text() {
        let f: ContractFilter = serde_json::from_str(r#"{"owner": 7, "organisation": "3"}"#).unwrap();
        assert_eq!((f.owner.as_deref(), f.organisation.as_deref()), (Some("7"), Some("3")));
    }

    #[test]
    fn days_are_beijing_days_from_midnight_through_the_end_of_to() {
        let q = parse(&filter(&[("created_from", "2026-12-05"), ("created_to", "2026/12/6")]), false).unwrap();
        assert_eq!(q.created.from, Some(at("2026-12-04T16:00:00Z")));
        assert_eq!(q.created.before, Some(at("2026-12-06T16:00:00Z")));
        assert_eq!(q.updated, Span::default());
        assert_eq!(q.sort, Sort::default());
        assert_eq!(q.limit, DEFAULT_PAGE);
    }

    #[test]
    fn bad_input_names_each_problem() {
        let f = filter(&[
            ("status", "nope"),
            ("order_type", "gift"),
            ("owner", "abc"),
            ("updated_from", "2026-12-31"),
            ("updated_to", "2026-12-01"),
            ("created_from", "yesterday"),
            ("sort", "price"),
        ]);
        let fields: Vec<String> = parse(&f, true).unwrap_err().into_iter().map(|p| p.field).collect();
        assert_eq!(fields, ["status", "order_type", "owner", "created_from", "updated_to", "sort"]);
        let reversed = parse(&filter(&[("updated_from", "2026-12-31"), ("updated_to", "2026-12-01")]), true);
        assert_eq!(reversed.unwrap_err()[0].zh, "更新日期的开始日期 2026-12-31 晚于结束日期 2026-12-01");
    }

    #[test]
    fn only_an_admin_filters_by_organisation() {
        let f = filter(&[("organisation", "2")]);
        assert_eq!(parse(&f, true).unwrap().organisation, Some(2));
        assert_eq!(parse(&f, false).unwrap_err()[0].code, "organisation_admin_only");
    }

    #[test]
    fn a_cursor_holds_its_sort_key_and_id_and_belongs_to_its_sort() {
        let row = RowKeys {
            id: 42,
            updated_at: at("2026-12-05T01:02:03.456789Z"),
            created_at: at("2026-12-01T00:00:00Z"),
            total_fen: None,
            document_number: Some("QYWXHT-953"),
        };
        for sort in Sort::ALL {
            let c = Cursor::after(sort, &row);
            assert_eq!(Cursor::parse(&c.encode()), Some(c), "{}", sort.code());
            assert_eq!(Sort::from_code(sort.code()), Some(sort));
        }
        let total = Sort { key: SortKey::Total, descending: false };
        assert_eq!(Cursor::after(total, &row).encode(), "total_asc~-1~42");
        let number = Sort { key: SortKey::Number, descending: true };
        assert_eq!(Cursor::after(number, &row).value, SortValue::Int(953));
        for bad in ["", "nonsense", "total_asc~1", "total_asc~x~1", "price~1~1", "total_asc~1~2~3"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
        let other = filter(&[("sort", "created_asc"), ("cursor", "total_asc~5~1")]);
        assert_eq!(parse(&other, false).unwrap_err()[0].code, "cursor_other_sort");
        let fine = filter(&[("sort", "total_asc"), ("cursor", "total_asc~5~1")]);
        assert_eq!(parse(&fine, false).unwrap().after.map(|c| c.id), Some(1));
    }
}
