//! Links into the dashboard, complete when a message is rendered.

/// A page of the dashboard a message links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// `/#/indicators/ID`.
    Indicator(i64),
    /// `/#/actions/ID`.
    Action(i64),
}

impl Page {
    /// The page's path on the dashboard: `/#/indicators/7`.
    pub fn path(self) -> String {
        match self {
            Page::Indicator(id) => format!("/#/indicators/{id}"),
            Page::Action(id) => format!("/#/actions/{id}"),
        }
    }
}

/// Where the dashboard is (`PUBLIC_URL`), so every link is whole in the message as it is
/// stored in the outbox: nothing rewrites a body when it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    base: String,
}

impl Links {
    /// From the dashboard's address (`PUBLIC_URL`, as `pmf_process::public_url` reads it); a
    /// trailing slash is dropped.
    pub fn new(public_url: &str) -> Self {
        Self {
            base: public_url.trim().trim_end_matches('/').to_string(),
        }
    }

    /// The dashboard itself, without a trailing slash.
    pub fn dashboard(&self) -> &str {
        &self.base
    }

    /// The full address of a page: `https://performance.council.example/#/indicators/7`.
    pub fn to(&self, page: Page) -> String {
        format!("{}{}", self.base, page.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_whole() {
        let links = Links::new("https://performance.council.example/");
        assert_eq!(links.dashboard(), "https://performance.council.example");
        assert_eq!(
            links.to(Page::Indicator(7)),
            "https://performance.council.example/#/indicators/7"
        );
        assert_eq!(
            links.to(Page::Action(3)),
            "https://performance.council.example/#/actions/3"
        );
    }
}
