//! Data access shared by `api` and `worker`: sea-orm entities and the queries both make.
//!
//! Every query here takes the organisation it reads or writes: nothing crosses councils.
//! The e-mails it puts in the outbox are rendered by `pmf-mail`; the per-test database
//! helper ([`testing`]) is there only with the `testing` feature, for test suites.
pub mod admin;
pub mod alerts;
pub mod audit;
pub mod data_version;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod entity;
pub mod error;
pub mod measurements;
pub mod outbox;
pub mod reminders;
pub mod results;
pub mod settings;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tokens;
pub mod unit_of_work;

pub use db::{Database, DbKind};
pub use error::StoreError;
pub use settings::OrganisationSettings;
pub use unit_of_work::UnitOfWork;
