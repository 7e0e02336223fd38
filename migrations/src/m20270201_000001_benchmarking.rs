//! Benchmarking against comparator councils (issue 17): where the council is (its GSS
//! `area_code`) and whom it compares with (`comparator_groups`, the council's default
//! `comparator_group_id` and an indicator's own), and the comparator data imported from LG
//! Inform (`comparator_values`: metric, area, period, value). It replaces the `benchmarks`
//! table of the first schema (keyed by indicator, period and a comparator name), which only
//! the demo wrote.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organisations {
    Table,
    AreaCode,
    ComparatorGroupId,
}

#[derive(DeriveIden)]
enum Indicators {
    Table,
    ComparatorGroupId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;

        m.drop_table(Table::drop().table("benchmarks").to_owned())
            .await?;

        m.create_table(
            Table::create()
                .table("comparator_groups")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(string_len("name", 200))
                // The areas' GSS codes, upper case, comma-separated, in the order given.
                .col(text("area_codes"))
                .foreign_key(&mut fk(
                    "comparator_groups",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "comparator_groups",
            "name",
            &["organisation_id", "name"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("comparator_values")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(string_len("metric", 200))
                .col(string_len("area_code", 9))
                .col(string_len("area_name", 200))
                .col(string("period"))
                .col(double("value"))
                .foreign_key(&mut fk(
                    "comparator_values",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "comparator_values",
            "metric_area_period",
            &["organisation_id", "metric", "area_code", "period"],
            true,
        ))
        .await?;

        // One column per statement: SQLite alters one at a time. No foreign keys: SQLite
        // cannot add them to an existing table; the store checks the group is the council's.
        for column in [Organisations::AreaCode, Organisations::ComparatorGroupId] {
            let def = match column {
                Organisations::AreaCode => ColumnDef::new(column).string_len(9).null().to_owned(),
                _ => ColumnDef::new(column).big_integer().null().to_owned(),
            };
            m.alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .add_column(def)
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .add_column(
                    ColumnDef::new(Indicators::ComparatorGroupId)
                        .big_integer()
                        .null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;

        m.alter_table(
            Table::alter()
                .table(Indicators::Table)
                .drop_column(Indicators::ComparatorGroupId)
                .to_owned(),
        )
        .await?;
        for column in [Organisations::ComparatorGroupId, Organisations::AreaCode] {
            m.alter_table(
                Table::alter()
                    .table(Organisations::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_table(Table::drop().table("comparator_values").to_owned())
            .await?;
        m.drop_table(Table::drop().table("comparator_groups").to_owned())
            .await?;
        m.create_table(
            Table::create()
                .table("benchmarks")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("indicator_id"))
                .col(string("period"))
                .col(string("comparator"))
                .col(double("value"))
                .foreign_key(&mut fk(
                    "benchmarks",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("benchmarks", "indicator_id", "indicators", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "benchmarks",
            "indicator_period",
            &["indicator_id", "period", "comparator"],
            true,
        ))
        .await
    }
}
