//! The node limit: before a document runs, its cost is the number of results it can produce —
//! each list's size multiplied down the tree and summed over aliases and fragments — and a
//! document over the limit is refused (`BAD_USER_INPUT`, with its cost and the limit) before
//! any data is read, as GitHub's GraphQL API does.
//!
//! A list's size is what the query asks for (`first`, the periods of `series(from, to)`, the
//! days of `deadlines(from, to)`) or, for lists without arguments (`plans → priorities →
//! indicators`, `users`, an action's `updates`), the council's real largest one
//! (`pmf_store::sizes`), read with a few counts and kept per data version. Fields are counted
//! by async-graphql's complexity visitor; the sizes reach its `complexity` expressions through
//! a task-local value that [`CostLimit`] sets around validation.
use std::sync::Arc;

use async_graphql::{
    ServerError, ValidationResult,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextValidation},
};
use pmf_core::{FyStart, Period};
use pmf_store::sizes::ListSizes;

use super::context::SharedContext;

tokio::task_local! {
    static SIZES: ListSizes;
}

/// The limits: staff (a token or a session, and the report) and the public portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CostLimits {
    pub staff: usize,
    pub public: usize,
}

/// On the bench's 500-indicator council the README's dashboard query costs 26,732 and the
/// quarterly report's query 51,563 (`cost::tests`): the staff limit leaves ten times the
/// report's room, the public one seven times the dashboard's.
pub const DEFAULT_STAFF_LIMIT: usize = 500_000;
pub const DEFAULT_PUBLIC_LIMIT: usize = 200_000;

impl Default for CostLimits {
    fn default() -> Self {
        Self {
            staff: DEFAULT_STAFF_LIMIT,
            public: DEFAULT_PUBLIC_LIMIT,
        }
    }
}

/// The sizes of the council whose request is being validated (all zero outside one).
pub fn sizes() -> ListSizes {
    SIZES.try_with(|s| *s).unwrap_or_default()
}

/// A list of `size` items, each costing `child` below it (and one for itself).
pub fn list(size: usize, child: usize) -> usize {
    size.max(1).saturating_mul(child.saturating_add(1))
}

/// A page of `first` (the page size when not given).
pub fn page(first: Option<i32>, child: usize) -> usize {
    let size = first
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(super::pagination::MAX_PAGE);
    list(size, child)
}

/// How many months from the start of `from` to the end of `to` (the most periods a series
/// between them can have: a monthly indicator's); 1 when either is not a period (the field
/// then refuses it).
pub fn months_between(from: &str, to: &str) -> usize {
    let (Ok(from), Ok(to)) = (Period::parse(from), Period::parse(to)) else {
        return 1;
    };
    let fy = FyStart::default();
    days_to_months(from.start_date(fy), to.end_date(fy))
}

/// The calendar months from `from`'s to `to`'s, both counted, at least 1.
pub fn days_to_months(from: chrono::NaiveDate, to: chrono::NaiveDate) -> usize {
    use chrono::Datelike;
    let month = |d: chrono::NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
    usize::try_from(month(to) - month(from) + 1)
        .unwrap_or(0)
        .max(1)
}

/// The extension that computes and checks the cost.
pub struct CostLimit;

impl ExtensionFactory for CostLimit {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(CostLimitExtension)
    }
}

struct CostLimitExtension;

#[async_trait::async_trait]
impl Extension for CostLimitExtension {
    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let Some(shared) = ctx.data_opt::<SharedContext>() else {
            return next.run(ctx).await;
        };
        let request = &shared.0;
        let (sizes, limit) = match request.scope.as_deref() {
            Some(scope) => {
                let sizes = request
                    .list_sizes
                    .get(&request.db.conn, scope.org.id, scope.data_version)
                    .await
                    .map_err(|e| {
                        // Our side, not the client's: INTERNAL (a code set here is kept).
                        tracing::error!(error = %e, "reading the council's list sizes");
                        let mut error = ServerError::new("internal error", None);
                        error
                            .extensions
                            .get_or_insert_with(Default::default)
                            .set("code", "INTERNAL");
                        vec![error]
                    })?;
                let limit = if scope.is_public() {
                    request.cost_limits.public
                } else {
                    request.cost_limits.staff
                };
                (sizes, limit)
            }
            None => (ListSizes::default(), request.cost_limits.public),
        };
        let result = SIZES.scope(sizes, next.run(ctx)).await?;
        if result.complexity > limit {
            return Err(vec![ServerError::new(
                format!(
                    "this query could produce {} results, over the limit of {limit}: ask for \
                     fewer (a smaller `first`, a shorter `series` span, fewer aliases)",
                    result.complexity
                ),
                None,
            )]);
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use async_graphql::{Request, Variables};
    use serde_json::json;

    use super::*;

    /// Records a document's cost and stops it there (nothing runs: there is no request
    /// context in these tests).
    struct Recorder(Arc<Mutex<Option<usize>>>);

    impl ExtensionFactory for Recorder {
        fn create(&self) -> Arc<dyn Extension> {
            Arc::new(Recorder(self.0.clone()))
        }
    }

    #[async_trait::async_trait]
    impl Extension for Recorder {
        async fn validation(
            &self,
            ctx: &ExtensionContext<'_>,
            next: NextValidation<'_>,
        ) -> Result<ValidationResult, Vec<ServerError>> {
            let result = next.run(ctx).await?;
            *self.0.lock().unwrap() = Some(result.complexity);
            Err(vec![ServerError::new("recorded", None)])
        }
    }

    /// The cost of a document with these variables on a council of these sizes.
    async fn cost(query: &str, variables: serde_json::Value, sizes: ListSizes) -> usize {
        let seen = Arc::new(Mutex::new(None));
        let schema = crate::graphql::schema_builder()
            .extension(Recorder(seen.clone()))
            .finish();
        let request = Request::new(query).variables(Variables::from_json(variables));
        let response = SIZES.scope(sizes, schema.execute(request)).await;
        assert_eq!(
            response.errors[0].message, "recorded",
            "{:?}",
            response.errors
        );
        seen.lock().unwrap().expect("a cost")
    }

    /// The bench's 500-indicator council: one plan, six priorities of about 84 indicators
    /// and 20 actions, three years of quarterly updates.
    const COUNCIL_500: ListSizes = ListSizes {
        plans: 1,
        priorities_per_plan: 6,
        objectives_per_priority: 4,
        actions_per_priority: 20,
        indicators_per_priority: 84,
        updates_per_action: 12,
        indicators: 500,
        actions: 120,
        users: 60,
        api_tokens: 60,
        comparator_groups: 0,
        areas_per_group: 0,
    };

    const README_DASHBOARD: &str = r#"query Dashboard { plans { title priorities { code title
        indicators { ref title unit polarity
          result(period: "2025-10") { actual target status previousStatus trend commentary dueDate }
          series(from: "2025-03", to: "2025-10") { period actual target status } } } } }"#;

    #[tokio::test]
    async fn the_readme_dashboard_and_the_report_pass_on_a_500_indicator_council_with_room() {
        let dashboard = cost(README_DASHBOARD, json!({}), COUNCIL_500).await;
        assert_eq!(dashboard, 1 + 1 + 6 * (1 + 2 + 84 * (1 + 4 + 8 + 8 * 5)));
        assert!(dashboard * 5 < DEFAULT_PUBLIC_LIMIT, "{dashboard}");
        let report = cost(
            crate::report::model::REPORT_QUERY,
            json!({ "plan": "1", "period": "2025-26 Q2", "previousYear": "2024-25",
                    "previousPeriod": "2025-26 Q1", "from": "2025-04", "to": "2025-09",
                    "trendFrom": "2023-24 Q3" }),
            COUNCIL_500,
        )
        .await;
        assert!(report * 2 < DEFAULT_STAFF_LIMIT, "{report}");
        eprintln!("on a 500-indicator council: README dashboard {dashboard}, report {report}");
        // Ten years of a 500-indicator council in one document is refused.
        let decade = cost(
            r#"{ indicators(first: 100) { edges { node { series(from: "2015-04", to: "2025-03") { actual } } } } }"#,
            json!({}),
            COUNCIL_500,
        )
        .await;
        assert_eq!(decade, 100 * (1 + 1 + 1 + 120 * 2));
        let five_pages = format!("{{ {} }}", (0..25).map(|i| format!(
            r#"a{i}: indicators(first: 100) {{ edges {{ node {{ series(from: "2015-04", to: "2025-03") {{ actual }} }} }} }}"#
        )).collect::<Vec<_>>().join(" "));
        assert!(cost(&five_pages, json!({}), COUNCIL_500).await > DEFAULT_STAFF_LIMIT);
    }
}
