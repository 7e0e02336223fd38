//! `organisations.data_version`: a number every change a council's queries can show moves
//! on. The API's response cache keys its answers on it, so several API processes share one
//! notion of "changed" through the database (see `pmf_store::touch_organisation`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "ALTER TABLE organisations ADD COLUMN data_version BIGINT NOT NULL DEFAULT 0",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared("ALTER TABLE organisations DROP COLUMN data_version")
            .await?;
        Ok(())
    }
}
