//! The GraphQL schema: the contract of `api/contract.graphql` and what users need beyond it,
//! one module per aggregate, each contributing its part of the merged `Query` and `Mutation`.
//!
//! Resolvers parse their input (`input`), authorise (`authorise`), call the store, and map
//! its one error enum; none of them builds a query.
pub mod actions;
pub mod audit;
pub mod authorise;
pub mod context;
pub mod deadlines;
pub mod enums;
pub mod indicators;
pub mod input;
pub mod loaders;
pub mod pagination;
pub mod people;
pub mod plans;
pub mod results;
pub mod scalars;
pub mod settings;
pub mod summary;
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
    deadlines::DeadlineQueries,
    audit::AuditQueries,
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
    workbook::WorkbookMutations,
);

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest document accepted (the dashboard query is 7 deep).
pub const MAX_DEPTH: usize = 12;
/// Most fields a document may select, counting list fields as many.
pub const MAX_COMPLEXITY: usize = 5_000;

pub fn build_schema() -> AppSchema {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        EmptySubscription,
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .limit_recursive_depth(32)
    .finish()
}

/// The SDL `api print-schema` prints.
pub fn sdl() -> String {
    build_schema().sdl()
}
