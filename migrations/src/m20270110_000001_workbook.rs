//! What moving in with a spreadsheet needs (issue 16): the council's rating settings —
//! the default tolerance of an indicator that gives none (`default_tolerance_pct`, 5) and
//! what a value exactly on the tolerance is (`on_tolerance`, RED or AMBER; RED) — and an
//! indicator's benchmark metric (the comparator data set it is benchmarked against).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    DefaultTolerancePct,
    OnTolerance,
}

#[derive(DeriveIden)]
enum Indicators {
    Table,
    BenchmarkMetric,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one at a time.
        m.alter_table(
            Table::alter()
                .table(Organisations::Table)
                .add_column(
                    ColumnDef::new(Organisations::DefaultTolerancePct)
                        .double()
                        .not_null()
                        .default(5.0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Organisations::Table)
                .add_column(
                    ColumnDef::new(Organisations::OnTolerance)
                        .string_len(8)
                        .not_null()
                        .default("RED"),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .add_column(
                    ColumnDef::new(Indicators::BenchmarkMetric)
                        .string_len(200)
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .drop_column(Indicators::BenchmarkMetric)
                .to_owned(),
        )
        .await?;
        for column in [
            Organisations::OnTolerance,
            Organisations::DefaultTolerancePct,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
