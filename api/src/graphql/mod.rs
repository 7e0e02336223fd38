//! The GraphQL schema: the contract of `shared/schema.graphql` and what users need beyond it.
pub mod context;
pub mod enums;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod register;
pub mod scalars;
pub mod summary;
pub mod types;

use async_graphql::{EmptySubscription, MergedObject, Schema};

pub use context::{RequestContext, Scope};

/// Every query: the contract's, and the register's.
#[derive(MergedObject, Default)]
#[graphql(name = "Query")]
pub struct QueryRoot(query::ContractQueries, register::RegisterQueries);

/// Every mutation: the contract's, and the register's.
#[derive(MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(mutation::ContractMutations, register::RegisterMutations);

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
