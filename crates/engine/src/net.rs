//! Which outbound targets are allowed.
//!
//! Tool, MCP and model URLs come from users, so by default they may not point at this
//! machine or private networks (SSRF). The check sees the URL, not DNS answers: a
//! public name resolving to a private address is only stopped by Spin's
//! `allowed_outbound_hosts`, which operators should narrow in production.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The Spin variable that lifts the restriction (local development, tests).
pub const ALLOW_PRIVATE_VAR: &str = "allow_private_targets";

/// Whether `url` may be called; the error says why not.
pub fn check_target(url: &str, allow_private: bool) -> Result<http::Uri, String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| format!("`{url}` is not a valid URL"))?;
    match uri.scheme_str() {
        Some("http") | Some("https") => {}
        _ => return Err(format!("`{url}` must use http or https")),
    }
    let host = uri
        .host()
        .ok_or_else(|| format!("`{url}` has no host"))?
        .to_ascii_lowercase();
    if !allow_private && is_private_host(&host) {
        return Err(format!(
            "`{host}` is a loopback, private or link-local address; set the `{ALLOW_PRIVATE_VAR}` variable to allow it"
        ));
    }
    Ok(uri)
}

fn is_private_host(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if bare == "localhost"
        || bare.ends_with(".localhost")
        || bare.ends_with(".local")
        || bare.ends_with(".internal")
    {
        return true;
    }
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => private_v4(v4),
        Ok(IpAddr::V6(v6)) => private_v6(v6),
        Err(_) => false,
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return private_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_targets_are_refused_unless_allowed() {
        for url in [
            "http://127.0.0.1:8080/x",
            "http://localhost/x",
            "https://10.1.2.3",
            "http://192.168.0.10",
            "http://172.16.5.4",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:9000",
            "http://[fd00::1]",
            "http://[::ffff:10.0.0.1]",
            "http://0.0.0.0",
            "http://100.64.0.1",
        ] {
            assert!(check_target(url, false).is_err(), "{url}");
            assert!(check_target(url, true).is_ok(), "{url}");
        }
        assert!(check_target("https://api.example.com/v1", false).is_ok());
        assert!(check_target("http://8.8.8.8", false).is_ok());
        assert!(check_target("ftp://example.com", true).is_err());
    }
}
