//! Baselines for `bench/run.py`, served by the same `spin` as the app:
//! - `/bench/hello`: the cost of a Spin request that does no work;
//! - `/bench/hello/sqlite`: plus one trivial statement on the app's own SQLite database,
//!   the floor for any request that touches the system of record (Spin opens a fresh
//!   connection per request, and SQLite loads the schema on its first statement).

/// Answers 200 "hello", after one `SELECT` for the `/sqlite` variant.
#[spin_sdk::http_component]
fn handle(req: http::Request<Vec<u8>>) -> http::Response<String> {
    let body = if req.uri().path().ends_with("/sqlite") {
        match spin_sdk::sqlite::Connection::open_default()
            .and_then(|c| c.execute("SELECT id FROM agents LIMIT 1", &[]))
        {
            Ok(rows) => format!("hello ({} row)", rows.rows.len()),
            Err(e) => {
                return http::Response::builder()
                    .status(500)
                    .body(e.to_string())
                    .unwrap_or_default()
            }
        }
    } else {
        "hello".to_owned()
    };
    http::Response::builder()
        .status(200)
        .header("content-type", "text/plain")
        .body(body)
        .unwrap_or_default()
}
