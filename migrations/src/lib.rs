//! The one schema, for SQLite and PostgreSQL alike.
//!
//! Every table but `organisations` carries `organisation_id`: no row exists outside a council.
pub use sea_orm_migration::prelude::*;

mod helpers;

mod m20261122_000001_schema;
mod m20261201_000001_notification_items;
mod m20261222_000001_outbox_claim_index;
mod m20261229_000001_organisation_data_version;
mod m20270105_000001_sign_in;
mod m20270110_000001_workbook;
mod m20270201_000001_benchmarking;
mod m20270210_000001_quarterly_pack;
mod m20270301_000001_outstanding_items;
mod m20270310_000001_outbox_lz4;
mod m20270320_000001_results_version;
mod m20270401_000001_marker_keys;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_schema::Migration),
            Box::new(m20261201_000001_notification_items::Migration),
            Box::new(m20261222_000001_outbox_claim_index::Migration),
            Box::new(m20261229_000001_organisation_data_version::Migration),
            Box::new(m20270105_000001_sign_in::Migration),
            Box::new(m20270110_000001_workbook::Migration),
            Box::new(m20270201_000001_benchmarking::Migration),
            Box::new(m20270210_000001_quarterly_pack::Migration),
            Box::new(m20270301_000001_outstanding_items::Migration),
            Box::new(m20270310_000001_outbox_lz4::Migration),
            Box::new(m20270320_000001_results_version::Migration),
            Box::new(m20270401_000001_marker_keys::Migration),
        ]
    }
}
