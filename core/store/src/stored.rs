//! Typed columns: a stored spelling parsed once, where the row is read.
//!
//! [`Stored<T>`] is the column type of every value kept as text in its one spelling: the
//! enums of `pmf-core` (`Frequency`, `Role`, `Lifecycle`, …) and `Period`. It is sea-orm's
//! "string-like value type" (what `#[derive(DeriveValueType)]` with `value_type = "String"`
//! expands to) written once, generically, for every `T: FromStr + Display`, because those
//! types live in `pmf-core`, which knows nothing of sea-orm, and a derive must sit on the
//! type itself.
//!
//! - Reading a row parses the column with `T::from_str` and accepts only the text `T`
//!   itself writes (its `Display`): a spelling written by hand, or by an older version, is a
//!   database error naming the column's type and the text, not a value that silently
//!   matches nothing.
//! - Writing (`Set(Stored(x))`, `Column::Period.eq(Stored(p))`) stores `x.to_string()`.
//! - serde goes through the same spelling, so audit entries read as before.
use std::{
    fmt::{self, Display, Write},
    ops::Deref,
    str::FromStr,
};

use sea_orm::{
    ColIdx, DbErr, IntoActiveValue, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{self, ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
};

/// A column holding a `T` in its one written form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Stored<T>(pub T);

impl<T> Stored<T> {
    /// The value.
    pub fn get(self) -> T {
        self.0
    }
}

impl<T> Deref for Stored<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T> From<T> for Stored<T> {
    fn from(value: T) -> Self {
        Stored(value)
    }
}

impl<T: Display> Display for Stored<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether `value` writes exactly `text`, without building the string.
fn writes_exactly<T: Display>(value: &T, text: &str) -> bool {
    struct Compare<'a> {
        rest: &'a str,
    }
    impl Write for Compare<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            match self.rest.strip_prefix(s) {
                Some(rest) => {
                    self.rest = rest;
                    Ok(())
                }
                None => Err(fmt::Error),
            }
        }
    }
    let mut compare = Compare { rest: text };
    write!(compare, "{value}").is_ok() && compare.rest.is_empty()
}

impl<T> Stored<T>
where
    T: FromStr + Display,
    T::Err: Display,
{
    /// Parses a stored spelling: only the one `T` writes is accepted.
    pub fn parse(text: &str) -> Result<Self, String> {
        let what = std::any::type_name::<T>()
            .rsplit("::")
            .next()
            .unwrap_or("value");
        let value =
            T::from_str(text).map_err(|e| format!("stored {what} {text:?} is not valid: {e}"))?;
        if writes_exactly(&value, text) {
            Ok(Stored(value))
        } else {
            Err(format!(
                "stored {what} {text:?} is not written as {value} is always written"
            ))
        }
    }
}

impl<T: Display> From<Stored<T>> for Value {
    fn from(source: Stored<T>) -> Self {
        Value::String(Some(source.0.to_string()))
    }
}

impl<T> TryGetable for Stored<T>
where
    T: FromStr + Display,
    T::Err: Display,
{
    fn try_get_by<I: ColIdx>(res: &QueryResult, idx: I) -> Result<Self, TryGetError> {
        let text = String::try_get_by(res, idx)?;
        Stored::parse(&text).map_err(|e| TryGetError::DbErr(DbErr::Type(e)))
    }
}

impl<T> ValueType for Stored<T>
where
    T: FromStr + Display,
    T::Err: Display,
{
    fn try_from(v: Value) -> Result<Self, ValueTypeErr> {
        let text = <String as ValueType>::try_from(v)?;
        Stored::parse(&text).map_err(|_| ValueTypeErr)
    }

    fn type_name() -> String {
        format!("Stored<{}>", std::any::type_name::<T>())
    }

    fn array_type() -> ArrayType {
        ArrayType::String
    }

    fn column_type() -> ColumnType {
        ColumnType::String(StringLen::None)
    }
}

impl<T> Nullable for Stored<T> {
    fn null() -> Value {
        Value::String(None)
    }
}

impl<T> sea_query::postgres_array::NotU8 for Stored<T> {}

impl<T> IntoActiveValue<Stored<T>> for Stored<T>
where
    T: FromStr + Display,
    T::Err: Display,
{
    fn into_active_value(self) -> sea_orm::ActiveValue<Stored<T>> {
        sea_orm::ActiveValue::Set(self)
    }
}

impl<T: Display> serde::Serialize for Stored<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de, T> serde::Deserialize<'de> for Stored<T>
where
    T: FromStr + Display,
    T::Err: Display,
{
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Stored::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use pmf_core::{Frequency, Period};

    use super::*;

    #[test]
    fn only_the_written_form_is_read() {
        for canonical in ["2025-26", "2025-26 Q1", "2025-06", "Dec 2011", "2011-12"] {
            assert_eq!(
                Stored::<Period>::parse(canonical).map(|p| p.to_string()),
                Ok(canonical.to_string())
            );
        }
        for other in [
            "2025-26 q1",
            "Jun 2025",
            "June 2025",
            " 2025-06",
            "2025-06 ",
            "2025-13",
            "",
        ] {
            assert!(Stored::<Period>::parse(other).is_err(), "{other:?}");
        }
        assert_eq!(
            Stored::<Frequency>::parse("MONTHLY"),
            Ok(Stored(Frequency::Monthly))
        );
        let e = Stored::<Frequency>::parse("monthly").unwrap_err();
        assert!(e.contains("Frequency") && e.contains("monthly"), "{e}");
        assert!(Stored::<Frequency>::parse("WEEKLY").is_err());
    }

    #[test]
    fn values_and_json_use_the_spelling() {
        let p = Period::parse("2025-26 Q2").unwrap();
        assert_eq!(
            Value::from(Stored(p)),
            Value::String(Some("2025-26 Q2".into()))
        );
        assert_eq!(
            serde_json::to_string(&Stored(Frequency::Quarterly)).unwrap(),
            "\"QUARTERLY\""
        );
        let back: Stored<Period> = serde_json::from_str("\"2025-26 Q2\"").unwrap();
        assert_eq!(back, Stored(p));
    }
}
