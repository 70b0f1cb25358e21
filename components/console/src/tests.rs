use super::*;

fn get(path: &str, if_none_match: Option<&str>) -> http::Response<Vec<u8>> {
    APP.route(&http::Method::GET, path, if_none_match)
        .into_http(false)
}

fn header<'a>(r: &'a http::Response<Vec<u8>>, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[test]
fn root_redirects_to_the_console() {
    for path in ["/", "/console"] {
        let r = get(path, None);
        assert_eq!(r.status(), 302);
        assert_eq!(header(&r, "location"), "/console/");
    }
}

#[test]
fn index_is_served_with_security_headers_and_an_etag() {
    let r = get("/console/", None);
    assert_eq!(r.status(), 200);
    assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
    assert_eq!(header(&r, "content-security-policy"), CSP);
    assert!(CSP.contains("frame-ancestors 'none'"));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    assert_eq!(header(&r, "cache-control"), "no-cache");
    let etag = header(&r, "etag").to_owned();
    assert!(etag.starts_with('"') && etag.len() == 18, "{etag}");
    assert_eq!(
        r.body(),
        ASSETS
            .iter()
            .find(|a| a.path == "index.html")
            .map(|a| a.body)
            .unwrap_or_default()
    );

    let again = get("/console/", Some(&format!("W/{etag}, \"other\"")));
    assert_eq!(again.status(), 304);
    assert!(again.body().is_empty());
    assert_eq!(header(&again, "etag"), etag);
}

#[test]
fn unknown_files_and_other_methods_are_refused_as_json() {
    let r = get("/console/nope.js", None);
    assert_eq!(r.status(), 404);
    assert_eq!(header(&r, "content-type"), "application/json");
    assert!(String::from_utf8_lossy(r.body()).contains(r#""code":"not_found""#));
    let post = APP
        .route(&http::Method::POST, "/console/", None)
        .into_http(false);
    assert_eq!(post.status(), 405);
    assert_eq!(header(&post, "allow"), "GET, HEAD");
}

#[test]
fn every_asset_has_a_known_content_type() {
    assert!(!ASSETS.is_empty());
    for a in ASSETS {
        assert_ne!(a.content_type, "application/octet-stream", "{}", a.path);
    }
}
