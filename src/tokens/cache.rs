//! What keeps the request path free of database work: verified tokens cached by hash for a
//! bounded time, and last-use records kept in memory and written in the background.

use crate::tokens::Credential;
use crate::tokens::keyring::TokenHash;
use chrono::NaiveDateTime;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

/// Above this many entries the cache starts over, so a flood of distinct tokens cannot grow it.
const MAX_ENTRIES: usize = 100_000;

/// Verified tokens by hash. An entry is trusted for `ttl`, the bound within which a change made
/// by another instance is seen; a change made by this process clears the cache at once.
pub struct TokenCache {
    ttl: Duration,
    entries: RwLock<HashMap<TokenHash, (Arc<Credential>, Instant)>>,
}

impl TokenCache {
    pub fn new(ttl: Duration) -> Self {
        TokenCache {
            ttl,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get(&self, hash: &TokenHash) -> Option<Arc<Credential>> {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        entries
            .get(hash)
            .filter(|(_, stored)| stored.elapsed() < self.ttl)
            .map(|(credential, _)| credential.clone())
    }

    pub fn insert(&self, hash: TokenHash, credential: Arc<Credential>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(hash, (credential, Instant::now()));
    }

    /// Forgets everything: called after any change to any token made by this process.
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// How often written last-use times may change per token.
pub const USAGE_WRITE_INTERVAL: Duration = Duration::from_secs(60);

/// Last uses, recorded in memory on the request path and written by `flush`.
#[derive(Default)]
pub struct UsageRecorder {
    pending: Mutex<HashMap<i32, (NaiveDateTime, Option<String>)>>,
    written: Mutex<HashMap<i32, Instant>>,
}

impl UsageRecorder {
    pub fn record(&self, id: i32, at: NaiveDateTime, ip: Option<String>) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, (at, ip));
    }

    /// Puts back a use whose write failed, unless a newer one has been recorded since.
    pub fn restore(&self, id: i32, at: NaiveDateTime, ip: Option<String>) {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.get(&id).is_none_or(|(newer, _)| *newer < at) {
            pending.insert(id, (at, ip));
        }
    }

    /// The uses due to be written: a token never written by this process, or last written at
    /// least `USAGE_WRITE_INTERVAL` ago. Others stay pending (keeping the latest use).
    pub fn take_due(&self) -> Vec<(i32, NaiveDateTime, Option<String>)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        if pending.is_empty() {
            return Vec::new();
        }
        let mut written = self.written.lock().unwrap_or_else(|p| p.into_inner());
        let due: Vec<i32> = pending
            .keys()
            .copied()
            .filter(|id| {
                written
                    .get(id)
                    .is_none_or(|at| at.elapsed() >= USAGE_WRITE_INTERVAL)
            })
            .collect();
        due.into_iter()
            .filter_map(|id| {
                let (at, ip) = pending.remove(&id)?;
                written.insert(id, Instant::now());
                Some((id, at, ip))
            })
            .collect()
    }

    /// Every pending use, due or not (at shutdown).
    pub fn take_all(&self) -> Vec<(i32, NaiveDateTime, Option<String>)> {
        let mut pending = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        pending.drain().map(|(id, (at, ip))| (id, at, ip)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::{Kind, TokenType};

    #[test]
    fn cache_entries_expire_and_clear() {
        let credential = Credential {
            source: crate::tokens::Source::Stored(1),
            kind: Kind::Content,
            token_type: TokenType::ReadOnly,
            permissions: Default::default(),
            expires_at: None,
            grace_until: None,
            owner: None,
            policy: Default::default(),
        };
        let credential = Arc::new(credential);
        let cache = TokenCache::new(Duration::from_millis(50));
        let hash = TokenHash::from_stored(&"ab".repeat(64)).unwrap();
        cache.insert(hash.clone(), credential.clone());
        assert_eq!(cache.get(&hash), Some(credential.clone()));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get(&hash), None);
        cache.insert(hash.clone(), credential);
        cache.clear();
        assert_eq!(cache.get(&hash), None);
    }

    #[test]
    fn usage_is_written_at_most_once_an_interval() {
        let usage = UsageRecorder::default();
        let at = chrono::NaiveDateTime::default();
        usage.record(1, at, None);
        assert_eq!(usage.take_due().len(), 1);
        usage.record(1, at, Some("127.0.0.1".into()));
        assert!(
            usage.take_due().is_empty(),
            "written less than a minute ago"
        );
        assert_eq!(usage.take_all().len(), 1);
        let later = at + chrono::Duration::seconds(5);
        usage.record(2, later, None);
        usage.restore(2, at, None);
        usage.restore(3, at, None);
        let mut all = usage.take_all();
        all.sort_by_key(|(id, _, _)| *id);
        assert_eq!(
            all,
            vec![(2, later, None), (3, at, None)],
            "a failed write never hides a newer use"
        );
    }
}
