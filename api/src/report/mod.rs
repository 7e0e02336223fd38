//! The quarterly performance report: `GET /reports/{planId}/{period}` (printable HTML) and
//! `GET /reports/{planId}/{period}.csv?table=summary|exceptions|indicators|actions|benchmarking`
//! and `GET /reports/{planId}/{period}.xlsx` (every table, a sheet each).
//!
//! The report is one more client of the GraphQL API: it runs two queries against the app's
//! own schema in-process, with the caller's scope built exactly as `POST /graphql` builds it
//! (so a public caller sees only what is published), and lays the answer out in the shape of
//! a council's quarterly monitoring report to Cabinet: summary tables per priority and
//! overall, exceptions with commentary, indicator detail tables and action tables.
//!
//! Who may ask: `Authorization: Bearer <token>`, or the public portal of a council named by
//! `X-Organisation: SLUG` or, for plain links, `?org=SLUG`. Tokens are never accepted in the
//! URL (they would leak into logs and browser history).
mod charts;
mod csv_out;
mod html;
pub mod model;
mod tables;
mod xlsx_out;

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use pmf_core::{FyStart, Period, PeriodKind, present};
use serde::Deserialize;
use serde_json::json;

use crate::{
    auth::Scope,
    error::ApiError,
    execute::{AppState, execute},
    links::{encode_component, report_path_text},
};
use model::*;

/// The query string of a report request.
#[derive(Debug, Default, Deserialize)]
pub struct ReportParams {
    /// The council whose public report to show (when no header names one).
    pub org: Option<String>,
    /// For CSV: which table (`summary`, the default, `exceptions`, `indicators`, `actions`,
    /// `benchmarking`).
    pub table: Option<String>,
    /// For the printable report: `portrait` (the default) or `landscape` (A4 across, for the
    /// wide indicator tables).
    pub layout: Option<String>,
    /// Refused: tokens do not belong in URLs.
    pub token: Option<String>,
    pub access_token: Option<String>,
}

/// A refusal with its HTTP status and a message a person can act on.
#[derive(Debug)]
pub struct ReportError {
    pub status: StatusCode,
    pub message: String,
}

impl ReportError {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error while building a report");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }

    fn from_code(code: &str, message: String) -> Self {
        let status = match code {
            "UNAUTHENTICATED" => StatusCode::UNAUTHORIZED,
            "FORBIDDEN" => StatusCode::FORBIDDEN,
            "NOT_FOUND" => StatusCode::NOT_FOUND,
            "BAD_USER_INPUT" => StatusCode::BAD_REQUEST,
            "CONFLICT" => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            return Self::internal(message);
        }
        Self::new(status, message)
    }
}

impl From<ApiError> for ReportError {
    fn from(e: ApiError) -> Self {
        if let ApiError::Internal(cause) = &e {
            return Self::internal(format!("{cause:#}"));
        }
        Self::from_code(e.code(), e.to_string())
    }
}

impl IntoResponse for ReportError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            format!("{}\n", self.message),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// What a report request asks for, by its path's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// No ending, or `.html`: the printable report, A4 portrait or landscape.
    Html { landscape: bool },
    /// `.csv`: one table.
    Csv(Table),
    /// `.xlsx`: every table, a sheet each.
    Excel,
}

/// Which CSV table to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Summary,
    Exceptions,
    Indicators,
    Actions,
    Benchmarking,
}

impl Table {
    pub const ALL: [Table; 5] = [
        Table::Summary,
        Table::Exceptions,
        Table::Indicators,
        Table::Actions,
        Table::Benchmarking,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Summary => "summary",
            Table::Exceptions => "exceptions",
            Table::Indicators => "indicators",
            Table::Actions => "actions",
            Table::Benchmarking => "benchmarking",
        }
    }

    fn parse(text: Option<&str>) -> Result<Table, ReportError> {
        let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(Table::Summary);
        };
        Table::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text))
            .ok_or_else(|| {
                ReportError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{:?} is not a report table: use table=summary, table=exceptions, table=indicators, table=actions or table=benchmarking",
                        shorten(text)
                    ),
                )
            })
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(40).collect()
}

/// Everything the report shows, gathered from the API and laid out.
pub struct Report {
    pub org: Organisation,
    pub plan: PlanHead,
    pub fy: FyStart,
    pub period: Period,
    pub previous_year: Period,
    /// The periods of the financial year so far, at the report's granularity.
    pub columns: Vec<Period>,
    pub summary: Summary,
    /// The period before's counts (the charts put them beside this period's).
    pub previous: PreviousSummary,
    pub priorities: Vec<Priority>,
    /// The public portal's view (no owners, only what is published).
    pub public: bool,
    pub generated_at: DateTime<Utc>,
}

impl Report {
    /// The summary counts of a priority, by its id.
    pub fn counts_of(&self, priority_id: &str) -> Counts {
        counts_in(&self.summary.priorities, priority_id)
    }

    /// The same for the period before.
    pub fn previous_counts_of(&self, priority_id: &str) -> Counts {
        counts_in(&self.previous.priorities, priority_id)
    }

    /// Heading text of a priority: "1. Provide important local services".
    pub fn priority_heading(priority: &Priority) -> String {
        match priority.code.as_deref().filter(|c| !c.trim().is_empty()) {
            Some(code) => format!("Priority {code}: {}", priority.title),
            None => priority.title.clone(),
        }
    }

    /// The update that gives an action its status for the report's period: the latest one in
    /// or before it (docs/rules.md §7), as the API's `Action.status(period)` chooses it.
    pub fn update_for<'a>(&self, action: &'a Action) -> Option<&'a ActionUpdate> {
        let fy = self.fy;
        let end = self
            .period
            .rating_period(pmf_core::Frequency::Quarterly, fy)
            .end_date(fy);
        action
            .updates
            .iter()
            .filter_map(|u| {
                let period = Period::parse(&u.period).ok()?;
                let period_end = period.end_date(fy);
                let created = DateTime::parse_from_rfc3339(&u.created_at).ok();
                (period_end <= end).then_some(((period_end, created), u))
            })
            .max_by(|a, b| a.0.cmp(&b.0))
            .map(|(_, u)| u)
    }
}

fn counts_in(priorities: &[PrioritySummary], priority_id: &str) -> Counts {
    priorities
        .iter()
        .find(|p| p.priority.id == priority_id)
        .map(|p| p.counts)
        .unwrap_or_default()
}

/// Splits a reference into text and number runs so that "3.10" sorts after "3.9".
pub fn natural_key(text: &str) -> Vec<(u8, u64, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n: u64 = 0;
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n = n
                    .saturating_mul(10)
                    .saturating_add(u64::from(d as u8 - b'0'));
                chars.next();
            }
            out.push((0, n, String::new()));
        } else {
            let mut s = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                s.extend(d.to_lowercase());
                chars.next();
            }
            out.push((1, 0, s));
        }
    }
    out
}

/// `GET /reports/{planId}/{period}` and `GET /reports/{planId}/{period}.csv`.
pub async fn report_handler(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((plan_id, period)): Path<(String, String)>,
    Query(params): Query<ReportParams>,
) -> Response {
    match answer(&state, &headers, &plan_id, &period, &params).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
}

async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    plan_id: &str,
    period: &str,
    params: &ReportParams,
) -> Result<Response, ReportError> {
    if params.token.is_some() || params.access_token.is_some() {
        return Err(ReportError::new(
            StatusCode::BAD_REQUEST,
            "tokens are not accepted in URLs (they leak into logs and browser history): send `Authorization: Bearer <token>`, or use ?org=SLUG for the public report",
        ));
    }
    let (period_text, format) = if let Some(p) = period.strip_suffix(".csv") {
        (p, Format::Csv(Table::parse(params.table.as_deref())?))
    } else if let Some(p) = period.strip_suffix(".xlsx") {
        (p, Format::Excel)
    } else {
        let landscape = match params.layout.as_deref().map(str::trim) {
            None | Some("") => false,
            Some(l) if l.eq_ignore_ascii_case("portrait") => false,
            Some(l) if l.eq_ignore_ascii_case("landscape") => true,
            Some(other) => {
                return Err(ReportError::new(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "{:?} is not a page layout: use layout=portrait or layout=landscape",
                        shorten(other)
                    ),
                ));
            }
        };
        (
            period.strip_suffix(".html").unwrap_or(period),
            Format::Html { landscape },
        )
    };
    let scope = state
        .scope(headers, params.org.as_deref())
        .await?
        .ok_or_else(|| {
            ReportError::new(
                StatusCode::UNAUTHORIZED,
                "send `Authorization: Bearer <token>`, or name the council for its public report with `X-Organisation: SLUG` or `?org=SLUG`",
            )
        })?;
    let report = gather(state, scope, plan_id, period_text).await?;
    let file_stem = format!(
        "report-{}-{}",
        report.plan.id,
        report.period.to_string().replace(' ', "-")
    );
    let mut response = match format {
        Format::Excel => {
            let body = xlsx_out::render(&report).map_err(ReportError::internal)?;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                            .to_string(),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{file_stem}.xlsx\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
        Format::Csv(table) => {
            let body = csv_out::render(&report, table).map_err(ReportError::internal)?;
            let filename = format!("{file_stem}-{}.csv", table.name());
            (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{filename}\""),
                    ),
                ],
                body,
            )
                .into_response()
        }
        Format::Html { landscape } => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
                ),
            ],
            html::render(&report, landscape).map_err(ReportError::internal)?,
        )
            .into_response(),
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if report.public {
            "public, max-age=60"
        } else {
            "private, no-store"
        }),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Authorization, X-Organisation"),
    );
    Ok(response)
}

/// Runs one query in-process as the caller and decodes its data.
async fn query<T: serde::de::DeserializeOwned>(
    state: &AppState,
    scope: &Scope,
    document: &str,
    variables: serde_json::Value,
) -> Result<T, ReportError> {
    let request = async_graphql::Request::new(document)
        .variables(async_graphql::Variables::from_json(variables));
    let response = execute(state, Some(scope.clone()), request).await;
    if let Some(error) = response.errors.first() {
        let code = error
            .extensions
            .as_ref()
            .and_then(|e| e.get("code"))
            .and_then(|v| match v {
                async_graphql::Value::String(s) => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        return Err(ReportError::from_code(&code, error.message.clone()));
    }
    let data = response.data.into_json().map_err(ReportError::internal)?;
    serde_json::from_value(data).map_err(ReportError::internal)
}

/// How many periods an indicator's sparkline shows, the report's own the last.
const TREND_PERIODS: usize = 8;

/// The report for a plan and period, as the caller in `scope` may see it.
pub async fn gather(
    state: &AppState,
    scope: Scope,
    plan_id: &str,
    period_text: &str,
) -> Result<Report, ReportError> {
    let public = scope.is_public();
    let Ok(plan_number) = plan_id.trim().parse::<i64>() else {
        return Err(ReportError::new(
            StatusCode::NOT_FOUND,
            format!("no plan with id {:?}", shorten(plan_id)),
        ));
    };
    // The period first: a bad one is the caller's to fix whatever the plan.
    let period = Period::parse(period_text)
        .map_err(|e| ReportError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    let meta: Meta = query(
        state,
        &scope,
        META_QUERY,
        json!({ "plan": plan_number.to_string() }),
    )
    .await?;
    let plan = meta.plan.ok_or_else(|| {
        ReportError::new(
            StatusCode::NOT_FOUND,
            format!("no plan with id {plan_number}"),
        )
    })?;
    let fy = FyStart::new(meta.organisation.financial_year_start_month)
        .map_err(ReportError::internal)?;
    let (previous_year, columns) = columns_for(period, fy)?;
    let first = columns.first().copied().unwrap_or(period);
    let last = columns.last().copied().unwrap_or(period);
    let data: ReportData = query(
        state,
        &scope,
        REPORT_QUERY,
        json!({
            "plan": plan.id,
            "period": period.to_string(),
            "previousYear": previous_year.to_string(),
            "from": first.to_string(),
            "to": last.to_string(),
            "previousPeriod": period.previous(fy).to_string(),
            "trendFrom": (1..TREND_PERIODS).fold(period, |p, _| p.previous(fy)).to_string(),
        }),
    )
    .await?;
    let mut priorities = data
        .plan
        .ok_or_else(|| {
            ReportError::new(
                StatusCode::NOT_FOUND,
                format!("no plan with id {plan_number}"),
            )
        })?
        .priorities;
    for p in &mut priorities {
        p.indicators
            .sort_by_cached_key(|i| (natural_key(&i.reference), i.id.clone()));
        p.actions.sort_by_cached_key(|a| {
            (
                natural_key(a.reference.as_deref().unwrap_or("")),
                a.id.clone(),
            )
        });
    }
    Ok(Report {
        org: meta.organisation,
        plan,
        fy,
        period,
        previous_year,
        columns,
        summary: data.performance_summary,
        previous: data.previous,
        priorities,
        public,
        generated_at: state.clock.now(),
    })
}

/// The previous financial year (for its outturn) and the periods of the report's financial
/// year up to the report's period: quarters for a quarter or a year, months for a month.
fn columns_for(period: Period, fy: FyStart) -> Result<(Period, Vec<Period>), ReportError> {
    let out_of_range = || {
        ReportError::new(
            StatusCode::BAD_REQUEST,
            format!("{period} is out of range: use a financial year from 1000-01 to 9998-99"),
        )
    };
    let year = period.financial_year_start(fy);
    if !(1000..=9998).contains(&year) {
        return Err(out_of_range());
    }
    let (first, last) = match period.kind() {
        PeriodKind::Year { start_year } => (
            Period::quarter(start_year, 1).map_err(|_| out_of_range())?,
            Period::quarter(start_year, 4).map_err(|_| out_of_range())?,
        ),
        PeriodKind::Quarter { start_year, .. } => (
            Period::quarter(start_year, 1).map_err(|_| out_of_range())?,
            period,
        ),
        PeriodKind::Month { .. } => (
            Period::containing(
                Period::year(year).start_date(fy),
                pmf_core::Frequency::Monthly,
                fy,
            ),
            period,
        ),
    };
    let columns = Period::range(first, last, fy)
        .map_err(|e| ReportError::new(StatusCode::BAD_REQUEST, e.to_string()))?;
    Ok((Period::year(year - 1), columns))
}

/// A value in the indicator's unit, rounded to its decimals: "87.5%", "£1,250", "12 days"
/// (the unit in its API spelling; see [`pmf_core::present`] for the rules).
pub fn format_value(value: f64, unit: &str, decimals: i32) -> String {
    present::ValueFormat::from_api(unit, decimals).value(value)
}

/// "31 March 2026", or the due kind ("Ongoing") when there is no date.
pub fn target_date(due_date: Option<&str>, due_kind: Option<&str>) -> String {
    if let Some(date) = due_date {
        return present::date_text(date);
    }
    match due_kind {
        Some("ONGOING") => "Ongoing".into(),
        Some("ANNUAL") => "Annual".into(),
        _ => "Not set".into(),
    }
}

/// Exceptions of the summary grouped by priority id, in the summary's order.
pub fn exceptions_by_priority(summary: &Summary) -> HashMap<String, Vec<&Exception>> {
    let mut out: HashMap<String, Vec<&Exception>> = HashMap::new();
    for e in &summary.exceptions {
        let key = e
            .priority
            .as_ref()
            .map(|p| p.id.clone())
            .unwrap_or_default();
        out.entry(key).or_default().push(e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_values() {
        assert_eq!(format_value(1234567.891, "CURRENCY", 2), "£1,234,567.89");
        assert_eq!(format_value(87.5, "PERCENT", 1), "87.5%");
        assert_eq!(format_value(-0.001, "COUNT", 0), "0");
        assert_eq!(format_value(-1500.0, "COUNT", 0), "-1,500");
        assert_eq!(format_value(12.0, "DAYS", 0), "12 days");
        assert_eq!(format_value(999.6, "COUNT", 0), "1,000");
        assert_eq!(format_value(1250.0, "CURRENCY", 0), "£1,250");
        assert_eq!(target_date(Some("2026-03-31"), None), "31 March 2026");
        assert_eq!(target_date(None, Some("ONGOING")), "Ongoing");
    }

    #[test]
    fn sorts_references_naturally() {
        let mut refs = vec!["3.10", "3.2", "A1", "3.9", "10.1"];
        refs.sort_by_key(|r| natural_key(r));
        assert_eq!(refs, ["3.2", "3.9", "3.10", "10.1", "A1"]);
    }

    #[test]
    fn columns_cover_the_year_so_far() {
        let fy = FyStart::default();
        let labels = |p: &str| {
            let (prev, cols) = columns_for(Period::parse(p).unwrap(), fy).unwrap();
            (
                prev.to_string(),
                cols.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(
            labels("2025-26 Q2"),
            (
                "2024-25".into(),
                vec!["2025-26 Q1".into(), "2025-26 Q2".into()]
            )
        );
        assert_eq!(labels("2025-26").1.len(), 4);
        assert_eq!(
            labels("2026-02").1.first().map(String::as_str),
            Some("2025-04")
        );
        assert_eq!(labels("2026-02").1.len(), 11);
        assert!(columns_for(Period::parse("0000-01").unwrap(), fy).is_err());
    }
}
