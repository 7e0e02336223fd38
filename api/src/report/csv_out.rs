//! The report's tables as CSV (RFC 4180 quoting by the `csv` crate), one table per request.
//! Every row starts with the table's name and the period, so files can be concatenated.
//! Numbers are written raw (no units, no rounding); text that a spreadsheet would run as a
//! formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`.
use super::{Report, Table, model::*};

fn text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn opt_text(value: Option<&str>) -> String {
    value.map(text).unwrap_or_default()
}

fn num(value: Option<f64>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn priority_cells(p: &Priority) -> [String; 3] {
    [p.id.clone(), opt_text(p.code.as_deref()), text(&p.title)]
}

pub fn render(report: &Report, table: Table) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let period = report.period.to_string();
    let name = table.name().to_string();
    let lead = || vec![name.clone(), period.clone()];
    match table {
        Table::Summary => {
            let mut header = vec![
                "table",
                "period",
                "priority_id",
                "priority_code",
                "priority",
            ];
            header.extend([
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
            ]);
            w.write_record(&header)?;
            let counts_cells = |c: &Counts| {
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
                .map(|n| n.to_string())
            };
            for p in &report.priorities {
                let mut row = lead();
                row.extend(priority_cells(p));
                row.extend(counts_cells(&report.counts_of(&p.id)));
                w.write_record(&row)?;
            }
            let mut row = lead();
            row.extend(["overall".to_string(), String::new(), "Overall".to_string()]);
            row.extend(counts_cells(&report.summary.overall));
            w.write_record(&row)?;
        }
        Table::Exceptions => {
            w.write_record([
                "table",
                "period",
                "priority_id",
                "priority_code",
                "priority",
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
            ])?;
            for e in &report.summary.exceptions {
                let priority = e
                    .priority
                    .as_ref()
                    .and_then(|p| report.priorities.iter().find(|x| x.id == p.id));
                let mut row = lead();
                match priority {
                    Some(p) => row.extend(priority_cells(p)),
                    None => row.extend([String::new(), String::new(), String::new()]),
                }
                let owner = opt_text(e.owner.as_ref().map(|o| o.name.as_str()));
                if let Some(i) = &e.indicator {
                    let r = e.result.as_ref();
                    row.extend([
                        "indicator".to_string(),
                        i.id.clone(),
                        text(&i.reference),
                        text(&i.title),
                        owner,
                        e.status.clone(),
                        r.and_then(|r| r.previous_status.clone())
                            .unwrap_or_default(),
                        num(r.and_then(|r| r.actual)),
                        num(r.and_then(|r| r.target)),
                        r.map(|r| r.target_is_pro_rata.to_string())
                            .unwrap_or_default(),
                        r.map(|r| r.trend.clone()).unwrap_or_default(),
                        r.and_then(|r| r.direction.clone()).unwrap_or_default(),
                        r.map(|r| r.due_date.clone()).unwrap_or_default(),
                        opt_text(e.commentary.as_deref()),
                        opt_text(e.next_steps.as_deref()),
                        String::new(),
                        String::new(),
                        String::new(),
                    ]);
                } else if let Some(a) = &e.action {
                    row.extend([
                        "action".to_string(),
                        a.id.clone(),
                        opt_text(a.reference.as_deref()),
                        text(&a.title),
                        owner,
                        e.status.clone(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        String::new(),
                        opt_text(e.commentary.as_deref()),
                        opt_text(e.next_steps.as_deref()),
                        a.due_date.clone().unwrap_or_default(),
                        a.due_kind.clone().unwrap_or_default(),
                        a.estimated_completion.clone().unwrap_or_default(),
                    ]);
                } else {
                    continue;
                }
                w.write_record(&row)?;
            }
        }
        Table::Indicators => {
            let mut header: Vec<String> = [
                "table",
                "period",
                "priority_id",
                "priority_code",
                "priority",
                "id",
                "ref",
                "title",
                "owner",
                "unit",
                "frequency",
            ]
            .map(String::from)
            .to_vec();
            header.push(format!("outturn {}", report.previous_year));
            header.extend(report.columns.iter().map(|c| c.to_string()));
            header.extend(
                [
                    "target",
                    "target_is_pro_rata",
                    "status",
                    "previous_status",
                    "trend",
                    "direction",
                    "commentary",
                ]
                .map(String::from),
            );
            w.write_record(&header)?;
            for p in &report.priorities {
                for i in &p.indicators {
                    let r = &i.result;
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        i.id.clone(),
                        text(&i.reference),
                        text(&i.title),
                        opt_text(i.owner.as_ref().map(|o| o.name.as_str())),
                        i.unit.clone(),
                        i.frequency.clone(),
                        num(i.previous_year.actual),
                    ]);
                    for c in &report.columns {
                        let c = c.to_string();
                        row.push(num(i
                            .series
                            .iter()
                            .find(|s| s.period == c)
                            .and_then(|s| s.actual)));
                    }
                    row.extend([
                        num(r.target),
                        r.target_is_pro_rata.to_string(),
                        r.status.clone(),
                        r.previous_status.clone().unwrap_or_default(),
                        r.trend.clone(),
                        r.direction.clone().unwrap_or_default(),
                        opt_text(r.commentary.as_deref()),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
        Table::Actions => {
            w.write_record([
                "table",
                "period",
                "priority_id",
                "priority_code",
                "priority",
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
            ])?;
            for p in &report.priorities {
                for a in &p.actions {
                    let u = report.update_for(a);
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        a.id.clone(),
                        opt_text(a.reference.as_deref()),
                        text(&a.title),
                        opt_text(a.description.as_deref()),
                        opt_text(a.owner.as_ref().map(|o| o.name.as_str())),
                        a.delivery.clone(),
                        a.status.clone(),
                        u.map(|u| u.period.clone()).unwrap_or_default(),
                        opt_text(u.and_then(|u| u.commentary.as_deref())),
                        opt_text(u.and_then(|u| u.next_steps.as_deref())),
                        a.due_date.clone().unwrap_or_default(),
                        a.due_kind.clone().unwrap_or_default(),
                        a.estimated_completion.clone().unwrap_or_default(),
                        a.completed_on.clone().unwrap_or_default(),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
        Table::Benchmarking => {
            w.write_record([
                "table",
                "period",
                "priority_id",
                "priority_code",
                "priority",
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
            ])?;
            for p in &report.priorities {
                for i in &p.indicators {
                    let Some(b) = &i.result.benchmark else {
                        continue;
                    };
                    let mut row = lead();
                    row.extend(priority_cells(p));
                    row.extend([
                        i.id.clone(),
                        text(&i.reference),
                        text(&i.title),
                        text(&b.group.name),
                        b.period.clone(),
                        b.own_value.to_string(),
                        b.rank.to_string(),
                        b.of.to_string(),
                        b.quartile.to_string(),
                        b.median.to_string(),
                        b.best.to_string(),
                        b.worst.to_string(),
                    ]);
                    w.write_record(&row)?;
                }
            }
        }
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    // Every field written was a Rust string, so the bytes are UTF-8.
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::text;

    #[test]
    fn formulas_are_defused() {
        assert_eq!(text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(text("Fine, thanks"), "Fine, thanks");
    }
}
