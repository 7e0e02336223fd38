//! The report as one printable, accessible HTML page, rendered by minijinja from
//! `api/templates/report/` (compiled into the binary): real tables with captions and header
//! scopes, a text label beside every colour, headings in order, and print CSS for a clean A4
//! document from the browser's "Save as PDF".
//!
//! This module turns the API's answer into what the page shows, every value, date, period
//! and status written by [`pmf_core::present`]; the templates lay it out and escape it.
use std::sync::OnceLock;

use minijinja::{Environment, UndefinedBehavior, Value, syntax::SyntaxConfig, value::Serde};
use pmf_core::{ActionStatus, Direction, IndicatorStatus, Trend, present};
use serde::Serialize;

use super::{
    Report, Table, charts, encode_component, exceptions_by_priority, format_value, model::*,
    report_path_text, target_date,
};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "report/report.html",
        include_str!("../../templates/report/report.html"),
    ),
    (
        "report/parts.html",
        include_str!("../../templates/report/parts.html"),
    ),
    (
        "report/report.css",
        include_str!("../../templates/report/report.css"),
    ),
];

/// The report's templates: HTML escaped (the engine's default for `.html`), an unknown
/// variable an error, block tags on lines of their own.
fn environment() -> Result<&'static Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| format!("{e:#}"))?,
        );
        for &(name, source) in TEMPLATES {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e:#}"))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(String::clone)
}

/// The whole page.
/// The printable report; `landscape` sets A4 across instead of down.
pub fn render(report: &Report, landscape: bool) -> Result<String, String> {
    let page = Value::from(Serde(Page {
        landscape,
        ..page(report)
    }));
    environment()?
        .get_template("report/report.html")
        .and_then(|t| t.render(page))
        .map_err(|e| format!("the report template did not render: {e:#}"))
}

#[derive(Serialize)]
struct Page {
    org: String,
    plan: String,
    period: String,
    period_long: String,
    generated: String,
    public: bool,
    landscape: bool,
    csv_links: Vec<CsvLink>,
    /// The public report's Excel copy.
    excel_href: String,
    previous_year: String,
    columns: Vec<Column>,
    summary: SummaryView,
    summary_charts: Vec<SummaryChart>,
    previous_period: String,
    exceptions: Vec<ExceptionGroup>,
    /// Benchmarked indicators in the worst quartile of their comparator group.
    worst_quartile: Vec<BenchmarkRow>,
    /// Per priority, every benchmarked indicator.
    benchmarking: Vec<BenchmarkGroupView>,
    priorities: Vec<PriorityView>,
}

#[derive(Serialize)]
struct BenchmarkGroupView {
    id: String,
    heading: String,
    rows: Vec<BenchmarkRow>,
}

/// A benchmarked indicator: our value, rank of n, quartile, median and best.
#[derive(Serialize)]
struct BenchmarkRow {
    id: String,
    reference: String,
    title: String,
    priority: String,
    group: String,
    /// The comparator period used, and whether it is earlier than the report's.
    period: String,
    lagged: bool,
    value: String,
    rank: String,
    quartile: u8,
    quartile_words: &'static str,
    median: String,
    best: String,
}

#[derive(Serialize)]
struct CsvLink {
    href: String,
    name: &'static str,
}

#[derive(Serialize)]
struct Column {
    period: String,
    label: String,
}

#[derive(Serialize)]
struct Cell {
    field: &'static str,
    text: String,
}

#[derive(Serialize)]
struct SummaryRow {
    id: String,
    heading: String,
    actions: Vec<Cell>,
    indicators: Vec<Cell>,
}

#[derive(Serialize)]
struct SummaryView {
    rows: Vec<SummaryRow>,
    overall_actions: Vec<Cell>,
    overall_indicators: Vec<Cell>,
}

#[derive(Serialize)]
struct ExceptionGroup {
    id: String,
    heading: String,
    rows: Vec<ExceptionRow>,
}

#[derive(Serialize)]
struct ExceptionRow {
    kind: &'static str,
    id: String,
    reference: String,
    title: String,
    owner: Option<String>,
    status: StatusView,
    has_result: bool,
    actual: Option<String>,
    target: Option<TargetView>,
    trend: TrendView,
    commentary: Option<String>,
    next_steps: Option<String>,
    dates: String,
}

/// A status as a badge: its API code, CSS class and words; for an indicator also its letter
/// and, when there was one, the change from last period ("A → R").
#[derive(Serialize)]
struct StatusView {
    code: String,
    class: &'static str,
    label: &'static str,
    change: Option<String>,
    change_title: Option<String>,
}

#[derive(Serialize)]
struct LetterView {
    label: &'static str,
    letter: &'static str,
}

#[derive(Serialize)]
struct TargetView {
    text: String,
    pro_rata: bool,
}

#[derive(Serialize)]
struct TrendView {
    arrow: &'static str,
    words: &'static str,
}

#[derive(Serialize)]
struct CountsLine {
    indicators_green: u32,
    indicators_amber: u32,
    indicators_red: u32,
    indicators_monitor_only: u32,
    indicators_in_progress: u32,
    actions_green: u32,
    actions_amber: u32,
    actions_red: u32,
    actions_blue: u32,
    actions_completed: u32,
}

/// A priority's (or the overall) summary chart: indicators and actions, this period's bar
/// and the one before.
#[derive(Serialize)]
struct SummaryChart {
    heading: String,
    indicators: [charts::Bar; 2],
    actions: [charts::Bar; 2],
}

#[derive(Serialize)]
struct PriorityView {
    id: String,
    heading: String,
    counts: CountsLine,
    indicators: Vec<IndicatorRow>,
    actions: Vec<ActionRow>,
}

#[derive(Serialize)]
struct SeriesCell {
    value: Option<String>,
    status: Option<LetterView>,
}

#[derive(Serialize)]
struct IndicatorRow {
    id: String,
    reference: String,
    title: String,
    owner: Option<String>,
    annual: bool,
    previous_year: Option<String>,
    cells: Vec<SeriesCell>,
    target: Option<TargetView>,
    status: StatusView,
    trend: TrendView,
    sparkline: Option<charts::Sparkline>,
    commentary: Option<String>,
}

#[derive(Serialize)]
struct ActionRow {
    id: String,
    reference: String,
    title: String,
    description: Option<String>,
    owner: Option<String>,
    partnership: bool,
    commentary: Option<String>,
    update_period: Option<String>,
    next_steps: Option<String>,
    target_date: String,
    completed: Option<String>,
    estimated_completion: Option<String>,
    status: StatusView,
}

/// Text worth showing: trimmed, and `None` when empty.
fn text(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(String::from)
}

/// The CSS class of a status (indicator or action).
fn status_class(code: &str) -> &'static str {
    match code {
        "RED" => "red",
        "AMBER" => "amber",
        "GREEN" => "green",
        "BLUE" => "blue",
        "COMPLETED" => "completed",
        _ => "grey",
    }
}

fn letter(code: &str) -> LetterView {
    match IndicatorStatus::parse(code) {
        Ok(s) => LetterView {
            label: present::indicator_status(s),
            letter: present::indicator_status_letter(s),
        },
        Err(_) => LetterView {
            label: "Unknown",
            letter: "?",
        },
    }
}

fn indicator_status(code: &str, previous: Option<&str>) -> StatusView {
    let now = letter(code);
    let change = previous.map(|p| (letter(p), IndicatorStatus::parse(p).ok()));
    StatusView {
        code: code.to_string(),
        class: status_class(code),
        label: now.label,
        change_title: change
            .as_ref()
            .map(|(before, _)| format!("{} last period, {} now", before.label, now.label)),
        change: change.map(
            |(before, parsed)| match (parsed, IndicatorStatus::parse(code).ok()) {
                (Some(b), Some(n)) => present::status_change(b, n),
                _ => format!("{} → {}", before.letter, now.letter),
            },
        ),
    }
}

fn action_status(code: &str) -> StatusView {
    StatusView {
        code: code.to_string(),
        class: status_class(code),
        label: ActionStatus::parse(code).map_or("Unknown", present::action_status),
        change: None,
        change_title: None,
    }
}

fn trend(code: &str, direction: Option<&str>) -> TrendView {
    TrendView {
        arrow: present::direction_arrow(direction.and_then(|d| Direction::parse(d).ok())),
        words: present::trend(Trend::parse(code).unwrap_or(Trend::NotComparable)),
    }
}

fn target(value: Option<f64>, pro_rata: bool, unit: &str, decimals: i32) -> Option<TargetView> {
    value.map(|t| TargetView {
        text: format_value(t, unit, decimals),
        pro_rata,
    })
}

fn count(n: u32) -> String {
    present::number(f64::from(n), 0)
}

fn percent(n: u32) -> String {
    present::ValueFormat::new(present::UnitKind::Percent, 0).value(f64::from(n))
}

fn action_cells(a: &ActionCounts) -> Vec<Cell> {
    vec![
        Cell {
            field: "red",
            text: count(a.red),
        },
        Cell {
            field: "redPct",
            text: percent(a.red_pct),
        },
        Cell {
            field: "amber",
            text: count(a.amber),
        },
        Cell {
            field: "amberPct",
            text: percent(a.amber_pct),
        },
        Cell {
            field: "green",
            text: count(a.green),
        },
        Cell {
            field: "greenPct",
            text: percent(a.green_pct),
        },
        Cell {
            field: "blue",
            text: count(a.blue),
        },
        Cell {
            field: "bluePct",
            text: percent(a.blue_pct),
        },
        Cell {
            field: "completed",
            text: count(a.completed),
        },
        Cell {
            field: "notStarted",
            text: count(a.not_started),
        },
    ]
}

fn indicator_cells(i: &IndicatorCounts) -> Vec<Cell> {
    vec![
        Cell {
            field: "red",
            text: count(i.red),
        },
        Cell {
            field: "redPct",
            text: percent(i.red_pct),
        },
        Cell {
            field: "amber",
            text: count(i.amber),
        },
        Cell {
            field: "amberPct",
            text: percent(i.amber_pct),
        },
        Cell {
            field: "green",
            text: count(i.green),
        },
        Cell {
            field: "greenPct",
            text: percent(i.green_pct),
        },
        Cell {
            field: "monitorOnly",
            text: count(i.monitor_only),
        },
        Cell {
            field: "noData",
            text: count(i.no_data),
        },
        Cell {
            field: "noTarget",
            text: count(i.no_target),
        },
    ]
}

fn page(report: &Report) -> Page {
    let period = present::period(&report.period);
    let by_priority = exceptions_by_priority(&report.summary);
    Page {
        org: report.org.name.clone(),
        plan: report.plan.title.clone(),
        period_long: present::period_with_dates(&report.period, report.fy),
        generated: present::date(report.generated_at.date_naive()),
        public: report.public,
        landscape: false,
        excel_href: format!(
            "{}.xlsx?org={}",
            report_path_text(&report.plan.id, &report.period),
            encode_component(&report.org.slug)
        ),
        csv_links: Table::ALL
            .into_iter()
            .map(|table| CsvLink {
                href: format!(
                    "{}.csv?org={}&table={}",
                    report_path_text(&report.plan.id, &report.period),
                    encode_component(&report.org.slug),
                    table.name()
                ),
                name: table.name(),
            })
            .collect(),
        previous_year: present::period(&report.previous_year),
        columns: report
            .columns
            .iter()
            .map(|c| Column {
                period: present::period(c),
                label: present::period_column(c, report.fy),
            })
            .collect(),
        summary_charts: summary_charts(report),
        previous_period: report.previous.period.clone(),
        summary: SummaryView {
            rows: report
                .priorities
                .iter()
                .map(|p| {
                    let counts = report.counts_of(&p.id);
                    SummaryRow {
                        id: p.id.clone(),
                        heading: Report::priority_heading(p),
                        actions: action_cells(&counts.actions),
                        indicators: indicator_cells(&counts.indicators),
                    }
                })
                .collect(),
            overall_actions: action_cells(&report.summary.overall.actions),
            overall_indicators: indicator_cells(&report.summary.overall.indicators),
        },
        exceptions: report
            .priorities
            .iter()
            .filter_map(|p| {
                let items = by_priority.get(&p.id).filter(|i| !i.is_empty())?;
                Some(ExceptionGroup {
                    id: p.id.clone(),
                    heading: Report::priority_heading(p),
                    rows: items.iter().filter_map(|e| exception_row(e)).collect(),
                })
            })
            .collect(),
        worst_quartile: report
            .priorities
            .iter()
            .flat_map(benchmark_rows)
            .filter(|r| r.quartile == 4)
            .collect(),
        benchmarking: report
            .priorities
            .iter()
            .map(|p| BenchmarkGroupView {
                id: p.id.clone(),
                heading: Report::priority_heading(p),
                rows: benchmark_rows(p),
            })
            .filter(|g| !g.rows.is_empty())
            .collect(),
        priorities: report
            .priorities
            .iter()
            .map(|p| priority(report, p))
            .collect(),
        period,
    }
}

/// The quartile in words (1 is the best quarter of the group).
fn quartile_words(q: u8) -> &'static str {
    match q {
        1 => "Top quartile",
        2 => "Second quartile",
        3 => "Third quartile",
        _ => "Bottom quartile",
    }
}

/// A priority's benchmarked indicators, in its order.
fn benchmark_rows(p: &Priority) -> Vec<BenchmarkRow> {
    p.indicators
        .iter()
        .filter_map(|i| {
            let b = i.result.benchmark.as_ref()?;
            let value = |v: f64| format_value(v, &i.unit, i.decimals);
            Some(BenchmarkRow {
                id: i.id.clone(),
                reference: i.reference.clone(),
                title: i.title.clone(),
                priority: Report::priority_heading(p),
                group: b.group.name.clone(),
                period: pmf_core::Period::parse(&b.period)
                    .map(|p| present::period(&p))
                    .unwrap_or_else(|_| b.period.clone()),
                lagged: b.lagged,
                value: value(b.own_value),
                rank: format!("{} of {}", b.rank, b.of),
                quartile: b.quartile,
                quartile_words: quartile_words(b.quartile),
                median: value(b.median),
                best: value(b.best),
            })
        })
        .collect()
}

fn exception_row(e: &Exception) -> Option<ExceptionRow> {
    let owner = e.owner.as_ref().map(|o| o.name.clone());
    if let Some(i) = &e.indicator {
        let r = e.result.as_ref();
        return Some(ExceptionRow {
            kind: "indicator",
            id: i.id.clone(),
            reference: i.reference.clone(),
            title: i.title.clone(),
            owner,
            status: indicator_status(&e.status, r.and_then(|r| r.previous_status.as_deref())),
            has_result: r.is_some(),
            actual: r
                .and_then(|r| r.actual)
                .map(|v| format_value(v, &i.unit, i.decimals)),
            target: r.and_then(|r| target(r.target, r.target_is_pro_rata, &i.unit, i.decimals)),
            trend: match r {
                Some(r) => trend(&r.trend, r.direction.as_deref()),
                None => trend("NOT_COMPARABLE", None),
            },
            commentary: text(e.commentary.as_deref()),
            next_steps: text(e.next_steps.as_deref()),
            dates: r
                .map(|r| format!("Data due {}", present::date_text(&r.due_date)))
                .unwrap_or_default(),
        });
    }
    let a = e.action.as_ref()?;
    let mut dates = format!(
        "Target date: {}",
        target_date(a.due_date.as_deref(), a.due_kind.as_deref())
    );
    if let Some(est) = &a.estimated_completion {
        dates.push_str(&format!(
            "; estimated completion {}",
            present::date_text(est)
        ));
    }
    Some(ExceptionRow {
        kind: "action",
        id: a.id.clone(),
        reference: a.reference.clone().unwrap_or_default(),
        title: a.title.clone(),
        owner,
        status: action_status(&e.status),
        has_result: false,
        actual: None,
        target: None,
        trend: trend("NOT_COMPARABLE", None),
        commentary: text(e.commentary.as_deref()),
        next_steps: text(e.next_steps.as_deref()),
        dates,
    })
}

fn priority(report: &Report, p: &Priority) -> PriorityView {
    let counts = report.counts_of(&p.id);
    PriorityView {
        id: p.id.clone(),
        heading: Report::priority_heading(p),
        counts: CountsLine {
            indicators_green: counts.indicators.green,
            indicators_amber: counts.indicators.amber,
            indicators_red: counts.indicators.red,
            indicators_monitor_only: counts.indicators.monitor_only,
            indicators_in_progress: counts.indicators.no_data,
            actions_green: counts.actions.green,
            actions_amber: counts.actions.amber,
            actions_red: counts.actions.red,
            actions_blue: counts.actions.blue,
            actions_completed: counts.actions.completed,
        },
        indicators: p
            .indicators
            .iter()
            .map(|i| indicator_row(report, i))
            .collect(),
        actions: p.actions.iter().map(|a| action_row(report, a)).collect(),
    }
}

fn indicator_row(report: &Report, i: &Indicator) -> IndicatorRow {
    let r = &i.result;
    let value = |v: Option<f64>| v.map(|v| format_value(v, &i.unit, i.decimals));
    IndicatorRow {
        id: i.id.clone(),
        reference: i.reference.clone(),
        title: i.title.clone(),
        owner: i.owner.as_ref().map(|o| o.name.clone()),
        annual: i.frequency == "ANNUAL",
        previous_year: value(i.previous_year.actual),
        cells: report
            .columns
            .iter()
            .map(|c| {
                let key = c.to_string();
                match i.series.iter().find(|s| s.period == key) {
                    Some(s) => SeriesCell {
                        value: value(s.actual),
                        status: (s.actual.is_some()
                            && matches!(s.status.as_str(), "RED" | "AMBER" | "GREEN"))
                        .then(|| letter(&s.status)),
                    },
                    None => SeriesCell {
                        value: None,
                        status: None,
                    },
                }
            })
            .collect(),
        target: target(r.target, r.target_is_pro_rata, &i.unit, i.decimals),
        status: indicator_status(&r.status, r.previous_status.as_deref()),
        trend: trend(&r.trend, r.direction.as_deref()),
        sparkline: charts::sparkline(
            &i.trend_line
                .iter()
                .map(|p| charts::Point {
                    period: p.period.clone(),
                    actual: p.actual,
                    target: p.target,
                    status: p.status.clone(),
                })
                .collect::<Vec<_>>(),
            |v| format_value(v, &i.unit, i.decimals),
            |code| letter(code).label.to_string(),
        ),
        commentary: text(r.commentary.as_deref()),
    }
}

fn indicator_parts(c: &Counts) -> [charts::Part; 3] {
    let i = c.indicators;
    [
        ("red", "R", "red", i.red),
        ("amber", "A", "amber", i.amber),
        ("green", "G", "green", i.green),
    ]
    .map(|(class, letter, word, count)| charts::Part {
        class,
        letter,
        word,
        count,
    })
}

fn action_parts(c: &Counts) -> [charts::Part; 5] {
    let a = c.actions;
    [
        ("red", "R", "red", a.red),
        ("amber", "A", "amber", a.amber),
        ("green", "G", "green", a.green),
        ("blue", "B", "blue", a.blue),
        ("completed", "C", "completed", a.completed),
    ]
    .map(|(class, letter, word, count)| charts::Part {
        class,
        letter,
        word,
        count,
    })
}

fn summary_chart(report: &Report, heading: String, now: &Counts, before: &Counts) -> SummaryChart {
    let period = present::period(&report.period);
    let previous = report.previous.period.clone();
    SummaryChart {
        heading,
        indicators: [
            charts::bar(period.clone(), &indicator_parts(now)),
            charts::bar(previous.clone(), &indicator_parts(before)),
        ],
        actions: [
            charts::bar(period, &action_parts(now)),
            charts::bar(previous, &action_parts(before)),
        ],
    }
}

fn summary_charts(report: &Report) -> Vec<SummaryChart> {
    let mut out = vec![summary_chart(
        report,
        "Overall".into(),
        &report.summary.overall,
        &report.previous.overall,
    )];
    out.extend(report.priorities.iter().map(|p| {
        summary_chart(
            report,
            Report::priority_heading(p),
            &report.counts_of(&p.id),
            &report.previous_counts_of(&p.id),
        )
    }));
    out
}

fn action_row(report: &Report, a: &Action) -> ActionRow {
    let update = report.update_for(a);
    ActionRow {
        id: a.id.clone(),
        reference: a.reference.clone().unwrap_or_default(),
        title: a.title.clone(),
        description: text(a.description.as_deref()),
        owner: a.owner.as_ref().map(|o| o.name.clone()),
        partnership: a.delivery == "PARTNERSHIP",
        commentary: text(update.and_then(|u| u.commentary.as_deref())),
        update_period: update
            .filter(|u| u.period != report.period.to_string())
            .map(|u| u.period.clone()),
        next_steps: text(update.and_then(|u| u.next_steps.as_deref())),
        target_date: target_date(a.due_date.as_deref(), a.due_kind.as_deref()),
        completed: a.completed_on.as_deref().map(present::date_text),
        estimated_completion: a
            .estimated_completion
            .as_deref()
            .filter(|_| a.completed_on.is_none())
            .map(present::date_text),
        status: action_status(&a.status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmf_core::{FyStart, Period};
    use serde_json::json;

    const NASTY: &str = "{{content}} {{PUBLIC_URL}} <script>alert(1)</script> & 'quotes'";

    fn counts() -> serde_json::Value {
        json!({
            "actions": { "red": 1, "amber": 0, "green": 2, "blue": 0, "completed": 0, "notStarted": 0,
                         "redPct": 33, "amberPct": 0, "greenPct": 67, "bluePct": 0 },
            "indicators": { "red": 1, "amber": 0, "green": 1, "monitorOnly": 0, "noData": 1, "noTarget": 0,
                            "redPct": 50, "amberPct": 0, "greenPct": 50 }
        })
    }

    fn report(public: bool) -> Report {
        let indicator = json!({
            "id": "11", "ref": "1.1", "title": NASTY, "unit": "CURRENCY", "decimals": 0,
            "frequency": "QUARTERLY", "monitorOnly": false, "owner": { "name": "Olive <Officer>" },
            "previousYear": { "actual": 1100.0 },
            "result": { "actual": 1250.0, "target": 1300.0, "targetIsProRata": true, "status": "RED",
                        "previousStatus": "GREEN", "trend": "DETERIORATING", "direction": "DOWN",
                        "commentary": NASTY, "ratedPeriod": "2025-26 Q2" },
            "series": [
                { "period": "2025-26 Q1", "actual": 1400.0, "status": "GREEN" },
                { "period": "2025-26 Q2", "actual": 1250.0, "status": "RED" }
            ],
            "trendLine": [
                { "period": "2025-26 Q1", "actual": 1400.0, "target": 1300.0, "status": "GREEN" },
                { "period": "2025-26 Q2", "actual": 1250.0, "target": 1300.0, "status": "RED" }
            ]
        });
        let action = json!({
            "id": "21", "ref": "A1", "title": NASTY, "description": NASTY, "delivery": "PARTNERSHIP",
            "dueDate": "2026-03-31", "dueKind": null, "estimatedCompletion": "2026-02-01",
            "completedOn": null, "owner": null, "status": "AMBER",
            "updates": [{ "period": "2025-26 Q1", "status": "AMBER", "commentary": NASTY,
                          "nextSteps": NASTY, "createdAt": "2025-07-10T09:00:00Z" }]
        });
        let summary = json!({
            "period": "2025-26 Q2",
            "priorities": [{ "priority": { "id": "5" }, "counts": counts() }],
            "overall": counts(),
            "exceptions": [
                { "status": "RED", "commentary": NASTY, "nextSteps": null, "priority": { "id": "5" },
                  "owner": { "name": "Olive <Officer>" },
                  "indicator": { "id": "11", "ref": "1.1", "title": NASTY, "unit": "CURRENCY", "decimals": 0 },
                  "action": null,
                  "result": { "actual": 1250.0, "target": 1300.0, "targetIsProRata": true, "trend": "DETERIORATING",
                              "direction": "DOWN", "previousStatus": "GREEN", "dueDate": "2025-10-10" } },
                { "status": "AMBER", "commentary": null, "nextSteps": NASTY, "priority": { "id": "5" },
                  "owner": null, "indicator": null,
                  "action": { "id": "21", "ref": "A1", "title": NASTY, "dueDate": null, "dueKind": "ONGOING",
                              "estimatedCompletion": null },
                  "result": null }
            ]
        });
        let priorities = json!([{ "id": "5", "code": "1", "title": NASTY,
                                  "indicators": [indicator], "actions": [action] }]);
        let fy = FyStart::default();
        Report {
            org: serde_json::from_value(json!({ "name": NASTY, "slug": "test", "financialYearStartMonth": 4 }))
                .unwrap(),
            plan: serde_json::from_value(json!({ "id": "7", "title": NASTY, "kind": "CORPORATE",
                                                  "startDate": "2025-04-01", "endDate": "2029-03-31" }))
                .unwrap(),
            fy,
            period: Period::parse("2025-26 Q2").unwrap(),
            previous_year: Period::parse("2024-25").unwrap(),
            columns: vec![
                Period::parse("2025-26 Q1").unwrap(),
                Period::parse("2025-26 Q2").unwrap(),
            ],
            summary: serde_json::from_value(summary).unwrap(),
            previous: serde_json::from_value(json!({
                "period": "2025-26 Q1",
                "priorities": [{ "priority": { "id": "5" }, "counts": counts() }],
                "overall": counts()
            }))
            .unwrap(),
            priorities: serde_json::from_value(priorities).unwrap(),
            public,
            generated_at: "2025-11-16T12:00:00Z".parse().unwrap(),
        }
    }

    #[test]
    fn the_page_prints_values_the_one_way_and_text_literally() {
        let html = render(&report(false), false).unwrap();
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en-GB\">"));
        let escaped = minijinja::HtmlEscape(NASTY).to_string();
        assert!(!html.contains("<script>"), "{html}");
        assert!(
            html.contains("{{content}} {{PUBLIC_URL}}"),
            "printed, not expanded"
        );
        assert!(html.matches(&escaped).count() >= 10, "{html}");
        for expected in [
            "£1,250",
            "£1,300 <span class=\"small pro-rata\">(pro-rata)</span>",
            "£1,100",
            "G → R",
            "Green last period, Red now",
            "<span aria-hidden=\"true\">↓</span> Deteriorating",
            "Data due 10 October 2025",
            "Target date: Ongoing",
            "Amber: minor issues or delays",
            "Estimated completion 1 February 2026",
            "(update for 2025-26 Q1)",
            "31 March 2026",
            "Period: 2025-26 Q2 (1 July 2025 to 30 September 2025). Produced 16 November 2025",
            ">Q1</abbr>",
            "data-field=\"redPct\">33%</td>",
            "Olive &lt;Officer&gt;",
            "In partnership: for information only, not counted",
        ] {
            assert!(html.contains(expected), "{expected:?} not in {html}");
        }
        assert!(!html.contains("nav class=\"downloads\""));
    }

    #[test]
    fn the_public_page_links_its_csv_tables() {
        let html = render(&report(true), false).unwrap();
        let href = minijinja::HtmlEscape("/reports/7/2025-26%20Q2.csv?org=test&table=indicators");
        assert!(
            html.contains(&format!(
                "<li><a href=\"{href}\" download>indicators table</a></li>"
            )),
            "{html}"
        );
        assert!(html.contains("This is the public version"));
        let excel = minijinja::HtmlEscape("/reports/7/2025-26%20Q2.xlsx?org=test");
        assert!(
            html.contains(&format!(
                "<a href=\"{excel}\" download>Download as Excel</a>"
            )),
            "{html}"
        );
    }

    #[test]
    fn the_summary_charts_and_sparklines_say_their_numbers_in_words() {
        let html = render(&report(false), false).unwrap();
        for expected in [
            "At a glance: 2025-26 Q2 beside 2025-26 Q1",
            "aria-label=\"Indicators: 2025-26 Q2: 1 red, 1 green; 2025-26 Q1: 1 red, 1 green\"",
            "aria-label=\"Actions: 2025-26 Q2: 1 red, 2 green; 2025-26 Q1: 1 red, 2 green\"",
            "<figcaption>Overall</figcaption>",
            ">R 1</text>",
            "aria-label=\"Last 2 periods: 2025-26 Q1 £1,400, target £1,300; 2025-26 Q2 £1,250, target £1,300\"",
            "<circle class=\"p-red\"",
            "<title>2025-26 Q2: £1,250 (Red)</title>",
            "class=\"spark-target\" d=\"M ",
        ] {
            assert!(html.contains(expected), "{expected:?} not in {html}");
        }
        let escaped = minijinja::HtmlEscape(NASTY).to_string();
        assert!(html.contains(&format!("<figcaption>Priority 1: {escaped}</figcaption>")));
    }

    #[test]
    fn landscape_sets_the_page_across() {
        let across = "@page { size: A4 landscape; }";
        assert!(render(&report(false), true).unwrap().contains(across));
        let down = render(&report(false), false).unwrap();
        assert!(!down.contains(across) && down.contains("@page { size: A4;"));
    }
}
