//! End-to-end tests: the real router against a real database (SQLite by default,
//! PostgreSQL when `DATABASE_URL` points at one). One binary, many modules.
mod e2e {
    pub mod accessibility;
    pub mod alerts;
    pub mod benchmarking;
    pub mod browser;
    pub mod browser_updates;
    pub mod cache;
    pub mod conformance;
    pub mod contract;
    pub mod database;
    pub mod fixtures;
    pub mod kept_results;
    pub mod oidc_client;
    pub mod operations;
    pub mod outstanding;
    pub mod owners;
    pub mod pack;
    pub mod presentation;
    pub mod query_cost;
    pub mod rating_settings;
    pub mod read;
    pub mod report;
    pub mod report_print;
    pub mod sign_in;
    pub mod sign_in_oidc;
    pub mod updates;
    pub mod workbook;
    pub mod worker;
    pub mod write;
}
