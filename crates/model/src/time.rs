//! Timestamps on the wire: RFC 3339, UTC, `Z`, millisecond precision.

use jiff::Timestamp;

/// Formats milliseconds since the epoch as `2026-01-02T03:04:05.678Z`.
pub fn format_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        // Only reachable with absurd clocks; keep the wire format valid anyway.
        Err(_) => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

/// Parses an RFC 3339 timestamp (any offset) into milliseconds since the epoch.
pub fn parse_ms(s: &str) -> Result<i64, String> {
    s.parse::<Timestamp>()
        .map(|ts| ts.as_millisecond())
        .map_err(|_| format!("`{s}` is not an RFC 3339 timestamp (e.g. 2026-01-02T03:04:05Z)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_767_323_045_678), "2026-01-02T03:04:05.678Z");
    }

    #[test]
    fn parses_offsets() {
        assert_eq!(
            parse_ms("2026-01-02T04:04:05.678+01:00"),
            Ok(1_767_323_045_678)
        );
        assert!(parse_ms("yesterday").is_err());
    }
}
