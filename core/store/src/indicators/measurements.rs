//! Recording a value: optimistic concurrency, the audit trail, and the result it gives.
use pmf_core::{Lifecycle, Period};
use pmf_mail::Links;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use crate::{
    OrganisationSettings, StoreError, Stored, UnitOfWork,
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

/// The result before and after a recorded change, for alerts.
pub struct Recorded {
    pub before: PeriodEvaluation,
    pub after: PeriodEvaluation,
}

fn conflict(current: i32) -> StoreError {
    StoreError::stale("value", Some(current))
}

/// Writes the value with its audit entry in the unit of work, refusing a retired indicator,
/// a period it cannot hold or that has not started, and a stale `expected_version` (a
/// CONFLICT naming the current one). Two writers of the same version never both succeed:
/// the update is conditional on the version, and the insert on the (indicator, period)
/// unique key. Exception alerts the change raises go to the outbox in the same unit.
pub async fn record(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    links: &Links,
    row: &indicator::Model,
    period: Period,
    change: MeasurementChange,
) -> Result<Recorded, StoreError> {
    if *row.lifecycle == Lifecycle::Retired {
        return Err(StoreError::invalid(format!("{} is retired", row.reference)));
    }
    super::check_period(uow, org, row, &period).await?;
    let now = uow.now();
    let today = now.with_timezone(&org.time_zone).date_naive();
    if period.start_date(org.fy_start) > today {
        return Err(StoreError::invalid(format!("{period} has not started yet")));
    }
    let key = Stored(period);
    let find = || {
        measurement::Entity::find()
            .filter(measurement::Column::OrganisationId.eq(org.id))
            .filter(measurement::Column::IndicatorId.eq(row.id))
            .filter(measurement::Column::Period.eq(key))
    };
    // Lock the row first (PostgreSQL): a concurrent writer waits here, then sees our version.
    if uow.get_database_backend() == sea_orm::DbBackend::Postgres {
        measurement::Entity::update_many()
            .col_expr(
                measurement::Column::Version,
                Expr::col(measurement::Column::Version),
            )
            .filter(measurement::Column::OrganisationId.eq(org.id))
            .filter(measurement::Column::IndicatorId.eq(row.id))
            .filter(measurement::Column::Period.eq(key))
            .exec(uow)
            .await?;
    }
    let existing = find().one(uow).await?;
    let current = existing.as_ref().map_or(0, |m| m.version);
    if let Some(expected) = change.expected_version
        && expected != current
    {
        return Err(conflict(current));
    }
    let before = evaluate_many(uow, org, &[(row, period)]).await?.remove(0);
    let actor_id = uow.actor_id();
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
                .col_expr(measurement::Column::EnteredBy, Expr::value(actor_id))
                .col_expr(measurement::Column::EnteredAt, Expr::value(now))
                .col_expr(measurement::Column::Version, Expr::value(m.version + 1))
                .filter(measurement::Column::Id.eq(m.id))
                .filter(measurement::Column::Version.eq(m.version))
                .exec(uow)
                .await?;
            if updated.rows_affected != 1 {
                let now_at = find().one(uow).await?.map_or(0, |m| m.version);
                return Err(conflict(now_at));
            }
            find().one(uow).await?.ok_or_else(|| conflict(0))?
        }
        None => measurement::ActiveModel {
            organisation_id: Set(org.id),
            indicator_id: Set(row.id),
            period: Set(key),
            period_end: Set(period.end_date(org.fy_start)),
            value: Set(change.value),
            no_value_reason: Set(change.no_value_reason.clone()),
            commentary: Set(change.commentary.clone()),
            entered_by: Set(actor_id),
            entered_at: Set(now),
            version: Set(1),
            ..Default::default()
        }
        .insert(uow)
        .await
        .map_err(|e| match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => conflict(1),
            _ => StoreError::from(e),
        })?,
    };
    let operation = if existing.is_some() {
        "update"
    } else {
        "create"
    };
    uow.audit(
        "measurement",
        after_row.id,
        operation,
        existing.as_ref(),
        Some(&after_row),
    )
    .await?;
    let after = evaluate_many(uow, org, &[(row, period)]).await?.remove(0);
    // Exception alerts go to the outbox in this same transaction (docs/rules.md §11).
    crate::alerts::on_measurement(uow, org, links, row, &before, &after, now).await?;
    Ok(Recorded { before, after })
}
