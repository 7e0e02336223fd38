//! The report's tables as CSV (RFC 4180 quoting by the `csv` crate), one table per request:
//! the rows of [`super::tables`], codes as the API gives them. Text that a spreadsheet would
//! run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed
//! with `'`.
use super::{
    Report, Table,
    tables::{self, Cell},
};

fn text(value: &str) -> String {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn field(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => text(t),
        Cell::Code(c) | Cell::ActionStatus(c) => c.clone(),
        Cell::Number(n) => n.map(|v| v.to_string()).unwrap_or_default(),
        Cell::Flag(b) => b.to_string(),
        Cell::IndicatorStatus(c) | Cell::Trend(c) => c.clone().unwrap_or_default(),
    }
}

pub fn render(report: &Report, table: Table) -> Result<String, csv::Error> {
    let sheet = tables::sheet(report, table);
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record(&sheet.header)?;
    for row in &sheet.rows {
        w.write_record(row.iter().map(field))?;
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
