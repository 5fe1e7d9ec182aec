//! Secrets: argon2id password hashes computed on a small bounded pool, random tokens stored
//! only as SHA-256 hashes.
//!
//! Each argon2id run holds about 19 MiB for its duration. [`Passwords`] lets at most
//! [`HashLimits::concurrent`] run at once and at most [`HashLimits::queue`] wait for a turn;
//! a request beyond that is refused with [`ErrorKind::TooManyRequests`], so memory stays flat
//! however many logins and registrations arrive together. A login for an unknown name is
//! checked against a hash of its own, so it costs what a wrong password costs.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::{ApiError, ApiResult, ErrorKind};

/// How much password hashing may run and wait at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashLimits {
    /// Hashes computed at the same time (each holds about 19 MiB while it runs).
    pub concurrent: usize,
    /// Requests that may wait for a turn; more are refused with 429 / the dialect's "busy".
    pub queue: usize,
}

impl Default for HashLimits {
    fn default() -> Self {
        HashLimits {
            concurrent: 2,
            queue: 256,
        }
    }
}

/// What the password pool has done, for tests and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashStats {
    /// The bound on hashes computed at once.
    pub bound: usize,
    /// The most that ever ran at once.
    pub peak: usize,
    /// Hashes and verifications computed so far (including those for unknown names).
    pub runs: u64,
    /// Requests refused because the queue was full.
    pub refused: u64,
}

/// The bounded pool every password hash and verification goes through.
#[derive(Debug)]
pub struct Passwords {
    limits: HashLimits,
    turns: Semaphore,
    waiting: AtomicUsize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    runs: Arc<AtomicU64>,
    refused: AtomicU64,
    /// A hash of a random password, verified against when the name is unknown.
    decoy: OnceLock<String>,
}

impl Passwords {
    /// A pool with these limits (`concurrent` is at least 1).
    pub fn new(limits: HashLimits) -> Passwords {
        let limits = HashLimits {
            concurrent: limits.concurrent.max(1),
            queue: limits.queue,
        };
        Passwords {
            limits,
            turns: Semaphore::new(limits.concurrent),
            waiting: AtomicUsize::new(0),
            running: Arc::default(),
            peak: Arc::default(),
            runs: Arc::default(),
            refused: AtomicU64::new(0),
            decoy: OnceLock::new(),
        }
    }

    /// Hashes a new password (argon2id, random salt, PHC string).
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        self.run(move || hash_password(&password)).await?
    }

    /// Checks `password` against `stored`; with no stored hash (an unknown name) it checks
    /// against a decoy hash, taking the same time, and answers false.
    pub async fn verify(&self, password: String, stored: Option<String>) -> ApiResult<bool> {
        let known = stored.is_some();
        let stored = match stored {
            Some(s) => s,
            None => self.decoy().await?,
        };
        let ok = self
            .run(move || verify_password(&password, &stored))
            .await?;
        Ok(ok && known)
    }

    async fn decoy(&self) -> ApiResult<String> {
        if let Some(d) = self.decoy.get() {
            return Ok(d.clone());
        }
        let made = self.hash(new_token()).await?;
        Ok(self.decoy.get_or_init(|| made).clone())
    }

    /// Runs `f` on a blocking thread once a turn is free; refuses at once when the queue
    /// is full.
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _left = Leave(&self.waiting);
        if queued >= self.limits.queue + self.limits.concurrent {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return Err(ApiError::new(
                ErrorKind::TooManyRequests,
                "the server is busy checking passwords; try again in a few seconds",
            ));
        }
        let turn = self
            .turns
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the password pool is closed"))?;
        let (running, peak, runs) = (self.running.clone(), self.peak.clone(), self.runs.clone());
        // The count is taken on the blocking thread itself, so it is the number of hashes
        // actually computing, not of tasks holding a turn.
        let out = tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let out = f();
            runs.fetch_add(1, Ordering::Relaxed);
            running.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await
        .map_err(ApiError::internal);
        drop(turn);
        out
    }

    /// What the pool has done so far.
    pub fn stats(&self) -> HashStats {
        HashStats {
            bound: self.limits.concurrent,
            peak: self.peak.load(Ordering::SeqCst),
            runs: self.runs.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}

/// Decrements a counter when dropped (a waiting request that returns or is cancelled).
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Hashes a password with argon2id and a random salt (PHC string). Blocking and memory-hard:
/// call it through [`Passwords`].
pub fn hash_password(password: &str) -> ApiResult<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(ApiError::internal)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(ApiError::internal)
}

/// Checks a password against a stored PHC hash. Blocking: call it through [`Passwords`].
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_salts_differ() {
        let a = hash_password("secret").unwrap();
        let b = hash_password("secret").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("secret", &a));
        assert!(!verify_password("Secret", &a));
        assert!(!verify_password("secret", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let t = new_token();
        assert_eq!(t.len(), 64);
        assert_ne!(t, new_token());
        assert_eq!(token_hash(&t), token_hash(&t));
        assert_ne!(token_hash(&t), t);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn the_pool_bounds_runs_refuses_past_its_queue_and_checks_unknown_names() {
        let pool = Arc::new(Passwords::new(HashLimits {
            concurrent: 2,
            queue: 4,
        }));
        let stored = pool.hash("right".into()).await.unwrap();
        let calls: Vec<_> = (0..16)
            .map(|_| {
                let (pool, stored) = (pool.clone(), stored.clone());
                tokio::spawn(async move { pool.verify("wrong".into(), Some(stored)).await })
            })
            .collect();
        let mut refused = 0;
        for c in calls {
            match c.await.unwrap() {
                Ok(ok) => assert!(!ok),
                Err(e) => {
                    assert_eq!(e.kind, ErrorKind::TooManyRequests);
                    refused += 1;
                }
            }
        }
        let stats = pool.stats();
        assert!(stats.peak <= 2, "{stats:?}");
        assert!(refused >= 10, "{refused} refused: {stats:?}");
        assert_eq!(stats.refused, refused);
        // An unknown name is checked too (against the decoy: one hash to make it, one run).
        let before = pool.stats().runs;
        assert!(!pool.verify("x".into(), None).await.unwrap());
        assert!(pool.stats().runs > before);
        assert!(pool.verify("right".into(), Some(stored)).await.unwrap());
    }
}
