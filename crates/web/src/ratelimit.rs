//! Per-token token buckets in the key-value store (docs/api.md §2 "rate limits").
//!
//! Soft limits: concurrent instances may each let a request through on the same
//! bucket state; the bucket still converges on the configured rate.

use ports::{Env, Kv};

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

/// Takes one token from `key`'s bucket. `Err(seconds)` says when to retry.
pub fn take(kv: &dyn Kv, key: &str, limits: Limits, now_ms: i64) -> Result<(), u64> {
    let bucket_key = format!("rl:{key}");
    let (mut tokens, last) = match kv.get(&bucket_key) {
        Ok(Some(raw)) => decode(&raw).unwrap_or((limits.burst, now_ms)),
        Ok(None) => (limits.burst, now_ms),
        Err(e) => {
            // Failing open: a key-value outage must not take the API down.
            eprintln!("rate limit bucket unavailable, allowing request: {e}");
            return Ok(());
        }
    };
    let elapsed = (now_ms - last).max(0) as f64 / 1000.0;
    tokens = (tokens + elapsed * limits.per_second).min(limits.burst);
    if tokens < 1.0 {
        let wait = ((1.0 - tokens) / limits.per_second).ceil().max(1.0);
        return Err(wait as u64);
    }
    tokens -= 1.0;
    if let Err(e) = kv.set(&bucket_key, &encode(tokens, now_ms)) {
        eprintln!("rate limit bucket not saved: {e}");
    }
    Ok(())
}

fn encode(tokens: f64, at_ms: i64) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&tokens.to_le_bytes());
    b[8..].copy_from_slice(&at_ms.to_le_bytes());
    b
}

fn decode(raw: &[u8]) -> Option<(f64, i64)> {
    let tokens = f64::from_le_bytes(raw.get(..8)?.try_into().ok()?);
    let at = i64::from_le_bytes(raw.get(8..16)?.try_into().ok()?);
    tokens.is_finite().then_some((tokens, at))
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
}
