//! The load generator: a small tokio client of our own. `concurrency` clients, each with one
//! HTTP/1.1 keep-alive connection, send the same POST back to back (a closed loop: a client
//! sends its next request when the previous answer is read in full) until `requests` have
//! been sent or `max_duration` has passed. It runs on one thread so that it takes as little
//! of the two cores from the server as it can.
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context;

/// What to send.
#[derive(Clone)]
pub struct Target {
    pub url: String,
    pub body: Arc<Vec<u8>>,
    pub headers: Vec<(String, String)>,
}

/// Latency figures of a run.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadResult {
    pub concurrency: usize,
    pub completed: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub rps: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean: Duration,
}

/// The `q`-quantile (0 < q ≤ 1) of sorted samples by the nearest-rank method.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Summarises latencies of a run that took `elapsed`.
pub fn summarise(
    mut samples: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
    concurrency: usize,
) -> LoadResult {
    samples.sort_unstable();
    let completed = samples.len();
    let total: Duration = samples.iter().sum();
    LoadResult {
        concurrency,
        completed,
        errors,
        elapsed,
        rps: completed as f64 / elapsed.as_secs_f64().max(1e-9),
        p50: percentile(&samples, 0.50),
        p99: percentile(&samples, 0.99),
        max: samples.last().copied().unwrap_or_default(),
        mean: if completed == 0 {
            Duration::ZERO
        } else {
            total / completed as u32
        },
    }
}

/// Whether a GraphQL response carries errors: async-graphql writes `errors` after `data`,
/// PostGraphile before it, so the two ends are enough (the whole body was checked once
/// before the run).
pub fn has_graphql_errors(body: &[u8]) -> bool {
    let head = &body[..body.len().min(64)];
    let tail = &body[body.len().saturating_sub(4096)..];
    let needle = b"\"errors\"";
    head.windows(needle.len()).any(|w| w == needle)
        || tail.windows(needle.len()).any(|w| w == needle)
}

pub fn client(concurrency: usize) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .http1_only()
        .tcp_nodelay(true)
        .pool_max_idle_per_host(concurrency.max(1) * 2)
        .timeout(Duration::from_secs(60))
        .build()?)
}

/// Sends one request; returns the body when the answer is 200 without GraphQL errors.
pub async fn send(client: &reqwest::Client, target: &Target) -> anyhow::Result<bytes::Bytes> {
    let mut request = client
        .post(&target.url)
        .header("content-type", "application/json")
        .body(target.body.as_ref().clone());
    for (k, v) in &target.headers {
        request = request.header(k, v);
    }
    let response = request.send().await.context("sending")?;
    let status = response.status();
    let body = response.bytes().await.context("reading the body")?;
    anyhow::ensure!(
        status.is_success(),
        "HTTP {status}: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    anyhow::ensure!(
        !has_graphql_errors(&body),
        "GraphQL errors: {}",
        String::from_utf8_lossy(&body[..body.len().min(300)])
    );
    Ok(body)
}

/// Runs the closed loop: `warmup` unrecorded requests first (spread over the clients), then
/// up to `requests` recorded ones within `max_duration`.
pub async fn run(
    client: &reqwest::Client,
    target: &Target,
    concurrency: usize,
    warmup: usize,
    requests: usize,
    max_duration: Duration,
) -> LoadResult {
    if warmup > 0 {
        closed_loop(client, target, concurrency, warmup, max_duration).await;
    }
    closed_loop(client, target, concurrency, requests, max_duration).await
}

async fn closed_loop(
    client: &reqwest::Client,
    target: &Target,
    concurrency: usize,
    requests: usize,
    max_duration: Duration,
) -> LoadResult {
    let issued = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + max_duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, target, issued) = (client.clone(), target.clone(), issued.clone());
        tasks.spawn(async move {
            let mut samples = Vec::with_capacity(requests / concurrency.max(1) + 1);
            let mut errors = 0usize;
            let mut last_error = None;
            while issued.fetch_add(1, Ordering::Relaxed) < requests && Instant::now() < deadline {
                let t = Instant::now();
                match send(&client, &target).await {
                    Ok(_) => samples.push(t.elapsed()),
                    Err(e) => {
                        errors += 1;
                        last_error = Some(e.to_string());
                    }
                }
            }
            (samples, errors, last_error)
        });
    }
    let mut all = Vec::with_capacity(requests);
    let mut errors = 0;
    while let Some(joined) = tasks.join_next().await {
        if let Ok((samples, e, last_error)) = joined {
            all.extend(samples);
            errors += e;
            if let Some(err) = last_error {
                eprintln!("  a client saw an error: {err}");
            }
        }
    }
    summarise(all, errors, started.elapsed(), concurrency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(ms).collect();
        assert_eq!(percentile(&samples, 0.5), ms(50));
        assert_eq!(percentile(&samples, 0.99), ms(99));
        assert_eq!(percentile(&samples, 1.0), ms(100));
        assert_eq!(percentile(&[ms(7)], 0.99), ms(7));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn a_summary_counts_requests_per_second() {
        let r = summarise(vec![ms(30), ms(10), ms(20)], 1, Duration::from_secs(2), 8);
        assert_eq!(
            (r.completed, r.errors, r.p50, r.max, r.mean),
            (3, 1, ms(20), ms(30), ms(20))
        );
        assert!((r.rps - 1.5).abs() < 1e-9);
    }

    #[test]
    fn graphql_errors_are_seen_at_either_end() {
        assert!(has_graphql_errors(
            br#"{"errors":[{"message":"x"}],"data":null}"#
        ));
        let mut ours = br#"{"data":{"plans":[]}"#.to_vec();
        ours.extend(std::iter::repeat_n(b' ', 10_000));
        assert!(!has_graphql_errors(&ours));
        ours.extend(br#","errors":[]}"#);
        assert!(has_graphql_errors(&ours));
    }
}
