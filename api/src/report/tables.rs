//! The report's tables as rows of typed cells. The CSV export and the Excel copy are two
//! renderings of the same rows, so they can never disagree: every row starts with the
//! table's name and the period (so CSV files can be concatenated), numbers are numbers (no
//! units, no rounding), and statuses and trends keep the API's codes, which the Excel copy
//! turns into words and colours.
use super::{Report, Table, model::*};

/// One cell of a report table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Free text people wrote (titles, commentary, names): a spreadsheet must never run it.
    Text(String),
    /// What the API gave as a code or a date (ids, units, enum values, ISO dates): as is.
    Code(String),
    /// A number, or an empty cell.
    Number(Option<f64>),
    Flag(bool),
    /// An indicator's RAG status code (`RED`, `NO_DATA`…), or an empty cell.
    IndicatorStatus(Option<String>),
    /// An action's status code (`GREEN`, `COMPLETED`…).
    ActionStatus(String),
    /// A trend code (`IMPROVING`…), or an empty cell.
    Trend(Option<String>),
}

impl Cell {
    fn text(value: &str) -> Cell {
        Cell::Text(value.to_string())
    }

    fn opt_text(value: Option<&str>) -> Cell {
        Cell::Text(value.unwrap_or_default().to_string())
    }

    fn code(value: &str) -> Cell {
        Cell::Code(value.to_string())
    }

    fn opt_code(value: Option<&str>) -> Cell {
        Cell::Code(value.unwrap_or_default().to_string())
    }

    fn count(n: u32) -> Cell {
        Cell::Number(Some(f64::from(n)))
    }

    fn empty() -> Cell {
        Cell::Code(String::new())
    }
}

/// A table: its column names and its rows (each as long as the header).
pub struct Sheet {
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn priority_cells(p: &Priority) -> [Cell; 3] {
    [
        Cell::code(&p.id),
        Cell::opt_text(p.code.as_deref()),
        Cell::text(&p.title),
    ]
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A table's column names: what every row starts with (its table, period and priority),
/// then `rest`.
fn column_names(rest: &[&str]) -> Vec<String> {
    let lead = [
        "table",
        "period",
        "priority_id",
        "priority_code",
        "priority",
    ];
    strings(&lead).into_iter().chain(strings(rest)).collect()
}

fn count_cells(c: &Counts) -> Vec<Cell> {
    let a = c.actions;
    let i = c.indicators;
    [
        a.red,
        a.red_pct,
        a.amber,
        a.amber_pct,
        a.green,
        a.green_pct,
        a.blue,
        a.blue_pct,
        a.completed,
        a.not_started,
        i.red,
        i.red_pct,
        i.amber,
        i.amber_pct,
        i.green,
        i.green_pct,
        i.monitor_only,
        i.no_data,
        i.no_target,
    ]
    .map(Cell::count)
    .to_vec()
}

/// The rows of one of the report's tables.
pub fn sheet(report: &Report, table: Table) -> Sheet {
    let period = report.period.to_string();
    let lead = || vec![Cell::code(table.name()), Cell::code(&period)];
    let mut rows = Vec::new();
    let header = match table {
        Table::Summary => {
            for p in &report.priorities {
                let mut row = lead();
                row.extend(priority_cells(p));
                row.extend(count_cells(&report.counts_of(&p.id)));
                rows.push(row);
            }
            let mut row = lead();
            row.extend([Cell::code("overall"), Cell::empty(), Cell::text("Overall")]);
            row.extend(count_cells(&report.summary.overall));
            rows.push(row);
            column_names(&[
                "actions_red",
                "actions_red_pct",
                "actions_amber",
                "actions_amber_pct",
                "actions_green",
                "actions_green_pct",
                "actions_blue",
                "actions_blue_pct",
                "actions_completed",
                "actions_not_started",
                "indicators_red",
                "indicators_red_pct",
                "indicators_amber",
                "indicators_amber_pct",
                "indicators_green",
                "indicators_green_pct",
                "indicators_monitor_only",
                "indicators_in_progress",
                "indicators_no_target",
            ])
        }
        Table::Exceptions => {
            for e in &report.summary.exceptions {
                let priority = e
                    .priority
                    .as_ref()
                    .and_then(|p| report.priorities.iter().find(|x| x.id == p.id));
                let mut row = lead();
                match priority {
                    Some(p) => row.extend(priority_cells(p)),
                    None => row.extend([Cell::empty(), Cell::empty(), Cell::empty()]),
                }
                let owner = Cell::opt_text(e.owner.as_ref().map(|o| o.name.as_str()));
                if let Some(i) = &e.indicator {
                    let r = e.result.as_ref();
                    row.extend([
                        Cell::code("indicator"),
                        Cell::code(&i.id),
                        Cell::text(&i.reference),
                        Cell::text(&i.title),
                        owner,
                        Cell::IndicatorStatus(Some(e.status.clone())),
                        Cell::IndicatorStatus(r.and_then(|r| r.previous_status.clone())),
                        Cell::Number(r.and_then(|r| r.actual)),
                        Cell::Number(r.and_then(|r| r.target)),
                        r.map_or(Cell::empty(), |r| Cell::Flag(r.target_is_pro_rata)),
                        Cell::Trend(r.map(|r| r.trend.clone())),
                        Cell::opt_code(r.and_then(|r| r.direction.as_deref())),
                        Cell::opt_code(r.map(|r| r.due_date.as_str())),
                        Cell::opt_text(e.commentary.as_deref()),
                        Cell::opt_text(e.next_steps.as_deref()),
                        Cell::empty(),
                        Cell::empty(),
                        Cell::empty(),
                    ]);
                } else if let Some(a) = &e.action {
                    row.extend([
                        Cell::code("action"),
                        Cell::code(&a.id),
                        Cell::opt_text(a.reference.as_deref()),
                        Cell::text(&a.title),
                        owner,
                        Cell::ActionStatus(e.status.clone()),
                        Cell::empty(),
                        Cell::Number(None),
                        Cell::Number(None),
                        Cell::empty(),
                        Cell::Trend(None),
                        Cell::empty(),
                        Cell::empty(),
                        Cell::opt_text(e.commentary.as_deref()),
                        Cell::opt_text(e.next_steps.as_deref()),
                        Cell::opt_code(a.due_date.as_deref()),
                        Cell::opt_code(a.due_kind.as_deref()),
                        Cell::opt_code(a.estimated_completion.as_deref()),
                    ]);
                } else {
                    continue;
                }
                rows.push(row);
            }
            column_names(&[
                "kind",
                "id",
                "ref",
                "title",
                "owner",
                "status",
                "previous_status",
                "actual",
                "target",
                "target_is_pro_rata",
                "trend",
                "direction",
                "data_due_date",
                "commentary",
                "next_steps",
                "action_due_date",
                "action_due_kind",
                "estimated_completion",
            ])
        }
        Table::Indicators => {
            let columns: Vec<String> = report.columns.iter().map(|c| c.to_string()).collect();
            for p in &report.priorities {
                for i in &p.indicators {
                    let r = &i.result;
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        Cell::code(&i.id),
                        Cell::text(&i.reference),
                        Cell::text(&i.title),
                        Cell::opt_text(i.owner.as_ref().map(|o| o.name.as_str())),
                        Cell::code(&i.unit),
                        Cell::code(&i.frequency),
                        Cell::Number(i.previous_year.actual),
                    ]);
                    for c in &columns {
                        let actual = i.series.iter().find(|s| &s.period == c);
                        row.push(Cell::Number(actual.and_then(|s| s.actual)));
                    }
                    row.extend([
                        Cell::Number(r.target),
                        Cell::Flag(r.target_is_pro_rata),
                        Cell::IndicatorStatus(Some(r.status.clone())),
                        Cell::IndicatorStatus(r.previous_status.clone()),
                        Cell::Trend(Some(r.trend.clone())),
                        Cell::opt_code(r.direction.as_deref()),
                        Cell::opt_text(r.commentary.as_deref()),
                    ]);
                    rows.push(row);
                }
            }
            let mut header = column_names(&["id", "ref", "title", "owner", "unit", "frequency"]);
            header.push(format!("outturn {}", report.previous_year));
            header.extend(columns);
            header.extend(strings(&[
                "target",
                "target_is_pro_rata",
                "status",
                "previous_status",
                "trend",
                "direction",
                "commentary",
            ]));
            header
        }
        Table::Actions => {
            for p in &report.priorities {
                for a in &p.actions {
                    let u = report.update_for(a);
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        Cell::code(&a.id),
                        Cell::opt_text(a.reference.as_deref()),
                        Cell::text(&a.title),
                        Cell::opt_text(a.description.as_deref()),
                        Cell::opt_text(a.owner.as_ref().map(|o| o.name.as_str())),
                        Cell::code(&a.delivery),
                        Cell::ActionStatus(a.status.clone()),
                        Cell::opt_code(u.map(|u| u.period.as_str())),
                        Cell::opt_text(u.and_then(|u| u.commentary.as_deref())),
                        Cell::opt_text(u.and_then(|u| u.next_steps.as_deref())),
                        Cell::opt_code(a.due_date.as_deref()),
                        Cell::opt_code(a.due_kind.as_deref()),
                        Cell::opt_code(a.estimated_completion.as_deref()),
                        Cell::opt_code(a.completed_on.as_deref()),
                    ]);
                    rows.push(row);
                }
            }
            column_names(&[
                "id",
                "ref",
                "title",
                "description",
                "owner",
                "delivery",
                "status",
                "update_period",
                "commentary",
                "next_steps",
                "due_date",
                "due_kind",
                "estimated_completion",
                "completed_on",
            ])
        }
        Table::Benchmarking => {
            for p in &report.priorities {
                for i in &p.indicators {
                    let Some(b) = &i.result.benchmark else {
                        continue;
                    };
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        Cell::code(&i.id),
                        Cell::text(&i.reference),
                        Cell::text(&i.title),
                        Cell::text(&b.group.name),
                        Cell::code(&b.period),
                        Cell::Number(Some(b.own_value)),
                        Cell::count(b.rank),
                        Cell::count(b.of),
                        Cell::count(u32::from(b.quartile)),
                        Cell::Number(Some(b.median)),
                        Cell::Number(Some(b.best)),
                        Cell::Number(Some(b.worst)),
                    ]);
                    rows.push(row);
                }
            }
            column_names(&[
                "id",
                "ref",
                "title",
                "comparator_group",
                "comparator_period",
                "value",
                "rank",
                "of",
                "quartile",
                "median",
                "best",
                "worst",
            ])
        }
    };
    Sheet { header, rows }
}
