//! Loads the demo council (`pmf-demo`) into an empty database.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use pmf_core::{AreaCode, FyStart, Lifecycle, NotificationPreference, Period};
use pmf_demo::DemoDataset;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, PaginatorTrait, Set, TransactionTrait,
};

use crate::{Database, StoreError, Stored, entity::*};

/// What was loaded, for the start-up log line.
#[derive(Debug)]
pub struct Loaded {
    pub slug: String,
    pub indicators: usize,
    pub measurements: usize,
}

/// True when no organisation exists yet.
pub async fn is_empty(db: &Database) -> Result<bool, StoreError> {
    Ok(organisation::Entity::find().count(&db.conn).await? == 0)
}

fn at_nine(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"))
        .and_utc()
}

fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("demo data: {what}"))
}

/// A value of the dataset, as the column type that keeps it.
fn spelled<T>(value: impl std::fmt::Display) -> Result<Stored<T>, StoreError>
where
    T: std::str::FromStr + std::fmt::Display,
    T::Err: std::fmt::Display,
{
    Stored::parse(&value.to_string()).map_err(corrupt)
}

fn period(text: &str) -> Result<Period, StoreError> {
    Period::parse(text).map_err(corrupt)
}

/// Loads the demo council as of `now`'s date, in one transaction.
pub async fn load(db: &Database, now: DateTime<Utc>) -> Result<Loaded, StoreError> {
    let today = now.with_timezone(&chrono_tz::Europe::London).date_naive();
    let data = pmf_demo::demo_dataset(today);
    let txn = db.conn.begin().await?;
    let loaded = insert(&txn, &data, now).await?;
    txn.commit().await?;
    Ok(loaded)
}

/// Inserts a dataset (used by `load`, and by tests and benchmarks with their own data).
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    data: &DemoDataset,
    now: DateTime<Utc>,
) -> Result<Loaded, StoreError> {
    let fy = FyStart::default();
    let o = &data.organisation;
    let org = crate::organisations::insert_council(db, &o.name, &o.slug, &o.time_zone, now).await?;
    let org_id = org.id;

    let mut users: HashMap<&str, i64> = HashMap::new();
    for u in &data.users {
        let row = user::ActiveModel {
            organisation_id: Set(org_id),
            name: Set(u.name.clone()),
            email: Set(u.email.clone()),
            role: Set(spelled(u.role)?),
            manager_id: Set(None),
            active: Set(u.active),
            notification_preference: Set(Stored(NotificationPreference::Immediate)),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        users.insert(&u.email, row.id);
    }
    let user_id = |email: &Option<String>| -> Result<Option<i64>, StoreError> {
        email
            .as_deref()
            .map(|e| {
                users
                    .get(e)
                    .copied()
                    .ok_or_else(|| corrupt(format!("unknown user {e}")))
            })
            .transpose()
    };
    for u in &data.users {
        if let Some(manager) = user_id(&u.manager_email)? {
            user::ActiveModel {
                id: Set(users[u.email.as_str()]),
                manager_id: Set(Some(manager)),
                ..Default::default()
            }
            .update(db)
            .await?;
        }
    }

    let mut plans: HashMap<&str, i64> = HashMap::new();
    for p in &data.plans {
        let parent = p.parent_key.as_deref().and_then(|k| plans.get(k).copied());
        let row = plan::ActiveModel {
            organisation_id: Set(org_id),
            parent_id: Set(parent),
            kind: Set(spelled(p.kind)?),
            title: Set(p.title.clone()),
            start_date: Set(p.start_date),
            end_date: Set(p.end_date),
            status: Set(spelled(p.status)?),
            vision: Set(p.vision.clone()),
            mission: Set(p.mission.clone()),
            published: Set(p.published),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        plans.insert(&p.key, row.id);
    }

    let mut priorities: HashMap<&str, i64> = HashMap::new();
    for (position, p) in data.priorities.iter().enumerate() {
        let plan_id = *plans
            .get(p.plan_key.as_str())
            .ok_or_else(|| corrupt(format!("plan {}", p.plan_key)))?;
        let row = priority::ActiveModel {
            organisation_id: Set(org_id),
            plan_id: Set(plan_id),
            code: Set(Some(p.code.clone())),
            title: Set(p.title.clone()),
            description: Set(p.description.clone()),
            position: Set(position as i32),
            version: Set(1),
            ..Default::default()
        }
        .insert(db)
        .await?;
        priorities.insert(&p.code, row.id);
    }
    let priority_id = |code: &str| {
        priorities
            .get(code)
            .copied()
            .ok_or_else(|| corrupt(format!("priority {code}")))
    };

    let mut objectives: HashMap<&str, i64> = HashMap::new();
    for o in &data.objectives {
        let row = objective::ActiveModel {
            organisation_id: Set(org_id),
            priority_id: Set(priority_id(&o.priority_code)?),
            code: Set(Some(o.code.clone())),
            title: Set(o.title.clone()),
            ..Default::default()
        }
        .insert(db)
        .await?;
        objectives.insert(&o.code, row.id);
    }

    let mut actions: HashMap<&str, i64> = HashMap::new();
    for a in &data.actions {
        let row = action::ActiveModel {
            organisation_id: Set(org_id),
            priority_id: Set(Some(priority_id(&a.priority_code)?)),
            objective_id: Set(a
                .objective_code
                .as_deref()
                .and_then(|c| objectives.get(c).copied())),
            reference: Set(Some(a.reference.clone())),
            title: Set(a.title.clone()),
            description: Set(a.description.clone()),
            owner_id: Set(user_id(&a.owner_email)?),
            sponsor_id: Set(user_id(&a.sponsor_email)?),
            delivery: Set(spelled(a.delivery)?),
            planned_start: Set(a.planned_start),
            actual_start: Set(a.actual_start),
            due_date: Set(a.due_date),
            due_kind: Set(a.due_kind.map(spelled).transpose()?),
            estimated_completion: Set(a.estimated_completion),
            completed_on: Set(a.completed_on),
            version: Set(1),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(db)
        .await?;
        actions.insert(&a.reference, row.id);
    }
    let mut updates = Vec::new();
    for u in &data.action_updates {
        let quarter = period(&u.period)?;
        updates.push(action_update::ActiveModel {
            organisation_id: Set(org_id),
            action_id: Set(*actions
                .get(u.action_ref.as_str())
                .ok_or_else(|| corrupt(format!("action {}", u.action_ref)))?),
            period: Set(Stored(quarter)),
            period_end: Set(quarter.end_date(fy)),
            status: Set(spelled(u.status)?),
            commentary: Set(u.commentary.clone()),
            next_steps: Set(u.next_steps.clone()),
            author_id: Set(user_id(&Some(u.author_email.clone()))?),
            created_at: Set(at_nine(u.recorded_on)),
            ..Default::default()
        });
    }
    insert_chunked(db, updates).await?;

    let mut indicators: HashMap<&str, i64> = HashMap::new();
    for i in &data.indicators {
        let row = indicator::ActiveModel {
            organisation_id: Set(org_id),
            priority_id: Set(i.priority_code.as_deref().map(priority_id).transpose()?),
            reference: Set(i.reference.clone()),
            title: Set(i.title.clone()),
            definition: Set(i.definition.clone()),
            level: Set(spelled(i.level)?),
            indicator_type: Set(spelled(i.indicator_type)?),
            unit: Set(spelled(i.unit)?),
            decimals: Set(i.decimals as i16),
            polarity: Set(spelled(i.polarity)?),
            frequency: Set(spelled(i.frequency)?),
            cumulative: Set(i.cumulative),
            monitor_only: Set(i.monitor_only),
            tolerance_kind: Set("RELATIVE".into()),
            tolerance_value: Set(i.tolerance_pct),
            owner_id: Set(user_id(&i.owner_email)?),
            data_source: Set(i.data_source.clone()),
            information_asset_ref: Set(None),
            published: Set(i.published),
            lifecycle: Set(Stored(Lifecycle::Active)),
            first_period: Set(None),
            proposed_by: Set(None),
            approved_by: Set(None),
            approved_at: Set(None),
            retired_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            benchmark_metric: Set(data.benchmarking.as_ref().and_then(|b| {
                b.metrics
                    .iter()
                    .find(|(r, _)| *r == i.reference)
                    .map(|(_, m)| m.clone())
            })),
            comparator_group_id: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        indicators.insert(&i.reference, row.id);
    }
    let indicator_id = |reference: &str| {
        indicators
            .get(reference)
            .copied()
            .ok_or_else(|| corrupt(format!("indicator {reference}")))
    };
    let mut targets = Vec::new();
    for t in &data.targets {
        targets.push(target::ActiveModel {
            organisation_id: Set(org_id),
            indicator_id: Set(indicator_id(&t.indicator_ref)?),
            period: Set(Stored(period(&t.period)?)),
            value: Set(t.value),
            set_by: Set(None),
            set_at: Set(now),
            ..Default::default()
        });
    }
    insert_chunked(db, targets).await?;
    let mut measurements = Vec::new();
    for m in &data.measurements {
        let p = period(&m.period)?;
        measurements.push(measurement::ActiveModel {
            organisation_id: Set(org_id),
            indicator_id: Set(indicator_id(&m.indicator_ref)?),
            period: Set(Stored(p)),
            period_end: Set(p.end_date(fy)),
            value: Set(m.value),
            no_value_reason: Set(m.no_value_reason.clone()),
            commentary: Set(m.commentary.clone()),
            entered_by: Set(user_id(&Some(m.entered_by_email.clone()))?),
            entered_at: Set(at_nine(m.entered_on)),
            version: Set(1),
            ..Default::default()
        });
    }
    let measurement_count = measurements.len();
    insert_chunked(db, measurements).await?;
    if let Some(b) = &data.benchmarking {
        let area = |code: &str| {
            AreaCode::parse(code).map_err(|e| corrupt(format!("area code {code}: {}", e.reason)))
        };
        let codes: Vec<String> = b
            .areas
            .iter()
            .map(|(c, _)| area(c).map(|a| a.to_string()))
            .collect::<Result<_, _>>()?;
        let group = comparator_group::ActiveModel {
            organisation_id: Set(org_id),
            name: Set(b.group_name.clone()),
            area_codes: Set(codes.join(",")),
            ..Default::default()
        }
        .insert(db)
        .await?;
        organisation::ActiveModel {
            id: Set(org_id),
            area_code: Set(Some(Stored(area(&b.area_code)?))),
            comparator_group_id: Set(Some(group.id)),
            ..Default::default()
        }
        .update(db)
        .await?;
        let mut values = Vec::new();
        for v in &b.values {
            values.push(comparator_value::ActiveModel {
                organisation_id: Set(org_id),
                metric: Set(v.metric.clone()),
                area_code: Set(Stored(area(&v.area_code)?)),
                area_name: Set(v.area_name.clone()),
                period: Set(Stored(period(&v.period)?)),
                value: Set(v.value),
                ..Default::default()
            });
        }
        insert_chunked(db, values).await?;
    }
    let mut recipients = Vec::new();
    for (code, email) in &data.exception_recipients {
        recipients.push(exception_recipient::ActiveModel {
            organisation_id: Set(org_id),
            priority_id: Set(priority_id(code)?),
            user_id: Set(user_id(&Some(email.clone()))?.unwrap_or_default()),
            ..Default::default()
        });
    }
    insert_chunked(db, recipients).await?;
    Ok(Loaded {
        slug: org.slug,
        indicators: data.indicators.len(),
        measurements: measurement_count,
    })
}

/// Inserts rows a few hundred at a time (SQLite limits bound parameters per statement).
pub async fn insert_chunked<C, A>(db: &C, rows: Vec<A>) -> Result<(), StoreError>
where
    C: ConnectionTrait,
    A: sea_orm::ActiveModelTrait + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(200).collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec(db)
            .await?;
    }
    Ok(())
}
