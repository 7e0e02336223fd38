//! The e-mails' words: subject, plain text and HTML for each kind of message, from the
//! templates in `core/store/templates/` (compiled in with `include_str!`).
//!
//! Templates have `{{name}}` placeholders. Every value put in HTML is escaped here; links are
//! written with [`PUBLIC_URL_PLACEHOLDER`] and completed by the worker when it sends, because
//! the api writes alerts without knowing the dashboard's address. The HTML is meant to read
//! well in any client and with a screen reader: a language, one `h1`, real headings, lists
//! and definition lists, no layout tables, no images, links that say where they go.
use chrono::NaiveDate;
use pmf_core::{IndicatorStatus, Period, ReminderStage, Trend};

use crate::{deadlines::Missing, outbox::PUBLIC_URL_PLACEHOLDER};

const LAYOUT_HTML: &str = include_str!("../templates/layout.html");
const REMINDER_TXT: &str = include_str!("../templates/reminder.txt");
const REMINDER_HTML: &str = include_str!("../templates/reminder.html");
const ALERT_TXT: &str = include_str!("../templates/alert.txt");
const ALERT_HTML: &str = include_str!("../templates/alert.html");
const ALERT_MESSAGE_TXT: &str = include_str!("../templates/alert_message.txt");
const ALERT_MESSAGE_HTML: &str = include_str!("../templates/alert_message.html");

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Replaces each `{{name}}` of `template` by its value (values are inserted as given).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{{{name}}}}}"), value);
    }
    out
}

/// A subject line: one line, no control characters, not too long.
fn subject_line(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>();
    let clean = clean.split_whitespace().collect::<Vec<_>>().join(" ");
    if clean.chars().count() > 200 {
        let mut cut: String = clean.chars().take(199).collect();
        cut.push('…');
        cut
    } else {
        clean
    }
}

/// HTML paragraphs from text that may contain line breaks.
fn html_paragraphs(text: &str) -> String {
    escape(text.trim())
        .replace("\r\n", "\n")
        .replace('\n', "<br>\n")
}

fn footer(council: &str) -> String {
    format!(
        "This message was sent automatically by {council}'s performance management system. \
         Manage your e-mail preferences on the dashboard: {PUBLIC_URL_PLACEHOLDER}"
    )
}

fn layout(council: &str, title: &str, content: &str) -> String {
    fill(
        LAYOUT_HTML,
        &[
            ("title", &escape(title)),
            ("council", &escape(council)),
            ("content", content),
            ("footer", &escape(&footer(council))),
        ],
    )
}

/// "Monday 10 November 2025".
pub fn long_date(d: NaiveDate) -> String {
    d.format("%A %-d %B %Y").to_string()
}

/// The dashboard path of an indicator: `/#/indicators/ID`.
pub fn indicator_path(id: i64) -> String {
    format!("/#/indicators/{id}")
}

/// The dashboard path of an action: `/#/actions/ID`.
pub fn action_path(id: i64) -> String {
    format!("/#/actions/{id}")
}

/// A full link, completed with `PUBLIC_URL` at delivery.
pub fn link(path: &str) -> String {
    format!("{PUBLIC_URL_PLACEHOLDER}{path}")
}

// ---------------------------------------------------------------------------------------
// Reminders

/// One outstanding item in a reminder digest.
#[derive(Debug, Clone, PartialEq)]
pub struct ReminderLine {
    pub reference: String,
    pub title: String,
    pub period: Period,
    pub due_date: NaiveDate,
    pub extended: bool,
    pub missing: Missing,
    pub stage: ReminderStage,
    /// `/#/indicators/ID` or `/#/actions/ID`.
    pub path: String,
    /// For an escalation: whose item it is.
    pub owner_name: Option<String>,
}

fn missing_words(m: Missing) -> &'static str {
    match m {
        Missing::Value => "the value",
        Missing::Commentary => "commentary explaining the result (it is off target)",
        Missing::Update => "the quarterly progress update",
    }
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Section {
    Overdue,
    DueToday,
    DueSoon,
    Team,
}

impl Section {
    fn of(stage: ReminderStage) -> Self {
        match stage {
            ReminderStage::Overdue(_) => Section::Overdue,
            ReminderStage::DueToday => Section::DueToday,
            ReminderStage::DueSoon => Section::DueSoon,
            ReminderStage::Escalation => Section::Team,
        }
    }
    fn heading(self) -> &'static str {
        match self {
            Section::Overdue => "Overdue",
            Section::DueToday => "Due today",
            Section::DueSoon => "Due soon",
            Section::Team => "Overdue in your team",
        }
    }
}

fn due_words(line: &ReminderLine) -> String {
    let ext = if line.extended { " (extended)" } else { "" };
    match line.stage {
        ReminderStage::Overdue(_) | ReminderStage::Escalation => {
            format!("was due {}{ext}", long_date(line.due_date))
        }
        ReminderStage::DueToday => format!("due today, {}{ext}", long_date(line.due_date)),
        ReminderStage::DueSoon => format!("due {}{ext}", long_date(line.due_date)),
    }
}

/// One digest listing every item due for one recipient in one run.
pub fn reminder_digest(
    council: &str,
    recipient_name: &str,
    lines: &[ReminderLine],
    today: NaiveDate,
) -> Rendered {
    let mut sorted: Vec<&ReminderLine> = lines.iter().collect();
    sorted.sort_by(|a, b| {
        (
            Section::of(a.stage),
            a.due_date,
            &a.reference,
            a.period.to_string(),
        )
            .cmp(&(
                Section::of(b.stage),
                b.due_date,
                &b.reference,
                b.period.to_string(),
            ))
    });
    let own = lines.iter().filter(|l| !l.stage.is_escalation()).count();
    let team = lines.len() - own;
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut text_sections = String::new();
    let mut html_sections = String::new();
    let mut current: Option<Section> = None;
    for line in &sorted {
        let section = Section::of(line.stage);
        if current != Some(section) {
            if current.is_some() {
                html_sections.push_str("</ul>\n");
            }
            let heading = section.heading();
            text_sections.push_str(&format!("\n{heading}\n{}\n", "-".repeat(heading.len())));
            html_sections.push_str(&format!(
                "<h2 style=\"font-size: 20px;\">{}</h2>\n<ul>\n",
                escape(heading)
            ));
            current = Some(section);
        }
        let whose = line
            .owner_name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let name = format!("{} {}", line.reference, line.title);
        text_sections.push_str(&format!(
            "* {name}{whose}, {}: {}. Missing: {}.\n  Enter it: {}\n",
            line.period,
            due_words(line),
            missing_words(line.missing),
            link(&line.path),
        ));
        html_sections.push_str(&format!(
            "<li><a href=\"{href}\">{name}</a>{whose}, period {period}: {due}. Missing: {missing}.</li>\n",
            href = escape(&link(&line.path)),
            name = escape(&name),
            whose = escape(&whose),
            period = escape(&line.period.to_string()),
            due = escape(&due_words(line)),
            missing = escape(missing_words(line.missing)),
        ));
    }
    if current.is_some() {
        html_sections.push_str("</ul>\n");
    }
    let mut intro = match own {
        0 => String::new(),
        n => format!(
            "You have {} to enter as of {}.",
            plural(n, "performance item", "performance items"),
            long_date(today)
        ),
    };
    if team > 0 {
        if !intro.is_empty() {
            intro.push(' ');
        }
        intro.push_str(&format!(
            "{} owned by people you manage {} overdue by three days or more.",
            plural(team, "item", "items"),
            if team == 1 { "is" } else { "are" }
        ));
    }
    let urgency = lines
        .iter()
        .filter(|l| !l.stage.is_escalation())
        .map(|l| Section::of(l.stage))
        .min()
        .map(|s| match s {
            Section::Overdue => "overdue",
            Section::DueToday => "due today",
            _ => "due soon",
        });
    let subject = match (urgency, team) {
        (Some(u), 0) => format!(
            "{council}: {} {u}",
            plural(own, "performance update", "performance updates")
        ),
        (Some(u), t) => format!(
            "{council}: {} {u}, {} overdue in your team",
            plural(own, "performance update", "performance updates"),
            t
        ),
        (None, t) => format!(
            "{council}: {} overdue in your team",
            plural(t, "performance update", "performance updates")
        ),
    };
    let subject = subject_line(&subject);
    let text = fill(
        REMINDER_TXT,
        &[
            ("council", council),
            ("name", recipient_name),
            ("intro", &intro),
            ("sections", &text_sections),
            ("footer", &footer(council)),
        ],
    );
    let content = fill(
        REMINDER_HTML,
        &[
            ("name", &escape(recipient_name)),
            ("intro", &escape(&intro)),
            ("sections", &html_sections),
        ],
    );
    Rendered {
        html: layout(council, &subject, &content),
        subject,
        text,
    }
}

// ---------------------------------------------------------------------------------------
// Exception alerts

/// What an exception alert says about one item turning RED (or AMBER).
#[derive(Debug, Clone, PartialEq)]
pub struct AlertFacts {
    /// "3.2 Complaints answered in time" or "action A1 Build the depot".
    pub item: String,
    pub period: Period,
    /// "RED" or "AMBER".
    pub status: String,
    /// The status of the same period before this change ("NO_DATA" for a first value).
    pub was: Option<String>,
    /// Label and value pairs: actual, target, gap, trend, previous period…
    pub details: Vec<(String, String)>,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
    pub path: String,
}

/// One alert, as a block that a message or a daily digest contains.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertBlock {
    /// One line: "RED: 3.2 Complaints answered in time, 2025-10".
    pub headline: String,
    pub text: String,
    pub html: String,
}

/// Renders the block of one alert.
pub fn alert_block(facts: &AlertFacts) -> AlertBlock {
    let headline = subject_line(&format!(
        "{}: {}, {}",
        facts.status, facts.item, facts.period
    ));
    let summary = match &facts.was {
        Some(was) if was != "NO_DATA" => format!(
            "{} is now {} for {} (it was {} before this change).",
            facts.item,
            facts.status,
            facts.period,
            status_words(was)
        ),
        _ => format!("{} is {} for {}.", facts.item, facts.status, facts.period),
    };
    let width = facts
        .details
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let details_text: String = facts
        .details
        .iter()
        .map(|(label, value)| format!("{label:<width$}  {value}\n", width = width + 1))
        .collect();
    let details_html: String = facts
        .details
        .iter()
        .map(|(label, value)| format!("<dt>{}</dt><dd>{}</dd>\n", escape(label), escape(value)))
        .collect();
    let commentary = facts
        .commentary
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or("None yet: the owner has been asked to explain the result by the deadline.");
    let (steps_text, steps_html) =
        match facts.next_steps.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(steps) => (
                format!("\nNext steps:\n{}\n", steps.trim()),
                format!(
                    "<h3 style=\"font-size: 16px;\">Next steps</h3>\n<p>{}</p>\n",
                    html_paragraphs(steps)
                ),
            ),
            None => (String::new(), String::new()),
        };
    let href = link(&facts.path);
    let text = fill(
        ALERT_TXT,
        &[
            ("headline", &headline),
            ("summary", &summary),
            ("details", &details_text),
            ("commentary", commentary.trim()),
            ("next_steps", &steps_text),
            ("link", &href),
        ],
    );
    let html = fill(
        ALERT_HTML,
        &[
            ("headline", &escape(&headline)),
            ("summary", &escape(&summary)),
            ("details", &details_html),
            ("commentary", &html_paragraphs(commentary)),
            ("next_steps", &steps_html),
            ("link", &escape(&href)),
            ("item", &escape(&facts.item)),
        ],
    );
    AlertBlock {
        headline,
        text,
        html,
    }
}

/// A whole message around alert blocks: one immediate alert, or a day's digest.
pub fn alert_message(council: &str, recipient_name: &str, blocks: &[AlertBlock]) -> Rendered {
    let (subject, heading, intro) = match blocks {
        [one] => (
            format!("{council}: {}", one.headline),
            "Exception alert".to_string(),
            "A performance result you oversee has moved off target.".to_string(),
        ),
        many => (
            format!("{council}: {} exception alerts", many.len()),
            format!("{} exception alerts", many.len()),
            "These performance results you oversee moved off target since your last digest."
                .to_string(),
        ),
    };
    let subject = subject_line(&subject);
    let text_blocks: Vec<&str> = blocks.iter().map(|b| b.text.as_str()).collect();
    let html_blocks: String = blocks.iter().map(|b| b.html.as_str()).collect();
    let text = fill(
        ALERT_MESSAGE_TXT,
        &[
            ("council", council),
            ("name", recipient_name),
            ("intro", &intro),
            (
                "alerts",
                &text_blocks.join("\n----------------------------------------\n\n"),
            ),
            ("footer", &footer(council)),
        ],
    );
    let content = fill(
        ALERT_MESSAGE_HTML,
        &[
            ("heading", &escape(&heading)),
            ("name", &escape(recipient_name)),
            ("intro", &escape(&intro)),
            ("alerts", &html_blocks),
        ],
    );
    Rendered {
        html: layout(council, &subject, &content),
        subject,
        text,
    }
}

/// "GREEN" → "green", "NO_DATA" → "no data".
pub fn status_words(s: &str) -> String {
    s.to_ascii_lowercase().replace('_', " ")
}

/// Words for a trend.
pub fn trend_words(t: Trend) -> &'static str {
    match t {
        Trend::Improving => "improving",
        Trend::Deteriorating => "deteriorating",
        Trend::NoChange => "no change",
        Trend::NotComparable => "not comparable",
    }
}

/// A value in its unit: "80.0%", "£1,250", "12 days", "42".
pub fn format_value(value: f64, unit: &str, decimals: i16) -> String {
    let d = usize::try_from(decimals).unwrap_or(0).min(6);
    let number = format!("{value:.d$}");
    match unit {
        "PERCENT" => format!("{number}%"),
        "CURRENCY" => {
            if value < 0.0 {
                format!("-£{}", number.trim_start_matches('-'))
            } else {
                format!("£{number}")
            }
        }
        "DAYS" => format!("{number} days"),
        _ => number,
    }
}

/// How far off target, in words: "10.0 percentage points below target (11.1% off)".
pub fn gap_words(actual: f64, target: f64, polarity: &str, unit: &str, decimals: i16) -> String {
    let shortfall = match polarity {
        "LOWER_IS_BETTER" => actual - target,
        _ => target - actual,
    };
    let side = if actual < target { "below" } else { "above" };
    let amount = match unit {
        "PERCENT" => {
            let d = usize::try_from(decimals).unwrap_or(0).min(6);
            format!("{:.d$} percentage points", (actual - target).abs())
        }
        _ => format_value((actual - target).abs(), unit, decimals),
    };
    if shortfall <= 0.0 {
        return format!("on or better than target ({amount} {side})");
    }
    if target == 0.0 {
        format!("{amount} {side} target")
    } else {
        format!(
            "{amount} {side} target ({:.1}% off)",
            shortfall / target.abs() * 100.0
        )
    }
}

/// The status words for "previous period": "GREEN" etc., or "no value".
pub fn previous_status_words(s: Option<IndicatorStatus>) -> String {
    match s {
        Some(s) => s.as_str().to_string(),
        None => "no value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(stage: ReminderStage, reference: &str) -> ReminderLine {
        ReminderLine {
            reference: reference.into(),
            title: "Complaints <answered> in time".into(),
            period: Period::parse("2025-10").unwrap(),
            due_date: NaiveDate::from_ymd_opt(2025, 11, 10).unwrap(),
            extended: false,
            missing: Missing::Value,
            stage,
            path: indicator_path(7),
            owner_name: stage.is_escalation().then(|| "Olive Officer".to_string()),
        }
    }

    #[test]
    fn a_digest_lists_every_item_under_its_heading() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 13).unwrap();
        let r = reminder_digest(
            "Fenland District Council",
            "Mo Manager",
            &[
                line(ReminderStage::Overdue(1), "1.1"),
                line(ReminderStage::Escalation, "2.1"),
                line(ReminderStage::DueSoon, "3.1"),
            ],
            today,
        );
        assert_eq!(
            r.subject,
            "Fenland District Council: 2 performance updates overdue, 1 overdue in your team"
        );
        for needle in [
            "Overdue\n-------",
            "Due soon",
            "Overdue in your team",
            "1.1 Complaints <answered> in time",
            "(Olive Officer)",
            "{{PUBLIC_URL}}/#/indicators/7",
            "Monday 10 November 2025",
        ] {
            assert!(r.text.contains(needle), "{needle} in {}", r.text);
        }
        assert!(
            r.html
                .contains("<h2 style=\"font-size: 20px;\">Due soon</h2>\n<ul>")
        );
        assert!(
            r.html.contains("Complaints &lt;answered&gt; in time"),
            "escaped"
        );
        assert!(r.html.contains("<html lang=\"en-GB\">"));
        assert!(!r.html.contains("<table"));
        for body in [&r.text, &r.html] {
            let leftover = body.replace(PUBLIC_URL_PLACEHOLDER, "");
            assert!(
                !leftover.contains("{{"),
                "unfilled placeholder in {leftover}"
            );
        }
    }

    #[test]
    fn an_alert_says_what_where_and_how_far_off() {
        let block = alert_block(&AlertFacts {
            item: "3.2 Complaints answered in time".into(),
            period: Period::parse("2025-10").unwrap(),
            status: "RED".into(),
            was: Some("GREEN".into()),
            details: vec![
                ("Actual".into(), format_value(80.0, "PERCENT", 1)),
                ("Target".into(), format_value(90.0, "PERCENT", 1)),
                (
                    "Gap".into(),
                    gap_words(80.0, 90.0, "HIGHER_IS_BETTER", "PERCENT", 1),
                ),
            ],
            commentary: Some("Two vacancies & sickness".into()),
            next_steps: None,
            path: indicator_path(3),
        });
        assert_eq!(
            block.headline,
            "RED: 3.2 Complaints answered in time, 2025-10"
        );
        assert!(
            block.text.contains("it was green before this change"),
            "{}",
            block.text
        );
        assert!(
            block
                .text
                .contains("10.0 percentage points below target (11.1% off)")
        );
        assert!(block.html.contains("<dt>Actual</dt><dd>80.0%</dd>"));
        assert!(block.html.contains("Two vacancies &amp; sickness"));
        let m = alert_message(
            "Fenland District Council",
            "Mo",
            std::slice::from_ref(&block),
        );
        assert_eq!(
            m.subject,
            "Fenland District Council: RED: 3.2 Complaints answered in time, 2025-10"
        );
        let digest = alert_message("Fenland District Council", "Mo", &[block.clone(), block]);
        assert_eq!(
            digest.subject,
            "Fenland District Council: 2 exception alerts"
        );
        assert!(
            !digest
                .html
                .replace(PUBLIC_URL_PLACEHOLDER, "")
                .contains("{{")
        );
    }

    #[test]
    fn values_and_gaps() {
        assert_eq!(format_value(1250.0, "CURRENCY", 0), "£1250");
        assert_eq!(format_value(-3.5, "CURRENCY", 2), "-£3.50");
        assert_eq!(format_value(12.0, "DAYS", 0), "12 days");
        assert_eq!(
            gap_words(12.0, 10.0, "LOWER_IS_BETTER", "DAYS", 0),
            "2 days above target (20.0% off)"
        );
        assert_eq!(
            gap_words(1.0, 0.0, "LOWER_IS_BETTER", "COUNT", 0),
            "1 above target"
        );
        assert_eq!(subject_line("a\r\nb\tc"), "a b c");
    }
}
