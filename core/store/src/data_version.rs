//! A council's data version: one number that moves on with every change its queries can
//! show. Readers (the API's response cache) compare it; writers move it on inside the
//! transaction of the change itself: [`crate::UnitOfWork::commit`] does, and every write
//! that queries can show runs in a unit of work. Nothing after a commit is needed for
//! correctness.
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{StoreError, entity::organisation};

/// Moves the council's data version on: whatever was read before is now out of date.
pub(crate) async fn touch_organisation<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
) -> Result<(), StoreError> {
    organisation::Entity::update_many()
        .col_expr(
            organisation::Column::DataVersion,
            Expr::col(organisation::Column::DataVersion).add(1),
        )
        .filter(organisation::Column::Id.eq(organisation_id))
        .exec(db)
        .await?;
    Ok(())
}
