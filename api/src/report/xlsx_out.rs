//! The report as Excel (`GET /reports/{planId}/{period}.xlsx`): one sheet per table of the
//! report, the same rows as the CSV export ([`super::tables`]) without its leading `table`
//! column; numbers and dates as Excel numbers and dates, statuses and trends in words, status
//! cells coloured (the word is always there too: colour is never the only carrier).
use chrono::NaiveDate;
use pmf_core::{ActionStatus, IndicatorStatus, Trend, present};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{
    Report, Table,
    tables::{self, Cell},
};
use crate::workbook::write::date_cell;

struct Formats {
    header: Format,
    date: Format,
    wrap: Format,
    /// A status cell's fill, by status code: light tints of the report's colours.
    statuses: Vec<(&'static str, Format)>,
}

const STATUS_FILLS: [(&str, u32); 5] = [
    ("RED", 0xF6D7D2),
    ("AMBER", 0xFFF2BF),
    ("GREEN", 0xCCE2D8),
    ("BLUE", 0xD2E2F1),
    ("COMPLETED", 0xE0E0E0),
];

impl Formats {
    fn new() -> Self {
        Formats {
            header: Format::new().set_bold().set_text_wrap(),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap(),
            statuses: STATUS_FILLS
                .iter()
                .map(|&(code, rgb)| {
                    let format = Format::new()
                        .set_background_color(Color::RGB(rgb))
                        .set_border(FormatBorder::Thin)
                        .set_border_color(Color::RGB(0xB1B4B6));
                    (code, format)
                })
                .collect(),
        }
    }

    fn status(&self, code: &str) -> Option<&Format> {
        self.statuses
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, f)| f)
    }
}

fn indicator_status_words(code: &str) -> String {
    IndicatorStatus::parse(code).map_or_else(
        |_| code.to_string(),
        |s| present::indicator_status(s).to_string(),
    )
}

fn action_status_words(code: &str) -> String {
    ActionStatus::parse(code).map_or_else(
        |_| code.to_string(),
        |s| present::action_status(s).to_string(),
    )
}

fn write_status(
    ws: &mut Worksheet,
    f: &Formats,
    (row, col): (u32, u16),
    code: &str,
    words: String,
) -> Result<(), XlsxError> {
    match f.status(code) {
        Some(format) => {
            ws.write_string_with_format(row, col, words, format)?;
        }
        None => {
            ws.write_string(row, col, words)?;
        }
    }
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    f: &Formats,
    at: (u32, u16),
    cell: &Cell,
) -> Result<(), XlsxError> {
    let (row, col) = at;
    match cell {
        // write_string stores text as text: a cell starting with `=` is never a formula.
        Cell::Text(t) if t.chars().count() > 60 => {
            ws.write_string_with_format(row, col, t, &f.wrap)?;
        }
        Cell::Text(t) => {
            ws.write_string(row, col, t)?;
        }
        Cell::Code(c) if c.is_empty() => {}
        Cell::Code(c) => match NaiveDate::parse_from_str(c, "%Y-%m-%d") {
            Ok(d) => {
                ws.write_datetime_with_format(row, col, &date_cell(d)?, &f.date)?;
            }
            Err(_) => {
                ws.write_string(row, col, c)?;
            }
        },
        Cell::Number(Some(n)) => {
            ws.write_number(row, col, *n)?;
        }
        Cell::Number(None) | Cell::IndicatorStatus(None) | Cell::Trend(None) => {}
        Cell::Flag(b) => {
            ws.write_string(row, col, if *b { "Yes" } else { "No" })?;
        }
        Cell::IndicatorStatus(Some(code)) => {
            write_status(ws, f, at, code, indicator_status_words(code))?;
        }
        Cell::ActionStatus(code) => {
            write_status(ws, f, at, code, action_status_words(code))?;
        }
        Cell::Trend(Some(code)) => {
            let words =
                Trend::parse(code).map_or_else(|_| code.clone(), |t| present::trend(t).into());
            ws.write_string(row, col, words)?;
        }
    }
    Ok(())
}

/// A column name for people: `actions_red_pct` → `Actions red %`.
fn column_title(name: &str) -> String {
    let spaced = name.replace("_pct", " %").replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn render(report: &Report) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    for table in Table::ALL {
        let sheet = tables::sheet(report, table);
        let ws = wb.add_worksheet();
        ws.set_name(column_title(table.name()))?;
        // Without the CSV's leading `table` column: the sheet's name says it.
        for (c, name) in sheet.header.iter().skip(1).enumerate() {
            let c = u16::try_from(c).unwrap_or(u16::MAX);
            ws.write_string_with_format(0, c, column_title(name), &f.header)?;
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().skip(1).enumerate() {
                let c = u16::try_from(c).unwrap_or(u16::MAX);
                write_cell(ws, &f, (r, c), cell)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.set_autofit_max_width(400);
        ws.autofit();
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::column_title;

    #[test]
    fn column_titles_are_for_people() {
        assert_eq!(column_title("actions_red_pct"), "Actions red %");
        assert_eq!(column_title("outturn 2025-26"), "Outturn 2025-26");
        assert_eq!(column_title("2026-27 Q1"), "2026-27 Q1");
    }
}
