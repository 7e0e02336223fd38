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

/// A value as one side of an edit in an indicator's history.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedValue {
    pub value: Option<f64>,
    pub commentary: Option<String>,
    pub no_value_reason: Option<String>,
}

/// One change to one of an indicator's values: who, when, the period, before and after.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueEdit {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<i64>,
    pub period: Period,
    /// Nothing before the value's first recording.
    pub before: Option<RecordedValue>,
    pub after: Option<RecordedValue>,
}

/// The most edits [`history`] returns.
pub const HISTORY_LIMIT: u64 = 500;

/// The values and edits of an indicator, newest first, from the audit trail of its
/// measurements (recorded through the API or imported).
pub async fn history<C: ConnectionTrait>(
    db: &C,
    org: i64,
    indicator_id: i64,
) -> Result<Vec<ValueEdit>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    let ids: Vec<i64> = crate::scoped::rows::<measurement::Entity>(org)
        .filter(measurement::Column::IndicatorId.eq(indicator_id))
        .select_only()
        .column(measurement::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut edits = Vec::new();
    for chunk in ids.chunks(crate::scoped::IN_LIST_CHUNK) {
        let entries = crate::scoped::rows::<crate::entity::audit_entry::Entity>(org)
            .filter(crate::entity::audit_entry::Column::Entity.eq("measurement"))
            .filter(crate::entity::audit_entry::Column::EntityId.is_in(chunk.iter().copied()))
            .order_by_desc(crate::entity::audit_entry::Column::At)
            .order_by_desc(crate::entity::audit_entry::Column::Id)
            .limit(HISTORY_LIMIT)
            .all(db)
            .await?;
        for e in entries {
            let side =
                |json: &Option<String>| -> Result<Option<(Period, RecordedValue)>, StoreError> {
                    json.as_deref()
                        .map(|text| recorded_value(e.id, text))
                        .transpose()
                };
            let before = side(&e.before)?;
            let after = side(&e.after)?;
            let Some(period) = after.as_ref().or(before.as_ref()).map(|(p, _)| *p) else {
                continue;
            };
            edits.push(ValueEdit {
                at: e.at,
                actor_id: e.actor_id,
                period,
                before: before.map(|(_, v)| v),
                after: after.map(|(_, v)| v),
            });
        }
    }
    edits.sort_by_key(|e| std::cmp::Reverse(e.at));
    edits.truncate(HISTORY_LIMIT as usize);
    Ok(edits)
}

/// A measurement as its audit entry wrote it.
fn recorded_value(entry: i64, json: &str) -> Result<(Period, RecordedValue), StoreError> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("audit entry {entry}: {what}"));
    let v: serde_json::Value = serde_json::from_str(json).map_err(|_| corrupt("not JSON"))?;
    let period = v["period"]
        .as_str()
        .and_then(|p| Period::parse(p).ok())
        .ok_or_else(|| corrupt("no period"))?;
    let text = |key: &str| v[key].as_str().map(str::to_string);
    Ok((
        period,
        RecordedValue {
            value: v["value"].as_f64(),
            commentary: text("commentary"),
            no_value_reason: text("no_value_reason"),
        },
    ))
}
