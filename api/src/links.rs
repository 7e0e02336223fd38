//! The addresses the API hands out: a plan's report, and an item on the dashboard.
use pmf_core::Period;

/// Path of a plan's report for a period, the period percent-encoded (`2025-26%20Q2`).
pub fn report_path(plan_id: i64, period: &Period) -> String {
    report_path_text(&plan_id.to_string(), period)
}

/// [`report_path`] of a plan id as written.
pub fn report_path_text(plan_id: &str, period: &Period) -> String {
    format!(
        "/reports/{}/{}",
        encode_component(plan_id),
        encode_component(&period.to_string())
    )
}

/// A plan's report for a period at `public_url`; the public portal's names the council
/// (`?org=SLUG`), a signed-in caller fetches it with their `Authorization` header.
pub fn report_url(
    public_url: &str,
    plan_id: i64,
    period: &Period,
    public_org: Option<&str>,
) -> String {
    let mut url = format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        report_path(plan_id, period)
    );
    if let Some(slug) = public_org {
        url.push_str("?org=");
        url.push_str(&encode_component(slug));
    }
    url
}

/// An indicator on the dashboard.
pub fn indicator_url(public_url: &str, id: i64) -> String {
    format!("{public_url}/#/indicators/{id}")
}

/// An action on the dashboard.
pub fn action_url(public_url: &str, id: i64) -> String {
    format!("{public_url}/#/actions/{id}")
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_periods_in_paths() {
        let p = Period::parse("2025-26 Q2").unwrap();
        assert_eq!(report_path(7, &p), "/reports/7/2025-26%20Q2");
        assert_eq!(
            report_url("https://x.example/", 7, &p, Some("demo council")),
            "https://x.example/reports/7/2025-26%20Q2?org=demo%20council"
        );
        assert_eq!(indicator_url("https://x", 3), "https://x/#/indicators/3");
    }
}
