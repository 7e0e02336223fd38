//! Reading a request's input: every argument and input field is parsed here, once, into the
//! core and store types the writes and reads take (parse, don't validate). What only the data
//! can refuse is the store's to refuse.
use async_graphql::{ID, MaybeUndefined};
use pmf_core::Period;
use pmf_store::Change;

use super::scalars::Date;
use crate::error::{ApiError, GqlError, GqlResult, Problem, gql};

/// A form's input read field by field, every problem kept rather than the first returned:
/// `field` gives the parsed value (or its default when refused, never used since `finish`
/// then refuses the whole input), `store` adds the store's own checks of what parsed, and
/// `finish` reports them all at once (`extensions.problems`, each with its field).
#[derive(Default)]
pub struct Form(Vec<Problem>);

impl Form {
    /// The parsed value of `field`, or its default with the problem kept.
    pub fn field<T: Default>(&mut self, field: &str, parsed: GqlResult<T>) -> T {
        match parsed {
            Ok(v) => v,
            Err(GqlError(e)) => {
                let code = match e.extensions.as_ref().and_then(|x| x.get("code")) {
                    Some(async_graphql::Value::String(c)) if c == "NOT_FOUND" => "NOT_FOUND",
                    _ => "BAD_USER_INPUT",
                };
                self.0.push(Problem {
                    field: Some(field.to_string()),
                    code,
                    message: e.message,
                });
                T::default()
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds the store's refusals of what parsed, one problem a field (a field refused
    /// already, whose value is a stand-in, keeps its first); any other store error stops at
    /// once.
    pub fn store(&mut self, checked: Result<(), pmf_store::StoreError>) -> GqlResult<()> {
        match checked.map_err(ApiError::from) {
            Ok(()) => Ok(()),
            Err(ApiError::Problems(list)) => {
                for problem in list {
                    if problem.field.is_none() || !self.0.iter().any(|p| p.field == problem.field) {
                        self.0.push(problem);
                    }
                }
                Ok(())
            }
            Err(e @ (ApiError::BadInput(_) | ApiError::NotFound(_) | ApiError::Conflict(_))) => {
                self.0.push(Problem {
                    field: None,
                    code: e.code(),
                    message: e.to_string(),
                });
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `Ok` when nothing was refused, else every problem in one error (`ApiError::Problems`:
    /// their code when they share one, else BAD_USER_INPUT).
    pub fn finish(self) -> GqlResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Problems(self.0).into())
        }
    }
}

/// The longest title or name.
pub const MAX_TITLE: usize = 300;
/// The longest commentary, description or reason.
pub const MAX_TEXT: usize = 20_000;
/// The longest reference or code.
pub const MAX_REF: usize = 32;

/// A required, trimmed, bounded line of text.
pub fn required_text(field: &str, value: &str, max: usize) -> GqlResult<String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(gql::bad_input(format!("{field} must not be empty")));
    }
    if v.chars().count() > max {
        return Err(gql::bad_input(format!(
            "{field} is longer than {max} characters"
        )));
    }
    Ok(v.to_string())
}

/// [`required_text`] of a field that may be left out.
pub fn new_text(field: &str, value: Option<&str>, max: usize) -> GqlResult<Option<String>> {
    value.map(|v| required_text(field, v, max)).transpose()
}

/// Optional text: blank becomes null.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> GqlResult<Option<String>> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}

/// Clearable text: absent leaves it, null or blank clears it.
pub fn clearable_text(
    field: &str,
    value: &MaybeUndefined<String>,
    max: usize,
) -> GqlResult<Change<String>> {
    Ok(match value {
        MaybeUndefined::Undefined => Change::Leave,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => match optional_text(field, Some(v), max)? {
            Some(v) => Change::To(v),
            None => Change::Clear,
        },
    })
}

/// A finite number.
pub fn finite(field: &str, value: f64) -> GqlResult<f64> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(gql::bad_input(format!("{field} must be a finite number")))
    }
}

/// Parses a period argument, naming the accepted forms when it is wrong.
pub fn period(text: &str) -> GqlResult<Period> {
    Period::parse(text).map_err(|e| gql::bad_input(e.to_string()))
}

/// Parses an `ID` argument of the given kind; a malformed one is simply not found.
pub fn id(id: &ID, what: &str) -> GqlResult<i64> {
    id.parse::<i64>()
        .map_err(|_| gql::not_found(what, id.as_str()))
}

/// An optional `ID` argument.
pub fn optional_id(value: Option<&ID>, what: &str) -> GqlResult<Option<i64>> {
    value.map(|v| id(v, what)).transpose()
}

/// A clearable `ID`: absent leaves it, null clears it.
pub fn clearable_id(value: &MaybeUndefined<ID>, what: &str) -> GqlResult<Change<i64>> {
    Ok(match value {
        MaybeUndefined::Undefined => Change::Leave,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => Change::To(id(v, what)?),
    })
}

/// A clearable date.
pub fn clearable_date(value: &MaybeUndefined<Date>) -> Change<chrono::NaiveDate> {
    clearable(value, |d| d.0)
}

/// Any clearable value, converted.
pub fn clearable<T: Clone, U>(value: &MaybeUndefined<T>, into: impl FnOnce(T) -> U) -> Change<U> {
    match value {
        MaybeUndefined::Undefined => Change::Leave,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(v) => Change::To(into(v.clone())),
    }
}

/// A clearable period.
pub fn clearable_period(value: &MaybeUndefined<String>) -> GqlResult<Change<Period>> {
    Ok(match value {
        MaybeUndefined::Undefined => Change::Leave,
        MaybeUndefined::Null => Change::Clear,
        MaybeUndefined::Value(p) => Change::To(period(p)?),
    })
}

/// The number of decimals an indicator shows: 0 to 6.
pub fn decimals(value: i32) -> GqlResult<u8> {
    u8::try_from(value)
        .ok()
        .filter(|d| *d <= 6)
        .ok_or_else(|| gql::bad_input("decimals must be between 0 and 6"))
}
