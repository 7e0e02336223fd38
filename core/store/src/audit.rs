//! The audit trail: who changed what, when, before and after — written in the same
//! transaction as the change.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;

use crate::{StoreError, entity::audit_entry};

/// One change to record.
pub struct Change<'a, B: Serialize, A: Serialize> {
    pub organisation_id: i64,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
    /// The entity's table-like name: "indicator", "measurement", "target", …
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    /// "create", "update", "retire", …
    pub operation: &'a str,
    pub before: Option<&'a B>,
    pub after: Option<&'a A>,
}

fn to_json<T: Serialize>(value: Option<&T>) -> Result<Option<String>, StoreError> {
    value
        .map(|v| serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}

pub async fn record<C, B, A>(db: &C, change: Change<'_, B, A>) -> Result<(), StoreError>
where
    C: ConnectionTrait,
    B: Serialize,
    A: Serialize,
{
    audit_entry::ActiveModel {
        organisation_id: Set(change.organisation_id),
        actor_id: Set(change.actor_id),
        at: Set(change.at),
        entity: Set(change.entity.to_string()),
        entity_id: Set(change.entity_id),
        operation: Set(change.operation.to_string()),
        before: Set(to_json(change.before)?),
        after: Set(to_json(change.after)?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Which entries of the trail to read.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// One entity kind ("indicator", "measurement", "target", …).
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// At most this many, newest first.
    pub limit: u64,
}

/// The council's audit trail, newest first.
pub async fn entries<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    query: AuditQuery,
) -> Result<Vec<audit_entry::Model>, StoreError> {
    let mut q = crate::scoped::rows::<audit_entry::Entity>(organisation_id);
    if let Some(e) = query.entity {
        q = q.filter(audit_entry::Column::Entity.eq(e));
    }
    if let Some(id) = query.entity_id {
        q = q.filter(audit_entry::Column::EntityId.eq(id));
    }
    if let Some(f) = query.from {
        q = q.filter(audit_entry::Column::At.gte(f));
    }
    if let Some(t) = query.to {
        q = q.filter(audit_entry::Column::At.lte(t));
    }
    Ok(q.order_by_desc(audit_entry::Column::At)
        .order_by_desc(audit_entry::Column::Id)
        .limit(query.limit)
        .all(db)
        .await?)
}
