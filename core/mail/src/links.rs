//! Links into the dashboard, complete when a message is rendered.
use pmf_core::Period;

/// A page of the dashboard a message links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Page {
    /// `/#/indicators/ID`.
    Indicator(i64),
    /// `/#/actions/ID`.
    Action(i64),
    /// `/#/my-updates`: everything the reader owes.
    MyUpdates,
    /// `/#/indicators/ID/record/PERIOD`: the form to record a value for one period.
    RecordValue(i64, Period),
    /// `/#/actions/ID/update/PERIOD`: the form to update an action for one quarter.
    UpdateAction(i64, Period),
}

/// A period in a link: its one space as `%20` ("2025-26%20Q2").
fn period_in_path(period: &Period) -> String {
    period.to_string().replace(' ', "%20")
}

impl Page {
    /// The page's path on the dashboard: `/#/indicators/7`.
    pub fn path(self) -> String {
        match self {
            Page::Indicator(id) => format!("/#/indicators/{id}"),
            Page::Action(id) => format!("/#/actions/{id}"),
            Page::MyUpdates => "/#/my-updates".to_string(),
            Page::RecordValue(id, period) => {
                format!("/#/indicators/{id}/record/{}", period_in_path(&period))
            }
            Page::UpdateAction(id, period) => {
                format!("/#/actions/{id}/update/{}", period_in_path(&period))
            }
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
        assert_eq!(
            links.to(Page::MyUpdates),
            "https://performance.council.example/#/my-updates"
        );
        let q2 = Period::parse("2025-26 Q2").unwrap();
        assert_eq!(
            links.to(Page::RecordValue(7, q2)),
            "https://performance.council.example/#/indicators/7/record/2025-26%20Q2"
        );
        assert_eq!(
            links.to(Page::UpdateAction(3, q2)),
            "https://performance.council.example/#/actions/3/update/2025-26%20Q2"
        );
    }
}
