//! Importing comparator data (issue 17): a CSV file in the layout of
//! `pmf_core::comparator_file`, read by core and stored by `pmf_store::benchmarking`, from
//! `api import-benchmarks` and from the `importBenchmarks` upload alike.
use pmf_core::{LineProblem, read_comparator_file};
use pmf_store::{Database, StoreError, benchmarking::ImportCounts};

/// What an import did, or would do; when `ok` is false nothing was stored.
#[derive(Debug, Clone)]
pub struct BenchmarkImport {
    pub ok: bool,
    pub dry_run: bool,
    /// Every bad line of a refused file.
    pub problems: Vec<LineProblem>,
    pub counts: ImportCounts,
}

/// Reads the file and, when every line is good, stores its values for the council (or on a
/// dry run only counts what would change).
pub async fn import(
    db: &Database,
    organisation_id: i64,
    actor_id: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<BenchmarkImport, StoreError> {
    let lines = match read_comparator_file(bytes) {
        Ok(lines) => lines,
        Err(problems) => {
            return Ok(BenchmarkImport {
                ok: false,
                dry_run,
                problems,
                counts: ImportCounts::default(),
            });
        }
    };
    let counts = pmf_store::benchmarking::import_values(
        db,
        organisation_id,
        actor_id,
        now,
        file_name,
        &lines,
        dry_run,
    )
    .await?;
    Ok(BenchmarkImport {
        ok: true,
        dry_run,
        problems: Vec::new(),
        counts,
    })
}

/// What `api import-benchmarks` prints: every problem (`line 7: …`), or the counts.
pub fn report_lines(file_name: &str, report: &BenchmarkImport) -> Vec<String> {
    if !report.ok {
        let mut lines: Vec<String> = report
            .problems
            .iter()
            .map(|p| format!("{file_name} line {}: {}", p.line, p.message))
            .collect();
        lines.push(format!(
            "{} bad line(s): nothing was imported",
            report.problems.len()
        ));
        return lines;
    }
    let c = report.counts;
    let verb = if report.dry_run { "would be" } else { "were" };
    let mut lines = vec![format!(
        "{} value(s) {verb} added, {} replaced, {} unchanged",
        c.added, c.replaced, c.unchanged
    )];
    if c.outside_groups > 0 {
        lines.push(format!(
            "{} value(s) are of areas in none of the council's comparator groups: kept, not ranked",
            c.outside_groups
        ));
    }
    if report.dry_run {
        lines.push("dry run: nothing was stored".into());
    }
    lines
}

/// Runs `api import-benchmarks`: reads the file, imports it into the council as an
/// operator. `Ok((false, lines))` when the file was refused.
pub async fn import_command(
    db: &Database,
    now: chrono::DateTime<chrono::Utc>,
    org_slug: &str,
    file: &std::path::Path,
    dry_run: bool,
) -> anyhow::Result<(bool, Vec<String>)> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let slug = org_slug.trim();
    let org = pmf_store::organisations::by_slug(&db.conn, slug)
        .await?
        .ok_or_else(|| anyhow::anyhow!("--org-slug: no council {slug:?}"))?;
    let file_name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let report = import(db, org.id, None, now, &file_name, &bytes, dry_run).await?;
    Ok((report.ok, report_lines(&file_name, &report)))
}
