//! Connections: pages of rows in id order, with opaque cursors.
use async_graphql::SimpleObject;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::error::{GqlResult, gql};

/// Most items a connection returns at once.
pub const MAX_PAGE: usize = 100;

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

fn encode_cursor(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{id}"))
}

fn decode_cursor(kind: &str, cursor: &str) -> GqlResult<i64> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.strip_prefix(&format!("{kind}:"))
                .and_then(|n| n.parse().ok())
        })
        .ok_or_else(|| gql::bad_input(format!("{cursor:?} is not a cursor from this list")))
}

/// The page size asked for (the most when not).
pub fn page_size(first: Option<i32>) -> GqlResult<usize> {
    match first {
        None => Ok(MAX_PAGE),
        Some(n) if (1..=MAX_PAGE as i32).contains(&n) => Ok(n as usize),
        Some(n) => Err(gql::bad_input(format!(
            "first must be between 1 and {MAX_PAGE}, not {n}"
        ))),
    }
}

/// One page of rows (sorted by id) after a cursor.
pub struct Page<T> {
    pub edges: Vec<(T, String)>,
    pub page_info: PageInfo,
    pub total_count: u32,
}

impl<T> Page<T> {
    /// Slices `rows` after the cursor `after` (made for `kind`).
    pub fn of(
        rows: Vec<T>,
        id_of: impl Fn(&T) -> i64,
        kind: &str,
        first: Option<i32>,
        after: Option<&str>,
    ) -> GqlResult<Self> {
        let size = page_size(first)?;
        let total_count = rows.len() as u32;
        let after = after.map(|c| decode_cursor(kind, c)).transpose()?;
        let mut edges: Vec<(T, String)> = rows
            .into_iter()
            .filter(|r| after.is_none_or(|a| id_of(r) > a))
            .take(size + 1)
            .map(|r| {
                let cursor = encode_cursor(kind, id_of(&r));
                (r, cursor)
            })
            .collect();
        let has_next_page = edges.len() > size;
        edges.truncate(size);
        let end_cursor = edges.last().map(|(_, c)| c.clone());
        Ok(Self {
            edges,
            page_info: PageInfo {
                has_next_page,
                end_cursor,
            },
            total_count,
        })
    }

    /// An empty page.
    pub fn empty() -> Self {
        Self {
            edges: Vec::new(),
            page_info: PageInfo {
                has_next_page: false,
                end_cursor: None,
            },
            total_count: 0,
        }
    }
}

/// The period a status filter is evaluated for (required with the status).
pub fn status_period(
    status_given: bool,
    period: Option<&str>,
) -> GqlResult<Option<pmf_core::Period>> {
    match (status_given, period) {
        (true, None) => Err(gql::bad_input(
            "a status filter needs statusPeriod, the period to evaluate it for",
        )),
        (_, Some(p)) => super::input::period(p).map(Some),
        (false, None) => Ok(None),
    }
}
