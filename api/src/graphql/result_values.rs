//! `Indicator.result` and `Indicator.series` answered whole: a dashboard asks for thousands of
//! results with the same few scalar fields, and resolving each field of each result as its
//! own future (async-graphql's way for an `#[Object]`) cost more than reading and rating them.
//!
//! [`ResultValue`] and [`SeriesValue`] are `PeriodResult` and `[PeriodResult!]` to the schema
//! (same type, same fields, same descriptions: they only resolve differently). When every
//! field the selection asks for is one of `PeriodResult`'s plain scalars (or `__typename`),
//! possibly through fragments, the selection is read once into a [`Selection`] and each
//! result's object is built from its `PeriodEvaluation` directly, with the same values the
//! field resolvers give. Anything else (`indicator`, `enteredBy`, `benchmark`, a field with a
//! directive left after `@skip`/`@include`, a fragment on another type) is resolved by the
//! `#[Object]` impl, exactly as before.
use std::{
    borrow::Cow,
    cell::RefCell,
    sync::{Arc, LazyLock},
};

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection as Item, SelectionSet},
    registry::Registry,
    resolver_utils::EnumType,
};
use pmf_core::{Completeness, FyStart, Period};
use pmf_store::{entity::indicator, results::PeriodEvaluation};

use super::{
    context::SharedContext,
    enums::{
        Direction, Frequency, IndicatorLevel, IndicatorStatus, IndicatorType, Lifecycle, Polarity,
        Trend, Unit, face,
    },
    indicators::IndicatorObj,
    loaders::ResultKey,
    results::{PeriodResult, ReadAhead, missing},
    scalars::{Date, DateTime},
};
use crate::links;

/// The `OutputType` items that make a type the same type as `$ty` to the schema (same name,
/// same registered fields): only its `resolve` differs.
macro_rules! same_schema_type_as {
    ($ty:ty) => {
        fn type_name() -> Cow<'static, str> {
            <$ty as OutputType>::type_name()
        }

        fn qualified_type_name() -> String {
            <$ty as OutputType>::qualified_type_name()
        }

        fn create_type_info(registry: &mut Registry) -> String {
            <$ty as OutputType>::create_type_info(registry)
        }
    };
}

/// `Indicator.result`: one `PeriodResult`, built whole when it can be.
pub struct ResultValue(pub PeriodResult);

/// `Indicator.series`: `[PeriodResult!]!`, every item built whole when it can be.
pub struct SeriesValue(pub Vec<PeriodResult>);

impl OutputType for ResultValue {
    same_schema_type_as!(PeriodResult);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match Selection::read(ctx) {
            Some(selection) => Ok(selection.object(&self.0)),
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

impl OutputType for SeriesValue {
    same_schema_type_as!(Vec<PeriodResult>);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        match Selection::read(ctx) {
            Some(selection) => Ok(Value::List(
                self.0.iter().map(|r| selection.object(r)).collect(),
            )),
            None => OutputType::resolve(&self.0, ctx, field).await,
        }
    }
}

/// `Priority.indicators`: `[Indicator!]!`, every indicator built whole when it can be, with
/// the results its `result` and `series` ask for taken from those the list read ahead
/// (`prefetch_results`).
///
/// The whole build applies when every field asked of an indicator is one of its plain
/// scalars, or `result` / `series` whose own selection is plain (as [`ResultValue`] reads
/// it), each asked once. Anything else — `owner`, `priority`, `targets`, a directive, an
/// argument that is not a valid period or range, a result not read ahead, a tolerance that
/// does not read — leaves the whole list to the `#[Object]` impl, which answers (or refuses)
/// exactly as before.
pub struct IndicatorList {
    pub rows: Vec<Arc<indicator::Model>>,
    pub results: ReadAhead,
    pub fy: FyStart,
}

impl OutputType for IndicatorList {
    same_schema_type_as!(Vec<IndicatorObj>);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if let Some(whole) = self.whole(ctx) {
            return Ok(whole);
        }
        let objects: Vec<IndicatorObj> = self.rows.iter().cloned().map(IndicatorObj).collect();
        OutputType::resolve(&objects, ctx, field).await
    }
}

/// A field asked of each indicator of a list built whole.
enum Asked<'a> {
    Plain(IndicatorPlain),
    Result(Period, Selection<'a>),
    Series(Vec<Period>, Selection<'a>),
}

impl IndicatorList {
    /// The list as `resolve_list` would answer it, when it can be built whole.
    fn whole(&self, ctx: &ContextSelectionSet<'_>) -> Option<Value> {
        let asked = self.asked(ctx)?;
        let template = template(asked.iter().map(|(key, _)| key));
        let mut list = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut map = template.clone();
            for (slot, (_, field)) in map.values_mut().zip(&asked) {
                *slot = match field {
                    Asked::Plain(plain) => plain.value(row)?,
                    Asked::Result(period, selection) => {
                        selection.object_of(row.id, self.result(row, *period)?)
                    }
                    Asked::Series(periods, selection) => Value::List(
                        periods
                            .iter()
                            .map(|p| self.result(row, *p).map(|e| selection.object_of(row.id, e)))
                            .collect::<Option<_>>()?,
                    ),
                };
            }
            list.push(Value::Object(map));
        }
        Some(Value::List(list))
    }

    /// The result read ahead for the row and period, borrowed: the evaluations are shared
    /// with other requests (kept results), so cloning their `Arc`s would have every request
    /// on every thread write the same reference counts.
    fn result(&self, row: &indicator::Model, period: Period) -> Option<&PeriodEvaluation> {
        self.results.get(&ResultKey(row.id, period)).map(|e| &**e)
    }

    /// What the selection asks of each indicator, in answer order.
    fn asked<'a>(&self, ctx: &ContextSelectionSet<'a>) -> Option<Vec<(Name, Asked<'a>)>> {
        let own = <IndicatorObj as OutputType>::type_name();
        let mut asked: Vec<(Name, Asked<'a>)> = Vec::new();
        walk(ctx, &ctx.item.node, &own, 0, &mut |field| {
            let key = &field.node.response_key().node;
            let name = field.node.name.node.as_str();
            let repeated = asked.iter().any(|(k, _)| k == key);
            let value = match name {
                "result" | "series" => {
                    if repeated {
                        return None;
                    }
                    let selection =
                        Selection::read(&ctx.with_selection_set(&field.node.selection_set))?;
                    let field_ctx = ctx.with_field(field);
                    let period = |name: &str| {
                        let (_, text) = field_ctx.param_value::<String>(name, None).ok()?;
                        Period::parse(&text).ok()
                    };
                    if name == "result" {
                        Asked::Result(period("period")?, selection)
                    } else {
                        let range = Period::range(period("from")?, period("to")?, self.fy).ok()?;
                        Asked::Series(range, selection)
                    }
                }
                _ => {
                    if !field.node.arguments.is_empty()
                        || !field.node.selection_set.node.items.is_empty()
                    {
                        return None;
                    }
                    let plain = IndicatorPlain::named(name)?;
                    if repeated {
                        return Some(());
                    }
                    Asked::Plain(plain)
                }
            };
            asked.push((key.clone(), value));
            Some(())
        })?;
        Some(asked)
    }
}

/// An `Indicator` field that is a plain value of its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IndicatorPlain {
    Typename,
    Id,
    Ref,
    Title,
    Definition,
    Level,
    Type,
    Unit,
    Decimals,
    Polarity,
    Frequency,
    Cumulative,
    MonitorOnly,
    TolerancePct,
    ToleranceAbsolute,
    DataSource,
    InformationAssetRef,
    BenchmarkMetric,
    Published,
    Lifecycle,
    FirstPeriod,
    ApprovedAt,
    Version,
}

impl IndicatorPlain {
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "__typename" => Self::Typename,
            "id" => Self::Id,
            "ref" => Self::Ref,
            "title" => Self::Title,
            "definition" => Self::Definition,
            "level" => Self::Level,
            "type" => Self::Type,
            "unit" => Self::Unit,
            "decimals" => Self::Decimals,
            "polarity" => Self::Polarity,
            "frequency" => Self::Frequency,
            "cumulative" => Self::Cumulative,
            "monitorOnly" => Self::MonitorOnly,
            "tolerancePct" => Self::TolerancePct,
            "toleranceAbsolute" => Self::ToleranceAbsolute,
            "dataSource" => Self::DataSource,
            "informationAssetRef" => Self::InformationAssetRef,
            "benchmarkMetric" => Self::BenchmarkMetric,
            "published" => Self::Published,
            "lifecycle" => Self::Lifecycle,
            "firstPeriod" => Self::FirstPeriod,
            "approvedAt" => Self::ApprovedAt,
            "version" => Self::Version,
            _ => return None,
        })
    }

    /// The value the `#[Object]` field gives; `None` when that field would fail (a stored
    /// tolerance that does not read).
    fn value(self, row: &indicator::Model) -> Option<Value> {
        Some(match self {
            Self::Typename => Value::String(<IndicatorObj as OutputType>::type_name().into()),
            Self::Id => Value::String(row.id.to_string()),
            Self::Ref => Value::String(row.reference.clone()),
            Self::Title => Value::String(row.title.clone()),
            Self::Definition => text(row.definition.as_deref()),
            Self::Level => LEVEL.value(face(&row.level)),
            Self::Type => TYPE.value(face(&row.indicator_type)),
            Self::Unit => UNIT.value(face(&row.unit)),
            Self::Decimals => (row.decimals as i32).to_value(),
            Self::Polarity => POLARITY.value(face(&row.polarity)),
            Self::Frequency => FREQUENCY.value(face(&row.frequency)),
            Self::Cumulative => Value::Boolean(row.cumulative),
            Self::MonitorOnly => Value::Boolean(row.monitor_only),
            Self::TolerancePct => {
                let tolerance = row.tolerance().ok()?;
                let pct = if tolerance.is_relative() {
                    tolerance.value()
                } else {
                    0.0
                };
                pct.to_value()
            }
            Self::ToleranceAbsolute => {
                let tolerance = row.tolerance().ok()?;
                optional(
                    (!tolerance.is_relative())
                        .then(|| tolerance.value())
                        .as_ref(),
                )
            }
            Self::DataSource => text(row.data_source.as_deref()),
            Self::InformationAssetRef => text(row.information_asset_ref.as_deref()),
            Self::BenchmarkMetric => text(row.benchmark_metric.as_deref()),
            Self::Published => Value::Boolean(row.published),
            Self::Lifecycle => LIFECYCLE.value(face(&row.lifecycle)),
            Self::FirstPeriod => text(row.first_period.map(|p| p.to_string()).as_deref()),
            Self::ApprovedAt => optional(row.approved_at.map(DateTime).as_ref()),
            Self::Version => row.version.to_value(),
        })
    }
}

/// A `PeriodResult` field that is a plain value of the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plain {
    Typename,
    Period,
    RatedPeriod,
    Actual,
    Target,
    TargetIsProRata,
    Status,
    PreviousStatus,
    Trend,
    Direction,
    ComparisonValue,
    Commentary,
    NoValueReason,
    DueDate,
    Extended,
    Complete,
    Missing,
    Version,
    EnteredAt,
    Url,
}

impl Plain {
    /// The field of this name, when it is a plain one.
    fn named(name: &str) -> Option<Self> {
        Some(match name {
            "__typename" => Self::Typename,
            "period" => Self::Period,
            "ratedPeriod" => Self::RatedPeriod,
            "actual" => Self::Actual,
            "target" => Self::Target,
            "targetIsProRata" => Self::TargetIsProRata,
            "status" => Self::Status,
            "previousStatus" => Self::PreviousStatus,
            "trend" => Self::Trend,
            "direction" => Self::Direction,
            "comparisonValue" => Self::ComparisonValue,
            "commentary" => Self::Commentary,
            "noValueReason" => Self::NoValueReason,
            "dueDate" => Self::DueDate,
            "extended" => Self::Extended,
            "complete" => Self::Complete,
            "missing" => Self::Missing,
            "version" => Self::Version,
            "enteredAt" => Self::EnteredAt,
            "url" => Self::Url,
            _ => return None,
        })
    }
}

/// What the selection asks of each result: its response keys in the order async-graphql
/// answers them (first appearance), each with its field; and the public URL when `url` is
/// asked for.
struct Selection<'a> {
    /// Every result's object before its values: the response keys in answer order, each
    /// `null`; `fields` gives each key's field, in the same order.
    template: IndexMap<Name, Value>,
    fields: Vec<Plain>,
    public_url: Option<&'a str>,
    /// The periods already spelt for this selection's results (a dashboard's handful, each
    /// asked for by hundreds of indicators).
    spelt: RefCell<Vec<(Period, String)>>,
}

/// The most periods a [`Selection`] keeps spelt.
const MAX_SPELT: usize = 32;

/// Fragments nested deeper than this are left to async-graphql (validation refuses cycles;
/// this only bounds the walk).
const MAX_FRAGMENT_DEPTH: usize = 16;

impl<'a> Selection<'a> {
    /// The selection under `ctx`, when every field in it is plain.
    fn read(ctx: &ContextSelectionSet<'a>) -> Option<Self> {
        let mut fields = Vec::new();
        collect(ctx, &ctx.item.node, &mut fields, 0)?;
        let public_url = if fields.iter().any(|(_, f)| *f == Plain::Url) {
            Some(ctx.data::<SharedContext>().ok()?.0.public_url.as_str())
        } else {
            None
        };
        Some(Self {
            template: template(fields.iter().map(|(key, _)| key)),
            fields: fields.into_iter().map(|(_, field)| field).collect(),
            public_url,
            spelt: RefCell::default(),
        })
    }

    /// One result's object, as `resolve_container` would build it.
    fn object(&self, result: &PeriodResult) -> Value {
        self.object_of(result.indicator.id, &result.evaluation)
    }

    /// The object of indicator `indicator_id`'s result `e`.
    fn object_of(&self, indicator_id: i64, e: &PeriodEvaluation) -> Value {
        if self.fields.is_empty() {
            return Value::Null;
        }
        let mut map = self.template.clone();
        for (slot, field) in map.values_mut().zip(&self.fields) {
            *slot = self.value(*field, indicator_id, e);
        }
        Value::Object(map)
    }

    /// `period.to_string()`, spelt once per selection.
    fn spell(&self, period: Period) -> String {
        let mut spelt = self.spelt.borrow_mut();
        if let Some((_, text)) = spelt.iter().find(|(p, _)| *p == period) {
            return text.clone();
        }
        let text = period.to_string();
        if spelt.len() < MAX_SPELT {
            spelt.push((period, text.clone()));
        }
        text
    }

    fn value(&self, field: Plain, indicator_id: i64, e: &PeriodEvaluation) -> Value {
        match field {
            Plain::Typename => Value::String(<PeriodResult as OutputType>::type_name().into()),
            Plain::Period => Value::String(self.spell(e.period)),
            Plain::RatedPeriod => Value::String(self.spell(e.rated_period)),
            Plain::Actual => optional(e.actual.as_ref()),
            Plain::Target => optional(e.target.as_ref()),
            Plain::TargetIsProRata => Value::Boolean(e.target_is_pro_rata),
            Plain::Status => STATUS.value(e.status.into()),
            Plain::PreviousStatus => e
                .previous_status
                .map_or(Value::Null, |s| STATUS.value(s.into())),
            Plain::Trend => TREND.value(e.trend.into()),
            Plain::Direction => e
                .direction
                .map_or(Value::Null, |d| DIRECTION.value(d.into())),
            Plain::ComparisonValue => optional(e.comparison_value.as_ref()),
            Plain::Commentary => text(e.commentary.as_deref()),
            Plain::NoValueReason => text(e.no_value_reason.as_deref()),
            Plain::DueDate => Date(e.due_date).to_value(),
            Plain::Extended => Value::Boolean(e.extended),
            Plain::Complete => Value::Boolean(e.completeness == Completeness::Complete),
            Plain::Missing => text(missing(e.completeness)),
            Plain::Version => e.version.to_value(),
            Plain::EnteredAt => optional(e.entered_at.map(DateTime).as_ref()),
            Plain::Url => match self.public_url {
                Some(base) => Value::String(links::indicator_url(base, indicator_id)),
                None => Value::Null,
            },
        }
    }
}

/// Reads `set` into `fields`; `None` when something in it is not plain.
fn collect(
    ctx: &ContextSelectionSet<'_>,
    set: &SelectionSet,
    fields: &mut Vec<(Name, Plain)>,
    depth: usize,
) -> Option<()> {
    let own = <PeriodResult as OutputType>::type_name();
    walk(ctx, set, &own, depth, &mut |field| {
        let field = &field.node;
        if !field.arguments.is_empty() || !field.selection_set.node.items.is_empty() {
            return None;
        }
        let plain = Plain::named(field.name.node.as_str())?;
        let key = &field.response_key().node;
        // A key asked for twice keeps its first place (and value), as async-graphql's
        // `insert_value` does.
        if !fields.iter().any(|(k, _)| k == key) {
            fields.push((key.clone(), plain));
        }
        Some(())
    })
}

/// Calls `visit` with every field of `set` on type `own`, in order, through fragments;
/// `None` when a field or fragment carries a directive, a fragment is on another type, or
/// `visit` says so.
fn walk<'a>(
    ctx: &ContextSelectionSet<'a>,
    set: &'a SelectionSet,
    own: &str,
    depth: usize,
    visit: &mut dyn FnMut(&'a Positioned<Field>) -> Option<()>,
) -> Option<()> {
    if depth > MAX_FRAGMENT_DEPTH {
        return None;
    }
    for item in &set.items {
        match &item.node {
            Item::Field(field) => {
                if !field.node.directives.is_empty() {
                    return None;
                }
                visit(field)?;
            }
            Item::FragmentSpread(spread) => {
                if !spread.node.directives.is_empty() {
                    return None;
                }
                let fragment = ctx
                    .query_env
                    .fragments
                    .get(&spread.node.fragment_name.node)?;
                if fragment.node.type_condition.node.on.node.as_str() != own
                    || !fragment.node.directives.is_empty()
                {
                    return None;
                }
                walk(
                    ctx,
                    &fragment.node.selection_set.node,
                    own,
                    depth + 1,
                    visit,
                )?;
            }
            Item::InlineFragment(inline) => {
                if !inline.node.directives.is_empty()
                    || inline
                        .node
                        .type_condition
                        .as_ref()
                        .is_some_and(|c| c.node.on.node.as_str() != own)
                {
                    return None;
                }
                walk(ctx, &inline.node.selection_set.node, own, depth + 1, visit)?;
            }
        }
    }
    Some(())
}

/// An object with these keys, in this order, each `null`: cloned for every object of a list
/// and filled in place, so no key is hashed again (a dashboard builds tens of thousands).
fn template<'k>(keys: impl Iterator<Item = &'k Name>) -> IndexMap<Name, Value> {
    keys.map(|key| (key.clone(), Value::Null)).collect()
}

fn optional<T: ScalarType>(value: Option<&T>) -> Value {
    value.map_or(Value::Null, ScalarType::to_value)
}

fn text(value: Option<&str>) -> Value {
    value.map_or(Value::Null, |s| Value::String(s.to_owned()))
}

/// An enum's values, each name made once (async-graphql's `enum_value` makes a new one for
/// every value it answers).
struct EnumNames<T: EnumType>(Vec<(T, Name)>);

impl<T: EnumType> EnumNames<T> {
    fn new() -> Self {
        Self(
            T::items()
                .iter()
                .map(|item| (item.value, Name::new(item.name)))
                .collect(),
        )
    }

    fn value(&self, value: T) -> Value {
        self.0.iter().find(|(v, _)| *v == value).map_or_else(
            || async_graphql::resolver_utils::enum_value(value),
            |(_, name)| Value::Enum(name.clone()),
        )
    }
}

static STATUS: LazyLock<EnumNames<IndicatorStatus>> = LazyLock::new(EnumNames::new);
static TREND: LazyLock<EnumNames<Trend>> = LazyLock::new(EnumNames::new);
static DIRECTION: LazyLock<EnumNames<Direction>> = LazyLock::new(EnumNames::new);
static LEVEL: LazyLock<EnumNames<IndicatorLevel>> = LazyLock::new(EnumNames::new);
static TYPE: LazyLock<EnumNames<IndicatorType>> = LazyLock::new(EnumNames::new);
static UNIT: LazyLock<EnumNames<Unit>> = LazyLock::new(EnumNames::new);
static POLARITY: LazyLock<EnumNames<Polarity>> = LazyLock::new(EnumNames::new);
static FREQUENCY: LazyLock<EnumNames<Frequency>> = LazyLock::new(EnumNames::new);
static LIFECYCLE: LazyLock<EnumNames<Lifecycle>> = LazyLock::new(EnumNames::new);
