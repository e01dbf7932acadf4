//! The audit trail (who, when, what, comment) and the timeline built from it.

use super::entities::{audit_event, user};
use crate::models::{PersonDto, TimelineEntry};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
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

/// The events of one record, oldest first, with the actors' names.
pub async fn timeline<C: ConnectionTrait>(
    db: &C,
    subject_type: &str,
    subject_id: i64,
) -> Result<Vec<TimelineEntry>, DbErr> {
    let events = audit_event::Entity::find()
        .filter(audit_event::Column::SubjectType.eq(subject_type))
        .filter(audit_event::Column::SubjectId.eq(subject_id))
        .order_by_asc(audit_event::Column::At)
        .order_by_asc(audit_event::Column::Id)
        .all(db)
        .await?;
    let names = people(db, events.iter().filter_map(|e| e.actor_user_id)).await?;
    Ok(events
        .into_iter()
        .map(|e| {
            // A detail that is not ours (older or hand-written) still shows, as its comment.
            let d: Detail = serde_json::from_str(&e.detail)
                .unwrap_or_else(|_| Detail { comment: e.detail.clone(), ..Detail::default() });
            TimelineEntry {
                at: e.at,
                actor: e.actor_user_id.and_then(|id| names.get(&id).cloned()),
                action: e.action,
                comment: d.comment,
                level: d.level,
            }
        })
        .collect())
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
