//! The workbook layout (issue 16): the sheets a council's register is written in, their
//! columns, and the rules that turn a sheet's rows into typed records.
//!
//! The same layout is read by the import, written by the template and by the export, so a
//! workbook exported, edited in Excel and imported again is a round trip. Headers are
//! matched case-insensitively ([`header_matches`]), extra columns and other sheets are
//! ignored, blank rows are skipped, and a blank optional cell means "not set" (on an
//! update: keep what is stored).
//!
//! [`read`] reads every sheet it knows and reports **every** problem at once, each with the
//! sheet, the row number as the spreadsheet shows it, and the column header; what the rows
//! refer to (a plan, an owner's e-mail, an indicator's reference) is checked by the caller,
//! which knows what the council already holds.
use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;

use crate::workbook::{
    Cell, CellError, DueDate, header_matches, human_word, optional, parse_bool, parse_date,
    parse_due_date, parse_integer, parse_optional_text, parse_period, parse_value, parse_word,
};
use crate::{
    ActionStatus, Delivery, Email, Frequency, IndicatorLevel, IndicatorType, Lifecycle, Period,
    PlanKind, PlanStatus, Polarity, Role, Tolerance, Unit,
};

/// A column whose cells are one of a fixed list of words (a drop-down in the template).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Words {
    PlanKind,
    PlanStatus,
    Role,
    Level,
    IndicatorType,
    Unit,
    Polarity,
    Frequency,
    Lifecycle,
    Delivery,
    ActionStatus,
    YesNo,
    DueKind,
}

fn humans<T>(spellings: &[(T, &str)]) -> Vec<String> {
    spellings.iter().map(|(_, s)| human_word(s)).collect()
}

impl Words {
    /// The words as a person writes them ("Higher is better"), in the API's order.
    pub fn human(self) -> Vec<String> {
        match self {
            Words::PlanKind => humans(PlanKind::SPELLINGS),
            Words::PlanStatus => humans(PlanStatus::SPELLINGS),
            Words::Role => humans(Role::SPELLINGS),
            Words::Level => humans(IndicatorLevel::SPELLINGS),
            Words::IndicatorType => humans(IndicatorType::SPELLINGS),
            Words::Unit => humans(Unit::SPELLINGS),
            Words::Polarity => humans(Polarity::SPELLINGS),
            Words::Frequency => humans(Frequency::SPELLINGS),
            Words::Lifecycle => humans(Lifecycle::SPELLINGS),
            Words::Delivery => humans(Delivery::SPELLINGS),
            Words::ActionStatus => humans(ActionStatus::SPELLINGS),
            Words::YesNo => vec!["Yes".into(), "No".into()],
            Words::DueKind => humans(crate::DueKind::SPELLINGS),
        }
    }
}

/// What a column holds, for the template's formats and drop-downs and the export's cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Email,
    Date,
    /// A date, or one of `Ongoing`, `Annual`, `Not set` (an action's due date).
    DueDate,
    Period,
    Number,
    /// A percentage (the template formats it as one).
    Percent,
    /// A whole number.
    Integer,
    Words(Words),
}

/// One column of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub required: bool,
    pub kind: ColumnKind,
}

const fn req(header: &'static str, kind: ColumnKind) -> Column {
    Column {
        header,
        required: true,
        kind,
    }
}

const fn opt(header: &'static str, kind: ColumnKind) -> Column {
    Column {
        header,
        required: false,
        kind,
    }
}

/// One sheet of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetLayout {
    pub name: &'static str,
    pub columns: &'static [Column],
}

impl SheetLayout {
    /// The column with this header.
    pub fn column(&self, header: &str) -> Option<&'static Column> {
        self.columns
            .iter()
            .find(|c| header_matches(c.header, header))
    }
}

use ColumnKind as K;

pub const PLANS: SheetLayout = SheetLayout {
    name: "Plans",
    columns: &[
        req("Title", K::Text),
        req("Kind", K::Words(Words::PlanKind)),
        req("Start date", K::Date),
        req("End date", K::Date),
        opt("Status", K::Words(Words::PlanStatus)),
        opt("Parent plan", K::Text),
        opt("Vision", K::Text),
        opt("Mission", K::Text),
    ],
};

pub const PRIORITIES: SheetLayout = SheetLayout {
    name: "Priorities",
    columns: &[
        req("Plan", K::Text),
        req("Code", K::Text),
        req("Title", K::Text),
        opt("Description", K::Text),
    ],
};

pub const OBJECTIVES: SheetLayout = SheetLayout {
    name: "Objectives",
    columns: &[
        req("Plan", K::Text),
        req("Priority", K::Text),
        req("Code", K::Text),
        req("Title", K::Text),
    ],
};

pub const USERS: SheetLayout = SheetLayout {
    name: "Users",
    columns: &[
        req("Email", K::Email),
        req("Name", K::Text),
        req("Role", K::Words(Words::Role)),
        opt("Line manager email", K::Email),
        opt("Active", K::Words(Words::YesNo)),
    ],
};

pub const INDICATORS: SheetLayout = SheetLayout {
    name: "Indicators",
    columns: &[
        req("Ref", K::Text),
        req("Title", K::Text),
        opt("Plan", K::Text),
        opt("Priority", K::Text),
        opt("Owner email", K::Email),
        opt("Level", K::Words(Words::Level)),
        opt("Type", K::Words(Words::IndicatorType)),
        req("Unit", K::Words(Words::Unit)),
        opt("Decimals", K::Integer),
        req("Polarity", K::Words(Words::Polarity)),
        req("Frequency", K::Words(Words::Frequency)),
        opt("Cumulative", K::Words(Words::YesNo)),
        opt("Monitor only", K::Words(Words::YesNo)),
        opt("Tolerance %", K::Percent),
        opt("Tolerance absolute", K::Number),
        opt("Published", K::Words(Words::YesNo)),
        opt("Lifecycle", K::Words(Words::Lifecycle)),
        opt("Definition", K::Text),
        opt("Data source", K::Text),
        opt("First period", K::Period),
        opt("Benchmark metric", K::Text),
    ],
};

pub const TARGETS: SheetLayout = SheetLayout {
    name: "Targets",
    columns: &[
        req("Indicator ref", K::Text),
        req("Period", K::Period),
        req("Target", K::Number),
    ],
};

pub const VALUES: SheetLayout = SheetLayout {
    name: "Values",
    columns: &[
        req("Indicator ref", K::Text),
        req("Period", K::Period),
        opt("Value", K::Number),
        opt("Commentary", K::Text),
        opt("No value reason", K::Text),
    ],
};

pub const ACTIONS: SheetLayout = SheetLayout {
    name: "Actions",
    columns: &[
        req("Ref", K::Text),
        req("Title", K::Text),
        opt("Plan", K::Text),
        opt("Priority", K::Text),
        opt("Objective", K::Text),
        opt("Owner email", K::Email),
        opt("Delivery", K::Words(Words::Delivery)),
        opt("Due date", K::DueDate),
        opt("Estimated completion", K::Date),
        opt("Completed on", K::Date),
    ],
};

pub const ACTION_UPDATES: SheetLayout = SheetLayout {
    name: "Action updates",
    columns: &[
        req("Action ref", K::Text),
        req("Period", K::Period),
        req("Status", K::Words(Words::ActionStatus)),
        opt("Commentary", K::Text),
        opt("Next steps", K::Text),
    ],
};

/// Every sheet, in the order the template and the export write them (and the import reads
/// them: what a sheet refers to comes before it).
pub const SHEETS: &[SheetLayout] = &[
    PLANS,
    PRIORITIES,
    OBJECTIVES,
    USERS,
    INDICATORS,
    TARGETS,
    VALUES,
    ACTIONS,
    ACTION_UPDATES,
];

/// The sheet of the export that the import ignores: each indicator's result per period.
pub const RESULTS_SHEET: &str = "Results";

/// The layout of the sheet with this name (case ignored).
pub fn sheet_layout(name: &str) -> Option<&'static SheetLayout> {
    SHEETS.iter().find(|s| header_matches(s.name, name))
}

/// The longest title or name, and the longest reference or code (as the API takes them).
pub const MAX_TITLE: usize = 300;
pub const MAX_REF: usize = 32;
pub const MAX_TEXT: usize = 20_000;

// --- input ---------------------------------------------------------------------------------

/// A sheet as read from a file: its rows with their numbers as the spreadsheet shows them
/// (1 for the first row); the first row that is not blank is the header row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<SheetRow>,
}

/// One row of a sheet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SheetRow {
    /// The row's number as the spreadsheet shows it.
    pub number: u32,
    pub cells: Vec<Cell>,
}

/// Something wrong in a workbook: where it is and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub sheet: String,
    /// The row number as the spreadsheet shows it (none: the sheet or the file as a whole).
    pub row: Option<u32>,
    /// The column header.
    pub column: Option<String>,
    pub message: String,
}

impl Problem {
    /// A problem with one cell.
    pub fn at(sheet: &str, row: u32, column: &str, message: impl Into<String>) -> Self {
        Problem {
            sheet: sheet.to_owned(),
            row: Some(row),
            column: Some(column.to_owned()),
            message: message.into(),
        }
    }

    /// A problem with a sheet as a whole.
    pub fn sheet(sheet: &str, message: impl Into<String>) -> Self {
        Problem {
            sheet: sheet.to_owned(),
            row: None,
            column: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    /// `Values row 7, Period: "2025-26 Q5" is not a period; write 2025-26, 2025-26 Q1 or
    /// 2025-06`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sheet)?;
        if let Some(row) = self.row {
            write!(f, " row {row}")?;
        }
        if let Some(column) = &self.column {
            write!(f, ", {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

// --- records -------------------------------------------------------------------------------

/// A row of `Plans`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRecord {
    pub row: u32,
    pub title: String,
    pub kind: PlanKind,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub status: Option<PlanStatus>,
    pub parent: Option<String>,
    pub vision: Option<String>,
    pub mission: Option<String>,
}

/// A row of `Priorities`.
#[derive(Debug, Clone, PartialEq)]
pub struct PriorityRecord {
    pub row: u32,
    pub plan: String,
    pub code: String,
    pub title: String,
    pub description: Option<String>,
}

/// A row of `Objectives`.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveRecord {
    pub row: u32,
    pub plan: String,
    pub priority: String,
    pub code: String,
    pub title: String,
}

/// A row of `Users`.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub row: u32,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub manager: Option<Email>,
    pub active: Option<bool>,
}

/// A row of `Indicators`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorRecord {
    pub row: u32,
    pub reference: String,
    pub title: String,
    pub plan: Option<String>,
    pub priority: Option<String>,
    pub owner: Option<Email>,
    pub level: Option<IndicatorLevel>,
    pub indicator_type: Option<IndicatorType>,
    pub unit: Unit,
    pub decimals: Option<u8>,
    pub polarity: Polarity,
    pub frequency: Frequency,
    pub cumulative: Option<bool>,
    pub monitor_only: Option<bool>,
    /// From `Tolerance %` or `Tolerance absolute`; none: the council's default (new) or
    /// what is stored (update).
    pub tolerance: Option<Tolerance>,
    pub published: Option<bool>,
    pub lifecycle: Option<Lifecycle>,
    pub definition: Option<String>,
    pub data_source: Option<String>,
    pub first_period: Option<Period>,
    pub benchmark_metric: Option<String>,
}

/// A row of `Targets`; the target is read once the indicator's unit is known
/// ([`parse_value`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TargetRecord {
    pub row: u32,
    pub reference: String,
    pub period: Period,
    pub target: Cell,
}

/// A row of `Values`; the value is read once the indicator's unit is known.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRecord {
    pub row: u32,
    pub reference: String,
    pub period: Period,
    pub value: Cell,
    pub commentary: Option<String>,
    pub no_value_reason: Option<String>,
}

/// A row of `Actions`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionRecord {
    pub row: u32,
    pub reference: String,
    pub title: String,
    pub plan: Option<String>,
    pub priority: Option<String>,
    pub objective: Option<String>,
    pub owner: Option<Email>,
    pub delivery: Option<Delivery>,
    /// None: blank (not set for a new action; kept on an update).
    pub due: Option<DueDate>,
    pub estimated_completion: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
}

/// A row of `Action updates`.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionUpdateRecord {
    pub row: u32,
    pub action: String,
    pub period: Period,
    pub status: ActionStatus,
    pub commentary: Option<String>,
    pub next_steps: Option<String>,
}

/// Every row of a workbook, read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Records {
    /// The sheets the workbook has, of the layout's.
    pub sheets: Vec<&'static str>,
    pub plans: Vec<PlanRecord>,
    pub priorities: Vec<PriorityRecord>,
    pub objectives: Vec<ObjectiveRecord>,
    pub users: Vec<UserRecord>,
    pub indicators: Vec<IndicatorRecord>,
    pub targets: Vec<TargetRecord>,
    pub values: Vec<ValueRecord>,
    pub actions: Vec<ActionRecord>,
    pub action_updates: Vec<ActionUpdateRecord>,
}

// --- reading -------------------------------------------------------------------------------

/// One data row being read: its cells by column, and the problems found so far.
struct Row<'a> {
    layout: &'static SheetLayout,
    number: u32,
    cells: &'a [Cell],
    /// Index of each layout column in the row (none: the sheet lacks the column).
    index: &'a [Option<usize>],
    problems: Vec<Problem>,
}

const EMPTY: Cell = Cell::Empty;

impl Row<'_> {
    fn cell(&self, header: &str) -> &Cell {
        self.layout
            .columns
            .iter()
            .position(|c| c.header == header)
            .and_then(|i| self.index.get(i).copied().flatten())
            .and_then(|i| self.cells.get(i))
            .unwrap_or(&EMPTY)
    }

    fn problem(&mut self, header: &str, message: impl Into<String>) {
        self.problems
            .push(Problem::at(self.layout.name, self.number, header, message));
    }

    /// The cell read by `parse`; a problem (and none) when it cannot be.
    fn get<T>(
        &mut self,
        header: &str,
        parse: impl FnOnce(&Cell) -> Result<T, CellError>,
    ) -> Option<T> {
        match parse(self.cell(header)) {
            Ok(v) => Some(v),
            Err(e) => {
                self.problem(header, e.message());
                None
            }
        }
    }

    /// A blank cell is none; otherwise what `parse` makes of it.
    fn optional<T>(
        &mut self,
        header: &str,
        parse: impl FnOnce(&Cell) -> Result<T, CellError>,
    ) -> Option<T> {
        self.get(header, |c| optional(c, parse)).flatten()
    }

    fn text(&mut self, header: &str, max: usize) -> Option<String> {
        let text = self.get(header, parse_optional_text).flatten();
        match text {
            None if self
                .problems
                .iter()
                .all(|p| p.column.as_deref() != Some(header)) =>
            {
                self.problem(header, "the cell is empty; it must be filled in");
                None
            }
            Some(t) if t.chars().count() > max => {
                self.problem(header, format!("is longer than {max} characters"));
                None
            }
            t => t,
        }
    }

    fn optional_text(&mut self, header: &str, max: usize) -> Option<String> {
        match self.get(header, parse_optional_text).flatten() {
            Some(t) if t.chars().count() > max => {
                self.problem(header, format!("is longer than {max} characters"));
                None
            }
            t => t,
        }
    }

    fn word<T: Copy>(&mut self, header: &str, what: &str, words: &[(T, &str)]) -> Option<T> {
        self.get(header, |c| parse_word(c, what, words))
    }

    fn optional_word<T: Copy>(
        &mut self,
        header: &str,
        what: &str,
        words: &[(T, &str)],
    ) -> Option<T> {
        self.optional(header, |c| parse_word(c, what, words))
    }

    fn email(&mut self, header: &str) -> Option<Email> {
        self.get(header, parse_email)
    }

    fn optional_email(&mut self, header: &str) -> Option<Email> {
        self.optional(header, parse_email)
    }

    fn yes_no(&mut self, header: &str) -> Option<bool> {
        self.optional(header, parse_bool)
    }
}

fn parse_email(cell: &Cell) -> Result<Email, CellError> {
    match parse_optional_text(cell)? {
        Some(t) => Email::parse(&t).map_err(|e| CellError::new(e.to_string())),
        None => Err(CellError::new(
            "the cell is empty; write an e-mail address such as name@council.gov.uk",
        )),
    }
}

/// The rows of one sheet, after its header row, with the index of each layout column; a
/// problem for each required column the header lacks.
fn columns(
    layout: &'static SheetLayout,
    sheet: &Sheet,
    problems: &mut Vec<Problem>,
) -> Option<(Vec<Option<usize>>, usize)> {
    let header_at = sheet
        .rows
        .iter()
        .position(|r| r.cells.iter().any(|c| !c.is_blank()))?;
    let header = &sheet.rows[header_at];
    let names: Vec<Option<String>> = header
        .cells
        .iter()
        .map(|c| parse_optional_text(c).ok().flatten())
        .collect();
    let mut index = Vec::with_capacity(layout.columns.len());
    let mut missing = false;
    for column in layout.columns {
        let found: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.as_deref()
                    .is_some_and(|n| header_matches(n, column.header))
            })
            .map(|(i, _)| i)
            .collect();
        if found.len() > 1 {
            problems.push(Problem {
                sheet: layout.name.into(),
                row: Some(header.number),
                column: Some(column.header.into()),
                message: "the header appears more than once; keep one column of that name".into(),
            });
            missing = true;
        }
        if found.is_empty() && column.required {
            problems.push(Problem {
                sheet: layout.name.into(),
                row: Some(header.number),
                column: Some(column.header.into()),
                message: format!(
                    "the column is missing; the header row must have a column {:?}",
                    column.header
                ),
            });
            missing = true;
        }
        index.push(found.first().copied());
    }
    (!missing).then_some((index, header_at + 1))
}

/// Reads every sheet of the layout that the workbook has. The records are those of rows
/// without problems; the problems are every one found, in sheet and row order.
pub fn read(sheets: &[Sheet]) -> (Records, Vec<Problem>) {
    let mut records = Records::default();
    let mut problems = Vec::new();
    for layout in SHEETS {
        let matching: Vec<&Sheet> = sheets
            .iter()
            .filter(|s| header_matches(&s.name, layout.name))
            .collect();
        let sheet = match matching.as_slice() {
            [] => continue,
            [one] => *one,
            _ => {
                problems.push(Problem::sheet(
                    layout.name,
                    "the workbook has more than one sheet of this name; keep one",
                ));
                continue;
            }
        };
        records.sheets.push(layout.name);
        let Some((index, first)) = columns(layout, sheet, &mut problems) else {
            continue;
        };
        for row in &sheet.rows[first..] {
            if row.cells.iter().all(Cell::is_blank) {
                continue;
            }
            let mut r = Row {
                layout,
                number: row.number,
                cells: &row.cells,
                index: &index,
                problems: Vec::new(),
            };
            read_row(&mut records, &mut r);
            problems.extend(r.problems);
        }
    }
    check_keys(&records, &mut problems);
    problems.sort_by_key(|p| {
        (
            SHEETS.iter().position(|s| s.name == p.sheet),
            p.row,
            p.column.as_ref().and_then(|c| {
                sheet_layout(&p.sheet).and_then(|l| l.columns.iter().position(|x| x.header == c))
            }),
        )
    });
    (records, problems)
}

fn read_row(records: &mut Records, r: &mut Row<'_>) {
    let row = r.number;
    // Each arm reads every cell first, so a row reports all of its problems.
    match r.layout.name {
        "Plans" => {
            let title = r.text("Title", MAX_TITLE);
            let kind = r.word("Kind", "plan kind", PlanKind::SPELLINGS);
            let start = r.get("Start date", parse_date);
            let end = r.get("End date", parse_date);
            let status = r.optional_word("Status", "plan status", PlanStatus::SPELLINGS);
            let parent = r.optional_text("Parent plan", MAX_TITLE);
            let vision = r.optional_text("Vision", MAX_TEXT);
            let mission = r.optional_text("Mission", MAX_TEXT);
            if let (Some(s), Some(e)) = (start, end)
                && e < s
            {
                r.problem("End date", format!("{e} is before the start date {s}"));
            }
            let record = match (title, kind, start, end) {
                (Some(title), Some(kind), Some(start_date), Some(end_date)) => Some(PlanRecord {
                    row,
                    title,
                    kind,
                    start_date,
                    end_date,
                    status,
                    parent,
                    vision,
                    mission,
                }),
                _ => None,
            };
            if let Some(p) = record.filter(|_| r.problems.is_empty()) {
                records.plans.push(p);
            }
        }
        "Priorities" => {
            let plan = r.text("Plan", MAX_TITLE);
            let code = r.text("Code", MAX_REF);
            let title = r.text("Title", MAX_TITLE);
            let description = r.optional_text("Description", MAX_TEXT);
            let record = match (plan, code, title) {
                (Some(plan), Some(code), Some(title)) => Some(PriorityRecord {
                    row,
                    plan,
                    code,
                    title,
                    description,
                }),
                _ => None,
            };
            if let Some(p) = record.filter(|_| r.problems.is_empty()) {
                records.priorities.push(p);
            }
        }
        "Objectives" => {
            let plan = r.text("Plan", MAX_TITLE);
            let priority = r.text("Priority", MAX_REF);
            let code = r.text("Code", MAX_REF);
            let title = r.text("Title", MAX_TITLE);
            let record = match (plan, priority, code, title) {
                (Some(plan), Some(priority), Some(code), Some(title)) => Some(ObjectiveRecord {
                    row,
                    plan,
                    priority,
                    code,
                    title,
                }),
                _ => None,
            };
            if let Some(o) = record.filter(|_| r.problems.is_empty()) {
                records.objectives.push(o);
            }
        }
        "Users" => {
            let email = r.email("Email");
            let name = r.text("Name", MAX_TITLE);
            let role = r.word("Role", "role", Role::SPELLINGS);
            let manager = r.optional_email("Line manager email");
            let active = r.yes_no("Active");
            if let (Some(e), Some(m)) = (&email, &manager)
                && e == m
            {
                r.problem(
                    "Line manager email",
                    "a user cannot be their own line manager",
                );
            }
            let record = match (email, name, role) {
                (Some(email), Some(name), Some(role)) => Some(UserRecord {
                    row,
                    email,
                    name,
                    role,
                    manager,
                    active,
                }),
                _ => None,
            };
            if let Some(u) = record.filter(|_| r.problems.is_empty()) {
                records.users.push(u);
            }
        }
        "Indicators" => {
            let record = indicator(r);
            if let Some(i) = record.filter(|_| r.problems.is_empty()) {
                records.indicators.push(i);
            }
        }
        "Targets" => {
            let reference = r.text("Indicator ref", MAX_REF);
            let period = r.get("Period", parse_period);
            let target = r.cell("Target").clone();
            if target.is_blank() {
                r.problem("Target", "the cell is empty; write the target, a number");
            } else if let Err(e) = parse_value(&target, false) {
                r.problem("Target", e.message());
            }
            let record = match (reference, period) {
                (Some(reference), Some(period)) => Some(TargetRecord {
                    row,
                    reference,
                    period,
                    target,
                }),
                _ => None,
            };
            if let Some(t) = record.filter(|_| r.problems.is_empty()) {
                records.targets.push(t);
            }
        }
        "Values" => {
            let reference = r.text("Indicator ref", MAX_REF);
            let period = r.get("Period", parse_period);
            let value = r.cell("Value").clone();
            if let Err(e) = optional(&value, |c| parse_value(c, false)) {
                r.problem("Value", e.message());
            }
            let commentary = r.optional_text("Commentary", MAX_TEXT);
            let no_value_reason = r.optional_text("No value reason", MAX_TEXT);
            if !value.is_blank() && no_value_reason.is_some() {
                r.problem(
                    "No value reason",
                    "give a value or a reason for having none, not both",
                );
            }
            let record = match (reference, period) {
                (Some(reference), Some(period)) => Some(ValueRecord {
                    row,
                    reference,
                    period,
                    value,
                    commentary,
                    no_value_reason,
                }),
                _ => None,
            };
            if let Some(v) = record.filter(|_| r.problems.is_empty()) {
                records.values.push(v);
            }
        }
        "Actions" => {
            let reference = r.text("Ref", MAX_REF);
            let title = r.text("Title", MAX_TITLE);
            let plan = r.optional_text("Plan", MAX_TITLE);
            let priority = r.optional_text("Priority", MAX_REF);
            let objective = r.optional_text("Objective", MAX_REF);
            let owner = r.optional_email("Owner email");
            let delivery = r.optional_word("Delivery", "delivery", Delivery::SPELLINGS);
            let due = r.optional("Due date", parse_due_date);
            let estimated_completion = r.optional("Estimated completion", parse_date);
            let completed_on = r.optional("Completed on", parse_date);
            if priority.is_some() && plan.is_none() {
                r.problem(
                    "Plan",
                    "the cell is empty; name the plan the priority belongs to",
                );
            }
            if objective.is_some() && priority.is_none() {
                r.problem(
                    "Priority",
                    "the cell is empty; name the priority the objective belongs to",
                );
            }
            let record = match (reference, title) {
                (Some(reference), Some(title)) => Some(ActionRecord {
                    row,
                    reference,
                    title,
                    plan,
                    priority,
                    objective,
                    owner,
                    delivery,
                    due,
                    estimated_completion,
                    completed_on,
                }),
                _ => None,
            };
            if let Some(a) = record.filter(|_| r.problems.is_empty()) {
                records.actions.push(a);
            }
        }
        "Action updates" => {
            let action = r.text("Action ref", MAX_REF);
            let period = r.get("Period", parse_period);
            if let Some(p) = period
                && p.frequency() != Frequency::Quarterly
            {
                r.problem(
                    "Period",
                    format!(
                        "{p} is not a quarter; actions are updated each quarter: write 2025-26 Q1"
                    ),
                );
            }
            let status = r.word("Status", "action status", ActionStatus::SPELLINGS);
            let commentary = r.optional_text("Commentary", MAX_TEXT);
            let next_steps = r.optional_text("Next steps", MAX_TEXT);
            let record = match (action, period, status) {
                (Some(action), Some(period), Some(status)) => Some(ActionUpdateRecord {
                    row,
                    action,
                    period,
                    status,
                    commentary,
                    next_steps,
                }),
                _ => None,
            };
            if let Some(u) = record.filter(|_| r.problems.is_empty()) {
                records.action_updates.push(u);
            }
        }
        _ => {}
    }
}

fn indicator(r: &mut Row<'_>) -> Option<IndicatorRecord> {
    let row = r.number;
    let reference = r.text("Ref", MAX_REF);
    let title = r.text("Title", MAX_TITLE);
    let plan = r.optional_text("Plan", MAX_TITLE);
    let priority = r.optional_text("Priority", MAX_REF);
    if priority.is_some() && plan.is_none() {
        r.problem(
            "Plan",
            "the cell is empty; name the plan the priority belongs to",
        );
    }
    let owner = r.optional_email("Owner email");
    let level = r.optional_word("Level", "level", IndicatorLevel::SPELLINGS);
    let indicator_type = r.optional_word("Type", "indicator type", IndicatorType::SPELLINGS);
    let unit = r.word("Unit", "unit", Unit::SPELLINGS);
    let decimals = r
        .optional("Decimals", |c| parse_integer(c, 0, 6))
        .and_then(|d| u8::try_from(d).ok());
    let polarity = r.word("Polarity", "polarity", Polarity::SPELLINGS);
    let frequency = r.word("Frequency", "frequency", Frequency::SPELLINGS);
    let cumulative = r.yes_no("Cumulative");
    let monitor_only = r.yes_no("Monitor only");
    // A percentage cell holds a fraction: 5 % is 0.05, read as 5.
    let pct = r.optional("Tolerance %", |c| parse_value(c, true));
    let absolute = r.optional("Tolerance absolute", |c| parse_value(c, false));
    let tolerance = match (pct, absolute) {
        (Some(_), Some(_)) => {
            r.problem(
                "Tolerance absolute",
                "give a tolerance in percent or an absolute one, not both",
            );
            None
        }
        (Some(p), None) => match Tolerance::relative_pct(p) {
            Ok(t) => Some(t),
            Err(e) => {
                r.problem("Tolerance %", e.to_string());
                None
            }
        },
        (None, Some(a)) => match Tolerance::absolute(a) {
            Ok(t) => Some(t),
            Err(e) => {
                r.problem("Tolerance absolute", e.to_string());
                None
            }
        },
        (None, None) => None,
    };
    let published = r.yes_no("Published");
    let lifecycle = r.optional_word("Lifecycle", "lifecycle", Lifecycle::SPELLINGS);
    let definition = r.optional_text("Definition", MAX_TEXT);
    let data_source = r.optional_text("Data source", MAX_TITLE);
    let first_period = r.optional("First period", parse_period);
    if let (Some(p), Some(f)) = (first_period, frequency)
        && p.frequency() != f
    {
        r.problem(
            "First period",
            format!("{p} is not a {} period", f.as_str().to_lowercase()),
        );
    }
    let benchmark_metric = r.optional_text("Benchmark metric", 200);
    match (reference, title, unit, polarity, frequency) {
        (Some(reference), Some(title), Some(unit), Some(polarity), Some(frequency)) => {
            Some(IndicatorRecord {
                row,
                reference,
                title,
                plan,
                priority,
                owner,
                level,
                indicator_type,
                unit,
                decimals,
                polarity,
                frequency,
                cumulative,
                monitor_only,
                tolerance,
                published,
                lifecycle,
                definition,
                data_source,
                first_period,
                benchmark_metric,
            })
        }
        _ => None,
    }
}

/// Two rows of one sheet with the same key are a problem, named at the second.
fn check_keys(records: &Records, problems: &mut Vec<Problem>) {
    fn dup<K: std::hash::Hash + Eq, T>(
        sheet: &str,
        column: &str,
        rows: &[T],
        key: impl Fn(&T) -> (K, u32, String),
        problems: &mut Vec<Problem>,
    ) {
        let mut seen: HashMap<K, u32> = HashMap::new();
        for r in rows {
            let (k, row, shown) = key(r);
            if let Some(first) = seen.get(&k) {
                problems.push(Problem::at(
                    sheet,
                    row,
                    column,
                    format!("{shown} is already on row {first}; each appears once"),
                ));
            } else {
                seen.insert(k, row);
            }
        }
    }
    dup(
        "Plans",
        "Title",
        &records.plans,
        |p| (p.title.clone(), p.row, format!("the plan {:?}", p.title)),
        problems,
    );
    dup(
        "Priorities",
        "Code",
        &records.priorities,
        |p| {
            (
                (p.plan.clone(), p.code.clone()),
                p.row,
                format!("priority {} of {:?}", p.code, p.plan),
            )
        },
        problems,
    );
    dup(
        "Objectives",
        "Code",
        &records.objectives,
        |o| {
            (
                (o.plan.clone(), o.priority.clone(), o.code.clone()),
                o.row,
                format!("objective {} of priority {}", o.code, o.priority),
            )
        },
        problems,
    );
    dup(
        "Users",
        "Email",
        &records.users,
        |u| (u.email.clone(), u.row, u.email.to_string()),
        problems,
    );
    dup(
        "Indicators",
        "Ref",
        &records.indicators,
        |i| {
            (
                i.reference.clone(),
                i.row,
                format!("the indicator {}", i.reference),
            )
        },
        problems,
    );
    dup(
        "Targets",
        "Period",
        &records.targets,
        |t| {
            (
                (t.reference.clone(), t.period),
                t.row,
                format!("the target of {} for {}", t.reference, t.period),
            )
        },
        problems,
    );
    dup(
        "Values",
        "Period",
        &records.values,
        |v| {
            (
                (v.reference.clone(), v.period),
                v.row,
                format!("the value of {} for {}", v.reference, v.period),
            )
        },
        problems,
    );
    dup(
        "Actions",
        "Ref",
        &records.actions,
        |a| {
            (
                a.reference.clone(),
                a.row,
                format!("the action {}", a.reference),
            )
        },
        problems,
    );
    dup(
        "Action updates",
        "Period",
        &records.action_updates,
        |u| {
            (
                (u.action.clone(), u.period),
                u.row,
                format!("the update of {} for {}", u.action, u.period),
            )
        },
        problems,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(name: &str, rows: Vec<Vec<Cell>>) -> Sheet {
        Sheet {
            name: name.into(),
            rows: rows
                .into_iter()
                .enumerate()
                .map(|(i, cells)| SheetRow {
                    number: i as u32 + 1,
                    cells,
                })
                .collect(),
        }
    }
    fn t(s: &str) -> Cell {
        Cell::text(s)
    }
    fn header(names: &[&str]) -> Vec<Cell> {
        names.iter().map(|n| t(n)).collect()
    }

    #[test]
    fn every_sheet_has_its_required_columns_first_and_unique_headers() {
        for s in SHEETS {
            let mut seen = std::collections::HashSet::new();
            for c in s.columns {
                assert!(
                    seen.insert(c.header.to_lowercase()),
                    "{} {}",
                    s.name,
                    c.header
                );
            }
            assert!(s.columns[0].required, "{}", s.name);
        }
        assert_eq!(sheet_layout("action UPDATES"), Some(&ACTION_UPDATES));
        assert_eq!(sheet_layout(RESULTS_SHEET), None);
    }

    #[test]
    fn a_good_sheet_reads_as_records_with_words_in_either_spelling() {
        let (records, problems) = read(&[sheet(
            "indicators",
            vec![
                vec![],
                header(&[
                    "REF",
                    "title",
                    "Unit",
                    "Polarity",
                    "Frequency",
                    "Tolerance %",
                    "Notes",
                    "Published",
                ]),
                vec![
                    t("CS1"),
                    t("Calls answered"),
                    t("Percent"),
                    t("HIGHER_IS_BETTER"),
                    t("monthly"),
                    Cell::percent(0.1),
                    t("x"),
                    t("Y"),
                ],
                vec![],
                vec![
                    t("CS2"),
                    t("Days"),
                    t("DAYS"),
                    t("Lower is better"),
                    t("Quarterly"),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                ],
            ],
        )]);
        assert_eq!(problems, vec![]);
        assert_eq!(records.sheets, vec!["Indicators"]);
        let [a, b] = records.indicators.as_slice() else {
            panic!("two indicators: {records:?}")
        };
        assert_eq!(
            (a.row, a.unit, a.polarity),
            (3, Unit::Percent, Polarity::HigherIsBetter)
        );
        assert_eq!(a.tolerance, Some(Tolerance::relative_pct(10.0).unwrap()));
        assert_eq!(a.published, Some(true));
        assert_eq!((b.row, b.tolerance, b.published), (5, None, None));
    }

    #[test]
    fn every_problem_is_named_by_sheet_row_and_column() {
        let (records, problems) = read(&[
            sheet(
                "Values",
                vec![
                    header(&["Indicator ref", "Period", "Value"]),
                    vec![t("CS1"), t("2025-26 Q1"), Cell::number(1.0)],
                    vec![t("CS1"), t("2025-26 Q5"), t("n/a")],
                    vec![t("CS1"), t("2025-26 Q1"), Cell::number(2.0)],
                ],
            ),
            sheet("Targets", vec![header(&["Indicator ref", "Target"])]),
        ]);
        let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            vec![
                r#"Targets row 1, Period: the column is missing; the header row must have a column "Period""#.to_string(),
                r#"Values row 3, Period: "2025-26 Q5" is not a period; write 2025-26, 2025-26 Q1 or 2025-06"#.to_string(),
                r#"Values row 3, Value: "n/a" is not a number; leave the cell empty when there is no value, or write a number such as 1250, 1,250.5, £1,250 or 92%"#.to_string(),
                "Values row 4, Period: the value of CS1 for 2025-26 Q1 is already on row 2; each appears once".to_string(),
            ]
        );
        assert_eq!(records.values.len(), 2, "the good rows are still read");
    }

    #[test]
    fn required_cells_must_be_filled_and_tolerances_are_one_kind() {
        let (_, problems) = read(&[sheet(
            "Indicators",
            vec![
                header(&[
                    "Ref",
                    "Title",
                    "Unit",
                    "Polarity",
                    "Frequency",
                    "Tolerance %",
                    "Tolerance absolute",
                    "Owner email",
                ]),
                vec![
                    t("X"),
                    t(" "),
                    t("Percent"),
                    t("Up"),
                    t("Monthly"),
                    Cell::number(5.0),
                    Cell::number(2.0),
                    t("nobody"),
                ],
            ],
        )]);
        let columns: Vec<&str> = problems
            .iter()
            .filter_map(|p| p.column.as_deref())
            .collect();
        assert_eq!(
            columns,
            vec!["Title", "Owner email", "Polarity", "Tolerance absolute"]
        );
        assert!(problems.iter().all(|p| p.row == Some(2)));
    }

    #[test]
    fn an_action_update_is_for_a_quarter() {
        let (records, problems) = read(&[sheet(
            "Action updates",
            vec![
                header(&["Action ref", "Period", "Status"]),
                vec![t("A1"), t("2025-06"), t("Green")],
                vec![t("A1"), t("2025-26 Q1"), t("not started")],
            ],
        )]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].message.contains("is not a quarter"));
        assert_eq!(records.action_updates[0].status, ActionStatus::NotStarted);
    }
}
