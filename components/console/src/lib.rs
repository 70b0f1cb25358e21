//! The console component: the web console's static files, embedded in the wasm at build
//! time (`build.rs` tables every file under `assets/`), served under `/console/` with
//! ETags and strict security headers; `/` redirects there. It holds no data and has no
//! powers of its own: the console calls the public API with the user's key.

use ports::{Env, HttpService};

/// One embedded file.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub etag: &'static str,
    pub body: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Everything the console loads comes from the app itself: no CDN, no inline script or
/// style, no frames, no form posts, and API calls only to this origin.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
img-src 'self' data:; connect-src 'self'; manifest-src 'self'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

pub struct Console;

pub static APP: Console = Console;

impl Console {
    fn route(&self, method: &http::Method, path: &str, if_none_match: Option<&str>) -> Response {
        if method != http::Method::GET && method != http::Method::HEAD {
            return Response::error(
                405,
                "method_not_allowed",
                "the console serves GET and HEAD only",
            )
            .header("allow", "GET, HEAD");
        }
        match path {
            "/" | "/console" => Response::redirect("/console/"),
            _ => {
                let Some(rest) = path.strip_prefix("/console/") else {
                    return Response::error(404, "not_found", "no such page");
                };
                let file = if rest.is_empty() { "index.html" } else { rest };
                match ASSETS.iter().find(|a| a.path == file) {
                    Some(asset)
                        if if_none_match.is_some_and(|tags| matches_etag(tags, asset.etag)) =>
                    {
                        Response::new(304, asset.content_type, &[]).header("etag", asset.etag)
                    }
                    Some(asset) => Response::new(200, asset.content_type, asset.body)
                        .header("etag", asset.etag),
                    None => Response::error(404, "not_found", "no such file in the console"),
                }
            }
        }
    }
}

/// Whether an `If-None-Match` value names this tag (a list, weak tags, or `*`).
fn matches_etag(header: &str, etag: &str) -> bool {
    header
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == etag)
}

/// A response under construction; every one carries the security headers.
struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Response {
    fn new(status: u16, content_type: &str, body: &[u8]) -> Self {
        Self {
            status,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.to_vec(),
        }
        // revalidate every time: a deploy changes files under the same names
        .header("cache-control", "no-cache")
    }

    fn redirect(to: &str) -> Self {
        Self::new(302, "text/plain; charset=utf-8", b"").header("location", to)
    }

    fn error(status: u16, code: &str, message: &str) -> Self {
        let body = format!(r#"{{"error":{{"code":"{code}","message":"{message}"}}}}"#);
        Self::new(status, "application/json", body.as_bytes())
    }

    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn into_http(self, head_only: bool) -> http::Response<Vec<u8>> {
        let mut builder = http::Response::builder().status(self.status);
        for (name, value) in self.headers.iter().map(|(n, v)| (*n, v.as_str())).chain([
            ("content-security-policy", CSP),
            ("x-content-type-options", "nosniff"),
            ("referrer-policy", "no-referrer"),
            ("x-frame-options", "DENY"),
            ("cross-origin-opener-policy", "same-origin"),
        ]) {
            builder = builder.header(name, value);
        }
        let body = if head_only { Vec::new() } else { self.body };
        builder.body(body).unwrap_or_else(|_| {
            let mut fallback = http::Response::new(Vec::new());
            *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
            fallback
        })
    }
}

impl HttpService for Console {
    type After = ();

    fn handle(&self, env: Env<'_>, req: http::Request<Vec<u8>>) -> (http::Response<Vec<u8>>, ()) {
        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
        let id = ports::request_id(header("x-request-id"), &env);
        let response = self
            .route(req.method(), req.uri().path(), header("if-none-match"))
            .header("x-request-id", &id);
        (response.into_http(req.method() == http::Method::HEAD), ())
    }

    fn after(&self, _env: Env<'_>, _after: ()) {}

    fn body_limit(&self) -> usize {
        0
    }
}

host::http_component!(APP);

#[cfg(test)]
mod tests;
