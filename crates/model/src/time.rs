//! Timestamps on the wire: RFC 3339, UTC, `Z`, millisecond precision.
//!
//! Written out rather than taken from a date library: every component formats
//! timestamps, and the two functions here need only the proleptic Gregorian calendar
//! (the `calendar` crate), while a general library (jiff, which `engine::schedule` still
//! uses for time zones) added about 200 KB of formatter and parser to each component.
//! The tests check both directions against jiff over the whole supported range.

use calendar::{civil_from_days, days_from_civil, days_in_month};

const MS_PER_DAY: i64 = 86_400_000;
/// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z: the years four digits can write.
const MIN_MS: i64 = -62_167_219_200_000;
const MAX_MS: i64 = 253_402_300_799_999;

/// Formats milliseconds since the epoch as `2026-01-02T03:04:05.678Z`.
pub fn format_ms(ms: i64) -> String {
    if !(MIN_MS..=MAX_MS).contains(&ms) {
        // Only reachable with absurd clocks; keep the wire format valid anyway.
        return "1970-01-01T00:00:00.000Z".to_owned();
    }
    let (days, in_day) = (ms.div_euclid(MS_PER_DAY), ms.rem_euclid(MS_PER_DAY));
    let (year, month, day) = civil_from_days(days);
    let (secs, millis) = (in_day / 1000, in_day % 1000);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Parses an RFC 3339 timestamp (any offset) into milliseconds since the epoch.
/// Fractions finer than a millisecond are truncated, as the wire carries milliseconds.
pub fn parse_ms(s: &str) -> Result<i64, String> {
    parse(s.as_bytes())
        .ok_or_else(|| format!("`{s}` is not an RFC 3339 timestamp (e.g. 2026-01-02T03:04:05Z)"))
}

fn parse(b: &[u8]) -> Option<i64> {
    let mut p = Cursor { b, at: 0 };
    let year = p.digits(4)?;
    p.byte(b'-')?;
    let month = p.digits(2)? as u8;
    p.byte(b'-')?;
    let day = p.digits(2)? as u8;
    if !matches!(p.next()?, b'T' | b't' | b' ') {
        return None;
    }
    let hour = p.digits(2)?;
    p.byte(b':')?;
    let minute = p.digits(2)?;
    p.byte(b':')?;
    // RFC 3339 allows a leap second; like most systems, it counts as :59.
    let second = p.digits(2)?;
    if second > 60 {
        return None;
    }
    let second = second.min(59);
    let mut millis = 0;
    if p.peek() == Some(b'.') {
        p.at += 1;
        let start = p.at;
        while let Some(d @ b'0'..=b'9') = p.peek() {
            if p.at - start < 3 {
                millis = millis * 10 + i64::from(d - b'0');
            }
            p.at += 1;
        }
        match p.at - start {
            0 => return None,
            n @ 1..=2 => millis *= 10_i64.pow(3 - n as u32),
            _ => {}
        }
    }
    let offset_minutes = match p.next()? {
        b'Z' | b'z' => 0,
        sign @ (b'+' | b'-') => {
            let hours = p.digits(2)?;
            p.byte(b':')?;
            let minutes = p.digits(2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let total = hours * 60 + minutes;
            if sign == b'-' {
                -total
            } else {
                total
            }
        }
        _ => return None,
    };
    if p.at != b.len()
        || !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(secs * 1000 + millis)
}

struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.at).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.at += 1;
        Some(byte)
    }

    fn byte(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn digits(&mut self, n: usize) -> Option<i64> {
        let mut value = 0;
        for _ in 0..n {
            match self.next()? {
                d @ b'0'..=b'9' => value = value * 10 + i64::from(d - b'0'),
                _ => return None,
            }
        }
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_767_323_045_678), "2026-01-02T03:04:05.678Z");
        assert_eq!(format_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(format_ms(MIN_MS), "0000-01-01T00:00:00.000Z");
        assert_eq!(format_ms(MAX_MS), "9999-12-31T23:59:59.999Z");
        assert_eq!(format_ms(MAX_MS + 1), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(i64::MIN), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn parses_offsets_fractions_and_separators() {
        assert_eq!(
            parse_ms("2026-01-02T04:04:05.678+01:00"),
            Ok(1_767_323_045_678)
        );
        assert_eq!(parse_ms("2026-01-02t03:04:05.6z"), Ok(1_767_323_045_600));
        assert_eq!(
            parse_ms("2026-01-02 03:04:05.67891Z"),
            Ok(1_767_323_045_678)
        );
        assert_eq!(parse_ms("2026-01-01T22:34:05-04:30"), Ok(1_767_323_045_000));
        assert_eq!(
            parse_ms("2016-12-31T23:59:60Z"),
            parse_ms("2016-12-31T23:59:59Z")
        );
        assert_eq!(parse_ms("2024-02-29T00:00:00Z"), Ok(1_709_164_800_000));
    }

    #[test]
    fn refuses_what_rfc_3339_does_not_allow() {
        for bad in [
            "yesterday",
            "",
            "2026-01-02",
            "2026-01-02T03:04Z",
            "2026-01-02T03:04:05",
            "2026-01-02T03:04:05.Z",
            "2026-01-02T03:04:05+0100",
            "2026-01-02T03:04:05Z ",
            "2026-13-02T03:04:05Z",
            "2026-00-02T03:04:05Z",
            "2025-02-29T03:04:05Z",
            "2026-04-31T03:04:05Z",
            "2026-01-02T24:00:00Z",
            "2026-01-02T03:60:05Z",
            "2026-01-02T03:04:61Z",
            "2026-01-02T03:04:05+24:00",
            "+2026-01-02T03:04:05Z",
            "2026-01-02T03:04:05Z[UTC]",
            "２０２６-01-02T03:04:05Z",
        ] {
            assert!(parse_ms(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(
            parse_ms("yesterday"),
            Err("`yesterday` is not an RFC 3339 timestamp (e.g. 2026-01-02T03:04:05Z)".into())
        );
    }

    /// jiff's last instant (it keeps a day's margin for offsets); ours is a day later.
    const JIFF_MAX_MS: i64 = 253_402_207_199_999;

    /// A deterministic spread of instants over the whole four-digit range, plus the
    /// edges of every era, century and leap day near the epoch.
    fn samples() -> impl Iterator<Item = i64> {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let spread = (0..20_000).map(move |_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            MIN_MS + (x % (JIFF_MAX_MS - MIN_MS + 1) as u64) as i64
        });
        let edges = [
            "0000-01-01T00:00:00Z",
            "0000-02-29T12:00:00Z",
            "1600-03-01T00:00:00Z",
            "1900-02-28T23:59:59.999Z",
            "1900-03-01T00:00:00Z",
            "2000-02-29T00:00:00Z",
            "2100-03-01T00:00:00Z",
            "9999-12-30T21:59:59.999Z",
        ]
        .map(|s| s.parse::<Timestamp>().unwrap().as_millisecond());
        spread
            .chain(edges)
            .chain((-800..800).map(|d| d * MS_PER_DAY - 1))
    }

    #[test]
    fn formats_as_jiff_does() {
        for ms in samples() {
            let jiff = Timestamp::from_millisecond(ms)
                .unwrap()
                .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
                .to_string();
            assert_eq!(format_ms(ms), jiff, "{ms}");
        }
    }

    #[test]
    fn parses_as_jiff_does() {
        for ms in samples() {
            let text = format_ms(ms);
            assert_eq!(parse_ms(&text), Ok(ms), "{text}");
            let shifted = format!("{}-07:30", &text[..text.len() - 1]);
            let via_jiff = shifted.parse::<Timestamp>().map(|t| t.as_millisecond());
            if let Ok(expected) = via_jiff {
                assert_eq!(parse_ms(&shifted), Ok(expected), "{shifted}");
            }
        }
    }
}
