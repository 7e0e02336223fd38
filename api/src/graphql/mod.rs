//! The GraphQL schema: the contract of `api/contract.graphql` and what users need beyond it,
//! one module per aggregate, each contributing its part of the merged `Query` and `Mutation`.
//!
//! Resolvers parse their input (`input`), authorise (`authorise`), call the store, and map
//! its one error enum; none of them builds a query.
pub mod actions;
pub mod audit;
pub mod authorise;
pub mod benchmarking;
pub mod context;
pub mod cost;
pub mod deadlines;
pub mod enums;
pub mod indicators;
pub mod input;
pub mod loaders;
pub mod packs;
pub mod pagination;
pub mod people;
pub mod plans;
pub mod result_values;
pub mod results;
pub mod scalars;
pub mod settings;
pub mod sign_in;
pub mod summary;
pub mod updates;
pub mod workbook;

use async_graphql::{EmptySubscription, MergedObject, Schema};

pub use context::{RequestContext, Scope};

/// Every query: the contract's, and the register's.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(
    people::PeopleQueries,
    settings::SettingsQueries,
    plans::PlanQueries,
    indicators::IndicatorQueries,
    actions::ActionQueries,
    summary::SummaryQueries,
    packs::PackQueries,
    deadlines::DeadlineQueries,
    audit::AuditQueries,
    sign_in::SignInQueries,
    updates::UpdateQueries,
    benchmarking::BenchmarkingQueries,
);

/// Every mutation: the contract's, and the register's.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    people::PeopleMutations,
    plans::PlanMutations,
    actions::ActionMutations,
    indicators::IndicatorMutations,
    results::ResultMutations,
    deadlines::DeadlineMutations,
    settings::SettingsMutations,
    sign_in::SignInMutations,
    workbook::WorkbookMutations,
    packs::PackMutations,
    updates::UpdateMutations,
    benchmarking::BenchmarkingMutations,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest document accepted (the dashboard query is 7 deep).
pub const MAX_DEPTH: usize = 12;

/// Deepest introspection-only document accepted: the standard introspection query that
/// GraphiQL and other tools send is 13 deep (`args { type { ofType … } }`), and reads
/// nothing but the schema.
pub const MAX_INTROSPECTION_DEPTH: usize = 16;

pub fn build_schema() -> AppSchema {
    schema_builder().finish()
}

/// The schema for documents that select only `__schema`, `__type` and `__typename`.
pub fn build_introspection_schema() -> AppSchema {
    schema_with_depth(MAX_INTROSPECTION_DEPTH).finish()
}

/// The schema before `finish`, with its limits and extensions (tests add their own).
pub fn schema_builder() -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription>
{
    schema_with_depth(MAX_DEPTH)
}

fn schema_with_depth(
    depth: usize,
) -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, EmptySubscription> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(depth)
    // The node limit (`cost`): what a document can produce, refused before it runs.
    .extension(cost::CostLimit)
    .limit_recursive_depth(32)
}

/// The SDL `api print-schema` prints.
pub fn sdl() -> String {
    build_schema().sdl()
}
