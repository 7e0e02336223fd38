//! Validated strings: e-mail addresses, URL slugs and area codes.

use std::fmt;
use std::str::FromStr;

use crate::value::shorten;

/// An input that is not an acceptable e-mail address, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an e-mail address: {reason}")]
pub struct EmailError {
    /// The rejected input (shortened when very long).
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A normalised e-mail address: trimmed and lower-cased, one `@`, a non-empty local part, a
/// domain with a dot (and no empty labels), no spaces, at most 254 characters.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Email(String);

impl Email {
    /// The longest address accepted (RFC 5321's path limit, minus the angle brackets).
    pub const MAX_LEN: usize = 254;

    /// Validates and normalises `s`.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let norm = s.trim().to_lowercase();
        let fail = |reason| EmailError {
            input: shorten(s.trim()),
            reason,
        };
        if norm.is_empty() {
            return Err(fail("it is empty"));
        }
        if norm.len() > Self::MAX_LEN {
            return Err(fail("it is longer than 254 characters"));
        }
        if norm.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("it contains a space"));
        }
        let mut parts = norm.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(fail("it must contain exactly one @"));
        };
        if local.is_empty() {
            return Err(fail("nothing before the @"));
        }
        if !domain.contains('.') {
            return Err(fail(
                "the part after the @ must be a domain such as council.gov.uk",
            ));
        }
        if domain.split('.').any(str::is_empty) {
            return Err(fail(
                "the domain has an empty part (a leading, trailing or double dot)",
            ));
        }
        Ok(Email(norm))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Email::parse(s)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

/// An input that is not an acceptable slug, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a valid short name: {reason}")]
pub struct SlugError {
    /// The rejected input (shortened when very long).
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A short URL-safe name (e.g. an organisation's `barnet`): 2 to 63 characters of lowercase
/// `a-z`, digits and `-`, not starting or ending with `-`. Surrounding whitespace is
/// ignored; nothing else is changed.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct Slug(String);

impl Slug {
    /// Validates `s`.
    pub fn parse(s: &str) -> Result<Self, SlugError> {
        let t = s.trim();
        let fail = |reason| SlugError {
            input: shorten(t),
            reason,
        };
        let len = t.chars().count();
        if !(2..=63).contains(&len) {
            return Err(fail("it must be 2 to 63 characters long"));
        }
        if !t
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(fail("use only lowercase letters a-z, digits and -"));
        }
        if t.starts_with('-') || t.ends_with('-') {
            return Err(fail("it cannot start or end with -"));
        }
        Ok(Slug(t.to_owned()))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Slug {
    type Err = SlugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Slug::parse(s)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Slug::parse(&s)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

/// An input that is not an area code, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an area code: {reason}")]
pub struct AreaCodeError {
    /// The rejected input (shortened when very long).
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A GSS area code, the ONS's name for a council's area (e.g. `E07000146` for King's Lynn
/// and West Norfolk): one ASCII letter and eight digits. Surrounding whitespace is ignored
/// and the letter is upper-cased (`e07000146` → `E07000146`).
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(into = "String", try_from = "String")]
pub struct AreaCode(String);

impl AreaCode {
    /// Validates and normalises `s`.
    pub fn parse(s: &str) -> Result<Self, AreaCodeError> {
        let t = s.trim();
        let fail = |reason| AreaCodeError {
            input: shorten(t),
            reason,
        };
        if t.is_empty() {
            return Err(fail("it is empty"));
        }
        match t.as_bytes() {
            [letter, digits @ ..]
                if letter.is_ascii_alphabetic()
                    && digits.len() == 8
                    && digits.iter().all(u8::is_ascii_digit) =>
            {
                Ok(AreaCode(t.to_ascii_uppercase()))
            }
            _ => Err(fail("write one letter and eight digits, such as E07000146")),
        }
    }

    /// The code, upper case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for AreaCode {
    type Err = AreaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AreaCode::parse(s)
    }
}

impl AsRef<str> for AreaCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AreaCode {
    type Error = AreaCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(a: AreaCode) -> String {
        a.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_normalised() {
        let e = Email::parse("  Jane.Smith@Council.GOV.uk ").unwrap();
        assert_eq!(e.as_str(), "jane.smith@council.gov.uk");
        assert_eq!(e.to_string(), "jane.smith@council.gov.uk");
        assert_eq!(e.domain(), "council.gov.uk");
        assert_eq!(
            "a+tag@x.org".parse::<Email>().unwrap().as_str(),
            "a+tag@x.org"
        );
    }

    #[test]
    fn bad_emails() {
        for (bad, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("jane", "exactly one @"),
            ("jane@@council.gov.uk", "exactly one @"),
            ("a@b@c.uk", "exactly one @"),
            ("@council.gov.uk", "nothing before"),
            ("jane@localhost", "domain"),
            ("jane@", "domain"),
            ("jane smith@council.gov.uk", "space"),
            ("jane@council .gov.uk", "space"),
            ("jane\t@x.uk", "space"),
            ("jane@.council.uk", "empty part"),
            ("jane@council.uk.", "empty part"),
            ("jane@council..uk", "empty part"),
        ] {
            let e = Email::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        let long = format!("{}@x.uk", "a".repeat(250));
        assert!(Email::parse(&long).unwrap_err().reason.contains("254"));
        let ok = format!("{}@x.uk", "a".repeat(249));
        assert_eq!(Email::parse(&ok).unwrap().as_str().len(), 254);
    }

    #[test]
    fn slugs() {
        assert_eq!(Slug::parse("barnet").unwrap().as_str(), "barnet");
        assert_eq!(
            Slug::parse(" north-yorks-2 ").unwrap().to_string(),
            "north-yorks-2"
        );
        assert!(Slug::parse("ab").is_ok());
        assert!(Slug::parse(&"a".repeat(63)).is_ok());
        for (bad, why) in [
            ("a", "2 to 63"),
            ("", "2 to 63"),
            ("Barnet", "lowercase"),
            ("bar net", "lowercase"),
            ("bar_net", "lowercase"),
            ("café", "lowercase"),
            ("-barnet", "start or end"),
            ("barnet-", "start or end"),
        ] {
            let e = Slug::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        assert!(Slug::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn area_codes() {
        let a = AreaCode::parse(" e07000146 ").unwrap();
        assert_eq!(a.as_str(), "E07000146");
        assert_eq!(a.to_string(), "E07000146");
        assert_eq!(
            "W06000015".parse::<AreaCode>().unwrap().as_str(),
            "W06000015"
        );
        assert_eq!(String::from(a.clone()), "E07000146");
        assert_eq!(AreaCode::try_from("E07000146".to_string()), Ok(a));
        for (bad, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("E0700014", "one letter and eight digits"),
            ("E070001466", "one letter and eight digits"),
            ("07000146", "one letter and eight digits"),
            ("EE0700014", "one letter and eight digits"),
            ("E07 00146", "one letter and eight digits"),
            ("É07000146", "one letter and eight digits"),
            ("E0700014６", "one letter and eight digits"),
            ("King's Lynn", "one letter and eight digits"),
        ] {
            let e = AreaCode::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(why), "{bad}: {e}");
        }
        assert_eq!(
            AreaCode::parse("E123").unwrap_err().to_string(),
            "\"E123\" is not an area code: write one letter and eight digits, such as E07000146"
        );
    }

    proptest! {
        #[test]
        fn area_code_parse_is_idempotent(s in "\\PC{0,12}") {
            if let Ok(a) = AreaCode::parse(&s) {
                prop_assert_eq!(AreaCode::parse(a.as_str()), Ok(a.clone()));
                prop_assert_eq!(a.as_str().len(), 9);
            }
        }

        #[test]
        fn email_parse_is_idempotent(s in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
            }
        }

        #[test]
        fn slug_parse_is_idempotent(s in "[a-z0-9-]{0,70}") {
            if let Ok(slug) = Slug::parse(&s) {
                prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug.clone()));
            }
        }
    }
}
