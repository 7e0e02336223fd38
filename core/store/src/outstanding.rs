//! What is outstanding, kept (docs/rules.md §9–10): one `outstanding_items` row per
//! indicator value or action update that is due and not complete, so the daily sweep reads
//! what it sends instead of re-deriving three years of completeness.
//!
//! The invariant: for each council, the kept rows are exactly
//! [`deadlines::outstanding_of`] from the beginning of time up to the council's
//! `outstanding_derived.through` date (none when that date is none: nothing derived yet).
//! Two things keep it:
//! - **Every change in a [`UnitOfWork`](crate::UnitOfWork).** Its audit entries say what it
//!   changed ([`Touched::note`]): a value, target, extension or the indicator itself names
//!   the indicator; an action or its update names the action; a plan, a priority, the
//!   council's settings (deadline day, financial year, tolerance, ratings) or a workbook
//!   import name the whole council. On commit, after the council's row is locked (the data
//!   version), [`refresh`] re-derives those items with the one rule implementation
//!   ([`deadlines::outstanding_of`], restricted to them) and replaces their rows. People
//!   (roles, who is active, line managers) change no row: the sweep reads them as it sends.
//! - **Time.** An item becomes outstanding when it falls due, with no write at all: each
//!   sweep first moves its council's date on ([`derive_through`]), adding the items due since
//!   (when no period's due date, and no extension, falls in between, nothing is read); the
//!   first sweep of a council with no date derives everything once.
//!
//! On PostgreSQL both take the council's `outstanding_derived` row `FOR UPDATE` before
//! reading, so a sweep and a write of the same council never derive from each other's
//! half-made state; on SQLite write transactions are serialised already.
use std::collections::HashSet;

use chrono::{Days, NaiveDate};
use pmf_core::{Frequency, Period};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
};
use serde::Serialize;

use crate::{
    OrganisationSettings, StoreError, Stored,
    deadlines::{self, DeadlineItem, Which},
    entity::{deadline_extension, outstanding_derived, outstanding_item},
    results::IN_LIST_CHUNK,
};

/// Rows per multi-row insert (12 columns each).
const ROWS_PER_INSERT: usize = 500;

/// What a unit of work changed that can change what is outstanding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Touched {
    /// The whole council (its settings, plans, priorities, an import).
    pub council: bool,
    pub indicators: HashSet<i64>,
    pub actions: HashSet<i64>,
}

/// The indicator and action a changed row belongs to, as its audit entry spells them.
fn owners_of<T: Serialize>(row: Option<&T>) -> Result<(Option<i64>, Option<i64>), StoreError> {
    let Some(row) = row else {
        return Ok((None, None));
    };
    let value = serde_json::to_value(row).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id = |field: &str| value.get(field).and_then(serde_json::Value::as_i64);
    Ok((id("indicator_id"), id("action_id")))
}

impl Touched {
    pub fn is_empty(&self) -> bool {
        !self.council && self.indicators.is_empty() && self.actions.is_empty()
    }

    /// Notes what an audited change (`entity`, `entity_id`, the row before and after) may
    /// have changed. Every write of the store audits its changes, so none is missed.
    pub fn note<B: Serialize, A: Serialize>(
        &mut self,
        entity: &str,
        entity_id: i64,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Result<(), StoreError> {
        match entity {
            "indicator" => {
                self.indicators.insert(entity_id);
            }
            "action" => {
                self.actions.insert(entity_id);
            }
            "measurement" | "target" | "deadline_extension" | "action_update" => {
                if self.council {
                    return Ok(());
                }
                for (indicator, action) in [owners_of(before)?, owners_of(after)?] {
                    self.indicators.extend(indicator);
                    self.actions.extend(action);
                }
            }
            "organisation" | "plan" | "priority" | "workbook" => self.council = true,
            _ => {}
        }
        Ok(())
    }
}

/// The council's row of `outstanding_derived`, locked until the transaction ends on
/// PostgreSQL.
async fn derived_row<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<Option<outstanding_derived::Model>, StoreError> {
    let mut q = outstanding_derived::Entity::find()
        .filter(outstanding_derived::Column::OrganisationId.eq(organisation_id));
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    Ok(q.one(db).await?)
}

/// Up to which due date the council's outstanding items are kept (none: not derived yet).
pub async fn through<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<Option<NaiveDate>, StoreError> {
    Ok(outstanding_derived::Entity::find()
        .filter(outstanding_derived::Column::OrganisationId.eq(organisation_id))
        .one(db)
        .await?
        .and_then(|r| r.through))
}

/// A new council's row: nothing derived yet.
pub(crate) async fn start<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<(), StoreError> {
    outstanding_derived::ActiveModel {
        organisation_id: Set(organisation_id),
        through: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

async fn settings<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<OrganisationSettings, StoreError> {
    let row = crate::organisations::by_id(db, organisation_id)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", organisation_id))?;
    OrganisationSettings::try_from(&row)
}

/// Re-derives the outstanding items of what a unit of work touched, up to the council's
/// date, and replaces their kept rows (in the caller's transaction).
pub async fn refresh<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    touched: Touched,
) -> Result<(), StoreError> {
    if touched.is_empty() {
        return Ok(());
    }
    let Some(through) = derived_row(db, organisation_id)
        .await?
        .and_then(|r| r.through)
    else {
        return Ok(());
    };
    let org = settings(db, organisation_id).await?;
    let which = if touched.council {
        Which::default()
    } else {
        Which {
            indicators: Some(touched.indicators.clone()),
            actions: Some(touched.actions.clone()),
            owner: None,
        }
    };
    let items = deadlines::outstanding_of(db, &org, NaiveDate::MIN, through, &which).await?;
    let gone = outstanding_item::Entity::delete_many()
        .filter(outstanding_item::Column::OrganisationId.eq(organisation_id));
    if touched.council {
        gone.exec(db).await?;
    } else {
        let indicators: Vec<i64> = touched.indicators.into_iter().collect();
        for chunk in indicators.chunks(IN_LIST_CHUNK) {
            gone.clone()
                .filter(outstanding_item::Column::IndicatorId.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
        let actions: Vec<i64> = touched.actions.into_iter().collect();
        for chunk in actions.chunks(IN_LIST_CHUNK) {
            gone.clone()
                .filter(outstanding_item::Column::ActionId.is_in(chunk.iter().copied()))
                .exec(db)
                .await?;
        }
    }
    insert(db, organisation_id, items).await
}

async fn insert<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    items: Vec<DeadlineItem>,
) -> Result<(), StoreError> {
    let mut rows = items.into_iter().filter_map(|item| {
        let missing = item.missing?;
        Some(outstanding_item::ActiveModel {
            organisation_id: Set(organisation_id),
            indicator_id: Set(item.indicator_id),
            action_id: Set(item.action_id),
            period: Set(Stored(item.period)),
            due_date: Set(item.due_date),
            extended: Set(item.extended),
            missing: Set(Stored(missing)),
            owner_id: Set(item.owner_id),
            priority_id: Set(item.priority_id),
            reference: Set(item.reference),
            title: Set(item.title),
            ..Default::default()
        })
    });
    loop {
        let chunk: Vec<_> = rows.by_ref().take(ROWS_PER_INSERT).collect();
        if chunk.is_empty() {
            return Ok(());
        }
        outstanding_item::Entity::insert_many(chunk)
            .exec(db)
            .await?;
    }
}

/// Whether any period's own due date lies from `from` to `to`: when none does and no
/// extension falls there, no item fell due in between.
fn any_due_between(org: &OrganisationSettings, from: NaiveDate, to: NaiveDate) -> bool {
    let fy = org.fy_start;
    // A year is due a month after it ends: start well before any period that can be.
    let start = from.checked_sub_days(Days::new(800)).unwrap_or(from);
    [Frequency::Monthly, Frequency::Quarterly, Frequency::Annual]
        .into_iter()
        .any(|freq| {
            Period::periods_within(freq, start, to, fy)
                .iter()
                .any(|p| (from..=to).contains(&pmf_core::due_date(p, org.deadline_day, fy)))
        })
}

/// Moves the council's kept items on to everything due by `through` (the sweep, before it
/// reads): the items due since the last date are added; with no date yet, everything is
/// derived once. Never moves the date back.
pub async fn derive_through<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    through: NaiveDate,
) -> Result<(), StoreError> {
    let row = match derived_row(db, organisation_id).await? {
        Some(row) => row,
        None => {
            // A council made before its row was: start it now.
            start(db, organisation_id).await?;
            derived_row(db, organisation_id)
                .await?
                .ok_or_else(|| StoreError::not_found("organisation", organisation_id))?
        }
    };
    let from = match row.through {
        Some(kept) if kept >= through => return Ok(()),
        Some(kept) => kept.succ_opt().unwrap_or(kept),
        None => NaiveDate::MIN,
    };
    let org = settings(db, organisation_id).await?;
    let extended_into = || {
        deadline_extension::Entity::find()
            .filter(deadline_extension::Column::OrganisationId.eq(organisation_id))
            .filter(deadline_extension::Column::DueDate.between(from, through))
            .count(db)
    };
    let derive =
        row.through.is_none() || any_due_between(&org, from, through) || extended_into().await? > 0;
    if derive {
        if row.through.is_none() {
            outstanding_item::Entity::delete_many()
                .filter(outstanding_item::Column::OrganisationId.eq(organisation_id))
                .exec(db)
                .await?;
        }
        let items = deadlines::outstanding_of(db, &org, from, through, &Which::default()).await?;
        insert(db, organisation_id, items).await?;
    }
    let mut moved: outstanding_derived::ActiveModel = row.into();
    moved.through = Set(Some(through));
    moved.update(db).await?;
    Ok(())
}

fn item(row: outstanding_item::Model) -> DeadlineItem {
    DeadlineItem {
        indicator_id: row.indicator_id,
        action_id: row.action_id,
        reference: row.reference,
        title: row.title,
        period: *row.period,
        due_date: row.due_date,
        extended: row.extended,
        missing: Some(*row.missing),
        owner_id: row.owner_id,
        priority_id: row.priority_id,
    }
}

/// The kept items due from `from` to `to`, in [`deadlines::sort`]'s order: what the sweep
/// chases (`to` no later than the council's date).
pub async fn due_between<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<DeadlineItem>, StoreError> {
    read(db, org, Some((from, to))).await
}

async fn read<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
    due: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<DeadlineItem>, StoreError> {
    let mut q = outstanding_item::Entity::find()
        .filter(outstanding_item::Column::OrganisationId.eq(org.id));
    if let Some((from, to)) = due {
        q = q.filter(outstanding_item::Column::DueDate.between(from, to));
    }
    let mut items: Vec<DeadlineItem> = q.all(db).await?.into_iter().map(item).collect();
    deadlines::sort(&mut items, org.fy_start);
    Ok(items)
}

/// Every kept item of the council, in [`deadlines::sort`]'s order.
pub async fn kept<C: ConnectionTrait>(
    db: &C,
    org: &OrganisationSettings,
) -> Result<Vec<DeadlineItem>, StoreError> {
    read(db, org, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_audit_entry_names_what_it_changed() {
        #[derive(Serialize)]
        struct Value {
            id: i64,
            indicator_id: i64,
        }
        #[derive(Serialize)]
        struct Extension {
            indicator_id: Option<i64>,
            action_id: Option<i64>,
        }
        let mut t = Touched::default();
        t.note(
            "measurement",
            9,
            None::<&()>,
            Some(&Value {
                id: 9,
                indicator_id: 4,
            }),
        )
        .expect("noted");
        t.note(
            "deadline_extension",
            3,
            Some(&Extension {
                indicator_id: None,
                action_id: Some(7),
            }),
            Some(&Extension {
                indicator_id: None,
                action_id: Some(7),
            }),
        )
        .expect("noted");
        t.note("indicator", 5, None::<&()>, None::<&()>)
            .expect("noted");
        t.note("user", 1, None::<&()>, None::<&()>).expect("noted");
        assert_eq!(t.indicators, HashSet::from([4, 5]));
        assert_eq!(t.actions, HashSet::from([7]));
        assert!(!t.council);
        t.note("organisation", 1, None::<&()>, None::<&()>)
            .expect("noted");
        assert!(t.council);
    }

    #[test]
    fn a_window_with_no_due_date_needs_no_derivation() {
        let row = crate::entity::organisation::Model {
            id: 1,
            name: "Test".into(),
            slug: "test".into(),
            time_zone: "Europe/London".into(),
            fy_start_month: 4,
            deadline_day: 10,
            reminder_time: "08:00".into(),
            amber_alerts: false,
            created_at: chrono::DateTime::UNIX_EPOCH,
            data_version: 0,
            default_tolerance_pct: 5.0,
            on_tolerance: Stored(pmf_core::OnTolerance::default()),
            area_code: None,
            comparator_group_id: None,
        };
        let org = OrganisationSettings::try_from(&row).expect("settings");
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).expect("a date");
        // Monthly and quarterly values are due on the 10th.
        assert!(any_due_between(&org, d(11, 10), d(11, 10)));
        assert!(!any_due_between(&org, d(11, 11), d(11, 13)));
        // A year (to 31 March) is due at the end of the month after: 30 April.
        assert!(any_due_between(&org, d(4, 30), d(4, 30)));
        assert!(!any_due_between(&org, d(4, 11), d(4, 29)));
    }
}
