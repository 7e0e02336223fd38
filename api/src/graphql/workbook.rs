//! Importing a council's workbook through GraphQL (`importWorkbook`, an upload by the
//! GraphQL multipart request spec), for ADMINs.
use async_graphql::{Context, Object, SimpleObject, Upload};

use super::{
    authorise::{ADMIN, require_role},
    context::{request, scope},
};
use crate::error::{GqlResult, gql};

/// Something wrong in the workbook: where, and what to do about it.
#[derive(SimpleObject)]
pub struct ImportProblem {
    pub sheet: String,
    /// The row number as the spreadsheet shows it (none: the sheet as a whole).
    pub row: Option<i32>,
    /// The column header.
    pub column: Option<String>,
    pub message: String,
}

/// How many rows of a sheet were (or, on a dry run, would be) created, updated and left as
/// they were.
#[derive(SimpleObject)]
pub struct ImportSheetCounts {
    pub sheet: String,
    pub created: i32,
    pub updated: i32,
    pub unchanged: i32,
}

/// What an import did or would do; when `ok` is false nothing was stored.
#[derive(SimpleObject)]
pub struct ImportReport {
    pub ok: bool,
    pub dry_run: bool,
    pub errors: Vec<ImportProblem>,
    pub counts: Vec<ImportSheetCounts>,
    /// Exception alerts the import raised (values of periods whose deadline has not passed).
    pub alerts: i32,
}

fn int(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<pmf_store::import::ImportReport> for ImportReport {
    fn from(r: pmf_store::import::ImportReport) -> Self {
        ImportReport {
            ok: r.ok,
            dry_run: r.dry_run,
            errors: r
                .problems
                .into_iter()
                .map(|p| ImportProblem {
                    sheet: p.sheet,
                    row: p.row.map(|r| i32::try_from(r).unwrap_or(i32::MAX)),
                    column: p.column,
                    message: p.message,
                })
                .collect(),
            counts: r
                .counts
                .into_iter()
                .map(|c| ImportSheetCounts {
                    sheet: c.sheet.to_string(),
                    created: int(c.created),
                    updated: int(c.updated),
                    unchanged: int(c.unchanged),
                })
                .collect(),
            alerts: int(r.alerts),
        }
    }
}

#[derive(Default)]
pub struct WorkbookMutations;

#[Object]
impl WorkbookMutations {
    /// Imports a workbook in the layout of the template (`.xlsx`, ADMIN): rows matched by
    /// their natural keys and created or updated, all or nothing. A dry run (the default)
    /// reports what would change and stores nothing.
    async fn import_workbook(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        #[graphql(default_with = "Some(true)")] dry_run: Option<bool>,
        #[graphql(desc = "For a `.csv` file: the sheet it holds.")] sheet: Option<String>,
    ) -> GqlResult<ImportReport> {
        let user = require_role(ctx, ADMIN, "import workbooks")?;
        let org = scope(ctx)?.org.clone();
        let upload = file
            .value(ctx)
            .map_err(|e| gql::bad_input(format!("file: the upload cannot be read: {e}")))?;
        let request = request(ctx);
        let report = crate::workbook::import_file(
            &request.db,
            &org,
            &request.public_url,
            request.now,
            crate::workbook::ImportRequest {
                file_name: &upload.filename,
                bytes: &upload.content,
                sheet: sheet.as_deref(),
                dry_run: dry_run.unwrap_or(true),
                user: Some(user),
            },
        )
        .await?;
        Ok(report.into())
    }
}
