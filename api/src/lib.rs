//! The `api` binary's library: configuration, the HTTP router and GraphQL schema, and the
//! operator commands. The end-to-end tests start the same router.
pub mod auth;
pub mod benchmarks;
pub mod config;
pub mod dashboard;
pub mod error;
pub mod execute;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod links;
pub mod report;
pub mod response_cache;
pub mod sign_in;
pub mod workbook;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use pmf_core::Clock;
use pmf_store::Database;
use tokio::net::TcpListener;

pub use config::Config;
pub use execute::AppState;
pub use http::router;

/// Connects, migrates and, when the database is empty and demo data is on, loads the demo
/// council.
pub async fn prepare_database(config: &Config, clock: &dyn Clock) -> anyhow::Result<Database> {
    let db = Database::connect(&config.database_url).await?;
    db.migrate().await?;
    if config.demo_data && pmf_store::demo::is_empty(&db).await? {
        let loaded = pmf_store::demo::load(&db, clock.now()).await?;
        tracing::info!(
            organisation = %loaded.slug,
            indicators = loaded.indicators,
            measurements = loaded.measurements,
            "loaded the demo council into the empty database"
        );
    }
    Ok(db)
}

/// A server bound to its port, not yet serving.
pub struct Server {
    pub listener: TcpListener,
    pub state: AppState,
    pub request_timeout: Duration,
}

impl Server {
    pub async fn bind(
        addr: SocketAddr,
        db: Database,
        clock: Arc<dyn Clock>,
        public_url: String,
        request_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {addr} (PMF_LISTEN): {e}"))?;
        Ok(Self {
            listener,
            state: AppState::new(db, clock, public_url),
            request_timeout,
        })
    }

    /// Signing in with these settings (where sign-in mail goes, session lifetimes, limits).
    pub fn with_sign_in(mut self, settings: sign_in::SignInSettings) -> anyhow::Result<Self> {
        self.state = self.state.with_sign_in(settings)?;
        Ok(self)
    }

    /// Node limits other than the defaults.
    pub fn with_cost_limits(mut self, limits: graphql::cost::CostLimits) -> Self {
        self.state = self.state.with_cost_limits(limits);
        self
    }

    /// A response cache of `bytes` (none at 0) instead of the default.
    pub fn with_response_cache(mut self, bytes: usize) -> Self {
        self.state = self.state.with_response_cache(bytes);
        self
    }

    /// Rated results kept up to `bytes` (none at 0) instead of the default.
    pub fn with_results_cache(mut self, bytes: usize) -> Self {
        self.state = self.state.with_results_cache(bytes);
        self
    }

    /// The largest workbook upload, in bytes, instead of the default.
    pub fn with_upload_limit(mut self, bytes: usize) -> Self {
        self.state.upload_max_bytes = bytes;
        self
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let housekeeping = self.state.sign_in.rate.spawn_housekeeping();
        let app = router(self.state, self.request_timeout);
        // The client's address (the sign-in rate limit is kept per address).
        let result = axum::serve(
            self.listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        housekeeping.abort();
        result?;
        Ok(())
    }
}

pub use pmf_process::shutdown_signal;
