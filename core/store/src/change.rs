//! The pieces every typed change is made of: "leave, clear or set" for a clearable field,
//! and the versioned update that refuses an edit made against a version the writer did not
//! see.
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Value};

use serde::Serialize;

use crate::{StoreError, UnitOfWork, entity};

/// What to do with a field that may be empty.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Change<T> {
    /// Keep what is stored.
    #[default]
    Leave,
    /// Empty it.
    Clear,
    /// Store this.
    To(T),
}

impl<T> Change<T> {
    /// The new value of the field, or `None` to leave it as it is.
    pub fn into_new(self) -> Option<Option<T>> {
        match self {
            Change::Leave => None,
            Change::Clear => Some(None),
            Change::To(v) => Some(Some(v)),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Change<U> {
        match self {
            Change::Leave => Change::Leave,
            Change::Clear => Change::Clear,
            Change::To(v) => Change::To(f(v)),
        }
    }

    pub fn is_leave(&self) -> bool {
        matches!(self, Change::Leave)
    }
}

impl<T> From<Option<Option<T>>> for Change<T> {
    fn from(value: Option<Option<T>>) -> Self {
        match value {
            None => Change::Leave,
            Some(None) => Change::Clear,
            Some(Some(v)) => Change::To(v),
        }
    }
}

/// Refuses a change made against `expected` when the row is at `current`.
pub fn check_version(what: &str, current: i32, expected: Option<i32>) -> Result<(), StoreError> {
    match expected {
        Some(v) if v != current => Err(StoreError::stale(what, Some(current))),
        _ => Ok(()),
    }
}

/// A row kept under a version number that every edit moves on.
pub(crate) trait Versioned: EntityTrait {
    /// The entity's name in the audit trail and in messages ("plan", "indicator", …).
    const WHAT: &'static str;
    fn version_column() -> Self::Column;
    /// The row's id and version.
    fn id_and_version(row: &Self::Model) -> (i64, i32);
}

macro_rules! versioned {
    ($($module:ident => $what:literal),+ $(,)?) => {
        $(impl Versioned for entity::$module::Entity {
            const WHAT: &'static str = $what;
            fn version_column() -> Self::Column {
                entity::$module::Column::Version
            }
            fn id_and_version(row: &entity::$module::Model) -> (i64, i32) {
                (row.id, row.version)
            }
        })+
    };
}

versioned!(
    action => "action",
    indicator => "indicator",
    plan => "plan",
    priority => "priority",
    user => "user",
);

/// Writes `changed` (an edit of `before`) as the next version, only if the row is still at
/// `before`'s: otherwise someone else changed it in between (CONFLICT). A unique key it
/// breaks is a conflict too, told with `duplicate`. The edit's audit entry goes with it.
pub(crate) async fn save_edit<A>(
    uow: &UnitOfWork,
    before: &<A::Entity as EntityTrait>::Model,
    mut changed: A,
    duplicate: impl FnOnce() -> String,
) -> Result<<A::Entity as EntityTrait>::Model, StoreError>
where
    A: ActiveModelTrait + Send,
    A::Entity: Versioned,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A> + Serialize,
{
    let what = <A::Entity as Versioned>::WHAT;
    let version = <A::Entity as Versioned>::version_column();
    let (id, current) = <A::Entity as Versioned>::id_and_version(before);
    changed.set(version, Value::Int(Some(current + 1)));
    let after = <A::Entity as EntityTrait>::update(changed)
        .validate()?
        .filter(version.eq(current))
        .exec(uow)
        .await
        .map_err(|e| match e {
            sea_orm::DbErr::RecordNotUpdated => StoreError::stale(what, None),
            e => StoreError::unique(e, duplicate),
        })?;
    uow.audit(what, id, "update", Some(before), Some(&after))
        .await?;
    Ok(after)
}
