//! End-to-end tests: the real router against a real database (SQLite by default,
//! PostgreSQL when `DATABASE_URL` points at one). One binary, many modules.
mod e2e {
    pub mod contract;
    pub mod fixtures;
    pub mod operations;
    pub mod read;
    pub mod write;
    pub mod worker;
    pub mod alerts;
}
