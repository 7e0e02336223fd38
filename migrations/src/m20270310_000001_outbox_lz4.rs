//! The outbox's bodies compressed with LZ4 on PostgreSQL (issue 19, the sweep). A
//! deadline-morning sweep writes tens of thousands of digests at once. PostgreSQL compresses
//! a body over about 2 kB before storing it, by default with pglz; LZ4 does the same about
//! eight times faster (27,793 bodies of ~6 kB: 1.34 s against 0.17 s of inserting here). At
//! the bench's sizes (1.8 kB on average, 7.4 kB at most) only the larger digests are
//! compressed, so the sweep gains little today; a council whose digests are longer gains
//! more. A server built without LZ4 keeps pglz (the statement is skipped with a notice);
//! SQLite does not compress and has nothing to change. Existing rows stay as they are: only
//! new values are compressed the new way.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Sets the bodies' compression (`lz4`, or `default` for pglz); a server that cannot is left
/// as it is, with a notice.
fn set_compression(method: &str) -> String {
    format!(
        r#"DO $$
BEGIN
  EXECUTE 'ALTER TABLE notifications
             ALTER COLUMN body_html SET COMPRESSION {method},
             ALTER COLUMN body_text SET COMPRESSION {method}';
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'notifications keep their compression: %', SQLERRM;
END $$"#
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(&set_compression("lz4"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() == sea_orm::DbBackend::Postgres {
            m.get_connection()
                .execute_unprepared(&set_compression("default"))
                .await?;
        }
        Ok(())
    }
}
