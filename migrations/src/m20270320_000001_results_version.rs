//! Each indicator's results version (issue 19, the computed dashboard): a number that every
//! unit of work which changes what the indicator's results are computed from (its row, its
//! values, targets and extensions, or the council's settings) moves on in the same
//! transaction. An API process keeps the results it rated under the version it read them at
//! and rates again only indicators whose version has moved, so a dashboard asked for after
//! one value was recorded reads and rates that indicator's rows, not all 500.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Indicators {
    Table,
    ResultsVersion,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .add_column(
                    ColumnDef::new(Indicators::ResultsVersion)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .drop_column(Indicators::ResultsVersion)
                .to_owned(),
        )
        .await
    }
}
