use thiserror::Error;

/// What can go wrong below the API and the worker. Database errors keep their context for the
/// log; callers show clients only that something internal failed.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot connect to the database at {target}: {source}")]
    Connect {
        target: String,
        #[source]
        source: sea_orm::DbErr,
    },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Mail(#[from] pmf_mail::RenderError),
}
