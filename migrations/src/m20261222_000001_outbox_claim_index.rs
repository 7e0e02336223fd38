//! The outbox's claim (`status IN ('PENDING', 'FAILED') AND next_attempt_at <= now …
//! ORDER BY next_attempt_at, id LIMIT batch`) as an index scan. With only
//! `ix_notifications_due (status, next_attempt_at)`, PostgreSQL reads and sorts the whole
//! backlog for every batch it claims: 4.4 ms a claim with 10,000 messages waiting, and more
//! as updated rows leave dead versions behind, so delivering a backlog of n messages cost
//! O(n²). This partial index holds only the rows delivery can still claim, in claim order
//! (0.06 ms a claim at 10,000; see BENCHMARKS.md, part 4). SQLite reads it too.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS ix_notifications_claim \
                 ON notifications (next_attempt_at, id) \
                 WHERE status IN ('PENDING', 'FAILED')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS ix_notifications_claim")
            .await?;
        Ok(())
    }
}
