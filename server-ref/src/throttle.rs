//! Failed-login throttling, per account name and per client address.
//!
//! Each key (a name, whether or not such an account exists, and an IP address) counts its
//! failed logins in a window that starts at its first failure. Once a key has
//! [`ThrottleLimits::per_account`] (or [`ThrottleLimits::per_address`]) failures, every login
//! for it is refused, without checking the password, until the window ends. A successful
//! login clears its name's count (not its address's). The table holds at most
//! [`MAX_KEYS`] keys: past that the expired ones go, then the oldest, so memory stays flat
//! under a flood of made-up names. The clock is passed in, so the rules are tested without
//! waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{ApiError, ErrorKind};

/// Most keys remembered at once.
pub const MAX_KEYS: usize = 100_000;

/// How many failed logins are allowed, and for how long they count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleLimits {
    /// Failed logins for one name within [`ThrottleLimits::window`] (0: no limit).
    pub per_account: u32,
    /// Failed logins from one IP address within the window (0: no limit).
    pub per_address: u32,
    /// How long failures count, from the first one.
    pub window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        ThrottleLimits {
            per_account: 10,
            per_address: 100,
            window: Duration::from_secs(15 * 60),
        }
    }
}

impl ThrottleLimits {
    /// No throttling at all (the benchmark uses it to measure the password pool alone).
    pub const OFF: ThrottleLimits = ThrottleLimits {
        per_account: 0,
        per_address: 0,
        window: Duration::ZERO,
    };
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    failures: u32,
}

/// The failed-login counters.
#[derive(Debug)]
pub struct LoginThrottle {
    limits: ThrottleLimits,
    keys: Mutex<HashMap<Key, Window>>,
}

impl LoginThrottle {
    /// Counters with these limits.
    pub fn new(limits: ThrottleLimits) -> LoginThrottle {
        LoginThrottle {
            limits,
            keys: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Window>> {
        self.keys.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn keys(&self, account: &str, addr: Option<IpAddr>) -> Vec<(Key, u32)> {
        let mut keys = Vec::with_capacity(2);
        if self.limits.per_account > 0 {
            keys.push((Key::Account(account.to_string()), self.limits.per_account));
        }
        if let Some(addr) = addr.filter(|_| self.limits.per_address > 0) {
            keys.push((Key::Address(addr), self.limits.per_address));
        }
        keys
    }

    /// Whether a login for `account` from `addr` may be tried at `now`; if not, the error
    /// says when to try again.
    pub fn check(&self, account: &str, addr: Option<IpAddr>, now: Instant) -> Result<(), ApiError> {
        let keys = self.keys(account, addr);
        let map = self.lock();
        for (key, limit) in keys {
            let Some(w) = map.get(&key) else { continue };
            let ends = w.started + self.limits.window;
            if w.failures >= limit && now < ends {
                let wait = (ends - now).as_secs().max(1);
                let whom = match key {
                    Key::Account(_) => "this account",
                    Key::Address(_) => "your address",
                };
                return Err(ApiError::new(
                    ErrorKind::TooManyRequests,
                    format!("too many failed logins for {whom}; try again in {wait} s"),
                ));
            }
        }
        Ok(())
    }

    /// Counts a failed login.
    pub fn failed(&self, account: &str, addr: Option<IpAddr>, now: Instant) {
        let keys = self.keys(account, addr);
        let mut map = self.lock();
        for (key, _) in keys {
            if !map.contains_key(&key) && map.len() >= MAX_KEYS {
                self.make_room(&mut map, now);
            }
            let w = map.entry(key).or_insert(Window {
                started: now,
                failures: 0,
            });
            if now >= w.started + self.limits.window {
                *w = Window {
                    started: now,
                    failures: 0,
                };
            }
            w.failures = w.failures.saturating_add(1);
        }
    }

    /// A successful login clears its name's failures.
    pub fn succeeded(&self, account: &str) {
        self.lock().remove(&Key::Account(account.to_string()));
    }

    /// Number of keys remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn make_room(&self, map: &mut HashMap<Key, Window>, now: Instant) {
        let window = self.limits.window;
        map.retain(|_, w| now < w.started + window);
        if map.len() >= MAX_KEYS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, w)| w.started)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ThrottleLimits = ThrottleLimits {
        per_account: 3,
        per_address: 5,
        window: Duration::from_secs(60),
    };

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([127, 0, 0, n]))
    }

    #[test]
    fn an_account_is_refused_after_its_limit_until_the_window_ends() {
        let t = LoginThrottle::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(t.check("alice", ip(i), t0).is_ok());
            t.failed("alice", ip(i), t0);
        }
        let e = t
            .check("alice", ip(9), t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::TooManyRequests);
        assert!(
            e.message.contains("this account") && e.message.contains("50 s"),
            "{e}"
        );
        // Other names are not affected; the window's end lifts it.
        assert!(t.check("bob", ip(9), t0).is_ok());
        assert!(
            t.check("alice", ip(9), t0 + Duration::from_secs(60))
                .is_ok()
        );
        // A failure after the window starts a new one.
        t.failed("alice", ip(9), t0 + Duration::from_secs(61));
        assert!(
            t.check("alice", ip(9), t0 + Duration::from_secs(61))
                .is_ok()
        );
    }

    #[test]
    fn an_address_is_refused_across_names_and_success_clears_only_the_name() {
        let t = LoginThrottle::new(LIMITS);
        let t0 = Instant::now();
        for i in 0..5 {
            t.failed(&format!("user{i}"), ip(1), t0);
        }
        let e = t.check("someone", ip(1), t0).unwrap_err();
        assert!(e.message.contains("your address"), "{e}");
        assert!(t.check("someone", ip(2), t0).is_ok());
        t.failed("carol", ip(3), t0);
        t.failed("carol", ip(3), t0);
        t.succeeded("carol");
        t.failed("carol", ip(3), t0);
        t.failed("carol", ip(3), t0);
        assert!(t.check("carol", ip(4), t0).is_ok());
    }

    #[test]
    fn the_table_stays_bounded_under_made_up_names() {
        let t = LoginThrottle::new(ThrottleLimits {
            per_address: 0,
            ..LIMITS
        });
        let t0 = Instant::now();
        for i in 0..(MAX_KEYS + 50) {
            t.failed(&format!("n{i}"), None, t0);
        }
        assert_eq!(t.len(), MAX_KEYS);
        let off = LoginThrottle::new(ThrottleLimits::OFF);
        for _ in 0..100 {
            off.failed("x", ip(1), t0);
        }
        assert!(off.check("x", ip(1), t0).is_ok() && off.is_empty());
    }
}
