//! The audit trail (who, when, what, comment) and the timeline built from it.

use super::entities::{audit_event, user};
use crate::models::{PersonDto, TimelineEntry, TimelineFile};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The particulars stored as the event's `detail` (JSON).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Detail {
    pub comment: String,
    pub level: Option<u32>,
    /// Status code before and after the change.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The action of an upload's event; its detail is an [`UploadDetail`].
pub const UPLOAD: &str = "attachment.upload";

/// The action of a removal's event (移除); its detail has the same `kind` and `file_name`.
pub const REMOVE_ATTACHMENT: &str = "attachment.removed";

/// What an upload's event stores besides the common [`Detail`] (size, hash and the userid count
/// are there too; the timeline needs these).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct UploadDetail {
    kind: String,
    file_name: String,
    /// The payment link's id when a customer sent it through one.
    via_payment_link: Option<i64>,
}

/// Records an event about a record (`subject_type`, `subject_id`); `detail` is stored as JSON
/// (a [`Detail`], or any other shape such as an upload's file facts).
pub async fn record<C: ConnectionTrait, D: Serialize>(
    db: &C,
    at: DateTime<Utc>,
    actor: Option<i64>,
    action: &str,
    subject_type: &str,
    subject_id: i64,
    detail: &D,
) -> Result<(), DbErr> {
    audit_event::ActiveModel {
        at: Set(at),
        actor_user_id: Set(actor),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(Some(subject_id)),
        detail: Set(serde_json::to_string(detail).map_err(|e| DbErr::Custom(e.to_string()))?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The events of one record, oldest first, with the actors' names (one statement).
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    subject_type: &str,
    subject_id: i64,
) -> Result<Vec<TimelineEntry>, DbErr> {
    let (events, names) = timeline_events_named(db, subject_type, subject_id).await?;
    Ok(entries_named(&events, &names))
}

/// A subject's audit events, oldest first, with the names of the people who acted, in one
/// statement (their users joined): what [`entries_named`] needs for these events, without a
/// [`people`] look-up (a caller naming others too adds only those).
pub async fn timeline_events_named<C: ConnectionTrait>(
    db: &C,
    subject_type: &str,
    subject_id: i64,
) -> Result<(Vec<audit_event::Model>, HashMap<i64, PersonDto>), DbErr> {
    use sea_orm::{FromQueryResult, JoinType};
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        at: DateTime<Utc>,
        actor_user_id: Option<i64>,
        action: String,
        subject_type: String,
        subject_id: Option<i64>,
        detail: String,
        actor_name: Option<String>,
    }
    // The entity declares no relations: the join to the actor is written here.
    let actor = sea_orm::RelationDef::from(
        audit_event::Entity::belongs_to(user::Entity).from(audit_event::Column::ActorUserId).to(user::Column::Id),
    );
    let rows = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectType.eq(subject_type))
        .filter(audit_event::Column::SubjectId.eq(subject_id))
        .join(JoinType::LeftJoin, actor)
        .column_as(user::Column::DisplayName, "actor_name")
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .into_model::<Row>()
        .all(db)
        .await?;
    let mut names = HashMap::new();
    let events = rows
        .into_iter()
        .map(|r| {
            if let (Some(id), Some(display_name)) = (r.actor_user_id, r.actor_name) {
                names.insert(id, PersonDto { id, display_name });
            }
            audit_event::Model {
                id: r.id,
                at: r.at,
                actor_user_id: r.actor_user_id,
                action: r.action,
                subject_type: r.subject_type,
                subject_id: r.subject_id,
                detail: r.detail,
            }
        })
        .collect();
    Ok((events, names))
}

/// The people who acted in `events` (the ids [`people`] takes to name them).
pub fn actors(events: &[audit_event::Model]) -> impl Iterator<Item = i64> + '_ {
    events.iter().filter_map(|e| e.actor_user_id)
}

/// Events as the timeline shows them, in the same order, with the actors' names.
pub async fn entries<C: ConnectionTrait>(db: &C, events: &[audit_event::Model]) -> Result<Vec<TimelineEntry>, DbErr> {
    Ok(entries_named(events, &people(db, actors(events)).await?))
}

/// [`entries`] with the actors' names already looked up (`names` holds at least theirs).
pub fn entries_named(events: &[audit_event::Model], names: &HashMap<i64, PersonDto>) -> Vec<TimelineEntry> {
    events
        .iter()
        .map(|e| {
            // A detail that is not ours (older or hand-written) still shows, as its comment.
            let d: Detail = serde_json::from_str(&e.detail)
                .unwrap_or_else(|_| Detail { comment: e.detail.clone(), ..Detail::default() });
            let file = (e.action == UPLOAD || e.action == REMOVE_ATTACHMENT)
                .then(|| serde_json::from_str::<UploadDetail>(&e.detail).ok())
                .flatten();
            TimelineEntry {
                at: e.at,
                actor: e.actor_user_id.and_then(|id| names.get(&id).cloned()),
                action: e.action.clone(),
                comment: d.comment,
                level: d.level,
                file: file.map(|f| TimelineFile {
                    kind: f.kind,
                    file_name: f.file_name,
                    via_payment_link: f.via_payment_link.is_some(),
                    removed: e.action == REMOVE_ATTACHMENT,
                }),
            }
        })
        .collect()
}

/// What the admin's audit search filters on, already read: the actors (user ids), the
/// contracts, and a time range `[from, until)`. `None` is "any".
#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub actors: Option<Vec<i64>>,
    pub contracts: Option<Vec<i64>>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset: events strictly older than this (time, id).
    pub before: Option<(DateTime<Utc>, i64)>,
    pub limit: u64,
}

/// The audit events matching `q`, newest first.
pub async fn search<C: ConnectionTrait>(db: &C, q: &AuditQuery) -> Result<Vec<audit_event::Model>, DbErr> {
    use audit_event::Column;
    let mut find = audit_event::Entity::find();
    if let Some(actors) = &q.actors {
        find = find.filter(Column::ActorUserId.is_in(actors.clone()));
    }
    if let Some(contracts) = &q.contracts {
        find = find.filter(Column::SubjectType.eq("contract")).filter(Column::SubjectId.is_in(contracts.clone()));
    }
    if let Some(from) = q.from {
        find = find.filter(Column::At.gte(from));
    }
    if let Some(until) = q.until {
        find = find.filter(Column::At.lt(until));
    }
    if let Some((at, id)) = q.before {
        find = find.filter(
            sea_orm::Condition::any()
                .add(Column::At.lt(at))
                .add(sea_orm::Condition::all().add(Column::At.eq(at)).add(Column::Id.lt(id))),
        );
    }
    find.order_by_desc(Column::At).order_by_desc(Column::Id).limit(q.limit).all(db).await
}

/// Users whose username (case ignored) or display name contains `text`, by id.
pub async fn users_matching<C: ConnectionTrait>(db: &C, text: &str) -> Result<Vec<i64>, DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait};
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(
            sea_orm::Condition::any()
                .add(Expr::col(user::Column::Username).like(super::contains(&text.to_lowercase())))
                .add(Expr::col(user::Column::DisplayName).like(super::contains(text))),
        )
        .into_tuple()
        .all(db)
        .await
}

/// Display names of users by id.
pub async fn people<C: ConnectionTrait>(
    db: &C,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, PersonDto>, DbErr> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, PersonDto { id: u.id, display_name: u.display_name }))
        .collect())
}
