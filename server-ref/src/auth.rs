//! Secrets: argon2id password hashes computed on a small bounded pool, random tokens stored
//! only as SHA-256 hashes.
//!
//! Each argon2id run holds about 19 MiB for its duration. [`Passwords`] lets at most
//! [`HashLimits::concurrent`] run at once and at most [`HashLimits::queue`] wait for a turn;
//! a request beyond that is refused with [`ErrorKind::TooManyRequests`], so memory stays flat
//! however many logins and registrations arrive together. A login for an unknown name is
//! checked against a hash of its own, so it costs what a wrong password costs.
//!
//! The 19 MiB of working memory is allocated once per turn and reused ([`Scratch`]): left to
//! the allocator, each run's freed 19 MiB stayed in the process (glibc keeps it), so RSS grew
//! by gigabytes over a few hundred logins even with two running at a time. A turn is held
//! until its hash finishes, even when the request that asked for it is cancelled.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use md5::Md5;
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
    /// Hashes computing now.
    pub running: usize,
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
    turns: Arc<Semaphore>,
    /// Working memory of finished runs, taken by the next (at most one per turn).
    scratch: Arc<Mutex<Vec<Scratch>>>,
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
            turns: Arc::new(Semaphore::new(limits.concurrent)),
            scratch: Arc::default(),
            waiting: AtomicUsize::new(0),
            running: Arc::default(),
            peak: Arc::default(),
            runs: Arc::default(),
            refused: AtomicU64::new(0),
            decoy: OnceLock::new(),
        }
    }

    /// Hashes a new password for storage: argon2id (random salt, PHC string) of its MD5 hex,
    /// marked [`MD5_SCHEME`].
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        let digest = md5_hex(&password);
        let phc = self
            .run(move |scratch| hash_password(&digest, scratch))
            .await??;
        Ok(format!("{MD5_SCHEME}{phc}"))
    }

    /// Checks `password` against `stored` (either stored form); with `md5_ok`, `password` may
    /// also be the MD5 hex of the password (xuanxuan logins). With no stored hash (an unknown
    /// name) it checks against a decoy hash, taking the same time, and answers false.
    pub async fn verify(
        &self,
        password: String,
        stored: Option<String>,
        md5_ok: bool,
    ) -> ApiResult<bool> {
        let known = stored.is_some();
        let stored = match stored {
            Some(s) => s,
            None => self.decoy().await?,
        };
        let (phc, tries) = candidates(&password, &stored, md5_ok);
        let ok = self
            .run(move |scratch| tries.iter().any(|t| verify_password(t, &phc, scratch)))
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

    /// Runs `f` on a blocking thread, with a turn's working memory, once a turn is free;
    /// refuses at once when the queue is full. The turn is released when `f` returns, not
    /// when the caller stops waiting, so cancelled requests cannot add runs.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Scratch) -> T + Send + 'static,
    ) -> ApiResult<T> {
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
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal("the password pool is closed"))?;
        let (running, peak, runs) = (self.running.clone(), self.peak.clone(), self.runs.clone());
        let pool = self.scratch.clone();
        // The count is taken on the blocking thread itself, so it is the number of hashes
        // actually computing, not of tasks holding a turn.
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let mut scratch = lock(&pool).pop().unwrap_or_default();
            let out = f(&mut scratch);
            lock(&pool).push(scratch);
            runs.fetch_add(1, Ordering::Relaxed);
            running.fetch_sub(1, Ordering::SeqCst);
            drop(turn);
            out
        })
        .await
        .map_err(ApiError::internal)
    }

    /// What the pool has done so far.
    pub fn stats(&self) -> HashStats {
        HashStats {
            bound: self.limits.concurrent,
            running: self.running.load(Ordering::SeqCst),
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

/// Locks the scratch pool (a panic while holding it cannot leave it inconsistent).
fn lock(pool: &Mutex<Vec<Scratch>>) -> std::sync::MutexGuard<'_, Vec<Scratch>> {
    pool.lock().unwrap_or_else(|e| e.into_inner())
}

/// Argon2 working memory (1 KiB blocks), reused from one run to the next.
#[derive(Default)]
pub struct Scratch(Vec<Block>);

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scratch({} KiB)", self.0.len())
    }
}

impl Scratch {
    /// The stored hashes this server reads need at most this much memory (256 MiB): a
    /// stored hash asking for more is treated as not matching.
    const MAX_BLOCKS: usize = 256 * 1024;

    /// The first `n` blocks, growing the buffer if it is smaller.
    fn blocks(&mut self, n: usize) -> &mut [Block] {
        if self.0.len() < n {
            self.0.resize(n, Block::default());
        }
        &mut self.0[..n]
    }
}

/// Hashes a password with argon2id (the crate's default parameters: 19 MiB, 2 passes) and
/// a random salt, into a PHC string, working in `scratch`. Blocking and memory-hard: call
/// it through [`Passwords`].
pub fn hash_password(password: &str, scratch: &mut Scratch) -> ApiResult<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(ApiError::internal)?;
    let params = Params::default();
    let (algorithm, version) = (Algorithm::Argon2id, Version::V0x13);
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    Argon2::new(algorithm, version, params.clone())
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt_bytes,
            &mut out,
            scratch.blocks(params.block_count()),
        )
        .map_err(ApiError::internal)?;
    let phc = PasswordHash {
        algorithm: algorithm.ident(),
        version: Some(version.into()),
        params: ParamsString::try_from(&params).map_err(ApiError::internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(ApiError::internal)?),
    };
    Ok(phc.to_string())
}

/// Checks a password against a stored PHC argon2 hash (compared in constant time), working
/// in `scratch`. Blocking: call it through [`Passwords`].
pub fn verify_password(password: &str, stored: &str, scratch: &mut Scratch) -> bool {
    let mut check = || -> Option<bool> {
        let parsed = PasswordHash::new(stored).ok()?;
        let algorithm = Algorithm::try_from(parsed.algorithm).ok()?;
        let version = match parsed.version {
            Some(v) => Version::try_from(v).ok()?,
            None => Version::default(),
        };
        let params = Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        if params.block_count() > Scratch::MAX_BLOCKS {
            return None;
        }
        let mut out = vec![0u8; expected.len()];
        Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt,
                &mut out,
                scratch.blocks(params.block_count()),
            )
            .ok()?;
        Some(Output::new(&out).ok()? == expected)
    };
    check().unwrap_or(false)
}

/// The prefix of a stored password hash made from the MD5 hex of the password rather than
/// the password itself (`md5:` + the argon2id PHC string). Every new hash has it, so that a
/// client sending that form — the real xuanxuan client, whose login sends "the password,
/// encrypted" (seed 000) as MD5 hex — can be verified as well as one sending the password.
pub const MD5_SCHEME: &str = "md5:";

/// The lowercase MD5 hex of `password`, the form the xuanxuan client sends.
pub fn md5_hex(password: &str) -> String {
    hex::encode(Md5::digest(password.as_bytes()))
}

/// Whether `s` looks like an MD5 hex digest (32 hex digits).
pub fn is_md5_hex(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The password forms to try against `stored`, and the PHC string to try them on: for an
/// `md5:` hash, the MD5 hex of `presented`, and first — when `md5_ok` and it has the form —
/// `presented` itself as the digest; for an older hash (the password itself), `presented`.
fn candidates(presented: &str, stored: &str, md5_ok: bool) -> (String, Vec<String>) {
    match stored.strip_prefix(MD5_SCHEME) {
        Some(phc) => {
            let mut tries = Vec::with_capacity(2);
            if md5_ok && is_md5_hex(presented) {
                tries.push(presented.to_ascii_lowercase());
            }
            tries.push(md5_hex(presented));
            (phc.to_string(), tries)
        }
        None => (stored.to_string(), vec![presented.to_string()]),
    }
}

/// A new random token (256 bits, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether a presented secret equals the configured one, in time that does not depend on
/// where they differ.
pub fn keys_match(presented: &str, expected: &str) -> bool {
    let (a, b) = (presented.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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
        let mut scratch = Scratch::default();
        let a = hash_password("secret", &mut scratch).unwrap();
        let b = hash_password("secret", &mut scratch).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert!(verify_password("secret", &a, &mut scratch));
        assert!(!verify_password("Secret", &a, &mut scratch));
        assert!(!verify_password("secret", "not a hash", &mut scratch));
        // A hash the crate's own hasher wrote (as stored by earlier versions) still verifies,
        // and the crate verifies ours: the PHC strings are the same format.
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
        let theirs = Argon2::default()
            .hash_password(b"secret", &salt)
            .unwrap()
            .to_string();
        assert!(verify_password("secret", &theirs, &mut scratch));
        assert!(!verify_password("secrets", &theirs, &mut scratch));
        let ours = PasswordHash::new(&a).unwrap();
        assert!(Argon2::default().verify_password(b"secret", &ours).is_ok());
    }

    #[tokio::test]
    async fn a_password_verifies_as_typed_or_as_its_md5_where_allowed() {
        let pool = Passwords::new(HashLimits {
            concurrent: 2,
            queue: 8,
        });
        let stored = pool.hash("s3cret".into()).await.unwrap();
        assert!(stored.starts_with("md5:$argon2id$"), "{stored}");
        let digest = md5_hex("s3cret");
        assert!(
            pool.verify("s3cret".into(), Some(stored.clone()), false)
                .await
                .unwrap()
        );
        assert!(
            pool.verify("s3cret".into(), Some(stored.clone()), true)
                .await
                .unwrap()
        );
        assert!(
            pool.verify(digest.clone(), Some(stored.clone()), true)
                .await
                .unwrap()
        );
        assert!(
            pool.verify(digest.to_uppercase(), Some(stored.clone()), true)
                .await
                .unwrap()
        );
        // The digest is not the password where only the password is taken (002, the SDK).
        assert!(
            !pool
                .verify(digest, Some(stored.clone()), false)
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify(md5_hex("other"), Some(stored.clone()), true)
                .await
                .unwrap()
        );
        // A password that itself looks like a digest still works as typed.
        let hexy = "0123456789abcdef0123456789abcdef".to_string();
        let stored_hexy = pool.hash(hexy.clone()).await.unwrap();
        assert!(pool.verify(hexy, Some(stored_hexy), true).await.unwrap());
        // An older hash of the password itself verifies the password only.
        let older = hash_password("s3cret", &mut Scratch::default()).unwrap();
        assert!(
            pool.verify("s3cret".into(), Some(older.clone()), true)
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify(md5_hex("s3cret"), Some(older), true)
                .await
                .unwrap()
        );
    }

    #[test]
    fn md5_hex_is_the_lowercase_digest() {
        assert_eq!(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(md5_hex("123456"), "e10adc3949ba59abbe56e057f20f883e");
        assert!(is_md5_hex("E10ADC3949BA59ABBE56E057F20F883E"));
        assert!(!is_md5_hex("e10adc3949ba59abbe56e057f20f883"));
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
                tokio::spawn(async move { pool.verify("wrong".into(), Some(stored), false).await })
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
        assert!(!pool.verify("x".into(), None, false).await.unwrap());
        assert!(pool.stats().runs > before);
        assert!(
            pool.verify("right".into(), Some(stored), false)
                .await
                .unwrap()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_cancelled_request_keeps_its_turn_until_its_hash_ends() {
        let pool = Arc::new(Passwords::new(HashLimits {
            concurrent: 1,
            queue: 16,
        }));
        let stored = pool.hash("right".into()).await.unwrap();
        // A request given up while its hash runs (a client that hangs up): had it freed
        // its turn at once, the next request would hash beside it.
        for _ in 0..3 {
            let (p, stored) = (pool.clone(), stored.clone());
            let asked =
                tokio::spawn(async move { p.verify("x".into(), Some(stored), false).await });
            while pool.stats().running == 0 {
                tokio::task::yield_now().await;
            }
            asked.abort();
            let _ = asked.await;
        }
        assert!(
            !pool
                .verify("wrong".into(), Some(stored), false)
                .await
                .unwrap()
        );
        assert_eq!(pool.stats().peak, 1, "{:?}", pool.stats());
    }
}
