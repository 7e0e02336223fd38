//! What each outbox message covers, one row per (item, period, stage, recipient): the
//! reminder ladder's "sent at most once" guarantee (docs/rules.md §10) and the link between a daily
//! alert digest and the alerts it bundles.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("notification_items")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("notification_id"))
                // INDICATOR, ACTION (reminders) or ALERT (an alert held for a daily digest).
                .col(string("item_kind"))
                .col(big_integer("item_id"))
                .col(string("period"))
                // DUE_SOON, DUE_TODAY, OVERDUE-<week>, ESCALATION, or DIGEST.
                .col(string("stage"))
                .col(big_integer("recipient_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notification_items_organisation_id")
                        .from("notification_items", "organisation_id")
                        .to("organisations", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notification_items_notification_id")
                        .from("notification_items", "notification_id")
                        .to("notifications", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_notification_items_recipient_id")
                        .from("notification_items", "recipient_id")
                        .to("users", "id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("uq_notification_items_item_stage_recipient")
                .table("notification_items")
                .col("organisation_id")
                .col("item_kind")
                .col("item_id")
                .col("period")
                .col("stage")
                .col("recipient_id")
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_notification_items_notification")
                .table("notification_items")
                .col("notification_id")
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table("notification_items")
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
