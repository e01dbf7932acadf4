//! Reading contracts: the detail DTO of one, and the list (the policy's visibility as SQL plus the
//! filters of a `ListQuery`, in its sort, one keyset page at a time, and its totals). Queries only;
//! the services decide who may read what.

use super::audit;
use super::contracts::{Loaded, SUBJECT, draft_of, status_of};
use super::entities::{approver_reach, approver_tally, attachment, contract, contract_tally, organisation, user};
use super::{attachments as db_att, flows};
use crate::domain::attachment::AttachmentKind;
use crate::domain::contract::DocumentNumber;
use crate::domain::contract::list::{Cursor, ListQuery, RowKeys, SortKey, SortValue, Span, UNNUMBERED, UNPRICED};
use crate::domain::money::Money;
use crate::domain::policy::Visibility;
use crate::domain::quote::OrderType;
use crate::models::{ApproverDto, AttachmentDto, ContractDto, ContractSummary, LinePriceDto, PersonDto};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, JoinType, QueryFilter, QueryOrder,
    QuerySelect, RelationTrait, Select,
};
use std::collections::HashMap;

/// What a caller already read in the same request, so that [`detail`] need not read it again.
/// Each part is used only when it is about this contract (its organisation, its flow); `None` is
/// read here.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// The contract's attachments, oldest first (`attachments::of_contract`), read after its last
    /// change: an upload or removal changes the contract's version.
    pub attachments: Option<Vec<attachment::Model>>,
    /// An organisation's id and name (the signed-in user's own).
    pub organisation: Option<(i64, String)>,
    /// A flow's id and its levels' names by level number.
    pub level_names: Option<(i64, Vec<(u32, String)>)>,
    /// People's names by user id (the actor, the flow's candidates): the approvers and the owner
    /// found here are not looked up again.
    pub people: HashMap<i64, PersonDto>,
}

/// The detail DTO of a loaded contract, with `allowed` empty (what the caller may do is the
/// policy's answer: the service fills it in).
pub async fn detail<C: ConnectionTrait>(db: &C, l: &Loaded, known: Known) -> Result<ContractDto, DbErr> {
    let r = &l.row;
    let source_document = match r.source_contract_id {
        Some(sid) => contract::Entity::find_by_id(sid).one(db).await?.and_then(|s| s.document_number),
        None => None,
    };
    // The timeline's statement names its actors; the approvers and the owner the caller did not
    // already know are named by one look-up (none for a save by its owner: the actor and the
    // flow's candidates are known).
    let (events, mut names) = audit::timeline_events_named(db, SUBJECT, r.id).await?;
    names.extend(known.people);
    let unnamed: Vec<i64> =
        l.approvers.iter().map(|(_, u)| *u).chain([r.owner_user_id]).filter(|id| !names.contains_key(id)).collect();
    if !unnamed.is_empty() {
        names.extend(audit::people(db, unnamed).await?);
    }
    let person = |id: i64| names.get(&id).cloned().unwrap_or(PersonDto { id, display_name: String::new() });
    // The names kept at submission; a draft (or a row from before they were kept) shows the flow's.
    let level_names = match r.flow_id {
        _ if !l.kept_level_names.is_empty() => l.kept_level_names.clone(),
        Some(f) => match known.level_names {
            Some((id, names)) if id == f => names,
            _ => flows::level_names(db, f).await?,
        },
        None => Vec::new(),
    };
    let steps: Vec<_> = l.steps.iter().filter(|s| s.round == r.approval_round).collect();
    let approvers = l
        .approvers
        .iter()
        .map(|(level, u)| ApproverDto {
            level: *level,
            level_name: level_names.iter().find(|(n, _)| n == level).map(|(_, s)| s.clone()).unwrap_or_default(),
            approver: person(*u),
            decision: steps.iter().find(|s| u32::try_from(s.level).ok() == Some(*level)).map(|s| s.decision.clone()),
        })
        .collect();
    let organisation_name = match known.organisation {
        Some((id, name)) if id == r.organisation_id => name,
        _ => organisation::Entity::find_by_id(r.organisation_id).one(db).await?.map(|o| o.name).unwrap_or_default(),
    };
    let attachments = match known.attachments {
        Some(a) => a,
        None => db_att::of_contract(db, r.id).await?,
    };
    let priced = l.lines.iter().all(|x| x.amount_fen.is_some()) && !l.lines.is_empty();
    Ok(ContractDto {
        id: r.id,
        document_number: r.document_number.clone(),
        organisation: PersonDto { id: r.organisation_id, display_name: organisation_name },
        owner: person(r.owner_user_id),
        status: l.status(),
        version: r.version,
        draft: draft_of(l, source_document),
        line_prices: l
            .lines
            .iter()
            .map(|x| match (priced, x.amount_fen, x.tax_fen, x.total_fen) {
                (true, Some(a), Some(t), Some(s)) => Some(LinePriceDto {
                    amount: Money::from_fen(a),
                    tax: Money::from_fen(t),
                    total: Money::from_fen(s),
                    months: x.months.and_then(|m| u32::try_from(m).ok()),
                }),
                _ => None,
            })
            .collect(),
        subtotal: r.subtotal_fen.map(Money::from_fen),
        tax: r.tax_fen.map(Money::from_fen),
        total: r.total_fen.map(Money::from_fen),
        price_book_version: r.price_book_version.clone(),
        approvers,
        timeline: audit::entries_named(&events, &names),
        attachments: attachments
            .into_iter()
            .filter_map(|a| {
                Some(AttachmentDto {
                    id: a.id,
                    kind: AttachmentKind::from_code(&a.kind)?,
                    file_name: a.file_name,
                    content_type: a.content_type,
                    size: a.size,
                    uploaded_at: a.created_at,
                    via_payment_link: a.via_payment_link.is_some(),
                })
            })
            .collect(),
        wecom_order_id: r.wecom_order_id.clone(),
        activation_date: r.activation_date,
        created_at: r.created_at,
        updated_at: r.updated_at,
        submitted_at: r.submitted_at,
        allowed: Vec::new(),
        sheet: None,
    })
}

/// A keyset cursor: the last row's time (microseconds) and id, `1733390000000000_42`.
pub fn cursor_of(at: DateTime<Utc>, id: i64) -> String {
    format!("{}_{}", at.timestamp_micros(), id)
}

/// Reads a [`cursor_of`]; `None` when it is not one.
pub fn parse_cursor(s: &str) -> Option<(DateTime<Utc>, i64)> {
    let (t, id) = s.split_once('_')?;
    Some((DateTime::from_timestamp_micros(t.parse().ok()?)?, id.parse().ok()?))
}

/// The policy's [`Visibility`] as a condition on `contracts`: the same rule as
/// `Visibility::admits`, for every row at once.
pub fn visible(v: Visibility) -> Condition {
    match v {
        Visibility::Nothing => Condition::all().add(Expr::val(1).eq(0)),
        Visibility::Everything => Condition::all(),
        Visibility::Organisation(org) => Condition::all().add(contract::Column::OrganisationId.eq(org)),
        Visibility::AssignedOnceReached(user) => {
            // `ContractFacts::reached`: a level of this user's that the contract is at, or has
            // been at (approved past it, or someone decided at it or later, in any round). The
            // triggers of migration `m20261210_000021` keep that as one `approver_reach` row per
            // contract and approver who sees it, so each contract costs one primary-key probe.
            // (Probing its approvers and its decisions instead took 0.4 s for an approver's
            // month of contracts at 1,000,000; an `id IN (…)` over the approver's assignments
            // had taken minutes at 20,000.)
            let reach = Alias::new("approver_reach");
            Condition::all().add(Expr::exists(
                Query::select()
                    .expr(Expr::val(1))
                    .from(reach.clone())
                    .and_where(
                        Expr::col((reach.clone(), Alias::new("contract_id")))
                            .eq(Expr::col((contract::Entity, contract::Column::Id))),
                    )
                    .and_where(Expr::col((reach, Alias::new("approver_user_id"))).eq(user))
                    .to_owned(),
            ))
        }
    }
}

/// `text` as one FTS5 phrase, its double quotes doubled.
fn fts_phrase(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// How many contracts a search counts before it says "more than" (`ContractPage::capped`): a
/// text most contracts hold ('有限公司' is in three of four) would otherwise read every one of
/// them for the count and the sum (0.2–2.6 s at 1,000,000 contracts, BENCHMARKS.md).
pub const SEARCH_COUNT_BOUND: u64 = 1_000;

/// Whether a search of `text` should be looked up in an index rather than matched row by row
/// (see [`search`]):
/// - a text of two characters only the names can hold ([`name_gram`]): in `contract_grams`, on
///   both databases. The count always is; the page only when the count is below
///   [`SEARCH_COUNT_BOUND`] ([`Totals::hint`]): a text more contracts hold is found sooner by
///   walking the page's sort.
/// - on SQLite, a text of three characters or more held by at most [`SEARCH_COUNT_BOUND`]
///   contracts (counted in the trigram index up to one more): in the trigram index. A text held by
///   more is matched row by row: the page's first rows hold it, where the index lookup would list
///   every contract holding it first.
async fn indexed_search<C: ConnectionTrait>(db: &C, text: &str) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    if name_gram(backend, text).is_some() {
        return Ok(true);
    }
    if backend != DbBackend::Sqlite || text.chars().count() < 3 {
        return Ok(false);
    }
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "SELECT COUNT(*) AS n FROM (SELECT rowid FROM contracts_search WHERE contracts_search MATCH ? LIMIT ?)",
            [fts_phrase(text).into(), i64::try_from(SEARCH_COUNT_BOUND + 1).unwrap_or(i64::MAX).into()],
        ))
        .await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0) <= SEARCH_COUNT_BOUND)
}

/// What the search's `LIKE`s compare a document number (`QYWXHT-<n>`) with: the text in upper case.
const NUMBER_CHARS: &str = "QYWXHT-0123456789";
/// What they compare a corp ID (`ww` or `wx` and 16 hex digits) with: the text in lower case.
const CORP_ID_CHARS: &str = "wx0123456789abcdef";

/// The gram a search of `text` looks up in `contract_grams` (migration `m20261212_000024`): for a
/// text of two characters that no document number and no corp ID can hold (a character outside
/// theirs, ASCII case ignored as SQLite's `LIKE` does), so that only the names can, as the
/// database's grams spell it (ASCII lower case on SQLite, as typed on PostgreSQL). `None` for any
/// other text: a text of two characters an identifier may hold ('12', 'ab') is in most contracts'
/// numbers or corp IDs, and found soon by walking the page's sort.
fn name_gram(backend: DbBackend, text: &str) -> Option<String> {
    if text.chars().count() != 2 {
        return None;
    }
    let all_in = |t: String, chars: &str| t.chars().all(|c| chars.contains(c));
    if all_in(text.to_uppercase().to_ascii_uppercase(), NUMBER_CHARS)
        || all_in(text.to_lowercase().to_ascii_lowercase(), CORP_ID_CHARS)
    {
        return None;
    }
    Some(if backend == DbBackend::Sqlite { text.to_ascii_lowercase() } else { text.to_owned() })
}

/// The contracts whose names hold `gram` ([`name_gram`]), of organisation `org` when given: one
/// range of `contract_grams`' key.
fn gram_lookup(gram: String, org: Option<i64>) -> Expr {
    let col = |name: &str| Expr::col(Alias::new(name));
    let mut ids = Query::select();
    ids.column(Alias::new("contract_id")).from(Alias::new("contract_grams")).and_where(col("gram").eq(gram));
    if let Some(org) = org {
        ids.and_where(col("organisation_id").eq(org));
    }
    Expr::col((contract::Entity, contract::Column::Id)).in_subquery(ids.to_owned())
}

/// The contracts whose document number, corp ID, end customer or corp name holds `text`. `org`: the
/// one organisation the other conditions admit, if any.
///
/// With `indexed` ([`indexed_search`]) the text is looked up first: a text of two characters only
/// the names can hold in `contract_grams` ([`gram_lookup`]), on SQLite a longer one in the trigram
/// index `contracts_search` (migration `m20261208_000017`): the rows holding it, without reading
/// the others. Otherwise each row is matched (`LIKE`), which for a common text is what a page
/// wants: the first rows of its sort hold it. PostgreSQL's trigram indexes serve the `LIKE`s of a
/// text of three characters or more themselves; a shorter text, which no trigram index can narrow,
/// is matched in the rows the other conditions leave.
fn search(backend: DbBackend, text: &str, indexed: bool, org: Option<i64>) -> Condition {
    let gram = if indexed { name_gram(backend, text) } else { None };
    // The trigram table is SQLite's: on PostgreSQL its trigram indexes serve the `LIKE`s below.
    if indexed && gram.is_none() && backend == DbBackend::Sqlite {
        return Condition::all().add(Expr::cust_with_values(
            "contracts.id IN (SELECT rowid FROM contracts_search WHERE contracts_search MATCH ?)",
            [fts_phrase(text)],
        ));
    }
    // PostgreSQL: a text under three characters holds no trigram, and a trigram index asked for
    // it reads itself whole (0.3 s for a partner's list at 100,000 contracts, where reading the
    // organisation's rows takes milliseconds). `|| ''` keeps the planner off those indexes.
    let short_on_pg = backend == DbBackend::Postgres && text.chars().count() < 3;
    let like = |col: contract::Column, text: &str| {
        if short_on_pg {
            Expr::cust(format!("(contracts.{} || '')", sea_orm::IdenStatic::as_str(&col))).like(super::contains(text))
        } else {
            Expr::col(col).like(super::contains(text))
        }
    };
    let likes = Condition::any()
        .add(like(contract::Column::DocumentNumber, &text.to_uppercase()))
        .add(like(contract::Column::CorpId, &text.to_lowercase()))
        .add(like(contract::Column::EndCustomer, text))
        .add(like(contract::Column::CorpName, text));
    match gram {
        // The grams find the rows; the `LIKE`s still decide, as without them.
        Some(gram) => Condition::all().add(gram_lookup(gram, org)).add(likes),
        None => likes,
    }
}

/// Where a list reads its rows' keys. An approver's list reads them from the approver's
/// `approver_reach` rows (kept by triggers, migration `m20261211_000023`): it walks that
/// approver's rows in its own indexes, by date or document number, where the contracts' indexes
/// would need a probe of `approver_reach` per contract walked (0.2–0.5 s for a month at 1,000,000
/// contracts, BENCHMARKS.md). The reach rows are joined to the contracts only when a filter reads
/// the contracts (the corp ID, the search); otherwise the page takes its ids from them alone
/// ([`PageQuery::Ids`]). Everyone else's list reads the contracts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Source {
    Contracts,
    /// An approver's reach rows (the user id): `approver_reach` joined as `approver_reach`.
    Reach(i64),
}

impl Source {
    fn of(visibility: Visibility) -> Source {
        match visibility {
            Visibility::AssignedOnceReached(user) => Source::Reach(user),
            _ => Source::Contracts,
        }
    }

    /// A key column the reach rows copy from the contract (organisation, owner, status, order
    /// type, dates), read where this source keeps it.
    fn key(self, c: contract::Column) -> Expr {
        let reach = |r: approver_reach::Column| Expr::col((approver_reach::Entity, r));
        match (self, c) {
            (Source::Reach(_), contract::Column::OrganisationId) => reach(approver_reach::Column::OrganisationId),
            (Source::Reach(_), contract::Column::OwnerUserId) => reach(approver_reach::Column::OwnerUserId),
            (Source::Reach(_), contract::Column::Status) => reach(approver_reach::Column::Status),
            (Source::Reach(_), contract::Column::OrderType) => reach(approver_reach::Column::OrderType),
            (Source::Reach(_), contract::Column::CreatedAt) => reach(approver_reach::Column::CreatedAt),
            (Source::Reach(_), contract::Column::UpdatedAt) => reach(approver_reach::Column::UpdatedAt),
            (Source::Reach(_), contract::Column::Id) => reach(approver_reach::Column::ContractId),
            _ => Expr::col((contract::Entity, c)),
        }
    }

    /// The contracts, joined to this source's rows.
    fn contracts(self) -> Select<contract::Entity> {
        match self {
            Source::Contracts => contract::Entity::find(),
            Source::Reach(_) => {
                contract::Entity::find().join(JoinType::InnerJoin, approver_reach::Relation::Contract.def().rev())
            }
        }
    }
}

/// Whether a query's filters read columns only the contracts hold (the corp ID, the texts).
fn reads_contracts(q: &ListQuery) -> bool {
    q.corp_id.is_some() || q.search.is_some()
}

/// The list's filters on top of the policy's visibility (not the page's start), on `source`;
/// `indexed_search`: see [`search`].
fn filters(
    backend: DbBackend,
    visibility: Visibility,
    source: Source,
    q: &ListQuery,
    indexed_search: bool,
) -> Condition {
    let mut cond = match source {
        Source::Reach(user) => {
            Condition::all().add(Expr::col((approver_reach::Entity, approver_reach::Column::ApproverUserId)).eq(user))
        }
        Source::Contracts => visible(visibility),
    };
    let key = |c: contract::Column| source.key(c);
    if let Some(s) = q.status {
        cond = cond.add(key(contract::Column::Status).eq(s));
    }
    if let Some(t) = q.order_type {
        cond = cond.add(key(contract::Column::OrderType).eq(t.code()));
    }
    if let Some(o) = q.owner {
        cond = cond.add(key(contract::Column::OwnerUserId).eq(o));
    }
    if let Some(o) = q.organisation {
        cond = cond.add(key(contract::Column::OrganisationId).eq(o));
    }
    if let Some(c) = &q.corp_id {
        cond = cond.add(contract::Column::CorpId.eq(c.as_str()));
    }
    if let Some(text) = &q.search {
        let org = match visibility {
            Visibility::Organisation(org) => Some(org),
            _ => q.organisation,
        };
        cond = cond.add(search(backend, text, indexed_search, org));
    }
    for (col, span) in [(contract::Column::CreatedAt, q.created), (contract::Column::UpdatedAt, q.updated)] {
        if let Some(from) = span.from {
            cond = cond.add(key(col).gte(from));
        }
        if let Some(before) = span.before {
            cond = cond.add(key(col).lt(before));
        }
    }
    cond
}

/// A sort key as SQL on `source`: a column, or an expression that gives a contract without a
/// total or a document number its place (`list::UNPRICED`, `list::UNNUMBERED`), so every row has a
/// key. (The reach rows keep the number's key as a column, by the same rule.)
fn sort_key_sql(key: SortKey, source: Source) -> String {
    let table = match source {
        Source::Contracts => "contracts",
        Source::Reach(_) => "approver_reach",
    };
    match (key, source) {
        (SortKey::Updated, _) => format!("{table}.updated_at"),
        (SortKey::Created, _) => format!("{table}.created_at"),
        (SortKey::Total, _) => format!("COALESCE(contracts.total_fen, {UNPRICED})"),
        (SortKey::Number, Source::Reach(_)) => "approver_reach.number_key".to_owned(),
        (SortKey::Number, Source::Contracts) => format!(
            "COALESCE(CAST(SUBSTR(contracts.document_number, {}) AS BIGINT), {UNNUMBERED})",
            DocumentNumber::PREFIX.len() + 1
        ),
    }
}

fn sort_key(key: SortKey, source: Source) -> Expr {
    Expr::cust(sort_key_sql(key, source))
}

/// How many rows a date span may admit and still be read whole and sorted for a page in another
/// order (see [`sorts_span`]).
pub const SORTED_SPAN_ROWS: u64 = 50_000;

/// Whether a page is the rows of its date span, sorted, rather than a walk of its sort's index
/// that skips the rows outside the span. A span of one column with the list in another order (a
/// month of creation, newest change first) is where PostgreSQL's planner guesses wrong: it takes
/// the rows in span to lie evenly along the sort and walks the sort's index, where the contracts
/// created a year ago changed a year ago (0.25 s for a partner's month, 0.77 s for approver1's, at
/// 1,000,000 contracts). With the span's row count known (`admitted`, the page's total, counted
/// first) and small, its rows are read from the span's index and sorted.
fn sorts_span(q: &ListQuery, admitted: Option<u64>) -> bool {
    let other_span = (q.created != Span::default() && q.sort.key != SortKey::Created)
        || (q.updated != Span::default() && q.sort.key != SortKey::Updated);
    other_span && admitted.is_some_and(|n| n <= SORTED_SPAN_ROWS)
}

/// The sort key as an expression no index serves, in the same order: the planner then reads the
/// rows the filters admit (a span's index) and sorts them. SQLite's unary `+` is its documented
/// way to keep a term off the indexes; PostgreSQL adds a zero.
fn unindexed_sort_key(backend: DbBackend, key: SortKey, source: Source) -> Expr {
    let sql = sort_key_sql(key, source);
    Expr::cust(match (backend, key) {
        (DbBackend::Sqlite, _) => format!("+{sql}"),
        (_, SortKey::Updated | SortKey::Created) => format!("({sql} + INTERVAL '0 seconds')"),
        _ => format!("({sql} + 0)"),
    })
}

/// The rows after `c` in its sort: a later key, or the same key and a later id.
fn after(c: &Cursor, source: Source) -> Condition {
    let key = sort_key(c.sort.key, source);
    let value = match c.value {
        SortValue::At(t) => Expr::val(t),
        SortValue::Int(n) => Expr::val(n),
    };
    let id = source.key(contract::Column::Id);
    let (beyond, same) = if c.sort.descending {
        (key.clone().lt(value.clone()), id.lt(c.id))
    } else {
        (key.clone().gt(value.clone()), id.gt(c.id))
    };
    Condition::any().add(beyond).add(Condition::all().add(key.eq(value)).add(same))
}

/// The query [`page`] runs for the page's rows and one more (there are more pages when it comes).
pub enum PageQuery {
    /// The rows themselves.
    Rows(Select<contract::Entity>),
    /// An approver's page from their reach rows alone: the contracts' ids in the page's order (the
    /// rows are read by id after). A query that returned the contracts would read the contract of
    /// every reach row a sort has to order (27,000 for a month at 1,000,000), not only the page's.
    Ids(Select<approver_reach::Entity>),
}

impl PageQuery {
    pub fn statement(&self, backend: DbBackend) -> sea_orm::Statement {
        use sea_orm::QueryTrait;
        match self {
            PageQuery::Rows(q) => q.build(backend),
            PageQuery::Ids(q) => q.build(backend),
        }
    }
}

/// What the count of a list request tells the page how to read ([`Totals::hint`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hint {
    /// How many rows the query's filters admit, when known exactly.
    pub admitted: Option<u64>,
    /// Whether the search text is looked up in an index (see [`search`]).
    pub indexed_search: bool,
}

/// The query [`page`] runs.
pub fn page_query(backend: DbBackend, visibility: Visibility, q: &ListQuery, hint: Hint) -> PageQuery {
    // The sort by amount walks the contracts' own expression index (`m20261209_000019`), an
    // approver's rows admitted by a probe of their reach each: most of an approver's contracts are
    // theirs to see, so the walk stops after about a page.
    let source = match (Source::of(visibility), q.sort.key) {
        (Source::Reach(_), SortKey::Total) => Source::Contracts,
        (source, _) => source,
    };
    let mut cond = filters(backend, visibility, source, q, hint.indexed_search);
    if let Some(c) = &q.after {
        cond = cond.add(after(c, source));
    }
    let order = if q.sort.descending { Order::Desc } else { Order::Asc };
    // An indexed search admits at most `SEARCH_COUNT_BOUND` rows: read them and sort them, where
    // walking the sort's index would read every row the other conditions admit to find them.
    let key = if sorts_span(q, hint.admitted) || (q.search.is_some() && hint.indexed_search) {
        unindexed_sort_key(backend, q.sort.key, source)
    } else {
        sort_key(q.sort.key, source)
    };
    let tie = source.key(contract::Column::Id);
    if matches!(source, Source::Reach(_)) && !reads_contracts(q) {
        return PageQuery::Ids(
            approver_reach::Entity::find()
                .select_only()
                .column(approver_reach::Column::ContractId)
                .filter(cond)
                .order_by(key, order.clone())
                .order_by(tie, order)
                .limit(q.limit + 1),
        );
    }
    PageQuery::Rows(
        source.contracts().filter(cond).order_by(key, order.clone()).order_by(tie, order).limit(q.limit + 1),
    )
}

/// One page of the contracts `visibility` admits that the query's filters admit, in its sort,
/// after its cursor; with the cursor after the page's last row when there are more. `hint`: from
/// the query's [`totals`].
pub async fn page<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    q: &ListQuery,
    hint: Hint,
) -> Result<(Vec<ContractSummary>, Option<Cursor>), DbErr> {
    let mut rows = match page_query(db.get_database_backend(), visibility, q, hint) {
        PageQuery::Rows(query) => query.all(db).await?,
        PageQuery::Ids(query) => {
            let ids: Vec<i64> = query.into_tuple().all(db).await?;
            let mut rows =
                contract::Entity::find().filter(contract::Column::Id.is_in(ids.iter().copied())).all(db).await?;
            let place: std::collections::HashMap<i64, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            rows.sort_by_key(|r| place.get(&r.id).copied());
            rows
        }
    };
    let more = rows.len() as u64 > q.limit;
    rows.truncate(usize::try_from(q.limit).unwrap_or(usize::MAX));
    let next = rows.last().filter(|_| more).map(|r| {
        let keys = RowKeys {
            id: r.id,
            updated_at: r.updated_at,
            created_at: r.created_at,
            total_fen: r.total_fen,
            document_number: r.document_number.as_deref(),
        };
        Cursor::after(q.sort, &keys)
    });
    let people = audit::people(db, rows.iter().map(|r| r.owner_user_id)).await?;
    let mut org_ids: Vec<i64> = rows.iter().map(|r| r.organisation_id).collect();
    org_ids.sort_unstable();
    org_ids.dedup();
    let orgs: std::collections::HashMap<i64, String> = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(org_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let person = |id: i64, name: Option<String>| PersonDto { id, display_name: name.unwrap_or_default() };
    let items = rows
        .into_iter()
        .map(|r| ContractSummary {
            status: status_of(&r),
            id: r.id,
            document_number: r.document_number,
            end_customer: r.end_customer,
            corp_id: r.corp_id,
            corp_name: r.corp_name,
            order_type: r.order_type.as_deref().and_then(OrderType::from_code),
            owner: person(r.owner_user_id, people.get(&r.owner_user_id).map(|p| p.display_name.clone())),
            organisation: person(r.organisation_id, orgs.get(&r.organisation_id).cloned()),
            total: r.total_fen.map(Money::from_fen),
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect();
    Ok((items, next))
}

/// How many contracts a list's filters admit (all pages), and the sum of their totals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    /// How many contracts; with `capped`, [`SEARCH_COUNT_BOUND`] (there are more).
    pub count: u64,
    /// Their totals in fen; 0 with `capped` (not known).
    pub sum: i64,
    /// A search held by more than [`SEARCH_COUNT_BOUND`] contracts: counted up to there.
    pub capped: bool,
    indexed_search: bool,
}

impl Totals {
    /// What the page needs to know of the count.
    pub fn hint(&self) -> Hint {
        Hint { admitted: (!self.capped).then_some(self.count), indexed_search: self.indexed_search && !self.capped }
    }
}

/// How many contracts the query's filters admit (all pages) and the sum of their totals in fen.
///
/// From the tallies (kept by triggers) when the visibility and every filter are columns a tally is
/// kept by: `contract_tallies` for everything or one organisation, `approver_tallies` for an
/// approver; a few rows per owner and status, where counting reads every contract admitted (all of
/// them for an admin, nearly all for an approver). Otherwise by counting the contracts; a search
/// up to [`SEARCH_COUNT_BOUND`] only.
pub async fn totals<C: ConnectionTrait>(db: &C, visibility: Visibility, q: &ListQuery) -> Result<Totals, DbErr> {
    let Some(tally) = tally_filter(visibility, q) else {
        let indexed_search = match &q.search {
            Some(text) => indexed_search(db, text).await?,
            None => false,
        };
        return counted_totals(db, visibility, q, indexed_search).await;
    };
    let (n, sum) = tally_sums(db, &tally).await?;
    Ok(Totals { count: u64::try_from(n).unwrap_or(0), sum, ..Totals::default() })
}

/// A tally table that can answer a query, with the query as a condition on it. Both tables name
/// their key columns alike, so the condition names them without a table.
enum Tally {
    /// `contract_tallies`.
    Contracts(Condition),
    /// `approver_tallies`.
    Approver(Condition),
}

impl Tally {
    /// The table's name and the condition on it.
    fn parts(&self) -> (&'static str, &Condition) {
        use sea_orm::EntityName;
        match self {
            Tally::Contracts(cond) => (contract_tally::Entity.table_name(), cond),
            Tally::Approver(cond) => (approver_tally::Entity.table_name(), cond),
        }
    }
}

/// The count and sum of the tally rows `tally` admits.
async fn tally_sums<C: ConnectionTrait>(db: &C, tally: &Tally) -> Result<(i64, i64), DbErr> {
    let (table, cond) = tally.parts();
    let sums = Query::select()
        .expr_as(Expr::cust("CAST(COALESCE(SUM(contracts), 0) AS BIGINT)"), Alias::new("n"))
        .expr_as(Expr::cust("CAST(COALESCE(SUM(total_fen), 0) AS BIGINT)"), Alias::new("sum"))
        .from(Alias::new(table))
        .cond_where(cond.clone())
        .to_owned();
    let row = db.query_one_raw(db.get_database_backend().build(&sums)).await?;
    Ok(match row {
        Some(r) => (r.try_get("", "n")?, r.try_get("", "sum")?),
        None => (0, 0),
    })
}

/// The ids and names of the `column` (owner or organisation) of the tally rows `tally` admits that
/// count a contract, from `N` (`users` or `organisations`) by `name`. One semi-join: an admin's or
/// approver1's 5,482 owners at 1,000,000 contracts were 5,482 bound ids of a second query, and
/// whole user rows.
async fn tally_names<N: EntityTrait, C: ConnectionTrait>(
    db: &C,
    tally: &Tally,
    column: &str,
    (id, name): (N::Column, N::Column),
) -> Result<Vec<PersonDto>, DbErr> {
    let (table, cond) = tally.parts();
    let ids = Query::select()
        .column(Alias::new(column))
        .from(Alias::new(table))
        .cond_where(cond.clone().add(Expr::col(Alias::new("contracts")).gt(0)))
        .to_owned();
    let rows: Vec<(i64, String)> =
        N::find().select_only().column(id).column(name).filter(id.in_subquery(ids)).into_tuple().all(db).await?;
    Ok(rows.into_iter().map(|(id, display_name)| PersonDto { id, display_name }).collect())
}

/// The query as a condition on a tally, when it is one: filters by status, order type, owner and
/// organisation only.
fn tally_filter(visibility: Visibility, q: &ListQuery) -> Option<Tally> {
    let col = |name: &str| Expr::col(Alias::new(name));
    let by_rows =
        q.corp_id.is_some() || q.search.is_some() || q.created != Span::default() || q.updated != Span::default();
    if by_rows {
        return None;
    }
    let mut cond = Condition::all();
    if let Some(s) = q.status {
        cond = cond.add(col("status").eq(s));
    }
    if let Some(t) = q.order_type {
        cond = cond.add(col("order_type").eq(t.code()));
    }
    if let Some(o) = q.owner {
        cond = cond.add(col("owner_user_id").eq(o));
    }
    if let Some(o) = q.organisation {
        cond = cond.add(col("organisation_id").eq(o));
    }
    Some(tally_of(visibility, cond))
}

/// The tally that holds what `visibility` admits, with `cond` narrowed to it: every visibility has
/// one.
fn tally_of(visibility: Visibility, cond: Condition) -> Tally {
    let col = |name: &str| Expr::col(Alias::new(name));
    match visibility {
        Visibility::Nothing => Tally::Contracts(cond.add(Expr::val(1).eq(0))),
        Visibility::Everything => Tally::Contracts(cond),
        Visibility::Organisation(org) => Tally::Contracts(cond.add(col("organisation_id").eq(org))),
        Visibility::AssignedOnceReached(user) => Tally::Approver(cond.add(col("approver_user_id").eq(user))),
    }
}

/// [`totals`] by counting the contracts the query admits; an approver's from their reach rows
/// alone (an index range) unless a filter reads the contracts. A search stops counting after
/// [`SEARCH_COUNT_BOUND`] and one.
async fn counted_totals<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    q: &ListQuery,
    indexed_search: bool,
) -> Result<Totals, DbErr> {
    use sea_orm::QueryTrait;
    let backend = db.get_database_backend();
    let source = Source::of(visibility);
    let cond = filters(backend, visibility, source, q, indexed_search);
    let total = |table: &str| Expr::cust(format!("{table}.total_fen"));
    let mut rows = match source {
        Source::Reach(_) if !reads_contracts(q) => approver_reach::Entity::find()
            .select_only()
            .expr_as(total("approver_reach"), "total_fen")
            .filter(cond)
            .into_query(),
        _ => source.contracts().select_only().expr_as(total("contracts"), "total_fen").filter(cond).into_query(),
    };
    let bound = q.search.as_ref().map(|_| SEARCH_COUNT_BOUND);
    if let Some(bound) = bound {
        rows.limit(bound + 1);
    }
    // PostgreSQL sums BIGINTs as NUMERIC: cast back, the same on both databases.
    let count = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), Alias::new("n"))
        .expr_as(Expr::cust("CAST(COALESCE(SUM(admitted.total_fen), 0) AS BIGINT)"), Alias::new("sum"))
        .from_subquery(rows, Alias::new("admitted"))
        .to_owned();
    let row = db.query_one_raw(backend.build(&count)).await?;
    let (n, sum): (i64, i64) = match row {
        Some(r) => (r.try_get("", "n")?, r.try_get("", "sum")?),
        None => (0, 0),
    };
    let n = u64::try_from(n).unwrap_or(0);
    Ok(match bound {
        Some(bound) if n > bound => Totals { count: bound, sum: 0, capped: true, indexed_search },
        _ => Totals { count: n, sum, capped: false, indexed_search },
    })
}

/// The owners of the contracts `visibility` admits, and with `organisations` their organisations
/// (otherwise none), each by name: what the list's owner and organisation filters offer.
pub async fn owners_and_organisations<C: ConnectionTrait>(
    db: &C,
    visibility: Visibility,
    organisations: bool,
) -> Result<(Vec<PersonDto>, Vec<PersonDto>), DbErr> {
    // The tallies hold one row per owner, status and order type with contracts (per approver for
    // an approver), where the contracts hold one per contract (a million for an admin).
    let tally = tally_of(visibility, Condition::all());
    let mut orgs = Vec::new();
    if organisations {
        let names = (organisation::Column::Id, organisation::Column::Name);
        orgs = tally_names::<organisation::Entity, C>(db, &tally, "organisation_id", names).await?;
    }
    let users = (user::Column::Id, user::Column::DisplayName);
    let mut owners = tally_names::<user::Entity, C>(db, &tally, "owner_user_id", users).await?;
    for list in [&mut owners, &mut orgs] {
        list.sort_by(|a, b| a.display_name.cmp(&b.display_name).then(a.id.cmp(&b.id)));
    }
    Ok((owners, orgs))
}

/// The document number (`None` before submission) and 最终用户 of these contracts, by id.
pub async fn names<C: ConnectionTrait>(
    db: &C,
    ids: Vec<i64>,
) -> Result<std::collections::HashMap<i64, (Option<String>, String)>, DbErr> {
    let rows: Vec<(i64, Option<String>, String)> = contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .column(contract::Column::DocumentNumber)
        .column(contract::Column::EndCustomer)
        .filter(contract::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, number, customer)| (id, (number, customer))).collect())
}

/// The contract with this document number, if any.
pub async fn id_by_number<C: ConnectionTrait>(db: &C, number: &str) -> Result<Option<i64>, DbErr> {
    contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .filter(contract::Column::DocumentNumber.eq(number))
        .into_tuple()
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only a text of two characters that no document number and no corp ID can hold is looked up
    /// in the names' grams, spelt as each database's grams are.
    #[test]
    fn only_two_characters_no_identifier_holds_are_name_grams() {
        for (text, sqlite, postgres) in [
            ("科技", Some("科技"), Some("科技")),
            ("Zq", Some("zq"), Some("Zq")),
            ("a%", Some("a%"), Some("a%")),
            ("é1", Some("é1"), Some("é1")),
            ("有限", Some("有限"), Some("有限")),
        ] {
            assert_eq!(name_gram(DbBackend::Sqlite, text).as_deref(), sqlite, "{text}");
            assert_eq!(name_gram(DbBackend::Postgres, text).as_deref(), postgres, "{text}");
        }
        // A document number (QYWXHT-<n>) or corp ID (ww/wx + 16 hex digits) may hold these, or
        // they are not two characters.
        for text in ["12", "ab", "AB", "qy", "QY", "t-", "-1", "w0", "WX", "fF", "科", "科技园", ""] {
            assert_eq!(name_gram(DbBackend::Sqlite, text), None, "{text}");
            assert_eq!(name_gram(DbBackend::Postgres, text), None, "{text}");
        }
    }
}
