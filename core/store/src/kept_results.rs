//! Rated results kept between requests (issue 19, the computed dashboard).
//!
//! A dashboard of 500 indicators is 4,500 results: rating them from the stored rows on every
//! request means reading ~5,000 values, targets and extensions each time, and in the week
//! before the 10th every write moves the council's data version on, so the response cache
//! misses nearly every time. Yet one recorded value changes the results of one indicator.
//!
//! So each indicator carries a **results version** (`indicators.results_version`), which
//! every unit of work that changes what its results are computed from moves on in the same
//! transaction ([`move_versions_on`], called by [`crate::UnitOfWork`] with the changes its
//! audit entries name — the indicator's row, its values, targets and extensions; the whole
//! council for its settings, plans, priorities or a workbook import). An API process keeps the
//! results it rated ([`KeptResults`]) under the version of the indicator row it rated them
//! from and the council's rating settings, and rates again only the indicators whose version
//! has moved. Several processes agree, because the version is in the database.
//!
//! Why a result is never older than its version says: a request reads an indicator's row
//! (and so its version) *before* the rows its results are rated from, so what it keeps under
//! a version is that version's data or newer; a newer write moved the version on, and a
//! request that reads the row after it never finds the older entry. The results do not
//! depend on the clock, the caller or the audience (which indicators someone may see is
//! decided before results are asked for). `tests/tests/e2e/kept_results.rs` proves the kept
//! answers equal a fresh rating after any sequence of the store's writes.
use std::{
    collections::VecDeque,
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicU64, Ordering},
    },
};

use pmf_core::{DeadlineDay, FyStart, Period, RatingSettings};
use rustc_hash::FxHashMap;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    OrganisationSettings, StoreError, entity::indicator, outstanding::Touched,
    results::PeriodEvaluation, scoped::IN_LIST_CHUNK,
};

/// What of a council's settings the rules read when rating a result.
#[derive(Debug, Clone, Copy, PartialEq)]
struct CouncilRules {
    fy_start: FyStart,
    deadline_day: DeadlineDay,
    rating: RatingSettings,
}

impl CouncilRules {
    fn of(settings: &OrganisationSettings) -> Self {
        Self {
            fy_start: settings.fy_start,
            deadline_day: settings.deadline_day,
            rating: settings.rating,
        }
    }
}

/// An indicator's kept results by period. Shared whole with the requests that read them:
/// a dashboard takes each indicator's set with one reference count, not one per result (the
/// evaluations' counts are written by every request on every thread otherwise).
pub type KeptSet = FxHashMap<Period, Arc<PeriodEvaluation>>;

/// One indicator's kept results, all rated from its row at `version` under `rules`.
struct KeptIndicator {
    organisation_id: i64,
    version: i64,
    rules: CouncilRules,
    results: Arc<KeptSet>,
    bytes: usize,
}

impl KeptIndicator {
    fn is_for(&self, row: &indicator::Model, rules: &CouncilRules) -> bool {
        self.organisation_id == row.organisation_id
            && self.version == row.results_version
            && self.rules == *rules
    }
}

#[derive(Default)]
struct Kept {
    indicators: FxHashMap<i64, KeptIndicator>,
    /// Indicator ids, oldest first (the first to be forgotten when over budget).
    order: VecDeque<i64>,
    bytes: usize,
}

impl Kept {
    /// The row's kept results, when they were rated from its results version under `rules`.
    fn of(&self, row: &indicator::Model, rules: &CouncilRules) -> Option<&Arc<KeptSet>> {
        self.indicators
            .get(&row.id)
            .filter(|k| k.is_for(row, rules))
            .map(|k| &k.results)
    }
}

/// Rated results kept in memory, at most a budget of bytes; the oldest indicators' results
/// are forgotten first.
pub struct KeptResults {
    budget: usize,
    kept: Mutex<Kept>,
    /// How many results were found kept, all told.
    found: AtomicU64,
}

/// About what one kept result takes in memory.
fn bytes_of(e: &PeriodEvaluation) -> usize {
    std::mem::size_of::<PeriodEvaluation>()
        + 64
        + e.commentary.as_ref().map_or(0, String::len)
        + e.no_value_reason.as_ref().map_or(0, String::len)
}

impl KeptResults {
    /// Keeps at most about `budget` bytes of results.
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            kept: Mutex::default(),
            found: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        self.kept.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept result of each (indicator row, period) asked, when it was rated from the
    /// row's results version under these settings.
    pub fn find(
        &self,
        settings: &OrganisationSettings,
        asked: &[(&indicator::Model, Period)],
    ) -> Vec<Option<Arc<PeriodEvaluation>>> {
        let rules = CouncilRules::of(settings);
        let kept = self.lock();
        let found: Vec<Option<Arc<PeriodEvaluation>>> = asked
            .iter()
            .map(|(row, period)| kept.of(row, &rules)?.get(period).cloned())
            .collect();
        let n = found.iter().filter(|f| f.is_some()).count();
        self.found.fetch_add(n as u64, Ordering::Relaxed);
        found
    }

    /// The kept results of each indicator row asked, as [`find`](Self::find) gives them, one
    /// shared set per row (`None` when nothing is kept for the row's results version under
    /// these settings). A set may hold periods beyond `periods`, each rated from that same
    /// version; only `periods` count as found.
    pub fn find_sets(
        &self,
        settings: &OrganisationSettings,
        rows: &[&indicator::Model],
        periods: &[Period],
    ) -> Vec<Option<Arc<KeptSet>>> {
        let rules = CouncilRules::of(settings);
        let kept = self.lock();
        let mut n = 0;
        let found: Vec<Option<Arc<KeptSet>>> = rows
            .iter()
            .map(|row| {
                let set = kept.of(row, &rules).cloned();
                if let Some(set) = &set {
                    n += periods.iter().filter(|p| set.contains_key(p)).count();
                }
                set
            })
            .collect();
        drop(kept);
        self.found.fetch_add(n as u64, Ordering::Relaxed);
        found
    }

    /// How many results have been found kept since this was made.
    pub fn found(&self) -> u64 {
        self.found.load(Ordering::Relaxed)
    }

    /// Keeps results rated from these indicator rows under these settings. An indicator's
    /// results kept under an older version, or other settings, are forgotten; results rated
    /// from an older version than those kept are not kept.
    pub fn keep(
        &self,
        settings: &OrganisationSettings,
        rated: &[(&indicator::Model, Arc<PeriodEvaluation>)],
    ) {
        if self.budget == 0 {
            return;
        }
        let rules = CouncilRules::of(settings);
        let mut guard = self.lock();
        let kept = &mut *guard;
        for (row, evaluation) in rated {
            let entry = match kept.indicators.entry(row.id) {
                std::collections::hash_map::Entry::Occupied(o) => {
                    let k = o.into_mut();
                    if !k.is_for(row, &rules) {
                        if row.results_version < k.version {
                            continue;
                        }
                        kept.bytes -= k.bytes;
                        k.organisation_id = row.organisation_id;
                        k.version = row.results_version;
                        k.rules = rules;
                        k.results = Arc::default();
                        k.bytes = 0;
                    }
                    k
                }
                std::collections::hash_map::Entry::Vacant(v) => {
                    kept.order.push_back(row.id);
                    v.insert(KeptIndicator {
                        organisation_id: row.organisation_id,
                        version: row.results_version,
                        rules,
                        results: Arc::default(),
                        bytes: 0,
                    })
                }
            };
            let bytes = bytes_of(evaluation);
            // A copy of the set only while a request still holds it.
            let results = Arc::make_mut(&mut entry.results);
            if let Some(old) = results.insert(evaluation.period, evaluation.clone()) {
                entry.bytes -= bytes_of(&old);
                kept.bytes -= bytes_of(&old);
            }
            entry.bytes += bytes;
            kept.bytes += bytes;
        }
        while kept.bytes > self.budget {
            let Some(id) = kept.order.pop_front() else {
                break;
            };
            if let Some(k) = kept.indicators.remove(&id) {
                kept.bytes -= k.bytes;
            }
        }
    }

    /// How many results are kept.
    pub fn len(&self) -> usize {
        self.lock()
            .indicators
            .values()
            .map(|k| k.results.len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Moves on the results version of every indicator whose results a unit of work may have
/// changed (every indicator of the council when `touched.council`), in its transaction.
pub(crate) async fn move_versions_on<C: ConnectionTrait>(
    db: &C,
    organisation_id: i64,
    touched: &Touched,
) -> Result<(), StoreError> {
    let move_on = || {
        indicator::Entity::update_many()
            .col_expr(
                indicator::Column::ResultsVersion,
                Expr::col(indicator::Column::ResultsVersion).add(1),
            )
            .filter(indicator::Column::OrganisationId.eq(organisation_id))
    };
    if touched.council {
        move_on().exec(db).await?;
        return Ok(());
    }
    let mut ids: Vec<i64> = touched.indicators.iter().copied().collect();
    ids.sort_unstable();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        move_on()
            .filter(indicator::Column::Id.is_in(chunk.iter().copied()))
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone, Utc};
    use pmf_core::{
        Completeness, Frequency, IndicatorLevel, IndicatorStatus, IndicatorType, Lifecycle,
        OnTolerance, Polarity, Trend, Unit,
    };

    use super::*;
    use crate::Stored;

    fn settings() -> OrganisationSettings {
        OrganisationSettings {
            id: 1,
            name: "Council".into(),
            slug: "council".into(),
            time_zone: chrono_tz::Europe::London,
            fy_start: FyStart::default(),
            deadline_day: DeadlineDay::default(),
            reminder_time: "09:00".parse().expect("a time"),
            amber_alerts: false,
            rating: RatingSettings::default(),
            area_code: None,
            comparator_group_id: None,
        }
    }

    fn row(id: i64, results_version: i64) -> indicator::Model {
        indicator::Model {
            id,
            organisation_id: 1,
            priority_id: None,
            reference: format!("KPI {id}"),
            title: "Households in temporary accommodation".into(),
            definition: None,
            level: Stored(IndicatorLevel::Kpm),
            indicator_type: Stored(IndicatorType::Outcome),
            unit: Stored(Unit::Count),
            decimals: 0,
            polarity: Stored(Polarity::LowerIsBetter),
            frequency: Stored(Frequency::Monthly),
            cumulative: false,
            monitor_only: false,
            tolerance_kind: "RELATIVE_PCT".into(),
            tolerance_value: 5.0,
            owner_id: None,
            data_source: None,
            information_asset_ref: None,
            published: true,
            lifecycle: Stored(Lifecycle::Active),
            first_period: None,
            proposed_by: None,
            approved_by: None,
            approved_at: None,
            retired_at: None,
            version: 1,
            created_at: Utc.with_ymd_and_hms(2025, 4, 1, 9, 0, 0).unwrap(),
            benchmark_metric: None,
            comparator_group_id: None,
            results_version,
        }
    }

    fn p(s: &str) -> Period {
        Period::parse(s).expect("a period")
    }

    fn rated(id: i64, period: &str, actual: f64) -> Arc<PeriodEvaluation> {
        Arc::new(PeriodEvaluation {
            indicator_id: id,
            period: p(period),
            rated_period: p(period),
            actual: Some(actual),
            target: Some(100.0),
            target_is_pro_rata: false,
            status: IndicatorStatus::Green,
            previous_status: None,
            trend: Trend::NoChange,
            direction: None,
            comparison_value: None,
            commentary: Some("On track".into()),
            no_value_reason: None,
            due_date: NaiveDate::from_ymd_opt(2025, 5, 10).expect("a date"),
            extended: false,
            version: 1,
            entered_by: None,
            entered_at: None,
            completeness: Completeness::Complete,
        })
    }

    fn actual(found: &[Option<Arc<PeriodEvaluation>>]) -> Vec<Option<f64>> {
        found
            .iter()
            .map(|f| f.as_ref().and_then(|e| e.actual))
            .collect()
    }

    #[test]
    fn results_are_found_only_at_the_version_and_settings_they_were_rated_under() {
        let kept = KeptResults::new(1 << 20);
        let s = settings();
        let (v1, v2) = (row(7, 1), row(7, 2));
        kept.keep(&s, &[(&v1, rated(7, "2025-04", 90.0))]);
        assert_eq!(actual(&kept.find(&s, &[(&v1, p("2025-04"))])), [Some(90.0)]);
        assert_eq!(kept.found(), 1);
        // Another period, another indicator, a newer version: not kept.
        assert_eq!(
            actual(&kept.find(
                &s,
                &[
                    (&v1, p("2025-05")),
                    (&row(8, 1), p("2025-04")),
                    (&v2, p("2025-04"))
                ]
            )),
            [None, None, None]
        );
        // Other rating settings: not kept either.
        let mut amber = settings();
        amber.rating.on_tolerance = OnTolerance::Amber;
        assert_eq!(actual(&kept.find(&amber, &[(&v1, p("2025-04"))])), [None]);
        // Rated again from the newer version: the older results are forgotten…
        kept.keep(&s, &[(&v2, rated(7, "2025-05", 95.0))]);
        assert_eq!(
            actual(&kept.find(&s, &[(&v2, p("2025-04")), (&v2, p("2025-05"))])),
            [None, Some(95.0)]
        );
        assert_eq!(kept.len(), 1);
        // …and a request that read the older row cannot put them back.
        kept.keep(&s, &[(&v1, rated(7, "2025-04", 90.0))]);
        assert_eq!(actual(&kept.find(&s, &[(&v1, p("2025-04"))])), [None]);
        assert_eq!(actual(&kept.find(&s, &[(&v2, p("2025-05"))])), [Some(95.0)]);
    }

    #[test]
    fn sets_are_found_whole_and_a_set_held_by_a_request_does_not_change() {
        let kept = KeptResults::new(1 << 20);
        let s = settings();
        let (v1, v2, other) = (row(7, 1), row(7, 2), row(8, 1));
        kept.keep(&s, &[(&v1, rated(7, "2025-04", 90.0))]);
        let asked = [p("2025-04"), p("2025-05")];
        let held = kept.find_sets(&s, &[&v1, &other, &v2], &asked);
        assert_eq!(held.len(), 3);
        let set = held[0].clone().expect("kept for v1");
        assert!(held[1].is_none(), "nothing kept for another indicator");
        assert!(held[2].is_none(), "nothing kept for a newer version");
        assert_eq!(
            kept.found(),
            1,
            "only the asked periods that are kept count"
        );
        // More is kept while a request holds the set: the request's set stays as it was…
        kept.keep(&s, &[(&v1, rated(7, "2025-05", 95.0))]);
        assert_eq!(set.len(), 1);
        assert_eq!(set.get(&p("2025-04")).and_then(|e| e.actual), Some(90.0));
        // …and the next one finds both.
        let again = kept.find_sets(&s, &[&v1], &asked);
        let again = again[0].as_ref().expect("kept");
        assert_eq!(again.get(&p("2025-05")).and_then(|e| e.actual), Some(95.0));
        assert_eq!(again.len(), 2);
        assert_eq!(kept.found(), 3);
        // A newer version forgets the set for the next request, not for the holder.
        kept.keep(&s, &[(&v2, rated(7, "2025-06", 99.0))]);
        assert!(kept.find_sets(&s, &[&v1], &asked)[0].is_none());
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn the_oldest_indicators_are_forgotten_beyond_the_budget() {
        let one = bytes_of(&rated(1, "2025-04", 1.0));
        let kept = KeptResults::new(3 * one);
        let s = settings();
        let rows: Vec<indicator::Model> = (1..=4).map(|id| row(id, 0)).collect();
        for r in &rows {
            kept.keep(&s, &[(r, rated(r.id, "2025-04", r.id as f64))]);
        }
        let asked: Vec<(&indicator::Model, Period)> =
            rows.iter().map(|r| (r, p("2025-04"))).collect();
        assert_eq!(
            actual(&kept.find(&s, &asked)),
            [None, Some(2.0), Some(3.0), Some(4.0)]
        );
        // None at all with no budget.
        let off = KeptResults::new(0);
        off.keep(&s, &[(&rows[0], rated(1, "2025-04", 1.0))]);
        assert!(off.is_empty());
    }
}
