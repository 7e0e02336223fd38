//! The whole domain model (ARCHITECTURE.md describes it).
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{fk, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `organisation_id` referencing the council that owns the row.
fn org() -> ColumnDef {
    big_integer("organisation_id")
}

/// Tables in creation order (drop order is the reverse).
const TABLES: &[&str] = &[
    "organisations",
    "users",
    "api_tokens",
    "plans",
    "priorities",
    "exception_recipients",
    "objectives",
    "actions",
    "action_updates",
    "indicators",
    "targets",
    "measurements",
    "benchmarks",
    "deadline_extensions",
    "notifications",
    "audit_log",
    "sweep_runs",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use ForeignKeyAction::{Cascade, SetNull};

        m.create_table(
            Table::create()
                .table("organisations")
                .col(big_pk_auto("id"))
                .col(string("name"))
                .col(string_uniq("slug"))
                .col(string("time_zone").default("Europe/London"))
                .col(small_integer("fy_start_month").default(4))
                .col(small_integer("deadline_day").default(10))
                .col(string("reminder_time").default("08:00"))
                .col(boolean("amber_alerts").default(false))
                .col(timestamp_with_time_zone("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(org())
                .col(string("name"))
                .col(string("email"))
                .col(string("role"))
                .col(big_integer_null("manager_id"))
                .col(boolean("active").default(true))
                .col(string("notification_preference").default("IMMEDIATE"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "users",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("users", "manager_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "users",
            "org_email",
            &["organisation_id", "email"],
            true,
        ))
        .await?;
        m.create_index(index("users", "manager", &["manager_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("user_id"))
                .col(string("name"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone_null("expires_at"))
                .col(timestamp_with_time_zone_null("last_used_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "api_tokens",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("api_tokens", "user_id", "users", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index("api_tokens", "user", &["user_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("plans")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("parent_id"))
                .col(string("kind"))
                .col(string("title"))
                .col(date("start_date"))
                .col(date("end_date"))
                .col(string("status").default("ADOPTED"))
                .col(text_null("vision"))
                .col(text_null("mission"))
                .col(boolean("published").default(false))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "plans",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("plans", "parent_id", "plans", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index("plans", "org", &["organisation_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("priorities")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("plan_id"))
                .col(string_null("code"))
                .col(string("title"))
                .col(text_null("description"))
                .col(integer("position").default(0))
                .col(integer("version").default(1))
                .foreign_key(&mut fk(
                    "priorities",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("priorities", "plan_id", "plans", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index("priorities", "plan", &["plan_id", "position"], false))
            .await?;
        m.create_index(index(
            "priorities",
            "org_code",
            &["organisation_id", "plan_id", "code"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("exception_recipients")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("priority_id"))
                .col(big_integer("user_id"))
                .foreign_key(&mut fk(
                    "exception_recipients",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "exception_recipients",
                    "priority_id",
                    "priorities",
                    Cascade,
                ))
                .foreign_key(&mut fk("exception_recipients", "user_id", "users", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "exception_recipients",
            "priority_user",
            &["priority_id", "user_id"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("objectives")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("priority_id"))
                .col(string_null("code"))
                .col(string("title"))
                .foreign_key(&mut fk(
                    "objectives",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("objectives", "priority_id", "priorities", Cascade))
                .to_owned(),
        )
        .await?;
        m.create_index(index("objectives", "priority", &["priority_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("actions")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("priority_id"))
                .col(big_integer_null("objective_id"))
                .col(string_null("reference"))
                .col(string("title"))
                .col(text_null("description"))
                .col(big_integer_null("owner_id"))
                .col(big_integer_null("sponsor_id"))
                .col(string("delivery").default("COUNCIL"))
                .col(date_null("planned_start"))
                .col(date_null("actual_start"))
                .col(date_null("due_date"))
                .col(string_null("due_kind"))
                .col(date_null("estimated_completion"))
                .col(date_null("completed_on"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "actions",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("actions", "priority_id", "priorities", SetNull))
                .foreign_key(&mut fk("actions", "objective_id", "objectives", SetNull))
                .foreign_key(&mut fk("actions", "owner_id", "users", SetNull))
                .foreign_key(&mut fk("actions", "sponsor_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "actions",
            "org_ref",
            &["organisation_id", "reference"],
            true,
        ))
        .await?;
        m.create_index(index("actions", "priority", &["priority_id"], false))
            .await?;
        m.create_index(index("actions", "owner", &["owner_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("action_updates")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("action_id"))
                .col(string("period"))
                .col(date("period_end"))
                .col(string("status"))
                .col(text_null("commentary"))
                .col(text_null("next_steps"))
                .col(big_integer_null("author_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "action_updates",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("action_updates", "action_id", "actions", Cascade))
                .foreign_key(&mut fk("action_updates", "author_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "action_updates",
            "action_period",
            &["action_id", "period_end"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("indicators")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("priority_id"))
                .col(string("reference"))
                .col(string("title"))
                .col(text_null("definition"))
                .col(string("level"))
                .col(string("indicator_type").default("OUTCOME"))
                .col(string("unit"))
                .col(small_integer("decimals").default(0))
                .col(string("polarity"))
                .col(string("frequency"))
                .col(boolean("cumulative").default(false))
                .col(boolean("monitor_only").default(false))
                .col(string("tolerance_kind").default("RELATIVE"))
                .col(double("tolerance_value").default(5.0))
                .col(big_integer_null("owner_id"))
                .col(string_null("data_source"))
                .col(string_null("information_asset_ref"))
                .col(boolean("published").default(false))
                .col(string("lifecycle").default("ACTIVE"))
                .col(string_null("first_period"))
                .col(big_integer_null("proposed_by"))
                .col(big_integer_null("approved_by"))
                .col(timestamp_with_time_zone_null("approved_at"))
                .col(timestamp_with_time_zone_null("retired_at"))
                .col(integer("version").default(1))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "indicators",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("indicators", "priority_id", "priorities", SetNull))
                .foreign_key(&mut fk("indicators", "owner_id", "users", SetNull))
                .foreign_key(&mut fk("indicators", "proposed_by", "users", SetNull))
                .foreign_key(&mut fk("indicators", "approved_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "indicators",
            "org_ref",
            &["organisation_id", "reference"],
            true,
        ))
        .await?;
        m.create_index(index("indicators", "priority", &["priority_id"], false))
            .await?;
        m.create_index(index("indicators", "owner", &["owner_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("targets")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("indicator_id"))
                .col(string("period"))
                .col(double("value"))
                .col(big_integer_null("set_by"))
                .col(timestamp_with_time_zone("set_at"))
                .foreign_key(&mut fk(
                    "targets",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("targets", "indicator_id", "indicators", Cascade))
                .foreign_key(&mut fk("targets", "set_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "targets",
            "indicator_period",
            &["indicator_id", "period"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("measurements")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer("indicator_id"))
                .col(string("period"))
                .col(date("period_end"))
                .col(double_null("value"))
                .col(text_null("no_value_reason"))
                .col(text_null("commentary"))
                .col(big_integer_null("entered_by"))
                .col(timestamp_with_time_zone("entered_at"))
                .col(integer("version").default(1))
                .foreign_key(&mut fk(
                    "measurements",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "measurements",
                    "indicator_id",
                    "indicators",
                    Cascade,
                ))
                .foreign_key(&mut fk("measurements", "entered_by", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "measurements",
            "indicator_period",
            &["indicator_id", "period"],
            true,
        ))
        .await?;
        m.create_index(index(
            "measurements",
            "indicator_end",
            &["indicator_id", "period_end"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("benchmarks")
                .col(big_pk_auto("id"))
                .col(org())
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
        .await?;

        m.create_table(
            Table::create()
                .table("deadline_extensions")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("indicator_id"))
                .col(big_integer_null("action_id"))
                .col(string("period"))
                .col(date("due_date"))
                .col(text("reason"))
                .col(big_integer_null("granted_by"))
                .col(timestamp_with_time_zone("granted_at"))
                .foreign_key(&mut fk(
                    "deadline_extensions",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "deadline_extensions",
                    "indicator_id",
                    "indicators",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "deadline_extensions",
                    "action_id",
                    "actions",
                    Cascade,
                ))
                .foreign_key(&mut fk(
                    "deadline_extensions",
                    "granted_by",
                    "users",
                    SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "deadline_extensions",
            "indicator_period",
            &["indicator_id", "period"],
            true,
        ))
        .await?;
        m.create_index(index(
            "deadline_extensions",
            "action_period",
            &["action_id", "period"],
            true,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("notifications")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("recipient_id"))
                .col(string("recipient_email"))
                .col(string("kind"))
                .col(string_uniq("dedupe_key"))
                .col(string("subject"))
                .col(text("body_text"))
                .col(text("body_html"))
                .col(string("status").default("PENDING"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(timestamp_with_time_zone_null("locked_until"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(string_null("message_id"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "notifications",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("notifications", "recipient_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "notifications",
            "due",
            &["status", "next_attempt_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(org())
                .col(big_integer_null("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .col(string("entity"))
                .col(big_integer_null("entity_id"))
                .col(string("operation"))
                .col(text_null("before"))
                .col(text_null("after"))
                .foreign_key(&mut fk(
                    "audit_log",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .foreign_key(&mut fk("audit_log", "actor_id", "users", SetNull))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "audit_log",
            "org_entity_at",
            &["organisation_id", "entity", "at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("sweep_runs")
                .col(big_pk_auto("id"))
                .col(org())
                .col(string("kind"))
                .col(date("local_date"))
                .col(timestamp_with_time_zone("ran_at"))
                .foreign_key(&mut fk(
                    "sweep_runs",
                    "organisation_id",
                    "organisations",
                    Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "sweep_runs",
            "org_kind_date",
            &["organisation_id", "kind", "local_date"],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES.iter().rev() {
            m.drop_table(Table::drop().table(*table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
