//! Targets: an annual one for a financial year, or a profile one for one of the
//! indicator's own periods.
use pmf_core::{Frequency, Period};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::{
    OrganisationSettings, StoreError, Stored, UnitOfWork,
    entity::{indicator, target},
    plans,
};

/// A target to set.
#[derive(Debug, Clone, Copy)]
pub struct TargetEntry {
    /// A financial year (annual target) or one of the indicator's own periods (profile).
    pub period: Period,
    pub value: f64,
}

/// Sets (or replaces) a target of an indicator inside its plan; returns the indicator.
pub async fn set(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    indicator_id: i64,
    entry: TargetEntry,
) -> Result<indicator::Model, StoreError> {
    let row = super::indicator(uow, org.id, indicator_id).await?;
    let period = entry.period;
    if period.frequency() != Frequency::Annual {
        super::check_period(uow, org, &row, &period).await?;
    } else if let Some((start, end)) = plans::plan_span(uow, org.id, row.priority_id).await? {
        let fy = org.fy_start;
        if period.end_date(fy) < start || period.start_date(fy) > end {
            return Err(StoreError::invalid(format!(
                "{period} is outside the plan ({start} to {end})"
            )));
        }
    }
    let before = target::Entity::find()
        .filter(target::Column::IndicatorId.eq(row.id))
        .filter(target::Column::Period.eq(Stored(period)))
        .one(uow)
        .await?;
    let after = match &before {
        Some(existing) => {
            let mut t: target::ActiveModel = existing.clone().into();
            t.value = Set(entry.value);
            t.set_by = Set(uow.actor_id());
            t.set_at = Set(uow.now());
            t.update(uow).await?
        }
        None => {
            target::ActiveModel {
                organisation_id: Set(org.id),
                indicator_id: Set(row.id),
                period: Set(Stored(period)),
                value: Set(entry.value),
                set_by: Set(uow.actor_id()),
                set_at: Set(uow.now()),
                ..Default::default()
            }
            .insert(uow)
            .await?
        }
    };
    let operation = if before.is_some() { "update" } else { "create" };
    uow.audit("target", after.id, operation, before.as_ref(), Some(&after))
        .await?;
    Ok(row)
}

/// Sets several targets of an indicator in the unit of work, checking every one: returns
/// each refused entry's period and why (the caller commits only when there is none, so a
/// grid of targets is saved all or nothing).
pub async fn set_many(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    indicator_id: i64,
    entries: &[TargetEntry],
) -> Result<Vec<(Period, String)>, StoreError> {
    super::indicator(uow, org.id, indicator_id).await?;
    let mut problems = Vec::new();
    for entry in entries {
        match set(uow, org, indicator_id, *entry).await {
            Ok(_) => {}
            Err(StoreError::Invalid(why)) => problems.push((entry.period, why)),
            Err(e) => return Err(e),
        }
    }
    Ok(problems)
}

/// An indicator's stored targets: the annual ones, then the profile ones, each in period
/// order.
pub async fn of(
    db: &impl sea_orm::ConnectionTrait,
    org: &OrganisationSettings,
    indicator_id: i64,
) -> Result<Vec<target::Model>, StoreError> {
    let mut rows = crate::scoped::rows::<target::Entity>(org.id)
        .filter(target::Column::IndicatorId.eq(indicator_id))
        .all(db)
        .await?;
    rows.sort_by_key(|t| {
        (
            t.period.frequency() != Frequency::Annual,
            t.period.sort_key(org.fy_start),
        )
    });
    Ok(rows)
}
