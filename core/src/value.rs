//! Shared machinery for the enums whose spelling is stored in the database and exposed
//! through GraphQL (`"HIGHER_IS_BETTER"`, `"MONTHLY"`, `"NOT_STARTED"`, …).
//!
//! Every such enum gets `as_str()`, `parse()`, `FromStr`, `Display`, `ALL`, `SPELLINGS`,
//! and serde (de)serialisation through the very same spelling, so the database, the API and
//! JSON can never disagree.

/// A string that is not one of the spellings of an enum (for example a database value that
/// was edited by hand, or a typo in an import file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}: use one of {expected}")]
pub struct UnknownValue {
    /// What was being parsed, in words ("polarity", "frequency", …).
    pub kind: &'static str,
    /// The rejected input (shortened when very long).
    pub value: String,
    /// The accepted spellings, comma separated.
    pub expected: String,
}

impl UnknownValue {
    pub(crate) fn new(kind: &'static str, value: &str, expected: &[&str]) -> Self {
        UnknownValue {
            kind,
            value: shorten(value),
            expected: expected.join(", "),
        }
    }
}

/// Keeps error messages readable when a client sends something huge.
pub(crate) fn shorten(s: &str) -> String {
    const MAX: usize = 40;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

/// Implements `ALL`, `SPELLINGS`, `as_str`, `parse`, `FromStr`, `Display`, `From<T> for &'static str`
/// and `TryFrom<String>`/`TryFrom<&str>` for a fieldless enum. Combine with
/// `#[serde(into = "&'static str", try_from = "String")]` on the enum so that serde uses the
/// same spelling.
macro_rules! string_enum {
    ($ty:ident, $label:literal, { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// Every value with its API spelling, in declaration order (for
            /// [`crate::workbook::parse_word`]).
            pub const SPELLINGS: &'static [($ty, &'static str)] = &[$(($ty::$variant, $s)),+];

            /// The spelling used by the database and the GraphQL API.
            pub const fn as_str(&self) -> &'static str {
                match self {
                    $($ty::$variant => $s),+
                }
            }

            /// Parses the database/GraphQL spelling. Surrounding whitespace and ASCII case are
            /// ignored.
            pub fn parse(s: &str) -> Result<Self, $crate::value::UnknownValue> {
                let t = s.trim();
                $(
                    if t.eq_ignore_ascii_case($s) {
                        return Ok($ty::$variant);
                    }
                )+
                Err($crate::value::UnknownValue::new($label, s, &[$($s),+]))
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::value::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<$ty> for &'static str {
            fn from(v: $ty) -> &'static str {
                v.as_str()
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $crate::value::UnknownValue;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $ty::parse(&s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $crate::value::UnknownValue;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $ty::parse(s)
            }
        }
    };
}

pub(crate) use string_enum;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shorten_keeps_short_and_cuts_long() {
        assert_eq!(shorten("abc"), "abc");
        let long = "x".repeat(100);
        let s = shorten(&long);
        assert_eq!(s.chars().count(), 41);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn unknown_value_message_lists_choices() {
        let e = UnknownValue::new("polarity", "UP", &["A", "B"]);
        assert_eq!(
            e.to_string(),
            "\"UP\" is not a valid polarity: use one of A, B"
        );
    }
}
