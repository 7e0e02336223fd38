//! sea-orm entities, one per table of the schema in `migrations/`.
pub mod action;
pub mod action_update;
pub mod api_token;
pub mod audit_entry;
pub mod benchmark;
pub mod deadline_extension;
pub mod exception_recipient;
pub mod indicator;
pub mod measurement;
pub mod notification;
pub mod objective;
pub mod organisation;
pub mod plan;
pub mod priority;
pub mod sweep_run;
pub mod target;
pub mod user;
