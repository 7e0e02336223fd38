//! The API's one error type, mapped once to the GraphQL error codes (`extensions.code`, README).
use async_graphql::ErrorExtensions;
use pmf_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Conflict(String),
    /// Every problem of a request's input at once, each naming its field: a form lists them
    /// all together (`extensions.problems`). Never empty.
    #[error("{}", problems_message(.0))]
    Problems(Vec<Problem>),
    /// Logged with its cause; clients see only that something went wrong on our side.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadInput(_) => "BAD_USER_INPUT",
            Self::Conflict(_) => "CONFLICT",
            Self::Problems(list) => match list.as_slice() {
                [first, rest @ ..] if rest.iter().all(|p| p.code == first.code) => first.code,
                _ => "BAD_USER_INPUT",
            },
            Self::Internal(_) => "INTERNAL",
        }
    }

    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        Self::Internal(e.into())
    }
}

/// One problem of a request's input: the input field it is about (as the schema names it,
/// `ownerId`), its code and what to do.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    pub field: Option<String>,
    pub code: &'static str,
    pub message: String,
}

fn problems_message(problems: &[Problem]) -> String {
    match problems {
        [one] => one.message.clone(),
        many => format!(
            "{} problems: {}",
            many.len(),
            many.iter()
                .map(|p| p.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The store's refusals of one write, each with its field.
fn refusals(list: Vec<pmf_store::Refusal>) -> Vec<Problem> {
    list.into_iter()
        .flat_map(|r| match ApiError::from(r.error) {
            ApiError::Problems(inner) => inner,
            e => vec![Problem {
                field: Some(r.field),
                code: e.code(),
                message: e.to_string(),
            }],
        })
        .collect()
}

/// The one mapping of the store's refusals: NOT_FOUND, CONFLICT and BAD_USER_INPUT with the
/// store's own message; anything else (the database, corrupt data) is INTERNAL.
impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(m) => Self::NotFound(m),
            StoreError::Conflict(m) => Self::Conflict(m),
            StoreError::Invalid(m) => Self::BadInput(m),
            StoreError::Refused(list) => Self::Problems(refusals(list)),
            e => Self::Internal(e.into()),
        }
    }
}

impl ApiError {
    /// The one mapping to a GraphQL error: the message and `extensions.code`. Internal
    /// errors are logged here with their cause and reach the client only as INTERNAL.
    pub fn to_graphql(&self) -> async_graphql::Error {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "internal error while answering a GraphQL request");
        }
        let code = self.code();
        let error = async_graphql::Error::new(self.to_string());
        match self {
            ApiError::Problems(problems) => {
                // Plain strings and nulls: serialising them cannot fail.
                let list = async_graphql::to_value(problems).unwrap_or_default();
                error.extend_with(|_, ext| {
                    ext.set("code", code);
                    ext.set("problems", list.clone());
                })
            }
            _ => error.extend_with(|_, ext| ext.set("code", code)),
        }
    }
}

/// What resolvers return: an `ApiError` already mapped to its GraphQL form. (async-graphql
/// converts any `Display` error without a code, so resolvers never return `ApiError` itself.)
#[derive(Debug, Clone)]
pub struct GqlError(pub async_graphql::Error);

impl From<GqlError> for async_graphql::Error {
    fn from(e: GqlError) -> Self {
        e.0
    }
}

impl From<ApiError> for GqlError {
    fn from(e: ApiError) -> Self {
        GqlError(e.to_graphql())
    }
}

impl From<StoreError> for GqlError {
    fn from(e: StoreError) -> Self {
        ApiError::from(e).into()
    }
}

/// A DataLoader's error: the store's, shared by every key of the batch.
impl From<std::sync::Arc<StoreError>> for GqlError {
    fn from(e: std::sync::Arc<StoreError>) -> Self {
        match std::sync::Arc::try_unwrap(e) {
            Ok(e) => e.into(),
            Err(shared) => ApiError::Internal(anyhow::Error::new(SharedStoreError(shared))).into(),
        }
    }
}

/// A store error more than one caller holds.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct SharedStoreError(std::sync::Arc<StoreError>);

pub type ApiResult<T> = Result<T, ApiError>;
/// The result type of every resolver.
pub type GqlResult<T> = Result<T, GqlError>;

/// Constructors for resolver errors, one per code.
pub mod gql {
    use super::{ApiError, GqlError};

    pub fn unauthenticated(msg: impl Into<String>) -> GqlError {
        ApiError::Unauthenticated(msg.into()).into()
    }
    pub fn forbidden(msg: impl Into<String>) -> GqlError {
        ApiError::Forbidden(msg.into()).into()
    }
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> GqlError {
        ApiError::NotFound(format!("no {what} with id {id}")).into()
    }
    pub fn bad_input(msg: impl Into<String>) -> GqlError {
        ApiError::BadInput(msg.into()).into()
    }
    pub fn internal(e: impl Into<anyhow::Error>) -> GqlError {
        ApiError::Internal(e.into()).into()
    }
}
