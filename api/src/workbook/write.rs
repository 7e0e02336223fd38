//! Writing workbooks in the layout (rust_xlsxwriter): the template (headers, instructions,
//! drop-downs, formats) and the export (the council's register, plus a Results sheet the
//! import ignores). Bold frozen header rows, columns wide enough, real date and number
//! cells.
use chrono::{Datelike, NaiveDate};
use pmf_core::layout::{self, ColumnKind, SheetLayout};
use rust_xlsxwriter::{DataValidation, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// One cell to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Empty,
    Text(String),
    Number(f64),
    /// A fraction shown as a percentage: `Percent(0.92)` shows 92 %.
    Percent(f64),
    Date(NaiveDate),
}

impl From<Option<String>> for Out {
    fn from(v: Option<String>) -> Out {
        v.map_or(Out::Empty, Out::Text)
    }
}

impl From<&str> for Out {
    fn from(v: &str) -> Out {
        Out::Text(v.to_string())
    }
}

impl From<String> for Out {
    fn from(v: String) -> Out {
        Out::Text(v)
    }
}

/// The rows of one sheet of the layout, in its column order.
pub struct SheetRows {
    pub layout: &'static SheetLayout,
    pub rows: Vec<Vec<Out>>,
}

/// Rows with drop-downs in the template and the export.
const VALIDATED_ROWS: u32 = 5_000;

struct Formats {
    header: Format,
    date: Format,
    percent: Format,
}

fn formats() -> Formats {
    Formats {
        header: Format::new().set_bold(),
        date: Format::new().set_num_format("yyyy-mm-dd"),
        percent: Format::new().set_num_format("0.0%"),
    }
}

fn width(kind: ColumnKind, header: &str) -> f64 {
    let by_kind: f64 = match kind {
        ColumnKind::Text if header.contains("Title") || header == "Commentary" => 40.0,
        ColumnKind::Text => 18.0,
        ColumnKind::Email => 30.0,
        ColumnKind::Date | ColumnKind::DueDate | ColumnKind::Period => 14.0,
        ColumnKind::Number | ColumnKind::Percent | ColumnKind::Integer => 12.0,
        ColumnKind::Words(_) => 18.0,
    };
    by_kind.max(header.chars().count() as f64 + 2.0)
}

/// A calendar date as Excel stores it (also used by the report's Excel copy).
pub(crate) fn date_cell(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or(1900),
        d.month() as u8,
        d.day() as u8,
    )
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    row: u32,
    col: u16,
    cell: &Out,
) -> Result<(), XlsxError> {
    match cell {
        Out::Empty => {}
        Out::Text(t) => {
            ws.write_string(row, col, t)?;
        }
        Out::Number(n) => {
            ws.write_number(row, col, *n)?;
        }
        Out::Percent(n) => {
            ws.write_number_with_format(row, col, *n, &f.percent)?;
        }
        Out::Date(d) => {
            ws.write_datetime_with_format(row, col, &date_cell(*d)?, &f.date)?;
        }
    }
    Ok(())
}

fn layout_sheet(
    wb: &mut Workbook,
    f: &Formats,
    layout: &'static SheetLayout,
    rows: &[Vec<Out>],
) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name(layout.name)?;
    for (c, column) in layout.columns.iter().enumerate() {
        let c = c as u16;
        ws.write_string_with_format(0, c, column.header, &f.header)?;
        ws.set_column_width(c, width(column.kind, column.header))?;
        match column.kind {
            ColumnKind::Date => {
                ws.set_column_format(c, &f.date)?;
            }
            ColumnKind::Percent => {
                ws.set_column_format(c, &f.percent)?;
            }
            ColumnKind::Words(words) => {
                let list = words.human();
                let dv = DataValidation::new()
                    .allow_list_strings(&list)?
                    .set_error_message(format!("Choose one of: {}", list.join(", ")))?;
                ws.add_data_validation(1, c, VALIDATED_ROWS, c, &dv)?;
            }
            _ => {}
        }
    }
    ws.set_freeze_panes(1, 0)?;
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            write_cell(ws, f, r as u32 + 1, c as u16, cell)?;
        }
    }
    Ok(())
}

const INSTRUCTIONS: &[&str] = &[
    "How to fill in this workbook",
    "",
    "Each sheet holds one part of the register; its first row names the columns. Bold columns of the guide below must be filled in; the others may be left blank.",
    "Words: write them as in the drop-down lists (\"Higher is better\") or in the API's spelling (HIGHER_IS_BETTER); case does not matter. Yes/No columns also take Y/N and True/False.",
    "Periods: 2025-26 (financial year), 2025-26 Q1 (quarter), 2025-06 (month).",
    "Dates: date cells, or text written 2025-07-10. An action's due date may also be Ongoing, Annual or Not set.",
    "Numbers: number cells or text (1,250; £1,250; 92%). A cell formatted as a percentage holds a fraction: 0.92 shows as 92 %, and is read as 92 for a PERCENT indicator.",
    "A blank Tolerance % means the council's default tolerance. On an update a blank cell keeps what is stored.",
    "Rows are matched by their natural keys (plan by title, priority by plan and code, user by e-mail, indicator and action by ref, target and value by ref and period) and created or updated; nothing left out of the file is deleted.",
    "Import with: api import --org-slug SLUG FILE --dry-run (then without --dry-run), or the dashboard's Import page. Every problem is reported at once and nothing is stored until there is none.",
    "",
    "Sheet and columns (required ones marked *)",
];

fn instructions(wb: &mut Workbook, f: &Formats) -> Result<(), XlsxError> {
    let ws = wb.add_worksheet();
    ws.set_name("Instructions")?;
    ws.set_column_width(0, 22)?;
    ws.set_column_width(1, 120)?;
    let mut row = 0;
    for (i, line) in INSTRUCTIONS.iter().enumerate() {
        if i == 0 || line.starts_with("Sheet and") {
            ws.write_string_with_format(row, 0, *line, &f.header)?;
        } else {
            ws.write_string(row, 1, *line)?;
        }
        row += 1;
    }
    for sheet in layout::SHEETS {
        let columns: Vec<String> = sheet
            .columns
            .iter()
            .map(|c| {
                if c.required {
                    format!("{}*", c.header)
                } else {
                    c.header.to_string()
                }
            })
            .collect();
        ws.write_string_with_format(row, 0, sheet.name, &f.header)?;
        ws.write_string(row, 1, columns.join(", "))?;
        row += 1;
    }
    Ok(())
}

/// The template: an instructions sheet and every sheet of the layout, empty.
pub fn template() -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = formats();
    instructions(&mut wb, &f)?;
    for layout in layout::SHEETS {
        layout_sheet(&mut wb, &f, layout, &[])?;
    }
    wb.save_to_buffer()
}

/// A workbook of these sheets, then a `Results` sheet (headers and rows, ignored by the
/// import).
pub fn workbook(
    sheets: &[SheetRows],
    results: Option<(&[&str], &[Vec<Out>])>,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let f = formats();
    for s in sheets {
        layout_sheet(&mut wb, &f, s.layout, &s.rows)?;
    }
    if let Some((headers, rows)) = results {
        let ws = wb.add_worksheet();
        ws.set_name(layout::RESULTS_SHEET)?;
        for (c, h) in headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &f.header)?;
            ws.set_column_width(c as u16, (h.chars().count() as f64 + 4.0).max(12.0))?;
        }
        ws.set_freeze_panes(1, 0)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                write_cell(ws, &f, r as u32 + 1, c as u16, cell)?;
            }
        }
    }
    wb.save_to_buffer()
}

/// One sheet as CSV: the header row, then the rows (dates `YYYY-MM-DD`, percentages as
/// `92%`).
pub fn csv(sheet: &SheetRows) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(sheet.layout.columns.iter().map(|c| c.header))?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(|c| match c {
            Out::Empty => String::new(),
            Out::Text(t) => t.clone(),
            Out::Number(n) => n.to_string(),
            Out::Percent(n) => format!("{}%", (n * 100.0 * 1e9).round() / 1e9),
            Out::Date(d) => d.to_string(),
        }))?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
