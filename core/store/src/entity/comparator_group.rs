use sea_orm::entity::prelude::*;

/// A council's comparator group: the areas it benchmarks against (its CIPFA nearest
/// neighbours, say).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "comparator_groups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub organisation_id: i64,
    pub name: String,
    /// The areas' GSS codes, upper case, comma-separated, in the order given.
    pub area_codes: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
