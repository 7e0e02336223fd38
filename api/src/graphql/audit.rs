//! The audit trail.
use async_graphql::{Context, ID, Object, SimpleObject};
use pmf_store::audit::{self, AuditQuery};

use super::{
    authorise::{SENIOR, require_role},
    context::{request, scope},
    cost, input,
    scalars::DateTime,
};
use crate::error::{GqlResult, gql};

/// One change in the audit trail.
#[derive(SimpleObject)]
pub struct AuditEntry {
    pub id: ID,
    pub at: DateTime,
    pub actor_id: Option<ID>,
    pub entity: String,
    pub entity_id: Option<ID>,
    pub operation: String,
    /// JSON of the record before the change (null for a creation).
    pub before: Option<String>,
    /// JSON of the record after the change.
    pub after: Option<String>,
}

impl From<pmf_store::entity::audit_entry::Model> for AuditEntry {
    fn from(r: pmf_store::entity::audit_entry::Model) -> Self {
        Self {
            id: r.id.into(),
            at: DateTime(r.at),
            actor_id: r.actor_id.map(Into::into),
            entity: r.entity,
            entity_id: r.entity_id.map(Into::into),
            operation: r.operation,
            before: r.before,
            after: r.after,
        }
    }
}

#[derive(Default)]
pub struct AuditQueries;

#[Object]
impl AuditQueries {
    /// The audit trail, newest first (ADMIN, EXECUTIVE): optionally one entity kind
    /// ("indicator", "measurement", "target", …) and a time window.
    #[graphql(complexity = "cost::list(usize::try_from(first).unwrap_or(0), child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        entity: Option<String>,
        entity_id: Option<ID>,
        from: Option<DateTime>,
        to: Option<DateTime>,
        #[graphql(default = 100)] first: i32,
    ) -> GqlResult<Vec<AuditEntry>> {
        require_role(ctx, SENIOR, "read the audit trail")?;
        let org = scope(ctx)?.org.id;
        if !(1..=1000).contains(&first) {
            return Err(gql::bad_input("first must be between 1 and 1000"));
        }
        let query = AuditQuery {
            entity: entity
                .as_deref()
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string),
            entity_id: input::optional_id(entity_id.as_ref(), "entity")?,
            from: from.map(|f| f.0),
            to: to.map(|t| t.0),
            limit: first as u64,
        };
        let rows = audit::entries(&request(ctx).db.conn, org, query).await?;
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}
