//! The audit trail: who changed what, when, before and after — written in the same
//! transaction as the change.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
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
