//! What is outstanding, kept (issue 19, point 3): one row per (indicator or action, period)
//! that is due and not complete (`outstanding_items`), written in the same transaction as
//! every change that affects it, and per council the date up to which due items have been
//! derived (`outstanding_derived.through`; none yet: nothing is kept, and the council's next
//! sweep derives everything once). Existing councils get their row here, with no date.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::Cascade;
        m.create_table(
            Table::create()
                .table("outstanding_items")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer_null("indicator_id"))
                .col(big_integer_null("action_id"))
                .col(string_len("period", 16))
                .col(date("due_date"))
                .col(boolean("extended"))
                // VALUE, COMMENTARY or UPDATE.
                .col(string_len("missing", 16))
                .col(big_integer_null("owner_id"))
                .col(big_integer_null("priority_id"))
                .col(string("reference"))
                .col(text("title"))
                .foreign_key(&mut fk(
                    "outstanding_items",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "outstanding_items",
                    "indicator_id",
                    "indicators",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "outstanding_items",
                    "action_id",
                    "actions",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "outstanding_items",
            "indicator_period",
            &["indicator_id", "period"],
            true,
        ))
        .await?;
        m.create_index(index(
            "outstanding_items",
            "action_period",
            &["action_id", "period"],
            true,
        ))
        .await?;
        m.create_index(index(
            "outstanding_items",
            "due",
            &["organisation_id", "due_date"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("outstanding_derived")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(date_null("through"))
                .foreign_key(&mut fk(
                    "outstanding_derived",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "outstanding_derived",
            "organisation",
            &["organisation_id"],
            true,
        ))
        .await?;
        // Every council there is: nothing derived yet.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO outstanding_derived (organisation_id, through) \
                 SELECT id, NULL FROM organisations",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in ["outstanding_derived", "outstanding_items"] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
