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
    /// Every refusal of one write's input at once, each naming the input field it is about
    /// (a form shows them all together). Never empty.
    #[error("{}", join_refusals(.0))]
    Refused(Vec<Refusal>),
}

/// One refusal of a write's input: the field (as the API names it, `ownerId`) and why.
#[derive(Debug, Error)]
#[error("{error}")]
pub struct Refusal {
    pub field: String,
    /// `NotFound`, `Conflict` or `Invalid`.
    pub error: StoreError,
}

fn join_refusals(refusals: &[Refusal]) -> String {
    refusals
        .iter()
        .map(|r| r.error.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Collects a write's refusals so that all of them are reported together rather than the
/// first alone; anything that is not a refusal (the database) stops at once.
#[derive(Debug, Default)]
pub struct Refusals(Vec<Refusal>);

impl Refusals {
    /// The value, or `None` with the refusal kept against `field`.
    pub fn check<T>(
        &mut self,
        field: &str,
        result: Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match result {
            Ok(v) => Ok(Some(v)),
            Err(StoreError::Refused(list)) => {
                self.0.extend(list);
                Ok(None)
            }
            Err(e) if e.is_refusal() => {
                self.refuse(field, e);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Keeps a refusal against `field`.
    pub fn refuse(&mut self, field: &str, error: StoreError) {
        self.0.push(Refusal {
            field: field.to_string(),
            error,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the refusals of another check.
    pub fn extend(&mut self, other: Refusals) {
        self.0.extend(other.0);
    }

    /// `Ok` when nothing was refused, else every refusal as one [`StoreError::Refused`].
    pub fn finish(self) -> Result<(), StoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Refused(self.0))
        }
    }

    pub fn into_vec(self) -> Vec<Refusal> {
        self.0
    }
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
            Self::NotFound(_) | Self::Conflict(_) | Self::Invalid(_) | Self::Refused(_)
        )
    }
}
