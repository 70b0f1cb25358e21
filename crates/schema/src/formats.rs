//! The `format` values this validator asserts. Others are annotations.

/// `None` when `format` is not asserted; otherwise `Some(None)` when `s` conforms, or
/// `Some(Some(description of a valid value))` when it does not.
pub(crate) fn check(format: &str, s: &str) -> Option<Option<&'static str>> {
    let (ok, expected) = match format {
        "date-time" => (date_time(s), "a date-time such as \"2024-05-01T12:00:00Z\""),
        "date" => (date(s), "a date such as \"2024-05-01\""),
        "time" => (
            time(s),
            "a time such as \"12:00:00Z\" or \"12:00:00+02:00\"",
        ),
        "email" => (email(s), "an email address such as \"name@example.com\""),
        "uri" => (uri(s), "an absolute URI such as \"https://example.com/a\""),
        "uuid" => (
            uuid(s),
            "a UUID such as \"123e4567-e89b-12d3-a456-426614174000\"",
        ),
        "ipv4" => (ipv4(s), "an IPv4 address such as \"192.168.0.1\""),
        "ipv6" => (ipv6(s), "an IPv6 address such as \"2001:db8::1\""),
        "hostname" => (hostname(s), "a host name such as \"api.example.com\""),
        _ => return None,
    };
    Some((!ok).then_some(expected))
}

/// The value of a run of ASCII digits (nothing else).
fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |n, d| n * 10 + u32::from(d - b'0')))
}

fn date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Some(y), Some(m), Some(d)) = (digits(&b[..4]), digits(&b[5..7]), digits(&b[8..])) else {
        return false;
    };
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&d)
}

/// RFC 3339 `full-time`: `HH:MM:SS[.frac](Z|±HH:MM)`, a leap second only at 23:59 UTC.
fn time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 9 || b[2] != b':' || b[5] != b':' {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits(&b[..2]), digits(&b[3..5]), digits(&b[6..8]))
    else {
        return false;
    };
    let mut rest = &b[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), oh @ .., b':', om1, om2] if oh.len() == 2 => {
            let (Some(oh), Some(om)) = (digits(oh), digits(&[*om1, *om2])) else {
                return false;
            };
            let sign = if *sign == b'+' { 1 } else { -1 };
            match (oh, om) {
                (0..=23, 0..=59) => sign * (oh * 60 + om) as i32,
                _ => return false,
            }
        }
        _ => return false,
    };
    if h > 23 || m > 59 || sec > 60 {
        return false;
    }
    let utc = ((h * 60 + m) as i32 - offset).rem_euclid(24 * 60);
    sec < 60 || utc == 23 * 60 + 59
}

fn date_time(s: &str) -> bool {
    matches!(s.as_bytes().get(10), Some(b'T' | b't'))
        && s.get(..10).is_some_and(date)
        && s.get(11..).is_some_and(time)
}

fn uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn ipv4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            let leading_zero = p.len() > 1 && p.starts_with('0');
            p.len() <= 3 && !leading_zero && digits(p.as_bytes()).is_some_and(|n| n <= 255)
        })
}

/// RFC 4291 text form, with an optional trailing IPv4 part; no zone id, no brackets.
fn ipv6(s: &str) -> bool {
    let (head, max_groups) = match s.rfind(':') {
        Some(i) if s[i + 1..].contains('.') => {
            if !ipv4(&s[i + 1..]) {
                return false;
            }
            // Keep a `::` that directly precedes the IPv4 part.
            let head = if s[..i].ends_with(':') {
                &s[..=i]
            } else {
                &s[..i]
            };
            (head, 6)
        }
        _ => (s, 8),
    };
    let count = |part: &str| -> Option<usize> {
        if part.is_empty() {
            return Some(0);
        }
        part.split(':')
            .map(|g| (1..=4).contains(&g.len()) && g.bytes().all(|c| c.is_ascii_hexdigit()))
            .try_fold(0, |n, ok| ok.then_some(n + 1))
    };
    match head.split_once("::") {
        Some((left, right)) => {
            !right.contains("::")
                && matches!((count(left), count(right)), (Some(l), Some(r)) if l + r < max_groups)
        }
        None => count(head) == Some(max_groups),
    }
}

/// RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
fn hostname(s: &str) -> bool {
    s.len() <= 253
        && s.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-')
        })
}

/// RFC 5321 mailbox: a dot-atom or quoted local part, and a host name or address literal.
fn email(s: &str) -> bool {
    let (local_ok, domain) = if let Some(quoted) = s.strip_prefix('"') {
        let mut escaped = false;
        let Some(end) = quoted.find(|c: char| {
            let closes = c == '"' && !escaped;
            escaped = c == '\\' && !escaped;
            closes
        }) else {
            return false;
        };
        let inner = &quoted[..end];
        let printable = inner.bytes().all(|c| (b' '..=b'~').contains(&c));
        (printable, quoted[end + 1..].strip_prefix('@'))
    } else {
        match s.split_once('@') {
            Some((local, domain)) => {
                let atext =
                    |c: u8| c.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&c);
                let ok = local
                    .split('.')
                    .all(|a| !a.is_empty() && a.bytes().all(atext));
                (ok, Some(domain))
            }
            None => (false, None),
        }
    };
    let domain_ok = |d: &str| match d.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        Some(literal) => match literal.strip_prefix("IPv6:") {
            Some(v6) => ipv6(v6),
            None => ipv4(literal),
        },
        None => hostname(d),
    };
    local_ok && domain.is_some_and(domain_ok)
}

/// Whether every byte is unreserved, a sub-delim, one of `extra`, or part of a `%XX` escape.
fn uri_chars(s: &str, extra: &[u8]) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if !b
                .get(i + 1..i + 3)
                .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=".contains(&c) || extra.contains(&c)) {
            return false;
        }
        i += 1;
    }
    true
}

/// RFC 3986 absolute URI: `scheme:[//authority]path[?query][#fragment]`.
fn uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+-.".contains(&c));
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    if !scheme_ok || !uri_chars(fragment, b":@/?") || !uri_chars(query, b":@/?") {
        return false;
    }
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let (authority, path) = after.find('/').map_or((after, ""), |i| after.split_at(i));
            if !authority_ok(authority) {
                return false;
            }
            path
        }
        None => rest,
    };
    uri_chars(path, b":@/")
}

fn authority_ok(authority: &str) -> bool {
    let (userinfo, host_port) = authority.split_once('@').unwrap_or(("", authority));
    let (host_ok, port) = match host_port.strip_prefix('[') {
        Some(literal) => {
            let Some((inside, after)) = literal.split_once(']') else {
                return false;
            };
            let port = match after {
                "" => "",
                _ => match after.strip_prefix(':') {
                    Some(p) => p,
                    None => return false,
                },
            };
            (ipv6(inside) || ip_future(inside), port)
        }
        None => {
            let (host, port) = host_port.split_once(':').unwrap_or((host_port, ""));
            (uri_chars(host, b""), port)
        }
    };
    host_ok && port.bytes().all(|c| c.is_ascii_digit()) && uri_chars(userinfo, b":")
}

/// `v1.something` inside brackets (RFC 3986 IPvFuture).
fn ip_future(s: &str) -> bool {
    let Some((version, rest)) = s.strip_prefix(['v', 'V']).and_then(|r| r.split_once('.')) else {
        return false;
    };
    !version.is_empty()
        && version.bytes().all(|c| c.is_ascii_hexdigit())
        && !rest.is_empty()
        && !rest.contains('%')
        && uri_chars(rest, b":")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(format: &str, s: &str) -> bool {
        check(format, s) == Some(None)
    }

    #[test]
    fn unknown_formats_are_not_asserted() {
        assert_eq!(check("duration", "nonsense"), None);
        assert_eq!(check("Date", "nonsense"), None);
    }

    #[test]
    fn dates_and_times() {
        assert!(ok("date", "2024-02-29"));
        assert!(!ok("date", "2023-02-29"));
        assert!(!ok("date", "2024-13-01"));
        assert!(!ok("date", "2024-1-01"));
        assert!(ok("time", "12:00:00Z"));
        assert!(ok("time", "12:00:00.5+02:00"));
        assert!(!ok("time", "12:00:00"));
        assert!(!ok("time", "12:00:00."));
        assert!(!ok("time", "12:00:00+2:00"));
        assert!(ok("time", "23:59:60Z"));
        assert!(!ok("time", "12:59:60Z"));
        assert!(ok("date-time", "2024-05-01T12:00:00Z"));
        assert!(ok("date-time", "2024-05-01t12:00:00.123-05:30"));
        assert!(!ok("date-time", "2024-05-01 12:00:00Z"));
        assert!(!ok("date-time", "2024-05-01"));
        assert!(!ok("date-time", "2024-05-0১T12:00:00Z"));
        let err = check("date-time", "yesterday")
            .flatten()
            .unwrap_or_default();
        assert!(err.contains("such as \"2024-05-01T12:00:00Z\""), "{err}");
    }

    #[test]
    fn addresses() {
        assert!(ok("ipv4", "10.0.0.255"));
        assert!(!ok("ipv4", "10.0.0.256"));
        assert!(!ok("ipv4", "10.0.0.01"));
        assert!(!ok("ipv4", "10.0.0"));
        assert!(ok("ipv6", "2001:db8::1"));
        assert!(ok("ipv6", "::ffff:10.0.0.1"));
        assert!(ok("ipv6", "1:2:3:4:5:6:7::"));
        assert!(!ok("ipv6", "1:2:3:4:5:6:7:8:9"));
        assert!(!ok("ipv6", "1::2::3"));
        assert!(!ok("ipv6", "::1%eth0"));
        assert!(ok("hostname", "api.example.com"));
        assert!(!ok("hostname", "api_example.com"));
        assert!(!ok("hostname", "-api.example.com"));
        assert!(!ok("hostname", ""));
    }

    #[test]
    fn emails_uris_uuids() {
        assert!(ok("email", "name@example.com"));
        assert!(ok("email", "\"a b\"@example.com"));
        assert!(ok("email", "\"a\\\"b\"@example.com"));
        assert!(!ok("email", "\"a b@example.com"));
        assert!(ok("email", "x@[IPv6:::1]"));
        assert!(!ok("email", "name@"));
        assert!(!ok("email", "name"));
        assert!(!ok("email", "a..b@example.com"));
        assert!(ok("uri", "https://user:pw@example.com:8080/a/b?c=d#e"));
        assert!(ok("uri", "urn:isbn:0451450523"));
        assert!(ok("uri", "http://[v1.fe]/"));
        assert!(!ok("uri", "example.com/path"));
        assert!(!ok("uri", "https://exa mple.com"));
        assert!(!ok("uri", "https://[::1/"));
        assert!(!ok("uri", "https://[::1]x/"));
        assert!(ok("uuid", "123e4567-e89b-12d3-a456-426614174000"));
        assert!(!ok("uuid", "123e4567e89b12d3a456426614174000"));
    }
}
