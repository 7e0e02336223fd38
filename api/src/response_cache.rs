//! Answers to GraphQL queries, kept in memory until the council's data changes.
//!
//! Dashboards ask the same questions over and over (every visitor of the public portal,
//! every Power BI refresh), and a whole-plan dashboard is thousands of evaluated results. An
//! answer is kept under everything it depends on: the council and its data version
//! (`organisations.data_version`, moved on in the database by every mutation, token issue
//! and token use, so several API processes agree on what changed), who asks (a user, or the
//! public portal), and the request itself (document, operation name, variables). Queries
//! never read the clock (ARCHITECTURE.md), so nothing else can change an answer.
//!
//! Only answers without errors are kept. The cache holds at most its budget of bytes and
//! forgets the oldest answers first; answers under an old data version are never asked for
//! again and age out the same way.
use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
};

use axum::body::Bytes;

use crate::auth::Scope;

/// What an answer depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    organisation_id: i64,
    data_version: i64,
    /// The signed-in user, or `None` for the public portal.
    user_id: Option<i64>,
    query: String,
    operation_name: Option<String>,
    variables: String,
}

impl CacheKey {
    /// The key of `request` asked by `scope`, or `None` when the request cannot be cached
    /// (its variables cannot be written out).
    pub fn new(scope: &Scope, request: &async_graphql::Request) -> Option<Self> {
        Some(Self {
            organisation_id: scope.org.id,
            data_version: scope.data_version,
            user_id: scope.user.as_ref().map(|u| u.id),
            query: request.query.clone(),
            operation_name: request.operation_name.clone(),
            variables: serde_json::to_string(&request.variables).ok()?,
        })
    }

    fn bytes(&self) -> usize {
        self.query.len()
            + self.variables.len()
            + self.operation_name.as_ref().map_or(0, String::len)
            + std::mem::size_of::<Self>()
    }
}

#[derive(Default)]
struct Entries {
    answers: HashMap<Arc<CacheKey>, Bytes>,
    /// Oldest first.
    order: VecDeque<Arc<CacheKey>>,
    bytes: usize,
}

/// A bounded, shared store of answers.
pub struct ResponseCache {
    budget: usize,
    entries: Mutex<Entries>,
}

impl ResponseCache {
    /// A cache of at most `budget` bytes (keys and answers).
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new(Entries::default()),
        }
    }

    pub fn get(&self, key: &CacheKey) -> Option<Bytes> {
        self.lock().answers.get(key).cloned()
    }

    /// Keeps `answer` under `key`, forgetting the oldest answers to stay within the budget.
    /// An answer larger than a quarter of the budget is not kept.
    pub fn insert(&self, key: CacheKey, answer: Bytes) {
        let size = key.bytes() + answer.len();
        if size > self.budget / 4 {
            return;
        }
        let mut entries = self.lock();
        let key = Arc::new(key);
        if entries.answers.contains_key(&key) {
            return;
        }
        while entries.bytes + size > self.budget {
            let Some(oldest) = entries.order.pop_front() else {
                break;
            };
            if let Some(old) = entries.answers.remove(&oldest) {
                entries.bytes -= oldest.bytes() + old.len();
            }
        }
        entries.bytes += size;
        entries.order.push_back(key.clone());
        entries.answers.insert(key, answer);
    }

    /// Forgets everything (after a change whose data version could not be moved on).
    pub fn clear(&self) {
        *self.lock() = Entries::default();
    }

    /// Answers held, and their bytes.
    pub fn len_and_bytes(&self) -> (usize, usize) {
        let entries = self.lock();
        (entries.answers.len(), entries.bytes)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves consistent entries (every change above is
        // completed before anything that could panic), so a poisoned lock is still usable.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(query: &str, version: i64, user: Option<i64>) -> CacheKey {
        CacheKey {
            organisation_id: 1,
            data_version: version,
            user_id: user,
            query: query.into(),
            operation_name: None,
            variables: "{}".into(),
        }
    }

    #[test]
    fn an_answer_is_found_only_under_the_same_version_and_asker() {
        let cache = ResponseCache::new(1 << 20);
        cache.insert(
            key("{ plans { title } }", 7, Some(3)),
            Bytes::from_static(b"a"),
        );
        assert_eq!(
            cache
                .get(&key("{ plans { title } }", 7, Some(3)))
                .as_deref(),
            Some(&b"a"[..])
        );
        assert!(cache.get(&key("{ plans { title } }", 8, Some(3))).is_none());
        assert!(cache.get(&key("{ plans { title } }", 7, None)).is_none());
        assert!(cache.get(&key("{ plans { title } }", 7, Some(4))).is_none());
        assert!(cache.get(&key("{ plans { id } }", 7, Some(3))).is_none());
    }

    #[test]
    fn the_oldest_answers_go_first_and_the_budget_holds() {
        let one = key("q", 0, None).bytes() + 100;
        let cache = ResponseCache::new(4 * one);
        for v in 0..6 {
            cache.insert(key("q", v, None), Bytes::from(vec![0u8; 100]));
            let (_, bytes) = cache.len_and_bytes();
            assert!(
                bytes <= 4 * one,
                "{bytes} bytes over a budget of {}",
                4 * one
            );
        }
        assert_eq!(cache.len_and_bytes(), (4, 4 * one));
        assert!(cache.get(&key("q", 1, None)).is_none());
        assert!(cache.get(&key("q", 2, None)).is_some());
        assert!(cache.get(&key("q", 5, None)).is_some());
    }

    #[test]
    fn an_answer_over_a_quarter_of_the_budget_is_not_kept() {
        let cache = ResponseCache::new(4000);
        cache.insert(key("q", 0, None), Bytes::from(vec![0u8; 1200]));
        assert_eq!(cache.len_and_bytes(), (0, 0));
        cache.insert(key("q", 0, None), Bytes::from(vec![0u8; 500]));
        assert_eq!(cache.len_and_bytes().0, 1);
        cache.clear();
        assert_eq!(cache.len_and_bytes(), (0, 0));
    }
}
