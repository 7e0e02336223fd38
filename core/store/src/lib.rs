//! Data access shared by `api`, `worker` and the operator commands: sea-orm entities, and
//! every read and write they make, one module per aggregate.
//!
//! Every query here takes the organisation it reads or writes: nothing crosses councils.
//! Every write takes a [`UnitOfWork`] (or begins and commits one), which writes its audit
//! entries and moves the council's data version on in the write's own transaction.
//! The e-mails it puts in the outbox are rendered by `pmf-mail`; the per-test database
//! helper ([`testing`]) is there only with the `testing` feature, for test suites.
pub mod actions;
pub mod alerts;
pub mod audience;
pub mod audit;
pub mod benchmarking;
pub mod change;
pub mod data_version;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod entity;
pub mod error;
pub mod export;
pub mod import;
pub mod indicators;
pub mod kept_results;
pub mod nudges;
pub mod organisations;
pub mod outbox;
pub mod outstanding;
pub mod packs;
pub mod people;
pub mod plans;
pub mod reminders;
pub mod results;
pub mod scoped;
pub mod sign_in;
pub mod sizes;
pub mod stored;
#[cfg(feature = "testing")]
pub mod testing;
pub mod unit_of_work;

pub use audience::Audience;
pub use change::Change;
pub use db::{Database, DbKind};
pub use error::{Refusal, Refusals, StoreError};
pub use organisations::{Council, OrganisationSettings};
pub use stored::Stored;
pub use unit_of_work::UnitOfWork;
