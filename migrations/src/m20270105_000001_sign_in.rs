//! Signing in: sessions held by a browser's `pmf_session` cookie, e-mailed one-time links,
//! the per-address count of sign-in requests, started OpenID Connect sign-ins, each
//! council's single sign-on provider, and a user's binding to a provider's subject.
//!
//! Secrets (session, link, `state`) are stored only as SHA-256 hashes. `sign_in_requests`
//! is the one table without `organisation_id`: it counts requests for addresses that belong
//! to nobody too, and keeps only a hash of the address.
use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A foreign key that goes with the row it points at.
fn fk(table: &'static str, column: &'static str, to: &'static str) -> ForeignKeyCreateStatement {
    crate::helpers::fk(table, column, to, ForeignKeyAction::Cascade)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("sessions")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("user_id"))
                .col(string_uniq("secret_hash"))
                .col(string("method"))
                .col(string_null("user_agent"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("last_seen_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("ended_at"))
                .col(string_null("end_reason"))
                .foreign_key(&mut fk("sessions", "organisation_id", "organisations"))
                .foreign_key(&mut fk("sessions", "user_id", "users"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", "user", &["user_id"], false))
            .await?;

        m.create_table(
            Table::create()
                .table("sign_in_links")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(big_integer("user_id"))
                .col(string_uniq("token_hash"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .col(timestamp_with_time_zone_null("used_at"))
                .foreign_key(&mut fk("sign_in_links", "organisation_id", "organisations"))
                .foreign_key(&mut fk("sign_in_links", "user_id", "users"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("sign_in_requests")
                .col(big_pk_auto("id"))
                .col(string("email_hash"))
                .col(timestamp_with_time_zone("requested_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "sign_in_requests",
            "email_at",
            &["email_hash", "requested_at"],
            false,
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("pending_sign_ins")
                .col(big_pk_auto("id"))
                .col(big_integer("organisation_id"))
                .col(string_uniq("state_hash"))
                .col(text("pending"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("expires_at"))
                .foreign_key(&mut fk(
                    "pending_sign_ins",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("single_sign_on")
                .col(big_pk_auto("id"))
                .col(big_integer_uniq("organisation_id"))
                .col(string("display_name"))
                .col(string("issuer"))
                .col(string("client_id"))
                .col(string("client_secret"))
                .col(string_null("tenant_id"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "single_sign_on",
                    "organisation_id",
                    "organisations",
                ))
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(string_null("sso_issuer"))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("users")
                .add_column(string_null("sso_subject"))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "users",
            "sso_subject",
            &["organisation_id", "sso_issuer", "sso_subject"],
            true,
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("uq_users_sso_subject")
                .table("users")
                .to_owned(),
        )
        .await?;
        for column in ["sso_subject", "sso_issuer"] {
            m.alter_table(Table::alter().table("users").drop_column(column).to_owned())
                .await?;
        }
        for table in [
            "single_sign_on",
            "pending_sign_ins",
            "sign_in_requests",
            "sign_in_links",
            "sessions",
        ] {
            m.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
