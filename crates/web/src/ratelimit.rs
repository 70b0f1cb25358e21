//! Per-token rate limits (docs/api.md §2 "rate limits"): a token bucket per API key,
//! kept in the key-value store as one number (the generic cell rate algorithm) and
//! updated atomically, so over any `t` seconds a key gets at most
//! `burst + rate × t` requests however many connections and instances it uses.

use ports::{Admission, Env, Gcra, Kv};

pub const RATE_VAR: &str = "rate_limit_per_second";
pub const BURST_VAR: &str = "rate_limit_burst";
pub const DEFAULT_RATE: f64 = 20.0;
pub const DEFAULT_BURST: f64 = 100.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub per_second: f64,
    pub burst: f64,
}

impl Limits {
    /// From the Spin variables; `rate_limit_per_second = 0` turns limiting off.
    pub fn from_env(env: &Env) -> Option<Limits> {
        let read = |name: &str, default: f64| {
            env.vars
                .get(name)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .unwrap_or(default)
        };
        // Each variable read is a host call; skip the second when limiting is off.
        let per_second = read(RATE_VAR, DEFAULT_RATE);
        if per_second <= 0.0 {
            return None;
        }
        let burst = read(BURST_VAR, DEFAULT_BURST).max(1.0);
        Some(Limits { per_second, burst })
    }
}

impl Limits {
    /// The bucket as the generic cell rate algorithm sees it.
    pub fn gcra(self) -> Gcra {
        Gcra {
            // at least 1 µs: a zero interval would leave no room for concurrent
            // requests whose clocks read a little apart
            interval_us: ((1_000_000.0 / self.per_second).round() as i64).max(1),
            burst: self.burst as i64,
        }
    }
}

/// Takes one request from `key`'s bucket, atomically (one [`Kv::admit`]), so concurrent
/// requests — on one instance or, with a shared store, on many — never share a token.
/// `Err(seconds)` says when to retry.
pub fn take(kv: &dyn Kv, key: &str, limits: Limits, now_ms: i64) -> Result<(), u64> {
    match kv.admit(
        &format!("rl:{key}"),
        now_ms.saturating_mul(1000),
        limits.gcra(),
    ) {
        Ok(Admission::Admitted) => Ok(()),
        Ok(Admission::Refused { retry_after_us }) => {
            Err(((retry_after_us.max(1) as u64).div_ceil(1_000_000)).max(1))
        }
        Err(e) => {
            // Failing open: a key-value outage must not take the API down.
            eprintln!("rate limit bucket unavailable, allowing request: {e}");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use host::native::MemKv;

    #[test]
    fn burst_then_refill() {
        let kv = MemKv::default();
        let limits = Limits {
            per_second: 2.0,
            burst: 3.0,
        };
        for _ in 0..3 {
            assert_eq!(take(&kv, "k", limits, 1_000), Ok(()));
        }
        assert_eq!(take(&kv, "k", limits, 1_000), Err(1));
        // half a second refills one token at 2/s
        assert_eq!(take(&kv, "k", limits, 1_500), Ok(()));
        assert_eq!(take(&kv, "k", limits, 1_500), Err(1));
        // other keys have their own bucket
        assert_eq!(take(&kv, "other", limits, 1_500), Ok(()));
    }

    #[test]
    fn retry_after_rounds_up() {
        let kv = MemKv::default();
        let limits = Limits {
            per_second: 0.25,
            burst: 1.0,
        };
        assert_eq!(take(&kv, "k", limits, 0), Ok(()));
        assert_eq!(take(&kv, "k", limits, 0), Err(4));
    }

    #[test]
    fn a_huge_limit_admits_requests_whose_clocks_disagree() {
        let kv = MemKv::default();
        let limits = Limits {
            per_second: 1e8,
            burst: 1e8,
        };
        assert_eq!(take(&kv, "k", limits, 1_000), Ok(()));
        // a request that read the clock just before the previous one finished
        assert_eq!(take(&kv, "k", limits, 999), Ok(()));
    }
}
