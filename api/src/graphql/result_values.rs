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
use std::{borrow::Cow, sync::LazyLock};

use async_graphql::{
    ContextSelectionSet, Name, OutputType, Positioned, ScalarType, ServerResult, Value,
    indexmap::IndexMap,
    parser::types::{Field, Selection as Item, SelectionSet},
    registry::Registry,
    resolver_utils::EnumType,
};
use pmf_core::Completeness;
use pmf_store::results::PeriodEvaluation;

use super::{
    context::SharedContext,
    enums::{Direction, IndicatorStatus, Trend},
    results::{PeriodResult, missing},
    scalars::{Date, DateTime},
};
use crate::links;

/// `Indicator.result`: one `PeriodResult`, built whole when it can be.
pub struct ResultValue(pub PeriodResult);

/// `Indicator.series`: `[PeriodResult!]!`, every item built whole when it can be.
pub struct SeriesValue(pub Vec<PeriodResult>);

impl OutputType for ResultValue {
    fn type_name() -> Cow<'static, str> {
        <PeriodResult as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <PeriodResult as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <PeriodResult as OutputType>::create_type_info(registry)
    }

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
    fn type_name() -> Cow<'static, str> {
        <Vec<PeriodResult> as OutputType>::type_name()
    }

    fn qualified_type_name() -> String {
        <Vec<PeriodResult> as OutputType>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        <Vec<PeriodResult> as OutputType>::create_type_info(registry)
    }

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
    fields: Vec<(Name, Plain)>,
    public_url: Option<&'a str>,
}

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
        Some(Self { fields, public_url })
    }

    /// One result's object, as `resolve_container` would build it.
    fn object(&self, result: &PeriodResult) -> Value {
        if self.fields.is_empty() {
            return Value::Null;
        }
        let e = &*result.evaluation;
        let mut map = IndexMap::with_capacity(self.fields.len());
        for (key, field) in &self.fields {
            map.insert(key.clone(), self.value(*field, result, e));
        }
        Value::Object(map)
    }

    fn value(&self, field: Plain, result: &PeriodResult, e: &PeriodEvaluation) -> Value {
        match field {
            Plain::Typename => Value::String(<PeriodResult as OutputType>::type_name().into()),
            Plain::Period => Value::String(e.period.to_string()),
            Plain::RatedPeriod => Value::String(e.rated_period.to_string()),
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
                Some(base) => Value::String(links::indicator_url(base, result.indicator.id)),
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
    if depth > MAX_FRAGMENT_DEPTH {
        return None;
    }
    let own = <PeriodResult as OutputType>::type_name();
    for item in &set.items {
        match &item.node {
            Item::Field(field) => {
                let field = &field.node;
                if !field.directives.is_empty()
                    || !field.arguments.is_empty()
                    || !field.selection_set.node.items.is_empty()
                {
                    return None;
                }
                let plain = Plain::named(field.name.node.as_str())?;
                let key = &field.response_key().node;
                // A key asked for twice keeps its first place (and value), as async-graphql's
                // `insert_value` does.
                if !fields.iter().any(|(k, _)| k == key) {
                    fields.push((key.clone(), plain));
                }
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
                collect(ctx, &fragment.node.selection_set.node, fields, depth + 1)?;
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
                collect(ctx, &inline.node.selection_set.node, fields, depth + 1)?;
            }
        }
    }
    Some(())
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
