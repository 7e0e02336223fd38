//! The report's data, exactly as the GraphQL API answers the two queries below. Everything
//! the report shows comes from here: the report is one more client of the API.
use serde::Deserialize;

/// Who and what the report is about; `plan` is null when the caller may not see it.
pub const META_QUERY: &str = r#"query ReportMeta($plan: ID!) {
  organisation { name slug financialYearStartMonth }
  plan(id: $plan) { id title kind startDate endDate }
}"#;

/// Everything else, in one document (the loaders batch it into a constant number of
/// statements whatever the number of priorities and indicators).
pub const REPORT_QUERY: &str = r#"query Report($plan: ID!, $period: String!, $previousPeriod: String!, $previousYear: String!, $from: String!, $to: String!, $trendFrom: String!) {
  performanceSummary(planId: $plan, period: $period) {
    period
    priorities { priority { id } counts { ...Counts } }
    overall { ...Counts }
    exceptions {
      status commentary nextSteps
      priority { id }
      owner { name }
      indicator { id ref title unit decimals }
      action { id ref title dueDate dueKind estimatedCompletion }
      result { actual target targetIsProRata trend direction previousStatus dueDate }
    }
  }
  previous: performanceSummary(planId: $plan, period: $previousPeriod) {
    period
    priorities { priority { id } counts { ...Counts } }
    overall { ...Counts }
  }
  plan(id: $plan) {
    priorities {
      id code title
      indicators {
        id ref title unit decimals frequency monitorOnly
        owner { name }
        previousYear: result(period: $previousYear) { actual }
        result(period: $period) {
          actual target targetIsProRata status previousStatus trend direction commentary
          ratedPeriod
          benchmark { period lagged group { name } ownValue rank of quartile median best worst }
        }
        series(from: $from, to: $to) { period actual status }
        trendLine: series(from: $trendFrom, to: $period) { period actual target status }
      }
      actions {
        id ref title description delivery dueDate dueKind estimatedCompletion completedOn
        owner { name }
        status(period: $period)
        updates { period status commentary nextSteps createdAt }
      }
    }
  }
}

fragment Counts on SummaryCounts {
  actions { red amber green blue completed notStarted redPct amberPct greenPct bluePct }
  indicators { red amber green monitorOnly noData noTarget redPct amberPct greenPct }
}"#;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    pub organisation: Organisation,
    pub plan: Option<PlanHead>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Organisation {
    pub name: String,
    pub slug: String,
    pub financial_year_start_month: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanHead {
    pub id: String,
    pub title: String,
    pub kind: String,
    pub start_date: String,
    pub end_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportData {
    pub performance_summary: Summary,
    /// The period before's summary counts, for the charts.
    pub previous: PreviousSummary,
    /// Null only if the plan vanished between the two queries.
    pub plan: Option<PlanBody>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub period: String,
    pub priorities: Vec<PrioritySummary>,
    pub overall: Counts,
    pub exceptions: Vec<Exception>,
}

#[derive(Debug, Deserialize)]
pub struct PreviousSummary {
    pub period: String,
    pub priorities: Vec<PrioritySummary>,
    pub overall: Counts,
}

#[derive(Debug, Deserialize)]
pub struct IdOnly {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub struct Named {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct PrioritySummary {
    pub priority: IdOnly,
    pub counts: Counts,
}

#[derive(Debug, Deserialize, Clone, Copy, Default)]
pub struct Counts {
    pub actions: ActionCounts,
    pub indicators: IndicatorCounts,
}

#[derive(Debug, Deserialize, Clone, Copy, Default)]
#[serde(rename_all = "camelCase")]
pub struct ActionCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub blue: u32,
    pub completed: u32,
    pub not_started: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
    pub blue_pct: u32,
}

#[derive(Debug, Deserialize, Clone, Copy, Default)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorCounts {
    pub red: u32,
    pub amber: u32,
    pub green: u32,
    pub monitor_only: u32,
    pub no_data: u32,
    pub no_target: u32,
    pub red_pct: u32,
    pub amber_pct: u32,
    pub green_pct: u32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exception {
    pub status: String,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub priority: Option<IdOnly>,
    pub owner: Option<Named>,
    pub indicator: Option<ExceptionIndicator>,
    pub action: Option<ExceptionAction>,
    pub result: Option<ExceptionResult>,
}

#[derive(Debug, Deserialize)]
pub struct ExceptionIndicator {
    pub id: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub unit: String,
    pub decimals: i32,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionAction {
    pub id: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub title: String,
    pub due_date: Option<String>,
    pub due_kind: Option<String>,
    pub estimated_completion: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExceptionResult {
    pub actual: Option<f64>,
    pub target: Option<f64>,
    pub target_is_pro_rata: bool,
    pub trend: String,
    pub direction: Option<String>,
    pub previous_status: Option<String>,
    pub due_date: String,
}

#[derive(Debug, Deserialize)]
pub struct PlanBody {
    pub priorities: Vec<Priority>,
}

#[derive(Debug, Deserialize)]
pub struct Priority {
    pub id: String,
    pub code: Option<String>,
    pub title: String,
    pub indicators: Vec<Indicator>,
    pub actions: Vec<Action>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Indicator {
    pub id: String,
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    pub unit: String,
    pub decimals: i32,
    pub frequency: String,
    pub monitor_only: bool,
    pub owner: Option<Named>,
    pub previous_year: PreviousYear,
    pub result: IndicatorResult,
    pub series: Vec<SeriesPoint>,
    /// The last periods up to the report's (8 of them), with targets: the sparkline.
    pub trend_line: Vec<TrendPoint>,
}

#[derive(Debug, Deserialize)]
pub struct TrendPoint {
    pub period: String,
    pub actual: Option<f64>,
    pub target: Option<f64>,
    pub status: String,
}

#[derive(Debug, Deserialize)]
pub struct PreviousYear {
    pub actual: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorResult {
    pub actual: Option<f64>,
    pub target: Option<f64>,
    pub target_is_pro_rata: bool,
    pub status: String,
    pub previous_status: Option<String>,
    pub trend: String,
    pub direction: Option<String>,
    pub commentary: Option<String>,
    pub rated_period: String,
    /// Where the value stands among the comparator group (null: not benchmarked).
    pub benchmark: Option<Benchmark>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Benchmark {
    pub period: String,
    pub lagged: bool,
    pub group: BenchmarkGroup,
    pub own_value: f64,
    pub rank: u32,
    pub of: u32,
    pub quartile: u8,
    pub median: f64,
    pub best: f64,
    pub worst: f64,
}

#[derive(Debug, Deserialize)]
pub struct BenchmarkGroup {
    pub name: String,
}

#[derive(Debug, Deserialize)]
pub struct SeriesPoint {
    pub period: String,
    pub actual: Option<f64>,
    pub status: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Action {
    pub id: String,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub delivery: String,
    pub due_date: Option<String>,
    pub due_kind: Option<String>,
    pub estimated_completion: Option<String>,
    pub completed_on: Option<String>,
    pub owner: Option<Named>,
    pub status: String,
    pub updates: Vec<ActionUpdate>,
}

#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct ActionUpdate {
    pub period: String,
    pub status: String,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub created_at: String,
}
