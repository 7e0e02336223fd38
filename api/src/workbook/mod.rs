//! Workbooks in and out (issue 16): reading a council's `.xlsx` (calamine) or one sheet as
//! `.csv` into `pmf_core::layout` sheets of cells, and importing them through
//! `pmf_store::import`. The rules for cells and rows are core's; this module only reads
//! files.
use std::io::Cursor;

pub mod export;
pub mod routes;
pub mod write;

use calamine::{Data, Reader, Xlsx};
use pmf_core::{
    Cell,
    layout::{Sheet, SheetRow},
};

/// A file that cannot be read as a workbook at all (its cells are never looked at).
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    #[error("the file is not an Excel workbook (.xlsx) that can be read: {0}")]
    NotXlsx(String),
    #[error("the file is not CSV text that can be read: {0}")]
    NotCsv(String),
    #[error(
        "a .csv file holds one sheet: name it with --sheet (one of Plans, Priorities, Objectives, Users, Indicators, Targets, Values, Actions, Action updates)"
    )]
    CsvWithoutSheet,
    #[error("{0:?} is neither .xlsx nor .csv: save the workbook as an Excel workbook (.xlsx)")]
    UnknownKind(String),
}

/// Whether a number format shows a percentage (`0%`, `0.0%`; built-in formats 9 and 10).
fn is_percent_format(code: &str, id: Option<u32>) -> bool {
    matches!(id, Some(9 | 10)) || {
        // `%` outside quoted text and escapes.
        let mut quoted = false;
        let mut escaped = false;
        code.chars().any(|c| {
            if escaped {
                escaped = false;
                return false;
            }
            match c {
                '\\' => escaped = true,
                '"' => quoted = !quoted,
                '%' if !quoted => return true,
                _ => {}
            }
            false
        })
    }
}

fn cell(data: &Data, percent: bool) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number {
            value: *i as f64,
            percent_format: percent,
        },
        Data::Float(f) => Cell::Number {
            value: *f,
            percent_format: percent,
        },
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) => match dt.as_datetime() {
            Some(d) if d.time() == chrono::NaiveTime::MIN => Cell::Date(d.date()),
            Some(d) => Cell::DateTime(d),
            None => Cell::Error("#DATE?".into()),
        },
        Data::DateTimeIso(s) => match s.parse::<chrono::NaiveDateTime>() {
            Ok(d) if d.time() == chrono::NaiveTime::MIN => Cell::Date(d.date()),
            Ok(d) => Cell::DateTime(d),
            Err(_) => match s.parse::<chrono::NaiveDate>() {
                Ok(d) => Cell::Date(d),
                Err(_) => Cell::Text(s.clone()),
            },
        },
        Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Error(e.to_string()),
    }
}

/// Every sheet of an `.xlsx` workbook, rows numbered as the spreadsheet shows them.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<Sheet>, WorkbookError> {
    let bad = |e: calamine::XlsxError| WorkbookError::NotXlsx(e.to_string());
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(bad)?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        // Only the layout's sheets are read (not the export's Results, nor instructions).
        if pmf_core::layout::sheet_layout(&name).is_none() {
            continue;
        }
        let range = workbook.worksheet_range(&name).map_err(bad)?;
        let styles = workbook.worksheet_style(&name).map_err(bad)?;
        let Some((top, left)) = range.start() else {
            sheets.push(Sheet {
                name,
                rows: Vec::new(),
            });
            continue;
        };
        let mut rows = Vec::with_capacity(range.height());
        for (i, row) in range.rows().enumerate() {
            let r = top + i as u32;
            let mut cells = vec![Cell::Empty; left as usize];
            for (j, data) in row.iter().enumerate() {
                let c = left + j as u32;
                let percent = matches!(data, Data::Float(_) | Data::Int(_))
                    && styles
                        .get((r, c))
                        .and_then(|s| s.number_format.as_ref())
                        .is_some_and(|f| is_percent_format(&f.format_code, f.format_id));
                cells.push(cell(data, percent));
            }
            rows.push(SheetRow {
                number: r + 1,
                cells,
            });
        }
        sheets.push(Sheet { name, rows });
    }
    Ok(sheets)
}

/// One sheet written as CSV (UTF-8, a header row first); every cell is text.
pub fn read_csv(bytes: &[u8], sheet: &str) -> Result<Vec<Sheet>, WorkbookError> {
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
        .map_err(|_| WorkbookError::NotCsv("it is not UTF-8 text".into()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| WorkbookError::NotCsv(e.to_string()))?;
        rows.push(SheetRow {
            number: i as u32 + 1,
            cells: record
                .iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Cell::Empty
                    } else {
                        Cell::text(s)
                    }
                })
                .collect(),
        });
    }
    Ok(vec![Sheet {
        name: sheet.to_string(),
        rows,
    }])
}

/// Reads a file by its name's ending: `.xlsx`, or `.csv` for the one sheet `sheet` names.
pub fn read_file(
    file_name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<Vec<Sheet>, WorkbookError> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".xlsx") {
        read_xlsx(bytes)
    } else if lower.ends_with(".csv") {
        read_csv(bytes, sheet.ok_or(WorkbookError::CsvWithoutSheet)?)
    } else {
        Err(WorkbookError::UnknownKind(file_name.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentage_formats_are_recognised() {
        assert!(is_percent_format("0%", None));
        assert!(is_percent_format("0.0%", None));
        assert!(is_percent_format("General", Some(9)));
        assert!(!is_percent_format("General", None));
        assert!(!is_percent_format("0.00\"%\"", None));
        assert!(!is_percent_format("0\\%", None));
    }

    #[test]
    fn a_csv_sheet_is_text_cells_numbered_from_one() {
        let sheets =
            read_csv(b"Indicator ref,Period,Value\nCS1,2025-06,92\n", "Values").expect("reads");
        assert_eq!(sheets[0].rows[1].number, 2);
        assert_eq!(sheets[0].rows[1].cells[2], Cell::text("92"));
        assert!(matches!(
            read_file("x.csv", b"", None),
            Err(WorkbookError::CsvWithoutSheet)
        ));
    }
}

/// A file to import, and who imports it (for the audit trail: "import of FILE by USER").
pub struct ImportRequest<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// For a `.csv` file: the sheet it holds.
    pub sheet: Option<&'a str>,
    pub dry_run: bool,
    /// The signed-in user (none: an operator's `api import`).
    pub user: Option<&'a pmf_store::entity::user::Model>,
}

/// Reads a file and imports it into the council; a file that cannot be read at all is an
/// error, a file with problems a report that names them (and stores nothing).
pub async fn import_file(
    db: &pmf_store::Database,
    org: &pmf_store::OrganisationSettings,
    public_url: &str,
    now: chrono::DateTime<chrono::Utc>,
    request: ImportRequest<'_>,
) -> Result<pmf_store::import::ImportReport, crate::error::ApiError> {
    let ImportRequest {
        file_name,
        bytes,
        sheet,
        dry_run,
        user,
    } = request;
    let sheets = read_file(file_name, bytes, sheet)
        .map_err(|e| crate::error::ApiError::BadInput(e.to_string()))?;
    let links = pmf_mail::Links::new(public_url);
    let source = pmf_store::import::ImportSource {
        file_name: file_name.to_string(),
        actor_id: user.map(|u| u.id),
        actor_name: user.map_or_else(
            || "an operator (api import)".to_string(),
            |u| u.email.clone(),
        ),
        dry_run,
    };
    Ok(pmf_store::import::import_sheets(db, org, &links, now, &source, &sheets).await?)
}

/// `api import --org-slug SLUG FILE [--dry-run] [--sheet NAME]`.
pub struct ImportCommand<'a> {
    pub org_slug: &'a str,
    pub file: &'a std::path::Path,
    pub dry_run: bool,
    pub sheet: Option<&'a str>,
}

/// What `api import` prints, and whether it succeeded (its exit status).
#[derive(Debug)]
pub struct ImportOutcome {
    pub ok: bool,
    /// Every problem (`Values row 7, Period: …`), or what was (or would be) created,
    /// updated and left unchanged per sheet.
    pub lines: Vec<String>,
}

/// Runs `api import`: reads the file, imports it into the council as an operator.
pub async fn import_command(
    db: &pmf_store::Database,
    public_url: &str,
    now: chrono::DateTime<chrono::Utc>,
    command: ImportCommand<'_>,
) -> anyhow::Result<ImportOutcome> {
    let file = command.file;
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let slug = command.org_slug.trim();
    let org = pmf_store::organisations::by_slug(&db.conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--org-slug: no council {slug:?}"))?;
    let org = pmf_store::OrganisationSettings::try_from(&org)?;
    let file_name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let report = import_file(
        db,
        &org,
        public_url,
        now,
        ImportRequest {
            file_name: &file_name,
            bytes: &bytes,
            sheet: command.sheet,
            dry_run: command.dry_run,
            user: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{file_name}: {e}"))?;
    if !report.ok {
        let mut lines: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        lines.push(format!(
            "{file_name}: {} problem(s); nothing was imported",
            report.problems.len()
        ));
        return Ok(ImportOutcome { ok: false, lines });
    }
    let mut lines: Vec<String> = report
        .counts
        .iter()
        .map(|c| {
            format!(
                "{}: {} created, {} updated, {} unchanged",
                c.sheet, c.created, c.updated, c.unchanged
            )
        })
        .collect();
    lines.push(if command.dry_run {
        "dry run: nothing was stored".to_string()
    } else {
        format!("imported {file_name} into {slug}")
    });
    Ok(ImportOutcome { ok: true, lines })
}

/// `api export --org-slug SLUG --out FILE.xlsx`, or `--format csv --out DIR` (one file per
/// sheet); returns the files written.
pub async fn export_command(
    db: &pmf_store::Database,
    org_slug: &str,
    out: &std::path::Path,
    csv: bool,
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let slug = org_slug.trim();
    let org = pmf_store::organisations::by_slug(&db.conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--org-slug: no council {slug:?}"))?;
    let org = pmf_store::OrganisationSettings::try_from(&org)?;
    if !csv {
        std::fs::write(
            out,
            export::xlsx(db, &org, pmf_store::Audience::SignedIn).await?,
        )
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", out.display()))?;
        return Ok(vec![out.to_path_buf()]);
    }
    std::fs::create_dir_all(out)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", out.display()))?;
    let register = pmf_store::export::register(&db.conn, org.id).await?;
    let mut written = Vec::new();
    for sheet in export::sheets(&register) {
        let path = out.join(format!("{}.csv", sheet.layout.name));
        std::fs::write(&path, write::csv(&sheet)?)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
