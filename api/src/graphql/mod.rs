//! The GraphQL schema: the contract of `shared/schema.graphql` and what users need beyond it.
pub mod context;
pub mod enums;
pub mod loaders;
pub mod mutation;
pub mod query;
pub mod scalars;
pub mod summary;
pub mod types;

use async_graphql::{EmptySubscription, Schema};

pub use context::{RequestContext, Scope};
pub use mutation::MutationRoot;
pub use query::QueryRoot;

pub type AppSchema = Schema<QueryRoot, MutationRoot, EmptySubscription>;

/// Deepest document accepted (the dashboard query is 7 deep).
pub const MAX_DEPTH: usize = 12;
/// Most fields a document may select, counting list fields as many.
pub const MAX_COMPLEXITY: usize = 5_000;

pub fn build_schema() -> AppSchema {
    Schema::build(QueryRoot, MutationRoot, EmptySubscription)
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .limit_recursive_depth(32)
        .finish()
}

/// The SDL `api print-schema` prints.
pub fn sdl() -> String {
    build_schema().sdl()
}
