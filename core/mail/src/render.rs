//! The e-mails' words: subject, plain text and HTML for each kind of message, rendered by
//! minijinja from the templates in `core/mail/templates/` (compiled into the binary), one
//! folder per message as crates.io keeps them:
//!
//! - `reminder/`: the daily digest of deadlines (`subject.txt`, `body.txt`, `body.html`);
//! - `alert/`: one exception alert (`subject.txt`, `body.txt`, `body.html`), and the block
//!   that describes one alert (`headline.txt`, `block.txt`, `block.html`), kept whole in the
//!   outbox for those who get a daily digest;
//! - `alert_digest/`: a day's alerts in one message;
//! - `layout.html`, which every HTML body extends, and `footer.txt` for the plain text.
//!
//! Every value is a template variable, never text replaced in text, so whatever a title
//! holds (`{{content}}`, `{{PUBLIC_URL}}`, `<script>`) is printed as it is, and `.html`
//! templates escape it. Links are complete when rendered, from the [`Links`] given. Values,
//! dates and periods are written by [`pmf_core::present`], as in the quarterly report. The
//! HTML reads well in any client and with a screen reader: a language, one `h1`, real
//! headings, lists and definition lists, no layout tables, no images, links that say where
//! they go.
use std::sync::OnceLock;

use chrono::NaiveDate;
use minijinja::{
    Environment, UndefinedBehavior, Value, context, syntax::SyntaxConfig, value::Serde,
};
use pmf_core::{IndicatorStatus, Missing, Period, ReminderStage, Trend, present};
use serde::Serialize;

use crate::{Links, Page};

/// The templates, by name, as compiled into the binary.
const TEMPLATES: &[(&str, &str)] = &[
    ("layout.html", include_str!("../templates/layout.html")),
    ("footer.txt", include_str!("../templates/footer.txt")),
    (
        "reminder/subject.txt",
        include_str!("../templates/reminder/subject.txt"),
    ),
    (
        "reminder/intro.txt",
        include_str!("../templates/reminder/intro.txt"),
    ),
    (
        "reminder/intro.html",
        include_str!("../templates/reminder/intro.html"),
    ),
    (
        "reminder/body.txt",
        include_str!("../templates/reminder/body.txt"),
    ),
    (
        "reminder/body.html",
        include_str!("../templates/reminder/body.html"),
    ),
    (
        "alert/headline.txt",
        include_str!("../templates/alert/headline.txt"),
    ),
    (
        "alert/block.txt",
        include_str!("../templates/alert/block.txt"),
    ),
    (
        "alert/block.html",
        include_str!("../templates/alert/block.html"),
    ),
    (
        "alert/subject.txt",
        include_str!("../templates/alert/subject.txt"),
    ),
    (
        "alert/body.txt",
        include_str!("../templates/alert/body.txt"),
    ),
    (
        "alert/body.html",
        include_str!("../templates/alert/body.html"),
    ),
    (
        "alert_digest/subject.txt",
        include_str!("../templates/alert_digest/subject.txt"),
    ),
    (
        "alert_digest/body.txt",
        include_str!("../templates/alert_digest/body.txt"),
    ),
    (
        "alert_digest/body.html",
        include_str!("../templates/alert_digest/body.html"),
    ),
    (
        "quarterly_pack/subject.txt",
        include_str!("../templates/quarterly_pack/subject.txt"),
    ),
    (
        "quarterly_pack/body.txt",
        include_str!("../templates/quarterly_pack/body.txt"),
    ),
    (
        "quarterly_pack/body.html",
        include_str!("../templates/quarterly_pack/body.html"),
    ),
    (
        "sign_in/subject.txt",
        include_str!("../templates/sign_in/subject.txt"),
    ),
    (
        "sign_in/body.txt",
        include_str!("../templates/sign_in/body.txt"),
    ),
    (
        "sign_in/body.html",
        include_str!("../templates/sign_in/body.html"),
    ),
    (
        "nudge/subject.txt",
        include_str!("../templates/nudge/subject.txt"),
    ),
    (
        "nudge/body.txt",
        include_str!("../templates/nudge/body.txt"),
    ),
    (
        "nudge/body.html",
        include_str!("../templates/nudge/body.html"),
    ),
];

/// A template that would not render: a fault in the templates or in the code that fills
/// them, never in the data (every value is printed as it is).
#[derive(Debug, thiserror::Error)]
#[error("the e-mail template {template} did not render: {message}")]
pub struct RenderError {
    pub template: &'static str,
    pub message: String,
}

/// The environment every message is rendered in: HTML escaped in `.html` templates (the
/// engine's default), an unknown variable an error rather than an empty string, block tags
/// on lines of their own without leaving blank lines, and files' last newlines kept.
fn environment() -> Result<&'static Environment<'static>, RenderError> {
    static ENV: OnceLock<Result<Environment<'static>, RenderError>> = OnceLock::new();
    ENV.get_or_init(|| {
        let fail = |template: &'static str| {
            move |e: minijinja::Error| RenderError {
                template,
                message: format!("{e:#}"),
            }
        };
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .map_err(fail("(syntax)"))?,
        );
        env.add_filter("count", count);
        for &(name, source) in TEMPLATES {
            env.add_template(name, source).map_err(fail(name))?;
        }
        Ok(env)
    })
    .as_ref()
    .map_err(|e| RenderError {
        template: e.template,
        message: e.message.clone(),
    })
}

/// `{{ n|count("item", "items") }}`: "1 item", "3 items".
fn count(n: i64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn render(template: &'static str, ctx: &Value) -> Result<String, RenderError> {
    environment()?
        .get_template(template)
        .and_then(|t| t.render(ctx))
        .map_err(|e| RenderError {
            template,
            message: format!("{e:#}"),
        })
}

/// A message ready for the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
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

/// Text as lines, for paragraphs with line breaks.
fn lines(text: &str) -> Vec<String> {
    text.trim()
        .replace("\r\n", "\n")
        .split('\n')
        .map(str::to_string)
        .collect()
}

/// The three messages, each a folder of templates.
#[derive(Clone, Copy)]
enum Folder {
    Reminder,
    Alert,
    AlertDigest,
    SignIn,
    QuarterlyPack,
    Nudge,
}

impl Folder {
    /// Its subject, plain text and HTML templates.
    fn templates(self) -> [&'static str; 3] {
        match self {
            Folder::Reminder => [
                "reminder/subject.txt",
                "reminder/body.txt",
                "reminder/body.html",
            ],
            Folder::Alert => ["alert/subject.txt", "alert/body.txt", "alert/body.html"],
            Folder::AlertDigest => [
                "alert_digest/subject.txt",
                "alert_digest/body.txt",
                "alert_digest/body.html",
            ],
            Folder::SignIn => [
                "sign_in/subject.txt",
                "sign_in/body.txt",
                "sign_in/body.html",
            ],
            Folder::QuarterlyPack => [
                "quarterly_pack/subject.txt",
                "quarterly_pack/body.txt",
                "quarterly_pack/body.html",
            ],
            Folder::Nudge => ["nudge/subject.txt", "nudge/body.txt", "nudge/body.html"],
        }
    }
}

/// A message's subject and both bodies, from its folder: the subject and the plain text
/// from `text`, the HTML from `html` (which may hold HTML already rendered by a template).
fn message(folder: Folder, text: Value, html: Value) -> Result<Rendered, RenderError> {
    let [subject_template, text_template, html_template] = folder.templates();
    let subject = subject_line(&render(subject_template, &text)?);
    Ok(Rendered {
        text: render(
            text_template,
            &context! { subject => subject.as_str(), ..text },
        )?,
        html: render(
            html_template,
            &context! { subject => subject.as_str(), ..html },
        )?,
        subject,
    })
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
    /// The indicator or action to enter it on.
    pub page: Page,
    /// For an escalation: whose item it is. For an unowned item: the VIEWER named as its
    /// owner, if there is one.
    pub owner_name: Option<String>,
    /// Sent to the performance team (ADMIN) because the item has no owner who can enter it:
    /// none, or a VIEWER. Listed under its own heading.
    pub unowned: bool,
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
    Unowned,
}

impl Section {
    fn of(line: &ReminderLine) -> Self {
        if line.unowned {
            return Section::Unowned;
        }
        match line.stage {
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
            Section::Unowned => "No owner who can enter it",
        }
    }
}

fn due_words(line: &ReminderLine) -> String {
    let ext = if line.extended { " (extended)" } else { "" };
    let date = present::day_and_date(line.due_date);
    match line.stage {
        ReminderStage::Overdue(_) | ReminderStage::Escalation => format!("was due {date}{ext}"),
        ReminderStage::DueToday => format!("due today, {date}{ext}"),
        ReminderStage::DueSoon => format!("due {date}{ext}"),
    }
}

#[derive(Serialize)]
struct LineView {
    name: String,
    whose: String,
    period: String,
    due: String,
    missing: &'static str,
    link: String,
}

#[derive(Serialize)]
struct SectionView {
    heading: &'static str,
    underline: String,
    lines: Vec<LineView>,
}

/// One digest listing every item due for one recipient in one run.
pub fn reminder_digest(
    links: &Links,
    council: &str,
    recipient_name: &str,
    lines: &[ReminderLine],
    today: NaiveDate,
) -> Result<Rendered, RenderError> {
    let mut sorted: Vec<&ReminderLine> = lines.iter().collect();
    sorted.sort_by_cached_key(|l| {
        (
            Section::of(l),
            l.due_date,
            l.reference.clone(),
            l.period.to_string(),
        )
    });
    let mut sections: Vec<(Section, SectionView)> = Vec::new();
    for line in sorted {
        let section = Section::of(line);
        if sections.last().is_none_or(|(s, _)| *s != section) {
            let heading = section.heading();
            sections.push((
                section,
                SectionView {
                    heading,
                    underline: "-".repeat(heading.len()),
                    lines: Vec::new(),
                },
            ));
        }
        if let Some((_, view)) = sections.last_mut() {
            view.lines.push(LineView {
                name: format!("{} {}", line.reference, line.title),
                whose: match (line.unowned, line.owner_name.as_deref()) {
                    (true, Some(n)) => {
                        format!(" (its owner, {n}, is a VIEWER and cannot enter it)")
                    }
                    (true, None) => " (no owner)".to_string(),
                    (false, Some(n)) => format!(" ({n})"),
                    (false, None) => String::new(),
                },
                period: present::period(&line.period),
                due: due_words(line),
                missing: missing_words(line.missing),
                link: links.to(line.page),
            });
        }
    }
    let is_own = |l: &&ReminderLine| !l.unowned && !l.stage.is_escalation();
    let own = lines.iter().filter(is_own).count();
    let unowned = lines.iter().filter(|l| l.unowned).count();
    let team = lines.len() - own - unowned;
    let urgency = lines
        .iter()
        .filter(is_own)
        .map(Section::of)
        .min()
        .map(|s| match s {
            Section::Overdue => "overdue",
            Section::DueToday => "due today",
            _ => "due soon",
        });
    let sections: Vec<SectionView> = sections.into_iter().map(|(_, v)| v).collect();
    let ctx = context! {
        council,
        dashboard => links.dashboard(),
        name => recipient_name,
        my_updates => links.to(Page::MyUpdates),
        own,
        team,
        unowned,
        urgency,
        today => present::day_and_date(today),
        sections => Value::from(Serde(&sections)),
    };
    message(Folder::Reminder, ctx.clone(), ctx)
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
    /// The indicator or action on the dashboard.
    pub page: Page,
}

/// One alert, as a block that a message or a daily digest contains.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertBlock {
    /// One line: "RED: 3.2 Complaints answered in time, 2025-10".
    pub headline: String,
    pub text: String,
    /// HTML as `alert/block.html` rendered it (escaped), to go into a message as it is.
    pub html: String,
}

#[derive(Serialize)]
struct DetailView<'a> {
    label: &'a str,
    /// The label padded so that the plain text's values line up.
    padded_label: String,
    value: &'a str,
}

/// The commentary shown when the owner has given none yet.
const NO_COMMENTARY: &str =
    "None yet: the owner has been asked to explain the result by the deadline.";

/// Renders the block of one alert.
pub fn alert_block(links: &Links, facts: &AlertFacts) -> Result<AlertBlock, RenderError> {
    let period = present::period(&facts.period);
    let headline = subject_line(&render(
        "alert/headline.txt",
        &context! { status => facts.status.as_str(), item => facts.item.as_str(), period => period.as_str() },
    )?);
    let width = facts
        .details
        .iter()
        .map(|(l, _)| l.chars().count())
        .max()
        .unwrap_or(0);
    let details: Vec<DetailView> = facts
        .details
        .iter()
        .map(|(label, value)| DetailView {
            label,
            padded_label: format!("{label:<width$}", width = width + 1),
            value,
        })
        .collect();
    let commentary = facts
        .commentary
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .unwrap_or(NO_COMMENTARY);
    let next_steps = facts
        .next_steps
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(lines);
    let ctx = context! {
        headline => headline.as_str(),
        item => facts.item.as_str(),
        status => facts.status.as_str(),
        period,
        was => facts.was.as_deref().filter(|w| *w != "NO_DATA").map(status_words),
        details => Value::from(Serde(&details)),
        commentary => lines(commentary),
        next_steps,
        link => links.to(facts.page),
    };
    Ok(AlertBlock {
        text: render("alert/block.txt", &ctx)?,
        html: render("alert/block.html", &ctx)?,
        headline,
    })
}

/// A whole message around alert blocks: one immediate alert (`alert/`), or a day's digest
/// (`alert_digest/`).
pub fn alert_message(
    links: &Links,
    council: &str,
    recipient_name: &str,
    blocks: &[AlertBlock],
) -> Result<Rendered, RenderError> {
    let common = context! {
        council,
        dashboard => links.dashboard(),
        name => recipient_name,
        my_updates => links.to(Page::MyUpdates),
    };
    // Each block's HTML was rendered (and so escaped) by `alert/block.html`: it goes into
    // the message as it is.
    let html = |b: &AlertBlock| Value::from_safe_string(b.html.clone());
    match blocks {
        [one] => message(
            Folder::Alert,
            context! { headline => one.headline.as_str(), block => one.text.as_str(), ..common.clone() },
            context! { block => html(one), ..common },
        ),
        many => message(
            Folder::AlertDigest,
            context! {
                blocks => many.iter().map(|b| b.text.clone()).collect::<Vec<_>>(),
                ..common.clone()
            },
            context! { blocks => many.iter().map(html).collect::<Vec<_>>(), ..common },
        ),
    }
}

// ---------------------------------------------------------------------------------------
// Nudges

/// What a manager's nudge says: whose item, what is missing, the form to enter it on.
#[derive(Debug, Clone, PartialEq)]
pub struct NudgeFacts {
    pub sender_name: String,
    pub recipient_name: String,
    /// "M1 Calls answered".
    pub item: String,
    pub period: Period,
    pub missing: Missing,
    /// The item's form for the period.
    pub page: Page,
    pub note: Option<String>,
}

/// The e-mail a manager sends someone below them about one item they owe (`nudge/`).
pub fn nudge(links: &Links, council: &str, facts: &NudgeFacts) -> Result<Rendered, RenderError> {
    let ctx = context! {
        council,
        dashboard => links.dashboard(),
        name => facts.recipient_name.as_str(),
        sender => facts.sender_name.as_str(),
        item => facts.item.as_str(),
        period => present::period(&facts.period),
        missing => missing_words(facts.missing),
        note => facts.note.as_deref().filter(|n| !n.trim().is_empty()).map(lines),
        link => links.to(facts.page),
        my_updates => links.to(Page::MyUpdates),
    };
    message(Folder::Nudge, ctx.clone(), ctx)
}

// ---------------------------------------------------------------------------------------
// Sign-in

/// The e-mail with a one-time sign-in link (`sign_in/`): `link` is the whole address of the
/// confirmation page, valid for `minutes`.
pub fn sign_in_link(
    links: &Links,
    council: &str,
    recipient_name: &str,
    link: &str,
    minutes: i64,
) -> Result<Rendered, RenderError> {
    let ctx = context! {
        council,
        dashboard => links.dashboard(),
        name => recipient_name,
        link,
        minutes,
    };
    message(Folder::SignIn, ctx.clone(), ctx)
}

// ---------------------------------------------------------------------------------------
// The quarterly pack

/// One row of the pack's summary table: a priority (or "Overall") and its counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PackRow {
    pub heading: String,
    pub indicators_red: u32,
    pub indicators_amber: u32,
    pub indicators_green: u32,
    pub actions_red: u32,
    pub actions_amber: u32,
    pub actions_green: u32,
    pub actions_blue: u32,
    pub actions_completed: u32,
}

/// What every recipient of a plan's quarterly pack is sent: the summary table and links to
/// the report and its Excel copy (which they open signed in as themselves).
#[derive(Debug, Clone, PartialEq)]
pub struct PackFacts<'a> {
    pub plan: &'a str,
    pub period: &'a str,
    pub rows: &'a [PackRow],
    pub report_url: &'a str,
    pub excel_url: &'a str,
}

/// The quarterly pack's e-mail to one recipient (`quarterly_pack/`).
pub fn quarterly_pack(
    links: &Links,
    council: &str,
    recipient_name: &str,
    facts: &PackFacts<'_>,
) -> Result<Rendered, RenderError> {
    let ctx = context! {
        council,
        dashboard => links.dashboard(),
        name => recipient_name,
        plan => facts.plan,
        period => facts.period,
        rows => Value::from(Serde(facts.rows)),
        report_url => facts.report_url,
        excel_url => facts.excel_url,
    };
    message(Folder::QuarterlyPack, ctx.clone(), ctx)
}

/// "GREEN" → "green", "NO_DATA" → "no data".
pub fn status_words(s: &str) -> String {
    s.to_ascii_lowercase().replace('_', " ")
}

/// A trend in an alert's words: "improving", "not comparable".
pub fn trend_words(t: Trend) -> String {
    present::trend(t).to_ascii_lowercase()
}

/// The status words for "previous period": "GREEN" etc., or "no value".
pub fn previous_status_words(s: Option<IndicatorStatus>) -> &'static str {
    match s {
        Some(s) => s.as_str(),
        None => "no value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pmf_core::present::ValueFormat;

    fn links() -> Links {
        Links::new("https://perf.example")
    }

    fn line(stage: ReminderStage, reference: &str) -> ReminderLine {
        ReminderLine {
            reference: reference.into(),
            title: "Complaints <answered> in time".into(),
            period: Period::parse("2025-10").unwrap(),
            due_date: NaiveDate::from_ymd_opt(2025, 11, 10).unwrap(),
            extended: false,
            missing: Missing::Value,
            stage,
            page: Page::Indicator(7),
            owner_name: stage.is_escalation().then(|| "Olive Officer".to_string()),
            unowned: false,
        }
    }

    #[test]
    fn a_digest_lists_every_item_under_its_heading() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 13).unwrap();
        let r = reminder_digest(
            &links(),
            "Fenland District Council",
            "Mo Manager",
            &[
                line(ReminderStage::Overdue(1), "1.1"),
                line(ReminderStage::Escalation, "2.1"),
                line(ReminderStage::DueSoon, "3.1"),
            ],
            today,
        )
        .unwrap();
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
            "https://perf.example/#/indicators/7",
            "Monday 10 November 2025",
            "You have 2 performance items to enter as of Thursday 13 November 2025. 1 item owned by people you manage is overdue by three days or more.",
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
            assert!(!body.contains("{{"), "unfilled placeholder in {body}");
        }
    }

    #[test]
    fn the_performance_team_is_told_of_items_no_owner_can_enter() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 11).unwrap();
        let unowned = |reference: &str, owner: Option<&str>| ReminderLine {
            owner_name: owner.map(str::to_string),
            unowned: true,
            ..line(ReminderStage::Overdue(1), reference)
        };
        let r = reminder_digest(
            &links(),
            "Fenland",
            "Pat Admin",
            &[
                unowned("4.1", Some("Cllr Ann Hughes")),
                unowned("4.2", None),
            ],
            today,
        )
        .unwrap();
        assert_eq!(r.subject, "Fenland: 2 performance updates without an owner");
        for needle in [
            "No owner who can enter it\n-------------------------",
            "* 4.1 Complaints <answered> in time (its owner, Cllr Ann Hughes, is a VIEWER and cannot enter it), ",
            "* 4.2 Complaints <answered> in time (no owner), ",
            "2 items have no owner who can enter them: please enter them or give each an owner (an OFFICER or above).",
        ] {
            assert!(r.text.contains(needle), "{needle} in {}", r.text);
        }
        assert!(!r.text.contains("You have"), "{}", r.text);
        let mixed = reminder_digest(
            &links(),
            "Fenland",
            "Pat Admin",
            &[line(ReminderStage::DueToday, "1.1"), unowned("4.2", None)],
            NaiveDate::from_ymd_opt(2025, 11, 10).unwrap(),
        )
        .unwrap();
        assert_eq!(
            mixed.subject,
            "Fenland: 1 performance update due today, 1 without an owner"
        );
        assert!(
            mixed.html.contains("1 item has no owner who can enter it"),
            "{}",
            mixed.html
        );
    }

    #[test]
    fn subjects_count_what_is_due() {
        let today = NaiveDate::from_ymd_opt(2025, 11, 10).unwrap();
        let subject = |lines: &[ReminderLine]| {
            reminder_digest(&links(), "Fenland", "Mo", lines, today)
                .unwrap()
                .subject
        };
        assert_eq!(
            subject(&[line(ReminderStage::DueToday, "1")]),
            "Fenland: 1 performance update due today"
        );
        assert_eq!(
            subject(&[
                line(ReminderStage::DueSoon, "1"),
                line(ReminderStage::DueSoon, "2")
            ]),
            "Fenland: 2 performance updates due soon"
        );
        assert_eq!(
            subject(&[line(ReminderStage::Escalation, "1")]),
            "Fenland: 1 performance update overdue in your team"
        );
        let r = reminder_digest(
            &links(),
            "Fenland",
            "Mo",
            &[line(ReminderStage::Escalation, "1")],
            today,
        )
        .unwrap();
        assert!(
            r.text
                .contains("Dear Mo,\n\n1 item owned by people you manage is overdue by three days or more.\n\nOverdue in your team\n"),
            "{}",
            r.text
        );
    }

    fn facts() -> AlertFacts {
        let percent = ValueFormat::from_api("PERCENT", 1);
        AlertFacts {
            item: "3.2 Complaints answered in time".into(),
            period: Period::parse("2025-10").unwrap(),
            status: "RED".into(),
            was: Some("GREEN".into()),
            details: vec![
                ("Actual".into(), percent.value(80.0)),
                ("Target".into(), percent.value(90.0)),
                (
                    "Gap".into(),
                    present::gap(80.0, 90.0, pmf_core::Polarity::HigherIsBetter, percent),
                ),
            ],
            commentary: Some("Two vacancies & sickness".into()),
            next_steps: None,
            page: Page::Indicator(3),
        }
    }

    #[test]
    fn an_alert_says_what_where_and_how_far_off() {
        let block = alert_block(&links(), &facts()).unwrap();
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
                .contains("Gap      10.0 percentage points below target (11.1% off)\n"),
            "{}",
            block.text
        );
        assert!(block.html.contains("<dt>Actual</dt><dd>80.0%</dd>"));
        assert!(block.html.contains("Two vacancies &amp; sickness"));
        let m = alert_message(
            &links(),
            "Fenland District Council",
            "Mo",
            std::slice::from_ref(&block),
        )
        .unwrap();
        assert_eq!(
            m.subject,
            "Fenland District Council: RED: 3.2 Complaints answered in time, 2025-10"
        );
        assert!(
            m.html
                .contains("<h1 style=\"font-size: 24px;\">Exception alert</h1>")
        );
        assert!(
            m.html.contains("<dt>Actual</dt><dd>80.0%</dd>"),
            "{}",
            m.html
        );
        let digest = alert_message(
            &links(),
            "Fenland District Council",
            "Mo",
            &[block.clone(), block],
        )
        .unwrap();
        assert_eq!(
            digest.subject,
            "Fenland District Council: 2 exception alerts"
        );
        assert!(
            digest
                .html
                .contains("<h1 style=\"font-size: 24px;\">2 exception alerts</h1>")
        );
        assert_eq!(
            digest.html.matches("<dt>Actual</dt><dd>80.0%</dd>").count(),
            2
        );
        assert_eq!(
            digest
                .text
                .matches("\n----------------------------------------\n\nRED: 3.2")
                .count(),
            1
        );
        for body in [&m.text, &m.html, &digest.text, &digest.html] {
            assert!(!body.contains("{{"), "unfilled placeholder in {body}");
        }
    }

    #[test]
    fn text_that_looks_like_a_template_or_markup_is_printed_as_it_is() {
        let nasty = "{{content}} {{PUBLIC_URL}} {% if x %} <script>alert(1)</script> & 'quotes'";
        let mut f = facts();
        f.item = format!("9.9 {nasty}");
        f.commentary = Some(format!("{nasty}\nsecond line"));
        f.next_steps = Some(nasty.into());
        f.details.push(("Owner".into(), nasty.into()));
        let block = alert_block(&links(), &f).unwrap();
        let m = alert_message(&links(), nasty, nasty, std::slice::from_ref(&block)).unwrap();
        assert!(m.subject.contains(nasty), "{}", m.subject);
        assert!(m.text.matches(nasty).count() >= 6, "{}", m.text);
        let escaped = minijinja::HtmlEscape(nasty).to_string();
        assert!(!m.html.contains("<script>"), "{}", m.html);
        assert!(m.html.matches(&escaped).count() >= 7, "{}", m.html);
        assert!(
            m.html.contains(&format!("{escaped}<br>\nsecond line")),
            "{}",
            m.html
        );
        let r = reminder_digest(
            &links(),
            nasty,
            nasty,
            &[ReminderLine {
                title: nasty.into(),
                owner_name: Some(nasty.into()),
                ..line(ReminderStage::Escalation, "1.1")
            }],
            NaiveDate::from_ymd_opt(2025, 11, 13).unwrap(),
        )
        .unwrap();
        assert!(r.subject.starts_with(nasty));
        assert!(r.text.matches(nasty).count() >= 4, "{}", r.text);
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r.html.matches(&escaped).count() >= 5, "{}", r.html);
    }

    #[test]
    fn links_use_the_dashboard_given() {
        let other = Links::new("https://performance.example.gov.uk/");
        let block = alert_block(&other, &facts()).unwrap();
        let m = alert_message(&other, "Fenland", "Mo", std::slice::from_ref(&block)).unwrap();
        assert!(m.text.contains(
            "See it on the dashboard: https://performance.example.gov.uk/#/indicators/3\n"
        ));
        assert!(m.text.ends_with(
            "Manage your e-mail preferences on the dashboard: https://performance.example.gov.uk\n"
        ));
        let href = minijinja::HtmlEscape("https://performance.example.gov.uk/#/indicators/3");
        assert!(
            m.html.contains(&format!("<a href=\"{href}\">Open 3.2")),
            "{}",
            m.html
        );
    }

    #[test]
    fn subject_lines_are_one_short_line() {
        assert_eq!(subject_line("a\r\nb\tc"), "a b c");
        let long = "x".repeat(300);
        assert_eq!(subject_line(&long).chars().count(), 200);
    }

    #[test]
    fn words() {
        assert_eq!(status_words("NO_DATA"), "no data");
        assert_eq!(trend_words(Trend::NotComparable), "not comparable");
        assert_eq!(previous_status_words(None), "no value");
        assert_eq!(previous_status_words(Some(IndicatorStatus::Amber)), "AMBER");
    }

    #[test]
    fn a_sign_in_mail_has_the_link_in_both_bodies_and_escapes_the_name() {
        let links = Links::new("https://perf.example/");
        let link = "https://perf.example/auth/email/confirm?token=abc";
        let m = sign_in_link(&links, "Fenland District Council", "<b>Mo</b>", link, 15).unwrap();
        assert_eq!(m.subject, "Fenland District Council: your sign-in link");
        assert!(
            m.text.contains(link) && m.text.contains("15 minutes"),
            "{}",
            m.text
        );
        assert!(m.text.contains("Dear <b>Mo</b>,"), "{}", m.text);
        // minijinja writes `/` as `&#x2f;` in HTML; a mail client reads it back as `/`.
        assert!(
            m.html.contains("<a href=\"https:&#x2f;&#x2f;perf.example&#x2f;auth&#x2f;email&#x2f;confirm?token=abc\">"),
            "{}",
            m.html
        );
        assert!(m.html.contains("&lt;b&gt;Mo&lt;"), "{}", m.html);
        assert!(!m.html.contains("<b>Mo</b>"), "{}", m.html);
    }

    #[test]
    fn a_nudge_links_to_the_form_and_escapes_the_note() {
        let period = Period::parse("2025-10").unwrap();
        let m = nudge(
            &links(),
            "Fenland District Council",
            &NudgeFacts {
                sender_name: "Mo Manager".into(),
                recipient_name: "Olive Officer".into(),
                item: "1.1 Complaints <answered> in time".into(),
                period,
                missing: Missing::Commentary,
                page: Page::RecordValue(7, period),
                note: Some("Board on Friday.\n<script>x</script>".into()),
            },
        )
        .unwrap();
        assert_eq!(
            m.subject,
            "Fenland District Council: Mo Manager asks for your update on 1.1 Complaints <answered> in time, 2025-10"
        );
        for needle in [
            "Dear Olive Officer,",
            "Mo Manager asks you to enter commentary explaining the result (it is off target) for 1.1 Complaints <answered> in time, 2025-10.",
            "Board on Friday.\n<script>x</script>",
            "Enter it: https://perf.example/#/indicators/7/record/2025-10\n",
            "Everything you owe: https://perf.example/#/my-updates\n",
        ] {
            assert!(m.text.contains(needle), "{needle:?} in {}", m.text);
        }
        assert!(
            m.html.contains("&lt;script&gt;x&lt;&#x2f;script&gt;"),
            "{}",
            m.html
        );
        assert!(!m.html.contains("<script>"), "{}", m.html);
        let href = minijinja::HtmlEscape("https://perf.example/#/indicators/7/record/2025-10");
        assert!(
            m.html
                .contains(&format!("<a href=\"{href}\">Enter it now</a>")),
            "{}",
            m.html
        );
    }
}
