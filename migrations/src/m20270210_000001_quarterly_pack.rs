//! The quarterly pack sent to Cabinet (issue 20): per plan whether its pack is sent and to
//! whom (`quarterly_packs`, `quarterly_pack_recipients`), and each quarter's release by the
//! performance team (`quarterly_pack_releases`, one per plan and quarter: releasing is done
//! once, and its messages go through the outbox with one dedupe key per recipient).
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
                .table("quarterly_packs")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("plan_id"))
                .col(boolean("send").default(false))
                .foreign_key(&mut fk(
                    "quarterly_packs",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("quarterly_packs", "plan_id", "plans", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index("quarterly_packs", "plan", &["plan_id"], true))
            .await?;

        m.create_table(
            Table::create()
                .table("quarterly_pack_recipients")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("plan_id"))
                .col(big_integer("user_id"))
                .foreign_key(&mut fk(
                    "quarterly_pack_recipients",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "quarterly_pack_recipients",
                    "plan_id",
                    "plans",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "quarterly_pack_recipients",
                    "user_id",
                    "users",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "quarterly_pack_recipients",
            "plan_user",
            &["plan_id", "user_id"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("quarterly_pack_releases")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("plan_id"))
                .col(string_len("period", 16))
                .col(timestamp_with_time_zone("released_at"))
                .col(big_integer_null("released_by_id"))
                .col(integer("recipients"))
                .foreign_key(&mut fk(
                    "quarterly_pack_releases",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "quarterly_pack_releases",
                    "plan_id",
                    "plans",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "quarterly_pack_releases",
                    "released_by_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "quarterly_pack_releases",
            "plan_period",
            &["plan_id", "period"],
            true,
        ))
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "quarterly_pack_releases",
            "quarterly_pack_recipients",
            "quarterly_packs",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
