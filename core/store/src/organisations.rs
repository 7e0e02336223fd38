//! Councils: their settings (docs/rules.md §1), what `api bootstrap` and `api token` do
//! (README, Operator commands), and the lists the worker goes through.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use pmf_core::{
    AreaCode, DeadlineDay, DefaultTolerance, Email, FyStart, OnTolerance, RatingSettings,
    ReminderTime, Role, Slug,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::{
    Change, Database, StoreError, Stored, UnitOfWork,
    entity::{organisation, user},
    people,
};

/// The settings (docs/rules.md §1) that the rules read, already parsed: if this exists, they
/// are valid.
#[derive(Debug, Clone)]
pub struct OrganisationSettings {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub time_zone: Tz,
    pub fy_start: FyStart,
    pub deadline_day: DeadlineDay,
    pub reminder_time: ReminderTime,
    pub amber_alerts: bool,
    /// How indicators are rated: the default tolerance and what is exactly on it.
    pub rating: RatingSettings,
    /// The council's own GSS area code (its row in comparator data is not a comparator).
    pub area_code: Option<AreaCode>,
    /// The comparator group indicators are benchmarked against unless they name their own.
    pub comparator_group_id: Option<i64>,
}

impl TryFrom<&organisation::Model> for OrganisationSettings {
    type Error = StoreError;

    fn try_from(row: &organisation::Model) -> Result<Self, StoreError> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("organisation {}: {what}", row.id));
        Ok(Self {
            id: row.id,
            name: row.name.clone(),
            slug: row.slug.clone(),
            time_zone: row.time_zone.parse().map_err(|_| corrupt("time zone"))?,
            fy_start: FyStart::try_from(row.fy_start_month as u32)
                .map_err(|_| corrupt("financial year start month"))?,
            deadline_day: DeadlineDay::try_from(row.deadline_day as u8)
                .map_err(|_| corrupt("deadline day"))?,
            reminder_time: row
                .reminder_time
                .parse()
                .map_err(|_| corrupt("reminder time"))?,
            amber_alerts: row.amber_alerts,
            rating: RatingSettings {
                on_tolerance: *row.on_tolerance,
                default_tolerance: DefaultTolerance::new(row.default_tolerance_pct)
                    .map_err(|_| corrupt("default tolerance"))?,
            },
            area_code: row.area_code.clone().map(Stored::get),
            comparator_group_id: row.comparator_group_id,
        })
    }
}

/// A council's settings and the data version they were read at (the response cache's key).
#[derive(Debug, Clone)]
pub struct Council {
    pub settings: OrganisationSettings,
    pub data_version: i64,
}

impl TryFrom<organisation::Model> for Council {
    type Error = StoreError;

    fn try_from(row: organisation::Model) -> Result<Self, StoreError> {
        Ok(Self {
            settings: OrganisationSettings::try_from(&row)?,
            data_version: row.data_version,
        })
    }
}

/// What to change of the council's settings; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct SettingsChange {
    pub name: Option<String>,
    pub time_zone: Option<Tz>,
    pub fy_start: Option<FyStart>,
    pub deadline_day: Option<DeadlineDay>,
    pub reminder_time: Option<ReminderTime>,
    pub amber_alerts: Option<bool>,
    pub default_tolerance: Option<DefaultTolerance>,
    pub on_tolerance: Option<OnTolerance>,
    pub area_code: Change<AreaCode>,
    /// The council's default comparator group (one of its own).
    pub comparator_group_id: Change<i64>,
}

// --- reads ---

/// The council with this slug.
pub async fn by_slug<C: ConnectionTrait>(
    db: &C,
    slug: &str,
) -> Result<Option<organisation::Model>, StoreError> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .one(db)
        .await?)
}

/// The council with this id.
pub async fn by_id<C: ConnectionTrait>(
    db: &C,
    id: i64,
) -> Result<Option<organisation::Model>, StoreError> {
    Ok(organisation::Entity::find_by_id(id).one(db).await?)
}

/// Every council, by name.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<organisation::Model>, StoreError> {
    Ok(organisation::Entity::find()
        .order_by_asc(organisation::Column::Name)
        .all(db)
        .await?)
}

/// Every council whose settings are valid (one that is not is logged and skipped).
pub async fn all_settings<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<OrganisationSettings>, StoreError> {
    let rows = organisation::Entity::find().all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        match OrganisationSettings::try_from(row) {
            Ok(s) => out.push(s),
            Err(e) => tracing::error!(organisation = row.id, "skipped: {e}"),
        }
    }
    Ok(out)
}

/// Every council's name, by id.
pub async fn names<C: ConnectionTrait>(db: &C) -> Result<HashMap<i64, String>, StoreError> {
    Ok(organisation::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect())
}

// --- writes ---

/// Changes the council's settings; returns them as now stored.
pub async fn update_settings(
    uow: &UnitOfWork,
    change: SettingsChange,
) -> Result<OrganisationSettings, StoreError> {
    let id = uow.organisation_id()?;
    let before = by_id(uow, id)
        .await?
        .ok_or_else(|| StoreError::not_found("organisation", id))?;
    let mut am: organisation::ActiveModel = before.clone().into();
    if let Some(n) = change.name {
        am.name = Set(n);
    }
    if let Some(tz) = change.time_zone {
        am.time_zone = Set(tz.name().to_string());
    }
    if let Some(m) = change.fy_start {
        am.fy_start_month = Set(m.month() as i16);
    }
    if let Some(d) = change.deadline_day {
        am.deadline_day = Set(d.get() as i16);
    }
    if let Some(t) = change.reminder_time {
        am.reminder_time = Set(t.to_string());
    }
    if let Some(a) = change.amber_alerts {
        am.amber_alerts = Set(a);
    }
    if let Some(t) = change.default_tolerance {
        am.default_tolerance_pct = Set(t.pct());
    }
    if let Some(t) = change.on_tolerance {
        am.on_tolerance = Set(Stored(t));
    }
    if let Some(a) = change.area_code.into_new() {
        am.area_code = Set(a.map(Stored));
    }
    match change.comparator_group_id {
        Change::Leave => {}
        Change::Clear => am.comparator_group_id = Set(None),
        Change::To(g) => {
            let group = crate::benchmarking::group_in(uow, id, g, "comparatorGroupId").await?;
            am.comparator_group_id = Set(Some(group.id));
        }
    }
    let after = am.update(uow).await?;
    let settings = OrganisationSettings::try_from(&after)?;
    uow.audit("organisation", id, "update", Some(&before), Some(&after))
        .await?;
    Ok(settings)
}

/// Adds a council with the default settings: the financial year from April, data due on
/// the 10th, reminders at 08:00, no AMBER alerts.
pub(crate) async fn insert_council<C: ConnectionTrait>(
    db: &C,
    name: &str,
    slug: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<organisation::Model, StoreError> {
    let row = organisation::ActiveModel {
        name: Set(name.to_string()),
        slug: Set(slug.to_string()),
        time_zone: Set(time_zone.to_string()),
        fy_start_month: Set(FyStart::default().month() as i16),
        deadline_day: Set(10),
        reminder_time: Set("08:00".into()),
        amber_alerts: Set(false),
        created_at: Set(now),
        data_version: Set(0),
        default_tolerance_pct: Set(DefaultTolerance::default().pct()),
        on_tolerance: Set(Stored(OnTolerance::default())),
        area_code: Set(None),
        comparator_group_id: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    crate::outstanding::start(db, row.id).await?;
    Ok(row)
}

/// What `bootstrap` did.
#[derive(Debug)]
pub struct Bootstrapped {
    pub organisation: organisation::Model,
    pub admin: user::Model,
    pub created_organisation: bool,
    pub created_admin: bool,
    pub token: String,
}

/// Creates the organisation and an ADMIN user if missing, and issues a new token for the
/// admin (`api bootstrap`).
pub async fn bootstrap(
    db: &Database,
    org_name: &str,
    slug: &Slug,
    admin_email: &Email,
    admin_name: &str,
    now: DateTime<Utc>,
) -> Result<Bootstrapped, StoreError> {
    let mut uow = UnitOfWork::begin_unscoped(db, None, now).await?;
    let (organisation, created_organisation) = match by_slug(&uow, slug.as_str()).await? {
        Some(org) => (org, false),
        None => {
            let org = insert_council(&uow, org_name, slug.as_str(), "Europe/London", now).await?;
            (org, true)
        }
    };
    uow.changes(organisation.id);
    let (admin, created_admin) = match people::user_by_email(&uow, organisation.id, admin_email)
        .await?
    {
        Some(u) if *u.role != Role::Admin => {
            return Err(StoreError::conflict(format!(
                "{admin_email} already exists in {:?} with role {}, not ADMIN; use `api token` or choose another e-mail",
                slug.to_string(),
                u.role
            )));
        }
        Some(u) if !u.active => return Err(inactive(&u)),
        Some(u) => (u, false),
        None => {
            let u = people::insert_user(
                &uow,
                organisation.id,
                admin_name,
                admin_email,
                Role::Admin,
                None,
            )
            .await?;
            (u, true)
        }
    };
    let (_, token) = people::issue(&uow, &admin, "bootstrap", None).await?;
    uow.commit().await?;
    Ok(Bootstrapped {
        organisation,
        admin,
        created_organisation,
        created_admin,
        token,
    })
}

fn inactive(user: &user::Model) -> StoreError {
    StoreError::invalid(format!(
        "user {} is inactive: reactivate them before issuing a token",
        user.email
    ))
}

/// Issues a new token for an existing, active user (`api token`).
pub async fn issue_token(
    db: &Database,
    slug: &str,
    email: &Email,
    name: &str,
    now: DateTime<Utc>,
) -> Result<(user::Model, String), StoreError> {
    let org = by_slug(&db.conn, slug)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("no organisation with slug {slug:?}")))?;
    let user = people::user_by_email(&db.conn, org.id, email)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "no user with e-mail {:?} in organisation {slug:?}",
                email.to_string()
            ))
        })?;
    if !user.active {
        return Err(inactive(&user));
    }
    let uow = UnitOfWork::begin(db, org.id, None, now).await?;
    let (_, token) = people::issue(&uow, &user, name, None).await?;
    uow.commit().await?;
    Ok((user, token))
}
