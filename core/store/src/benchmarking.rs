//! Benchmarking against comparator councils (issue 17): the council's comparator groups,
//! the comparator data it imports (LG Inform's, one value per metric, area and period), and
//! where its indicators' results stand among them (the rule is `pmf_core::benchmark`'s).
//!
//! Each council's comparator data is its own: every read and write names the council.
use std::collections::{BTreeSet, HashMap, HashSet};

use pmf_core::{
    AreaCode, Benchmark, BenchmarkedIndicator, ComparatorLine, ComparatorValue, Period,
    comparator_period,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;

use crate::{
    Database, OrganisationSettings, StoreError, Stored, UnitOfWork,
    entity::{comparator_group, comparator_value, indicator, measurement},
    scoped::{self, IN_LIST_CHUNK},
};

/// A comparator group to add.
#[derive(Debug, Clone)]
pub struct NewComparatorGroup {
    pub name: String,
    pub area_codes: Vec<AreaCode>,
}

/// What to change of a comparator group; `None` keeps what is stored.
#[derive(Debug, Clone, Default)]
pub struct ComparatorGroupChange {
    pub name: Option<String>,
    pub area_codes: Option<Vec<AreaCode>>,
}

/// The group's areas, in the order given (repeats left out).
pub fn area_codes(row: &comparator_group::Model) -> Result<Vec<AreaCode>, StoreError> {
    row.area_codes
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            AreaCode::parse(s).map_err(|_| {
                StoreError::Corrupt(format!("comparator group {}: area code {s:?}", row.id))
            })
        })
        .collect()
}

/// The stored form of a group's areas: upper case, comma-separated, repeats left out.
fn stored_area_codes(codes: &[AreaCode]) -> Result<String, StoreError> {
    if codes.is_empty() {
        return Err(StoreError::invalid(
            "areaCodes: name at least one area (a GSS code such as E07000146)",
        ));
    }
    let mut seen = HashSet::new();
    let kept: Vec<&str> = codes
        .iter()
        .filter(|c| seen.insert(c.as_str()))
        .map(AreaCode::as_str)
        .collect();
    Ok(kept.join(","))
}

// --- reads ---

/// The council's comparator groups, by name.
pub async fn groups<C: ConnectionTrait>(
    db: &C,
    org: i64,
) -> Result<Vec<comparator_group::Model>, StoreError> {
    Ok(scoped::rows::<comparator_group::Entity>(org)
        .order_by_asc(comparator_group::Column::Name)
        .order_by_asc(comparator_group::Column::Id)
        .all(db)
        .await?)
}

/// One comparator group of the council.
pub async fn group<C: ConnectionTrait>(
    db: &C,
    org: i64,
    id: i64,
) -> Result<comparator_group::Model, StoreError> {
    scoped::one::<comparator_group::Entity, _>(db, org, id, "comparator group").await
}

/// A comparator group named in field `field` of a change: "{field}: no comparator group
/// with id {id}" when it is not one of the council's.
pub async fn group_in<C: ConnectionTrait>(
    db: &C,
    org: i64,
    id: i64,
    field: &str,
) -> Result<comparator_group::Model, StoreError> {
    scoped::find::<comparator_group::Entity, _>(db, org, id)
        .await?
        .ok_or_else(|| StoreError::not_found_in(field, "comparator group", id))
}

/// Of these comparator groups, the council's.
pub async fn groups_by_id<C: ConnectionTrait>(
    db: &C,
    org: i64,
    ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<comparator_group::Model>, StoreError> {
    Ok(
        scoped::rows_in::<comparator_group::Entity>(org, comparator_group::Column::Id, ids)
            .all(db)
            .await?,
    )
}

/// How many comparator values the council holds.
pub async fn value_count<C: ConnectionTrait>(db: &C, org: i64) -> Result<u64, StoreError> {
    use sea_orm::PaginatorTrait;
    Ok(scoped::rows::<comparator_value::Entity>(org)
        .count(db)
        .await?)
}

// --- writes ---

/// Adds a comparator group.
pub async fn create_group(
    uow: &UnitOfWork,
    new: NewComparatorGroup,
) -> Result<comparator_group::Model, StoreError> {
    let org = uow.organisation_id()?;
    let name = new.name.clone();
    let row = comparator_group::ActiveModel {
        organisation_id: Set(org),
        name: Set(new.name),
        area_codes: Set(stored_area_codes(&new.area_codes)?),
        ..Default::default()
    }
    .insert(uow)
    .await
    .map_err(|e| StoreError::unique(e, || duplicate_name(&name)))?;
    uow.audit_create("comparator_group", row.id, &row).await?;
    Ok(row)
}

fn duplicate_name(name: &str) -> String {
    format!("a comparator group named {name:?} already exists")
}

/// Renames a comparator group or changes its areas.
pub async fn update_group(
    uow: &UnitOfWork,
    id: i64,
    change: ComparatorGroupChange,
) -> Result<comparator_group::Model, StoreError> {
    let org = uow.organisation_id()?;
    let before = group(uow, org, id).await?;
    let mut am: comparator_group::ActiveModel = before.clone().into();
    let name = change.name.clone().unwrap_or_else(|| before.name.clone());
    if let Some(n) = change.name {
        am.name = Set(n);
    }
    if let Some(codes) = change.area_codes {
        am.area_codes = Set(stored_area_codes(&codes)?);
    }
    let after = am
        .update(uow)
        .await
        .map_err(|e| StoreError::unique(e, || duplicate_name(&name)))?;
    uow.audit(
        "comparator_group",
        id,
        "update",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

/// What an import of comparator data did, or on a dry run would do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportCounts {
    /// Values the council did not hold.
    pub added: usize,
    /// Values that replace a different one held for the same metric, area and period.
    pub replaced: usize,
    /// Values held already, as they are.
    pub unchanged: usize,
    /// Lines of areas in none of the council's groups: kept, but not ranked.
    pub outside_groups: usize,
}

/// Stores the lines of a comparator data file (already read, every line good) for the
/// council, in one transaction with its audit entry: each replaces what is held for its
/// metric, area and period; nothing else held changes. A dry run stores nothing.
pub async fn import_values(
    db: &Database,
    org: i64,
    actor_id: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
    file_name: &str,
    lines: &[ComparatorLine],
    dry_run: bool,
) -> Result<ImportCounts, StoreError> {
    let uow = UnitOfWork::begin(db, org, actor_id, now).await?;
    let metrics: BTreeSet<&str> = lines.iter().map(|l| l.metric.as_str()).collect();
    let metrics: Vec<&str> = metrics.into_iter().collect();
    let mut held: HashMap<(String, AreaCode, Period), comparator_value::Model> = HashMap::new();
    for chunk in metrics.chunks(IN_LIST_CHUNK) {
        for row in scoped::rows::<comparator_value::Entity>(org)
            .filter(comparator_value::Column::Metric.is_in(chunk.iter().copied()))
            .all(&uow)
            .await?
        {
            held.insert(
                (row.metric.clone(), (*row.area_code).clone(), *row.period),
                row,
            );
        }
    }
    let grouped: HashSet<AreaCode> = groups(&uow, org)
        .await?
        .iter()
        .map(area_codes)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    let mut counts = ImportCounts::default();
    let mut replaced_ids = Vec::new();
    let mut inserts = Vec::new();
    for l in lines {
        if !grouped.contains(&l.area_code) {
            counts.outside_groups += 1;
        }
        match held.get(&(l.metric.clone(), l.area_code.clone(), l.period)) {
            Some(h) if h.value == l.value && h.area_name == l.area_name => {
                counts.unchanged += 1;
                continue;
            }
            Some(h) => {
                counts.replaced += 1;
                replaced_ids.push(h.id);
            }
            None => counts.added += 1,
        }
        inserts.push(comparator_value::ActiveModel {
            organisation_id: Set(org),
            metric: Set(l.metric.clone()),
            area_code: Set(Stored(l.area_code.clone())),
            area_name: Set(l.area_name.clone()),
            period: Set(Stored(l.period)),
            value: Set(l.value),
            ..Default::default()
        });
    }
    if dry_run {
        // The unit of work is dropped: nothing is stored.
        return Ok(counts);
    }
    for chunk in replaced_ids.chunks(IN_LIST_CHUNK) {
        comparator_value::Entity::delete_many()
            .filter(comparator_value::Column::OrganisationId.eq(org))
            .filter(comparator_value::Column::Id.is_in(chunk.iter().copied()))
            .exec(&uow)
            .await?;
    }
    crate::import::insert_batched(&uow, inserts).await?;
    uow.audit(
        "comparator_values",
        org,
        "import",
        None::<&()>,
        Some(&serde_json::json!({
            "file": file_name,
            "metrics": metrics,
            "counts": counts,
        })),
    )
    .await?;
    uow.commit().await?;
    Ok(counts)
}

// --- benchmarks ---

/// An indicator's benchmark for a period: the group it was ranked in and the position.
#[derive(Debug, Clone)]
pub struct IndicatorBenchmark {
    pub group: comparator_group::Model,
    pub benchmark: Benchmark,
}

/// The group an indicator is benchmarked against: its own, or the council's default.
pub fn group_of(row: &indicator::Model, settings: &OrganisationSettings) -> Option<i64> {
    row.comparator_group_id.or(settings.comparator_group_id)
}

/// The benchmarks of these (indicator, period) pairs, those that have one (see
/// `pmf_core::benchmark` for when there is none): at most four kinds of statement whatever
/// the number of indicators (groups; comparator values; the council's own values), each
/// split per thousand names.
pub async fn benchmarks<C: ConnectionTrait>(
    db: &C,
    settings: &OrganisationSettings,
    asked: &[(&indicator::Model, Period)],
) -> Result<HashMap<(i64, Period), IndicatorBenchmark>, StoreError> {
    let org = settings.id;
    let fy = settings.fy_start;
    let asked: Vec<(&indicator::Model, Period, &str, i64)> = asked
        .iter()
        .filter(|(row, _)| *row.polarity != pmf_core::Polarity::Neutral)
        .filter_map(|(row, p)| {
            let metric = row.benchmark_metric.as_deref()?;
            Some((*row, *p, metric, group_of(row, settings)?))
        })
        .collect();
    if asked.is_empty() {
        return Ok(HashMap::new());
    }
    let group_ids: BTreeSet<i64> = asked.iter().map(|a| a.3).collect();
    let groups: HashMap<i64, (comparator_group::Model, HashSet<AreaCode>)> =
        groups_by_id(db, org, group_ids)
            .await?
            .into_iter()
            .map(|g| {
                let codes = area_codes(&g)?.into_iter().collect();
                Ok((g.id, (g, codes)))
            })
            .collect::<Result<_, StoreError>>()?;
    let mut areas: BTreeSet<AreaCode> = BTreeSet::new();
    for (_, codes) in groups.values() {
        areas.extend(codes.iter().cloned());
    }
    // The council's own area is never a comparator: its value is its recorded actual.
    if let Some(own) = &settings.area_code {
        areas.remove(own);
    }
    let metrics: BTreeSet<&str> = asked.iter().map(|a| a.2).collect();
    let metrics: Vec<&str> = metrics.into_iter().collect();
    let areas: Vec<Stored<AreaCode>> = areas.into_iter().map(Stored).collect();
    let mut values: HashMap<&str, Vec<comparator_value::Model>> = HashMap::new();
    if !areas.is_empty() {
        for chunk in metrics.chunks(IN_LIST_CHUNK) {
            let rows = scoped::rows::<comparator_value::Entity>(org)
                .filter(comparator_value::Column::Metric.is_in(chunk.iter().copied()))
                .filter(comparator_value::Column::AreaCode.is_in(areas.iter().cloned()))
                .all(db)
                .await?;
            for row in rows {
                if let Some(m) = chunk.iter().find(|m| **m == row.metric) {
                    values.entry(*m).or_default().push(row);
                }
            }
        }
    }
    // Each pair's comparator values (its group's areas), and the own periods it needs.
    let mut inputs = Vec::new();
    let mut own_periods: HashSet<Period> = HashSet::new();
    let mut own_ids: BTreeSet<i64> = BTreeSet::new();
    for (row, period, metric, group_id) in asked {
        let Some((group, codes)) = groups.get(&group_id) else {
            continue;
        };
        let comparators: Vec<(Period, ComparatorValue)> = values
            .get(metric)
            .into_iter()
            .flatten()
            .filter(|v| codes.contains(&v.area_code))
            .map(|v| {
                (
                    *v.period,
                    ComparatorValue {
                        area_code: (*v.area_code).clone(),
                        area_name: v.area_name.clone(),
                        value: v.value,
                    },
                )
            })
            .collect();
        let available: Vec<Period> = comparators.iter().map(|c| c.0).collect();
        let Some(chosen) =
            comparator_period(period, *row.frequency, row.cumulative, &available, fy)
        else {
            continue;
        };
        own_periods.extend(chosen.own.periods().iter().copied());
        own_ids.insert(row.id);
        inputs.push((row, period, group, comparators));
    }
    let own_periods: Vec<Stored<Period>> = own_periods.into_iter().map(Stored).collect();
    let own_ids: Vec<i64> = own_ids.into_iter().collect();
    let mut actuals: HashMap<(i64, Period), f64> = HashMap::new();
    if !own_periods.is_empty() {
        for chunk in own_ids.chunks(IN_LIST_CHUNK) {
            let rows: Vec<(i64, Stored<Period>, Option<f64>)> = measurement::Entity::find()
                .select_only()
                .columns([
                    measurement::Column::IndicatorId,
                    measurement::Column::Period,
                    measurement::Column::Value,
                ])
                .filter(measurement::Column::OrganisationId.eq(org))
                .filter(measurement::Column::IndicatorId.is_in(chunk.iter().copied()))
                .filter(measurement::Column::Period.is_in(own_periods.iter().cloned()))
                .into_tuple()
                .all(db)
                .await?;
            for (id, p, v) in rows {
                if let Some(v) = v {
                    actuals.insert((id, *p), v);
                }
            }
        }
    }
    let mut out = HashMap::new();
    for (row, period, group, comparators) in inputs {
        let indicator = BenchmarkedIndicator {
            polarity: *row.polarity,
            frequency: *row.frequency,
            cumulative: row.cumulative,
        };
        let own = |p: Period| actuals.get(&(row.id, p)).copied();
        if let Some(b) = pmf_core::benchmark(&indicator, period, &comparators, own, fy) {
            out.insert(
                (row.id, period),
                IndicatorBenchmark {
                    group: group.clone(),
                    benchmark: b,
                },
            );
        }
    }
    Ok(out)
}
