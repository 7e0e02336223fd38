use thiserror::Error;

/// What can go wrong below the API and the worker: one enum for every read and write of the
/// store. The first three are refusals a person can act on (their messages say what to do);
/// database errors keep their context for the log, and callers show clients only that
/// something internal failed.
#[derive(Debug, Error)]
pub enum StoreError {
    /// What was asked for does not exist in this council ("no indicator with id 7").
    #[error("{0}")]
    NotFound(String),
    /// The change was made against data that moved on (a stale version) or would repeat
    /// what must be unique (a duplicate reference or e-mail).
    #[error("{0}")]
    Conflict(String),
    /// Input that only the data can refuse: a period outside the plan, a manager who reports
    /// to the user, a retired indicator.
    #[error("{0}")]
    Invalid(String),
    /// The database cannot be reached or refuses us: where (`host:port`, or the SQLite file)
    /// and why (refused, host name not found, TLS, authentication, no answer), in one line
    /// and never with the password. The cause is text, not a source, so that a report of
    /// the whole chain (`{:#}`) says it once.
    #[error("cannot connect to the database at {target}: {cause}")]
    Connect { target: String, cause: String },
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Mail(#[from] pmf_mail::RenderError),
}

impl StoreError {
    /// "no {what} with id {id}".
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("no {what} with id {id}"))
    }

    /// "{field}: no {what} with id {id}": a reference given in a field that names nothing.
    pub fn not_found_in(field: &str, what: &str, id: impl std::fmt::Display) -> Self {
        Self::NotFound(format!("{field}: no {what} with id {id}"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::Conflict(message.into())
    }

    /// A unique key refused the write: `Conflict` with `message`; any other error as it is.
    pub fn unique(e: sea_orm::DbErr, message: impl FnOnce() -> String) -> Self {
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Self::Conflict(message()),
            _ => Self::Db(e),
        }
    }

    /// "this {what} was changed by someone else (version {current}); reload it and try
    /// again": an edit made against a version the writer did not see.
    pub fn stale(what: &str, current: Option<i32>) -> Self {
        Self::Conflict(match current {
            Some(v) => format!(
                "this {what} was changed by someone else (version {v}); reload it and try again"
            ),
            None => format!("this {what} was changed by someone else; reload it and try again"),
        })
    }

    /// Whether this is a refusal to show as it is, rather than an internal failure.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::NotFound(_) | Self::Conflict(_) | Self::Invalid(_)
        )
    }
}
