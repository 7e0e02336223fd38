//! Benchmarking against comparator councils (issue 17): comparator groups, importing
//! comparator data (`importBenchmarks`), and where a result stands among the group
//! (`PeriodResult.benchmark`, loaded in batches).
use std::sync::Arc;

use async_graphql::{Context, ID, InputObject, Object, SimpleObject, Upload};
use pmf_core::{AreaCode, ValueSource};
use pmf_store::{
    benchmarking::{self, ComparatorGroupChange, IndicatorBenchmark, NewComparatorGroup},
    entity::comparator_group,
};

use super::{
    authorise::{ADMIN, require_role},
    context::{begin, loader, request, scope},
    cost,
    input::{self, MAX_TITLE, new_text, required_text},
    loaders::GroupKey,
};
use crate::error::{GqlResult, gql};

pub struct ComparatorGroupObj(pub comparator_group::Model);

/// The areas a council benchmarks against (its CIPFA nearest neighbours, say).
#[Object(name = "ComparatorGroup")]
impl ComparatorGroupObj {
    async fn id(&self) -> ID {
        self.0.id.into()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The areas' GSS codes (E07000146), in the order given.
    async fn area_codes(&self) -> GqlResult<Vec<String>> {
        Ok(benchmarking::area_codes(&self.0)?
            .into_iter()
            .map(|a| a.to_string())
            .collect())
    }
}

/// A comparator group of the council, through the request's loader.
pub async fn load_group(
    ctx: &Context<'_>,
    id: Option<i64>,
) -> GqlResult<Option<ComparatorGroupObj>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(loader(ctx)?
        .load_one(GroupKey(id))
        .await?
        .map(ComparatorGroupObj))
}

/// One value of a benchmark: a comparator area's, or the council's own.
#[derive(SimpleObject)]
pub struct BenchmarkValue {
    /// The area's GSS code (the council's own when `own`; null when it has not set one).
    pub area_code: Option<String>,
    pub area_name: String,
    pub value: f64,
    /// Whether this is the council's own recorded value.
    pub own: bool,
    /// 1 = best; equal values share the better rank.
    pub rank: i32,
}

/// Where the council's value stands among its comparator group.
pub struct BenchmarkPositionObj {
    pub benchmark: Arc<IndicatorBenchmark>,
    pub own_area: Option<AreaCode>,
    pub own_name: String,
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[Object(name = "BenchmarkPosition")]
impl BenchmarkPositionObj {
    /// The period of comparator data used: the one asked for, or the latest before it when
    /// the data lags; the council's own value is for this same period.
    async fn period(&self) -> String {
        self.benchmark.benchmark.comparator.period.to_string()
    }
    /// Whether older comparator data than the period asked for was used.
    async fn lagged(&self) -> bool {
        self.benchmark.benchmark.comparator.is_lagged()
    }
    async fn group(&self) -> ComparatorGroupObj {
        ComparatorGroupObj(self.benchmark.group.clone())
    }
    /// The council's value that was ranked (for a monthly indicator against annual data,
    /// its year's).
    async fn own_value(&self) -> f64 {
        self.benchmark.benchmark.own_value
    }
    /// 1 + the number of strictly better values.
    async fn rank(&self) -> i32 {
        int(self.benchmark.benchmark.position.rank)
    }
    /// How many values were ranked, the council's own included.
    async fn of(&self) -> i32 {
        int(self.benchmark.benchmark.position.of)
    }
    /// ceil(4 × rank / of): 1 is the best quarter, 4 the worst.
    async fn quartile(&self) -> i32 {
        i32::from(self.benchmark.benchmark.position.quartile)
    }
    async fn median(&self) -> f64 {
        self.benchmark.benchmark.position.median
    }
    async fn best(&self) -> f64 {
        self.benchmark.benchmark.position.best
    }
    async fn worst(&self) -> f64 {
        self.benchmark.benchmark.position.worst
    }
    /// Every value, best first.
    #[graphql(complexity = "cost::list(cost::sizes().areas_per_group + 1, child_complexity)")]
    async fn values(&self) -> Vec<BenchmarkValue> {
        self.benchmark
            .benchmark
            .position
            .values
            .iter()
            .map(|v| match &v.source {
                ValueSource::Own => BenchmarkValue {
                    area_code: self.own_area.as_ref().map(ToString::to_string),
                    area_name: self.own_name.clone(),
                    value: v.value,
                    own: true,
                    rank: int(v.rank),
                },
                ValueSource::Comparator {
                    area_code,
                    area_name,
                } => BenchmarkValue {
                    area_code: Some(area_code.to_string()),
                    area_name: area_name.clone(),
                    value: v.value,
                    own: false,
                    rank: int(v.rank),
                },
            })
            .collect()
    }
}

/// A comparator group's areas, validated: each a GSS code.
fn area_codes(codes: &[String]) -> GqlResult<Vec<AreaCode>> {
    codes
        .iter()
        .enumerate()
        .map(|(i, c)| {
            AreaCode::parse(c)
                .map_err(|e| gql::bad_input(format!("areaCodes[{i}] {:?}: {}", e.input, e.reason)))
        })
        .collect()
}

#[derive(InputObject)]
pub struct CreateComparatorGroupInput {
    pub name: String,
    /// GSS codes such as E07000146.
    pub area_codes: Vec<String>,
}

#[derive(InputObject)]
pub struct UpdateComparatorGroupInput {
    pub id: ID,
    pub name: Option<String>,
    /// Replaces the group's areas.
    pub area_codes: Option<Vec<String>>,
}

/// A bad line of a comparator data file.
#[derive(SimpleObject)]
pub struct BenchmarkImportProblem {
    /// The line number as a text editor shows it (1 is the header).
    pub line: i32,
    pub message: String,
}

/// What an import of comparator data did or would do; when `ok` is false nothing was
/// stored.
#[derive(SimpleObject)]
pub struct BenchmarkImportReport {
    pub ok: bool,
    pub dry_run: bool,
    pub errors: Vec<BenchmarkImportProblem>,
    pub added: i32,
    pub replaced: i32,
    pub unchanged: i32,
    /// Values of areas in none of the council's comparator groups: kept, not ranked.
    pub outside_groups: i32,
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl From<crate::benchmarks::BenchmarkImport> for BenchmarkImportReport {
    fn from(r: crate::benchmarks::BenchmarkImport) -> Self {
        BenchmarkImportReport {
            ok: r.ok,
            dry_run: r.dry_run,
            errors: r
                .problems
                .into_iter()
                .map(|p| BenchmarkImportProblem {
                    line: i32::try_from(p.line).unwrap_or(i32::MAX),
                    message: p.message,
                })
                .collect(),
            added: count(r.counts.added),
            replaced: count(r.counts.replaced),
            unchanged: count(r.counts.unchanged),
            outside_groups: count(r.counts.outside_groups),
        }
    }
}

#[derive(Default)]
pub struct BenchmarkingQueries;

#[Object]
impl BenchmarkingQueries {
    /// The council's comparator groups, by name.
    #[graphql(complexity = "cost::list(cost::sizes().comparator_groups, child_complexity)")]
    async fn comparator_groups(&self, ctx: &Context<'_>) -> GqlResult<Vec<ComparatorGroupObj>> {
        let org = scope(ctx)?.org.id;
        Ok(benchmarking::groups(&request(ctx).db.conn, org)
            .await?
            .into_iter()
            .map(ComparatorGroupObj)
            .collect())
    }
}

#[derive(Default)]
pub struct BenchmarkingMutations;

#[Object]
impl BenchmarkingMutations {
    /// Adds a comparator group (ADMIN).
    async fn create_comparator_group(
        &self,
        ctx: &Context<'_>,
        input: CreateComparatorGroupInput,
    ) -> GqlResult<ComparatorGroupObj> {
        require_role(ctx, ADMIN, "manage comparator groups")?;
        let new = NewComparatorGroup {
            name: required_text("name", &input.name, MAX_TITLE)?,
            area_codes: area_codes(&input.area_codes)?,
        };
        let uow = begin(ctx).await?;
        let row = benchmarking::create_group(&uow, new).await?;
        uow.commit().await?;
        Ok(ComparatorGroupObj(row))
    }

    /// Renames a comparator group or replaces its areas (ADMIN).
    async fn update_comparator_group(
        &self,
        ctx: &Context<'_>,
        input: UpdateComparatorGroupInput,
    ) -> GqlResult<ComparatorGroupObj> {
        require_role(ctx, ADMIN, "manage comparator groups")?;
        let id = input::id(&input.id, "comparator group")?;
        let change = ComparatorGroupChange {
            name: new_text("name", input.name.as_deref(), MAX_TITLE)?,
            area_codes: input.area_codes.as_deref().map(area_codes).transpose()?,
        };
        let uow = begin(ctx).await?;
        let row = benchmarking::update_group(&uow, id, change).await?;
        uow.commit().await?;
        Ok(ComparatorGroupObj(row))
    }

    /// Imports comparator data (ADMIN): CSV with the header
    /// `metric,area_code,area_name,period,value`, periods in the API's forms or LG Inform's
    /// (`2024/25`, `Q1 2024/25`, `Jun 2025`). Each value replaces what is held for its
    /// metric, area and period. A file with a bad line is refused whole, every bad line
    /// named. A dry run (the default) reports what would change and stores nothing.
    async fn import_benchmarks(
        &self,
        ctx: &Context<'_>,
        file: Upload,
        #[graphql(default_with = "Some(true)")] dry_run: Option<bool>,
    ) -> GqlResult<BenchmarkImportReport> {
        let user = require_role(ctx, ADMIN, "import comparator data")?;
        let org = scope(ctx)?.org.id;
        let upload = file
            .value(ctx)
            .map_err(|e| gql::bad_input(format!("file: the upload cannot be read: {e}")))?;
        let request = request(ctx);
        let report = crate::benchmarks::import(
            &request.db,
            org,
            Some(user.id),
            request.now,
            &upload.filename,
            &upload.content,
            dry_run.unwrap_or(true),
        )
        .await?;
        Ok(report.into())
    }
}
