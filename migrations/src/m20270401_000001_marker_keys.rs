//! The sweep's markers (`notification_items`) keep one foreign key, to their message (issue 19,
//! the sweep). A marker belongs to the message that covers it and goes with it
//! (`ON DELETE CASCADE`); its `organisation_id` and `recipient_id` are the message's own,
//! copied so that the unique index behind "each stage at most once" can hold them. Their two
//! foreign keys guarded nothing the message's did not: a council's messages go with the
//! council, and people are never deleted, only made inactive. Each cost a look-up in another
//! table for every marker written (43,000 on the bench's deadline morning at 400 councils,
//! 200,000 on the Friday before): with them, checking foreign keys was 30 % of PostgreSQL's
//! time in that sweep, without them 21 % (`perf`, BENCHMARKS.md).
//!
//! PostgreSQL drops the two constraints; SQLite, which cannot drop a foreign key, builds the
//! table again without them (rows, ids and indexes kept).
use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "notification_items";
const REBUILT: &str = "notification_items_rebuilt";

/// The markers' table, with the message's foreign key and, when `all_keys`, the two dropped
/// here.
fn table(name: &'static str, all_keys: bool) -> TableCreateStatement {
    let mut t = Table::create();
    t.table(name)
        .col(big_pk_auto("id"))
        .col(big_integer("organisation_id"))
        .col(big_integer("notification_id"))
        .col(string("item_kind"))
        .col(big_integer("item_id"))
        .col(string("period"))
        .col(string("stage"))
        .col(big_integer("recipient_id"))
        .col(timestamp_with_time_zone("created_at"))
        .foreign_key(
            ForeignKey::create()
                .name("fk_notification_items_notification_id")
                .from(name, "notification_id")
                .to("notifications", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
    if all_keys {
        t.foreign_key(
            ForeignKey::create()
                .name("fk_notification_items_organisation_id")
                .from(name, "organisation_id")
                .to("organisations", "id")
                .on_delete(ForeignKeyAction::Cascade),
        )
        .foreign_key(
            ForeignKey::create()
                .name("fk_notification_items_recipient_id")
                .from(name, "recipient_id")
                .to("users", "id")
                .on_delete(ForeignKeyAction::Cascade),
        );
    }
    t.to_owned()
}

/// SQLite: the table built again as `table(all_keys)`, its rows and indexes kept. One script
/// on one connection: the migrator's statements may each go to another connection of the
/// pool, which could still see the table as it was.
async fn rebuild_on_sqlite(m: &SchemaManager<'_>, all_keys: bool) -> Result<(), DbErr> {
    let unique = Index::create()
        .name("uq_notification_items_item_stage_recipient")
        .table(TABLE)
        .col("organisation_id")
        .col("item_kind")
        .col("item_id")
        .col("period")
        .col("stage")
        .col("recipient_id")
        .unique()
        .to_owned();
    let by_message = Index::create()
        .name("ix_notification_items_notification")
        .table(TABLE)
        .col("notification_id")
        .to_owned();
    let script = [
        "BEGIN".to_string(),
        table(REBUILT, all_keys).to_string(SqliteQueryBuilder),
        format!("INSERT INTO {REBUILT} SELECT * FROM {TABLE}"),
        format!("DROP TABLE {TABLE}"),
        format!("ALTER TABLE {REBUILT} RENAME TO {TABLE}"),
        unique.to_string(SqliteQueryBuilder),
        by_message.to_string(SqliteQueryBuilder),
        "COMMIT".to_string(),
    ]
    .join(";\n");
    m.get_connection().execute_unprepared(&script).await?;
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Postgres => {
                m.get_connection()
                    .execute_unprepared(
                        "ALTER TABLE notification_items \
                         DROP CONSTRAINT IF EXISTS fk_notification_items_organisation_id, \
                         DROP CONSTRAINT IF EXISTS fk_notification_items_recipient_id",
                    )
                    .await?;
                Ok(())
            }
            _ => rebuild_on_sqlite(m, false).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DbBackend::Postgres => {
                m.get_connection()
                    .execute_unprepared(
                        "ALTER TABLE notification_items \
                         ADD CONSTRAINT fk_notification_items_organisation_id \
                           FOREIGN KEY (organisation_id) REFERENCES organisations (id) \
                           ON DELETE CASCADE, \
                         ADD CONSTRAINT fk_notification_items_recipient_id \
                           FOREIGN KEY (recipient_id) REFERENCES users (id) ON DELETE CASCADE",
                    )
                    .await?;
                Ok(())
            }
            _ => rebuild_on_sqlite(m, true).await,
        }
    }
}
