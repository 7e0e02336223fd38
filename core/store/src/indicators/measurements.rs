//! Recording a value: optimistic concurrency, the audit trail, and the result it gives.
use chrono::{DateTime, Utc};
use pmf_core::Period;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::{
    Database, OrganisationSettings, StoreError, UnitOfWork, audit,
    entity::{indicator, measurement},
    results::{PeriodEvaluation, evaluate_many},
};

/// What an officer submits for one indicator and period.
#[derive(Debug, Clone)]
pub struct MeasurementChange {
    pub value: Option<f64>,
    pub commentary: Option<String>,
    pub no_value_reason: Option<String>,
    /// The version the writer last saw (0 = "I saw nothing recorded yet").
    pub expected_version: Option<i32>,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("stale version: the measurement is at version {current}")]
    Conflict { current: i32 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for RecordError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::Store(e.into())
    }
}

/// The result before and after a recorded change, for alerts.
pub struct Recorded {
    pub before: PeriodEvaluation,
    pub after: PeriodEvaluation,
}

/// Writes the value in one transaction with its audit entry, refusing a stale
/// `expected_version`. Two writers of the same version never both succeed: the update is
/// conditional on the version, and the insert on the (indicator, period) unique key.
pub async fn record(
    db: &Database,
    org: &OrganisationSettings,
    row: &indicator::Model,
    period: Period,
    change: MeasurementChange,
    actor_id: i64,
    now: DateTime<Utc>,
) -> Result<PeriodEvaluation, RecordError> {
    let txn = UnitOfWork::begin(db, org.id).await?;
    let recorded = record_in(&txn, org, row, period, change, actor_id, now).await?;
    txn.commit().await?;
    Ok(recorded.after)
}

/// `record` inside a caller's unit of work (or transaction that moves the council's data
/// version on).
pub async fn record_in<C: ConnectionTrait>(
    txn: &C,
    org: &OrganisationSettings,
    row: &indicator::Model,
    period: Period,
    change: MeasurementChange,
    actor_id: i64,
    now: DateTime<Utc>,
) -> Result<Recorded, RecordError> {
    let key = period.to_string();
    let find = || {
        measurement::Entity::find()
            .filter(measurement::Column::OrganisationId.eq(org.id))
            .filter(measurement::Column::IndicatorId.eq(row.id))
            .filter(measurement::Column::Period.eq(key.clone()))
    };
    // Lock the row first (PostgreSQL): a concurrent writer waits here, then sees our version.
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        measurement::Entity::update_many()
            .col_expr(
                measurement::Column::Version,
                Expr::col(measurement::Column::Version),
            )
            .filter(measurement::Column::OrganisationId.eq(org.id))
            .filter(measurement::Column::IndicatorId.eq(row.id))
            .filter(measurement::Column::Period.eq(key.clone()))
            .exec(txn)
            .await?;
    }
    let existing = find().one(txn).await?;
    let current = existing.as_ref().map_or(0, |m| m.version);
    if let Some(expected) = change.expected_version
        && expected != current
    {
        return Err(RecordError::Conflict { current });
    }
    let before = evaluate_many(txn, org, &[(row, period)]).await?.remove(0);
    let fy = org.fy_start;
    let after_row = match &existing {
        Some(m) => {
            let updated = measurement::Entity::update_many()
                .col_expr(measurement::Column::Value, Expr::value(change.value))
                .col_expr(
                    measurement::Column::Commentary,
                    Expr::value(change.commentary.clone()),
                )
                .col_expr(
                    measurement::Column::NoValueReason,
                    Expr::value(change.no_value_reason.clone()),
                )
                .col_expr(measurement::Column::EnteredBy, Expr::value(Some(actor_id)))
                .col_expr(measurement::Column::EnteredAt, Expr::value(now))
                .col_expr(measurement::Column::Version, Expr::value(m.version + 1))
                .filter(measurement::Column::Id.eq(m.id))
                .filter(measurement::Column::Version.eq(m.version))
                .exec(txn)
                .await?;
            if updated.rows_affected != 1 {
                let now_at = find().one(txn).await?.map_or(0, |m| m.version);
                return Err(RecordError::Conflict { current: now_at });
            }
            find()
                .one(txn)
                .await?
                .ok_or(RecordError::Conflict { current: 0 })?
        }
        None => measurement::ActiveModel {
            organisation_id: Set(org.id),
            indicator_id: Set(row.id),
            period: Set(key.clone()),
            period_end: Set(period.end_date(fy)),
            value: Set(change.value),
            no_value_reason: Set(change.no_value_reason.clone()),
            commentary: Set(change.commentary.clone()),
            entered_by: Set(Some(actor_id)),
            entered_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(txn)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
                RecordError::Conflict { current: 1 }
            }
            _ => RecordError::from(e),
        })?,
    };
    audit::record(
        txn,
        audit::Change {
            organisation_id: org.id,
            actor_id: Some(actor_id),
            at: now,
            entity: "measurement",
            entity_id: Some(after_row.id),
            operation: if existing.is_some() {
                "update"
            } else {
                "create"
            },
            before: existing.as_ref(),
            after: Some(&after_row),
        },
    )
    .await?;
    let after = evaluate_many(txn, org, &[(row, period)]).await?.remove(0);
    // Exception alerts go to the outbox in this same transaction (SPEC §4.8).
    crate::alerts::on_measurement(txn, org, row, &before, &after, now).await?;
    Ok(Recorded { before, after })
}
