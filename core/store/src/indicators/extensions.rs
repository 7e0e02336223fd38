//! Deadline extensions: a due date moved later for one indicator or action and period.
use chrono::NaiveDate;
use pmf_core::{Completeness, Frequency, Period};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::{
    OrganisationSettings, StoreError, Stored, UnitOfWork, actions,
    deadlines::Missing,
    entity::{action, deadline_extension, indicator},
    results::evaluate_many,
};

/// What an extension is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extended {
    Indicator(i64),
    Action(i64),
}

/// An extension to grant.
#[derive(Debug, Clone)]
pub struct ExtensionGrant {
    pub item: Extended,
    pub period: Period,
    pub due_date: NaiveDate,
    pub reason: String,
}

/// A granted extension and where its item stands.
#[derive(Debug, Clone)]
pub struct Granted {
    pub indicator: Option<indicator::Model>,
    pub action: Option<action::Model>,
    pub period: Period,
    pub due_date: NaiveDate,
    /// What the item still lacks for the period (`None`: complete).
    pub missing: Option<Missing>,
}

impl Granted {
    pub fn owner_id(&self) -> Option<i64> {
        self.indicator
            .as_ref()
            .and_then(|i| i.owner_id)
            .or(self.action.as_ref().and_then(|a| a.owner_id))
    }
}

/// Grants (or replaces) an extension, later than the normal due date.
pub async fn grant(
    uow: &UnitOfWork,
    org: &OrganisationSettings,
    grant: ExtensionGrant,
) -> Result<Granted, StoreError> {
    let period = grant.period;
    let (indicator_row, action_row) = match grant.item {
        Extended::Indicator(id) => {
            let row = super::indicator(uow, org.id, id).await?;
            super::check_period(uow, org, &row, &period).await?;
            (Some(row), None)
        }
        Extended::Action(id) => {
            let row = actions::action(uow, org.id, id).await?;
            if period.frequency() != Frequency::Quarterly {
                return Err(StoreError::invalid(
                    "action updates are quarterly: give a quarter",
                ));
            }
            (None, Some(row))
        }
    };
    let normal = pmf_core::due_date(&period, org.deadline_day, org.fy_start);
    if grant.due_date <= normal {
        return Err(StoreError::invalid(format!(
            "an extension must be later than the normal due date ({normal})"
        )));
    }
    let mut q = deadline_extension::Entity::find()
        .filter(deadline_extension::Column::OrganisationId.eq(org.id))
        .filter(deadline_extension::Column::Period.eq(Stored(period)));
    q = match grant.item {
        Extended::Indicator(id) => q.filter(deadline_extension::Column::IndicatorId.eq(id)),
        Extended::Action(id) => q.filter(deadline_extension::Column::ActionId.eq(id)),
    };
    let before = q.one(uow).await?;
    let after = match &before {
        Some(existing) => {
            let mut e: deadline_extension::ActiveModel = existing.clone().into();
            e.due_date = Set(grant.due_date);
            e.reason = Set(grant.reason);
            e.granted_by = Set(uow.actor_id());
            e.granted_at = Set(uow.now());
            e.update(uow).await?
        }
        None => {
            deadline_extension::ActiveModel {
                organisation_id: Set(org.id),
                indicator_id: Set(indicator_row.as_ref().map(|i| i.id)),
                action_id: Set(action_row.as_ref().map(|a| a.id)),
                period: Set(Stored(period)),
                due_date: Set(grant.due_date),
                reason: Set(grant.reason),
                granted_by: Set(uow.actor_id()),
                granted_at: Set(uow.now()),
                ..Default::default()
            }
            .insert(uow)
            .await?
        }
    };
    let operation = if before.is_some() { "update" } else { "create" };
    uow.audit(
        "deadline_extension",
        after.id,
        operation,
        before.as_ref(),
        Some(&after),
    )
    .await?;
    let missing = match (&indicator_row, &action_row) {
        (Some(row), _) => {
            let e = evaluate_many(uow, org, &[(row, period)]).await?.remove(0);
            match e.completeness {
                Completeness::Complete => None,
                Completeness::MissingValue => Some(Missing::Value),
                Completeness::MissingCommentary => Some(Missing::Commentary),
            }
        }
        (None, Some(a)) => {
            (!actions::has_update(uow, org.id, a.id, period).await?).then_some(Missing::Update)
        }
        (None, None) => None,
    };
    Ok(Granted {
        indicator: indicator_row,
        action: action_row,
        period,
        due_date: after.due_date,
        missing,
    })
}
