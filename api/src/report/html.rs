//! The report as one printable, accessible HTML page: real tables with captions and header
//! scopes, a text label beside every colour, headings in order, and print CSS for a clean A4
//! document from the browser's "Save as PDF".
use std::fmt::Write;

use super::{
    Report, Table, action_status_label, column_label, encode_component, exceptions_by_priority,
    format_value, html_escape as esc, indicator_status_label, long_date, model::*, period_long,
    status_class, target_date, trend_label,
};

const STYLE: &str = r#"
:root { --ink: #0b0c0c; --muted: #505a5f; --rule: #b1b4b6;
  --red: #d4351c; --amber: #f47738; --green: #00703c; --blue: #1d70b8; --done: #4c2c92; --grey: #6f777b; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: var(--ink);
  line-height: 1.4; margin: 0 auto; max-width: 75rem; padding: 1rem 1.5rem 3rem; font-size: 15px; }
h1 { font-size: 1.75rem; margin: .25rem 0 .5rem; }
h2 { font-size: 1.35rem; margin: 2rem 0 .5rem; border-bottom: 3px solid var(--ink); padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 .4rem; }
p { margin: .3rem 0 .6rem; }
.org { font-weight: bold; color: var(--muted); margin: 0; text-transform: uppercase; letter-spacing: .04em; font-size: .85rem; }
.meta { color: var(--muted); }
a { color: #1d70b8; }
a:focus { outline: 3px solid #fd0; outline-offset: 0; background: #fd0; color: var(--ink); }
nav.downloads { background: #f3f2f1; padding: .5rem .75rem; margin-bottom: 1rem; border-left: 4px solid var(--blue); }
nav.downloads ul { display: inline; padding: 0; margin: 0; }
nav.downloads li { display: inline; margin-right: .75rem; }
table { border-collapse: collapse; width: 100%; margin: .25rem 0 1rem; font-size: .85rem; }
caption { text-align: left; font-weight: bold; padding: .25rem 0; caption-side: top; }
th, td { border: 1px solid var(--rule); padding: .3rem .4rem; vertical-align: top; text-align: left; }
thead th { background: #f3f2f1; }
tfoot th, tfoot td { font-weight: bold; background: #f3f2f1; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.text { white-space: pre-line; }
.small { font-size: .88em; color: var(--muted); }
.badge { display: inline-block; white-space: nowrap; font-weight: bold; padding: .05rem .35rem .05rem .25rem;
  border: 1px solid currentColor; border-radius: 2px; }
.badge::before { content: ""; display: inline-block; width: .7em; height: .7em; margin-right: .3em;
  vertical-align: baseline; background: var(--sw, var(--grey)); border: 1px solid rgba(0,0,0,.4); }
.badge.red { color: #8e2311; background: #f6d7d2; --sw: var(--red); }
.badge.amber { color: #6e3619; background: #fcd6c3; --sw: var(--amber); }
.badge.green { color: #005a30; background: #cce2d8; --sw: var(--green); }
.badge.blue { color: #144e81; background: #d2e2f1; --sw: var(--blue); }
.badge.completed { color: #3d2375; background: #dbd5e9; --sw: var(--done); }
.badge.grey { color: #383f43; background: #eeefef; --sw: var(--grey); }
.swatch { display: inline-block; width: .8em; height: .8em; border: 1px solid rgba(0,0,0,.4); vertical-align: baseline; margin-right: .25em; }
.swatch.red { background: var(--red); } .swatch.amber { background: var(--amber); }
.swatch.green { background: var(--green); } .swatch.blue { background: var(--blue); }
.swatch.completed { background: var(--done); } .swatch.grey { background: var(--grey); }
.change { display: block; margin-top: .2rem; font-size: .92em; text-decoration: none; white-space: nowrap; }
.trend { white-space: nowrap; }
.letter { font-size: .85em; color: var(--muted); margin-left: .2em; text-decoration: none; }
table.indicators tbody th, table.actions tbody th, table.exceptions tbody th { white-space: nowrap; }
table.indicators thead th:nth-child(2) { width: 20%; }
table.indicators thead th:last-child { width: 24%; }
table.exceptions { table-layout: fixed; }
table.exceptions .badge { white-space: normal; }
table.exceptions thead th:nth-child(1) { width: 7%; } table.exceptions thead th:nth-child(2) { width: 20%; }
table.exceptions thead th:nth-child(3) { width: 11%; } table.exceptions thead th:nth-child(4) { width: 8%; }
table.exceptions thead th:nth-child(5) { width: 8%; } table.exceptions thead th:nth-child(6) { width: 12%; }
table.exceptions thead th:nth-child(7) { width: 21%; } table.exceptions thead th:nth-child(8) { width: 13%; }
table.actions thead th:nth-child(2), table.actions thead th:nth-child(3) { width: 26%; }
table.actions thead th:nth-child(4) { width: 18%; }
.none { color: var(--muted); font-style: italic; }
ul.contents { columns: 2; padding-left: 1.2rem; }
@page { size: A4; margin: 14mm 11mm 16mm; }
@media print {
  body { max-width: none; padding: 0 2px; font-size: 9.5pt; }
  thead th { white-space: normal; }
  nav.downloads, .no-print { display: none !important; }
  h1 { font-size: 17pt; } h2 { font-size: 13pt; margin-top: 0; } h3 { font-size: 11pt; }
  table { font-size: 8pt; }
  thead { display: table-header-group; }
  tfoot { display: table-row-group; }
  table.summary { break-inside: avoid; page-break-inside: avoid; }
  tr, .badge { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, caption { break-after: avoid; page-break-after: avoid; }
  section.priority, section#exceptions { break-before: page; page-break-before: always; }
  a { color: inherit; text-decoration: none; }
  ul.contents { columns: 1; }
}
"#;

fn badge(class: &str, label: &str) -> String {
    format!(r#"<span class="badge {class}">{}</span>"#, esc(label))
}

fn text_or_none(text: Option<&str>, none: &str) -> String {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => format!(r#"<span class="text">{}</span>"#, esc(t)),
        None => format!(r#"<span class="none">{}</span>"#, esc(none)),
    }
}

fn value_or_dash(value: Option<f64>, unit: &str, decimals: i32) -> String {
    match value {
        Some(v) => esc(&format_value(v, unit, decimals)),
        None => r#"<span class="none" title="no value">–</span>"#.to_string(),
    }
}

fn indicator_status_cell(status: &str, previous: Option<&str>) -> String {
    let (label, letter) = indicator_status_label(status);
    let mut out = badge(status_class(status), label);
    if let Some(prev) = previous {
        let (prev_label, prev_letter) = indicator_status_label(prev);
        let _ = write!(
            out,
            r#"<abbr class="change" title="{} last period, {} now">{} → {}</abbr>"#,
            esc(prev_label),
            esc(label),
            esc(prev_letter),
            esc(letter)
        );
    }
    out
}

fn trend_cell(trend: &str, direction: Option<&str>) -> String {
    let (arrow, words) = trend_label(trend, direction);
    format!(
        r#"<span class="trend"><span aria-hidden="true">{arrow}</span> {}</span>"#,
        esc(words)
    )
}

fn target_text(target: Option<f64>, pro_rata: bool, unit: &str, decimals: i32) -> String {
    match target {
        Some(t) => {
            let mut s = esc(&format_value(t, unit, decimals));
            if pro_rata {
                s.push_str(r#" <span class="small">(pro-rata)</span>"#);
            }
            s
        }
        None => r#"<span class="none">none</span>"#.to_string(),
    }
}

fn priority_anchor(id: &str) -> String {
    format!("priority-{}", esc(id))
}

fn csv_link(report: &Report, table: Table) -> String {
    format!(
        "{}.csv?org={}&amp;table={}",
        esc(&super::report_path_text(&report.plan.id, &report.period)),
        esc(&encode_component(&report.org.slug)),
        table.name()
    )
}

/// The whole page.
pub fn render(report: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let period = report.period.to_string();
    let _ = writeln!(
        h,
        r#"<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{plan}: performance report {period} – {org}</title>
<style>{STYLE}</style>
</head>
<body>"#,
        plan = esc(&report.plan.title),
        period = esc(&period),
        org = esc(&report.org.name),
    );
    if report.public {
        let _ = write!(
            h,
            r#"<nav class="downloads" aria-label="Downloads">Download as CSV: <ul>"#
        );
        for table in Table::ALL {
            let _ = write!(
                h,
                r#"<li><a href="{}" download>{} table</a></li>"#,
                csv_link(report, table),
                table.name()
            );
        }
        h.push_str(
            "</ul> To keep a PDF, use your browser's Print and choose “Save as PDF”.</nav>\n",
        );
    }
    let _ = writeln!(
        h,
        r#"<header>
<p class="org">{org}</p>
<h1>{plan}: quarterly performance report, {period}</h1>
<p class="meta">Period: {period_long}. Produced {generated} from the performance register.{public}</p>
</header>
<main>"#,
        org = esc(&report.org.name),
        plan = esc(&report.plan.title),
        period = esc(&period),
        period_long = esc(&period_long(&report.period, report.fy)),
        generated = esc(&report.generated_at.format("%-d %B %Y").to_string()),
        public = if report.public {
            " This is the public version: it shows published indicators only."
        } else {
            ""
        },
    );
    render_contents(&mut h, report);
    render_summary(&mut h, report);
    render_exceptions(&mut h, report);
    for priority in &report.priorities {
        render_priority(&mut h, report, priority);
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}

fn render_contents(h: &mut String, report: &Report) {
    h.push_str(
        r##"<nav aria-label="Contents"><h2 id="contents">Contents</h2><ul class="contents">
<li><a href="#summary">Summary</a></li><li><a href="#exceptions">Exceptions</a></li>
"##,
    );
    for p in &report.priorities {
        let _ = write!(
            h,
            r##"<li><a href="#{}">{}</a></li>"##,
            priority_anchor(&p.id),
            esc(&Report::priority_heading(p))
        );
    }
    h.push_str("</ul></nav>\n");
}

fn summary_action_cells(h: &mut String, a: &ActionCounts) {
    for (field, value) in [
        ("red", a.red),
        ("redPct", a.red_pct),
        ("amber", a.amber),
        ("amberPct", a.amber_pct),
        ("green", a.green),
        ("greenPct", a.green_pct),
        ("blue", a.blue),
        ("bluePct", a.blue_pct),
        ("completed", a.completed),
        ("notStarted", a.not_started),
    ] {
        let suffix = if field.ends_with("Pct") { "%" } else { "" };
        let _ = write!(
            h,
            r#"<td class="num" data-field="{field}">{value}{suffix}</td>"#
        );
    }
}

fn summary_indicator_cells(h: &mut String, i: &IndicatorCounts) {
    for (field, value) in [
        ("red", i.red),
        ("redPct", i.red_pct),
        ("amber", i.amber),
        ("amberPct", i.amber_pct),
        ("green", i.green),
        ("greenPct", i.green_pct),
        ("monitorOnly", i.monitor_only),
        ("noData", i.no_data),
        ("noTarget", i.no_target),
    ] {
        let suffix = if field.ends_with("Pct") { "%" } else { "" };
        let _ = write!(
            h,
            r#"<td class="num" data-field="{field}">{value}{suffix}</td>"#
        );
    }
}

fn colour_heading(class: &str, label: &str) -> String {
    format!(
        r#"<th scope="col" class="num"><span class="swatch {class}" aria-hidden="true"></span>{}</th>"#,
        esc(label)
    )
}

fn render_summary(h: &mut String, report: &Report) {
    let period = esc(&report.period.to_string());
    let _ = writeln!(
        h,
        r#"<section id="summary" aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<p>Percentages of actions are of red, amber, green and blue actions delivered by the council; partnership actions are for information only and not counted. Percentages of indicators are of red, amber and green indicators. Both are rounded half up.</p>
<p class="small">Key: {red} 5% or more off target or major issues; {amber} less than 5% off target or minor issues or delays; {green} target met or on track; {blue} on hold or closed; {completed}; {monitor} reported, never rated; {progress} no value yet.</p>
<table id="summary-actions" class="summary">
<caption>Actions by priority, {period}</caption>
<thead><tr><th scope="col">Priority</th>{c_red}<th scope="col" class="num">Red %</th>{c_amber}<th scope="col" class="num">Amber %</th>{c_green}<th scope="col" class="num">Green %</th>{c_blue}<th scope="col" class="num">Blue %</th>{c_done}<th scope="col" class="num">Not started</th></tr></thead>
<tbody>"#,
        red = badge("red", "Red"),
        amber = badge("amber", "Amber"),
        green = badge("green", "Green"),
        blue = badge("blue", "Blue"),
        completed = badge("completed", "Completed"),
        monitor = badge("grey", "Monitor only"),
        progress = badge("grey", "In progress"),
        c_red = colour_heading("red", "Red"),
        c_amber = colour_heading("amber", "Amber"),
        c_green = colour_heading("green", "Green"),
        c_blue = colour_heading("blue", "Blue"),
        c_done = colour_heading("completed", "Completed"),
    );
    for p in &report.priorities {
        let counts = report.counts_of(&p.id);
        let _ = write!(
            h,
            r#"<tr data-priority-id="{}"><th scope="row">{}</th>"#,
            esc(&p.id),
            esc(&Report::priority_heading(p))
        );
        summary_action_cells(h, &counts.actions);
        h.push_str("</tr>\n");
    }
    h.push_str(r#"</tbody><tfoot><tr data-priority-id="overall"><th scope="row">Overall</th>"#);
    summary_action_cells(h, &report.summary.overall.actions);
    h.push_str("</tr></tfoot></table>\n");

    let _ = writeln!(
        h,
        r#"<table id="summary-indicators" class="summary">
<caption>Indicators by priority, {period}</caption>
<thead><tr><th scope="col">Priority</th>{c_red}<th scope="col" class="num">Red %</th>{c_amber}<th scope="col" class="num">Amber %</th>{c_green}<th scope="col" class="num">Green %</th>{c_mon}{c_prog}{c_nt}</tr></thead>
<tbody>"#,
        c_red = colour_heading("red", "Red"),
        c_amber = colour_heading("amber", "Amber"),
        c_green = colour_heading("green", "Green"),
        c_mon = colour_heading("grey", "Monitor only"),
        c_prog = colour_heading("grey", "In progress"),
        c_nt = colour_heading("grey", "No target"),
    );
    for p in &report.priorities {
        let counts = report.counts_of(&p.id);
        let _ = write!(
            h,
            r#"<tr data-priority-id="{}"><th scope="row">{}</th>"#,
            esc(&p.id),
            esc(&Report::priority_heading(p))
        );
        summary_indicator_cells(h, &counts.indicators);
        h.push_str("</tr>\n");
    }
    h.push_str(r#"</tbody><tfoot><tr data-priority-id="overall"><th scope="row">Overall</th>"#);
    summary_indicator_cells(h, &report.summary.overall.indicators);
    h.push_str("</tr></tfoot></table>\n</section>\n");
}

fn render_exceptions(h: &mut String, report: &Report) {
    let by_priority = exceptions_by_priority(&report.summary);
    let _ = writeln!(
        h,
        r#"<section id="exceptions" aria-labelledby="exceptions-heading">
<h2 id="exceptions-heading">Exceptions</h2>
<p>Every red and amber indicator and action for {}, with its commentary.</p>"#,
        esc(&report.period.to_string())
    );
    if report.summary.exceptions.is_empty() {
        h.push_str(r#"<p class="none">No indicator or action is red or amber.</p>"#);
    }
    for p in &report.priorities {
        let Some(items) = by_priority.get(&p.id).filter(|i| !i.is_empty()) else {
            continue;
        };
        let heading = Report::priority_heading(p);
        let _ = writeln!(
            h,
            r#"<h3 id="exceptions-{id}">{title}</h3>
<table class="exceptions" data-priority-id="{id}">
<caption>Red and amber items: {title}</caption>
<thead><tr><th scope="col">Ref</th><th scope="col">Indicator or action</th><th scope="col">Status</th><th scope="col" class="num">Actual</th><th scope="col" class="num">Target</th><th scope="col">Trend</th><th scope="col">Commentary</th><th scope="col">Next steps and dates</th></tr></thead>
<tbody>"#,
            id = esc(&p.id),
            title = esc(&heading)
        );
        for e in items {
            render_exception_row(h, report, e);
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
}

fn owner_line(owner: Option<&Named>, role: &str) -> String {
    owner
        .map(|o| format!(r#"<br><span class="small">{role}: {}</span>"#, esc(&o.name)))
        .unwrap_or_default()
}

fn render_exception_row(h: &mut String, _report: &Report, e: &Exception) {
    let owner = owner_line(e.owner.as_ref(), "Owner");
    if let Some(i) = &e.indicator {
        let r = e.result.as_ref();
        let (actual, target, trend, prev, due) = match r {
            Some(r) => (
                value_or_dash(r.actual, &i.unit, i.decimals),
                target_text(r.target, r.target_is_pro_rata, &i.unit, i.decimals),
                trend_cell(&r.trend, r.direction.as_deref()),
                r.previous_status.as_deref(),
                format!("Data due {}", long_date(&r.due_date)),
            ),
            None => (
                "–".into(),
                "–".into(),
                trend_cell("NOT_COMPARABLE", None),
                None,
                String::new(),
            ),
        };
        let _ = writeln!(
            h,
            r#"<tr data-kind="indicator" data-id="{id}"><th scope="row">{reference}</th><td>{title}{owner}</td><td>{status}</td><td class="num">{actual}</td><td class="num">{target}</td><td>{trend}</td><td>{commentary}</td><td>{next}<br><span class="small">{due}</span></td></tr>"#,
            id = esc(&i.id),
            reference = esc(&i.reference),
            title = esc(&i.title),
            status = indicator_status_cell(&e.status, prev),
            commentary = text_or_none(e.commentary.as_deref(), "No commentary"),
            next = text_or_none(e.next_steps.as_deref(), "—"),
            due = esc(&due),
        );
    } else if let Some(a) = &e.action {
        let mut dates = format!(
            "Target date: {}",
            target_date(a.due_date.as_deref(), a.due_kind.as_deref())
        );
        if let Some(est) = &a.estimated_completion {
            let _ = write!(dates, "; estimated completion {}", long_date(est));
        }
        let _ = writeln!(
            h,
            r#"<tr data-kind="action" data-id="{id}"><th scope="row">{reference}</th><td>{title}{owner}</td><td>{status}</td><td class="num">–</td><td class="num">–</td><td>–</td><td>{commentary}</td><td>{next}<br><span class="small">{dates}</span></td></tr>"#,
            id = esc(&a.id),
            reference = esc(a.reference.as_deref().unwrap_or("")),
            title = esc(&a.title),
            status = badge(status_class(&e.status), action_status_label(&e.status)),
            commentary = text_or_none(e.commentary.as_deref(), "No commentary"),
            next = text_or_none(e.next_steps.as_deref(), "No next steps given"),
            dates = esc(&dates),
        );
    }
}

fn render_priority(h: &mut String, report: &Report, p: &Priority) {
    let heading = Report::priority_heading(p);
    let counts = report.counts_of(&p.id);
    let _ = writeln!(
        h,
        r#"<section class="priority" id="{anchor}" aria-labelledby="{anchor}-heading">
<h2 id="{anchor}-heading">{title}</h2>
<p>Indicators: {ig} green, {ia} amber, {ir} red, {im} monitor only, {ip} in progress. Actions: {ag} green, {aa} amber, {ar} red, {ab} blue, {ac} completed.</p>
<h3>Indicators</h3>"#,
        anchor = priority_anchor(&p.id),
        title = esc(&heading),
        ig = counts.indicators.green,
        ia = counts.indicators.amber,
        ir = counts.indicators.red,
        im = counts.indicators.monitor_only,
        ip = counts.indicators.no_data,
        ag = counts.actions.green,
        aa = counts.actions.amber,
        ar = counts.actions.red,
        ab = counts.actions.blue,
        ac = counts.actions.completed,
    );
    if p.indicators.is_empty() {
        h.push_str(r#"<p class="none">No indicators.</p>"#);
    } else {
        let _ = write!(
            h,
            r#"<table class="indicators" data-priority-id="{id}">
<caption>Indicators: {title}, {period}</caption>
<thead><tr><th scope="col">Ref</th><th scope="col">Indicator</th><th scope="col" class="num">{prev} outturn</th>"#,
            id = esc(&p.id),
            title = esc(&heading),
            period = esc(&report.period.to_string()),
            prev = esc(&report.previous_year.to_string()),
        );
        for c in &report.columns {
            let _ = write!(
                h,
                r#"<th scope="col" class="num"><abbr title="{}">{}</abbr></th>"#,
                esc(&c.to_string()),
                esc(&column_label(c, report.fy))
            );
        }
        h.push_str(r#"<th scope="col" class="num">Target</th><th scope="col">Status</th><th scope="col">Trend</th><th scope="col">Commentary</th></tr></thead><tbody>"#);
        for i in &p.indicators {
            render_indicator_row(h, report, i);
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("<h3>Actions</h3>\n");
    if p.actions.is_empty() {
        h.push_str(r#"<p class="none">No actions.</p>"#);
    } else {
        let _ = writeln!(
            h,
            r#"<table class="actions" data-priority-id="{id}">
<caption>Actions: {title}, {period}</caption>
<thead><tr><th scope="col">Ref</th><th scope="col">Action</th><th scope="col">Commentary</th><th scope="col">Next steps</th><th scope="col">Target date</th><th scope="col">Status</th></tr></thead><tbody>"#,
            id = esc(&p.id),
            title = esc(&heading),
            period = esc(&report.period.to_string()),
        );
        for a in &p.actions {
            render_action_row(h, report, a);
        }
        h.push_str("</tbody></table>\n");
    }
    h.push_str("</section>\n");
}

fn render_indicator_row(h: &mut String, report: &Report, i: &Indicator) {
    let r = &i.result;
    let _ = write!(
        h,
        r#"<tr data-id="{id}"><th scope="row">{reference}</th><td>{title}{owner}{freq}</td><td class="num">{prev}</td>"#,
        id = esc(&i.id),
        reference = esc(&i.reference),
        title = esc(&i.title),
        owner = owner_line(i.owner.as_ref(), "Owner"),
        freq = if i.frequency == "ANNUAL" {
            r#"<br><span class="small">Annual measure</span>"#
        } else {
            ""
        },
        prev = value_or_dash(i.previous_year.actual, &i.unit, i.decimals),
    );
    for c in &report.columns {
        let text = c.to_string();
        let point = i.series.iter().find(|s| s.period == text);
        let cell = match point {
            Some(s) => {
                let mut v = value_or_dash(s.actual, &i.unit, i.decimals);
                if s.actual.is_some() && matches!(s.status.as_str(), "RED" | "AMBER" | "GREEN") {
                    let (label, letter) = indicator_status_label(&s.status);
                    let _ = write!(
                        v,
                        r#"<abbr class="letter" title="{}">{}</abbr>"#,
                        esc(label),
                        esc(letter)
                    );
                }
                v
            }
            None => value_or_dash(None, &i.unit, i.decimals),
        };
        let _ = write!(h, r#"<td class="num">{cell}</td>"#);
    }
    let _ = writeln!(
        h,
        r#"<td class="num">{target}</td><td data-field="status" data-status="{status}">{status_cell}</td><td>{trend}</td><td>{commentary}</td></tr>"#,
        target = target_text(r.target, r.target_is_pro_rata, &i.unit, i.decimals),
        status = esc(&r.status),
        status_cell = indicator_status_cell(&r.status, r.previous_status.as_deref()),
        trend = trend_cell(&r.trend, r.direction.as_deref()),
        commentary = text_or_none(r.commentary.as_deref(), ""),
    );
}

fn render_action_row(h: &mut String, report: &Report, a: &Action) {
    let update = report.update_for(a);
    let mut action = format!("<strong>{}</strong>", esc(&a.title));
    if let Some(d) = a.description.as_deref().filter(|d| !d.trim().is_empty()) {
        let _ = write!(action, r#"<br><span class="text">{}</span>"#, esc(d));
    }
    action.push_str(&owner_line(a.owner.as_ref(), "Responsible officer"));
    if a.delivery == "PARTNERSHIP" {
        action.push_str(
            r#"<br><span class="small">In partnership: for information only, not counted</span>"#,
        );
    }
    let mut commentary = text_or_none(update.and_then(|u| u.commentary.as_deref()), "No update");
    if let Some(u) = update.filter(|u| u.period != report.period.to_string()) {
        let _ = write!(
            commentary,
            r#"<br><span class="small">(update for {})</span>"#,
            esc(&u.period)
        );
    }
    let mut dates = esc(&target_date(a.due_date.as_deref(), a.due_kind.as_deref()));
    if let Some(done) = &a.completed_on {
        let _ = write!(
            dates,
            r#"<br><span class="small">Completed {}</span>"#,
            esc(&long_date(done))
        );
    } else if let Some(est) = &a.estimated_completion {
        let _ = write!(
            dates,
            r#"<br><span class="small">Estimated completion {}</span>"#,
            esc(&long_date(est))
        );
    }
    let _ = writeln!(
        h,
        r#"<tr data-id="{id}"><th scope="row">{reference}</th><td>{action}</td><td>{commentary}</td><td>{next}</td><td>{dates}</td><td data-field="status" data-status="{status}">{badge}</td></tr>"#,
        id = esc(&a.id),
        reference = esc(a.reference.as_deref().unwrap_or("")),
        next = text_or_none(update.and_then(|u| u.next_steps.as_deref()), ""),
        status = esc(&a.status),
        badge = badge(status_class(&a.status), action_status_label(&a.status)),
    );
}
