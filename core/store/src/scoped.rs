//! Rows of one council: every read starts here, so none forgets the council it is for.
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PrimaryKeyTrait, QueryFilter, QueryOrder, Select,
};

use crate::{StoreError, entity::*};

/// The most ids or periods put in one `IN (…)` list; longer lists are split.
pub const IN_LIST_CHUNK: usize = 1000;

/// An entity whose rows each belong to one council.
pub trait OfCouncil: EntityTrait {
    /// Its `organisation_id` column.
    fn council() -> Self::Column;
}

macro_rules! of_council {
    ($($module:ident),+ $(,)?) => {
        $(impl OfCouncil for $module::Entity {
            fn council() -> Self::Column {
                $module::Column::OrganisationId
            }
        })+
    };
}

of_council!(
    action,
    action_update,
    api_token,
    audit_entry,
    comparator_group,
    comparator_value,
    deadline_extension,
    exception_recipient,
    indicator,
    measurement,
    notification,
    objective,
    plan,
    priority,
    session,
    sign_in_link,
    single_sign_on,
    sweep_run,
    target,
    user,
);

/// The council's rows of `E`.
pub fn rows<E: OfCouncil>(organisation_id: i64) -> Select<E> {
    E::find().filter(E::council().eq(organisation_id))
}

/// The council's rows of `E` whose `column` is one of `values`.
pub fn rows_in<E: OfCouncil>(
    organisation_id: i64,
    column: E::Column,
    values: impl IntoIterator<Item = i64>,
) -> Select<E> {
    rows::<E>(organisation_id).filter(column.is_in(values))
}

/// The council's row of `E` with this id, if any.
pub async fn find<E, C>(
    db: &C,
    organisation_id: i64,
    id: i64,
) -> Result<Option<E::Model>, StoreError>
where
    E: OfCouncil,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = i64>,
    C: ConnectionTrait,
{
    Ok(E::find_by_id(id)
        .filter(E::council().eq(organisation_id))
        .one(db)
        .await?)
}

/// The council's row of `E` with this id, or "no {what} with id {id}".
pub async fn one<E, C>(
    db: &C,
    organisation_id: i64,
    id: i64,
    what: &str,
) -> Result<E::Model, StoreError>
where
    E: OfCouncil,
    E::PrimaryKey: PrimaryKeyTrait<ValueType = i64>,
    C: ConnectionTrait,
{
    find::<E, C>(db, organisation_id, id)
        .await?
        .ok_or_else(|| StoreError::not_found(what, id))
}

/// The council's rows of `E` whose `column` is one of `values`, ordered by `order`.
pub async fn all_in<E, C>(
    db: &C,
    organisation_id: i64,
    column: E::Column,
    values: impl IntoIterator<Item = i64>,
    order: &[E::Column],
) -> Result<Vec<E::Model>, StoreError>
where
    E: OfCouncil,
    C: ConnectionTrait,
{
    let query = order
        .iter()
        .fold(rows_in::<E>(organisation_id, column, values), |q, c| {
            q.order_by_asc(*c)
        });
    Ok(query.all(db).await?)
}

/// Rows whose title or reference holds every word of `words`, in any case (a register's
/// search box).
pub fn words_in_title_or_reference<E: EntityTrait>(
    mut q: Select<E>,
    title: impl sea_orm::ColumnTrait,
    reference: impl sea_orm::ColumnTrait,
    words: &str,
) -> Select<E> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    for word in words.split_whitespace() {
        let pattern = format!("%{}%", word.to_lowercase().replace(['\\', '%', '_'], ""));
        q = q.filter(
            Expr::expr(Func::lower(Expr::col(title)))
                .like(pattern.clone())
                .or(Expr::expr(Func::lower(Expr::col(reference))).like(pattern)),
        );
    }
    q
}
