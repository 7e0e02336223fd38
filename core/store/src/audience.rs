//! Who reads: what a read may show depends on it.

/// A signed-in user sees everything of their council; the public portal (a council named
/// by `X-Organisation`, nobody signed in) sees published plans and their priorities,
/// published indicators that are not proposed and are outside unpublished plans, and never
/// users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    SignedIn,
    Public,
}

impl Audience {
    pub fn is_public(self) -> bool {
        self == Audience::Public
    }
}
